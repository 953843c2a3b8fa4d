// The hold service's rules as patrons and staff meet them (SPEC.md §4), one behaviour at a
// time on a small fixture: what one request may hold (each title or issue once, titles held or
// on loan, refused items not counting against the limit), the catalogue's answer before login
// (describe), the list's statuses and what they allow, changes and cancellation of holds in
// each state, set holds' receiving order, a copy scanned again while on its way or on the hold
// shelf, copies that cannot supply a hold, and jobs that meet a hold or copy changed since
// they read it. Expected values come from the fixture and the rules, never from the service.
import { expect } from 'chai'
import { calendarRepository } from '../../../server/db/calendar-repository.ts'
import { holdRepository } from '../../../server/db/hold-repository.ts'
import type { HoldRepository } from '../../../server/db/hold-repository.ts'
import { holdService, newRequestKey } from '../../../server/services/hold-service.ts'
import type { HoldService } from '../../../server/services/hold-service.ts'
import type { LibrarySettings } from '../../../server/services/library-settings.ts'
import { holdFixture, holdTestKit, movableTokyoClock } from '../../helpers/hold-fixture.ts'
import type { FixtureLibrary } from '../../helpers/hold-fixture.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'

const withSettings = (lib: FixtureLibrary, over: Partial<LibrarySettings>): FixtureLibrary => ({
  ...lib,
  settings: { ...lib.settings, ...over },
})

