// The staff API's audit trail is kept for each library's staffAuditRetentionDays (365 unless
// set) and no longer: the staff-audit-purge job deletes older lines library by library, leaves
// newer ones and other libraries' lines alone, and a second run deletes nothing.
import { expect } from 'chai'
import { utcDateTime } from '../../../server/clock.ts'
import { loadConfig } from '../../../server/config.ts'
import { opacJobRunner } from '../../../server/jobs/opac-jobs.ts'
import { holdFixture } from '../../helpers/hold-fixture.ts'
import type { FixtureLibrary } from '../../helpers/hold-fixture.ts'
import { staffClient, staffToken } from '../../helpers/staff-client.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'

const DAY_MS = 24 * 60 * 60 * 1000
const NOW = new Date('2026-11-23T01:00:00Z') // the test server's clock

describe('staff-audit-purge job', function () {
  this.timeout(60_000)
  let t: TestDatabase
  let server: TestServer
  let a: FixtureLibrary
  let b: FixtureLibrary
  let c: FixtureLibrary

  before(async () => {
    t = await createTestDatabase({ prefix: 'auditpurge' })
    a = await holdFixture(t.db, 'A', { patrons: 1 })
    b = await holdFixture(t.db, 'B', { patrons: 1 })
    c = await holdFixture(t.db, 'B', { patrons: 1 })
    await t.db
      .updateTable('library')
      .set({ settings_json: '{"staffAuditRetentionDays":30}' })
      .where('id', '=', b.library.id)
      .execute()
    // A retention of 0 days would delete everything: the job keeps the lines instead.
    await t.db
      .updateTable('library')
      .set({ settings_json: '{"staffAuditRetentionDays":0}' })
      .where('id', '=', c.library.id)
      .execute()
    server = await startTestServer(t.db)
  })
  after(async () => server.close())

  /** Days-old audit lines as the API writes them (its own calls add lines dated now). */
  const age = async (lib: FixtureLibrary, days: number[]) => {
    for (const d of days) {
      await server.deps.services.staffTokens.audit({
        library_id: lib.library.id,
        token_id: 1,
        token_name: `aged-${d}`,
        method: 'GET',
        route: '/api/staff/v1/patrons/:id',
        status: 200,
        created_at: utcDateTime(new Date(NOW.getTime() - d * DAY_MS)),
      })
    }
  }
  const names = async (lib: FixtureLibrary) =>
    (
      await t.db
        .selectFrom('staff_audit')
        .select('token_name')
        .where('library_id', '=', lib.library.id)
        .orderBy('created_at')
        .orderBy('id')
        .execute()
    ).map((r) => r.token_name)

  it('deletes each library’s lines older than its retention, and nothing on a second run', async () => {
    for (const lib of [a, b, c]) {
      await age(lib, [400, 366, 364, 31, 29])
      const call = staffClient(server.baseUrl, await staffToken(server.deps, lib.library.id))
      expect((await call('GET', '/calendar/today')).status).to.equal(200)
    }
    const jobs = opacJobRunner(server.deps)
    const run = await jobs.run('staff-audit-purge')
    expect(run.ok && run.report).to.deep.include({ auditLines: 2 + 4 })
    // Library A keeps 365 days; library B 30; library C's 0 is ignored (nothing deleted).
    expect(await names(a)).to.deep.equal(['aged-364', 'aged-31', 'aged-29', 'counter-1'])
    expect(await names(b)).to.deep.equal(['aged-29', 'counter-1'])
    expect(await names(c)).to.deep.equal([
      'aged-400',
      'aged-366',
      'aged-364',
      'aged-31',
      'aged-29',
      'counter-1',
    ])
    const again = await jobs.run('staff-audit-purge')
    expect(again.ok && again.report).to.deep.include({ auditLines: 0 })
  })

  it('runs daily unless configured otherwise', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).jobSchedules['staff-audit-purge']).to.deep.equal({
      kind: 'daily',
      times: ['04:10'],
    })
    expect(
      loadConfig({ NODE_ENV: 'test', JOB_STAFF_AUDIT_PURGE: 'off' }).jobSchedules[
        'staff-audit-purge'
      ],
    ).to.deep.equal({ kind: 'off' })
  })
})
