// Pages of a matched set. Ordinals are in ranking order (newest first), so a newest-first page
// is a slice, and a total is a length. Relevance (search-layout.ts RELEVANCE) scores every
// matched record: titles equal to the ranking text (the text at position 0, within the title's
// length) or starting with it, the same for title readings (the text right after the title and
// its separator, within the reading's length), authors equal to it, known items (every word in
// the title group, or every word in the author group) — placed with the bigram positions and
// the part lengths as a field search places words — plus the record's popularity; a bounded
// heap picks the page's best, and the delta records, scored from their rows, are merged in.
// 50音 and oldest-first pages take the indexed records with the smallest places (a bounded
// heap) and hand them, with the delta records, to SQL to order exactly.
import { KEY_SEPARATOR, RELEVANCE } from '../../db/search-layout.ts'
import type { DocTable } from './doc-table.ts'
import { keyOfOrd, ordLookup } from './doc-table.ts'
import type { IndexContext } from './index-cache.ts'
import type { DeltaDoc } from './index-delta.ts'
import { fieldsMatch } from './index-delta.ts'
import { BI, FIRST, NULL_YEAR, READ2, TITLE2, TWO32, gkey } from './index-format.ts'
import {
  coveringPairs,
  cps,
  fieldTerm,
  fieldTermLists,
  match,
  placedInField,
  verifyPhrase,
} from './index-match.ts'
import type { FieldTerm, Needed, SearchFilters } from './index-match.ts'
import type { FieldTerms } from '../../db/search-repository.ts'
import { filterDocs, gallop, intersect, lowerBound, union } from './postings.ts'

export interface SearchIdsResult {
  total: number
  /** The page's record ids, in ranking order. */
  ids: number[]
}

/** A page of a search's records, and what the search adds to its words. */
export interface SearchPage {
  offset: number
  limit: number
  filters?: SearchFilters
  /** Words that must occur within given fields (detailed search). */
  fields?: FieldTerms
  /** The folded text compared with titles for ranking; default: the words joined. */
  rankText?: string
  /** Newest first (then by id) instead of by relevance. */
  newestFirst?: boolean
}

/** A sequence of base ordinals in ranking order. */
interface BaseSeq {
  length: number
  at(i: number): number
  /** How many elements rank before this key. */
  countBelow(key: number): number
}

function countBelowIn(table: DocTable, docs: Uint32Array, key: number): number {
  let lo = 0
  let hi = docs.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (keyOfOrd(table, docs[mid] ?? 0) < key) lo = mid + 1
    else hi = mid
  }
  return lo
}

function arraySeq(table: DocTable, docs: Uint32Array): BaseSeq {
  return {
    length: docs.length,
    at: (i) => docs[i] ?? 0,
    countBelow: (key) => countBelowIn(table, docs, key),
  }
}

/** Record ids at merged positions [start, start + count) of base ∪ delta (both ranked). */
function takeMerged(
  table: DocTable,
  base: BaseSeq,
  delta: readonly DeltaDoc[],
  start: number,
  count: number,
  out: number[],
): void {
  const total = base.length + delta.length
  const end = Math.min(total, start + count)
  if (start >= end) return
  const positions = delta.map((d, j) => base.countBelow(d.key) + j)
  let j = lowerBound(positions, start)
  let b = start - j
  for (let t = start; t < end; t++) {
    const d = delta[j]
    if (d && positions[j] === t) {
      out.push(d.id)
      j++
    } else {
      out.push(table.recordIds[base.at(b)] ?? 0)
      b++
    }
  }
}

/**
 * The library's records matching every word (a folded substring of search_text) and the
 * filters: how many, and the ids of one page — in relevance order (search-layout.ts
 * RELEVANCE: the first signal a record meets plus its popularity, higher first), or with
 * `newestFirst` in ranking order alone; ties newest first, then by id. Null when the library
 * has no usable index (the caller searches by SQL instead).
 */
