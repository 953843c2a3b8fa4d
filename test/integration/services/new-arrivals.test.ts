// 新着資料 from the precomputed list (new_arrival, sql/0090): the same records, order and total
// as grouping the copy table, for every class or one; kept in line by catalogue writes (a
// copy added, re-dated, deleted; a record's NDC changed) in their own transaction; rebuilt
// from the copies after a write that went around them. Inside transactions that are rolled
// back: the shared demo database stays as it was.
import { expect } from 'chai'
import { sql } from 'kysely'
import { browseRepository } from '../../../server/db/browse-repository.ts'
import type { Db } from '../../../server/db/database.ts'
import { rebuildNewArrivals } from '../../../server/db/new-arrival-repository.ts'
import { staffCatalogueRepository } from '../../../server/db/staff-catalogue-repository.ts'
import type { Trx } from '../../../server/db/transaction.ts'
import { searchFields } from '../../../server/services/search/search-fields.ts'
import { libraryIdOf, sharedDemoDatabase } from '../../helpers/test-database.ts'

class Rollback extends Error {}

/** Runs work in a transaction that is always rolled back. */
async function rolledBack(db: Db, work: (trx: Trx) => Promise<void>): Promise<void> {
  await db
    .transaction()
    .execute(async (trx) => {
      await work(trx)
      throw new Rollback()
    })
    .catch((error: unknown) => {
      if (!(error instanceof Rollback)) throw error
    })
}

/** The new arrivals as grouping the copy table gives them (the list before sql/0090). */
async function grouped(
  db: Db,
  libraryId: number,
  since: string,
  ndcClass: string | null,
): Promise<{ id: number; acquired_on: string }[]> {
  const rows = await sql<{ id: number; acquired_on: string }>`
    SELECT r.id, n.acquired_on FROM record r
    JOIN (SELECT record_id, MAX(acquired_on) AS acquired_on FROM copy
      WHERE library_id = ${libraryId} AND acquired_on >= ${since} GROUP BY record_id) n
      ON n.record_id = r.id
    WHERE r.library_id = ${libraryId}
      ${ndcClass === null ? sql`` : sql`AND r.ndc LIKE ${`${ndcClass}%`}`}
    ORDER BY n.acquired_on DESC, r.id DESC`.execute(db)
  return rows.rows.map((r) => ({ id: Number(r.id), acquired_on: String(r.acquired_on) }))
}

describe('new arrivals (新着資料) from the precomputed list', function () {
  this.timeout(300_000)
  let db: Db
  let libraryId: number
  let branchId: number
  before(async function () {
    ;({ db } = await sharedDemoDatabase(this))
    libraryId = await libraryIdOf(db, 'minato')
    branchId = (
      await db
        .selectFrom('branch')
        .select('id')
        .where('library_id', '=', libraryId)
        .executeTakeFirstOrThrow()
    ).id
  })

  /** The whole list through the repository, as ids and days. */
  const listed = async (q: Db, since: string, ndcClass: string | null) => {
    const all: { id: number; acquired_on: string }[] = []
    const browse = browseRepository(q)
    let total = -1
    for (let offset = 0; total < 0 || offset < total; offset += 200) {
      const page = await browse.newArrivals(libraryId, since, ndcClass, offset, 200)
      total = page.total
      all.push(...page.hits.map((h) => ({ id: h.id, acquired_on: h.acquired_on })))
    }
    expect(all.length).to.equal(total)
    return all
  }

  it('lists what grouping the copies lists, in the same order, with the same total', async () => {
    for (const since of ['2026-10-25', '2026-06-01']) {
      for (const ndcClass of [null, '9', '3', '0']) {
        const expected = await grouped(db, libraryId, since, ndcClass)
        if (ndcClass === null) expect(expected.length, since).to.be.greaterThan(0)
        expect(await listed(db, since, ndcClass), `${since} ${ndcClass}`).to.deep.equal(expected)
      }
    }
    const page = await browseRepository(db).newArrivals(libraryId, '2026-10-25', null, 5, 3)
    const expected = await grouped(db, libraryId, '2026-10-25', null)
    expect(page.hits.map((h) => h.id)).to.deep.equal(expected.slice(5, 8).map((r) => r.id))
    expect(page.total).to.equal(expected.length)
  })

  it('follows copies added, re-dated and deleted, and a changed NDC, at once', async () => {
    await rolledBack(db, async (trx) => {
      const staff = staffCatalogueRepository(trx)
      const record = await trx
        .selectFrom('record')
        .select(['id', 'ndc'])
        .where('library_id', '=', libraryId)
        .where('ndc', 'like', '9%')
        .where('id', 'not in', (eb) =>
          eb
            .selectFrom('copy')
            .select('record_id')
            .where('library_id', '=', libraryId)
            .where('acquired_on', '>=', '2026-06-01'),
        )
        .executeTakeFirstOrThrow()
      const since = '2026-10-25'
      const first = async (ndcClass: string | null) =>
        (await browseRepository(trx).newArrivals(libraryId, since, ndcClass, 0, 1)).hits[0]?.id
      const copyId = await staff.insertCopy({
        library_id: libraryId,
        record_id: record.id,
        branch_id: branchId,
        barcode: 'NEWARRIVAL1',
        call_number: '913',
        shelf_location: 'general',
        status: 'available',
        acquired_on: '2026-11-30',
      })
      expect(await first(null)).to.equal(record.id)
      expect(await first('9')).to.equal(record.id)
      await staff.updateRecord(libraryId, record.id, { ndc: '361.4' }, searchFields)
      expect(await first('3')).to.equal(record.id)
      expect(await first('9')).to.not.equal(record.id)
      await staff.updateCopy(libraryId, copyId, { acquired_on: '2026-01-05' })
      expect((await listed(trx, since, null)).map((r) => r.id)).to.not.include(record.id)
      await staff.updateCopy(libraryId, copyId, { acquired_on: '2026-11-30' })
      expect(await first(null)).to.equal(record.id)
      expect((await staff.deleteCopy(libraryId, copyId, '2026-11-30 10:00:00')).ok).to.equal(true)
      expect((await listed(trx, since, null)).map((r) => r.id)).to.not.include(record.id)
      expect(await listed(trx, since, null)).to.deep.equal(
        await grouped(trx, libraryId, since, null),
      )
    })
  })

  it('is rebuilt from the copies after a write that went around the catalogue', async () => {
    await rolledBack(db, async (trx) => {
      const since = '2026-10-25'
      await trx
        .updateTable('copy')
        .set({ acquired_on: '2026-11-29' })
        .where('library_id', '=', libraryId)
        .where('acquired_on', '<', '2026-01-01')
        .execute()
      const expected = await grouped(trx, libraryId, since, null)
      expect(await listed(trx, since, null)).to.not.deep.equal(expected)
      expect(await rebuildNewArrivals(trx, libraryId)).to.be.greaterThan(0)
      expect(await listed(trx, since, null)).to.deep.equal(expected)
    })
  })
})
