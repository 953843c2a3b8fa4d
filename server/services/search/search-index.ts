// The catalogue search index: folded-substring search over record.search_text at a million
// records per library, with the index in MySQL/MariaDB (so several app instances share it)
// and only a bounded cache of it in each process.
//
// Index. Documents are a library's records numbered 0…n−1 ("ordinals") in ranking order:
// newest pub_year first, records without a year last, then by id. For every character of the
// folded texts there is a list of the ordinals containing it, and for every pair of adjacent
// characters (bigram) a list with the positions where it occurs; also lists of the records
// whose title starts with a character or a pair, whose title reading starts with a pair, of
// NDC prefixes, of the characters within each field group (title, author, publisher) and of
// the first characters of the title group's parts; and a document table (by ordinal: record
// id, year, title and reading lengths, the eight field lengths of search_layout, the places
// in the 50音 title and author orders, material type). Lists are packed (postings.ts) in rows
// of search_posting, one per segment of ordinals, stamped with a generation number.
//
// Query. A 1-character word is its character list, a 2-character word its bigram list; a
// longer word is the intersection of the bigram lists covering it, checked with positions
// (the bigrams at their offsets from one start), which is exact: nothing is verified against
// the text. Words are ANDed rarest first. A detailed search's field word must have an
// occurrence inside its field, found from the positions and the field lengths exactly as LIKE
// on title_key/author_key/publisher_key decides (a 1-character one: the group's character
// list). Because ordinals are in ranking order, the result is already sorted: the year filter
// is an ordinal range, a page is a slice, and the count of "の" (600k records) is a length.
// Titles equal to or starting with the query (the query at position 0, within the title's
// length) come first, and so do title readings (the query right after the title and its
// separator, within the reading's length). 50音 and oldest-first pages take the records with
// the smallest places (a bounded heap). Facet counts (searchFacets) come from the same matched
// set and the document table. Lists and longer words' results are kept in an LRU cache bounded
// in bytes (SEARCH_CACHE_MB, default 128).
//
// Writes. reindexRecord/removeRecord, called in the transaction that writes the record, stamp
// a search_delta row. Every search reads the state row together with new delta rows in one
// statement; the index ignores delta records' old postings and matches them from their live
// rows instead, so an edit or deletion is visible at once. indexRecords rebuilds a library
// into a new generation (compaction) and switches to it atomically.
//
// Copy filters (held at a branch, available now) concern copies, which circulation changes
// all the time: up to copyLiveLimit candidates are checked against the copy table; beyond
// that, against a per-library snapshot of it (bitsets, refreshed in the background when older
// than copySnapshotMaxAgeMs, default 60 s), so big result sets filtered by availability may
// lag circulation by that much. Records' own fields never lag.
//
// The same answers as likeSearchIds (the LIKE scan in search-index-repository.ts), which is
// also what a library without a built index gets.
import { MATERIAL_TYPES } from '../../db/schema.ts'
import { withNamedLock } from '../../db/named-lock.ts'
import * as repo from '../../db/search-index-repository.ts'
import { inTransaction as transaction } from '../../db/transaction.ts'
import { normaliseIsbn } from '../isbn.ts'
import { codePointLength } from './fold.ts'
import type {
  CopyFilter,
  DeltaRow,
  FieldTerms,
  IndexSourceRow,
  NewPostingRow,
  Queryable,
  SearchPage,
} from '../../db/search-index-repository.ts'
import {
  ByteSlab,
  ByteWriter,
  EMPTY_LIST,
  ListBuilder,
  decodeList,
  gallop,
  intersect,
  lowerBound,
  readPositions,
  sliceRange,
} from './postings.ts'
import type { PostingList, StoredSegment } from './postings.ts'

export type { SearchFilters, SearchPage } from '../../db/search-index-repository.ts'

export interface SearchIdsResult {
  total: number
  /** The page's record ids, in ranking order. */
  ids: number[]
}

// Kinds of lists (the first byte of search_posting.gkey).
const UNI = 0x75 // 'u' one character
const BI = 0x62 // 'b' two characters, positional
const FIRST = 0x66 // 'f' first character of the title
const TITLE2 = 0x74 // 't' first two characters of the title
const NDC = 0x6e // 'n' NDC prefix
const READ2 = 0x72 // 'r' first two characters of the title reading (when ranked by it)
const TITLE_CHAR = 0x54 // 'T' one character within the title group (title_key)
const AUTHOR_CHAR = 0x41 // 'A' one character within the author group (author_key)
const PUBLISHER_CHAR = 0x50 // 'P' one character within the publisher (publisher_key)
const PART_FIRST = 0x53 // 'S' first character of a part of the title group
const DOCS = 0x44 // 'D' document table
const HEADER = 0x48 // 'H' format, segment size, document count

const FORMAT = 6
export const DEFAULT_SEGMENT_SIZE = 1 << 17
const SEP = 0x01 // field separator in search_text
const NULL_YEAR = -2147483648
const TWO32 = 4294967296
const MAX_POSITIONS = 65535
/** Copy-filter ids per statement (MariaDB turns IN lists of 1000+ into a slower join). */
const COPY_IN_BATCH = 900
const NDC_PREFIX = /^[0-9.]{1,16}$/
/** search_layout missing or malformed: field searches cannot place matches in this record. */
const UNKNOWN_LAYOUT = 65535

function gkey(kind: number, text: string): Buffer {
  const body = Buffer.from(text, 'utf8')
  const key = Buffer.allocUnsafe(body.length + 1)
  key[0] = kind
  body.copy(key, 1)
  return key
}

/** Ranking key: newest year first, no year last, then id (smaller is earlier). */
function rankKey(id: number, year: number | null): number {
  return (year === null ? 99_999 : 40_000 - year) * TWO32 + id
}

const zigzag = (v: number) => (v >= 0 ? v * 2 : -v * 2 - 1)
const unzigzag = (v: number) => (v % 2 === 0 ? v / 2 : -(v + 1) / 2)

/** Material types numbered as in the index's header (the numbers are the index's own). */
class MaterialNumbers {
  readonly names: string[] = [...MATERIAL_TYPES]
  private readonly numbers = new Map(this.names.map((m, i) => [m, i]))

  of(name: string): number {
    let n = this.numbers.get(name)
    if (n === undefined) {
      n = this.names.length
      if (n > 254) return 255
      this.names.push(name)
      this.numbers.set(name, n)
    }
    return n
  }
}

// ---------------------------------------------------------------------------------------------
// Caches: per Db instance (tests run several databases in one process), bounded in bytes
// ---------------------------------------------------------------------------------------------

class Lru {
  private readonly map = new Map<string, PostingList>()
  bytes = 0
  constructor(public maxBytes: number) {}