export async function searchIds(
  ctx: IndexContext,
  libraryId: number,
  words: readonly string[],
  page: SearchPage,
): Promise<SearchIdsResult | null> {
  const offset = Math.max(0, Math.floor(page.offset))
  const limit = Math.max(0, Math.floor(page.limit))
  const rankText = page.newestFirst ? '' : (page.rankText ?? words.join(''))
  const rankChars = cps(rankText)
  const m = rankChars.length
  const extra = new Map<string, Needed>()
  const title2 = rankChars.slice(0, 2).join('')
  const rankPairs = m >= 2 ? coveringPairs(rankChars) : []
  if (m === 1) extra.set(`f${rankText}`, { key: gkey(FIRST, rankText), positional: false })
  else if (m > 1) {
    extra.set(`t${title2}`, { key: gkey(TITLE2, title2), positional: false })
    extra.set(`r${title2}`, { key: gkey(READ2, title2), positional: false })
  }
  for (const { name } of rankPairs) {
    extra.set(name, { key: gkey(BI, name.slice(1)), positional: true })
  }
  // known items: every word in the title group, or every word in the author group
  const known = page.newestFirst ? [] : [...new Set(words.filter((w) => w !== ''))]
  const inTitle = known.map((w) => fieldTerm(w, 'title', 'contains'))
  const inAuthor = known.map((w) => fieldTerm(w, 'author', 'contains'))
  const authorExact = m >= 2 ? fieldTerm(rankText, 'author', 'exact') : null
  for (const t of [...inTitle, ...inAuthor]) fieldTermLists(t, extra)
  const matched = await match(ctx, libraryId, words, page.filters ?? {}, extra, page.fields)
  if (!matched) return null
  const { table, base, live, list } = matched

  const total = base.length + live.length
  const ids: number[] = []
  if (limit === 0 || offset >= total) return { total, ids }
  if (page.newestFirst) {
    takeMerged(table, arraySeq(table, base), live, offset, limit, ids)
    return { total, ids }
  }

  // 6. The signals, as sorted subsets of base, then each record's score.
  const pairs = rankPairs.map(({ name, offset: o }) => ({ list: list(name), offset: o }))
  let titled: Uint32Array = new Uint32Array(0)
  let read: Uint32Array = new Uint32Array(0)
  if (m >= 1) {
    // titles starting with the ranking text (its place checked with the bigram positions)
    titled = intersect(base, list(m === 1 ? `f${rankText}` : `t${title2}`).docs)
    if (m > 2 && titled.length > 0) {
      titled = filterDocs(titled, (o) => (table.titleLens[o] ?? 0) >= m)
      titled = verifyPhrase(titled, pairs, () => 0)
    }
  }
  if (m >= 2) {
    // readings starting with it: the second field, from the title's length + the separator
    read = intersect(base, list(`r${title2}`).docs)
    if (m > 2 && read.length > 0) {
      read = filterDocs(read, (o) => (table.readingLens[o] ?? 0) >= m)
      read = verifyPhrase(read, pairs, (o) => (table.titleLens[o] ?? 0) + 1)
    }
  }
  const starting = union(titled, read)
  const exact = union(
    filterDocs(titled, (o) => table.titleLens[o] === m),
    filterDocs(read, (o) => table.readingLens[o] === m),
  )
  const S = KEY_SEPARATOR
  const framed = `${S}${rankText}${S}`
  const byAuthor = authorExact ? placedInField(table, base, authorExact, list) : null
  // the text names an author: titles about the author score below the author's works
  const namesAuthor =
    byAuthor !== null &&
    (byAuthor.length > 0 || live.some((d) => d.keys.author_key.includes(framed)))
  const signals: [Uint32Array, number][] = [
    [exact, namesAuthor ? RELEVANCE.aboutAuthorExact : RELEVANCE.exactTitle],
    [starting, namesAuthor ? RELEVANCE.aboutAuthorPrefix : RELEVANCE.titlePrefix],
  ]
  if (byAuthor) signals.push([byAuthor, RELEVANCE.authorExact])
  if (known.length) {
    const allIn = (terms: FieldTerm[]) =>
      terms.reduce((docs, t) => placedInField(table, docs, t, list), base)
    signals.push([allIn(inTitle), RELEVANCE.allInTitle])
    signals.push([allIn(inAuthor), RELEVANCE.allInAuthor])
    if (known.length >= 2) {
      const either = known.reduce(
        (docs, _w, i) =>
          union(
            placedInField(table, docs, inTitle[i] ?? fieldTerm('', 'title', 'contains'), list),
            placedInField(table, docs, inAuthor[i] ?? fieldTerm('', 'author', 'contains'), list),
          ),
        base,
      )
      signals.push([either, RELEVANCE.titleAndAuthor])
    }
  }
  // keys: (best score first, then ordinal = newest first, then by id)
  const scoreOf = new Uint16Array(base.length)
  for (const [docs, score] of signals) {
    let i = 0
    for (let j = 0; j < docs.length; j++) {
      i = gallop(base, docs[j] ?? 0, i)
      if ((scoreOf[i] ?? 0) < score) scoreOf[i] = score
    }
  }
  const MAX = 1 << 17
  const keyAt = (i: number): number => {
    const o = base[i] ?? 0
    return (MAX - (scoreOf[i] ?? 0) - (table.popularity[o] ?? 0)) * TWO32 + o
  }
  const topIdx = smallest(base.length, offset + limit, keyAt)
  const deltaScore = (d: DeltaDoc): number => {
    const byReading = m >= 2
    const signal =
      namesAuthor && d.keys.author_key.includes(framed)
        ? RELEVANCE.authorExact
        : m > 0 && (d.title === rankText || (byReading && d.reading === rankText))
          ? namesAuthor
            ? RELEVANCE.aboutAuthorExact
            : RELEVANCE.exactTitle
          : m > 0 && (d.title.startsWith(rankText) || (byReading && d.reading.startsWith(rankText)))
            ? namesAuthor
              ? RELEVANCE.aboutAuthorPrefix
              : RELEVANCE.titlePrefix
            : known.length && fieldsMatch({ title: { words: known, mode: 'contains' } }, d.keys)
              ? RELEVANCE.allInTitle
              : known.length && fieldsMatch({ author: known }, d.keys)
                ? RELEVANCE.allInAuthor
                : known.length >= 2 &&
                    known.every(
                      (w) =>
                        fieldsMatch({ title: { words: [w], mode: 'contains' } }, d.keys) ||
                        fieldsMatch({ author: [w] }, d.keys),
                    )
                  ? RELEVANCE.titleAndAuthor
                  : 0
    return signal + d.popularity
  }
  const delta = live
    .map((d) => ({ d, score: deltaScore(d) }))
    .sort((a, b) => b.score - a.score || a.d.key - b.d.key)
  // merge the base's best with the delta records
  let b = 0
  let j = 0
  for (let t = 0; t < offset + limit && (b < topIdx.length || j < delta.length); t++) {
    const bi = topIdx[b]
    const dj = delta[j]
    let takeDelta = bi === undefined
    if (!takeDelta && dj) {
      const o = base[bi ?? 0] ?? 0
      const bs = (scoreOf[bi ?? 0] ?? 0) + (table.popularity[o] ?? 0)
      takeDelta = dj.score > bs || (dj.score === bs && dj.d.key < keyOfOrd(table, o))
    }
    const id = takeDelta ? (dj?.d.id ?? 0) : (table.recordIds[base[bi ?? 0] ?? 0] ?? 0)
    if (takeDelta) j++
    else b++
    if (t >= offset) ids.push(id)
  }
  return { total, ids }
}

