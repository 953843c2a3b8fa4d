// preparedQuery: the SQL is built once, every call sends its own values (the first call's do
// not stick), constants of the query stay, it runs on the transaction it is given, and a
// builder whose SQL would depend on the values is refused on its first use.
import { expect } from 'chai'
import { sql } from 'kysely'
import type { Db } from '../../../server/db/database.ts'
import { preparedQuery } from '../../../server/db/prepared-query.ts'
import { recordRepository } from '../../../server/db/record-repository.ts'
import { sharedDemoDatabase } from '../../helpers/test-database.ts'

describe('preparedQuery', () => {
  let db: Db
  let libraryId: number
  let recordIds: number[]

  before(async function () {
    ;({ db } = await sharedDemoDatabase(this))
    const rows = await db
      .selectFrom('copy')
      .select(['library_id', 'record_id'])
      .groupBy(['library_id', 'record_id'])
      .having(sql<number>`COUNT(*)`, '>', 1)
      .orderBy('record_id')
      .limit(5)
      .execute()
    expect(rows).to.have.length(5)
    libraryId = rows[0]!.library_id
    recordIds = rows.filter((r) => r.library_id === libraryId).map((r) => r.record_id)
    expect(recordIds.length).to.be.at.least(2)
  })

  const titleOf = preparedQuery((d, libraryId: number, id: number) =>
    d
      .selectFrom('record')
      .select(['id', 'title'])
      .where('library_id', '=', libraryId)
      .where('id', '=', id),
  )

  it('sends each call its own values, the same rows as the query built each time', async () => {
    for (const id of [...recordIds, ...recordIds.reverse()]) {
      const built = await db
        .selectFrom('record')
        .select(['id', 'title'])
        .where('library_id', '=', libraryId)
        .where('id', '=', id)
        .execute()
      expect(built).to.have.length(1)
      expect(await titleOf(db, libraryId, id)).to.deep.equal(built)
    }
    expect(await titleOf(db, libraryId + 1000, recordIds[0]!)).to.deep.equal([])
  })

  it('keeps the constants of the query (an `in` list, a limit) in their places', async () => {
    const copies = preparedQuery((d, libraryId: number, recordId: number, limit: number) =>
      d
        .selectFrom('copy')
        .select('id')
        .where('status', 'in', ['available', 'on_loan', 'missing'])
        .where('library_id', '=', libraryId)
        .where('record_id', '=', recordId)
        .orderBy('id')
        .limit(limit),
    )
    for (const id of recordIds) {
      const all = await db
        .selectFrom('copy')
        .select('id')
        .where('status', 'in', ['available', 'on_loan', 'missing'])
        .where('library_id', '=', libraryId)
        .where('record_id', '=', id)
        .orderBy('id')
        .execute()
      expect(await copies(db, libraryId, id, 100)).to.deep.equal(all)
      expect(await copies(db, libraryId, id, 1)).to.deep.equal(all.slice(0, 1))
    }
  })

  it('runs on the transaction it is given', async () => {
    const id = recordIds[0]!
    const [before] = await titleOf(db, libraryId, id)
    await db
      .transaction()
      .execute(async (trx) => {
        await trx
          .updateTable('record')
          .set({ title: 'トランザクションの中の書名' })
          .where('library_id', '=', libraryId)
          .where('id', '=', id)
          .execute()
        expect((await titleOf(trx, libraryId, id))[0]?.title).to.equal('トランザクションの中の書名')
        throw new Error('roll back')
      })
      .catch((err: unknown) => {
        if (!(err instanceof Error) || err.message !== 'roll back') throw err
      })
    expect(await titleOf(db, libraryId, id)).to.deep.equal([before])
  })

  it('refuses a builder that puts a value into the SQL text', async () => {
    const inlined = preparedQuery((d, id: number) =>
      d
        .selectFrom('record')
        .select('id')
        .where(sql<boolean>`id = ${sql.raw(String(id))}`),
    )
    let error: unknown
    await inlined(db, recordIds[0]!).catch((err: unknown) => (error = err))
    expect(String(error)).to.match(/an argument went into the SQL text/)
  })

  it('refuses a builder that decides on a value instead of sending it', async () => {
    const branching = preparedQuery((d, id: number, withTitle: number) =>
      withTitle
        ? d.selectFrom('record').select(['id', 'title']).where('id', '=', id)
        : d.selectFrom('record').select('id').where('id', '=', id),
    )
    let error: unknown
    await branching(db, recordIds[0]!, 1).catch((err: unknown) => (error = err))
    expect(String(error)).to.match(/argument 1 is not a value of the query/)
  })

  it('serves the record repository: a record, its copies and its holds', async () => {
    const records = recordRepository(db)
    for (const id of recordIds) {
      const record = await records.byId(libraryId, id)
      expect(record?.id).to.equal(id)
      const copies = await records.copies(libraryId, id)
      const count = await db
        .selectFrom('copy')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('library_id', '=', libraryId)
        .where('record_id', '=', id)
        .executeTakeFirstOrThrow()
      expect(copies).to.have.length(Number(count.n))
      expect(copies.every((c) => typeof c.reference_only === 'boolean')).to.equal(true)
    }
    const withHolds = await db
      .selectFrom('hold')
      .select(['record_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('library_id', '=', libraryId)
      .where('status', 'in', ['requested', 'waiting', 'in_transit', 'ready'])
      .groupBy('record_id')
      .limit(5)
      .execute()
    expect(withHolds).to.not.be.empty
    for (const { record_id, n } of withHolds) {
      expect(Number(n)).to.be.above(0)
      expect(await records.activeHoldCount(libraryId, record_id)).to.equal(Number(n))
    }
    expect(await records.byId(libraryId, 999_999_999)).to.equal(undefined)
  })
})
