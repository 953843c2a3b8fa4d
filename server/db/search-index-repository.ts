// SQL of the catalogue search index (server/services/search/search-index.ts): its state row,
// posting rows, delta rows, the copy-based filters, and likeSearchIds — the same search done
// with LIKE '%word%' scans, used as the fallback before an index exists and as the reference
// the index is tested and benchmarked against. Every statement works the same on MariaDB 10.11
// and MySQL 8 (plain indexed reads, IN lists, binary comparisons).
import { sql } from 'kysely'
import type { Kysely, RawBuilder } from 'kysely'
import type { Database, MaterialType } from './schema.ts'

/** The pool or a transaction. */
export type Queryable = Kysely<Database>

const SEP = '\u0001'

/**
 * The folded title reading a title-ranked search compares with, or '' : sort_title when the
 * record has a reading and sort_title holds all of it (it is cut at 255 characters). Then it
 * is also the second field of search_text. Both the index and the LIKE scan rank by it.
 */
export const rankedReading = (alias: 'r' | 'record') =>
  sql<string>`CASE WHEN ${sql.ref(`${alias}.title_reading`)} <> ''
    AND CHAR_LENGTH(${sql.ref(`${alias}.sort_title`)}) BETWEEN 1 AND 254
    THEN ${sql.ref(`${alias}.sort_title`)} ELSE '' END`

export interface SearchState {
  gen: number
  docCount: number
  deltaSeq: number
}

export interface PostingRow {
  gkey: Buffer
  seg: number
  docCount: number
  data: Buffer
}

export interface IndexSourceRow {
  id: number
  search_text: string
  /** rankedReading: '' or the second field of search_text. */
  reading: string
  /** The lengths of the eight folded fields (search-fields.ts). */
  search_layout: string
  material_type: string
  ndc: string
}

export interface DeltaRow {
  recordId: number
  seq: number
  /** null: the record is gone. */
  record: {
    search_text: string
    reading: string
    title_key: string
    author_key: string
    publisher_key: string
    pub_year: number | null
    material_type: string
    ndc: string
  } | null
}

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
}

export interface CopyFilter {
  branchId?: number
  availableNow?: boolean
}

export function hasCopyFilter(f: CopyFilter): boolean {
  return f.branchId !== undefined || f.availableNow === true
}

export async function readState(db: Queryable, libraryId: number): Promise<SearchState | null> {
  const row = await db
    .selectFrom('search_state')
    .select(['gen', 'doc_count', 'delta_seq'])
    .where('library_id', '=', libraryId)
    .executeTakeFirst()
  if (!row) return null
  return { gen: row.gen, docCount: row.doc_count, deltaSeq: Number(row.delta_seq) }
}

/** The rows of these lists in one generation, in (gkey, seg) order. */
export async function fetchPostings(
  db: Queryable,
  libraryId: number,
  gen: number,
  keys: readonly Buffer[],
): Promise<PostingRow[]> {
  if (keys.length === 0) return []
  const rows = await db
    .selectFrom('search_posting')
    .select(['gkey', 'seg', 'doc_count', 'data'])
    .where('library_id', '=', libraryId)
    .where('gen', '=', gen)
    .where('gkey', 'in', keys)
    .orderBy('gkey')
    .orderBy('seg')
    .execute()
  return rows.map((r) => ({ gkey: r.gkey, seg: r.seg, docCount: r.doc_count, data: r.data }))
}

export interface NewPostingRow {
  gkey: Buffer
  seg: number
  docCount: number
  data: Uint8Array
}

/** Inserts posting rows in multi-row statements of at most ~1 MB each. */
export async function insertPostings(
  db: Queryable,
  libraryId: number,
  gen: number,
  rows: Iterable<NewPostingRow>,
): Promise<void> {
  const MAX_BYTES = 1024 * 1024
  const MAX_ROWS = 2000
  let batch: NewPostingRow[] = []
  let bytes = 0
  const flush = async () => {
    if (batch.length === 0) return
    const values = batch.map((r) => ({
      library_id: libraryId,
      gen,
      gkey: r.gkey,
      seg: r.seg,
      doc_count: r.docCount,
      data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength),
    }))
    batch = []
    bytes = 0
    await db.insertInto('search_posting').values(values).execute()
  }
  for (const row of rows) {
    if (batch.length >= MAX_ROWS || bytes + row.data.length > MAX_BYTES) await flush()
    batch.push(row)
    bytes += row.data.length + row.gkey.length + 32
  }
  await flush()
}

