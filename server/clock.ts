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
