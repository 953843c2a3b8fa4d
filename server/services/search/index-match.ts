// Matching with the index: the documents of a library that contain every word and pass the
// filters and field terms (steps 1–5 of a search; index-ranking.ts and index-facets.ts take
// it from there). A 1-character word is its character list, a 2-character word its bigram list; a
// longer word is the intersection of the bigram lists covering it, checked with positions
// (the bigrams at their offsets from one start), which is exact: nothing is verified against
// the text. Words are ANDed rarest first. A detailed search's field word must have an
// occurrence inside its field, found from the positions and the part lengths exactly as LIKE
// on title_key/author_key/publisher_key decides (a 1-character one: the group's character
// list). The year filter is an ordinal range. Delta records are matched from their rows.
import * as repo from '../../db/search-index-repository.ts'
import type { FieldTerms } from '../../db/search-repository.ts'
import type { MaterialType } from '../../db/schema.ts'
import { applyCopyFilter, hasCopyFilter } from './copy-filter.ts'
import type { DocTable } from './doc-table.ts'
import { docTableFor, ordLookup, yearBounds } from './doc-table.ts'
import type { IndexContext } from './index-cache.ts'
import type { DeltaDoc } from './index-delta.ts'
import { applyDelta, fieldsMatch, withoutStale } from './index-delta.ts'
import { BI, GROUPS, LAYOUT_PARTS, NDC, UNI, UNKNOWN_LAYOUT, gkey } from './index-format.ts'
import {
  EMPTY_LIST,
  decodeList,
  filterDocs,
  gallop,
  intersect,
  readPositions,
  sliceRange,
} from './postings.ts'
import type { PostingList, StoredSegment } from './postings.ts'

/** The filters a search may add to its words (all ANDed). */
export interface SearchFilters {
  /** Any of these material types. */
  materialTypes?: readonly MaterialType[]
  /** pub_year ≥ yearFrom (records without a year are left out). */
  yearFrom?: number
  /** pub_year ≤ yearTo (records without a year are left out). */
  yearTo?: number
  /** NDC starting with this (digits and dots: '9', '91', '913.6'). */
  ndcPrefix?: string
  /** Held at this branch: a copy there (with availableNow: an available copy there). */
  branchId?: number
  /** A copy on the shelf now: status available and not reference-only. */
  availableNow?: boolean
  /** This ISBN-13 (as stored in record.isbn). */
  isbn?: string
  /** A copy whose call number starts with this (read live from the copy table). */
  callNumberPrefix?: string
}

const NDC_PREFIX = /^[0-9.]{1,16}$/

/** A list a search needs: its key, and whether its positions are wanted. */
export interface Needed {
  key: Buffer
  positional: boolean
}

async function fetchLists(
  ctx: IndexContext,
  libraryId: number,
  table: DocTable,
  needed: Map<string, Needed>,
): Promise<Map<string, PostingList>> {
  const lists = ctx.cache.lists
  const found = new Map<string, PostingList>()
  const prefix = `${libraryId}/${table.gen}/`
  const missing: Buffer[] = []
  const byHex = new Map<string, string>()
  for (const [name, need] of needed) {
    const hit = lists.get(prefix + name)
    if (hit) found.set(name, hit)
    else {
      missing.push(need.key)
      byHex.set(need.key.toString('hex'), name)
    }
  }
  if (missing.length === 0) return found
  const rows = await repo.fetchPostings(ctx.db, libraryId, table.gen, missing)
  const segments = new Map<string, StoredSegment[]>()
  for (const row of rows) {
    const name = byHex.get(row.gkey.toString('hex'))
    if (name === undefined) continue
    const list = segments.get(name) ?? []
    list.push({ seg: row.seg, docCount: row.docCount, data: row.data })
    segments.set(name, list)
  }
  for (const name of byHex.values()) {
    const need = needed.get(name)
    const segs = segments.get(name)
    const list = segs && need ? decodeList(segs, table.segmentSize, need.positional) : EMPTY_LIST
    lists.set(prefix + name, list)
    found.set(name, list)
  }
  return found
}

export interface Pair {
  list: PostingList
  offset: number
}

