// Hold eligibility under both presets (SPEC.md §4): who, what and how many, and the one reason
// a page shows when several rules refuse.
import { expect } from 'chai'
import {
  checkHold,
  estimatedWaitWeeks,
  latestIssueId,
  supplyingCopies,
} from '../../../server/services/hold-eligibility.ts'
import type { HoldCandidate } from '../../../server/services/hold-eligibility.ts'
import { PRESETS } from '../../../server/services/library-settings.ts'

const A = PRESETS.A
const B = PRESETS.B
const TODAY = '2026-11-24'

const book = (over: Partial<HoldCandidate> = {}): HoldCandidate => ({
  patron: {
    residency: 'resident',
    birth_date: '1980-05-01',
    disability_service: 0,
    password_hash: 'scrypt$…',
  },
  record: { material_type: 'book' },
  copies: [
    { id: 1, status: 'on_loan', reference_only: 0, issue_date: null },
    { id: 2, status: 'available', reference_only: 0, issue_date: null },
  ],
  activeHolds: 0,
  holdsThis: false,
  borrowsThis: false,
  channel: 'web',
  ...over,
})

const magazine = (copyId?: number): HoldCandidate =>
  book({
    record: { material_type: 'magazine' },
    copies: [
      { id: 10, status: 'available', reference_only: 0, issue_date: '2026-09-01' },
      { id: 11, status: 'on_loan', reference_only: 0, issue_date: '2026-10-01' },
      { id: 12, status: 'available', reference_only: 1, issue_date: '2026-11-01' },
    ],
    copyId,
  })