  get(key: string): PostingList | undefined {
    const value = this.map.get(key)
    if (value !== undefined) {
      this.map.delete(key)
      this.map.set(key, value)
    }
    return value
  }

  set(key: string, value: PostingList): void {
    const old = this.map.get(key)
    if (old) {
      this.bytes -= old.size + 100
      this.map.delete(key)
    }
    if (value.size > this.maxBytes / 4) return // too big to keep: serve it uncached
    this.map.set(key, value)
    this.bytes += value.size + 100
    this.trim()
  }

  trim(): void {
    while (this.bytes > this.maxBytes) {
      const oldest = this.map.keys().next()
      if (oldest.done) break
      const evicted = this.map.get(oldest.value)
      this.map.delete(oldest.value)
      this.bytes -= (evicted?.size ?? 0) + 100
    }
  }

  get entries(): number {
    return this.map.size
  }

  clear(): void {
    this.map.clear()
    this.bytes = 0
  }
}

interface DocTable {
  gen: number
  n: number
  segmentSize: number
  recordIds: Uint32Array
  years: Int32Array
  titleLens: Uint16Array
  /** Length of the title reading (the second field) when ranked by it, else 0. */
  readingLens: Uint16Array
  /** By ord·8: lengths of the eight folded fields (search_layout); UNKNOWN_LAYOUT first if none. */
  layout: Uint16Array
  /** Places in the 50音 orders of the catalogue search's title and author sorts. */
  titleRanks: Uint32Array
  authorRanks: Uint32Array
  materials: Uint8Array
  /** Material type by number (from the header). */
  materialNames: string[]
  /** ord by record id, built when first needed. */
  ordOf?: (id: number) => number
  size: number
}

interface DeltaDoc {
  id: number
  text: string
  title: string
  reading: string
  keys: { title_key: string; author_key: string; publisher_key: string }
  year: number | null
  key: number
  material: string
  ndc: string
}

interface DeltaView {
  gen: number
  seq: number
  /** record id → live document, or null when deleted. */
  entries: Map<number, { seq: number; doc: DeltaDoc | null }>
  /** Base ordinals of the delta records (their postings are stale), sorted. */
  stale: Uint32Array
  live: DeltaDoc[]
}

/** Which base documents have copies: bitsets by ordinal, from one read of the copy table. */
interface CopySnapshot {
  gen: number
  loadedAt: number
  held: Map<number, Uint8Array>
  available: Map<number, Uint8Array>
  availableAny: Uint8Array
}

interface DbCache {
  token: number
  docTables: Map<number, { gen: number; table: Promise<DocTable | null> }>
  deltas: Map<number, DeltaView>
  copies: Map<number, { snapshot?: CopySnapshot; loading?: Promise<CopySnapshot> }>
}

/** Defaults; the app applies SEARCH_CACHE_MB and SEARCH_COPY_SNAPSHOT_SECONDS from config.ts. */
const DEFAULT_CACHE_BYTES = 128 * 1024 * 1024
const lists = new Lru(DEFAULT_CACHE_BYTES)
const caches = new WeakMap<object, DbCache>()
let tokens = 0

function cacheFor(db: Queryable): DbCache {
  let cache = caches.get(db)
  if (!cache) {
    cache = { token: ++tokens, docTables: new Map(), deltas: new Map(), copies: new Map() }
    caches.set(db, cache)
  }
  return cache
}

const settings = {
  copyLiveLimit: 50,
  copySnapshotMaxAgeMs: 60 * 1000,
}

export interface SearchIndexSettings {
  /** Memory the posting-list cache may use, shared by all databases in the process. */
  cacheBytes?: number
  /** Up to this many candidates, copy filters (branch, available now) query the copy table. */
  copyLiveLimit?: number
  /**
   * Beyond that, they use a snapshot of the copy table no older than this (refreshed in the
   * background after maxAge, waited for after 4 × maxAge; 0: always read afresh).
   */
  copySnapshotMaxAgeMs?: number
}

/** Changes the settings given; returns all of them as they were (to restore them). */
export function configureSearchIndex(options: SearchIndexSettings): Required<SearchIndexSettings> {
  const previous = { cacheBytes: lists.maxBytes, ...settings }
  if (options.cacheBytes !== undefined) {
    lists.maxBytes = options.cacheBytes
    lists.trim()
  }
  if (options.copyLiveLimit !== undefined) settings.copyLiveLimit = options.copyLiveLimit
  if (options.copySnapshotMaxAgeMs !== undefined) {
    settings.copySnapshotMaxAgeMs = options.copySnapshotMaxAgeMs
  }
  return previous
}

export function searchCacheInfo(): { bytes: number; entries: number; maxBytes: number } {
  return { bytes: lists.bytes, entries: lists.entries, maxBytes: lists.maxBytes }
}

export function clearSearchCache(): void {
  lists.clear()
}

// ---------------------------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------------------------

export interface IndexBuildOptions {
  /** Documents per segment (rows of one list); default 131072. */
  segmentSize?: number
  /** Records fetched per query while building; default 4000. */
  fetchBatch?: number
  /** How long old generation rows stay for searches still reading them; default 2000 ms. */
  graceMs?: number
  log?: (msg: string) => void
}

export interface IndexBuildResult {
  gen: number
  docs: number
  rows: number
  bytes: number
  seconds: number
}

/**
 * Each record's place in a 50音 order of the library (records listed in `keys` only; others,
 * deleted meanwhile, get the last place).
 */
async function sortRanks(
  db: Queryable,
  libraryId: number,
  sort: 'title' | 'author',
  keys: Float64Array,
): Promise<(id: number) => number> {
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < keys.length; i++) {
    const id = (keys[i] ?? 0) % TWO32
    if (id < min) min = id
    if (id > max) max = id
  }
  const last = 0xffffffff
  if (keys.length === 0) return () => last
  if (max - min < keys.length * 4 + 1_000_000) {
    const ranks = new Uint32Array(max - min + 1).fill(last)
    let rank = 0
    await repo.listSortOrder(db, libraryId, sort, (id) => {
      if (id >= min && id <= max) ranks[id - min] = rank++
    })
    return (id) => (id < min || id > max ? last : (ranks[id - min] ?? last))
  }
  const ranks = new Map<number, number>()
  await repo.listSortOrder(db, libraryId, sort, (id) => ranks.set(id, ranks.size))
  return (id) => ranks.get(id) ?? last
}

/** Collects the lists of one segment of documents. */
class SegmentBuilder {
  private readonly dict = new Map<number, number>()
  private readonly gramKeys: number[] = []
  private readonly builders: ListBuilder[] = []
  private readonly extra = new Map<string, { key: Buffer; list: ListBuilder }>()
  private readonly meta = new ByteWriter(1 << 16)
  private readonly slab = new ByteSlab()
  private cps = new Int32Array(1024)
  private comp = new Float64Array(2048)
  private readonly pos: number[] = []
  private prevId = 0
  private prevYear = 0
  docs = 0

