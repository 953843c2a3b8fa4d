// The hold service on MariaDB (SPEC.md §4, §10): placing under both presets, the morning
// approval, trapping on return and from the shelf, transit, pickup deadlines across closed
// days, set holds, collection, expiry passing the copy on, cancellation rules, idempotent
// confirmations, and the limits and queues under concurrency.
import { expect } from 'chai'
import { fromUtcDateTime } from '../../../server/clock.ts'
import { calendarRepository } from '../../../server/db/calendar-repository.ts'
import { holdRepository } from '../../../server/db/hold-repository.ts'
import { holdService, newRequestKey } from '../../../server/services/hold-service.ts'
import type { HoldService } from '../../../server/services/hold-service.ts'
import { holdFixture, holdTestKit, movableTokyoClock } from '../../helpers/hold-fixture.ts'
import type { FixtureLibrary } from '../../helpers/hold-fixture.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'

describe('hold service', function () {
  this.timeout(120_000)
  let t: TestDatabase
  const clock = movableTokyoClock('2026-11-21T14:00:00')
  let holds: HoldService

  before(async () => {
    t = await createTestDatabase({ prefix: 'holds' })
    holds = holdService({
      holds: holdRepository(t.db),
      calendars: calendarRepository(t.db),
      clock,
    })
  })

  const { rows, copyStatus, choice, place, placedId } = holdTestKit(
    () => t.db,
    () => holds,
  )
  const positions = async (lib: FixtureLibrary, patron: string) =>
    (await holds.list(lib, lib.patrons[patron]!)).map((h) => [h.title, h.status, h.position])

  describe('rules B: walk-ins first (SPEC §10)', () => {
    let b: FixtureLibrary
    before(async () => {
      clock.set('2026-11-21T14:00:00')
      b = await holdFixture(t.db, 'B')
    })

    it('a web hold is 依頼中 until the next opening morning; a counter hold is formal at once', async () => {
      clock.set('2026-11-21T14:00:00')
      await placedId(place(b, 'p1', [choice(b, 'book')]))
      clock.set('2026-11-21T15:00:00')
      await placedId(place(b, 'p2', [choice(b, 'book')], { channel: 'counter' }))
      expect(await positions(b, 'p1')).to.deep.equal([['book', 'requested', null]])
      expect(await positions(b, 'p2')).to.deep.equal([['book', 'waiting', 1]])
      const [web] = await rows(b)
      expect(fromUtcDateTime(web!.formal_at!).toISOString()).to.equal('2026-11-21T23:30:00.000Z')

      clock.set('2026-11-22T08:29:00')
      expect(await holds.approveDue(b)).to.equal(0)
      clock.set('2026-11-22T08:30:00')
      expect(await holds.approveDue(b)).to.equal(1)
      expect(await holds.approveDue(b)).to.equal(0) // run twice: nothing more
      expect(await positions(b, 'p1')).to.deep.equal([['book', 'waiting', 2]])
    })

    it('a request on a closed Monday waits for Tuesday; one before 年末年始 for 2027-01-05', async () => {
      clock.set('2026-11-23T10:00:00')
      await placedId(place(b, 'p3', [choice(b, 'popular')]))
      clock.set('2026-12-27T10:00:00')
      await placedId(place(b, 'p4', [choice(b, 'popular')]))
      const [monday, yearEnd] = (await rows(b)).filter((h) => h.record_id === b.records.popular)
      expect(fromUtcDateTime(monday!.formal_at!).toISOString()).to.equal('2026-11-23T23:30:00.000Z')
      expect(fromUtcDateTime(yearEnd!.formal_at!).toISOString()).to.equal(
        '2027-01-04T23:30:00.000Z',
      )
    })

    it('refuses what rules B do not let be held, naming the rule, and places the rest', async () => {
      clock.set('2026-11-24T10:00:00')
      const outcome = await place(b, 'p5', [
        choice(b, 'dvd'),
        choice(b, 'reference'),
        choice(b, 'magazine', { copyId: b.copies.magazine![2] }),
        choice(b, 'lost'),
        choice(b, 'magazine', { copyId: b.copies.magazine![0] }),
      ])
      expect(outcome.ok).to.equal(true)
      if (!outcome.ok) return
      expect(outcome.result.refused.map((r) => r.refusal.reason)).to.deep.equal([
        'audio_visual',
        'reference_only',
        'latest_issue',
        'no_copy',
      ])
      expect(outcome.result.placed.map((p) => p.issueLabel)).to.deep.equal(['2026-09号'])
      const visitor = await place(b, 'visitor', [choice(b, 'book')])
      expect(visitor.ok && visitor.result.refused[0]?.refusal.reason).to.equal('not_resident')
      const child = await place(b, 'child', [choice(b, 'book')])
      expect(child.ok && child.result.refused[0]?.refusal.reason).to.equal('under_age')
      const noMail = await place(b, 'nomail', [choice(b, 'book', { contact: 'email' })])
      expect(noMail.ok && noMail.result.refused[0]?.refusal.reason).to.equal('email_not_registered')
      const badPickup = await place(b, 'p6', [choice(b, 'book', { pickupBranchId: 999999 })])
      expect(badPickup.ok && badPickup.result.refused[0]?.refusal.reason).to.equal('pickup_invalid')
    })

    it('counts counter, telephone and web holds against the limit of 5 (SPEC §10)', async () => {
      clock.set('2026-11-24T10:00:00')
      const lib = await holdFixture(t.db, 'B')
      for (const [i, channel] of (['counter', 'counter', 'counter', 'phone'] as const).entries()) {
        const key = ['book', 'popular', 'shelf', 'volume1'][i]!
        await placedId(place(lib, 'p1', [choice(lib, key)], { channel }))
      }
      await placedId(place(lib, 'p1', [choice(lib, 'volume2')]))
      const sixth = await place(lib, 'p1', [choice(lib, 'volume3')])
      expect(sixth.ok && sixth.result.refused[0]?.refusal).to.deep.equal({
        ok: false,
        reason: 'limit_reached',
        limit: 5,
        current: 5,
      })
      const counter = await place(lib, 'p1', [choice(lib, 'volume3')], { channel: 'counter' })
      expect(counter.ok && counter.result.refused[0]?.refusal.reason).to.equal('limit_reached')
    })
  })

  describe('trapping, transit, deadlines, collection and expiry', () => {
    it('rules B: a copy returned at the pickup branch is ready until the 7th opening day', async () => {
      clock.set('2026-11-19T10:00:00')
      const b = await holdFixture(t.db, 'B')
      const id = await placedId(place(b, 'p1', [choice(b, 'book')], { channel: 'counter' }))
      clock.set('2026-11-20T11:00:00') // secured Fri 2026-11-20 → by Sat 11-28 (SPEC §10)
      const copy = b.copies.book![0]!
      expect(await holds.copyReturned(b, copy, b.branchIds.central)).to.deep.include({
        action: 'hold_shelf',
        holdId: id,
      })
      const [hold] = await rows(b)
      expect(hold).to.include({
        status: 'ready',
        trapped_copy_id: copy,
        pickup_deadline: '2026-11-28',
      })
      expect(await copyStatus(b, copy)).to.equal('on_hold_shelf')
      const notices = await t.db
        .selectFrom('hold_notice')
        .selectAll()
        .where('hold_id', '=', id)
        .execute()
      expect(notices.map((n) => n.kind)).to.deep.equal(['ready'])
    })

    it('rules A: a copy returned elsewhere is sent, then ready on arrival, 8 days moved off Monday', async () => {
      clock.set('2026-11-20T10:00:00')
      const a = await holdFixture(t.db, 'A')
      const id = await placedId(place(a, 'p1', [choice(a, 'book', { contact: 'none' })]))
      const copy = a.copies.book![0]!
      expect(await holds.copyReturned(a, copy, a.branchIds.west)).to.deep.include({
        action: 'send',
        holdId: id,
        toBranchId: a.branchIds.central,
      })
      expect((await rows(a))[0]!.status).to.equal('in_transit')
      expect(await copyStatus(a, copy)).to.equal('in_transit')
      expect(await positions(a, 'p1')).to.deep.equal([['book', 'in_transit', 1]])
      clock.set('2026-11-29T09:00:00') // notice Sun 11-29 → 8 days is Mon 12-07, closed → 12-08
      expect(await holds.copyReturned(a, copy, a.branchIds.central)).to.deep.include({
        action: 'hold_shelf',
      })
      expect((await rows(a))[0]).to.include({ status: 'ready', pickup_deadline: '2026-12-08' })
      // contact none: no notice to mail
      expect(
        await t.db.selectFrom('hold_notice').selectAll().where('hold_id', '=', id).execute(),
      ).to.deep.equal([])
    })

    it('secured Sat 2026-12-26 under rules B: collect by Sun 2027-01-10', async () => {
      clock.set('2026-12-20T10:00:00')
      const b = await holdFixture(t.db, 'B')
      await placedId(place(b, 'p1', [choice(b, 'book')], { channel: 'counter' }))
      clock.set('2026-12-26T10:00:00')
      await holds.copyReturned(b, b.copies.book![0]!, b.branchIds.central)
      expect((await rows(b))[0]!.pickup_deadline).to.equal('2027-01-10')
    })

    it('rules B: the 7 opening days are the pickup branch’s, its own closed days left out', async () => {
      clock.set('2026-11-19T10:00:00')
      const b = await holdFixture(t.db, 'B')
      await calendarRepository(t.db).setDays(b.library.id, b.branchIds.east, [
        { day: '2026-11-24', open: false, note: '蔵書点検' },
        { day: '2026-11-25', open: false, note: '蔵書点検' },
      ])
      const east = await placedId(
        place(b, 'p1', [choice(b, 'popular', { pickupBranchId: b.branchIds.east })], {
          channel: 'counter',
        }),
      )
      const central = await placedId(place(b, 'p2', [choice(b, 'book')], { channel: 'counter' }))
      clock.set('2026-11-20T11:00:00')
      await holds.copyReturned(b, b.copies.popular![0]!, b.branchIds.east)
      await holds.copyReturned(b, b.copies.book![0]!, b.branchIds.central)
      const deadlines = new Map((await rows(b)).map((h) => [h.id, h.pickup_deadline]))
      // East: Sat 21 (1), Sun 22 (2), Mon closed, Tue 24 and Wed 25 蔵書点検, Thu 26 (3) …
      // Sun 29 (6), Mon 30 closed, Tue 12-01 (7). Central keeps the library's Sat 11-28.
      expect(deadlines.get(east)).to.equal('2026-12-01')
      expect(deadlines.get(central)).to.equal('2026-11-28')
    })

    it('rules A: a deadline on the pickup branch’s closed day moves; its special opening counts', async () => {
      clock.set('2026-11-19T10:00:00')
      const a = await holdFixture(t.db, 'A', { popularCopies: 2 })
      await calendarRepository(t.db).setDays(a.library.id, a.branchIds.west, [
        { day: '2026-11-28', open: false, note: '館内整理' },
        { day: '2026-12-07', open: true, note: '臨時開館' },
      ])
      const west = (patron: string) =>
        placedId(
          place(a, patron, [choice(a, 'popular', { pickupBranchId: a.branchIds.west })], {
            channel: 'counter',
          }),
        )
      const first = await west('p1')
      const second = await west('p2')
      clock.set('2026-11-20T11:00:00') // 8 days → Sat 11-28, the west branch is closed → Sun 29
      await holds.copyReturned(a, a.copies.popular![0]!, a.branchIds.west)
      clock.set('2026-11-29T11:00:00') // 8 days → Mon 12-07, closed but the west branch opens
      await holds.copyReturned(a, a.copies.popular![1]!, a.branchIds.west)
      const deadlines = new Map((await rows(a)).map((h) => [h.id, h.pickup_deadline]))
      expect(deadlines.get(first)).to.equal('2026-11-29')
      expect(deadlines.get(second)).to.equal('2026-12-07')
    })

    it('traps copies on the shelf for formal holds only, and the job run twice does nothing more', async () => {
      clock.set('2026-11-21T14:00:00')
      const b = await holdFixture(t.db, 'B')
      await placedId(place(b, 'p1', [choice(b, 'shelf', { pickupBranchId: b.branchIds.east })]))
      expect(await holds.trapShelfCopies(b)).to.deep.equal([]) // 依頼中: walk-ins first
      clock.set('2026-11-22T08:30:00')
      await holds.approveDue(b)
      const trapped = await holds.trapShelfCopies(b)
      expect(trapped).to.have.length(1)
      expect(trapped[0]).to.include({ action: 'send', toBranchId: b.branchIds.east })
      expect(await holds.trapShelfCopies(b)).to.deep.equal([])
    })

    it('fulfils a ready hold when its copy is lent to its patron, and lends it to nobody else', async () => {
      clock.set('2026-11-24T10:00:00')
      const a = await holdFixture(t.db, 'A')
      const id = await placedId(place(a, 'p1', [choice(a, 'book')]))
      const copy = a.copies.book![0]!
      await holds.copyReturned(a, copy, a.branchIds.central)
      expect(await holds.copyCheckedOut(a, copy, a.patrons.p2!)).to.deep.equal({
        ok: false,
        reason: 'trapped_for_other',
        holdId: id,
      })
      expect(await holds.copyCheckedOut(a, copy, a.patrons.p1!)).to.deep.equal({
        ok: true,
        holdId: id,
      })
      expect((await rows(a))[0]!.status).to.equal('collected')
      expect(await holds.list(a, a.patrons.p1!)).to.deep.equal([])
    })

    it('cancels an uncollected hold after its deadline and passes the copy to the next hold', async () => {
      clock.set('2026-11-24T10:00:00')
      const b = await holdFixture(t.db, 'B')
      const first = await placedId(place(b, 'p1', [choice(b, 'book')], { channel: 'counter' }))
      const second = await placedId(place(b, 'p2', [choice(b, 'book')], { channel: 'counter' }))
      // Secured Tue 11-24: Wed 25 (1) … Sun 29 (5), Mon 30 closed, Tue 12-01 (6), Wed 12-02 (7).
      await holds.copyReturned(b, b.copies.book![0]!, b.branchIds.central)
      clock.set('2026-12-02T20:00:00')
      expect((await holds.expireUncollected(b)).expired).to.equal(0) // the deadline day itself
      clock.set('2026-12-03T06:00:00')
      const run = await holds.expireUncollected(b)
      expect(run.expired).to.equal(1)
      expect(run.passedOn).to.deep.equal([
        {
          action: 'hold_shelf',
          holdId: second,
          patronId: b.patrons.p2,
          pickupBranchId: b.branchIds.central,
        },
      ])
      expect((await holds.expireUncollected(b)).expired).to.equal(0)
      const [h1, h2] = await rows(b)
      expect(h1).to.include({ id: first, status: 'expired' })
      // Secured Thu 12-03: Fri 4 (1) … Sun 6 (3), Mon 7 closed, Tue 8 (4) … Fri 11 (7).
      expect(h2).to.include({ id: second, status: 'ready', pickup_deadline: '2026-12-11' })
      const kinds = await t.db
        .selectFrom('hold_notice')
        .select(['hold_id', 'kind'])
        .where('library_id', '=', b.library.id)
        .orderBy('id')
        .execute()
      expect(kinds).to.deep.equal([
        { hold_id: first, kind: 'ready' },
        { hold_id: first, kind: 'expired' },
        { hold_id: second, kind: 'ready' },
      ])
    })
  })

  describe('set holds (rules A)', () => {
    it('receives three volumes in the order given, each only after the one before is lent', async () => {
      clock.set('2026-11-24T10:00:00')
      const a = await holdFixture(t.db, 'A')
      const outcome = await place(
        a,
        'p1',
        [choice(a, 'volume1'), choice(a, 'volume2'), choice(a, 'volume3')],
        { asSet: true },
      )
      expect(outcome.ok).to.equal(true)
      if (!outcome.ok) return
      expect(outcome.result.setId).to.equal(outcome.result.placed[0]!.holdId)
      const [v1, v2, v3] = outcome.result.placed.map((p) => p.holdId)
      // Volume 2 comes back first: it waits, because volume 1 has not been lent yet.
      expect(await holds.copyReturned(a, a.copies.volume2![0]!, a.branchIds.central)).to.deep.equal(
        {
          action: 'shelve',
        },
      )
      expect(
        await holds.copyReturned(a, a.copies.volume1![0]!, a.branchIds.central),
      ).to.deep.include({
        action: 'hold_shelf',
        holdId: v1,
      })
      expect(await holds.trapShelfCopies(a)).to.deep.equal([])
      await holds.copyCheckedOut(a, a.copies.volume1![0]!, a.patrons.p1!)
      const now = await holds.trapShelfCopies(a)
      expect(now.map((d) => (d.action === 'shelve' ? null : d.holdId))).to.deep.equal([v2])
      // 順番を指定する and 解除 are the patron's own.
      const set = outcome.result.setId!
      expect((await holds.reorderSet(a, a.patrons.p2!, set, [v3!])).ok).to.equal(false)
      expect(await holds.reorderSet(a, a.patrons.p1!, set, [v2!, v3!])).to.deep.include({
        ok: false,
      })
      expect((await holds.reorderSet(a, a.patrons.p1!, set, [v3!])).ok).to.equal(true)
      expect((await holds.splitSet(a, a.patrons.p1!, set)).ok).to.equal(true)
      expect((await rows(a)).every((h) => h.set_id === null)).to.equal(true)
    })

    it('rules B have no set holds: the holds stay independent', async () => {
      const b = await holdFixture(t.db, 'B')
      const outcome = await place(b, 'p1', [choice(b, 'volume1'), choice(b, 'volume2')], {
        asSet: true,
        channel: 'counter',
      })
      expect(outcome.ok && outcome.result.setId).to.equal(null)
    })
  })

  describe('changes and cancellation', () => {
    it('changes pickup and contact while waiting; not the pickup once a copy is secured', async () => {
      clock.set('2026-11-24T10:00:00')
      const a = await holdFixture(t.db, 'A')
      const id = await placedId(place(a, 'p1', [choice(a, 'book')]))
      expect(
        await holds.change(a, a.patrons.p1!, id, {
          pickupBranchId: a.branchIds.east,
          contact: 'none',
        }),
      ).to.deep.include({ ok: true, changed: true })
      expect(
        await holds.change(a, a.patrons.p1!, id, { pickupBranchId: a.branchIds.east }),
      ).to.deep.include({ changed: false })
      expect(await holds.change(a, a.patrons.p2!, id, { contact: 'none' })).to.deep.equal({
        ok: false,
        reason: 'not_found',
      })
      expect(await holds.change(a, a.patrons.nomail!, id, { contact: 'email' })).to.deep.equal({
        ok: false,
        reason: 'not_found',
      })
      await holds.copyReturned(a, a.copies.book![0]!, a.branchIds.central)
      expect(
        await holds.change(a, a.patrons.p1!, id, { pickupBranchId: a.branchIds.west }),
      ).to.deep.equal({ ok: false, reason: 'pickup_locked' })
      expect((await holds.change(a, a.patrons.p1!, id, { contact: 'email' })).ok).to.equal(true)
    })

    it('cancels a waiting hold (twice is harmless), not a ready one; the queue closes up', async () => {
      clock.set('2026-11-24T10:00:00')
      const b = await holdFixture(t.db, 'B')
      const h1 = await placedId(place(b, 'p1', [choice(b, 'popular')], { channel: 'counter' }))
      const h2 = await placedId(place(b, 'p2', [choice(b, 'popular')], { channel: 'counter' }))
      await placedId(place(b, 'p3', [choice(b, 'popular')], { channel: 'counter' }))
      expect(await positions(b, 'p3')).to.deep.equal([['popular', 'waiting', 3]])
      expect(await holds.cancel(b, b.patrons.p2!, h1)).to.deep.equal({
        ok: false,
        reason: 'not_found',
      })
      expect(await holds.cancel(b, b.patrons.p2!, h2)).to.deep.include({
        ok: true,
        alreadyCancelled: false,
      })
      expect(await holds.cancel(b, b.patrons.p2!, h2)).to.deep.include({
        ok: true,
        alreadyCancelled: true,
      })
      expect(await positions(b, 'p3')).to.deep.equal([['popular', 'waiting', 2]])
      await holds.copyReturned(b, b.copies.popular![0]!, b.branchIds.central)
      expect(await holds.cancel(b, b.patrons.p1!, h1)).to.deep.equal({
        ok: false,
        reason: 'ready',
        pickupBranchId: b.branchIds.central,
      })
      const views = await holds.list(b, b.patrons.p1!)
      expect(views[0]).to.include({ status: 'ready', cancellable: false, pickupChangeable: false })
    })

    it('estimates the wait of a waiting hold from its position and the copies', async () => {
      const b = await holdFixture(t.db, 'B', { popularCopies: 2 })
      for (const p of ['p1', 'p2', 'p3', 'p4', 'p5']) {
        await placedId(place(b, p, [choice(b, 'popular')], { channel: 'counter' }))
      }
      const [view] = await holds.list(b, b.patrons.p5!)
      expect(view).to.include({ position: 5, supplying_copies: 2, waitWeeks: 6 })
    })
  })

  describe('confirmations and concurrency', () => {
    it('a second press of the same confirmation shows the same result and places nothing', async () => {
      clock.set('2026-11-24T10:00:00')
      const a = await holdFixture(t.db, 'A')
      const key = newRequestKey()
      const [one, two] = await Promise.all([
        place(a, 'p1', [choice(a, 'book'), choice(a, 'popular')], { key }),
        place(a, 'p1', [choice(a, 'book'), choice(a, 'popular')], { key }),
      ])
      expect(one.ok && two.ok).to.equal(true)
      if (!one.ok || !two.ok) return
      expect([one.repeated, two.repeated].sort()).to.deep.equal([false, true])
      expect(two.result).to.deep.equal(one.result)
      expect(await rows(a)).to.have.length(2)
      expect(await holds.placed(a, a.patrons.p1!, key)).to.deep.equal(one.result)
      expect(await holds.placed(a, a.patrons.p2!, key)).to.equal(null)
    })

    it('20 simultaneous confirmations one below the limit: exactly one is placed', async () => {
      clock.set('2026-11-24T10:00:00')
      const b = await holdFixture(t.db, 'B')
      for (const key of ['book', 'popular', 'shelf', 'volume1']) {
        await placedId(place(b, 'p1', [choice(b, key)], { channel: 'counter' }))
      }
      const titles = ['volume2', 'volume3', 'magazine']
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) => {
          const key = titles[i % titles.length]!
          const item =
            key === 'magazine' ? choice(b, key, { copyId: b.copies.magazine![0] }) : choice(b, key)
          return place(b, 'p1', [item])
        }),
      )
      const placed = outcomes.filter((o) => o.ok && o.result.placed.length === 1)
      expect(placed).to.have.length(1)
      const active = (await rows(b)).filter((h) => h.patron_id === b.patrons.p1)
      expect(active).to.have.length(5)
    })

    it('50 patrons holding one title at once get positions 1 to 50', async () => {
      clock.set('2026-11-24T10:00:00')
      const a = await holdFixture(t.db, 'A', { patrons: 50 })
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => placedId(place(a, `p${i + 1}`, [choice(a, 'book')]))),
      )
      const seen = []
      for (let i = 1; i <= 50; i++)
        seen.push(...(await holds.list(a, a.patrons[`p${i}`]!)).map((h) => h.position))
      expect(seen.sort((x, y) => x! - y!)).to.deep.equal(
        Array.from({ length: 50 }, (_, i) => i + 1),
      )
    })
  })
})
