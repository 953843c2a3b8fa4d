// The hold jobs run by the scheduler and `npm run job`: the morning approval makes the day's
// 依頼中 web holds formal and secures shelf copies, expiry passes uncollected copies on; each
// run a second time changes nothing.
import { expect } from 'chai'
import type { Clock } from '../../../server/clock.ts'
import { loadConfig } from '../../../server/config.ts'
import { buildDeps } from '../../../server/deps.ts'
import { opacJobRunner } from '../../../server/jobs/opac-jobs.ts'
import { createLogger } from '../../../server/logger.ts'
import { newRequestKey } from '../../../server/services/hold-service.ts'
import { holdFixture } from '../../helpers/hold-fixture.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'

describe('hold jobs', function () {
  this.timeout(60_000)

  it('approves the morning’s web holds, secures shelf copies and expires uncollected holds; a second run changes nothing', async () => {
    const t = await createTestDatabase({ prefix: 'holdjobs' })
    let now = new Date('2026-11-21T05:00:00Z') // Sat 14:00 in Tokyo
    const clock: Clock = { now: () => now }
    const deps = buildDeps(loadConfig({ NODE_ENV: 'test' }), {
      db: t.db,
      clock,
      logger: createLogger('silent'),
    })
    const b = await holdFixture(t.db, 'B')
    const place = (patron: string, record: string) =>
      deps.services.holds.place(b, b.patrons[patron]!, {
        key: newRequestKey(),
        items: [
          { recordId: b.records[record]!, pickupBranchId: b.branchIds.central, contact: 'email' },
        ],
      })
    await place('p1', 'shelf')
    await place('p2', 'book')
    const runner = opacJobRunner(deps)
    const statuses = async () =>
      (
        await t.db
          .selectFrom('hold')
          .select('status')
          .where('library_id', '=', b.library.id)
          .orderBy('id')
          .execute()
      ).map((h) => h.status)

    expect(await runner.run('hold-approval')).to.deep.include({
      ok: true,
      report: { approved: 0, secured: 0 },
    })
    now = new Date('2026-11-21T23:30:00Z') // Sun 08:30 in Tokyo
    expect(await runner.run('hold-approval')).to.deep.include({
      ok: true,
      report: { approved: 2, secured: 1 },
    })
    expect(await runner.run('hold-approval')).to.deep.include({
      ok: true,
      report: { approved: 0, secured: 0 },
    })
    expect(await statuses()).to.deep.equal(['ready', 'waiting'])

    // Secured Sun 11-22: Tue 24 (1) … Sat 28 (5), Sun 29 (6), Mon 30 closed, Tue 12-01 (7).
    now = new Date('2026-12-01T15:15:00Z') // Wed 12-02 00:15 in Tokyo
    expect(await runner.run('hold-expiry')).to.deep.include({
      ok: true,
      report: { expired: 1, passedOn: 0 },
    })
    expect(await runner.run('hold-expiry')).to.deep.include({
      ok: true,
      report: { expired: 0, passedOn: 0 },
    })
    expect(await statuses()).to.deep.equal(['expired', 'waiting'])
  })
})
