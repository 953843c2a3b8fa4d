// Records without a reading get one at load time, marked as generated; real readings stay.
import { expect } from 'chai'
import { sql } from 'kysely'
import { sharedDemoDatabase } from '../../helpers/test-database.ts'

describe('demo readings', () => {
  it('fills missing readings, marks them generated, and keeps the catalogued ones', async function () {
    const { db } = await sharedDemoDatabase(this)
    const counts = (
      await sql<{ missing: number; generated: number; real: number }>`SELECT
          SUM(title_reading = '' AND title REGEXP '[一-龥]') AS missing,
          SUM(title_reading_generated) AS generated,
          SUM(title_reading <> '' AND title_reading_generated = 0) AS \`real\`
        FROM record`.execute(db)
    ).rows[0]!
    expect(Number(counts.generated)).to.be.greaterThan(10_000)
    expect(Number(counts.real)).to.be.greaterThan(5_000)
    expect(Number(counts.missing)).to.be.below(Number(counts.generated) / 100)
    const kokoro = await db
      .selectFrom('record')
      .select(['title_reading', 'title_reading_generated', 'author_reading'])
      .where('source', '=', 'aozora')
      .where('source_id', '=', '000773')
      .executeTakeFirstOrThrow()
    expect(kokoro).to.deep.equal({
      title_reading: 'こころ',
      title_reading_generated: 0,
      author_reading: 'なつめそうせき',
    })
    // A record of 夏目漱石 without a catalogued author reading borrows the real one.
    const borrowed = await db
      .selectFrom('record')
      .select(['author_reading', 'author_reading_generated'])
      .where('author', '=', '夏目漱石')
      .where('author_reading_generated', '=', 1)
      .execute()
    expect(borrowed).to.deep.equal([])
  })
})