/**
 * The documents of `docs` (sorted) in which every pair's bigram occurs at start + offset, for
 * some start (that startOk accepts), or for the document's startAt; `accept` filters documents
 * first.
 */
export function verifyPhrase(
  docs: Uint32Array,
  pairs: Pair[],
  startAt: ((ord: number) => number) | null,
  accept?: (ord: number) => boolean,
  startOk?: (ord: number, start: number) => boolean,
): Uint32Array {
  const ordered = [...pairs].sort((a, b) => a.list.docs.length - b.list.docs.length)
  const k = ordered.length
  const cursors = new Array<number>(k).fill(0)
  const buffers = ordered.map(() => [] as number[])
  const counts = new Array<number>(k).fill(0)
  const out = new Uint32Array(docs.length)
  let n = 0
  const has = (p: number, value: number): boolean => {
    const buf = buffers[p] ?? []
    const c = counts[p] ?? 0
    for (let i = 0; i < c; i++) {
      const v = buf[i] ?? 0
      if (v === value) return true
      if (v > value) return false
    }
    return false
  }
  for (let r = 0; r < docs.length; r++) {
    const doc = docs[r] ?? 0
    if (accept && !accept(doc)) continue
    let ok = true
    for (let p = 0; p < k; p++) {
      const list = ordered[p]?.list ?? EMPTY_LIST
      const idx = gallop(list.docs, doc, cursors[p] ?? 0)
      cursors[p] = idx
      if (list.docs[idx] !== doc) {
        ok = false
        break
      }
      counts[p] = readPositions(list, idx, buffers[p] ?? [])
    }
    if (!ok) continue
    if (startAt !== null) {
      const start = startAt(doc)
      for (let p = 0; p < k && ok; p++) ok = has(p, start + (ordered[p]?.offset ?? 0))
    } else {
      ok = false
      const anchor = buffers[0] ?? []
      const off0 = ordered[0]?.offset ?? 0
      for (let a = 0; a < (counts[0] ?? 0) && !ok; a++) {
        const start = (anchor[a] ?? 0) - off0
        if (start < 0 || (startOk && !startOk(doc, start))) continue
        let all = true
        for (let p = 1; p < k && all; p++) all = has(p, start + (ordered[p]?.offset ?? 0))
        ok = all
      }
    }
    if (ok) out[n++] = doc
  }
  return out.subarray(0, n)
}

export function cps(text: string): string[] {
  return Array.from(text)
}

/** The bigram pairs (list name, offset) of a folded text of 2+ characters. */
function bigramNames(chars: readonly string[]): { name: string; offset: number }[] {
  const out: { name: string; offset: number }[] = []
  for (let i = 0; i + 1 < chars.length; i++)
    out.push({ name: `b${chars[i]}${chars[i + 1]}`, offset: i })
  return out
}

/**
 * Bigrams whose places cover every character of a text of 3+ characters (offsets 0, 2, 4 …
 * and the last): finding them all at start + offset is finding the text at start.
 */
export function coveringPairs(chars: readonly string[]): { name: string; offset: number }[] {
  const all = bigramNames(chars)
  const last = all.length - 1
  return all.filter((_b, i) => i % 2 === 0 || i === last)
}

/** A field word (or a title's whole text, for prefix and exact) and where it must be. */
export interface FieldTerm {
  text: string
  chars: string[]
  group: 'title' | 'titleProper' | 'author' | 'publisher' | 'subject'
  mode: 'contains' | 'prefix' | 'exact'
}

/** The terms of field words. */
function fieldTerms(fields: FieldTerms): FieldTerm[] {
  const terms: FieldTerm[] = []
  const add = (text: string, group: FieldTerm['group'], mode: FieldTerm['mode']) => {
    if (text !== '') terms.push({ text, chars: cps(text), group, mode })
  }
  if (fields.title) {
    const { words, mode, subtitles } = fields.title
    if (mode === 'contains') for (const w of words) add(w, 'title', mode)
    else add(words.join(''), subtitles ? 'title' : 'titleProper', mode)
  }
  for (const w of fields.author ?? []) add(w, 'author', 'contains')
  for (const w of fields.publisher ?? []) add(w, 'publisher', 'contains')
  for (const w of fields.subject ?? []) add(w, 'subject', 'contains')
  return terms
}

