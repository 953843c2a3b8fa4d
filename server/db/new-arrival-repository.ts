// new_arrival (sql/0090): 新着資料 precomputed, each record with copies and the day its newest
// copy was acquired, which browse-repository.ts reads newest first. Kept in line by every
// catalogue write (markRecordWritten, in the writing transaction) and rebuilt after bulk
// loads and daily (the new-arrivals job).
import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { Database } from './schema.ts'

type Queryable = Kysely<Database>

/**
 * new_arrival's row of each record (or of one) as the copy table says now: every copy upserts
 * its record's row, keeping the newest day (no GROUP BY: no temporary table at 1M records).
 */
const newArrivalRows = (libraryId: number, recordId?: number) =>
  sql`INSERT INTO new_arrival (library_id, record_id, acquired_on, ndc_class)
    SELECT c.library_id, c.record_id, c.acquired_on,
      IF(r.ndc REGEXP '^[0-9]', LEFT(r.ndc, 1), '')
    FROM copy c
    JOIN record r ON r.library_id = c.library_id AND r.id = c.record_id
    WHERE c.library_id = ${libraryId}
      ${recordId === undefined ? sql`` : sql`AND c.record_id = ${recordId}`}
    ON DUPLICATE KEY UPDATE
      acquired_on = GREATEST(new_arrival.acquired_on, VALUES(acquired_on))`

/**
 * Brings a record's new_arrival row (sql/0090) in line with its copies and NDC, inside the
 * transaction that wrote the record or one of its copies (markRecordWritten calls it).
 */
export async function refreshNewArrival(
  trx: Queryable,
  libraryId: number,
  recordId: number,
): Promise<void> {
  await trx
    .deleteFrom('new_arrival')
    .where('library_id', '=', libraryId)
    .where('record_id', '=', recordId)
    .execute()
  await newArrivalRows(libraryId, recordId).execute(trx)
}

/**
 * Rebuilds a library's new_arrival rows from its copies: after a bulk load that wrote the
 * tables directly, and daily by the new-arrivals job. Run it in a transaction. Returns how
 * many records it lists.
 */
export async function rebuildNewArrivals(trx: Queryable, libraryId: number): Promise<number> {
  await trx.deleteFrom('new_arrival').where('library_id', '=', libraryId).execute()
  await newArrivalRows(libraryId).execute(trx)
  const count = await trx
    .selectFrom('new_arrival')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('library_id', '=', libraryId)
    .executeTakeFirstOrThrow()
  return Number(count.n)
}
