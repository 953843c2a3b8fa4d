// The hold timing rules against SPEC.md §10's worked examples: pickup deadlines (受取期限) under
// both presets and the morning a rules-B web hold becomes formal, on the example calendar.
import { expect } from 'chai'
import { libraryCalendar } from '../../../server/services/calendar-service.ts'
import { holdFormalAt, pickupDeadline } from '../../../server/services/hold-rules.ts'
import { PRESETS } from '../../../server/services/library-settings.ts'

/** SPEC.md §10: closed every Monday and from 2026-12-29 to 2027-01-03. */
const calendar = libraryCalendar(
  [1],
  ['2026-12-29', '2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02', '2027-01-03'].map(
    (day) => ({ day, is_open: 0 }),
  ),
)

/** A Tokyo wall-clock time as an instant. */
const jst = (dayAndTime: string): Date => new Date(`${dayAndTime}:00+09:00`)

describe('hold rules', () => {
  describe('pickupDeadline', () => {
    it('rules B: the 7th opening day counted from the opening day after the copy was secured', () => {
      const b = PRESETS.B
      // Sat 21 (1), Sun 22 (2), Mon 23 closed, Tue 24 (3) … Sat 28 (7).
      expect(pickupDeadline(b, calendar, { securedOn: '2026-11-20' })).to.equal('2026-11-28')
      // Tue 24 (1) … Sun 29 (6), Mon 30 closed, Tue 12-01 (7).
      expect(pickupDeadline(b, calendar, { securedOn: '2026-11-22' })).to.equal('2026-12-01')
      // Sun 27 (1), closed until Tue 2027-01-05 (2) … Sun 01-10 (7).
      expect(pickupDeadline(b, calendar, { securedOn: '2026-12-26' })).to.equal('2027-01-10')
    })

    it('rules B counts from the day the copy was secured, whenever the notice went out', () => {
      expect(
        pickupDeadline(PRESETS.B, calendar, { securedOn: '2026-11-20', noticeOn: '2026-11-21' }),
      ).to.equal('2026-11-28')
    })

    it('rules A: 8 days after the notice, moved off a closed day', () => {
      const a = PRESETS.A
      expect(pickupDeadline(a, calendar, { securedOn: '2026-11-20' })).to.equal('2026-11-28')
      // 8 days after Sun 11-29 is Mon 12-07, closed → Tue 12-08.
      expect(pickupDeadline(a, calendar, { securedOn: '2026-11-29' })).to.equal('2026-12-08')
      // Secured on Fri 11-27, notice sent on Sun 11-29: counted from the notice.
      expect(
        pickupDeadline(a, calendar, { securedOn: '2026-11-27', noticeOn: '2026-11-29' }),
      ).to.equal('2026-12-08')
      // 8 days after Mon 12-21 is 12-29, closed through Mon 01-04 → Tue 01-05.
      expect(pickupDeadline(a, calendar, { securedOn: '2026-12-21' })).to.equal('2027-01-05')
    })
  })

  describe('holdFormalAt', () => {
    const b = PRESETS.B
    const web = (requestedAt: Date) => holdFormalAt(b, calendar, { channel: 'web', requestedAt })

    it('makes a rules-B web hold formal on the next opening day’s morning at 08:30 Tokyo time', () => {
      expect(b.webHoldsFormalTime).to.equal('08:30')
      // Requested Sat 11-21 14:00 → Sunday 11-22's morning.
      expect(web(jst('2026-11-21T14:00'))).to.deep.equal(jst('2026-11-22T08:30'))
      expect(web(jst('2026-11-21T14:00')).toISOString()).to.equal('2026-11-21T23:30:00.000Z')
    })

    it('waits past closed days: Sun 11-22 and closed Mon 11-23 both wait for Tue 11-24', () => {
      expect(web(jst('2026-11-22T10:00'))).to.deep.equal(jst('2026-11-24T08:30'))
      expect(web(jst('2026-11-23T09:00'))).to.deep.equal(jst('2026-11-24T08:30'))
      expect(web(jst('2026-11-23T23:59'))).to.deep.equal(jst('2026-11-24T08:30'))
    })

    it('waits through the New Year closure: Sun 2026-12-27 → Tue 2027-01-05', () => {
      expect(web(jst('2026-12-27T16:00'))).to.deep.equal(jst('2027-01-05T08:30'))
      expect(web(jst('2026-12-31T12:00'))).to.deep.equal(jst('2027-01-05T08:30'))
    })

    it('counts the request day in Tokyo, not in UTC', () => {
      // 2026-11-21T15:30Z is Sun 11-22 00:30 in Tokyo (still Saturday in UTC).
      expect(web(new Date('2026-11-21T15:30:00Z'))).to.deep.equal(jst('2026-11-24T08:30'))
      // Early on an opening morning, the hold still waits for the next opening day.
      expect(web(jst('2026-11-24T00:30'))).to.deep.equal(jst('2026-11-25T08:30'))
    })

    it('makes counter and telephone holds formal at once', () => {
      const at = jst('2026-11-21T15:00')
      expect(holdFormalAt(b, calendar, { channel: 'counter', requestedAt: at })).to.equal(at)
      expect(holdFormalAt(b, calendar, { channel: 'phone', requestedAt: at })).to.equal(at)
    })

    it('makes web holds formal at once under rules A', () => {
      const at = jst('2026-11-21T14:00')
      expect(holdFormalAt(PRESETS.A, calendar, { channel: 'web', requestedAt: at })).to.equal(at)
    })

    it('uses the library’s own morning time', () => {
      const later = { ...b, webHoldsFormalTime: '09:15' }
      expect(
        holdFormalAt(later, calendar, { channel: 'web', requestedAt: jst('2026-11-21T14:00') }),
      ).to.deep.equal(jst('2026-11-22T09:15'))
      const broken = { ...b, webHoldsFormalTime: '8:30' }
      expect(() =>
        holdFormalAt(broken, calendar, { channel: 'web', requestedAt: jst('2026-11-21T14:00') }),
      ).to.throw(RangeError)
    })
  })
})