/** Deletes the posting rows of a library's generations other than `keep`, in chunks. */
export async function deleteOtherGenerations(
  db: Queryable,
  libraryId: number,
  keep: number,
): Promise<void> {
  const gens = await db
    .selectFrom('search_posting')
    .select('gen')
    .distinct()
    .where('library_id', '=', libraryId)
    .where('gen', '<>', keep)
    .execute()
  for (const { gen } of gens) {
    for (;;) {
      const result = await sql`DELETE FROM search_posting WHERE library_id = ${libraryId}
        AND gen = ${gen} LIMIT 2000`.execute(db)
      if (Number(result.numAffectedRows ?? 0) < 2000) break
    }
  }
}

/** The ids and years of a library's records (for ordering the documents). */
export async function listRecordKeys(
  db: Queryable,
  libraryId: number,
  each: (id: number, year: number | null) => void,
): Promise<void> {
  const PAGE = 50_000
  let after = 0
  for (;;) {
    const rows = await db
      .selectFrom('record')
      .select(['id', 'pub_year'])
      .where('library_id', '=', libraryId)
      .where('id', '>', after)
      .orderBy('id')
      .limit(PAGE)
      .execute()
    for (const r of rows) each(r.id, r.pub_year)
    const last = rows[rows.length - 1]
    if (!last || rows.length < PAGE) return
    after = last.id
  }
}

/**
 * The library's record ids in the order of a 50音 sort, as the catalogue search sorts (title:
 * sort_title, id; author: names before blanks, sort_author, then newest first, id), streamed.
 */
export async function listSortOrder(
  db: Queryable,
  libraryId: number,
  sort: 'title' | 'author',
  each: (id: number) => void,
): Promise<void> {
  let q = db.selectFrom('record as r').select('r.id').where('r.library_id', '=', libraryId)
  q =
    sort === 'title'
      ? q.orderBy('r.sort_title')
      : q
          .orderBy(sql`r.sort_author = ''`)
          .orderBy('r.sort_author')
          .orderBy(sql`r.pub_year IS NULL`)
          .orderBy('r.pub_year', 'desc')
  for await (const row of q.orderBy('r.id').stream(10_000)) each(row.id)
}

/** The indexed fields of these records (those that still exist). */
export async function fetchIndexSource(
  db: Queryable,
  libraryId: number,
  ids: readonly number[],
): Promise<IndexSourceRow[]> {
  if (ids.length === 0) return []
  return db
    .selectFrom('record')
    .select([
      'id',
      'search_text',
      'material_type',
      'ndc',
      'search_layout',
      rankedReading('record').as('reading'),
    ])
    .where('library_id', '=', libraryId)
    .where('id', 'in', ids)
    .execute()
}

/**
 * Records the write of a record for the index, inside the writing transaction: takes the next
 * delta_seq of the library (creating its state row if needed) and stamps the record's delta row.
 */
export async function markRecordWritten(
  trx: Queryable,
  libraryId: number,
  recordId: number,
): Promise<number> {
  await sql`INSERT INTO search_state (library_id, gen, doc_count, delta_seq)
    VALUES (${libraryId}, 0, 0, 1)
    ON DUPLICATE KEY UPDATE delta_seq = delta_seq + 1`.execute(trx)
  const state = await trx
    .selectFrom('search_state')
    .select('delta_seq')
    .where('library_id', '=', libraryId)
    .executeTakeFirstOrThrow()
  const seq = Number(state.delta_seq)
  await sql`INSERT INTO search_delta (library_id, record_id, seq)
    VALUES (${libraryId}, ${recordId}, ${seq})
    ON DUPLICATE KEY UPDATE seq = ${seq}`.execute(trx)
  return seq
}

/**
 * The state row and the delta rows stamped after `afterSeq` with their live records (null
 * when deleted), read by one statement so that both come from the same snapshot.
 */
