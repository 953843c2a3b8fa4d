// Sent mail is personal data (an address, a subject naming a held title): each library keeps it
// for its mailRetentionDays (90 unless set) after it was sent or given up on, and no longer.
// The mail-purge job deletes older mails and hold notices library by library, never a mail
// still due, retrying or being sent, nor a notice not yet in a mail; a second run deletes
// nothing; a retention below one day is ignored, with a log line.
import { expect } from 'chai'
import { loadConfig } from '../../../server/config.ts'
import { mailPurgeJob } from '../../../server/jobs/mail-purge-job.ts'
import { opacJobRunner } from '../../../server/jobs/opac-jobs.ts'
import { PRESETS, resolveSettings } from '../../../server/services/library-settings.ts'
import { holdFixture } from '../../helpers/hold-fixture.ts'
import type { FixtureLibrary } from '../../helpers/hold-fixture.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'

// The test server's clock is 2026-11-23 01:00:00 UTC; every moment below is written out.
// Library A keeps the preset's 90 days (cut-off 2026-08-25 01:00:00), library B 30 days
// (cut-off 2026-10-24 01:00:00), library C sets 0 days, which is ignored.
const AGES = {
  '30d-1m': '2026-10-24 01:01:00',
  '30d+1m': '2026-10-24 00:59:00',
  '90d-1m': '2026-08-25 01:01:00',
  '90d+1m': '2026-08-25 00:59:00',
  '400d': '2025-10-19 01:00:00',
  '1d': '2026-11-22 01:00:00',
  soon: '2026-11-23 01:05:00',
} as const