/** All the records of a search, for reading them in another order (a sorted page). */
export interface MatchedSet {
  total: number
  /** Records in the library's index (an estimate of the catalogue's size). */
  catalogueSize: number
  has(recordId: number): boolean
  /** The record ids, in ranking order (newest first). */
  ids(): number[]
  /**
   * The first `count` indexed records in a sort's order, and the edited ones (which the index
   * cannot place): a superset of the first `count` of the set, for SQL to order exactly.
   */
  top(sort: 'title' | 'author' | 'year_asc', count: number): number[]
}

/** The records matching words, filters and fields (as searchIds), or null without an index. */
export async function matchedSet(
  ctx: IndexContext,
  libraryId: number,
  words: readonly string[],
  page: Pick<SearchPage, 'filters' | 'fields'>,
): Promise<MatchedSet | null> {
  const matched = await match(ctx, libraryId, words, page.filters ?? {}, new Map(), page.fields)
  if (!matched) return null
  const { table, base, live } = matched
  const bits = new Uint8Array((table.n >> 3) + 1)
  for (let i = 0; i < base.length; i++) {
    const o = base[i] ?? 0
    bits[o >> 3] = (bits[o >> 3] ?? 0) | (1 << (o & 7))
  }
  const liveIds = new Set(live.map((d) => d.id))
  const ordOf = ordLookup(table)
  return {
    total: base.length + live.length,
    catalogueSize: table.n,
    has(id) {
      if (liveIds.has(id)) return true
      const o = ordOf(id)
      return o >= 0 && ((bits[o >> 3] ?? 0) & (1 << (o & 7))) !== 0
    },
    ids() {
      const out: number[] = []
      takeMerged(table, arraySeq(table, base), live, 0, base.length + live.length, out)
      return out
    },
    top(sort, count) {
      const years = table.years
      const keyOf: (o: number) => number =
        sort === 'title'
          ? (o) => table.titleRanks[o] ?? 0
          : sort === 'author'
            ? (o) => table.authorRanks[o] ?? 0
            : (o) => {
                const year = years[o] ?? NULL_YEAR
                return (
                  (year === NULL_YEAR ? 99_999 : year + 50_000) * TWO32 + (table.recordIds[o] ?? 0)
                )
              }
      const at = smallest(base.length, count, (i) => keyOf(base[i] ?? 0))
      const ords = Array.from(at, (i) => base[i] ?? 0)
      return [...ords.map((o) => table.recordIds[o] ?? 0), ...live.map((d) => d.id)]
    },
  }
}

