// record.popularity, the share of demand in 適合順: the demo loader computes it, and a later
// refresh (the search-popularity job) changes only what changed and stamps those records for the
// index in the same transaction, so the index and SQL keep ranking alike. Run inside a
// transaction that is rolled back: the shared demo database stays as it was.
import { expect } from 'chai'
import { sql } from 'kysely'
import type { Db } from '../../../server/db/database.ts'
import { refreshPopularity } from '../../../server/db/search-index-repository.ts'
import { libraryIdOf, sharedDemoDatabase } from '../../helpers/test-database.ts'

class Rollback extends Error {}

describe('record popularity', function () {
  this.timeout(300_000)
  let db: Db
  let libraryId: number
  before(async function () {
    ;({ db } = await sharedDemoDatabase(this))
    libraryId = await libraryIdOf(db, 'minato')
  })

  it('is 100 × ln(1 + 2 × copies + loans + holds of the last year), as the loader left it', async () => {
    const rows = await sql<{ popularity: number; copies: number; loans: number; holds: number }>`
      SELECT r.popularity,
        (SELECT COUNT(*) FROM copy c WHERE c.library_id = r.library_id AND c.record_id = r.id) AS copies,
        (SELECT COUNT(*) FROM loan l JOIN copy c ON c.library_id = l.library_id AND c.id = l.copy_id
          WHERE l.library_id = r.library_id AND c.record_id = r.id) AS loans,
        (SELECT COUNT(*) FROM hold h WHERE h.library_id = r.library_id AND h.record_id = r.id) AS holds
      FROM record r WHERE r.library_id = ${libraryId} AND r.title IN ('こころ', '銀河鉄道の夜', '羅生門')
    `.execute(db)
    expect(rows.rows.length).to.be.greaterThan(2)
    for (const r of rows.rows) {
      const expected = Math.round(
        100 * Math.log(1 + 2 * Number(r.copies) + Number(r.loans) + Number(r.holds)),
      )
      expect(Number(r.popularity)).to.equal(expected)
    }
  })

  it('changes nothing when refreshed for the same day, and stamps what a later day changes', async () => {
    await db
      .transaction()
      .execute(async (trx) => {
        expect(await refreshPopularity(trx, libraryId, '2026-11-23')).to.equal(0)
        const before = await trx
          .selectFrom('search_delta')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('library_id', '=', libraryId)
          .executeTakeFirstOrThrow()
        // two years on, the demo's loans and holds no longer count: copies alone do
        const changed = await refreshPopularity(trx, libraryId, '2028-12-01')
        expect(changed).to.be.greaterThan(0)
        const after = await trx
          .selectFrom('search_delta')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('library_id', '=', libraryId)
          .executeTakeFirstOrThrow()
        expect(Number(after.n) - Number(before.n)).to.be.at.least(1)
        expect(Number(after.n)).to.be.at.most(Number(before.n) + changed)
        const stale = await sql<{ n: number }>`
          SELECT COUNT(*) AS n FROM record r
          WHERE r.library_id = ${libraryId} AND r.popularity <> ROUND(100 * LN(1 + 2 *
            (SELECT COUNT(*) FROM copy c WHERE c.library_id = r.library_id AND c.record_id = r.id)))
        `.execute(trx)
        expect(Number(stale.rows[0]?.n)).to.equal(0)
        throw new Rollback()
      })
      .catch((err: unknown) => {
        if (!(err instanceof Rollback)) throw err
      })
  })
})
