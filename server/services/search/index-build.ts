// Building a library's index: its records as they are now become a new generation of
// search_posting rows (per segment of ordinals: a list per character and per pair of
// characters with positions, the title-start, reading-start, NDC-prefix and field-character
// lists, and the document table), then the state row switches to it atomically and the delta
// rows it took in are deleted (compaction). Stateless: it works on the pool or inside a
// loader's transaction, and searches notice the new generation from the state row.
import * as repo from '../../db/search-index-repository.ts'
import { inTransaction as transaction } from '../../db/transaction.ts'
import type { NewPostingRow, IndexSourceRow, Queryable } from '../../db/search-index-repository.ts'
import { codePointLength } from './fold.ts'
import {
  BI,
  DEFAULT_SEGMENT_SIZE,
  DOCS,
  FIRST,
  FORMAT,
  GROUPS,
  HEADER,
  LAYOUT_PARTS,
  MAX_POSITIONS,
  MaterialNumbers,
  NDC,
  READ2,
  SEP,
  TITLE2,
  TWO32,
  UNI,
  UNKNOWN_LAYOUT,
  gkey,
  rankKey,
  zigzag,
} from './index-format.ts'
import type { IndexHeader } from './index-format.ts'
import { ByteSlab, ByteWriter, ListBuilder } from './postings.ts'

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
    const known =
      layout.length === LAYOUT_PARTS && layout.every((n) => Number.isInteger(n) && n >= 0)
    if (known) this.addFieldLists(ord, cps, len, layout)
    // document table: id, year, title length, reading length, the 8 part lengths, the 50音
    // title and author ranks, material
    const yearCode = year === null ? 0 : year + 40_000
    this.meta.varint(zigzag(row.id - this.prevId))
    this.meta.varint(zigzag(yearCode - this.prevYear))
    this.meta.varint(Math.min(titleLen, 65535))
    this.meta.varint(Math.min(readingLen, 65535))
    for (let k = 0; k < LAYOUT_PARTS; k++) {
      this.meta.varint(known ? Math.min(layout[k] ?? 0, 65534) : k === 0 ? UNKNOWN_LAYOUT : 0)
    }
    this.meta.varint(ranks[0])
    this.meta.varint(ranks[1])
    this.meta.varint(this.materialNumbers.of(row.material_type))
    this.meta.varint(Math.min(row.popularity, 65535))
    this.prevId = row.id
    this.prevYear = yearCode
    this.docs++
  }

  /**
   * The characters of each field group (within what its key holds) and, for the title
   * groups, the first characters of their parts and the parts that are one character: what a
   * one-character field word is looked up in (placed as fieldPlacement places longer ones).
   */
  private addFieldLists(ord: number, cps: Int32Array, len: number, layout: number[]): void {
    const groups = ['title', 'titleProper', 'author', 'publisher', 'subject'] as const
    for (const group of groups) {
      const g = GROUPS[group]
      let pos = 0
      let start = -1
      let end = -1
      const parts: [number, number][] = [] // [position, length]
      for (let k = 0; k < g.to; k++) {
        const n = layout[k] ?? 0
        if (n === 0) continue
        if (k >= g.from) {
          if (start < 0) start = pos
          end = pos + n
          parts.push([pos, n])
        }
        pos += n + 1
      }
      if (start < 0) continue
      // the key holds the separator and keyMax − 1 characters of the group
      const to = Math.min(end, start + g.keyMax - 1, len)
      if (group !== 'titleProper') {
        const seen = new Set<number>()
        for (let i = start; i < to; i++) {
          const c = cps[i] ?? 0
          if (c !== SEP) seen.add(c)
        }
        for (const c of seen) this.extraList(g.kind, String.fromCodePoint(c)).add(ord)
      }
      if (!('firstKind' in g)) continue
      const firsts = new Set<number>()
      const ones = new Set<number>()
      for (const [p, n] of parts) {
        if (p >= to) continue
        firsts.add(cps[p] ?? 0)
        // a whole part: the separator after it is in the key too
        if (n === 1 && p < start + g.keyMax - 2) ones.add(cps[p] ?? 0)
      }
      for (const c of firsts) this.extraList(g.firstKind, String.fromCodePoint(c)).add(ord)
      for (const c of ones) this.extraList(g.oneKind, String.fromCodePoint(c)).add(ord)
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
  return repo.withBuildLock(db, libraryId, () => build(db, libraryId, options, false))
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
  const headerFields: IndexHeader = {
    format: FORMAT,
    segmentSize,
    docs: ord,
    materials: materialNumbers.names,
  }
  const header = Buffer.from(JSON.stringify(headerFields))
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
