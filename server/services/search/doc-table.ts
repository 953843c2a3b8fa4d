// The document table of an index generation: by ordinal (a document's place in ranking
// order) the record id, year, title and reading lengths, the lengths of the eight folded
// parts, the places in the 50音 title and author orders and the material type. Read from the
// DOCS rows once per generation and kept; also the record id → ordinal lookup, a document's
// ranking key and the ordinal range of a year range (ordinals run newest first).
import * as repo from '../../db/search-index-repository.ts'
import type { IndexContext } from './index-cache.ts'
import {
  DOCS,
  FORMAT,
  HEADER,
  LAYOUT_PARTS,
  NULL_YEAR,
  TWO32,
  gkey,
  rankKey,
  unzigzag,
} from './index-format.ts'
import type { IndexHeader } from './index-format.ts'
import { lowerBound } from './postings.ts'

export interface DocTable {
  gen: number
  n: number
  segmentSize: number
  recordIds: Uint32Array
  years: Int32Array
  titleLens: Uint16Array
  /** Length of the title reading (the second field) when ranked by it, else 0. */
  readingLens: Uint16Array
  /** By ord·8: lengths of the eight folded parts (search_layout); UNKNOWN_LAYOUT first if none. */
  layout: Uint16Array
  /** Places in the 50音 orders of the catalogue search's title and author sorts. */
  titleRanks: Uint32Array
  authorRanks: Uint32Array
  materials: Uint8Array
  /** record.popularity (the relevance ranking's share of it: search-layout.ts RELEVANCE). */
  popularity: Uint16Array
  /** Material type by number (from the header). */
  materialNames: string[]
  /** ord by record id, built when first needed. */
  ordOf?: (id: number) => number
  size: number
}

async function loadDocTable(
  db: repo.Queryable,
  libraryId: number,
  gen: number,
): Promise<DocTable | null> {
  const rows = await repo.fetchPostings(db, libraryId, gen, [gkey(HEADER, ''), gkey(DOCS, '')])
  const headerRow = rows.find((r) => r.gkey[0] === HEADER)
  if (!headerRow) return null // replaced by a newer generation meanwhile
  const header = JSON.parse(headerRow.data.toString('utf8')) as IndexHeader
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
    layout: new Uint16Array(n * LAYOUT_PARTS),
    titleRanks: new Uint32Array(n),
    authorRanks: new Uint32Array(n),
    materials: new Uint8Array(n),
    popularity: new Uint16Array(n),
    materialNames: header.materials,
    size: n * (23 + 2 * LAYOUT_PARTS),
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
      for (let k = 0; k < LAYOUT_PARTS; k++) table.layout[ord * LAYOUT_PARTS + k] = next()
      table.titleRanks[ord] = next()
      table.authorRanks[ord] = next()
      table.materials[ord] = next()
      table.popularity[ord] = next()
      ord++
    }
  }
  return table
}

export function docTableFor(
  ctx: IndexContext,
  libraryId: number,
  gen: number,
): Promise<DocTable | null> {
  const { cache, db } = ctx
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

export function ordLookup(table: DocTable): (id: number) => number {
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

export function keyOfOrd(table: DocTable, ord: number): number {
  const year = table.years[ord] ?? NULL_YEAR
  return rankKey(table.recordIds[ord] ?? 0, year === NULL_YEAR ? null : year)
}

/** The ordinal range [lo, hi) of records published within [from, to]. */
export function yearBounds(table: DocTable, from?: number, to?: number): [number, number] {
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
