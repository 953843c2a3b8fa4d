import { expect } from 'chai'
import { AUDIO_VISUAL_TYPES } from '../../../server/db/schema.ts'
import type { MaterialType } from '../../../server/db/schema.ts'
import { libraryCalendar } from '../../../server/services/calendar-service.ts'
import { PRESETS } from '../../../server/services/library-settings.ts'
import type { LibrarySettings } from '../../../server/services/library-settings.ts'
import { checkRenewal, renewedDueDate } from '../../../server/services/renewal-service.ts'
import type { RenewalInput, RenewalRefusal } from '../../../server/services/renewal-service.ts'

/** SPEC.md §10: closed every Monday and from 2026-12-29 to 2027-01-03. */
const calendar = libraryCalendar(
  [1],
  ['2026-12-29', '2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02', '2027-01-03'].map(
    (day) => ({ day, is_open: 0 }),
  ),
)

type LoanFields = RenewalInput['loan']

function input(
  settings: LibrarySettings,
  today: string,
  loan: Partial<LoanFields> = {},
  extra: Partial<Omit<RenewalInput, 'loan' | 'settings' | 'today'>> = {},
): RenewalInput {
  return {
    loan: {
      id: 1,
      loaned_on: '2026-11-17',
      due_on: '2026-12-01',
      renewal_count: 0,
      material_type: 'book',
      ...loan,
    },
    otherActiveHolds: 0,
    settings,
    calendar,
    today,
    ...extra,
  }
}

const ALL_REASONS: RenewalRefusal[] = [
  'overdue',
  'reserved',
  'already_renewed',
  'audio_visual',
  'not_renewable_type',
  'too_early',
  'no_later_due',
]