/**
 * Whether an occurrence of the term starting at `start` of a document's search_text is where
 * the field search wants it — exactly as LIKE on the group's key (title_key, author_key,
 * publisher_key: the group's fields framed by separators, cut at keyMax characters) decides.
 */
export function fieldPlacement(
  table: DocTable,
  t: FieldTerm,
): (ord: number, start: number) => boolean {
  const g = GROUPS[t.group]
  const m = t.chars.length
  return (ord, start) => {
    const at = ord * LAYOUT_PARTS
    const layout = table.layout
    if (layout[at] === UNKNOWN_LAYOUT) return false
    let pos = 0
    let groupStart = -1
    let groupEnd = -1
    let partHit = false
    for (let k = 0; k < g.to; k++) {
      const len = layout[at + k] ?? 0
      if (len === 0) continue
      if (k >= g.from) {
        if (groupStart < 0) groupStart = pos
        groupEnd = pos + len
        // the key holds "\u0001" + the group's text, cut at keyMax
        const rel = pos - groupStart
        if (pos === start && rel + m <= g.keyMax - 1) {
          partHit ||= t.mode === 'prefix' || (len === m && rel + m <= g.keyMax - 2)
        }
      }
      pos += len + 1
    }
    if (groupStart < 0 || start < groupStart) return false
    if (t.mode !== 'contains') return partHit
    return start + m <= Math.min(groupEnd, groupStart + g.keyMax - 1)
  }
}

/**
 * The list kind of a one-character field term: the group's characters (部分一致), or for the
 * title groups the first characters of their parts (前方一致) or their one-character parts
 * (完全一致).
 */
function oneCharKind(t: FieldTerm): number {
  const g = GROUPS[t.group]
  if (t.mode === 'contains' || !('firstKind' in g)) return g.kind
  return t.mode === 'prefix' ? g.firstKind : g.oneKind
}

function oneCharList(t: FieldTerm): string {
  return `${String.fromCharCode(oneCharKind(t))}${t.text}`
}

/** A field term for a folded text: the list it needs beside a word's own (none: words'). */
export function fieldTerm(text: string, group: FieldTerm['group'], mode: FieldTerm['mode']) {
  return { text, chars: cps(text), group, mode }
}

/** The lists that placing a term in its field needs (to add to a search's `extra`). */
export function fieldTermLists(t: FieldTerm, extra: Map<string, Needed>): void {
  if (t.chars.length === 1) {
    const name = oneCharList(t)
    if (!extra.has(name)) extra.set(name, { key: gkey(oneCharKind(t), t.text), positional: false })
    return
  }
  for (const { name } of coveringPairs(t.chars)) {
    if (!extra.has(name)) extra.set(name, { key: gkey(BI, name.slice(1)), positional: true })
  }
}

/**
 * The documents of `docs` (sorted) in which the term lies in its field as a field search would
 * place it (LIKE on the group's key), with the lists fieldTermLists asked for.
 */
export function placedInField(
  table: DocTable,
  docs: Uint32Array,
  t: FieldTerm,
  list: (name: string) => PostingList,
): Uint32Array {
  if (docs.length === 0) return docs
  if (t.chars.length === 1) return intersect(docs, list(oneCharList(t)).docs)
  const pairs = coveringPairs(t.chars).map(({ name, offset }) => ({ list: list(name), offset }))
  return verifyPhrase(docs, pairs, null, undefined, fieldPlacement(table, t))
}

/** The documents matching a search: base ordinals (ascending = ranking order) and delta docs. */
export interface Matched {
  table: DocTable
  base: Uint32Array
  live: DeltaDoc[]
  list: (name: string) => PostingList
}

/**
 * Steps 1–5 of a search: the library's documents matching every word and the filters, or null
 * when the library has no usable index (the caller scans instead). `extra` lists are fetched
 * with the words' lists (ranking, facets).
 */
