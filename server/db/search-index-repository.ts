// The tables of the catalogue search index (services/search/): its state row, posting rows
// and delta rows, the record data an index build reads, the copy facts the index filters and
// counts by, and the named lock of a build. Plain reads and writes: the engine decides what
// they mean. (The same search done by SQL alone is search-repository.ts.) Every statement
// works the same on MariaDB 10.11 and MySQL 8 (plain indexed reads, IN lists, binary
// comparisons).
import { sql } from 'kysely'
import type { Kysely, RawBuilder } from 'kysely'
import { refreshNewArrival } from './new-arrival-repository.ts'
import type { Database } from './schema.ts'
import { withNamedLock } from './named-lock.ts'
import { rankedReading } from './search-layout.ts'
import { preparedQuery } from './prepared-query.ts'

/** The pool or a transaction. */
export type Queryable = Kysely<Database>

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
  /** The lengths of the eight folded parts (search-layout.ts). */
  search_layout: string
  material_type: string
  ndc: string
  popularity: number
}

export interface DeltaRow {
  recordId: number
  seq: number
  /** null: the record is gone. */
  record: {
    search_text: string
    reading: string
    title_key: string
    title_proper_key: string
    author_key: string
    publisher_key: string
    subject_key: string
    pub_year: number | null
    material_type: string
    ndc: string
    popularity: number
  } | null
}

export interface CopyFilter {
  branchId?: number
  availableNow?: boolean
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
      'popularity',
      rankedReading('record').as('reading'),
    ])
    .where('library_id', '=', libraryId)
    .where('id', 'in', ids)
    .execute()
}

/**
 * Records the write of a record (or of one of its copies) for the index, inside the writing
 * transaction: takes the next delta_seq of the library (creating its state row if needed) and
 * stamps the record's delta row; and brings its 新着 row (new_arrival) in line, as every
 * catalogue write comes through here.
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
  await refreshNewArrival(trx, libraryId, recordId)
  return seq
}

// Read by every search (twice by a results page with its facets): built once.
const stateWithDelta = preparedQuery((db, libraryId: number, afterSeq: number) =>
  db
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
      'r.title_proper_key',
      'r.author_key',
      'r.publisher_key',
      'r.subject_key',
      'r.popularity',
      rankedReading('r').as('reading'),
    ])
    .where('s.library_id', '=', libraryId),
)

/**
 * The state row and the delta rows stamped after `afterSeq` with their live records (null
 * when deleted), read by one statement so that both come from the same snapshot.
 */