describe('hold eligibility', () => {
  it('lets an adult resident with a password hold a book under both presets', () => {
    expect(checkHold(A, TODAY, book())).to.deep.equal({ ok: true })
    expect(checkHold(B, TODAY, book())).to.deep.equal({ ok: true })
  })

  it('rules B: only residents, workers and students; rules A: anyone registered', () => {
    for (const residency of ['resident', 'worker', 'student'] as const) {
      const c = book({ patron: { ...book().patron, residency } })
      expect(checkHold(B, TODAY, c).ok, residency).to.equal(true)
    }
    const visitor = book({ patron: { ...book().patron, residency: 'non_resident' } })
    expect(checkHold(B, TODAY, visitor)).to.deep.equal({ ok: false, reason: 'not_resident' })
    expect(checkHold(A, TODAY, visitor)).to.deep.equal({ ok: true })
    // At the counter too: who may hold is not a question of the channel.
    expect(checkHold(B, TODAY, { ...visitor, channel: 'counter' }).ok).to.equal(false)
  })

  it('rules B: online holds from elementary-school age; the counter is not refused for age', () => {
    const child = book({ patron: { ...book().patron, birth_date: '2020-10-01' } })
    expect(checkHold(B, TODAY, child)).to.deep.equal({ ok: false, reason: 'under_age' })
    expect(checkHold(A, TODAY, child).ok).to.equal(true)
    expect(checkHold(B, TODAY, { ...child, channel: 'counter' }).ok).to.equal(true)
    // First grade from the April after the 6th birthday (born 2020-04-01 → 2026-04-01).
    const pupil = book({ patron: { ...book().patron, birth_date: '2020-04-01' } })
    expect(checkHold(B, TODAY, pupil).ok).to.equal(true)
  })

  it('a web hold needs a password, a telephone hold does not', () => {
    const none = book({ patron: { ...book().patron, password_hash: null } })
    expect(checkHold(A, TODAY, none)).to.deep.equal({ ok: false, reason: 'no_password' })
    expect(checkHold(A, TODAY, { ...none, channel: 'phone' }).ok).to.equal(true)
  })

  it('rules B refuse audio-visual material; rules A hold it', () => {
    for (const type of ['cd', 'dvd', 'video', 'cassette'] as const) {
      const c = book({ record: { material_type: type } })
      expect(checkHold(B, TODAY, c), type).to.deep.equal({ ok: false, reason: 'audio_visual' })
      expect(checkHold(A, TODAY, c).ok, type).to.equal(true)
    }
    const other = { ...B, notHoldableMaterialTypes: ['kamishibai' as const] }
    expect(
      checkHold(other, TODAY, book({ record: { material_type: 'kamishibai' } })),
    ).to.deep.equal({ ok: false, reason: 'not_holdable_type' })
  })

  it('refuses a title whose every copy is for the library only, under both presets', () => {
    const c = book({
      copies: [
        { id: 1, status: 'available', reference_only: 1, issue_date: null },
        { id: 2, status: 'on_loan', reference_only: true, issue_date: null },
      ],
    })
    expect(checkHold(A, TODAY, c)).to.deep.equal({ ok: false, reason: 'reference_only' })
    expect(checkHold(B, TODAY, c)).to.deep.equal({ ok: false, reason: 'reference_only' })
    expect(checkHold({ ...A, referenceOnlyHoldable: true }, TODAY, c).ok).to.equal(true)
  })

  it('holds magazines issue by issue, never the latest issue', () => {
    expect(latestIssueId(magazine().copies)).to.equal(12)
    expect(checkHold(A, TODAY, magazine())).to.deep.equal({ ok: false, reason: 'issue_required' })
    expect(checkHold(B, TODAY, magazine(12))).to.deep.equal({ ok: false, reason: 'latest_issue' })
    expect(checkHold(A, TODAY, magazine(11))).to.deep.equal({ ok: true })
    expect(checkHold(B, TODAY, magazine(10))).to.deep.equal({ ok: true })
    expect(checkHold(B, TODAY, magazine(99))).to.deep.equal({ ok: false, reason: 'no_copy' })
  })

  it('refuses a title with no copy that could ever be supplied', () => {
    expect(checkHold(A, TODAY, book({ copies: [] }))).to.deep.equal({
      ok: false,
      reason: 'no_copy',
    })
    const lost = book({
      copies: [{ id: 1, status: 'missing', reference_only: 0, issue_date: null }],
    })
    expect(checkHold(A, TODAY, lost)).to.deep.equal({ ok: false, reason: 'no_copy' })
    // One lost copy and one on loan: the one on loan comes back.
    const half = book({
      copies: [
        { id: 1, status: 'missing', reference_only: 0, issue_date: null },
        { id: 2, status: 'on_loan', reference_only: 0, issue_date: null },
      ],
    })
    expect(checkHold(A, TODAY, half).ok).to.equal(true)
  })

  it('refuses a title the patron already holds or has on loan', () => {
    expect(checkHold(A, TODAY, book({ holdsThis: true }))).to.deep.equal({
      ok: false,
      reason: 'already_held',
    })
    expect(checkHold(B, TODAY, book({ borrowsThis: true }))).to.deep.equal({
      ok: false,
      reason: 'on_loan_to_patron',
    })
  })

  it('counts every active hold and the ones placed with it against the limit (B 5, A 10)', () => {
    expect(checkHold(B, TODAY, book({ activeHolds: 4 })).ok).to.equal(true)
    expect(checkHold(B, TODAY, book({ activeHolds: 5 }))).to.deep.equal({
      ok: false,
      reason: 'limit_reached',
      limit: 5,
      current: 5,
    })
    expect(checkHold(B, TODAY, book({ activeHolds: 3, alsoPlacing: 2 }))).to.deep.equal({
      ok: false,
      reason: 'limit_reached',
      limit: 5,
      current: 5,
    })
    expect(checkHold(A, TODAY, book({ activeHolds: 9 })).ok).to.equal(true)
    expect(checkHold(A, TODAY, book({ activeHolds: 10 })).ok).to.equal(false)
    // SPEC §10: 3 counter holds and 1 telephone hold leave room for 1 web hold under rules B.
    expect(checkHold(B, TODAY, book({ activeHolds: 4, channel: 'web' })).ok).to.equal(true)
    expect(checkHold(B, TODAY, book({ activeHolds: 5, channel: 'counter' })).ok).to.equal(false)
  })

  it('names the reason the patron can do least about when several apply', () => {
    const everything = book({
      patron: { ...book().patron, residency: 'non_resident' },
      record: { material_type: 'dvd' },
      holdsThis: true,
      activeHolds: 9,
    })
    expect(checkHold(B, TODAY, everything)).to.deep.equal({ ok: false, reason: 'not_resident' })
    const item = book({ record: { material_type: 'dvd' }, holdsThis: true, activeHolds: 9 })
    expect(checkHold(B, TODAY, item)).to.deep.equal({ ok: false, reason: 'audio_visual' })
    expect(checkHold(B, TODAY, book({ holdsThis: true, activeHolds: 9 }))).to.deep.equal({
      ok: false,
      reason: 'already_held',
    })
  })

  it('counts the copies that can supply a hold', () => {
    expect(supplyingCopies(A, book().copies)).to.equal(2)
    expect(supplyingCopies(A, magazine().copies)).to.equal(2)
    expect(supplyingCopies(A, magazine().copies, 11)).to.equal(1)
    expect(supplyingCopies({ referenceOnlyHoldable: true }, magazine().copies)).to.equal(3)
    // One issue asked for: that copy only.
    expect(supplyingCopies({ referenceOnlyHoldable: true }, magazine().copies, 10)).to.equal(1)
    // A missing copy never supplies a hold.
    const lost = [
      ...book().copies,
      { id: 3, status: 'missing' as const, reference_only: 0, issue_date: null },
    ]
    expect(supplyingCopies(A, lost)).to.equal(2)
  })

  it('finds the newest issue whatever the order of the copies', () => {
    expect(latestIssueId([...magazine().copies].reverse())).to.equal(12)
    const sameDay = [
      { id: 20, status: 'available' as const, reference_only: 0, issue_date: '2026-11-01' },
      { id: 21, status: 'available' as const, reference_only: 0, issue_date: '2026-11-01' },
    ]
    expect(latestIssueId(sameDay)).to.equal(20)
    expect(latestIssueId(book().copies)).to.equal(undefined)
  })

  it('estimates the wait from the position, the copies and the loan period', () => {
    expect(estimatedWaitWeeks(1, 1, 14)).to.equal(2)
    expect(estimatedWaitWeeks(3, 1, 14)).to.equal(6)
    expect(estimatedWaitWeeks(3, 2, 14)).to.equal(4)
    expect(estimatedWaitWeeks(2, 4, 14)).to.equal(2)
    expect(estimatedWaitWeeks(1, 0, 14)).to.equal(null)
    // No position (a hold not yet in the queue): no estimate.
    expect(estimatedWaitWeeks(0, 2, 14)).to.equal(null)
  })
})