/** The indices i < n with the `count` smallest keys, in key order (a bounded heap). */
function smallest(n: number, count: number, keyOf: (i: number) => number): Uint32Array {
  const k = Math.min(count, n)
  if (k === 0) return new Uint32Array(0)
  const heapKeys = new Float64Array(k)
  const heapOrds = new Uint32Array(k)
  let size = 0
  const swap = (i: number, j: number) => {
    const key = heapKeys[i] ?? 0
    heapKeys[i] = heapKeys[j] ?? 0
    heapKeys[j] = key
    const ord = heapOrds[i] ?? 0
    heapOrds[i] = heapOrds[j] ?? 0
    heapOrds[j] = ord
  }
  for (let o = 0; o < n; o++) {
    const key = keyOf(o)
    if (size < k) {
      // push, sift up (a max-heap: the largest kept key on top)
      let c = size++
      heapKeys[c] = key
      heapOrds[c] = o
      while (c > 0) {
        const p = (c - 1) >> 1
        if ((heapKeys[p] ?? 0) >= (heapKeys[c] ?? 0)) break
        swap(p, c)
        c = p
      }
    } else if (key < (heapKeys[0] ?? 0)) {
      heapKeys[0] = key
      heapOrds[0] = o
      let p = 0
      for (;;) {
        const l = 2 * p + 1
        const r = l + 1
        let m = p
        if (l < k && (heapKeys[l] ?? 0) > (heapKeys[m] ?? 0)) m = l
        if (r < k && (heapKeys[r] ?? 0) > (heapKeys[m] ?? 0)) m = r
        if (m === p) break
        swap(p, m)
        p = m
      }
    }
  }
  const order = Array.from({ length: size }, (_v, i) => i).sort(
    (a, b) => (heapKeys[a] ?? 0) - (heapKeys[b] ?? 0),
  )
  return Uint32Array.from(order, (i) => heapOrds[i] ?? 0)
}
