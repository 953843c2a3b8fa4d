// The staff API's calendar, お知らせ and jobs over real HTTP on MariaDB: days that differ for
// the library or a branch, weekly closed days and hours (read by the loan rules at once),
// notices posted, changed and withdrawn, jobs listed and run, failed mails listed per library.
import { expect } from 'chai'
import { hashPassword } from '../../../server/services/password-service.ts'
import { FormClient, textOf } from '../../helpers/form-client.ts'
import { holdFixture } from '../../helpers/hold-fixture.ts'
import type { FixtureLibrary } from '../../helpers/hold-fixture.ts'
import { staffClient, staffToken } from '../../helpers/staff-client.ts'
import type { StaffCall } from '../../helpers/staff-client.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { KEITAI_UA, startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'

type Json = Record<string, unknown>
type ErrorJson = { error: { code: string; message: string } }

describe('staff API: calendar, notices and jobs', function () {
  this.timeout(60_000)
  let t: TestDatabase
  let server: TestServer
  let a: FixtureLibrary
  let b: FixtureLibrary
  let callA: StaffCall
  let callB: StaffCall

  before(async () => {
    t = await createTestDatabase({ prefix: 'staffcal' })
    a = await holdFixture(t.db, 'A', { patrons: 2 })
    b = await holdFixture(t.db, 'B', { patrons: 2 })
    server = await startTestServer(t.db) // Mon 2026-11-23 10:00 in Tokyo
    callA = staffClient(server.baseUrl, await staffToken(server.deps, a.library.id))
    callB = staffClient(server.baseUrl, await staffToken(server.deps, b.library.id))
  })
  after(async () => server.close())

  const days = async (call: StaffCall, query: string) => {
    const res = await call('GET', `/calendar?${query}`)
    expect(res.status, JSON.stringify(res.body)).to.equal(200)
    return res.body as { closedWeekdays: number[]; openingHours: string; days: Json[] }
  }

  it('lists the days with the weekly pattern and the year-end closure', async () => {
    const cal = await days(callB, 'from=2026-12-27&to=2027-01-05')
    expect(cal.closedWeekdays).to.deep.equal([1])
    expect(cal.days).to.have.length(10)
    expect(cal.days[0]).to.deep.equal({
      day: '2026-12-27',
      weekday: 0,
      open: true,
      note: '',
      source: 'weekly',
    })
    expect(cal.days[1]).to.deep.include({
      day: '2026-12-28',
      open: false,
      note: '休館日',
      source: 'weekly',
    })
    expect(cal.days[2]).to.deep.include({
      day: '2026-12-29',
      open: false,
      note: '年末年始',
      source: 'library',
    })
    expect(cal.days[9]).to.deep.include({ day: '2027-01-05', open: true })
    const today = await callB('GET', '/calendar/today')
    expect(today.body).to.deep.equal({
      day: '2026-11-23',
      open: false,
      nextOpeningDay: '2026-11-24',
    })
  })

  it('keeps special closures for the library, read by the loan rules at once', async () => {
    const put = await callB('PUT', '/calendar/days', {
      days: [{ day: '2026-12-08', open: false, note: '蔵書点検' }],
    })
    expect(put.body).to.deep.equal({ changed: 1 })
    const cal = await days(callB, 'from=2026-12-08&to=2026-12-08')
    expect(cal.days[0]).to.deep.include({ open: false, note: '蔵書点検', source: 'library' })
    const barcode = (
      await t.db
        .selectFrom('copy')
        .select('barcode')
        .where('id', '=', b.copies.shelf![0]!)
        .executeTakeFirstOrThrow()
    ).barcode
    const lent = await callB('POST', '/checkouts', { patronId: b.patrons.p1, barcode })
    // 11-23 + 14 = Mon 12-07 (closed) → Tue 12-08 (蔵書点検) → Wed 12-09.
    expect((lent.body as { loan: Json }).loan).to.include({ dueOn: '2026-12-09' })
    expect((await callB('DELETE', '/calendar/days/2026-12-08')).body).to.deep.equal({
      removed: true,
    })
    expect((await callB('DELETE', '/calendar/days/2026-12-08')).body).to.deep.equal({
      removed: false,
    })
    expect((await days(callB, 'from=2026-12-08&to=2026-12-08')).days[0]).to.include({ open: true })
  })

  it('keeps a branch’s own days over the library’s', async () => {
    await callB('PUT', '/calendar/days', {
      branchId: b.branchIds.east,
      days: [
        { day: '2026-12-02', open: false, note: '東分館 館内整理' },
        { day: '2026-12-28', open: true, note: '臨時開館' },
      ],
    })
    const east = await days(callB, `from=2026-12-02&to=2026-12-02&branchId=${b.branchIds.east}`)
    expect(east.days[0]).to.deep.include({ open: false, source: 'branch', note: '東分館 館内整理' })
    expect((await days(callB, 'from=2026-12-02&to=2026-12-02')).days[0]).to.include({ open: true })
    const monday = await days(callB, `from=2026-12-28&to=2026-12-28&branchId=${b.branchIds.east}`)
    expect(monday.days[0]).to.include({ open: true, note: '臨時開館' })
    const removed = await callB('DELETE', `/calendar/days/2026-12-02?branchId=${b.branchIds.east}`)
    expect(removed.body).to.deep.equal({ removed: true })
    const foreign = await callB('PUT', '/calendar/days', {
      branchId: a.branchIds.east,
      days: [{ day: '2026-12-02', open: false }],
    })
    expect(foreign.status).to.equal(404)
    expect(
      (await callB('GET', `/calendar?from=2026-12-01&to=2026-12-02&branchId=${a.branchIds.east}`))
        .status,
    ).to.equal(404)
  })

  it('moves the pickup deadline by the pickup branch’s own days; API, PC and keitai show the same', async () => {
    await callB('PUT', '/calendar/days', {
      branchId: b.branchIds.east,
      days: [
        { day: '2026-11-23', open: true, note: '臨時開館' },
        { day: '2026-11-25', open: false, note: '蔵書点検' },
        { day: '2026-11-26', open: false, note: '蔵書点検' },
      ],
    })
    const hold = await callB('POST', '/holds', {
      patronId: b.patrons.p2,
      recordId: b.records.popular,
      pickupBranchId: b.branchIds.east,
      contact: 'none',
      channel: 'counter',
    })
    expect(hold.status).to.equal(201)
    const copy = await t.db
      .selectFrom('copy')
      .select('barcode')
      .where('id', '=', b.copies.popular![0]!)
      .executeTakeFirstOrThrow()
    const back = await callB('POST', '/checkins', {
      barcode: copy.barcode,
      branchId: b.branchIds.east,
    })
    expect((back.body as { next: Json }).next).to.include({ action: 'hold_shelf' })
    // Secured Mon 11-23: Tue 24 (1), Wed 25 and Thu 26 蔵書点検 at 東分館, Fri 27 (2) … Sun 29
    // (4), Mon 30 closed, Tue 12-01 (5), Wed 02 (6), Thu 03 (7). The library's days: Tue 12-01.
    const listed = await callB('GET', `/patrons/${b.patrons.p2}/holds`)
    expect((listed.body as { holds: Json[] }).holds[0]).to.include({
      status: 'ready',
      pickupDeadline: '2026-12-03',
    })

    await t.db
      .updateTable('patron')
      .set({ password_hash: await hashPassword('east2026', server.deps.config.passwordPepper) })
      .where('id', '=', b.patrons.p2!)
      .execute()
    const card = (
      await t.db
        .selectFrom('patron')
        .select('card_number')
        .where('id', '=', b.patrons.p2!)
        .executeTakeFirstOrThrow()
    ).card_number
    const pc = new FormClient(server.baseUrl)
    const pcLogin = await pc.follow(await pc.get(`/${b.slug}/account/holds`))
    const pcList = textOf(
      (await pc.follow(await pc.submit(pcLogin, { card, password: 'east2026' }))).text,
    )
    expect(pcList).to.include('受取期限 2026年12月3日(木)')
    // Beside it, today's state of the pickup branch (open on the library's closed Monday).
    expect(pcList).to.include('本日は開館日です。')
    const k = new FormClient(server.baseUrl, {
      userAgent: KEITAI_UA,
      cookies: false,
      charset: 'shift_jis',
    })
    const kLogin = await k.follow(await k.get(`/${b.slug}/k/account/holds`))
    const kList = textOf(
      (await k.follow(await k.submit(kLogin, { card, password: 'east2026' }))).text,
    )
    expect(kList).to.include('12/3(木)迄')
    expect(kList).to.not.include('本日休館')
  })

  it('changes the weekly closed days and hours; refuses a week without an opening day and bad ranges', async () => {
    const res = await callA('PUT', '/calendar/weekly', {
      closedWeekdays: [4, 1, 1],
      openingHours: '9:00〜19:00（土日は17:00まで）',
    })
    expect(res.body).to.deep.equal({
      closedWeekdays: [1, 4],
      openingHours: '9:00〜19:00（土日は17:00まで）',
    })
    const cal = await days(callA, 'from=2026-11-26&to=2026-11-26')
    expect(cal.closedWeekdays).to.deep.equal([1, 4])
    expect(cal.openingHours).to.equal('9:00〜19:00（土日は17:00まで）')
    expect(cal.days[0]).to.include({ open: false, source: 'weekly' })
    const all = await callA('PUT', '/calendar/weekly', { closedWeekdays: [0, 1, 2, 3, 4, 5, 6] })
    expect(all.status).to.equal(400)
    expect((all.body as ErrorJson).error.message).to.match(/^closedWeekdays: /)
    for (const [query, field] of [
      ['from=2026-12-10&to=2026-12-01', /^to: /],
      ['from=2026-01-01&to=2027-12-31', /^to: /],
      ['from=2026-13-01&to=2026-12-31', /^from: /],
    ] as const) {
      const bad = await callA('GET', `/calendar?${query}`)
      expect(bad.status, query).to.equal(400)
      expect((bad.body as ErrorJson).error.message).to.match(field)
    }
    const badDay = await callA('PUT', '/calendar/days', {
      days: [{ day: '2026-02-30', open: false }],
    })
    expect((badDay.body as ErrorJson).error.message).to.match(/^days\.0\.day: /)
  })

  it('posts, lists, changes and withdraws notices; another library’s notice is 404', async () => {
    const posted = await callB('POST', '/notices', {
      title: '年末年始の休館について',
      body: '12月29日から1月3日まで休館します。',
      showUntil: '2027-01-04',
    })
    expect(posted.status).to.equal(201)
    expect(posted.body).to.include({
      showFrom: '2026-11-23',
      showUntil: '2027-01-04',
      withdrawnAt: null,
    })
    const id = (posted.body as Json).id as number
    const bad = await callB('POST', '/notices', {
      title: 'x',
      body: 'y',
      showFrom: '2026-12-01',
      showUntil: '2026-11-30',
    })
    expect(bad.status).to.equal(400)
    expect((bad.body as ErrorJson).error.message).to.match(/^showUntil: /)
    const changed = await callB('PATCH', `/notices/${id}`, { title: '年末年始の休館' })
    expect(changed.body).to.include({
      title: '年末年始の休館',
      body: '12月29日から1月3日まで休館します。',
    })
    expect(((await callB('GET', '/notices')).body as { notices: Json[] }).notices).to.have.length(1)
    expect((await callA('DELETE', `/notices/${id}`)).status).to.equal(404)
    expect((await callA('PATCH', `/notices/${id}`, { title: 'x' })).status).to.equal(404)
    const withdrawn = await callB('DELETE', `/notices/${id}`)
    expect((withdrawn.body as Json).withdrawnAt).to.be.a('string')
    expect(((await callB('GET', '/notices')).body as { notices: Json[] }).notices).to.have.length(0)
    expect(
      ((await callB('GET', '/notices?withdrawn=true')).body as { notices: Json[] }).notices,
    ).to.have.length(1)
  })

  it('lists and runs jobs; lists the library’s failed mails only', async () => {
    const list = await callB('GET', '/jobs')
    const names = (list.body as { jobs: { name: string }[] }).jobs.map((j) => j.name)
    expect(names).to.include.members(['hold-approval', 'hold-expiry', 'mail-send', 'session-purge'])
    const run = await callB('POST', '/jobs/session-purge/run')
    expect(run.status).to.equal(200)
    expect(run.body).to.include({ scope: 'deployment' })
    expect(run.body).to.have.property('report').that.is.an('object')
    // A job that works library by library answers with the token's library's counts only.
    const aged = (lib: FixtureLibrary, n: number) =>
      t.db
        .insertInto('staff_audit')
        .values(
          Array.from({ length: n }, () => ({
            library_id: lib.library.id,
            token_id: 1,
            token_name: 'old',
            method: 'GET',
            route: '/api/staff/v1/calendar',
            status: 200,
            created_at: '2024-01-01 00:00:00',
          })),
        )
        .execute()
    await aged(a, 2)
    await aged(b, 1)
    const purged = await callB('POST', '/jobs/staff-audit-purge/run')
    expect(purged.body).to.deep.include({ scope: 'library', report: { auditLines: 1 } })
    const left = await t.db
      .selectFrom('staff_audit')
      .select('library_id')
      .where('token_name', '=', 'old')
      .execute()
    expect(left).to.deep.equal([]) // library A's lines went in the same run
    expect((await callA('POST', '/jobs/staff-audit-purge/run')).body).to.deep.include({
      report: { auditLines: 0 },
    })
    expect((await callB('POST', '/jobs/no-such-job/run')).status).to.equal(404)
    for (const lib of [a, b]) {
      await t.db
        .insertInto('mail_outbox')
        .values({
          library_id: lib.library.id,
          patron_id: lib.patrons.p1!,
          kind: 'hold_ready',
          to_address: `p1@${lib.slug}.example.jp`,
          from_address: 'opac@library.example.jp',
          subject: '予約資料のご用意ができました',
          body: '',
          message_id: `<${lib.slug}@example.jp>`,
          created_at: '2026-11-20 00:00:00',
          next_attempt_at: '2026-11-20 00:00:00',
          attempts: 9,
          failed_at: '2026-11-22 00:00:00',
          last_error: '550 no such user',
        })
        .execute()
    }
    const failed = await callB('GET', '/mails/failed')
    const mails = (failed.body as { mails: Json[] }).mails
    expect(mails).to.have.length(1)
    expect(mails[0]).to.include({
      to: `p1@${b.slug}.example.jp`,
      lastError: '550 no such user',
      attempts: 9,
    })
  })
})
