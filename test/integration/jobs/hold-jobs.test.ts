// The hold jobs run by the scheduler and `npm run job`: the morning approval makes the day's
// 依頼中 web holds formal and secures shelf copies, expiry passes uncollected copies on; each
// run a second time changes nothing; the reports count each library apart as well as in total.
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
    // Library A's web holds are formal at once: its shelf copy is secured by the first run.
    const a = await holdFixture(t.db, 'A')
    await deps.services.holds.place(a, a.patrons.p1!, {
      key: newRequestKey(),
      items: [{ recordId: a.records.shelf!, pickupBranchId: a.branchIds.central, contact: 'none' }],
    })
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

    const counts = (report: Record<string, number>, aCounts: object, bCounts: object) => ({
      ok: true,
      report,
      byLibrary: { [a.slug]: aCounts, [b.slug]: bCounts },
    })
    expect(await runner.run('hold-approval')).to.deep.include(
      counts({ approved: 0, secured: 1 }, { approved: 0, secured: 1 }, { approved: 0, secured: 0 }),
    )
    now = new Date('2026-11-21T23:30:00Z') // Sun 08:30 in Tokyo
    expect(await runner.run('hold-approval')).to.deep.include(
      counts({ approved: 2, secured: 1 }, { approved: 0, secured: 0 }, { approved: 2, secured: 1 }),
    )
    expect(await runner.run('hold-approval')).to.deep.include(
      counts({ approved: 0, secured: 0 }, { approved: 0, secured: 0 }, { approved: 0, secured: 0 }),
    )
    expect(await statuses()).to.deep.equal(['ready', 'waiting'])

    // B secured Sun 11-22: Tue 24 (1) … Sat 28 (5), Sun 29 (6), Mon 30 closed, Tue 12-01 (7).
    // A secured Sat 11-21 with no notice to send: 8 days → Sun 11-29.
    now = new Date('2026-12-01T15:15:00Z') // Wed 12-02 00:15 in Tokyo
    expect(await runner.run('hold-expiry')).to.deep.include(
      counts({ expired: 2, passedOn: 0 }, { expired: 1, passedOn: 0 }, { expired: 1, passedOn: 0 }),
    )
    expect(await runner.run('hold-expiry')).to.deep.include(
      counts({ expired: 0, passedOn: 0 }, { expired: 0, passedOn: 0 }, { expired: 0, passedOn: 0 }),
    )
    expect(await statuses()).to.deep.equal(['expired', 'waiting'])
  })
})