  constructor(
    readonly seg: number,
    readonly base: number,
    private readonly materialNumbers: MaterialNumbers,
  ) {}

  private gram(key: number): number {
    let g = this.dict.get(key)
    if (g === undefined) {
      g = this.gramKeys.length
      this.dict.set(key, g)
      this.gramKeys.push(key)
      this.builders.push(new ListBuilder(this.base, this.slab))
    }
    return g
  }

  private extraList(kind: number, text: string): ListBuilder {
    const name = String.fromCharCode(kind) + text
    let entry = this.extra.get(name)
    if (!entry) {
      entry = { key: gkey(kind, text), list: new ListBuilder(this.base, this.slab) }
      this.extra.set(name, entry)
    }
    return entry.list
  }

  add(
    ord: number,
    row: IndexSourceRow,
    year: number | null,
    ranks: readonly [number, number],
  ): void {
    const text = row.search_text
    if (this.cps.length < text.length) this.cps = new Int32Array(text.length * 2)
    const cps = this.cps
    let len = 0
    for (let i = 0; i < text.length && len < MAX_POSITIONS;) {
      const c = text.codePointAt(i) ?? 0
      cps[len++] = c
      i += c > 0xffff ? 2 : 1
    }
    let titleLen = len
    for (let i = 0; i < len; i++) {
      if (cps[i] === SEP) {
        titleLen = i
        break
      }
    }
    // Unigram g → g·65536; bigram g at position p → g·65536 + p; sorted, that groups each
    // list's positions together in order.
    if (this.comp.length < len * 2) this.comp = new Float64Array(len * 4)
    const comp = this.comp
    let m = 0
    for (let i = 0; i < len; i++) comp[m++] = this.gram(cps[i] ?? 0) * 65536
    for (let i = 0; i + 1 < len; i++) {
      comp[m++] = this.gram(0x110000 + (cps[i] ?? 0) * 0x110000 + (cps[i + 1] ?? 0)) * 65536 + i
    }
    const sorted = comp.subarray(0, m).sort()
    const pos = this.pos
    let i = 0
    while (i < m) {
      const g = Math.floor((sorted[i] ?? 0) / 65536)
      const builder = this.builders[g]
      const isBigram = (this.gramKeys[g] ?? 0) >= 0x110000
      let k = 0
      while (i < m && Math.floor((sorted[i] ?? 0) / 65536) === g) {
        pos[k++] = (sorted[i] ?? 0) % 65536
        i++
      }
      if (!builder) continue
      if (isBigram) builder.add(ord, pos, 0, k)
      else builder.add(ord)
    }
    if (titleLen > 0) this.extraList(FIRST, String.fromCodePoint(cps[0] ?? 0)).add(ord)
    if (titleLen > 1) {
      this.extraList(TITLE2, String.fromCodePoint(cps[0] ?? 0, cps[1] ?? 0)).add(ord)
    }
    const readingLen = codePointLength(row.reading)
    if (readingLen > 1 && titleLen + 2 < len) {
      const at = titleLen + 1
      this.extraList(READ2, String.fromCodePoint(cps[at] ?? 0, cps[at + 1] ?? 0)).add(ord)
    }
    const ndc = row.ndc
    for (let k = 1; k <= ndc.length && k <= 16; k++) this.extraList(NDC, ndc.slice(0, k)).add(ord)
    const layout = row.search_layout.split(',').map(Number)
    const known = layout.length === 8 && layout.every((n) => Number.isInteger(n) && n >= 0)
    if (known) this.addFieldLists(ord, cps, len, layout)
    // document table: id, year, title length, reading length, the 8 field lengths, the 50音
    // title and author ranks, material
    const yearCode = year === null ? 0 : year + 40_000
    this.meta.varint(zigzag(row.id - this.prevId))
    this.meta.varint(zigzag(yearCode - this.prevYear))
    this.meta.varint(Math.min(titleLen, 65535))
    this.meta.varint(Math.min(readingLen, 65535))
    for (let k = 0; k < 8; k++) {
      this.meta.varint(known ? Math.min(layout[k] ?? 0, 65534) : k === 0 ? UNKNOWN_LAYOUT : 0)
    }
    this.meta.varint(ranks[0])
    this.meta.varint(ranks[1])
    this.meta.varint(this.materialNumbers.of(row.material_type))
    this.prevId = row.id
    this.prevYear = yearCode
    this.docs++
  }

  /**
   * The characters of each field group (within what its key holds) and the first characters
   * of the title group's parts: what a one-character field word is looked up in.
   */
  private addFieldLists(ord: number, cps: Int32Array, len: number, layout: number[]): void {
    for (const group of ['title', 'author', 'publisher'] as const) {
      const g = GROUPS[group]
      let pos = 0
      let start = -1
      let end = -1
      const partStarts: number[] = []
      for (let k = 0; k < g.to; k++) {
        const n = layout[k] ?? 0
        if (n === 0) continue
        if (k >= g.from) {
          if (start < 0) start = pos
          end = pos + n
          partStarts.push(pos)
        }
        pos += n + 1
      }
      if (start < 0) continue
      const to = Math.min(end, start + g.keyMax - 1, len)
      const seen = new Set<number>()
      for (let i = start; i < to; i++) {
        const c = cps[i] ?? 0
        if (c !== SEP) seen.add(c)
      }
      for (const c of seen) this.extraList(g.kind, String.fromCodePoint(c)).add(ord)
      if (group !== 'title') continue
      const firsts = new Set<number>()
      for (const p of partStarts) if (p < to) firsts.add(cps[p] ?? 0)
      for (const c of firsts) this.extraList(PART_FIRST, String.fromCodePoint(c)).add(ord)
    }
  }

  /** The segment's rows, made one at a time (so that only an insert batch of them is held). */
  *rows(): Generator<NewPostingRow> {
    for (let g = 0; g < this.gramKeys.length; g++) {
      const key = this.gramKeys[g] ?? 0
      const builder = this.builders[g]
      if (!builder || builder.count === 0) continue
      let k: Buffer
      if (key < 0x110000) k = gkey(UNI, String.fromCodePoint(key))
      else {
        const pair = key - 0x110000
        k = gkey(BI, String.fromCodePoint(Math.floor(pair / 0x110000), pair % 0x110000))
      }
      yield { gkey: k, seg: this.seg, docCount: builder.count, data: builder.result() }
    }
    for (const { key, list } of this.extra.values()) {
      yield { gkey: key, seg: this.seg, docCount: list.count, data: list.result() }
    }
    yield { gkey: gkey(DOCS, ''), seg: this.seg, docCount: this.docs, data: this.meta.result() }
  }
}