export async function readStateWithDelta(
  db: Queryable,
  libraryId: number,
  afterSeq: number,
): Promise<{ state: SearchState | null; delta: DeltaRow[] }> {
  const rows = await stateWithDelta(db, libraryId, afterSeq)
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
              title_proper_key: r.title_proper_key ?? '',
              author_key: r.author_key ?? '',
              publisher_key: r.publisher_key ?? '',
              subject_key: r.subject_key ?? '',
              pub_year: r.pub_year,
              material_type: r.material_type ?? '',
              ndc: r.ndc ?? '',
              popularity: r.popularity ?? 0,
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
  availableOnly = false,
): Promise<{ branchId: number; n: number }[]> {
  if (recordIds.length === 0) return []
  let q = db
    .selectFrom('copy')
    .select(['branch_id', sql<number>`COUNT(DISTINCT record_id)`.as('n')])
    .where('library_id', '=', libraryId)
    .where(inRecordIds(recordIds))
  if (availableOnly) q = q.where('status', '=', 'available').where('reference_only', '=', 0)
  const rows = await q.groupBy('branch_id').execute()
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

/**
 * The records with a copy whose call number starts with `prefix` (LIKE, as the SQL search's
 * condition), read from the copy index (library_id, call_number, record_id).
 */
export async function recordsWithCallNumber(
  db: Queryable,
  libraryId: number,
  prefix: string,
): Promise<number[]> {
  const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
  const rows = await db
    .selectFrom('copy')
    .select('record_id')
    .distinct()
    .where('library_id', '=', libraryId)
    .where('call_number', 'like', pattern)
    .execute()
  return rows.map((r) => r.record_id)
}

/** How many records the library's delta holds (edited since the index was built). */
export async function deltaSize(db: Queryable, libraryId: number): Promise<number> {
  const row = await db
    .selectFrom('search_delta')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('library_id', '=', libraryId)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Every library, in id order (for building and compacting their indexes). */
export async function listLibraries(db: Queryable): Promise<{ id: number; slug: string }[]> {
  return db.selectFrom('library').select(['id', 'slug']).orderBy('id').execute()
}

/**
 * Runs `work` holding the server-wide named lock of the library's index build (on one
 * connection of the pool, waiting up to an hour for it), so that one build per library runs
 * at a time whatever the number of processes.
 */
export async function withBuildLock<T>(
  db: Queryable,
  libraryId: number,
  work: () => Promise<T>,
): Promise<T> {
  // One build per library at a time, in any process (named-lock.ts names the database too).
  const outcome = await withNamedLock(db, `search-index:${libraryId}`, work, { waitSeconds: 3600 })
  if (!outcome.ok) throw new Error(`could not lock library ${libraryId}`)
  return outcome.value
}

/**
 * Recomputes record.popularity of a library's records as of `today` (YYYY-MM-DD, Tokyo):
 * ROUND(100 × ln(1 + 2 × copies + loans made + holds placed in the year before)), see
 * sql/0060; loans of copies deleted since count too (their record kept, sql/0080). Records whose value changes are updated and, when the library has an index,
 * stamped for it (search_delta) in the same transaction, so the index and SQL rank them
 * alike at once. Run it in a transaction. Returns how many records changed.
 */
export async function refreshPopularity(
  trx: Queryable,
  libraryId: number,
  today: string,
): Promise<number> {
  const rows = await sql<{ id: number; p: number }>`
    SELECT x.id, x.p FROM (
      SELECT r.id, r.popularity AS old,
        ROUND(100 * LN(1 + 2 * COALESCE(c.n, 0) + COALESCE(l.n, 0) + COALESCE(h.n, 0))) AS p
      FROM record r
      LEFT JOIN (SELECT record_id, COUNT(*) AS n FROM copy WHERE library_id = ${libraryId}
        GROUP BY record_id) c ON c.record_id = r.id
      LEFT JOIN (SELECT COALESCE(cc.record_id, lo.record_id) AS record_id, COUNT(*) AS n
        FROM loan lo
        LEFT JOIN copy cc ON cc.library_id = lo.library_id AND cc.id = lo.copy_id
        WHERE lo.library_id = ${libraryId} AND lo.loaned_on >= DATE_SUB(${today}, INTERVAL 1 YEAR)
        GROUP BY COALESCE(cc.record_id, lo.record_id)) l ON l.record_id = r.id
      LEFT JOIN (SELECT record_id, COUNT(*) AS n FROM hold WHERE library_id = ${libraryId}
        AND requested_at >= DATE_SUB(${today}, INTERVAL 1 YEAR)
        GROUP BY record_id) h ON h.record_id = r.id
      WHERE r.library_id = ${libraryId}
    ) x WHERE x.p <> x.old`.execute(trx)
  const changed = rows.rows.map((r) => ({ id: Number(r.id), p: Math.min(65535, Number(r.p)) }))
  if (changed.length === 0) return 0
  const byValue = new Map<number, number[]>()
  for (const { id, p } of changed) byValue.set(p, [...(byValue.get(p) ?? []), id])
  const CHUNK = 5000
  for (const [p, ids] of byValue) {
    for (let i = 0; i < ids.length; i += CHUNK) {
      await trx
        .updateTable('record')
        .set({ popularity: p })
        .where('library_id', '=', libraryId)
        .where('id', 'in', ids.slice(i, i + CHUNK))
        .execute()
    }
  }
  const state = await readState(trx, libraryId)
  if (state && state.gen > 0) {
    await sql`UPDATE search_state SET delta_seq = delta_seq + 1
      WHERE library_id = ${libraryId}`.execute(trx)
    const seq = Number(
      (
        await trx
          .selectFrom('search_state')
          .select('delta_seq')
          .where('library_id', '=', libraryId)
          .executeTakeFirstOrThrow()
      ).delta_seq,
    )
    for (let i = 0; i < changed.length; i += CHUNK) {
      const values = changed.slice(i, i + CHUNK).map(({ id }) => sql`(${libraryId}, ${id}, ${seq})`)
      await sql`INSERT INTO search_delta (library_id, record_id, seq) VALUES ${sql.join(values)}
        ON DUPLICATE KEY UPDATE seq = VALUES(seq)`.execute(trx)
    }
  }
  return changed.length
}
