// Pages of a matched set. Ordinals are in ranking order (newest first), so a matched set is
// already sorted: a page is a slice, and a total is a length. Relevance puts titles equal to
// the ranking text first, then titles starting with it (the text at position 0, within the
// title's length), the same for title readings (the text right after the title and its
// separator, within the reading's length), then the rest; delta records are merged in by their
// ranking keys. 50音 and oldest-first pages take the indexed records with the smallest places
// (a bounded heap) and hand them, with the delta records, to SQL to order exactly.
import type { DocTable } from './doc-table.ts'
import { keyOfOrd, ordLookup } from './doc-table.ts'
import type { IndexContext } from './index-cache.ts'
import type { DeltaDoc } from './index-delta.ts'
import { BI, FIRST, NULL_YEAR, READ2, TITLE2, TWO32, gkey } from './index-format.ts'
import { coveringPairs, cps, match, verifyPhrase } from './index-match.ts'
import type { Needed, SearchFilters } from './index-match.ts'
import type { FieldTerms } from '../../db/search-repository.ts'
import { difference, filterDocs, gallop, intersect, lowerBound, union } from './postings.ts'

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

/** docs without the elements at the (sorted) indices `removed`. */
function withoutSeq(table: DocTable, docs: Uint32Array, removed: Uint32Array): BaseSeq {
  return {
    length: docs.length - removed.length,
    at(i) {
      // the smallest x with x − |removed ≤ x| = i and x not removed
      let skipped = 0
      for (;;) {
        const x = i + skipped
        const s = lowerBound(removed, x + 1)
        if (s === skipped) return docs[x] ?? 0
        skipped = s
      }
    },
    countBelow(key) {
      const below = countBelowIn(table, docs, key)
      return below - lowerBound(removed, below)
    },
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
 * filters: how many, and the ids of one page in ranking order — titles (or, for 2+ characters,
 * title readings) equal to the ranking text first, then those starting with it, then the
 * rest; newest first, then by id. An empty ranking text: newest first only. Null when the
 * library has no usable index (the caller searches by SQL instead).
 */
export async function searchIds(
  ctx: IndexContext,
  libraryId: number,
  words: readonly string[],
  page: SearchPage,
): Promise<SearchIdsResult | null> {
  const offset = Math.max(0, Math.floor(page.offset))
  const limit = Math.max(0, Math.floor(page.limit))
  const rankText = page.rankText ?? words.join('')
  const rankChars = cps(rankText)
  const m = rankChars.length
  const extra = new Map<string, Needed>()
  const title2 = rankChars.slice(0, 2).join('')
  const rankPairs = m > 2 ? coveringPairs(rankChars) : []
  if (m === 1) extra.set(`f${rankText}`, { key: gkey(FIRST, rankText), positional: false })
  else if (m > 1) {
    extra.set(`t${title2}`, { key: gkey(TITLE2, title2), positional: false })
    extra.set(`r${title2}`, { key: gkey(READ2, title2), positional: false })
  }
  for (const { name } of rankPairs) {
    extra.set(name, { key: gkey(BI, name.slice(1)), positional: true })
  }
  const matched = await match(ctx, libraryId, words, page.filters ?? {}, extra, page.fields)
  if (!matched) return null
  const { table, base, live, list } = matched

  // 6. Ranking tiers and the page.
  const total = base.length + live.length
  const ids: number[] = []
  if (limit === 0 || offset >= total) return { total, ids }
  let tiers: { seq: BaseSeq; delta: DeltaDoc[] }[]
  if (m === 0) {
    tiers = [{ seq: arraySeq(table, base), delta: live }]
  } else {
    const pairs = rankPairs.map(({ name, offset: o }) => ({ list: list(name), offset: o }))
    // titles starting with the ranking text (its place checked with the bigram positions)
    let titled = intersect(base, list(m === 1 ? `f${rankText}` : `t${title2}`).docs)
    if (m > 2 && titled.length > 0) {
      titled = filterDocs(titled, (o) => (table.titleLens[o] ?? 0) >= m)
      titled = verifyPhrase(titled, pairs, () => 0)
    }
    // readings starting with it: the second field, from the title's length + the separator
    let read: Uint32Array = new Uint32Array(0)
    if (m >= 2) {
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
    const startsOnly = exact.length === 0 ? starting : difference(starting, exact)
    const removed = new Uint32Array(starting.length)
    let cursor = 0
    for (let i = 0; i < starting.length; i++) {
      cursor = gallop(base, starting[i] ?? 0, cursor)
      removed[i] = cursor
    }
    const byReading = m >= 2
    const tier = (d: DeltaDoc) =>
      d.title === rankText || (byReading && d.reading === rankText)
        ? 0
        : d.title.startsWith(rankText) || (byReading && d.reading.startsWith(rankText))
          ? 1
          : 2
    tiers = [
      { seq: arraySeq(table, exact), delta: live.filter((d) => tier(d) === 0) },
      { seq: arraySeq(table, startsOnly), delta: live.filter((d) => tier(d) === 1) },
      {
        seq: starting.length === 0 ? arraySeq(table, base) : withoutSeq(table, base, removed),
        delta: live.filter((d) => tier(d) === 2),
      },
    ]
  }
  let skip = offset
  for (const { seq, delta: d } of tiers) {
    const size = seq.length + d.length
    if (skip >= size) {
      skip -= size
      continue
    }
    takeMerged(table, seq, d, skip, limit - ids.length, ids)
    skip = 0
    if (ids.length >= limit) break
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
      const ords = smallest(base, count, keyOf)
      return [...Array.from(ords, (o) => table.recordIds[o] ?? 0), ...live.map((d) => d.id)]
    },
  }
}

/** The `count` elements of `docs` with the smallest keys, in key order (a bounded heap). */
function smallest(docs: Uint32Array, count: number, keyOf: (o: number) => number): Uint32Array {
  const k = Math.min(count, docs.length)
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
  for (let i = 0; i < docs.length; i++) {
    const o = docs[i] ?? 0
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