/**
 * Builds the library's index from its records as they are now, as a new generation, and makes
 * it current (compaction: the delta rows it took in are deleted). Given a transaction, builds
 * inside it (e.g. right after a loader inserted the records); given the pool, reads committed
 * records and switches generations in a short transaction of its own, one build per library
 * at a time (a named lock).
 */
export async function indexRecords(
  db: Queryable,
  libraryId: number,
  options: IndexBuildOptions = {},
): Promise<IndexBuildResult> {
  if (db.isTransaction) return build(db, libraryId, options, true)
  const outcome = await withNamedLock(
    db,
    `search-index:${libraryId}`,
    () => build(db, libraryId, options, false),
    { waitSeconds: 3600 },
  )
  if (!outcome.ok) throw new Error(`could not lock library ${libraryId}`)
  return outcome.value
}

async function build(
  db: Queryable,
  libraryId: number,
  options: IndexBuildOptions,
  inTransaction: boolean,
): Promise<IndexBuildResult> {
  const started = performance.now()
  const segmentSize = options.segmentSize ?? DEFAULT_SEGMENT_SIZE
  const fetchBatch = options.fetchBatch ?? 4000
  const logged = options.log ?? (() => undefined)
  const log = (msg: string) => {
    const { rss, heapUsed, arrayBuffers } = process.memoryUsage()
    const mb = (n: number) => Math.round(n / 1048576)
    logged(`${msg} (rss ${mb(rss)} MB, heap ${mb(heapUsed)} MB, buffers ${mb(arrayBuffers)} MB)`)
  }
  // Edits stamped up to here are in what we read below (read after this); later ones stay
  // in the delta.
  const state = await repo.readState(db, libraryId)
  const watermark = state?.deltaSeq ?? 0
  const current = state?.gen ?? 0
  await repo.deleteOtherGenerations(db, libraryId, current) // an interrupted build's rows
  const gen = current + 1

  let keys = new Float64Array(1 << 16)
  let count = 0
  await repo.listRecordKeys(db, libraryId, (id, year) => {
    if (count === keys.length) {
      const grown = new Float64Array(keys.length * 2)
      grown.set(keys)
      keys = grown
    }
    keys[count++] = rankKey(id, year)
  })
  const sorted = keys.subarray(0, count).sort()
  log(`search index: ${count} records listed`)
  const titleRank = await sortRanks(db, libraryId, 'title', sorted)
  const authorRank = await sortRanks(db, libraryId, 'author', sorted)
  log('search index: 50音 orders read')

  let rowsWritten = 0
  let bytesWritten = 0
  let ord = 0
  const materialNumbers = new MaterialNumbers()
  let segment = new SegmentBuilder(0, 0, materialNumbers)
  const flush = async () => {
    const counted = function* (rows: Iterable<NewPostingRow>) {
      for (const r of rows) {
        bytesWritten += r.data.length
        rowsWritten++
        yield r
      }
    }
    await repo.insertPostings(db, libraryId, gen, counted(segment.rows()))
  }
  const idsOf = (from: number): number[] => {
    const ids: number[] = []
    for (let i = from; i < Math.min(count, from + fetchBatch); i++)
      ids.push((sorted[i] ?? 0) % TWO32)
    return ids
  }
  const fetch = (from: number) =>
    from < count
      ? repo.fetchIndexSource(
          db,
          libraryId,
          [...idsOf(from)].sort((a, b) => a - b),
        )
      : Promise.resolve([])
  // In a transaction there is one connection: no read-ahead.
  let next = inTransaction ? undefined : fetch(0)
  for (let from = 0; from < count; from += fetchBatch) {
    const rows = await (next ?? fetch(from))
    next = inTransaction ? undefined : fetch(from + fetchBatch)
    const byId = new Map(rows.map((r) => [r.id, r]))
    for (let i = from; i < Math.min(count, from + fetchBatch); i++) {
      const key = sorted[i] ?? 0
      const row = byId.get(key % TWO32)
      if (!row) continue // deleted meanwhile (its delete is in the delta)
      if (ord > 0 && ord % segmentSize === 0) {
        await flush()
        segment = new SegmentBuilder(ord / segmentSize, ord, materialNumbers)
        log(`search index: ${ord} documents`)
      }
      const rank = Math.floor(key / TWO32)
      const ranks = [titleRank(row.id), authorRank(row.id)] as const
      segment.add(ord, row, rank === 99_999 ? null : 40_000 - rank, ranks)
      ord++
    }
  }
  await next
  if (segment.docs > 0) await flush()
  const header = Buffer.from(
    JSON.stringify({ format: FORMAT, segmentSize, docs: ord, materials: materialNumbers.names }),
  )
  await repo.insertPostings(db, libraryId, gen, [
    { gkey: gkey(HEADER, ''), seg: 0, docCount: ord, data: header },
  ])
  rowsWritten++
  if (inTransaction) {
    await repo.switchGeneration(db, libraryId, gen, ord, watermark)
    await repo.deleteOtherGenerations(db, libraryId, gen)
  } else {
    await transaction(db, (trx) => repo.switchGeneration(trx, libraryId, gen, ord, watermark))
    const grace = options.graceMs ?? 2000
    if (grace > 0) await new Promise((resolve) => setTimeout(resolve, grace))
    await repo.deleteOtherGenerations(db, libraryId, gen)
  }
  const seconds = (performance.now() - started) / 1000
  log(`search index: ${ord} documents, ${rowsWritten} rows, ${bytesWritten} bytes, ${seconds} s`)
  return { gen, docs: ord, rows: rowsWritten, bytes: bytesWritten, seconds }
}

/**
 * Keeps the index right after a record was inserted or updated: call it in the transaction
 * that wrote the record (after the write). The record is then matched from its live row
 * until the next indexRecords.
 */
export async function reindexRecord(
  trx: Queryable,
  libraryId: number,
  recordId: number,
): Promise<void> {
  await repo.markRecordWritten(trx, libraryId, recordId)
}

/** The same for a deleted record (call it in the deleting transaction). */
export async function removeRecord(
  trx: Queryable,
  libraryId: number,
  recordId: number,
): Promise<void> {
  await repo.markRecordWritten(trx, libraryId, recordId)
}