export async function readStateWithDelta(
  db: Queryable,
  libraryId: number,
  afterSeq: number,
): Promise<{ state: SearchState | null; delta: DeltaRow[] }> {
  const rows = await db
    .selectFrom('search_state as s')
    .leftJoin('search_delta as d', (j) =>
      j.onRef('d.library_id', '=', 's.library_id').on('d.seq', '>', afterSeq),
    )
    .leftJoin('record as r', (j) =>
      j.onRef('r.library_id', '=', 'd.library_id').onRef('r.id', '=', 'd.record_id'),
    )
    .select([
      's.gen',
      's.doc_count',
      's.delta_seq',
      'd.record_id',
      'd.seq',
      'r.id as rid',
      'r.search_text',
      'r.pub_year',
      'r.material_type',
      'r.ndc',
      'r.title_key',
      'r.author_key',
      'r.publisher_key',
      rankedReading('r').as('reading'),
    ])
    .where('s.library_id', '=', libraryId)
    .execute()
  const first = rows[0]
  if (!first) return { state: null, delta: [] }
  const state = { gen: first.gen, docCount: first.doc_count, deltaSeq: Number(first.delta_seq) }
  const delta: DeltaRow[] = []
  for (const r of rows) {
    if (r.record_id === null) continue
    delta.push({
      recordId: r.record_id,
      seq: Number(r.seq),
      record:
        r.rid === null
          ? null
          : {
              search_text: r.search_text ?? '',
              reading: r.reading,
              title_key: r.title_key ?? '',
              author_key: r.author_key ?? '',
              publisher_key: r.publisher_key ?? '',
              pub_year: r.pub_year,
              material_type: r.material_type ?? '',
              ndc: r.ndc ?? '',
            },
    })
  }
  return { state, delta }
}

/**
 * Makes a newly built generation current: in one transaction, the state row points at it and
 * the delta rows it took in (seq ≤ watermark) are deleted.
 */
export async function switchGeneration(
  trx: Queryable,
  libraryId: number,
  gen: number,
  docCount: number,
  watermark: number,
): Promise<void> {
  await sql`INSERT INTO search_state (library_id, gen, doc_count, delta_seq, built_at)
    VALUES (${libraryId}, ${gen}, ${docCount}, 0, UTC_TIMESTAMP())
    ON DUPLICATE KEY UPDATE gen = ${gen}, doc_count = ${docCount},
      built_at = UTC_TIMESTAMP()`.execute(trx)
  await trx
    .deleteFrom('search_delta')
    .where('library_id', '=', libraryId)
    .where('seq', '<=', watermark)
    .execute()
}

/**
 * record_id IN (…) with the ids inline (a long list of parameters is slower to prepare);
 * only non-negative integers are accepted.
 */
function inRecordIds(recordIds: readonly number[]): RawBuilder<boolean> {
  for (const id of recordIds) {
    if (!Number.isInteger(id) || id < 0) throw new RangeError(`record id ${id}`)
  }
  return sql<boolean>`record_id IN (${sql.raw(recordIds.join(','))})`
}

/** Of these records, those with a copy passing the filter (ids go inline: integers only). */
export async function recordsWithCopies(
  db: Queryable,
  libraryId: number,
  recordIds: readonly number[],
  filter: CopyFilter,
): Promise<number[]> {
  if (recordIds.length === 0) return []
  let q = db
    .selectFrom('copy')
    .select('record_id')
    .distinct()
    .where('library_id', '=', libraryId)
    .where(inRecordIds(recordIds))
  if (filter.branchId !== undefined) q = q.where('branch_id', '=', filter.branchId)
  if (filter.availableNow) q = q.where('status', '=', 'available').where('reference_only', '=', 0)
  return (await q.execute()).map((r) => r.record_id)
}