describe('renewal-service', () => {
  for (const [name, settings] of [
    ['A', PRESETS.A],
    ['B', PRESETS.B],
  ] as const) {
    describe(`checkRenewal under rules ${name}`, () => {
      describe('new due date: the day of the renewal + 14 days, never a closed day', () => {
        // Days whose 13th and 15th days are open too, so 13 or 15 days would give another date.
        it('renewed Wed 2026-11-25 → due Wed 2026-12-09 (not Tue 12-08, not Thu 12-10)', () => {
          expect(calendar.isOpen('2026-12-08')).to.equal(true)
          expect(calendar.isOpen('2026-12-10')).to.equal(true)
          expect(checkRenewal(input(settings, '2026-11-25'))).to.deep.equal({
            ok: true,
            newDueOn: '2026-12-09',
            keepsCurrentDue: false,
          })
        })

        it('renewed online on closed Mon 2026-11-23 → 12-07 is closed → due Tue 2026-12-08', () => {
          expect(calendar.isOpen('2026-11-23')).to.equal(false)
          expect(checkRenewal(input(settings, '2026-11-23'))).to.deep.equal({
            ok: true,
            newDueOn: '2026-12-08',
            keepsCurrentDue: false,
          })
        })

        it('renewed Sun 2026-12-20 → 01-03 and Mon 01-04 closed → due Tue 2027-01-05', () => {
          const check = checkRenewal(
            input(settings, '2026-12-20', { loaned_on: '2026-12-13', due_on: '2026-12-27' }),
          )
          expect(check).to.deep.equal({ ok: true, newDueOn: '2027-01-05', keepsCurrentDue: false })
        })

        it('renewed Wed 2026-12-16 → 12-30 in the New Year closure → due Tue 2027-01-05', () => {
          const check = checkRenewal(
            input(settings, '2026-12-16', { loaned_on: '2026-12-06', due_on: '2026-12-20' }),
          )
          expect(check).to.deep.equal({ ok: true, newDueOn: '2027-01-05', keepsCurrentDue: false })
        })
      })

      describe('overdue', () => {
        it('due today is still renewable', () => {
          // Wed 12-02 + 14 = Wed 12-16 (12-15 and 12-17 are open: 13 or 15 days would differ).
          const check = checkRenewal(input(settings, '2026-12-02', { due_on: '2026-12-02' }))
          expect(check).to.deep.equal({ ok: true, newDueOn: '2026-12-16', keepsCurrentDue: false })
        })

        it('due yesterday is overdue (延滞) and refused', () => {
          expect(
            checkRenewal(input(settings, '2026-12-02', { due_on: '2026-12-01' })),
          ).to.deep.equal({ ok: false, reason: 'overdue' })
        })

        it('long overdue is refused', () => {
          expect(checkRenewal(input(settings, '2027-03-01'))).to.deep.equal({
            ok: false,
            reason: 'overdue',
          })
        })

        it('another overdue loan of the patron does not refuse this one', () => {
          const check = checkRenewal(
            input(settings, '2026-11-24', {}, { patron: { hasOverdueLoans: true } }),
          )
          expect(check.ok).to.equal(true)
        })
      })

      describe('reserved', () => {
        it('one active hold by another patron refuses the renewal', () => {
          expect(
            checkRenewal(input(settings, '2026-11-24', {}, { otherActiveHolds: 1 })),
          ).to.deep.equal({ ok: false, reason: 'reserved' })
        })

        it('several holds refuse it too', () => {
          expect(
            checkRenewal(input(settings, '2026-11-24', {}, { otherActiveHolds: 4 })).ok,
          ).to.equal(false)
        })
      })

      describe('already_renewed', () => {
        it('a loan renewed once is not renewed again', () => {
          expect(checkRenewal(input(settings, '2026-11-24', { renewal_count: 1 }))).to.deep.equal({
            ok: false,
            reason: 'already_renewed',
          })
        })

        it('follows maxRenewals', () => {
          const twice = { ...settings, maxRenewals: 2 }
          expect(checkRenewal(input(twice, '2026-11-24', { renewal_count: 1 })).ok).to.equal(true)
          expect(checkRenewal(input(twice, '2026-11-24', { renewal_count: 2 }))).to.deep.equal({
            ok: false,
            reason: 'already_renewed',
          })
          const never = { ...settings, maxRenewals: 0 }
          expect(checkRenewal(input(never, '2026-11-24', { renewal_count: 0 }))).to.deep.equal({
            ok: false,
            reason: 'already_renewed',
          })
        })
      })

      describe('material types', () => {
        for (const type of AUDIO_VISUAL_TYPES) {
          it(`${type}: ${name === 'B' ? 'refused as audio-visual' : 'renewable'}`, () => {
            const check = checkRenewal(input(settings, '2026-11-24', { material_type: type }))
            if (name === 'B') {
              expect(check).to.deep.equal({ ok: false, reason: 'audio_visual' })
            } else {
              expect(check).to.deep.equal({
                ok: true,
                newDueOn: '2026-12-08',
                keepsCurrentDue: false,
              })
            }
          })
        }

        for (const type of ['book', 'magazine', 'kamishibai'] as MaterialType[]) {
          it(`${type}: renewable`, () => {
            expect(
              checkRenewal(input(settings, '2026-11-24', { material_type: type })).ok,
            ).to.equal(true)
          })
        }

        it('a non-AV type listed in notRenewableMaterialTypes is not_renewable_type', () => {
          const noKamishibai: LibrarySettings = {
            ...settings,
            notRenewableMaterialTypes: [...settings.notRenewableMaterialTypes, 'kamishibai'],
          }
          expect(
            checkRenewal(input(noKamishibai, '2026-11-24', { material_type: 'kamishibai' })),
          ).to.deep.equal({ ok: false, reason: 'not_renewable_type' })
          expect(
            checkRenewal(input(noKamishibai, '2026-11-24', { material_type: 'book' })).ok,
          ).to.equal(true)
        })

        it('an AV type listed under another preset is audio_visual', () => {
          const noDvd: LibrarySettings = { ...settings, notRenewableMaterialTypes: ['dvd'] }
          expect(checkRenewal(input(noDvd, '2026-11-24', { material_type: 'dvd' }))).to.deep.equal({
            ok: false,
            reason: 'audio_visual',
          })
          expect(checkRenewal(input(noDvd, '2026-11-24', { material_type: 'cd' })).ok).to.equal(
            true,
          )
        })
      })

      describe('too_early (renewalWindowDays: 7)', () => {
        const windowed: LibrarySettings = { ...settings, renewalWindowDays: 7 }
        const loan = { loaned_on: '2026-11-24', due_on: '2026-12-08' }

        it('before the window: refused, with the first day renewal is possible', () => {
          expect(checkRenewal(input(windowed, '2026-11-30', loan))).to.deep.equal({
            ok: false,
            reason: 'too_early',
            from: '2026-12-01',
          })
          expect(checkRenewal(input(windowed, '2026-11-25', loan))).to.deep.equal({
            ok: false,
            reason: 'too_early',
            from: '2026-12-01',
          })
        })

        it('on the first day of the window and on the due date: renewed', () => {
          expect(checkRenewal(input(windowed, '2026-12-01', loan))).to.deep.equal({
            ok: true,
            newDueOn: '2026-12-15',
            keepsCurrentDue: false,
          })
          expect(checkRenewal(input(windowed, '2026-12-08', loan))).to.deep.equal({
            ok: true,
            newDueOn: '2026-12-22',
            keepsCurrentDue: false,
          })
        })

        it('window 0: only on the due date', () => {
          const dueDayOnly = { ...settings, renewalWindowDays: 0 }
          expect(checkRenewal(input(dueDayOnly, '2026-12-07', loan))).to.deep.equal({
            ok: false,
            reason: 'too_early',
            from: '2026-12-08',
          })
          expect(checkRenewal(input(dueDayOnly, '2026-12-08', loan)).ok).to.equal(true)
        })

        it(`the preset itself has no window (${String(settings.renewalWindowDays)})`, () => {
          expect(settings.renewalWindowDays).to.equal(null)
          expect(checkRenewal(input(settings, '2026-11-25', loan)).ok).to.equal(true)
        })
      })

      describe('no_later_due', () => {
        it('borrowed today and renewed today: nothing changes', () => {
          expect(
            checkRenewal(
              input(settings, '2026-11-24', { loaned_on: '2026-11-24', due_on: '2026-12-08' }),
            ),
          ).to.deep.equal({ ok: false, reason: 'no_later_due' })
        })

        it('due date already pushed past the New Year: not later for a few days', () => {
          // Borrowed Sun 12-20: due 01-03 is closed → 01-05.
          const loan = { loaned_on: '2026-12-20', due_on: '2027-01-05' }
          for (const day of ['2026-12-20', '2026-12-21', '2026-12-22']) {
            expect(checkRenewal(input(settings, day, loan)), day).to.deep.equal({
              ok: false,
              reason: 'no_later_due',
            })
          }
          expect(checkRenewal(input(settings, '2026-12-23', loan))).to.deep.equal({
            ok: true,
            newDueOn: '2027-01-06',
            keepsCurrentDue: false,
          })
        })

        it('a new due date earlier than the current one is refused as well', () => {
          const check = checkRenewal(
            input(settings, '2026-11-24', { loaned_on: '2026-11-20', due_on: '2026-12-18' }),
          )
          expect(check).to.deep.equal({ ok: false, reason: 'no_later_due' })
        })

        it('one day later is enough', () => {
          const check = checkRenewal(
            input(settings, '2026-11-24', { loaned_on: '2026-11-23', due_on: '2026-12-07' }),
          )
          expect(check).to.deep.equal({ ok: true, newDueOn: '2026-12-08', keepsCurrentDue: false })
        })
      })

      describe('order of reasons when several apply', () => {
        const everything = { ...settings, renewalWindowDays: 7 }

        it('overdue first, whatever else applies', () => {
          const check = checkRenewal(
            input(
              everything,
              '2026-12-02',
              { due_on: '2026-12-01', renewal_count: 1, material_type: 'dvd' },
              { otherActiveHolds: 2 },
            ),
          )
          expect(check).to.deep.equal({ ok: false, reason: 'overdue' })
        })

        it('then the material type (B), else already renewed (A)', () => {
          const check = checkRenewal(
            input(
              everything,
              '2026-11-24',
              { due_on: '2026-12-31', renewal_count: 1, material_type: 'cd' },
              { otherActiveHolds: 2 },
            ),
          )
          expect(check).to.deep.equal({
            ok: false,
            reason: name === 'B' ? 'audio_visual' : 'already_renewed',
          })
        })

        it('not_renewable_type before already_renewed', () => {
          const check = checkRenewal(
            input(
              { ...everything, notRenewableMaterialTypes: ['magazine'] },
              '2026-11-24',
              { renewal_count: 1, material_type: 'magazine' },
              { otherActiveHolds: 1 },
            ),
          )
          expect(check).to.deep.equal({ ok: false, reason: 'not_renewable_type' })
        })

        it('already renewed before reserved', () => {
          const check = checkRenewal(
            input(everything, '2026-11-24', { renewal_count: 1 }, { otherActiveHolds: 1 }),
          )
          expect(check).to.deep.equal({ ok: false, reason: 'already_renewed' })
        })

        it('reserved before too early', () => {
          const check = checkRenewal(
            input(everything, '2026-11-24', { due_on: '2026-12-31' }, { otherActiveHolds: 1 }),
          )
          expect(check).to.deep.equal({ ok: false, reason: 'reserved' })
        })

        it('too early before no later due', () => {
          // Due 12-31: renewal possible from 12-24; today + 14 = 12-08 is not later either.
          const check = checkRenewal(input(everything, '2026-11-24', { due_on: '2026-12-31' }))
          expect(check).to.deep.equal({ ok: false, reason: 'too_early', from: '2026-12-24' })
        })

        it('reserved before no later due', () => {
          const check = checkRenewal(
            input(
              settings,
              '2026-11-24',
              { loaned_on: '2026-11-24', due_on: '2026-12-08' },
              {
                otherActiveHolds: 1,
              },
            ),
          )
          expect(check).to.deep.equal({ ok: false, reason: 'reserved' })
        })
      })

      it('does not change its input', () => {
        const given = input(settings, '2026-11-24')
        const before = JSON.stringify({ loan: given.loan, settings: given.settings })
        expect(checkRenewal(given).ok).to.equal(true)
        expect(JSON.stringify({ loan: given.loan, settings: given.settings })).to.equal(before)
      })
    })
  }

  it('both presets × every reason', () => {
    for (const preset of [PRESETS.A, PRESETS.B]) {
      const s: LibrarySettings = { ...preset, notRenewableMaterialTypes: ['cd', 'book'] }
      const windowed: LibrarySettings = { ...s, renewalWindowDays: 7 }
      const magazine = { material_type: 'magazine' } as const
      const cases: [RenewalInput, RenewalRefusal][] = [
        [input(s, '2026-12-02'), 'overdue'],
        [input(s, '2026-11-24', { material_type: 'cd' }), 'audio_visual'],
        [input(s, '2026-11-24', { material_type: 'book' }), 'not_renewable_type'],
        [input(s, '2026-11-24', { ...magazine, renewal_count: 1 }), 'already_renewed'],
        [input(s, '2026-11-24', magazine, { otherActiveHolds: 1 }), 'reserved'],
        [input(windowed, '2026-11-20', magazine), 'too_early'],
        [input(s, '2026-11-24', { ...magazine, due_on: '2026-12-08' }), 'no_later_due'],
      ]
      const seen = cases.map(([given, expected]) => {
        const check = checkRenewal(given)
        expect(check.ok ? 'ok' : check.reason, expected).to.equal(expected)
        return expected
      })
      expect(seen.sort()).to.deep.equal([...ALL_REASONS].sort())
    }
  })

  describe('renewedDueDate', () => {
    it('is the day + renewalPeriodDays moved to an opening day', () => {
      expect(renewedDueDate(PRESETS.A, calendar, '2026-11-24')).to.equal('2026-12-08')
      expect(renewedDueDate(PRESETS.B, calendar, '2026-12-20')).to.equal('2027-01-05')
      expect(renewedDueDate({ renewalPeriodDays: 7 }, calendar, '2026-11-24')).to.equal(
        '2026-12-01',
      )
      expect(renewedDueDate({ renewalPeriodDays: 6 }, calendar, '2026-11-24')).to.equal(
        '2026-12-01',
      )
    })
  })
})