/** How big the delta is: indexRecords (compaction) is due when it grows. */
export async function deltaSize(db: Queryable, libraryId: number): Promise<number> {
  const row = await db
    .selectFrom('search_delta')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('library_id', '=', libraryId)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Rebuilds the library's index when its delta has more than `maxDelta` records. */
export async function compactIfNeeded(
  db: Queryable,
  libraryId: number,
  options: IndexBuildOptions & { maxDelta?: number } = {},
): Promise<IndexBuildResult | null> {
  const size = await deltaSize(db, libraryId)
  return size > (options.maxDelta ?? 2000) ? indexRecords(db, libraryId, options) : null
}

/** Whether the library's index is there and of this version's format. */
export async function indexStatus(
  db: Queryable,
  libraryId: number,
): Promise<'missing' | 'outdated' | 'current'> {
  const state = await repo.readState(db, libraryId)
  if (!state || state.gen === 0) return 'missing'
  const rows = await repo.fetchPostings(db, libraryId, state.gen, [gkey(HEADER, '')])
  const header = rows[0]
  if (!header) return 'missing'
  const { format } = JSON.parse(header.data.toString('utf8')) as { format: number }
  return format === FORMAT ? 'current' : 'outdated'
}

/**
 * Builds the index of every library that has none, or one of an older format, or (rebuild)
 * all of them; compacts those whose delta has grown (compactIfNeeded). Run at start-up,
 * every few minutes by the server, and by `npm run db:reindex`.
 */
export async function maintainSearchIndexes(
  db: Queryable,
  options: { rebuild?: boolean; maxDelta?: number; log?: (msg: string) => void } = {},
): Promise<{ built: number; compacted: number }> {
  const log = options.log ?? (() => undefined)
  const libraries = await db.selectFrom('library').select(['id', 'slug']).orderBy('id').execute()
  let built = 0
  let compacted = 0
  for (const { id, slug } of libraries) {
    const status = options.rebuild ? 'rebuild' : await indexStatus(db, id)
    if (status !== 'current') {
      const r = await indexRecords(db, id)
      log(`search index of ${slug} (${status}): ${r.docs} records in ${r.seconds.toFixed(1)} s`)
      built++
    } else if (await compactIfNeeded(db, id, { maxDelta: options.maxDelta })) {
      log(`search index of ${slug} compacted`)
      compacted++
    }
  }
  return { built, compacted }
}

// ---------------------------------------------------------------------------------------------
// Reading the index
// ---------------------------------------------------------------------------------------------

async function loadDocTable(
  db: Queryable,
  libraryId: number,
  gen: number,
): Promise<DocTable | null> {
  const rows = await repo.fetchPostings(db, libraryId, gen, [gkey(HEADER, ''), gkey(DOCS, '')])
  const headerRow = rows.find((r) => r.gkey[0] === HEADER)
  if (!headerRow) return null // replaced by a newer generation meanwhile
  const header = JSON.parse(headerRow.data.toString('utf8')) as {
    format: number
    segmentSize: number
    docs: number
    materials: string[]
  }
  if (header.format !== FORMAT) return null // built by another version: rebuild it
  const n = header.docs
  const table: DocTable = {
    gen,
    n,
    segmentSize: header.segmentSize,
    recordIds: new Uint32Array(n),
    years: new Int32Array(n),
    titleLens: new Uint16Array(n),
    readingLens: new Uint16Array(n),
    layout: new Uint16Array(n * 8),
    titleRanks: new Uint32Array(n),
    authorRanks: new Uint32Array(n),
    materials: new Uint8Array(n),
    materialNames: header.materials,
    size: n * 37,
  }
  for (const row of rows) {
    if (row.gkey[0] !== DOCS) continue
    const data = row.data
    let ord = row.seg * header.segmentSize
    let at = 0
    let id = 0
    let yearCode = 0
    const next = (): number => {
      let b = data[at++] ?? 0
      let v = b & 0x7f
      let mul = 128
      while (b >= 0x80) {
        b = data[at++] ?? 0
        v += (b & 0x7f) * mul
        mul *= 128
      }
      return v
    }
    while (at < data.length) {
      id += unzigzag(next())
      yearCode += unzigzag(next())
      table.recordIds[ord] = id
      table.years[ord] = yearCode === 0 ? NULL_YEAR : yearCode - 40_000
      table.titleLens[ord] = next()
      table.readingLens[ord] = next()
      for (let k = 0; k < 8; k++) table.layout[ord * 8 + k] = next()
      table.titleRanks[ord] = next()
      table.authorRanks[ord] = next()
      table.materials[ord] = next()
      ord++
    }
  }
  return table
}

function docTableFor(
  cache: DbCache,
  db: Queryable,
  libraryId: number,
  gen: number,
): Promise<DocTable | null> {
  const cached = cache.docTables.get(libraryId)
  if (cached && cached.gen === gen) return cached.table
  const table = loadDocTable(db, libraryId, gen)
  if (!cached || cached.gen < gen) {
    cache.docTables.set(libraryId, { gen, table })
    table.catch(() => {
      if (cache.docTables.get(libraryId)?.table === table) cache.docTables.delete(libraryId)
    })
  }
  return table
}

function ordLookup(table: DocTable): (id: number) => number {
  if (table.ordOf) return table.ordOf
  const ids = table.recordIds
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] ?? 0
    if (id < min) min = id
    if (id > max) max = id
  }
  if (ids.length === 0) {
    table.ordOf = () => -1
  } else if (max - min < ids.length * 4 + 1_000_000) {
    const direct = new Int32Array(max - min + 1).fill(-1)
    for (let i = 0; i < ids.length; i++) direct[(ids[i] ?? 0) - min] = i
    table.size += direct.byteLength
    table.ordOf = (id) => (id < min || id > max ? -1 : (direct[id - min] ?? -1))
  } else {
    const byId = Float64Array.from(ids, (id, i) => id * TWO32 + i).sort()
    const sortedIds = Uint32Array.from(byId, (v) => Math.floor(v / TWO32))
    const ords = Uint32Array.from(byId, (v) => v % TWO32)
    table.size += sortedIds.byteLength + ords.byteLength
    table.ordOf = (id) => {
      const i = lowerBound(sortedIds, id)
      return sortedIds[i] === id ? (ords[i] ?? -1) : -1
    }
  }
  return table.ordOf
}

function toDeltaDoc(row: DeltaRow): DeltaDoc | null {
  const r = row.record
  if (!r) return null
  const sep = r.search_text.indexOf('\u0001')
  return {
    id: row.recordId,
    text: r.search_text,
    title: sep < 0 ? r.search_text : r.search_text.slice(0, sep),
    reading: r.reading,
    keys: { title_key: r.title_key, author_key: r.author_key, publisher_key: r.publisher_key },
    year: r.pub_year,
    key: rankKey(row.recordId, r.pub_year),
    material: r.material_type,
    ndc: r.ndc,
  }
}