describe('mail-purge job', function () {
  this.timeout(60_000)
  let t: TestDatabase
  let server: TestServer
  let a: FixtureLibrary
  let b: FixtureLibrary
  let c: FixtureLibrary

  const setRetention = (lib: FixtureLibrary, json: string) =>
    t.db
      .updateTable('library')
      .set({ settings_json: json })
      .where('id', '=', lib.library.id)
      .execute()

  before(async () => {
    t = await createTestDatabase({ prefix: 'mailpurge' })
    a = await holdFixture(t.db, 'A', { patrons: 1 })
    b = await holdFixture(t.db, 'B', { patrons: 1 })
    c = await holdFixture(t.db, 'B', { patrons: 1 })
    await setRetention(b, '{"mailRetentionDays":30}')
    // A retention of 0 days would also delete the mails the test mail limit counts.
    await setRetention(c, '{"mailRetentionDays":0}')
    server = await startTestServer(t.db)
  })
  after(async () => server.close())

  /** A mail of the library's patron p1, named by its subject, in a state of the sender. */
  const mail = async (
    lib: FixtureLibrary,
    subject: string,
    state: {
      created_at: string
      sent_at?: string
      failed_at?: string
      next_attempt_at?: string
      attempts?: number
      claim?: string
      claimed_until?: string
      sending_at?: string
    },
  ): Promise<number> => {
    const result = await t.db
      .insertInto('mail_outbox')
      .values({
        library_id: lib.library.id,
        patron_id: lib.patrons.p1!,
        kind: 'hold_notice',
        to_address: `p1@${lib.slug}.example.jp`,
        from_address: 'opac@library.example.jp',
        subject,
        body: '',
        message_id: `<${subject}.${lib.slug}@example.jp>`,
        next_attempt_at: state.created_at,
        ...state,
      })
      .executeTakeFirstOrThrow()
    return Number(result.insertId)
  }

  /** A hold notice named by its hold_id (the holds themselves play no part here). */
  const notice = (lib: FixtureLibrary, tag: number, createdAt: string, mailId: number | null) =>
    t.db
      .insertInto('hold_notice')
      .values({
        library_id: lib.library.id,
        patron_id: lib.patrons.p1!,
        hold_id: tag,
        kind: 'ready',
        created_at: createdAt,
        mail_id: mailId,
      })
      .execute()

  const subjects = async (lib: FixtureLibrary) =>
    (
      await t.db
        .selectFrom('mail_outbox')
        .select('subject')
        .where('library_id', '=', lib.library.id)
        .orderBy('id')
        .execute()
    ).map((r) => r.subject)

  const noticeTags = async (lib: FixtureLibrary) =>
    (
      await t.db
        .selectFrom('hold_notice')
        .select('hold_id')
        .where('library_id', '=', lib.library.id)
        .orderBy('id')
        .execute()
    ).map((r) => r.hold_id)

  const ALL_MAILS = [
    'sent-30d-1m',
    'sent-30d+1m',
    'sent-90d-1m',
    'sent-90d+1m',
    'failed-30d+1m',
    'failed-90d+1m',
    'failed-1d',
    'due-400d',
    'retrying-400d',
    'sending-400d',
    'in-doubt-400d',
  ]

  it('deletes each library’s mails and notices older than its retention, and nothing on a second run', async () => {
    for (const lib of [a, b, c]) {
      await mail(lib, 'sent-30d-1m', { created_at: AGES['30d+1m'], sent_at: AGES['30d-1m'] })
      await mail(lib, 'sent-30d+1m', { created_at: AGES['30d+1m'], sent_at: AGES['30d+1m'] })
      await mail(lib, 'sent-90d-1m', { created_at: AGES['90d+1m'], sent_at: AGES['90d-1m'] })
      const sentOld = await mail(lib, 'sent-90d+1m', {
        created_at: AGES['90d+1m'],
        sent_at: AGES['90d+1m'],
      })
      await mail(lib, 'failed-30d+1m', { created_at: AGES['90d-1m'], failed_at: AGES['30d+1m'] })
      await mail(lib, 'failed-90d+1m', { created_at: AGES['400d'], failed_at: AGES['90d+1m'] })
      await mail(lib, 'failed-1d', { created_at: AGES['400d'], failed_at: AGES['1d'] })
      // Never sent: still due, waiting for a retry, being sent, or in doubt after a dead sender.
      const due = await mail(lib, 'due-400d', { created_at: AGES['400d'] })
      await mail(lib, 'retrying-400d', {
        created_at: AGES['400d'],
        next_attempt_at: AGES.soon,
        attempts: 7,
      })
      const sending = await mail(lib, 'sending-400d', {
        created_at: AGES['400d'],
        claim: 'claim-of-a-live-sender',
        claimed_until: AGES.soon,
        sending_at: AGES['1d'],
      })
      await mail(lib, 'in-doubt-400d', {
        created_at: AGES['400d'],
        claim: 'claim-of-a-dead-sender',
        claimed_until: AGES['1d'],
        sending_at: AGES['1d'],
      })
      const sentRecent = (
        await t.db
          .selectFrom('mail_outbox')
          .select('id')
          .where('library_id', '=', lib.library.id)
          .where('subject', '=', 'sent-30d-1m')
          .executeTakeFirstOrThrow()
      ).id
      await notice(lib, 1, AGES['90d+1m'], sentOld) // in a sent mail
      await notice(lib, 2, AGES['30d+1m'], sentRecent) // in a sent mail
      await notice(lib, 3, AGES['30d-1m'], sentRecent)
      await notice(lib, 4, AGES['90d+1m'], 0) // set aside: the patron had no address
      await notice(lib, 5, AGES['30d+1m'], 0)
      await notice(lib, 6, AGES['400d'], null) // not yet in a mail: still due
      await notice(lib, 7, AGES['400d'], due) // its mail is not sent yet
      await notice(lib, 8, AGES['400d'], sending) // its mail is being sent
    }

    const jobs = opacJobRunner(server.deps)
    const run = await jobs.run('mail-purge')
    expect(run).to.deep.include({ ok: true, report: { mails: 7, notices: 6 } })
    expect(run.ok && run.byLibrary).to.deep.equal({
      [a.slug]: { mails: 2, notices: 2 },
      [b.slug]: { mails: 5, notices: 4 },
      [c.slug]: { mails: 0, notices: 0 },
    })

    expect(await subjects(a)).to.deep.equal([
      'sent-30d-1m',
      'sent-30d+1m',
      'sent-90d-1m',
      'failed-30d+1m',
      'failed-1d',
      'due-400d',
      'retrying-400d',
      'sending-400d',
      'in-doubt-400d',
    ])
    expect(await noticeTags(a)).to.deep.equal([2, 3, 5, 6, 7, 8])
    expect(await subjects(b)).to.deep.equal([
      'sent-30d-1m',
      'failed-1d',
      'due-400d',
      'retrying-400d',
      'sending-400d',
      'in-doubt-400d',
    ])
    expect(await noticeTags(b)).to.deep.equal([3, 6, 7, 8])
    expect(await subjects(c)).to.deep.equal(ALL_MAILS)
    expect(await noticeTags(c)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8])

    const again = await jobs.run('mail-purge')
    expect(again).to.deep.include({ ok: true, report: { mails: 0, notices: 0 } })
    expect(await subjects(b)).to.have.length(6)
    expect(await noticeTags(b)).to.have.length(4)
  })

  it('ignores a retention below one day, and says so in the log', async () => {
    const lines: string[] = []
    const report = await mailPurgeJob.run({ deps: server.deps, log: (msg) => lines.push(msg) })
    expect(report).to.deep.include({ report: { mails: 0, notices: 0 } })
    expect(lines).to.deep.equal([`mail-purge: ${c.slug}: mailRetentionDays 0 ignored (at least 1)`])
    expect(await subjects(c)).to.have.length(ALL_MAILS.length)
  })

  it('refuses a retention below one day in the service too', async () => {
    let error: unknown
    await server.deps.services.mail.purgeSent(c.library.id, 0).catch((err: unknown) => {
      error = err
    })
    expect(error).to.be.instanceOf(RangeError)
    expect(await subjects(c)).to.have.length(ALL_MAILS.length)
  })

  it('deletes in batches until none is left', async () => {
    for (let i = 1; i <= 5; i++) {
      await mail(a, `batch-${i}`, { created_at: AGES['400d'], sent_at: AGES['400d'] })
      await notice(a, 100 + i, AGES['400d'], 0)
    }
    const { mails } = server.deps.repositories
    expect(await mails.purgeMails(a.library.id, AGES['90d+1m'], 2)).to.equal(5)
    expect(await mails.purgeNotices(a.library.id, AGES['90d+1m'], 2)).to.equal(5)
    expect(await mails.purgeMails(a.library.id, AGES['90d+1m'], 2)).to.equal(0)
  })

  it('keeps 90 days in both presets unless a library sets another number', () => {
    expect(PRESETS.A.mailRetentionDays).to.equal(90)
    expect(PRESETS.B.mailRetentionDays).to.equal(90)
    expect(resolveSettings('B', '{"mailRetentionDays":30}').mailRetentionDays).to.equal(30)
    expect(resolveSettings('A', '{"mailRetentionDays":"30"}').mailRetentionDays).to.equal(90)
  })

  it('runs daily at 04:20 unless configured otherwise', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).jobSchedules['mail-purge']).to.deep.equal({
      kind: 'daily',
      times: ['04:20'],
    })
    expect(
      loadConfig({ NODE_ENV: 'test', JOB_MAIL_PURGE: 'daily 02:05' }).jobSchedules['mail-purge'],
    ).to.deep.equal({ kind: 'daily', times: ['02:05'] })
    expect(
      loadConfig({ NODE_ENV: 'test', JOB_MAIL_PURGE: 'off' }).jobSchedules['mail-purge'],
    ).to.deep.equal({ kind: 'off' })
  })
})