export async function match(
  ctx: IndexContext,
  libraryId: number,
  allWords: readonly string[],
  f: SearchFilters,
  extra: Map<string, Needed>,
  fields: FieldTerms = {},
): Promise<Matched | null> {
  const words = allWords.filter((w) => w !== '') // '' is in every text, as with LIKE '%%'
  const terms = fieldTerms(fields)
  if (f.ndcPrefix !== undefined && !NDC_PREFIX.test(f.ndcPrefix)) {
    throw new RangeError(`NDC prefix must be digits and dots: "${f.ndcPrefix}"`)
  }
  const { cache, db } = ctx
  const lists = cache.lists

  // 1. Each word's lists: a 1- or 2-character word is its list; a longer word the
  // intersection of its bigram lists, checked with positions (cached per generation).
  const wordChars = words.map(cps)
  const planFor = (gen: number) => {
    const prefix = `${libraryId}/${gen}/`
    const needed = new Map<string, Needed>(extra)
    const need = (name: string, kind: number, text: string, positional: boolean) => {
      if (!needed.has(name)) needed.set(name, { key: gkey(kind, text), positional })
    }
    const verified = new Map<string, Uint32Array>()
    wordChars.forEach((chars, i) => {
      const word = words[i] ?? ''
      if (chars.length === 1) need(`u${word}`, UNI, word, false)
      else if (chars.length === 2) need(`b${word}`, BI, word, true)
      else {
        const hit = lists.get(`${prefix}w${word}`)
        if (hit) verified.set(word, hit.docs)
        else for (const { name } of coveringPairs(chars)) need(name, BI, name.slice(1), true)
      }
    })
    for (const t of terms) {
      if (t.chars.length === 1) need(oneCharList(t), oneCharKind(t), t.text, false)
      else for (const { name } of coveringPairs(t.chars)) need(name, BI, name.slice(1), true)
    }
    if (f.ndcPrefix !== undefined) need(`n${f.ndcPrefix}`, NDC, f.ndcPrefix, false)
    return { prefix, needed, verified }
  }
  const fetchFor = async (gen: number) => {
    const table = await docTableFor(ctx, libraryId, gen)
    if (!table) return null
    const plan = planFor(gen)
    return { gen, table, plan, got: await fetchLists(ctx, libraryId, table, plan.needed) }
  }

  // 2. The state row and new delta rows (one statement) and, meanwhile, the lists from the
  // generation this process saw last (usually still current) and the ISBN's records.
  const seenGen = cache.docTables.get(libraryId)?.gen
  const early = seenGen === undefined ? null : fetchFor(seenGen)
  const isbnFetch = f.isbn === undefined ? null : repo.recordsWithIsbn(db, libraryId, f.isbn)
  early?.catch(() => undefined) // awaited below, or not needed
  isbnFetch?.catch(() => undefined)
  const callFetch =
    f.callNumberPrefix === undefined
      ? null
      : repo.recordsWithCallNumber(db, libraryId, f.callNumberPrefix)
  callFetch?.catch(() => undefined)
  const known = cache.deltas.get(libraryId)
  let { state, delta } = await repo.readStateWithDelta(db, libraryId, known?.seq ?? 0)
  if (!state || state.gen === 0) return null
  if (known && known.gen !== state.gen) {
    ;({ state, delta } = await repo.readStateWithDelta(db, libraryId, 0))
    if (!state || state.gen === 0) return null
  }
  const gen = state.gen
  const optimistic = early ? await early.catch(() => null) : null
  const fetched = optimistic?.gen === gen ? optimistic : await fetchFor(gen)
  // an index of another format (rebuild it), or a generation just replaced: scan instead
  if (!fetched) return null
  const { table, got } = fetched
  const { prefix, verified } = fetched.plan
  const isbnIds = isbnFetch === null ? null : await isbnFetch
  const callIds = callFetch === null ? null : await callFetch
  let view = cache.deltas.get(libraryId)
  if (!view || view.gen !== gen) {
    view = { gen, seq: 0, entries: new Map(), stale: new Uint32Array(0), live: [] }
  }
  applyDelta(view, delta, table)
  view.seq = Math.max(view.seq, state.deltaSeq)
  cache.deltas.set(libraryId, view)
  const { stale, live: deltaLive } = view // this search's view, whatever others do meanwhile

  const list = (name: string): PostingList => got.get(name) ?? EMPTY_LIST
  const docsOfWord = (word: string, chars: readonly string[]): Uint32Array => {
    if (chars.length === 1) return list(`u${word}`).docs
    if (chars.length === 2) return list(`b${word}`).docs
    let docs = verified.get(word)
    if (!docs) {
      const pairs = coveringPairs(chars).map(({ name, offset }) => ({ list: list(name), offset }))
      let candidates: Uint32Array | null = null
      for (const p of [...pairs].sort((a, b) => a.list.docs.length - b.list.docs.length)) {
        candidates = candidates === null ? p.list.docs : intersect(candidates, p.list.docs)
        if (candidates.length === 0) break
      }
      docs = verifyPhrase(candidates ?? new Uint32Array(0), pairs, null)
      verified.set(word, docs)
      lists.set(`${prefix}w${word}`, { docs, size: docs.byteLength })
    }
    return docs
  }

  // 3. Base candidates: year range, words rarest first, other filters, stale postings out.
  const [lo, hi] = yearBounds(table, f.yearFrom, f.yearTo)
  let docs: Uint32Array | null = null
  const restrict = (other: Uint32Array) => {
    docs = docs === null ? sliceRange(other, lo, hi) : intersect(docs, other)
  }
  const wordSets = wordChars
    .map((chars, i) => docsOfWord(words[i] ?? '', chars))
    .sort((a, b) => a.length - b.length)
  for (const set of wordSets) {
    restrict(set)
    if ((docs ?? []).length === 0) break
  }
  // Field words: where the phrase occurs, one occurrence must lie in the field (layout).
  for (const t of terms) {
    if (docs !== null && (docs as Uint32Array).length === 0) break
    if (t.chars.length === 1) {
      restrict(list(oneCharList(t)).docs)
      continue
    }
    let candidates = docsOfWord(t.text, t.chars)
    if (docs !== null) candidates = intersect(docs, candidates)
    const pairs = coveringPairs(t.chars).map(({ name, offset }) => ({ list: list(name), offset }))
    restrict(verifyPhrase(candidates, pairs, null, undefined, fieldPlacement(table, t)))
  }
  if (f.ndcPrefix !== undefined) restrict(list(`n${f.ndcPrefix}`).docs)
  if (isbnIds !== null) {
    const ordOf = ordLookup(table)
    restrict(Uint32Array.from(isbnIds.map(ordOf).filter((o) => o >= 0)).sort())
  }
  if (callIds !== null) {
    const ordOf = ordLookup(table)
    restrict(Uint32Array.from(callIds.map(ordOf).filter((o) => o >= 0)).sort())
  }
  let base: Uint32Array =
    docs ?? Uint32Array.from({ length: Math.max(0, hi - lo) }, (_v, i) => lo + i)
  if (f.materialTypes !== undefined) {
    const wanted = new Uint8Array(256)
    for (const m of f.materialTypes) {
      const i = table.materialNames.indexOf(m)
      if (i >= 0) wanted[i] = 1
    }
    base = filterDocs(base, (o) => wanted[table.materials[o] ?? 255] === 1)
  }
  base = withoutStale(base, stale)

  // 4. Delta candidates: matched from their live rows.
  const isbnSet = isbnIds === null ? null : new Set(isbnIds)
  const callSet = callIds === null ? null : new Set(callIds)
  let live = deltaLive.filter(
    (d) =>
      words.every((w) => d.text.includes(w)) &&
      (terms.length === 0 || fieldsMatch(fields, d.keys)) &&
      (f.yearFrom === undefined || (d.year !== null && d.year >= f.yearFrom)) &&
      (f.yearTo === undefined || (d.year !== null && d.year <= f.yearTo)) &&
      (f.materialTypes === undefined || f.materialTypes.some((m) => m === d.material)) &&
      (f.ndcPrefix === undefined || d.ndc.startsWith(f.ndcPrefix)) &&
      (isbnSet === null || isbnSet.has(d.id)) &&
      (callSet === null || callSet.has(d.id)),
  )

  // 5. Copy filters, live.
  if (hasCopyFilter(f)) {
    ;[base, live] = await applyCopyFilter(ctx, libraryId, table, base, live, f)
  }
  return { table, base, live, list }
}
