// The counter through the staff API over real HTTP on MariaDB: checkouts with their refusals,
// check-ins answering where the copy goes (shelve, hold shelf for hold X, send to branch Z,
// send home), counter renewals, counter and telephone holds (formal at once, ahead of the
// morning's web holds, within the same limit), cancelling a ready hold; another library's ids
// answer 404.
import { expect } from 'chai'
import { newRequestKey } from '../../../server/services/hold-service.ts'
import { holdFixture } from '../../helpers/hold-fixture.ts'
import type { FixtureLibrary } from '../../helpers/hold-fixture.ts'
import { staffClient, staffToken } from '../../helpers/staff-client.ts'
import type { StaffCall } from '../../helpers/staff-client.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'

type Json = Record<string, unknown>
type ErrorJson = { error: { code: string; message: string } }

describe('staff API: circulation', function () {
  this.timeout(60_000)
  let t: TestDatabase
  let server: TestServer
  let a: FixtureLibrary
  let b: FixtureLibrary
  let callA: StaffCall
  let callB: StaffCall

  const barcode = async (copyId: number) =>
    (
      await t.db
        .selectFrom('copy')
        .select('barcode')
        .where('id', '=', copyId)
        .executeTakeFirstOrThrow()
    ).barcode

  before(async () => {
    t = await createTestDatabase({ prefix: 'staffcirc' })
    a = await holdFixture(t.db, 'A', { patrons: 4 })
    b = await holdFixture(t.db, 'B', { patrons: 12 })
    // Library A lends one copy per patron (a setting), to show the limit.
    await t.db
      .updateTable('library')
      .set({ settings_json: '{"loanLimit":1}' })
      .where('id', '=', a.library.id)
      .execute()
    server = await startTestServer(t.db) // Mon 2026-11-23 10:00 in Tokyo
    callA = staffClient(server.baseUrl, await staffToken(server.deps, a.library.id))
    callB = staffClient(server.baseUrl, await staffToken(server.deps, b.library.id))
  })
  after(async () => server.close())

  it('checks a copy out with the loan period from the settings, moved off a closed day', async () => {
    const res = await callB('POST', '/checkouts', {
      patronId: b.patrons.p1,
      barcode: await barcode(b.copies.shelf![0]!),
    })
    expect(res.status).to.equal(201)
    const body = res.body as { loan: Json; copy: Json; fulfilledHoldId: null }
    // 11-23 + 14 days = Mon 12-07, closed → Tue 12-08.
    expect(body.loan).to.include({ loanedOn: '2026-11-23', dueOn: '2026-12-08' })
    expect(body.copy).to.include({ title: 'shelf' })
    expect(body.fulfilledHoldId).to.equal(null)
    const copy = await t.db
      .selectFrom('copy')
      .select('status')
      .where('id', '=', b.copies.shelf![0]!)
      .executeTakeFirstOrThrow()
    expect(copy.status).to.equal('on_loan')
    const loans = await callB('GET', `/patrons/${b.patrons.p1}/loans`)
    expect((loans.body as { loans: Json[] }).loans).to.have.length(1)
    expect((loans.body as { loans: Json[] }).loans[0]).to.include({
      title: 'shelf',
      renewable: false,
      notRenewableBecause: 'no_later_due',
    })
  })

  it('refuses a checkout with the reason: on loan, already borrowed, reference only, suspended, limit', async () => {
    const shelf = await barcode(b.copies.shelf![0]!)
    const refused = async (call: StaffCall, patronId: number, code: string, copy: string) => {
      const res = await call('POST', '/checkouts', { patronId, barcode: copy })
      expect(res.status, code).to.equal(409)
      expect((res.body as ErrorJson).error.code).to.equal(code)
      return (res.body as ErrorJson).error.message
    }
    await refused(callB, b.patrons.p2!, 'on_loan', shelf)
    await refused(callB, b.patrons.p1!, 'already_borrowed', shelf)
    await refused(callB, b.patrons.p2!, 'reference_only', await barcode(b.copies.reference![0]!))
    await callB('PUT', `/patrons/${b.patrons.p3}/suspension`, { reason: '長期延滞' })
    await refused(callB, b.patrons.p3!, 'suspended', await barcode(b.copies.book![0]!))
    // Suspended: no holds either, at the counter or on the site.
    const counterHold = await callB('POST', '/holds', {
      patronId: b.patrons.p3,
      recordId: b.records.popular,
      pickupBranchId: b.branchIds.east,
      channel: 'counter',
    })
    expect((counterHold.body as ErrorJson).error.code).to.equal('suspended')
    const webHold = await server.deps.services.holds.place(b, b.patrons.p3!, {
      key: newRequestKey(),
      items: [{ recordId: b.records.popular!, pickupBranchId: b.branchIds.east, contact: 'none' }],
    })
    expect(webHold.ok && webHold.result.refused[0]?.refusal.reason).to.equal('suspended')
    await callB('DELETE', `/patrons/${b.patrons.p3}/suspension`)

    const first = await callA('POST', '/checkouts', {
      patronId: a.patrons.p1,
      barcode: await barcode(a.copies.shelf![0]!),
    })
    expect(first.status).to.equal(201)
    const message = await refused(callA, a.patrons.p1!, 'limit', await barcode(a.copies.book![0]!))
    expect(message).to.include('(1)')
    expect(
      (await callB('POST', '/checkouts', { patronId: b.patrons.p1, barcode: 'nope' })).status,
    ).to.equal(404)
  })

  it('checks in: trapped for the first hold here, then lent only to its patron, fulfilling the hold', async () => {
    const hold = await callB('POST', '/holds', {
      patronId: b.patrons.p4,
      recordId: b.records.book,
      pickupBranchId: b.branchIds.central,
      contact: 'email',
      channel: 'counter',
    })
    expect(hold.status).to.equal(201)
    expect(hold.body).to.include({ status: 'waiting', title: 'book' })
    const holdId = (hold.body as Json).holdId as number
    const copy = await barcode(b.copies.book![0]!)
    const back = await callB('POST', '/checkins', { barcode: copy, branchId: b.branchIds.central })
    expect(back.status).to.equal(200)
    expect((back.body as { next: Json }).next).to.deep.equal({
      action: 'hold_shelf',
      holdId,
      branch: { id: b.branchIds.central, name: '中央館' },
    })
    const holds = await callB('GET', `/patrons/${b.patrons.p4}/holds`)
    expect((holds.body as { holds: Json[] }).holds[0]).to.include({ status: 'ready' })
    // Arrival of the same copy again answers the same (idempotent at the counter).
    const again = await callB('POST', '/checkins', { barcode: copy, branchId: b.branchIds.central })
    expect((again.body as { next: Json }).next).to.include({ action: 'hold_shelf', holdId })
    const notice = await t.db
      .selectFrom('hold_notice')
      .select('kind')
      .where('hold_id', '=', holdId)
      .execute()
    expect(notice).to.deep.equal([{ kind: 'ready' }])

    const other = await callB('POST', '/checkouts', { patronId: b.patrons.p5, barcode: copy })
    expect(other.status).to.equal(409)
    expect((other.body as ErrorJson).error).to.include({ code: 'trapped_for_other' })
    const lent = await callB('POST', '/checkouts', { patronId: b.patrons.p4, barcode: copy })
    expect(lent.status).to.equal(201)
    expect((lent.body as Json).fulfilledHoldId).to.equal(holdId)
    const status = await t.db
      .selectFrom('hold')
      .select('status')
      .where('id', '=', holdId)
      .executeTakeFirstOrThrow()
    expect(status.status).to.equal('collected')
  })

  it('checks in: sends a copy to the hold’s pickup branch, and home when nobody waits', async () => {
    const hold = await callB('POST', '/holds', {
      patronId: b.patrons.p5,
      recordId: b.records.volume1,
      pickupBranchId: b.branchIds.east,
      channel: 'phone',
    })
    const holdId = (hold.body as Json).holdId as number
    const copy = await barcode(b.copies.volume1![0]!) // belongs to the west branch
    const back = await callB('POST', '/checkins', { barcode: copy, branchId: b.branchIds.west })
    expect((back.body as { next: Json }).next).to.deep.equal({
      action: 'send',
      holdId,
      branch: { id: b.branchIds.east, name: '東分館' },
    })
    const arrived = await callB('POST', '/checkins', { barcode: copy, branchId: b.branchIds.east })
    expect((arrived.body as { next: Json }).next).to.include({ action: 'hold_shelf', holdId })
    expect((arrived.body as Json).loan).to.equal(null)

    const home = await barcode(b.copies.volume2![0]!)
    const away = await callB('POST', '/checkins', { barcode: home, branchId: b.branchIds.central })
    expect((away.body as { next: Json }).next).to.deep.equal({
      action: 'send_home',
      branch: { id: b.branchIds.west, name: '西分館' },
    })
    const shelved = await callB('POST', '/checkins', { barcode: home, branchId: b.branchIds.west })
    expect((shelved.body as { next: Json }).next).to.include({ action: 'shelve' })
  })

  it('cancels a ready hold on the patron’s request; the copy passes to the next hold', async () => {
    const first = await callB('POST', '/holds', {
      patronId: b.patrons.p6,
      recordId: b.records.volume3,
      pickupBranchId: b.branchIds.west,
      channel: 'counter',
    })
    const second = await callB('POST', '/holds', {
      patronId: b.patrons.p7,
      recordId: b.records.volume3,
      pickupBranchId: b.branchIds.west,
      channel: 'counter',
    })
    const copy = await barcode(b.copies.volume3![0]!)
    await callB('POST', '/checkins', { barcode: copy, branchId: b.branchIds.west })
    const firstId = (first.body as Json).holdId as number
    const online = await server.deps.services.holds.cancel(b, b.patrons.p6!, firstId)
    expect(online).to.include({ ok: false, reason: 'ready' })
    const res = await callB('POST', `/holds/${firstId}/cancel`)
    expect(res.body).to.deep.equal({
      holdId: firstId,
      status: 'cancelled',
      alreadyCancelled: false,
    })
    const next = await t.db
      .selectFrom('hold')
      .select(['status', 'trapped_copy_id'])
      .where('id', '=', (second.body as Json).holdId as number)
      .executeTakeFirstOrThrow()
    expect(next).to.deep.equal({ status: 'ready', trapped_copy_id: b.copies.volume3![0]! })
    expect((await callB('POST', `/holds/${firstId}/cancel`)).body).to.include({
      alreadyCancelled: true,
    })
  })

  it('counter holds are formal at once, ahead of the morning’s web holds; all channels share the limit', async () => {
    // A web hold placed earlier (rules B: 依頼中 until the next opening morning).
    const web = await server.deps.services.holds.place(b, b.patrons.p8!, {
      key: newRequestKey(),
      items: [{ recordId: b.records.popular!, pickupBranchId: b.branchIds.east, contact: 'none' }],
    })
    expect(web.ok && web.result.placed[0]?.status).to.equal('requested')
    const counter = await callB('POST', '/holds', {
      patronId: b.patrons.p9,
      recordId: b.records.popular,
      pickupBranchId: b.branchIds.east,
      channel: 'counter',
    })
    expect(counter.body).to.include({ status: 'waiting' })
    const held = await callB('GET', `/patrons/${b.patrons.p9}/holds`)
    expect((held.body as { holds: Json[] }).holds[0]).to.include({
      position: 1,
      channel: 'counter',
    })

    // p10: 3 counter holds and 1 telephone hold, then 1 web hold fits; the 6th is refused.
    const place = (record: string, channel: string) =>
      callB('POST', '/holds', {
        patronId: b.patrons.p10,
        recordId: b.records[record],
        pickupBranchId: b.branchIds.central,
        channel,
      })
    for (const record of ['book', 'shelf', 'volume1'])
      expect((await place(record, 'counter')).status).to.equal(201)
    expect((await place('volume2', 'phone')).status).to.equal(201)
    const fifth = await server.deps.services.holds.place(b, b.patrons.p10!, {
      key: newRequestKey(),
      items: [{ recordId: b.records.popular!, pickupBranchId: b.branchIds.east, contact: 'none' }],
    })
    expect(fifth.ok && fifth.result.placed).to.have.length(1)
    const sixth = await place('volume3', 'counter')
    expect(sixth.status).to.equal(409)
    expect((sixth.body as ErrorJson).error.code).to.equal('limit_reached')
    expect((sixth.body as ErrorJson).error.message).to.include('5 of 5')
    const av = await callB('POST', '/holds', {
      patronId: b.patrons.p11,
      recordId: b.records.dvd,
      pickupBranchId: b.branchIds.central,
      channel: 'counter',
    })
    expect((av.body as ErrorJson).error.code).to.equal('audio_visual')
  })

  it('renews at the counter with the site’s rules', async () => {
    const loan = await t.db
      .insertInto('loan')
      .values({
        library_id: b.library.id,
        copy_id: b.copies.dvd![0]!,
        patron_id: b.patrons.p11!,
        loaned_on: '2026-11-10',
        due_on: '2026-11-24',
      })
      .executeTakeFirstOrThrow()
    const id = Number(loan.insertId)
    const av = await callB('POST', `/loans/${id}/renew`)
    expect(av.status).to.equal(409)
    expect((av.body as ErrorJson).error.code).to.equal('audio_visual')
    await t.db
      .updateTable('loan')
      .set({ copy_id: b.copies.lost![0]! })
      .where('id', '=', id)
      .execute()
    const res = await callB('POST', `/loans/${id}/renew`)
    expect(res.status).to.equal(200)
    expect(res.body).to.deep.equal({ loanId: id, dueOn: '2026-12-08' })
    const twice = await callB('POST', `/loans/${id}/renew`)
    expect(twice.status).to.equal(200) // the same press again within a minute
    expect((await callA('POST', `/loans/${id}/renew`)).status).to.equal(404)
  })

  it('answers 404 for another library’s patron, copy, branch, hold and loan', async () => {
    const foreignCopy = await barcode(a.copies.book![0]!)
    const cases: [string, string, unknown][] = [
      [
        'POST',
        '/checkouts',
        { patronId: a.patrons.p2, barcode: await barcode(b.copies.lost![0]!) },
      ],
      ['POST', '/checkouts', { patronId: b.patrons.p2, barcode: foreignCopy }],
      ['POST', '/checkins', { barcode: foreignCopy, branchId: b.branchIds.central }],
      [
        'POST',
        '/checkins',
        { barcode: await barcode(b.copies.lost![0]!), branchId: a.branchIds.central },
      ],
      ['GET', `/patrons/${a.patrons.p1}/loans`, undefined],
      ['GET', `/patrons/${a.patrons.p1}/holds`, undefined],
      [
        'POST',
        '/holds',
        {
          patronId: a.patrons.p1,
          recordId: b.records.book,
          pickupBranchId: b.branchIds.central,
          channel: 'counter',
        },
      ],
      [
        'POST',
        '/holds',
        {
          patronId: b.patrons.p12,
          recordId: a.records.book,
          pickupBranchId: b.branchIds.central,
          channel: 'counter',
        },
      ],
    ]
    for (const [method, path, body] of cases) {
      const res = await callB(method, path, body)
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).to.equal(404)
    }
    const aHold = await callA('POST', '/holds', {
      patronId: a.patrons.p3,
      recordId: a.records.book,
      pickupBranchId: a.branchIds.central,
      channel: 'counter',
    })
    expect(aHold.status).to.equal(201)
    const id = (aHold.body as Json).holdId as number
    expect((await callB('POST', `/holds/${id}/cancel`)).status).to.equal(404)
    const row = await t.db
      .selectFrom('hold')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    expect(row.status).to.equal('waiting')
  })
})
