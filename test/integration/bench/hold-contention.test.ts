// Contention through HTTP (npm run bench:holds runs it with 200 patrons and prints p95):
// 20 patrons, each in 5 sessions at once, hold the same 5 titles through the real server.
// Every limit holds (a quarter of them already hold 3 titles and get exactly 2 more), and each
// title's queue positions, as the patrons' 予約状況一覧 show them, run 1…n without a gap.
import { expect } from 'chai'
import { runHoldContention } from '../../bench/hold-contention.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'

describe('hold contention through HTTP (20 patrons × 5 titles at once)', function () {
  this.timeout(300_000)

  it('keeps every limit and gap-free queues', async () => {
    const t = await createTestDatabase({ prefix: 'contend' })
    const result = await runHoldContention(t.db, { patrons: 20 })
    expect(result.violations).to.deep.equal([])
    // 15 patrons × 5 titles, 5 patrons already holding 3 × 2 titles.
    expect(result.holds).to.equal(15 * 5 + 5 * 2)
    expect(result.refused).to.equal(5 * 3)
    expect(result.confirm_p95_ms).to.be.greaterThan(0)
    expect(result.journey_p95_ms).to.be.at.least(result.confirm_p95_ms)
  })
})