/** Of these records, how many have a copy at each branch (ids go inline: integers only). */
export async function recordsByBranch(
  db: Queryable,
  libraryId: number,
  recordIds: readonly number[],
): Promise<{ branchId: number; n: number }[]> {
  if (recordIds.length === 0) return []
  const rows = await db
    .selectFrom('copy')
    .select(['branch_id', sql<number>`COUNT(DISTINCT record_id)`.as('n')])
    .where('library_id', '=', libraryId)
    .where(inRecordIds(recordIds))
    .groupBy('branch_id')
    .execute()
  return rows.map((r) => ({ branchId: r.branch_id, n: Number(r.n) }))
}

export interface CopyFactBlock {
  branchId: number
  /** Records block·32 … block·32 + 31. */
  block: number
  /** Bit i: record block·32 + i has a copy at the branch … */
  held: number
  /** … that is on the shelf now (available, not reference-only). */
  available: number
}

/** Which records have copies where, as 32-record bitmaps per branch (one aggregate read). */
export async function copyFactBlocks(db: Queryable, libraryId: number): Promise<CopyFactBlock[]> {
  const result = await sql<{ branch_id: number; blk: number; held: number; avail: number }>`
    SELECT branch_id, record_id DIV 32 AS blk,
      BIT_OR(1 << (record_id % 32)) AS held,
      BIT_OR(IF(status = 'available' AND reference_only = 0, 1 << (record_id % 32), 0)) AS avail
    FROM copy WHERE library_id = ${libraryId}
    GROUP BY branch_id, blk`.execute(db)
  return result.rows.map((r) => ({
    branchId: Number(r.branch_id),
    block: Number(r.blk),
    held: Number(r.held),
    available: Number(r.avail),
  }))
}

/** Ids of the library's records with this ISBN. */
export async function recordsWithIsbn(
  db: Queryable,
  libraryId: number,
  isbn: string,
): Promise<number[]> {
  const rows = await db
    .selectFrom('record')
    .select('id')
    .where('library_id', '=', libraryId)
    .where('isbn', '=', isbn)
    .execute()
  return rows.map((r) => r.id)
}

// ---------------------------------------------------------------------------------------------
// The LIKE scan: fallback and reference
// ---------------------------------------------------------------------------------------------