describe('hold service: the rules patrons and staff see', function () {
  this.timeout(60_000)
  let t: TestDatabase
  const clock = movableTokyoClock('2026-11-24T10:00:00')
  let holds: HoldService
  let repo: HoldRepository

  before(async () => {
    t = await createTestDatabase({ prefix: 'holdrules' })
    repo = holdRepository(t.db)
    holds = holdService({ holds: repo, calendars: calendarRepository(t.db), clock })
  })

  const fixture = (preset: 'A' | 'B') => holdFixture(t.db, preset, { patrons: 4 })
  const { rows, copyStatus, choice, place } = holdTestKit(
    () => t.db,
    () => holds,
  )
  const hold = async (lib: FixtureLibrary, id: number) => (await rows(lib)).find((h) => h.id === id)
  const notices = (lib: FixtureLibrary) =>
    t.db
      .selectFrom('hold_notice')
      .select(['hold_id', 'kind'])
      .where('library_id', '=', lib.library.id)
      .orderBy('id')
      .execute()
  const outcome = async (p: ReturnType<typeof place>) => {
    const o = await p
    if (!o.ok) throw new Error(o.reason)
    return o.result
  }
  const placedId = async (p: ReturnType<typeof place>) => {
    const first = (await outcome(p)).placed[0]
    if (!first) throw new Error('nothing placed')
    return first.holdId
  }
  const reasons = (r: Awaited<ReturnType<typeof outcome>>) => r.refused.map((x) => x.refusal.reason)
  const lend = (lib: FixtureLibrary, patron: string, copyId: number) =>
    t.db
      .insertInto('loan')
      .values({
        library_id: lib.library.id,
        copy_id: copyId,
        patron_id: lib.patrons[patron]!,
        loaned_on: '2026-11-10',
        due_on: '2026-11-24',
      })
      .execute()

  describe('one request', () => {
    it('holds each title once, and two issues of a magazine as two holds', async () => {
      clock.set('2026-11-24T10:00:00')
      const a = await fixture('A')
      const twice = await outcome(place(a, 'p1', [choice(a, 'book'), choice(a, 'book')]))
      expect(twice.placed.map((p) => p.recordId)).to.deep.equal([a.records.book])
      expect(reasons(twice)).to.deep.equal(['already_held'])
      const [sep, oct] = a.copies.magazine!
      const issues = await outcome(
        place(a, 'p2', [
          choice(a, 'magazine', { copyId: sep }),
          choice(a, 'magazine', { copyId: oct }),
        ]),
      )
      expect(issues.refused).to.deep.equal([])
      expect(issues.placed.map((p) => [p.copyId, p.issueLabel])).to.deep.equal([
        [sep, '2026-09号'],
        [oct, '2026-10号'],
      ])
      const rowsOfP2 = (await rows(a)).filter((h) => h.patron_id === a.patrons.p2)
      expect(rowsOfP2.map((h) => h.copy_id)).to.deep.equal([sep, oct])
    })

    it('shows a title without an issue as such, and an unknown title as not found', async () => {
      clock.set('2026-11-24T10:00:00')
      const a = await fixture('A')
      const result = await outcome(
        place(a, 'p1', [choice(a, 'book'), { ...choice(a, 'book'), recordId: 999_999_999 }]),
      )
      const [book] = result.placed
      expect(book).to.include({ recordId: a.records.book, title: 'book', issueLabel: '' })
      expect(book).not.to.have.property('copyId')
      expect(result.refused).to.deep.equal([
        {
          recordId: 999_999_999,
          title: '',
          issueLabel: '',
          refusal: { ok: false, reason: 'not_found' },
        },
      ])
    })

    it('refuses a title already held (any copy or the very issue), and nothing else', async () => {
      clock.set('2026-11-24T10:00:00')
      const a = await fixture('A')
      await placedId(place(a, 'p1', [choice(a, 'book')]))
      // Another title in the same request is not "already held".
      const mixed = await outcome(place(a, 'p1', [choice(a, 'popular'), choice(a, 'book')]))
      expect(mixed.placed.map((p) => p.recordId)).to.deep.equal([a.records.popular])
      expect(reasons(mixed)).to.deep.equal(['already_held'])
      // Holding the title (any copy) covers a request for one of its copies.
      const copy = await outcome(place(a, 'p1', [choice(a, 'book', { copyId: a.copies.book![0] })]))
      expect(reasons(copy)).to.deep.equal(['already_held'])
      // …and holding one copy covers a request for the title.
      await placedId(place(a, 'p2', [choice(a, 'book', { copyId: a.copies.book![0] })]))
      const title = await outcome(place(a, 'p2', [choice(a, 'book')]))
      expect(reasons(title)).to.deep.equal(['already_held'])
      // A magazine issue held: that issue again is refused, another issue is not.
      const [sep, oct] = a.copies.magazine!
      await placedId(place(a, 'p3', [choice(a, 'magazine', { copyId: sep })]))
      const again = await outcome(place(a, 'p3', [choice(a, 'magazine', { copyId: sep })]))
      expect(reasons(again)).to.deep.equal(['already_held'])
      const other = await outcome(place(a, 'p3', [choice(a, 'magazine', { copyId: oct })]))
      expect(other.placed.map((p) => p.copyId)).to.deep.equal([oct])
    })

    it('refuses a title (or issue) the patron has on loan, and nothing else', async () => {
      clock.set('2026-11-24T10:00:00')
      const a = await fixture('A')
      await lend(a, 'p1', a.copies.book![0]!)
      const mixed = await outcome(place(a, 'p1', [choice(a, 'popular'), choice(a, 'book')]))
      expect(mixed.placed.map((p) => p.recordId)).to.deep.equal([a.records.popular])
      expect(reasons(mixed)).to.deep.equal(['on_loan_to_patron'])
      const [sep, oct] = a.copies.magazine!
      await lend(a, 'p2', oct!)
      const issues = await outcome(
        place(a, 'p2', [
          choice(a, 'magazine', { copyId: sep }),
          choice(a, 'magazine', { copyId: oct }),
        ]),
      )
      expect(issues.placed.map((p) => p.copyId)).to.deep.equal([sep])
      expect(reasons(issues)).to.deep.equal(['on_loan_to_patron'])
    })

    it('counts accepted items against the limit, refused ones not (rules B: 5)', async () => {
      clock.set('2026-11-24T10:00:00')
      const b = await fixture('B')
      for (const title of ['book', 'popular', 'shelf']) {
        await placedId(place(b, 'p1', [choice(b, title)], { channel: 'counter' }))
      }
      // 3 held: the DVD is refused (視聴覚資料), so both volumes fit (3 + 2 = 5).
      const r = await outcome(
        place(b, 'p1', [choice(b, 'dvd'), choice(b, 'volume1'), choice(b, 'volume2')]),
      )
      expect(reasons(r)).to.deep.equal(['audio_visual'])
      expect(r.placed.map((p) => p.recordId)).to.deep.equal([b.records.volume1, b.records.volume2])
      // 4 held: the first of two items is the fifth, the second would be the sixth.
      for (const title of ['book', 'popular', 'shelf', 'volume3']) {
        await placedId(place(b, 'p2', [choice(b, title)], { channel: 'counter' }))
      }
      const two = await outcome(place(b, 'p2', [choice(b, 'volume1'), choice(b, 'volume2')]))
      expect(two.placed.map((p) => p.recordId)).to.deep.equal([b.records.volume1])
      expect(two.refused.map((x) => x.refusal)).to.deep.equal([
        { ok: false, reason: 'limit_reached', limit: 5, current: 5 },
      ])
    })

    it('lets a patron without an address choose no contact; pickup is checked once chosen', async () => {
      clock.set('2026-11-24T10:00:00')
      const b = await fixture('B')
      const none = await outcome(place(b, 'nomail', [choice(b, 'book', { contact: 'none' })]))
      expect(none.placed.map((p) => p.contact)).to.deep.equal(['none'])
      // The cart before pickup and contact are chosen: nothing to refuse yet.
      expect(
        await holds.preview(b, b.patrons.p1!, [
          { recordId: b.records.book! },
          { recordId: 999_999_999 },
        ]),
      ).to.deep.equal([
        { recordId: b.records.book, title: 'book', issueLabel: '', check: { ok: true } },
        {
          recordId: 999_999_999,
          title: '',
          issueLabel: '',
          check: { ok: false, reason: 'not_found' },
        },
      ])
      expect(await holds.preview(b, 999_999_999, [{ recordId: b.records.book! }])).to.deep.equal([])
    })

    it('refuses an empty confirmation and an unknown patron, storing nothing', async () => {
      const a = await fixture('A')
      expect(
        await holds.place(a, a.patrons.p1!, { key: newRequestKey(), items: [] }),
      ).to.deep.equal({
        ok: false,
        reason: 'empty',
      })
      expect(
        await holds.place(a, 999_999_999, { key: newRequestKey(), items: [choice(a, 'book')] }),
      ).to.deep.equal({ ok: false, reason: 'patron_not_found' })
      expect(await rows(a)).to.deep.equal([])
    })

    it('makes a set of two or more placed holds only (rules A)', async () => {
      clock.set('2026-11-24T10:00:00')
      const a = await fixture('A')
      const pair = await outcome(
        place(a, 'p1', [choice(a, 'volume1'), choice(a, 'volume2')], { asSet: true }),
      )
      const [v1, v2] = pair.placed.map((p) => p.holdId)
      expect(pair.setId).to.equal(v1)
      expect((await rows(a)).map((h) => [h.id, h.set_id, h.set_order])).to.deep.equal([
        [v1, v1, 1],
        [v2, v1, 2],
      ])
      // One of two refused (館内閲覧のみ): a single hold is no set.
      const single = await outcome(
        place(a, 'p2', [choice(a, 'volume3'), choice(a, 'reference')], { asSet: true }),
      )
      expect(single.setId).to.equal(null)
      expect((await hold(a, single.placed[0]!.holdId))!.set_id).to.equal(null)
    })
  })

  describe('before login: what the catalogue says of items (rules B)', () => {
    it('describes titles and issues, leaving out what does not exist', async () => {
      const b = await fixture('B')
      const [sep, oct, nov] = b.copies.magazine!
      const r = b.records
      const described = await holds.describe(b, [
        { recordId: r.book! },
        { recordId: r.magazine!, copyId: oct },
        { recordId: r.magazine!, copyId: nov },
        { recordId: r.magazine! },
        { recordId: 999_999_999 },
        { recordId: r.magazine!, copyId: 999_999_999 },
        { recordId: r.magazine!, copyId: b.copies.book![0] },
        { recordId: r.dvd! },
        { recordId: r.lost! },
        { recordId: r.reference! },
        { recordId: r.magazine!, copyId: sep },
      ])
      expect(described).to.deep.equal([
        { recordId: r.book, title: 'book', issueLabel: '', check: { ok: true } },
        {
          recordId: r.magazine,
          copyId: oct,
          title: 'magazine',
          issueLabel: '2026-10号',
          check: { ok: true },
        },
        {
          recordId: r.magazine,
          copyId: nov,
          title: 'magazine',
          issueLabel: '2026-11号',
          check: { ok: false, reason: 'latest_issue' },
        },
        {
          recordId: r.magazine,
          title: 'magazine',
          issueLabel: '',
          check: { ok: false, reason: 'issue_required' },
        },
        {
          recordId: r.dvd,
          title: 'dvd',
          issueLabel: '',
          check: { ok: false, reason: 'audio_visual' },
        },
        {
          recordId: r.lost,
          title: 'lost',
          issueLabel: '',
          check: { ok: false, reason: 'no_copy' },
        },
        {
          recordId: r.reference,
          title: 'reference',
          issueLabel: '',
          check: { ok: false, reason: 'reference_only' },
        },
        {
          recordId: r.magazine,
          copyId: sep,
          title: 'magazine',
          issueLabel: '2026-09号',
          check: { ok: true },
        },
      ])
    })

    it('describes the detail page’s record from the rows it read', async () => {
      const b = await fixture('B')
      const [sep, , nov] = b.copies.magazine!
      const copies = await t.db
        .selectFrom('copy')
        .select(['id', 'status', 'issue_label', 'issue_date', 'reference_only'])
        .where('record_id', '=', b.records.magazine!)
        .orderBy('id')
        .execute()
      const record = {
        id: b.records.magazine!,
        title: 'magazine',
        material_type: 'magazine' as const,
      }
      expect(
        holds.describeLoaded(b, record, copies, [
          { recordId: record.id, copyId: sep },
          { recordId: record.id, copyId: nov },
        ]),
      ).to.deep.equal([
        {
          recordId: record.id,
          copyId: sep,
          title: 'magazine',
          issueLabel: '2026-09号',
          check: { ok: true },
        },
        {
          recordId: record.id,
          copyId: nov,
          title: 'magazine',
          issueLabel: '2026-11号',
          check: { ok: false, reason: 'latest_issue' },
        },
      ])
    })
  })

  describe('the list, changes and cancellation (rules B)', () => {
    it('shows what each status allows', async () => {
      clock.set('2026-11-24T10:00:00')
      const b = await fixture('B')
      await placedId(place(b, 'p1', [choice(b, 'book')])) // web: 依頼中 until tomorrow 08:30
      await placedId(place(b, 'p1', [choice(b, 'popular')], { channel: 'counter' }))
      await placedId(place(b, 'p1', [choice(b, 'volume1')], { channel: 'counter' }))
      // The volume comes back at the west branch: on its way to the central one.
      expect(await holds.copyReturned(b, b.copies.volume1![0]!, b.branchIds.west)).to.deep.include({
        action: 'send',
        toBranchId: b.branchIds.central,
      })
      const view = async (lib: FixtureLibrary) =>
        (await holds.list(lib, b.patrons.p1!)).map((h) => [
          h.title,
          h.status,
          h.waitWeeks,
          h.cancellable,
          h.pickupChangeable,
        ])
      // popular: position 1 of 2 copies → 1 round of 14 days = 2 weeks.
      expect(await view(b)).to.deep.equal([
        ['book', 'requested', null, true, true],
        ['popular', 'waiting', 2, true, true],
        ['volume1', 'in_transit', null, false, false],
      ])
      const lenient = withSettings(b, { readyHoldsCancellableOnline: true })
      expect((await view(lenient)).map((v) => v[3])).to.deep.equal([true, true, true])
    })

    it('changes pickup while not yet secured, to pickup branches only, and the contact', async () => {
      clock.set('2026-11-24T10:00:00')
      const b = await fixture('B')
      const p1 = b.patrons.p1!
      const id = await placedId(place(b, 'p1', [choice(b, 'book')])) // 依頼中
      expect(await holds.change(b, p1, id, { pickupBranchId: b.branchIds.east })).to.deep.include({
        ok: true,
        changed: true,
      })
      expect((await hold(b, id))!.pickup_branch_id).to.equal(b.branchIds.east)
      expect(await holds.change(b, p1, id, { pickupBranchId: 999_999_999 })).to.deep.equal({
        ok: false,
        reason: 'pickup_invalid',
      })
      const westClosed = {
        ...b,
        branches: b.branches.map((x) => (x.id === b.branchIds.west ? { ...x, is_pickup: 0 } : x)),
      }
      expect(
        await holds.change(westClosed, p1, id, { pickupBranchId: b.branchIds.west }),
      ).to.deep.equal({ ok: false, reason: 'pickup_invalid' })
      expect((await hold(b, id))!.pickup_branch_id).to.equal(b.branchIds.east)
      // The contact: the same again changes nothing; none and back to e-mail do.
      expect(await holds.change(b, p1, id, { contact: 'email' })).to.deep.include({
        changed: false,
      })
      expect(await holds.change(b, p1, id, { contact: 'none' })).to.deep.include({ changed: true })
      expect((await hold(b, id))!.contact_method).to.equal('none')
      expect(await holds.change(b, p1, id, { contact: 'email' })).to.deep.include({
        ok: true,
        changed: true,
      })
      expect((await hold(b, id))!.contact_method).to.equal('email')
      // E-mail needs an address.
      const other = await placedId(place(b, 'nomail', [choice(b, 'book', { contact: 'none' })]))
      expect(await holds.change(b, b.patrons.nomail!, other, { contact: 'email' })).to.deep.equal({
        ok: false,
        reason: 'email_not_registered',
      })
      expect((await hold(b, other))!.contact_method).to.equal('none')
      // A cancelled hold is changed no more.
      await holds.cancel(b, p1, id)
      expect(await holds.change(b, p1, id, { contact: 'none' })).to.deep.equal({
        ok: false,
        reason: 'not_active',
      })
      expect((await hold(b, id))!.contact_method).to.equal('email')
    })

    it('after the address is removed, an e-mail hold may switch to no contact, not back', async () => {
      clock.set('2026-11-24T10:00:00')
      const b = await fixture('B')
      const p1 = b.patrons.p1!
      const id = await placedId(place(b, 'p1', [choice(b, 'book', { contact: 'email' })]))
      await t.db.updateTable('patron').set({ email: null }).where('id', '=', p1).execute()
      expect(await holds.change(b, p1, id, { contact: 'none' })).to.deep.include({
        ok: true,
        changed: true,
      })
      expect((await hold(b, id))!.contact_method).to.equal('none')
      expect(await holds.change(b, p1, id, { contact: 'email' })).to.deep.equal({
        ok: false,
        reason: 'email_not_registered',
      })
    })

    it('does not cancel online a hold on its way, nor one already collected', async () => {
      clock.set('2026-11-24T10:00:00')
      const b = await fixture('B')
      const p1 = b.patrons.p1!
      const onItsWay = await placedId(place(b, 'p1', [choice(b, 'book')], { channel: 'counter' }))
      await holds.copyReturned(b, b.copies.book![0]!, b.branchIds.east)
      expect(await holds.cancel(b, p1, onItsWay)).to.deep.equal({
        ok: false,
        reason: 'ready',
        pickupBranchId: b.branchIds.central,
      })
      expect((await hold(b, onItsWay))!.status).to.equal('in_transit')
      const collected = await placedId(
        place(b, 'p1', [choice(b, 'volume1')], { channel: 'counter' }),
      )
      await holds.copyReturned(b, b.copies.volume1![0]!, b.branchIds.central)
      await holds.copyCheckedOut(b, b.copies.volume1![0]!, p1)
      expect(await holds.cancel(b, p1, collected)).to.deep.equal({
        ok: false,
        reason: 'not_active',
      })
      expect((await hold(b, collected))!.status).to.equal('collected')
    })

    it('where ready holds may be cancelled online, the copy goes to the next hold', async () => {
      clock.set('2026-11-24T10:00:00')
      const b = withSettings(await fixture('B'), { readyHoldsCancellableOnline: true })
      const first = await placedId(place(b, 'p1', [choice(b, 'book')], { channel: 'counter' }))
      const second = await placedId(place(b, 'p2', [choice(b, 'book')], { channel: 'counter' }))
      const copy = b.copies.book![0]!
      await holds.copyReturned(b, copy, b.branchIds.central)
      expect(await holds.cancel(b, b.patrons.p1!, first)).to.deep.include({ ok: true })
      expect((await hold(b, first))!.status).to.equal('cancelled')
      // Secured Tue 11-24 for p2 at the same branch: Wed 25 … Sun 29 (5), Mon closed,
      // Tue 12-01 (6), Wed 12-02 (7).
      expect(await hold(b, second)).to.include({
        status: 'ready',
        trapped_copy_id: copy,
        pickup_deadline: '2026-12-02',
      })
      expect(await copyStatus(b, copy)).to.equal('on_hold_shelf')
      // The last hold cancelled: the copy goes back to the shelf.
      await holds.cancel(b, b.patrons.p2!, second)
      expect(await copyStatus(b, copy)).to.equal('available')
    })
  })

  describe('set holds', () => {
    it('rules B have no set holds to reorder', async () => {
      const b = await fixture('B')
      expect(await holds.reorderSet(b, b.patrons.p1!, 1, [])).to.deep.equal({
        ok: false,
        reason: 'not_enabled',
      })
    })

    it('reorders 依頼中 members too', async () => {
      clock.set('2026-11-24T10:00:00')
      const b = withSettings(await fixture('B'), { setHoldsEnabled: true })
      const set = await outcome(
        place(b, 'p1', [choice(b, 'volume1'), choice(b, 'volume2'), choice(b, 'volume3')], {
          asSet: true,
        }),
      )
      const [v1, v2, v3] = set.placed.map((p) => p.holdId)
      expect(set.placed.map((p) => p.status)).to.deep.equal(['requested', 'requested', 'requested'])
      const r = await holds.reorderSet(b, b.patrons.p1!, set.setId!, [v3!, v1!, v2!])
      expect(r.ok && r.members.map((m) => [m.id, m.set_order])).to.deep.equal([
        [v3, 1],
        [v1, 2],
        [v2, 3],
      ])
    })

    it('receives in the new order, members already secured first; only exact orders are taken', async () => {
      clock.set('2026-11-24T10:00:00')
      const a = await fixture('A')
      const set = await outcome(
        place(a, 'p1', [choice(a, 'volume1'), choice(a, 'volume2'), choice(a, 'volume3')], {
          asSet: true,
        }),
      )
      const setId = set.setId!
      const [v1, v2, v3] = set.placed.map((p) => p.holdId)
      const vol = (n: 1 | 2 | 3) => a.copies[`volume${n}`]![0]!
      await holds.copyReturned(a, vol(1), a.branchIds.central) // volume 1 ready
      const p1 = a.patrons.p1!
      expect(await holds.reorderSet(a, a.patrons.p2!, setId, [v3!, v2!])).to.deep.equal({
        ok: false,
        reason: 'not_found',
      })
      expect(await holds.reorderSet(a, p1, 999_999_999, [])).to.deep.equal({
        ok: false,
        reason: 'not_found',
      })
      for (const bad of [[v3!], [v2!, v2!], [v1!, v3!], [v3!, v2!, v1!]]) {
        expect(await holds.reorderSet(a, p1, setId, bad)).to.deep.equal({
          ok: false,
          reason: 'bad_order',
        })
      }
      const r = await holds.reorderSet(a, p1, setId, [v3!, v2!])
      expect(r.ok && r.members.map((m) => m.id)).to.deep.equal([v1, v3, v2])
      // Volume 3 is next, but only once volume 1 is lent.
      expect(await holds.copyReturned(a, vol(3), a.branchIds.west)).to.deep.equal({
        action: 'shelve',
      })
      await holds.copyCheckedOut(a, vol(1), p1)
      expect(await holds.trapShelfCopies(a)).to.deep.equal([
        // the volumes' shelves are at the west branch; the pickup branch is the central one
        { action: 'send', holdId: v3, patronId: p1, toBranchId: a.branchIds.central },
      ])
      // Volume 2 now waits for volume 3.
      expect(await holds.copyReturned(a, vol(2), a.branchIds.west)).to.deep.equal({
        action: 'shelve',
      })
    })

    it('splits a set for its own patron only', async () => {
      clock.set('2026-11-24T10:00:00')
      const a = await fixture('A')
      const set = await outcome(
        place(a, 'p1', [choice(a, 'volume1'), choice(a, 'volume2')], { asSet: true }),
      )
      const setId = set.setId!
      expect(await holds.splitSet(a, a.patrons.p2!, setId)).to.deep.equal({
        ok: false,
        reason: 'not_found',
      })
      expect(await holds.splitSet(a, a.patrons.p1!, 999_999_999)).to.deep.equal({
        ok: false,
        reason: 'not_found',
      })
      expect((await rows(a)).map((h) => h.set_id)).to.deep.equal([setId, setId])
      expect((await holds.splitSet(a, a.patrons.p1!, setId)).ok).to.equal(true)
      expect((await rows(a)).map((h) => [h.set_id, h.set_order])).to.deep.equal([
        [null, null],
        [null, null],
      ])
    })
  })

  describe('copies at the counter and the jobs (rules A)', () => {
    it('a copy on its way scanned elsewhere travels on; a ready copy scanned again stays ready', async () => {
      clock.set('2026-11-24T10:00:00')
      const a = await fixture('A')
      const id = await placedId(place(a, 'p1', [choice(a, 'book')]))
      const copy = a.copies.book![0]!
      const p1 = a.patrons.p1!
      const send = { action: 'send', holdId: id, patronId: p1, toBranchId: a.branchIds.central }
      expect(await holds.copyReturned(a, copy, a.branchIds.west)).to.deep.equal(send)
      expect(await holds.copyReturned(a, copy, a.branchIds.east)).to.deep.equal(send)
      expect(await hold(a, id)).to.include({ status: 'in_transit', pickup_deadline: null })
      const shelf = {
        action: 'hold_shelf',
        holdId: id,
        patronId: p1,
        pickupBranchId: a.branchIds.central,
      }
      expect(await holds.copyReturned(a, copy, a.branchIds.central)).to.deep.equal(shelf)
      // Notice Tue 11-24 + 8 days: Wed 12-02, open.
      expect(await hold(a, id)).to.include({ status: 'ready', pickup_deadline: '2026-12-02' })
      clock.set('2026-11-26T10:00:00')
      expect(await holds.copyReturned(a, copy, a.branchIds.central)).to.deep.equal(shelf)
      expect(await holds.copyReturned(a, copy, a.branchIds.west)).to.deep.equal(shelf)
      expect(await hold(a, id)).to.include({ status: 'ready', pickup_deadline: '2026-12-02' })
      expect(await notices(a)).to.deep.equal([{ hold_id: id, kind: 'ready' }])
    })

    it('a reference-only copy is not secured for a hold; it stays on the shelf', async () => {
      clock.set('2026-11-24T10:00:00')
      const a = await fixture('A')
      const id = await placedId(place(a, 'p1', [choice(a, 'book')]))
      const inserted = await t.db
        .insertInto('copy')
        .values({
          library_id: a.library.id,
          record_id: a.records.book!,
          branch_id: a.branchIds.central,
          barcode: `${a.slug}-ref`,
          call_number: '913/テ',
          shelf_location: 'reference',
          status: 'available',
          reference_only: 1,
          issue_label: '',
          issue_date: null,
          acquired_on: '2026-01-10',
        })
        .executeTakeFirstOrThrow()
      const reference = Number(inserted.insertId)
      expect(await holds.copyReturned(a, reference, a.branchIds.central)).to.deep.equal({
        action: 'shelve',
      })
      expect((await hold(a, id))!.status).to.equal('waiting')
      expect(await copyStatus(a, reference)).to.equal('available')
    })

    it('a copy lost from the hold shelf is not passed on when its hold expires; no notice without contact', async () => {
      clock.set('2026-11-24T10:00:00')
      const a = await fixture('A')
      const first = await placedId(place(a, 'p1', [choice(a, 'book', { contact: 'none' })]))
      const second = await placedId(place(a, 'p2', [choice(a, 'book')]))
      const copy = a.copies.book![0]!
      await holds.copyReturned(a, copy, a.branchIds.central) // ready until Wed 12-02
      await t.db.updateTable('copy').set({ status: 'missing' }).where('id', '=', copy).execute()
      clock.set('2026-12-03T06:00:00')
      expect(await holds.expireUncollected(a)).to.deep.equal({
        expired: 1,
        passedOn: [{ action: 'shelve' }],
      })
      expect((await hold(a, first))!.status).to.equal('expired')
      expect(await hold(a, second)).to.include({ status: 'waiting', trapped_copy_id: null })
      expect(await copyStatus(a, copy)).to.equal('missing')
      expect(await notices(a)).to.deep.equal([])
    })

    it('jobs leave alone a copy lent, or a hold collected, after they read it', async () => {
      clock.set('2026-11-24T10:00:00')
      const a = await fixture('A')
      const waiting = await placedId(place(a, 'p1', [choice(a, 'shelf')]))
      const copy = a.copies.shelf![0]!
      // The shelf job reads the copy; before it locks it, the copy is lent at the counter.
      const lentMeanwhile = holdService({
        holds: {
          ...repo,
          async shelfCopiesWanted(libraryId, limit) {
            const wanted = await repo.shelfCopiesWanted(libraryId, limit)
            await t.db
              .updateTable('copy')
              .set({ status: 'on_loan' })
              .where('id', '=', copy)
              .execute()
            return wanted
          },
        },
        calendars: calendarRepository(t.db),
        clock,
      })
      expect(await lentMeanwhile.trapShelfCopies(a)).to.deep.equal([])
      expect((await hold(a, waiting))!.status).to.equal('waiting')
      expect(await copyStatus(a, copy)).to.equal('on_loan')

      const ready = await placedId(place(a, 'p2', [choice(a, 'book')]))
      const book = a.copies.book![0]!
      await holds.copyReturned(a, book, a.branchIds.central)
      clock.set('2026-12-03T06:00:00')
      // The expiry job reads the hold; before it locks it, the patron collects the copy.
      const collectedMeanwhile = holdService({
        holds: {
          ...repo,
          async pastDeadline(libraryId, today) {
            const due = await repo.pastDeadline(libraryId, today)
            await holds.copyCheckedOut(a, book, a.patrons.p2!)
            return due
          },
        },
        calendars: calendarRepository(t.db),
        clock,
      })
      expect(await collectedMeanwhile.expireUncollected(a)).to.deep.equal({
        expired: 0,
        passedOn: [],
      })
      expect((await hold(a, ready))!.status).to.equal('collected')
    })
  })
})