function applyDelta(view: DeltaView, rows: readonly DeltaRow[], table: DocTable): void {
  let changed = false
  for (const row of rows) {
    // Concurrent searches may bring the same rows, or older ones late: newest stamp wins.
    const known = view.entries.get(row.recordId)
    if (known && known.seq >= row.seq) continue
    view.entries.set(row.recordId, { seq: row.seq, doc: toDeltaDoc(row) })
    changed = true
  }
  if (!changed) return
  const ordOf = ordLookup(table)
  const stale: number[] = []
  const live: DeltaDoc[] = []
  for (const [id, { doc }] of view.entries) {
    const ord = ordOf(id)
    if (ord >= 0) stale.push(ord)
    if (doc) live.push(doc)
  }
  view.stale = Uint32Array.from(stale).sort()
  view.live = live.sort((a, b) => a.key - b.key)
}

// ---------------------------------------------------------------------------------------------
// Searching
// ---------------------------------------------------------------------------------------------

interface Needed {
  key: Buffer
  positional: boolean
}

async function fetchLists(
  cache: DbCache,
  db: Queryable,
  libraryId: number,
  table: DocTable,
  needed: Map<string, Needed>,
): Promise<Map<string, PostingList>> {
  const found = new Map<string, PostingList>()
  const prefix = `${cache.token}/${libraryId}/${table.gen}/`
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
  const rows = await repo.fetchPostings(db, libraryId, table.gen, missing)
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

interface Pair {
  list: PostingList
  offset: number
}

/**
 * The documents of `docs` (sorted) in which every pair's bigram occurs at start + offset, for
 * some start (that startOk accepts), or for the document's startAt; `accept` filters documents
 * first.
 */
function verifyPhrase(
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

/** A sequence of base ordinals in ranking order. */
interface BaseSeq {
  length: number
  at(i: number): number
  /** How many elements rank before this key. */
  countBelow(key: number): number
}

function keyOfOrd(table: DocTable, ord: number): number {
  const year = table.years[ord] ?? NULL_YEAR
  return rankKey(table.recordIds[ord] ?? 0, year === NULL_YEAR ? null : year)
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

function cps(text: string): string[] {
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
function coveringPairs(chars: readonly string[]): { name: string; offset: number }[] {
  const all = bigramNames(chars)
  const last = all.length - 1
  return all.filter((_b, i) => i % 2 === 0 || i === last)
}

/** ISBN-10 or 13 → the 13 digits stored in record.isbn, or null (services/isbn.ts). */
export const normalizeIsbn = normaliseIsbn

/** A field word (or a title's whole text, for prefix and exact) and where it must be. */
interface FieldTerm {
  text: string
  chars: string[]
  group: 'title' | 'author' | 'publisher'
  mode: 'contains' | 'prefix' | 'exact'
}

/** The fields of each group (indices into the layout) and its key's length (search-fields.ts). */
const GROUPS = {
  title: { from: 0, to: 4, keyMax: 1200, kind: TITLE_CHAR },
  author: { from: 4, to: 6, keyMax: 1000, kind: AUTHOR_CHAR },
  publisher: { from: 6, to: 7, keyMax: 255, kind: PUBLISHER_CHAR },
} as const

/**
 * The terms of field words; null if one cannot be placed: a one-character title text in
 * exact mode (one-character words are looked up in the group's character lists, and title
 * prefixes in the parts' first characters).
 */
function fieldTerms(fields: FieldTerms): FieldTerm[] | null {
  const terms: FieldTerm[] = []
  const add = (text: string, group: FieldTerm['group'], mode: FieldTerm['mode']) => {
    if (text !== '') terms.push({ text, chars: cps(text), group, mode })
  }
  if (fields.title) {
    const { words, mode } = fields.title
    if (mode === 'contains') for (const w of words) add(w, 'title', mode)
    else add(words.join(''), 'title', mode)
  }
  for (const w of fields.author ?? []) add(w, 'author', 'contains')
  for (const w of fields.publisher ?? []) add(w, 'publisher', 'contains')
  return terms.some((t) => t.chars.length === 1 && t.mode === 'exact') ? null : terms
}

/**
 * Whether an occurrence of the term starting at `start` of a document's search_text is where
 * the field search wants it — exactly as LIKE on the group's key (title_key, author_key,
 * publisher_key: the group's fields framed by separators, cut at keyMax characters) decides.
 */
function fieldPlacement(table: DocTable, t: FieldTerm): (ord: number, start: number) => boolean {
  const g = GROUPS[t.group]
  const m = t.chars.length
  return (ord, start) => {
    const at = ord * 8
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

/** The list kind of a one-character field term: the group's characters, or part starts. */
function oneCharKind(t: FieldTerm): number {
  return t.mode === 'prefix' ? PART_FIRST : GROUPS[t.group].kind
}

function oneCharList(t: FieldTerm): string {
  return `${String.fromCharCode(oneCharKind(t))}${t.text}`
}

/** The documents matching a search: base ordinals (ascending = ranking order) and delta docs. */
interface Matched {
  cache: DbCache
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
async function match(
  db: Queryable,
  libraryId: number,
  allWords: readonly string[],
  f: repo.SearchFilters,
  extra: Map<string, Needed>,
  fields: FieldTerms = {},
): Promise<Matched | null> {
  const words = allWords.filter((w) => w !== '') // '' is in every text, as with LIKE '%%'
  const terms = fieldTerms(fields)
  // A one-character field word has no positions to place it in a field: scan instead.
  if (terms === null) return null
  if (f.ndcPrefix !== undefined && !NDC_PREFIX.test(f.ndcPrefix)) {
    throw new RangeError(`NDC prefix must be digits and dots: "${f.ndcPrefix}"`)
  }
  const cache = cacheFor(db)

  // 1. Each word's lists: a 1- or 2-character word is its list; a longer word the
  // intersection of its bigram lists, checked with positions (cached per generation).
  const wordChars = words.map(cps)
  const planFor = (gen: number) => {
    const prefix = `${cache.token}/${libraryId}/${gen}/`
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
    const table = await docTableFor(cache, db, libraryId, gen)
    if (!table) return null
    const plan = planFor(gen)
    return { gen, table, plan, got: await fetchLists(cache, db, libraryId, table, plan.needed) }
  }

  // 2. The state row and new delta rows (one statement) and, meanwhile, the lists from the
  // generation this process saw last (usually still current) and the ISBN's records.
  const seenGen = cache.docTables.get(libraryId)?.gen
  const early = seenGen === undefined ? null : fetchFor(seenGen)
  const isbnFetch = f.isbn === undefined ? null : repo.recordsWithIsbn(db, libraryId, f.isbn)
  early?.catch(() => undefined) // awaited below, or not needed
  isbnFetch?.catch(() => undefined)
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
  let live = deltaLive.filter(
    (d) =>
      words.every((w) => d.text.includes(w)) &&
      (terms.length === 0 || repo.fieldsMatch(fields, d.keys)) &&
      (f.yearFrom === undefined || (d.year !== null && d.year >= f.yearFrom)) &&
      (f.yearTo === undefined || (d.year !== null && d.year <= f.yearTo)) &&
      (f.materialTypes === undefined || f.materialTypes.some((m) => m === d.material)) &&
      (f.ndcPrefix === undefined || d.ndc.startsWith(f.ndcPrefix)) &&
      (isbnSet === null || isbnSet.has(d.id)),
  )

  // 5. Copy filters, live.
  if (repo.hasCopyFilter(f)) {
    ;[base, live] = await applyCopyFilter(cache, db, libraryId, table, base, live, f)
  }
  return { cache, table, base, live, list }
}

/**
 * The library's records matching every word (a folded substring of search_text) and the
 * filters: how many, and the ids of one page in ranking order — titles (or, for 2+ characters,
 * title readings) equal to the ranking text first, then those starting with it, then the
 * rest; newest first, then by id. An empty ranking text: newest first only.
 */
export async function searchIds(
  db: Queryable,
  libraryId: number,
  words: readonly string[],
  page: SearchPage,
): Promise<SearchIdsResult> {
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
  const matched = await match(db, libraryId, words, page.filters ?? {}, extra, page.fields)
  if (!matched) return repo.likeSearchIds(db, libraryId, words, page)
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
  db: Queryable,
  libraryId: number,
  words: readonly string[],
  page: Pick<SearchPage, 'filters' | 'fields'>,
): Promise<MatchedSet | null> {
  const matched = await match(db, libraryId, words, page.filters ?? {}, new Map(), page.fields)
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

/** Counts of a search's records by material type, decade, NDC main class and branch. */
export interface IndexFacets {
  total: number
  materialTypes: Map<string, number>
  /** 1990 → records published 1990–1999. */
  decades: Map<number, number>
  /** '9' → records whose NDC starts with 9. */
  ndcClasses: Map<string, number>
  /** branch id → records with a copy there. */
  branches: Map<number, number>
}

/** Up to this many records, facet counts by branch come from the copy table itself. */
const FACET_LIVE_LIMIT = 3000
const NDC_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']

/**
 * The facets of a search (the same words and filters as searchIds), or null when the library
 * has no usable index. Branch counts of large result sets come from the copy snapshot (see
 * above: they may lag copies added or moved by up to SEARCH_COPY_SNAPSHOT_SECONDS).
 */
export async function searchFacets(
  db: Queryable,
  libraryId: number,
  words: readonly string[],
  filters: repo.SearchFilters = {},
  fields: FieldTerms = {},
): Promise<IndexFacets | null> {
  const extra = new Map<string, Needed>()
  for (const c of NDC_CLASSES) extra.set(`n${c}`, { key: gkey(NDC, c), positional: false })
  const matched = await match(db, libraryId, words, filters, extra, fields)
  if (!matched) return null
  const { cache, table, base, live, list } = matched
  const facets: IndexFacets = {
    total: base.length + live.length,
    materialTypes: new Map(),
    decades: new Map(),
    ndcClasses: new Map(),
    branches: new Map(),
  }
  const add = <K>(map: Map<K, number>, key: K, n = 1) => map.set(key, (map.get(key) ?? 0) + n)
  const materialCounts = new Uint32Array(256)
  const decadeOf = (year: number) => Math.floor(year / 10) * 10
  for (let i = 0; i < base.length; i++) {
    const o = base[i] ?? 0
    const material = table.materials[o] ?? 255
    materialCounts[material] = (materialCounts[material] ?? 0) + 1
    const year = table.years[o] ?? NULL_YEAR
    if (year !== NULL_YEAR) add(facets.decades, decadeOf(year))
  }
  materialCounts.forEach((n, i) => {
    if (n > 0) add(facets.materialTypes, table.materialNames[i] ?? '', n)
  })
  for (const c of NDC_CLASSES) {
    const n = intersect(base, list(`n${c}`).docs).length
    if (n > 0) facets.ndcClasses.set(c, n)
  }
  for (const d of live) {
    add(facets.materialTypes, d.material)
    if (d.year !== null) add(facets.decades, decadeOf(d.year))
    const c = d.ndc.charAt(0)
    if (NDC_CLASSES.includes(c)) add(facets.ndcClasses, c)
  }
  const ids = (docs: Uint32Array) => Array.from(docs, (o) => table.recordIds[o] ?? 0)
  const liveIds = live.map((d) => d.id)
  if (facets.total <= FACET_LIVE_LIMIT) {
    for (const [branch, n] of await branchCounts(db, libraryId, [...ids(base), ...liveIds])) {
      add(facets.branches, branch, n)
    }
    return facets
  }
  const [snapshot, liveCounts] = await Promise.all([
    copySnapshot(cache, db, libraryId, table),
    branchCounts(db, libraryId, liveIds),
  ])
  for (const [branch, bits] of snapshot.held) {
    let n = 0
    for (let i = 0; i < base.length; i++) {
      const o = base[i] ?? 0
      if (((bits[o >> 3] ?? 0) & (1 << (o & 7))) !== 0) n++
    }
    if (n > 0) facets.branches.set(branch, n)
  }
  for (const [branch, n] of liveCounts) add(facets.branches, branch, n)
  return facets
}

/** How many of these records have a copy at each branch (from the copy table). */
async function branchCounts(
  db: Queryable,
  libraryId: number,
  ids: readonly number[],
): Promise<Map<number, number>> {
  const counts = new Map<number, number>()
  const batches = await inCopyBatches(ids, (batch) => repo.recordsByBranch(db, libraryId, batch))
  for (const { branchId, n } of batches.flat()) {
    counts.set(branchId, (counts.get(branchId) ?? 0) + n)
  }
  return counts
}

/** a ∪ b, both sorted ascending. */
function union(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (b.length === 0) return a
  if (a.length === 0) return b
  const out = new Uint32Array(a.length + b.length)
  let i = 0
  let j = 0
  let n = 0
  while (i < a.length || j < b.length) {
    const x = i < a.length ? (a[i] ?? 0) : Infinity
    const y = j < b.length ? (b[j] ?? 0) : Infinity
    if (x <= y) {
      out[n++] = x
      i++
      if (x === y) j++
    } else {
      out[n++] = y
      j++
    }
  }
  return out.subarray(0, n)
}

/** a without the elements of b (both sorted ascending). */
function difference(a: Uint32Array, b: Uint32Array): Uint32Array {
  let j = 0
  return filterDocs(a, (o) => {
    j = gallop(b, o, j)
    return b[j] !== o
  })
}

function filterDocs(docs: Uint32Array, keep: (ord: number) => boolean): Uint32Array {
  const out = new Uint32Array(docs.length)
  let n = 0
  for (let i = 0; i < docs.length; i++) {
    const o = docs[i] ?? 0
    if (keep(o)) out[n++] = o
  }
  return n === docs.length ? docs : out.subarray(0, n)
}

function withoutStale(docs: Uint32Array, stale: Uint32Array): Uint32Array {
  if (stale.length === 0 || docs.length === 0) return docs
  let hit = false
  for (let i = 0; i < stale.length && !hit; i++) {
    const s = stale[i] ?? 0
    const at = lowerBound(docs, s)
    hit = docs[at] === s
  }
  if (!hit) return docs
  const staleSet = new Set(stale)
  return filterDocs(docs, (o) => !staleSet.has(o))
}

/** The ordinal range [lo, hi) of records published within [from, to]. */
function yearBounds(table: DocTable, from?: number, to?: number): [number, number] {
  const years = table.years
  const n = table.n
  if (from === undefined && to === undefined) return [0, n]
  // years: descending, then the records without a year
  const firstWhere = (pred: (y: number) => boolean): number => {
    let lo = 0
    let hi = n
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (pred(years[mid] ?? NULL_YEAR)) hi = mid
      else lo = mid + 1
    }
    return lo
  }
  const lo = to === undefined ? 0 : firstWhere((y) => y === NULL_YEAR || y <= to)
  const hi =
    from === undefined
      ? firstWhere((y) => y === NULL_YEAR)
      : firstWhere((y) => y === NULL_YEAR || y < from)
  return [lo, Math.max(lo, hi)]
}

async function liveCopyFilter(
  db: Queryable,
  libraryId: number,
  ids: readonly number[],
  filter: CopyFilter,
): Promise<Set<number>> {
  const batches = await inCopyBatches(ids, (batch) =>
    repo.recordsWithCopies(db, libraryId, batch, filter),
  )
  return new Set(batches.flat())
}

/** One statement per COPY_IN_BATCH ids, run together; their results in order. */
function inCopyBatches<T>(
  ids: readonly number[],
  run: (batch: number[]) => Promise<T>,
): Promise<T[]> {
  const batches: Promise<T>[] = []
  for (let i = 0; i < ids.length; i += COPY_IN_BATCH) {
    batches.push(run(ids.slice(i, i + COPY_IN_BATCH)))
  }
  return Promise.all(batches)
}

async function loadCopySnapshot(
  db: Queryable,
  libraryId: number,
  table: DocTable,
): Promise<CopySnapshot> {
  const loadedAt = Date.now()
  const ordOf = ordLookup(table)
  const bytes = (table.n >> 3) + 1
  const snapshot: CopySnapshot = {
    gen: table.gen,
    loadedAt,
    held: new Map(),
    available: new Map(),
    availableAny: new Uint8Array(bytes),
  }
  const bitsFor = (map: Map<number, Uint8Array>, branch: number) => {
    let bits = map.get(branch)
    if (!bits) {
      bits = new Uint8Array(bytes)
      map.set(branch, bits)
    }
    return bits
  }
  for (const row of await repo.copyFactBlocks(db, libraryId)) {
    const held = bitsFor(snapshot.held, row.branchId)
    const available = row.available === 0 ? null : bitsFor(snapshot.available, row.branchId)
    for (let bits = row.held, i = 0; bits !== 0; bits = Math.floor(bits / 2), i++) {
      if (bits % 2 === 0) continue
      const ord = ordOf(row.block * 32 + i)
      if (ord < 0) continue // not in the base: a delta record, always checked live
      const byte = ord >> 3
      const bit = 1 << (ord & 7)
      held[byte] = (held[byte] ?? 0) | bit
      if (available && Math.floor(row.available / 2 ** i) % 2 === 1) {
        available[byte] = (available[byte] ?? 0) | bit
        snapshot.availableAny[byte] = (snapshot.availableAny[byte] ?? 0) | bit
      }
    }
  }
  return snapshot
}

function copySnapshot(
  cache: DbCache,
  db: Queryable,
  libraryId: number,
  table: DocTable,
): Promise<CopySnapshot> {
  let entry = cache.copies.get(libraryId)
  if (!entry) {
    entry = {}
    cache.copies.set(libraryId, entry)
  }
  const current = entry
  const reload = () => {
    const loading = loadCopySnapshot(db, libraryId, table).then(
      (snapshot) => {
        if (!current.snapshot || current.snapshot.loadedAt <= snapshot.loadedAt) {
          current.snapshot = snapshot
        }
        if (current.loading === loading) current.loading = undefined
        return snapshot
      },
      (error: unknown) => {
        if (current.loading === loading) current.loading = undefined
        throw error
      },
    )
    current.loading = loading
    return loading
  }
  const snapshot = current.snapshot
  const maxAge = settings.copySnapshotMaxAgeMs
  if (snapshot && snapshot.gen === table.gen && maxAge > 0) {
    const age = Date.now() - snapshot.loadedAt
    if (age <= maxAge) return Promise.resolve(snapshot)
    if (age <= maxAge * 4) {
      if (!current.loading) reload().catch(() => undefined) // refresh in the background
      return Promise.resolve(snapshot)
    }
  }
  if (maxAge === 0) return reload()
  return current.loading ?? reload()
}

/**
 * Keeps the candidates with a copy passing the filter: few candidates are checked against the
 * copy table; many against the copy snapshot (and the delta records live).
 */
async function applyCopyFilter(
  cache: DbCache,
  db: Queryable,
  libraryId: number,
  table: DocTable,
  base: Uint32Array,
  live: DeltaDoc[],
  filter: CopyFilter,
): Promise<[Uint32Array, DeltaDoc[]]> {
  const candidates = base.length + live.length
  if (candidates === 0) return [base, live]
  if (candidates <= settings.copyLiveLimit) {
    const ids: number[] = []
    for (let i = 0; i < base.length; i++) ids.push(table.recordIds[base[i] ?? 0] ?? 0)
    for (const d of live) ids.push(d.id)
    const held = await liveCopyFilter(db, libraryId, ids, filter)
    return [
      filterDocs(base, (o) => held.has(table.recordIds[o] ?? 0)),
      live.filter((d) => held.has(d.id)),
    ]
  }
  const [snapshot, liveHeld] = await Promise.all([
    copySnapshot(cache, db, libraryId, table),
    liveCopyFilter(
      db,
      libraryId,
      live.map((d) => d.id),
      filter,
    ),
  ])
  const bits =
    filter.branchId === undefined
      ? snapshot.availableAny
      : (filter.availableNow ? snapshot.available : snapshot.held).get(filter.branchId)
  if (!bits) return [new Uint32Array(0), live.filter((d) => liveHeld.has(d.id))]
  return [
    filterDocs(base, (o) => ((bits[o >> 3] ?? 0) & (1 << (o & 7))) !== 0),
    live.filter((d) => liveHeld.has(d.id)),
  ]
}
