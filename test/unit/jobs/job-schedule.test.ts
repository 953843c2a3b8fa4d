// Job schedules: the settings' forms, and the next fire time computed from a fixed instant in
// Asia/Tokyo — daily times across midnight (Tokyo's midnight is 15:00 UTC), intervals on their
// grid, always strictly after the instant given.
import { expect } from 'chai'
import {
  ScheduleError,
  describeSchedule,
  nextFireTime,
  parseSchedule,
} from '../../../server/jobs/job-schedule.ts'

const jst = (text: string): Date => new Date(`${text}+09:00`)
const next = (schedule: string, after: string): string | undefined =>
  nextFireTime(parseSchedule(schedule), jst(after))?.toISOString()

describe('job schedules', () => {
  it('reads "every N m", "daily HH:MM[,HH:MM]" and "off"', () => {
    expect(parseSchedule('every 10m')).to.deep.equal({ kind: 'every', minutes: 10 })
    expect(parseSchedule(' Every 5 min ')).to.deep.equal({ kind: 'every', minutes: 5 })
    expect(parseSchedule('daily 08:30')).to.deep.equal({ kind: 'daily', times: ['08:30'] })
    expect(parseSchedule('daily 17:00, 08:30,08:30')).to.deep.equal({
      kind: 'daily',
      times: ['08:30', '17:00'],
    })
    expect(parseSchedule('off')).to.deep.equal({ kind: 'off' })
    for (const bad of [
      '',
      'every 0m',
      'every 1441m',
      'every 10',
      'daily 8:30',
      'daily 24:00',
      'hourly',
    ]) {
      expect(() => parseSchedule(bad), bad).to.throw(ScheduleError)
    }
  })

  it('describes a schedule the way it is written', () => {
    for (const text of ['every 10m', 'daily 00:15,08:30', 'off']) {
      expect(describeSchedule(parseSchedule(text))).to.equal(text)
    }
  })

  it('fires a daily job at its Tokyo time today, or tomorrow once it has passed', () => {
    expect(next('daily 08:30', '2026-11-23T07:00:00')).to.equal('2026-11-22T23:30:00.000Z')
    expect(next('daily 08:30', '2026-11-23T08:30:00')).to.equal('2026-11-23T23:30:00.000Z')
    expect(next('daily 08:30', '2026-11-23T08:29:59.999')).to.equal('2026-11-22T23:30:00.000Z')
    expect(next('daily 08:30', '2026-11-23T21:00:00')).to.equal('2026-11-23T23:30:00.000Z')
  })

  it('crosses midnight in Tokyo, not in UTC', () => {
    // 23:50 Tokyo (14:50 UTC): the 00:15 run is ten minutes after midnight Tokyo time.
    expect(next('daily 00:15', '2026-11-23T23:50:00')).to.equal('2026-11-23T15:15:00.000Z')
    // 00:05 Tokyo is still the previous day in UTC; today's 00:15 has not passed yet.
    expect(next('daily 00:15', '2026-11-24T00:05:00')).to.equal('2026-11-23T15:15:00.000Z')
    // Across a month and a year end.
    expect(next('daily 08:30', '2026-12-31T23:59:00')).to.equal('2026-12-31T23:30:00.000Z')
  })

  it('takes the first of several daily times still ahead', () => {
    expect(next('daily 08:30,17:00', '2026-11-23T09:00:00')).to.equal('2026-11-23T08:00:00.000Z')
    expect(next('daily 08:30,17:00', '2026-11-23T17:00:00')).to.equal('2026-11-23T23:30:00.000Z')
  })

  it('fires an interval on a fixed grid from midnight Tokyo time, strictly after the instant', () => {
    expect(next('every 10m', '2026-11-23T08:31:15')).to.equal('2026-11-22T23:40:00.000Z')
    expect(next('every 10m', '2026-11-23T08:40:00')).to.equal('2026-11-22T23:50:00.000Z')
    expect(next('every 60m', '2026-11-23T23:59:59')).to.equal('2026-11-23T15:00:00.000Z')
    expect(next('every 1440m', '2026-11-23T08:00:00')).to.equal('2026-11-23T15:00:00.000Z')
    // An interval that does not divide a day keeps its spacing across midnight.
    const seven = parseSchedule('every 7m')
    let at = jst('2026-11-23T23:50:00')
    for (let i = 0; i < 4; i++) {
      const following = nextFireTime(seven, at)!
      if (i > 0) expect(following.getTime() - at.getTime()).to.equal(7 * 60_000)
      at = following
    }
  })

  it('never fires a job that is off', () => {
    expect(next('off', '2026-11-23T08:00:00')).to.equal(undefined)
  })
})
