// When a scheduled job fires, as written in its setting: `every 10m` (every N minutes on one
// fixed grid of Tokyo time — `every 10m` fires at :00, :10, …, `every 60m` on the hour, and an
// N that divides a day starts again at each midnight), `daily 08:30` (one or more Asia/Tokyo
// times, `daily 00:15,08:30`) or `off`. nextFireTime is a pure function of the schedule and an instant: the scheduler
// never counts elapsed time, so it cannot drift, and every process fires at the same moments.
import { tokyoDay, tokyoInstant } from '../clock.ts'
import { addDays } from '../services/calendar-service.ts'

export type JobSchedule =
  { kind: 'off' } | { kind: 'every'; minutes: number } | { kind: 'daily'; times: readonly string[] }

export class ScheduleError extends Error {}

const MINUTE_MS = 60_000
/** Midnight 1970-01-01 in Tokyo: the origin of the `every` grid. */
const GRID_ORIGIN_MS = Date.parse('1970-01-01T00:00:00+09:00')

/** Reads a schedule setting; throws ScheduleError with the accepted forms. */
export function parseSchedule(text: string): JobSchedule {
  const value = text.trim().toLowerCase()
  if (value === 'off') return { kind: 'off' }
  const every = /^every\s+(\d{1,4})\s*m(?:in)?$/.exec(value)
  if (every) {
    const minutes = Number(every[1])
    if (minutes >= 1 && minutes <= 1440) return { kind: 'every', minutes }
  }
  const daily = /^daily\s+(.+)$/.exec(value)
  if (daily?.[1]) {
    const times = daily[1].split(',').map((t) => t.trim())
    if (times.every((t) => /^([01]\d|2[0-3]):[0-5]\d$/.test(t))) {
      return { kind: 'daily', times: [...new Set(times)].sort() }
    }
  }
  throw new ScheduleError(
    `"${text}" is not a schedule: use "every N m" (1–1440 minutes), "daily HH:MM[,HH:MM…]" (Asia/Tokyo) or "off"`,
  )
}

export function describeSchedule(schedule: JobSchedule): string {
  switch (schedule.kind) {
    case 'off':
      return 'off'
    case 'every':
      return `every ${schedule.minutes}m`
    case 'daily':
      return `daily ${schedule.times.join(',')}`
  }
}

/** The first moment strictly after `after` at which the job fires; null when it is off. */
export function nextFireTime(schedule: JobSchedule, after: Date): Date | null {
  switch (schedule.kind) {
    case 'off':
      return null
    case 'every': {
      const step = schedule.minutes * MINUTE_MS
      const n = Math.floor((after.getTime() - GRID_ORIGIN_MS) / step) + 1
      return new Date(GRID_ORIGIN_MS + n * step)
    }
    case 'daily': {
      const today = tokyoDay(after)
      for (const day of [today, addDays(today, 1)]) {
        for (const time of schedule.times) {
          const at = tokyoInstant(day, time)
          if (at > after) return at
        }
      }
      return null // unreachable: every time of tomorrow is after `after`
    }
  }
}