const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`)

export interface SearchPage {
  offset: number
  limit: number
  filters?: SearchFilters
  /** Words that must occur within given fields (detailed search). */
  fields?: FieldTerms
  /** The folded text compared with titles for ranking; default: the words joined. */
  rankText?: string
}

/**
 * Folded words of a detailed search that must occur within one field group: the title group
 * (title, reading, subtitle, series: title_key), the author group (author and its reading:
 * author_key), the publisher (publisher_key). Title words match anywhere in one of its parts
 * (contains), or their joined text starts (prefix) or is (exact) one of its parts. Words
 * that folded to nothing ask for nothing.
 */
export interface FieldTerms {
  title?: { words: readonly string[]; mode: 'prefix' | 'contains' | 'exact' }
  author?: readonly string[]
  publisher?: readonly string[]
}

/** The SQL conditions of field terms, on the keys of `record as r`. */
export function fieldConditions(fields: FieldTerms): RawBuilder<boolean>[] {
  const like = (column: 'title_key' | 'author_key' | 'publisher_key', pattern: string) =>
    sql<boolean>`${sql.ref(`r.${column}`)} LIKE ${pattern}`
  const contains = (word: string) => `%${likeEscape(word)}%`
  const out: RawBuilder<boolean>[] = []
  if (fields.title) {
    const { words, mode } = fields.title
    if (mode === 'contains') for (const word of words) out.push(like('title_key', contains(word)))
    else if (words.join('') !== '') {
      // Prefix and exact compare the title (or its reading, subtitle, series) as a whole.
      const text = likeEscape(words.join(''))
      out.push(like('title_key', mode === 'exact' ? `%${SEP}${text}${SEP}%` : `%${SEP}${text}%`))
    }
  }
  for (const word of fields.author ?? []) out.push(like('author_key', contains(word)))
  for (const word of fields.publisher ?? []) out.push(like('publisher_key', contains(word)))
  return out
}

/** The same test on one record's keys (for the index's delta records). */
export function fieldsMatch(
  fields: FieldTerms,
  keys: { title_key: string; author_key: string; publisher_key: string },
): boolean {
  if (fields.title) {
    const { words, mode } = fields.title
    const text = words.join('')
    const ok =
      mode === 'contains' || text === ''
        ? words.every((w) => keys.title_key.includes(w))
        : keys.title_key.includes(mode === 'exact' ? `${SEP}${text}${SEP}` : `${SEP}${text}`)
    if (!ok) return false
  }
  return (
    (fields.author ?? []).every((w) => keys.author_key.includes(w)) &&
    (fields.publisher ?? []).every((w) => keys.publisher_key.includes(w))
  )
}

/**
 * The ranking tiers of a folded text, for `record as r`: (title or reading equal to it, title
 * or reading starting with it), each 1 or 0. The title is the first field of search_text;
 * readings (rankedReading) count from two characters. The index ranks the same way.
 */
export function titleRankTiers(rank: string): [RawBuilder<number>, RawBuilder<number>] {
  const title = sql`SUBSTRING_INDEX(r.search_text, ${SEP}, 1)`
  const starts = `${likeEscape(rank)}%`
  if (Array.from(rank).length < 2) {
    return [sql<number>`(${title} = ${rank})`, sql<number>`(${title} LIKE ${starts})`]
  }
  const reading = rankedReading('r')
  return [
    sql<number>`(${title} = ${rank} OR ${reading} = ${rank})`,
    sql<number>`(${title} LIKE ${starts} OR ${reading} LIKE ${starts})`,
  ]
}

/**
 * The search done by scanning: every word a substring of search_text (LIKE on a binary
 * collation), the filters, ranked exact title, title prefix, the rest; then pub_year
 * descending (no year last) and id. "Title" is the first field of search_text and, for a
 * ranking text of two or more characters, also the title's reading (rankedReading).
 */
export async function likeSearchIds(
  db: Queryable,
  libraryId: number,
  words: readonly string[],
  page: SearchPage,
): Promise<{ total: number; ids: number[] }> {
  const f = page.filters ?? {}
  const matching = () => {
    let q = db.selectFrom('record as r').where('r.library_id', '=', libraryId)
    for (const word of words) q = q.where('r.search_text', 'like', `%${likeEscape(word)}%`)
    for (const condition of fieldConditions(page.fields ?? {})) q = q.where(condition)
    if (f.materialTypes) {
      q =
        f.materialTypes.length === 0
          ? q.where(sql<boolean>`FALSE`)
          : q.where('r.material_type', 'in', f.materialTypes)
    }
    if (f.yearFrom !== undefined) q = q.where('r.pub_year', '>=', f.yearFrom)
    if (f.yearTo !== undefined) q = q.where('r.pub_year', '<=', f.yearTo)
    if (f.ndcPrefix !== undefined) {
      q = q.where('r.ndc', 'like', `${likeEscape(f.ndcPrefix)}%`)
    }
    if (f.isbn !== undefined) q = q.where('r.isbn', '=', f.isbn)
    if (hasCopyFilter(f)) {
      const { branchId, availableNow } = f
      q = q.where(({ exists, selectFrom }) => {
        let copies = selectFrom('copy as c')
          .select(sql`1`.as('one'))
          .whereRef('c.library_id', '=', 'r.library_id')
          .whereRef('c.record_id', '=', 'r.id')
        if (branchId !== undefined) copies = copies.where('c.branch_id', '=', branchId)
        if (availableNow) {
          copies = copies.where('c.status', '=', 'available').where('c.reference_only', '=', 0)
        }
        return exists(copies)
      })
    }
    return q
  }
  const countRow = await matching()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  const total = Number(countRow.n)
  if (total === 0 || page.offset >= total || page.limit <= 0) return { total, ids: [] }
  const rank = page.rankText ?? words.join('')
  let q = matching().select('r.id')
  if (rank !== '') {
    const [exact, starts] = titleRankTiers(rank)
    q = q.orderBy(exact, 'desc').orderBy(starts, 'desc')
  }
  const rows = await q
    .orderBy(sql`r.pub_year IS NULL`)
    .orderBy('r.pub_year', 'desc')
    .orderBy('r.id')
    .offset(page.offset)
    .limit(page.limit)
    .execute()
  return { total, ids: rows.map((r) => r.id) }
}
