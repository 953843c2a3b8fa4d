import { expect } from 'chai'
import {
  MAX_CLOSED_RUN_DAYS,
  addDays,
  branchCalendarSource,
  compareDays,
  dayFromNumber,
  dayNumber,
  isValidDay,
  libraryCalendar,
  shelfDeadline,
  weekday,
} from '../../../server/services/calendar-service.ts'
import { PRESETS } from '../../../server/services/library-settings.ts'

/** SPEC.md §10: closed every Monday and from 2026-12-29 to 2027-01-03. */
const NEW_YEAR_CLOSED = [
  '2026-12-29',
  '2026-12-30',
  '2026-12-31',
  '2027-01-01',
  '2027-01-02',
  '2027-01-03',
]
const specCalendar = () =>
  libraryCalendar(
    [1],
    NEW_YEAR_CLOSED.map((day) => ({ day, is_open: 0 })),
  )

/** The reference answer from Date's UTC arithmetic. */
function viaDate(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + n)
  return d.toISOString().slice(0, 10)
}

describe('calendar-service', () => {
  describe('isValidDay', () => {
    it('accepts real YYYY-MM-DD dates', () => {
      for (const day of ['2026-11-20', '2024-02-29', '2000-02-29', '0001-01-01', '9999-12-31']) {
        expect(isValidDay(day), day).to.equal(true)
      }
    })

    it('refuses dates that do not exist and other shapes', () => {
      for (const s of [
        '',
        '2026-02-29',
        '1900-02-29',
        '2026-13-01',
        '2026-00-10',
        '2026-04-31',
        '2026-11-00',
        '0000-01-01',
        '2026-1-1',
        '26-11-20',
        '2026/11/20',
        '2026-11-20T00:00:00Z',
        ' 2026-11-20',
        '２０２６-１１-２０',
        'not a date',
      ]) {
        expect(isValidDay(s), JSON.stringify(s)).to.equal(false)
      }
    })
  })

  describe('addDays', () => {
    it('crosses month, year and leap-day boundaries', () => {
      expect(addDays('2026-11-20', 8)).to.equal('2026-11-28')
      expect(addDays('2026-11-29', 8)).to.equal('2026-12-07')
      expect(addDays('2026-12-20', 14)).to.equal('2027-01-03')
      expect(addDays('2024-02-28', 1)).to.equal('2024-02-29')
      expect(addDays('2026-02-28', 1)).to.equal('2026-03-01')
      expect(addDays('2026-03-01', -1)).to.equal('2026-02-28')
      expect(addDays('2027-01-01', -1)).to.equal('2026-12-31')
      expect(addDays('2026-11-20', 0)).to.equal('2026-11-20')
      expect(addDays('2026-01-01', 365)).to.equal('2027-01-01')
      expect(addDays('2024-01-01', 366)).to.equal('2025-01-01')
    })

    it('agrees with UTC Date arithmetic over four centuries of days', () => {
      for (let i = 0; i < 146_097; i += 13) {
        const day = viaDate('1900-01-01', i)
        expect(addDays('1900-01-01', i)).to.equal(day)
        expect(addDays(day, 40)).to.equal(viaDate(day, 40))
        expect(addDays(day, -40)).to.equal(viaDate(day, -40))
      }
    })

    it('throws on a bad date or a fractional count', () => {
      expect(() => addDays('2026-02-30', 1)).to.throw(RangeError)
      expect(() => addDays('2026-11-20', 1.5)).to.throw(RangeError)
      expect(() => addDays('2026-11-20', Number.NaN)).to.throw(RangeError)
      expect(() => addDays('9999-12-31', 1)).to.throw(RangeError)
    })
  })

  describe('weekday', () => {
    it('is 0 for Sunday … 6 for Saturday', () => {
      expect(weekday('2026-11-20')).to.equal(5) // Fri
      expect(weekday('2026-11-21')).to.equal(6) // Sat
      expect(weekday('2026-11-22')).to.equal(0) // Sun
      expect(weekday('2026-11-23')).to.equal(1) // Mon
      expect(weekday('1970-01-01')).to.equal(4) // Thu
      expect(weekday('1969-12-31')).to.equal(3) // Wed, before the epoch
      expect(weekday('2027-01-04')).to.equal(1)
    })

    it('agrees with Date#getUTCDay', () => {
      for (let i = -30_000; i < 30_000; i += 7919) {
        for (let k = 0; k < 7; k++) {
          const day = viaDate('1970-01-01', i + k)
          expect(weekday(day), day).to.equal(new Date(`${day}T00:00:00Z`).getUTCDay())
        }
      }
    })
  })

  describe('compareDays, dayNumber, dayFromNumber', () => {
    it('orders days', () => {
      expect(compareDays('2026-11-20', '2026-11-21')).to.equal(-1)
      expect(compareDays('2026-11-21', '2026-11-20')).to.equal(1)
      expect(compareDays('2026-11-20', '2026-11-20')).to.equal(0)
      expect(compareDays('2026-12-31', '2027-01-01')).to.equal(-1)
      expect(() => compareDays('2026-11-20', 'tomorrow')).to.throw(RangeError)
    })

    it('round-trips day numbers', () => {
      expect(dayNumber('1970-01-01')).to.equal(0)
      expect(dayNumber('1970-01-02')).to.equal(1)
      expect(dayNumber('1969-12-31')).to.equal(-1)
      for (const day of ['0001-01-01', '1600-02-29', '2026-11-20', '9999-12-31']) {
        expect(dayFromNumber(dayNumber(day))).to.equal(day)
      }
      expect(() => dayFromNumber(0.5)).to.throw(RangeError)
      expect(() => dayFromNumber(dayNumber('9999-12-31') + 1)).to.throw(RangeError)
    })
  })

  describe('libraryCalendar (SPEC §10 calendar)', () => {
    const cal = specCalendar()

    it('is closed on Mondays and over the New Year, open otherwise', () => {
      expect(cal.isOpen('2026-11-20')).to.equal(true)
      expect(cal.isOpen('2026-11-22')).to.equal(true)
      expect(cal.isOpen('2026-11-23')).to.equal(false)
      expect(cal.isOpen('2026-12-28')).to.equal(false)
      for (const day of NEW_YEAR_CLOSED) expect(cal.isOpen(day), day).to.equal(false)
      expect(cal.isOpen('2027-01-04')).to.equal(false)
      expect(cal.isOpen('2027-01-05')).to.equal(true)
      expect(cal.isOpen('2026-12-27')).to.equal(true)
    })

    it('nextOpeningDay is strictly after the day', () => {
      expect(cal.nextOpeningDay('2026-11-20')).to.equal('2026-11-21')
      expect(cal.nextOpeningDay('2026-11-22')).to.equal('2026-11-24')
      expect(cal.nextOpeningDay('2026-11-23')).to.equal('2026-11-24')
      expect(cal.nextOpeningDay('2026-12-27')).to.equal('2027-01-05')
      expect(cal.nextOpeningDay('2026-12-31')).to.equal('2027-01-05')
    })

    it('openingDayOnOrAfter keeps an opening day and moves a closed one', () => {
      expect(cal.openingDayOnOrAfter('2026-11-24')).to.equal('2026-11-24')
      expect(cal.openingDayOnOrAfter('2026-12-07')).to.equal('2026-12-08')
      expect(cal.openingDayOnOrAfter('2027-01-03')).to.equal('2027-01-05')
      expect(cal.openingDayOnOrAfter('2026-12-28')).to.equal('2027-01-05')
    })

    it('addOpeningDays counts opening days after the day', () => {
      expect(cal.addOpeningDays('2026-11-20', 0)).to.equal('2026-11-20')
      expect(cal.addOpeningDays('2026-11-23', 0)).to.equal('2026-11-23')
      expect(cal.addOpeningDays('2026-11-20', 1)).to.equal('2026-11-21')
      expect(cal.addOpeningDays('2026-11-20', 3)).to.equal('2026-11-24')
      expect(cal.addOpeningDays('2026-11-20', 7)).to.equal('2026-11-28')
      expect(cal.addOpeningDays('2026-12-26', 2)).to.equal('2027-01-05')
      expect(cal.addOpeningDays('2026-12-26', 7)).to.equal('2027-01-10')
      expect(() => cal.addOpeningDays('2026-11-20', -1)).to.throw(RangeError)
      expect(() => cal.addOpeningDays('2026-11-20', 1.5)).to.throw(RangeError)
    })

    it('throws on a day that is not a date', () => {
      expect(() => cal.isOpen('2026-11-31')).to.throw(RangeError)
      expect(() => cal.nextOpeningDay('')).to.throw(RangeError)
    })
  })

  describe('libraryCalendar exceptions', () => {
    it('an exception opens a weekly closed day (is_open 1 or true)', () => {
      const cal = libraryCalendar(
        [1],
        [
          { day: '2026-11-23', is_open: 1 },
          { day: '2026-11-30', is_open: true },
        ],
      )
      expect(cal.isOpen('2026-11-23')).to.equal(true)
      expect(cal.isOpen('2026-11-30')).to.equal(true)
      expect(cal.isOpen('2026-12-07')).to.equal(false)
      expect(cal.nextOpeningDay('2026-11-22')).to.equal('2026-11-23')
    })

    it('an exception closes an ordinary day (is_open 0 or false)', () => {
      const cal = libraryCalendar(
        [],
        [
          { day: '2026-11-24', is_open: 0 },
          { day: '2026-11-25', is_open: false },
        ],
      )
      expect(cal.isOpen('2026-11-23')).to.equal(true)
      expect(cal.isOpen('2026-11-24')).to.equal(false)
      expect(cal.isOpen('2026-11-25')).to.equal(false)
      expect(cal.nextOpeningDay('2026-11-23')).to.equal('2026-11-26')
    })

    it('several weekly closed days', () => {
      const cal = libraryCalendar([0, 1], [])
      expect(cal.nextOpeningDay('2026-11-21')).to.equal('2026-11-24')
      expect(cal.addOpeningDays('2026-11-20', 6)).to.equal('2026-11-28')
    })

    it('refuses an exception row whose day is not a date', () => {
      expect(() => libraryCalendar([1], [{ day: '2026-11-31', is_open: 0 }])).to.throw(RangeError)
    })

    it('gives up with an Error when the library is never open', () => {
      const cal = libraryCalendar([0, 1, 2, 3, 4, 5, 6], [])
      expect(cal.isOpen('2026-11-20')).to.equal(false)
      expect(() => cal.nextOpeningDay('2026-11-20')).to.throw(Error, /no opening day/)
      expect(() => cal.openingDayOnOrAfter('2026-11-20')).to.throw(Error, /no opening day/)
      expect(() => cal.addOpeningDays('2026-11-20', 1)).to.throw(Error, /no opening day/)
    })

    it('finds an opening day up to 366 days away, not further', () => {
      const start = '2026-11-20'
      const last = addDays(start, MAX_CLOSED_RUN_DAYS)
      const near = libraryCalendar([0, 1, 2, 3, 4, 5, 6], [{ day: last, is_open: 1 }])
      expect(near.nextOpeningDay(start)).to.equal(last)
      const far = libraryCalendar([0, 1, 2, 3, 4, 5, 6], [{ day: addDays(last, 1), is_open: 1 }])
      expect(() => far.nextOpeningDay(start)).to.throw(Error)
      expect(far.nextOpeningDay(addDays(start, 1))).to.equal(addDays(last, 1))
    })
  })

  describe('shelfDeadline', () => {
    const cal = specCalendar()

    it('rules B: 7 opening days counted from the opening day after the copy was secured', () => {
      expect(PRESETS.B.shelfPeriodCounts).to.equal('opening_days')
      expect(shelfDeadline(PRESETS.B, cal, '2026-11-20')).to.equal('2026-11-28')
      expect(shelfDeadline(PRESETS.B, cal, '2026-12-26')).to.equal('2027-01-10')
      // Secured on a closed Monday: Tue 24 (1) … Sun 29 (6), Mon 30 closed, Tue 12-01 (7).
      expect(shelfDeadline(PRESETS.B, cal, '2026-11-23')).to.equal('2026-12-01')
      // Secured Sun 22: Tue 24 (1) … Sun 29 (6), Mon 30 closed, Tue 1 (7).
      expect(shelfDeadline(PRESETS.B, cal, '2026-11-22')).to.equal('2026-12-01')
    })

    it('rules A: 8 calendar days after the notice, never on a closed day', () => {
      expect(PRESETS.A.shelfPeriodCounts).to.equal('calendar_days')
      expect(shelfDeadline(PRESETS.A, cal, '2026-11-20')).to.equal('2026-11-28')
      expect(shelfDeadline(PRESETS.A, cal, '2026-11-29')).to.equal('2026-12-08')
      // Notice Mon 12-21: 8 days is 12-29, closed until Mon 01-04 → Tue 01-05.
      expect(shelfDeadline(PRESETS.A, cal, '2026-12-21')).to.equal('2027-01-05')
      // Notice Sun 12-20: 8 days is Mon 12-28, closed, then the New Year → Tue 01-05.
      expect(shelfDeadline(PRESETS.A, cal, '2026-12-20')).to.equal('2027-01-05')
      // Notice Sat 12-19: 8 days is Sun 12-27, open.
      expect(shelfDeadline(PRESETS.A, cal, '2026-12-19')).to.equal('2026-12-27')
    })

    it('follows overridden periods', () => {
      expect(
        shelfDeadline({ shelfPeriodDays: 1, shelfPeriodCounts: 'opening_days' }, cal, '2026-11-22'),
      ).to.equal('2026-11-24')
      expect(
        shelfDeadline(
          { shelfPeriodDays: 0, shelfPeriodCounts: 'calendar_days' },
          cal,
          '2026-11-23',
        ),
      ).to.equal('2026-11-24')
      expect(
        shelfDeadline(
          { shelfPeriodDays: 14, shelfPeriodCounts: 'calendar_days' },
          cal,
          '2026-11-24',
        ),
      ).to.equal('2026-12-08')
    })
  })

  describe('branchCalendarSource', () => {
    // Two branches with days of their own (ids 7 and 8) and one without (9).
    const asked: { from: string; to: string }[] = []
    const source = branchCalendarSource({
      async exceptions(libraryId, from, to) {
        asked.push({ from, to })
        return libraryId === 1 ? NEW_YEAR_CLOSED.map((day) => ({ day, is_open: 0 })) : []
      },
      async branchExceptions(libraryId) {
        if (libraryId !== 1) return []
        return [
          { branch_id: 7, day: '2026-11-24', is_open: 0 },
          { branch_id: 7, day: '2026-12-28', is_open: 1 },
          { branch_id: 8, day: '2026-12-30', is_open: 1 },
          // Branch 8's own closure: the library and branch 7 stay open that day.
          { branch_id: 8, day: '2026-11-25', is_open: 0 },
        ]
      },
    })

    it('gives each branch the library’s days with its own on top', async () => {
      const cal = await source(1, { closedWeekdays: [1] }, '2026-11-23')
      expect(asked.at(-1)).to.deep.equal({ from: '2026-10-23', to: '2027-12-28' })
      // The library: closed Mondays and the New Year, open Tuesdays.
      expect(cal.library.isOpen('2026-11-24')).to.equal(true)
      expect(cal.library.isOpen('2026-12-28')).to.equal(false)
      expect(cal.library.isOpen('2026-12-30')).to.equal(false)
      // Branch 7: closed Tue 11-24, opens Mon 12-28; the New Year stays closed.
      expect(cal.branch(7).isOpen('2026-11-24')).to.equal(false)
      expect(cal.branch(7).isOpen('2026-11-25')).to.equal(true)
      expect(cal.branch(7).isOpen('2026-12-28')).to.equal(true)
      expect(cal.branch(7).isOpen('2026-12-30')).to.equal(false)
      expect(cal.branch(7).nextOpeningDay('2026-11-23')).to.equal('2026-11-25')
      // Branch 8: opens 12-30 in the New Year closure; its 11-25 closure is its own.
      expect(cal.branch(8).isOpen('2026-12-30')).to.equal(true)
      expect(cal.branch(8).isOpen('2026-11-24')).to.equal(true)
      expect(cal.branch(8).isOpen('2026-11-25')).to.equal(false)
      expect(cal.library.isOpen('2026-11-25')).to.equal(true)
      // A branch without days of its own follows the library.
      expect(cal.branch(9).isOpen('2026-12-28')).to.equal(false)
      expect(cal.branch(9).nextOpeningDay('2026-12-28')).to.equal('2027-01-05')
      // The same branch asked twice answers the same.
      expect(cal.branch(7).addOpeningDays('2026-11-20', 7)).to.equal('2026-11-29')
      expect(cal.branch(7).addOpeningDays('2026-11-20', 7)).to.equal('2026-11-29')
    })

    it('reads another library’s days only for that library', async () => {
      const cal = await source(2, { closedWeekdays: [] }, '2026-12-30')
      expect(cal.library.isOpen('2026-12-30')).to.equal(true)
      expect(cal.branch(7).isOpen('2026-11-24')).to.equal(true)
    })
  })
})
