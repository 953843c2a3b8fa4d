// Business dates are Asia/Tokyo calendar dates. Code asks an injected clock for the time;
// rules never call new Date() themselves, so tests can fix "today".

export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

export function fixedClock(iso: string): Clock {
  const at = new Date(iso)
  return { now: () => at }
}

const tokyoDate = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Tokyo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
})

/** The Asia/Tokyo calendar date of an instant, as YYYY-MM-DD. */
export function tokyoDay(at: Date): string {
  return tokyoDate.format(at)
}

export function today(clock: Clock): string {
  return tokyoDay(clock.now())
}

/**
 * The instant of a Tokyo wall-clock time ('HH:MM') on a business date. Japan keeps UTC+9 all
 * year (no daylight saving since 1951), so every such time exists exactly once.
 */
export function tokyoInstant(day: string, time: string): Date {
  const wellFormed = /^\d{4}-\d{2}-\d{2}$/.test(day) && /^([01]\d|2[0-3]):[0-5]\d$/.test(time)
  const at = new Date(wellFormed ? `${day}T${time}:00+09:00` : NaN)
  // A day that does not exist (02-30) would roll over into the next month.
  if (Number.isNaN(at.getTime()) || tokyoDay(at) !== day) {
    throw new RangeError(`not a Tokyo date and HH:MM time: "${day}" "${time}"`)
  }
  return at
}

/**
 * An instant as stored in DATETIME columns: UTC, whole seconds ('2026-11-23 05:00:00'). Every
 * table keeps times this way (sessions, throttles, loans, holds, lists).
 */
export function utcDateTime(at: Date): string {
  return at.toISOString().slice(0, 19).replace('T', ' ')
}

/** The instant of a stored UTC DATETIME ('2026-11-23 05:00:00'); Invalid Date when garbled. */
export function fromUtcDateTime(stored: string): Date {
  return new Date(`${stored.replace(' ', 'T')}Z`)
}
