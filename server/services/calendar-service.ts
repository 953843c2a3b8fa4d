// Calendar dates and the library's opening days. Every business date is an Asia/Tokyo
// calendar date written 'YYYY-MM-DD'; arithmetic here runs on integer day numbers (days since
// 1970-01-01, proleptic Gregorian), never on local-time Date values, so the host's time zone
// and daylight saving can never shift a day.
import type { CalendarRepository } from '../db/calendar-repository.ts'
import type { LibrarySettings } from './library-settings.ts'

/** The opening days of one library system: a weekly pattern plus calendar_day exceptions. */
export interface LibraryCalendar {
  isOpen(day: string): boolean
  /** The first opening day strictly after day. */
  nextOpeningDay(day: string): string
  /** day itself when open, otherwise the next opening day. */
  openingDayOnOrAfter(day: string): string
  /** The n-th opening day after day (n = 0: day itself, open or not). */
  addOpeningDays(day: string, n: number): string
}

/** How far a search for an opening day goes before deciding the calendar is never open. */
export const MAX_CLOSED_RUN_DAYS = 366

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/
const MIN_DAY_NUMBER = daysFromCivil(1, 1, 1)
const MAX_DAY_NUMBER = daysFromCivil(9999, 12, 31)

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31
}

// Howard Hinnant's days_from_civil / civil_from_days: exact integer conversions.
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y
  const era = Math.floor(yy / 400)
  const yoe = yy - era * 400
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

function civilFromDays(n: number): { y: number; m: number; d: number } {
  const z = n + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  )
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d }
}

/** True for a real calendar date written exactly YYYY-MM-DD (years 0001–9999). */
export function isValidDay(s: string): boolean {
  const match = DAY_PATTERN.exec(s)
  if (!match) return false
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])]
  return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m)
}

/** Days since 1970-01-01; throws RangeError for anything but a real YYYY-MM-DD date. */
export function dayNumber(day: string): number {
  if (!isValidDay(day)) throw new RangeError(`not a calendar date: "${day}"`)
  return daysFromCivil(Number(day.slice(0, 4)), Number(day.slice(5, 7)), Number(day.slice(8, 10)))
}

/** The YYYY-MM-DD date of a day number. */
export function dayFromNumber(n: number): string {
  if (!Number.isInteger(n) || n < MIN_DAY_NUMBER || n > MAX_DAY_NUMBER) {
    throw new RangeError(`day number out of range: ${n}`)
  }
  const { y, m, d } = civilFromDays(n)
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`
}

/** day + n calendar days (n may be negative). */
export function addDays(day: string, n: number): string {
  if (!Number.isInteger(n)) throw new RangeError(`not a whole number of days: ${n}`)
  return dayFromNumber(dayNumber(day) + n)
}

/** 0 = Sunday … 6 = Saturday, like Date#getUTCDay and settings.closedWeekdays. */
export function weekday(day: string): number {
  // 1970-01-01 was a Thursday (4).
  return (((dayNumber(day) + 4) % 7) + 7) % 7
}

/** Negative when a is before b, 0 on the same day, positive when a is after b. */
export function compareDays(a: string, b: string): number {
  return Math.sign(dayNumber(a) - dayNumber(b))
}

/**
 * The calendar of one library: closed on closedWeekdays every week, except where a
 * calendar_day row says otherwise (is_open 0 closes an ordinary day such as 年末年始,
 * 1 opens a weekly closed day). A calendar with no opening day within 366 days of the
 * day asked about is a configuration error: the search stops with an Error instead of
 * looping for ever.
 */
export function libraryCalendar(
  closedWeekdays: readonly number[],
  exceptions: readonly { day: string; is_open: boolean | number }[],
): LibraryCalendar {
  const closed = new Set(closedWeekdays)
  const overrides = new Map<number, boolean>()
  for (const row of exceptions) overrides.set(dayNumber(row.day), Boolean(row.is_open))

  const openOn = (n: number): boolean => overrides.get(n) ?? !closed.has((((n + 4) % 7) + 7) % 7)

  const firstOpenFrom = (start: number, asked: string): number => {
    for (let n = start; n < start + MAX_CLOSED_RUN_DAYS; n++) {
      if (openOn(n)) return n
    }
    throw new Error(
      `library calendar has no opening day within ${MAX_CLOSED_RUN_DAYS} days of ${asked}`,
    )
  }

  return {
    isOpen: (day) => openOn(dayNumber(day)),
    nextOpeningDay: (day) => dayFromNumber(firstOpenFrom(dayNumber(day) + 1, day)),
    openingDayOnOrAfter: (day) => dayFromNumber(firstOpenFrom(dayNumber(day), day)),
    addOpeningDays(day, n) {
      if (!Number.isInteger(n) || n < 0) {
        throw new RangeError(`opening days to add must be a whole number ≥ 0, got ${n}`)
      }
      let at = dayNumber(day)
      for (let i = 0; i < n; i++) at = firstOpenFrom(at + 1, day)
      return dayFromNumber(at)
    },
  }
}

/**
 * The last day a trapped hold may be collected (取置期限 / 受取期限).
 * - calendar_days (rules A, 「到着連絡を受けてから8日以内」): day + N calendar days, moved to
 *   the next opening day when that is a closed day — a deadline never falls on a closed day.
 * - opening_days (rules B, 「確保日の翌開館日から7開館日」): the N-th opening day after day,
 *   the opening day after day counting as the first.
 * day is the notice day (A) or the day the copy was secured (B).
 */
export function shelfDeadline(
  settings: Pick<LibrarySettings, 'shelfPeriodDays' | 'shelfPeriodCounts'>,
  calendar: LibraryCalendar,
  day: string,
): string {
  if (settings.shelfPeriodCounts === 'opening_days') {
    return calendar.addOpeningDays(day, settings.shelfPeriodDays)
  }
  return calendar.openingDayOnOrAfter(addDays(day, settings.shelfPeriodDays))
}

/** Exceptions read around a day: enough for every deadline and due date computed from it. */
const CALENDAR_WINDOW = { before: 31, after: 400 } as const

/**
 * The library's calendar around a day, from its weekly closed days and its calendar_day rows
 * (loans, renewals and holds all read it the same way).
 */
export function calendarSource(calendars: Pick<CalendarRepository, 'exceptions'>) {
  return async (
    libraryId: number,
    settings: Pick<LibrarySettings, 'closedWeekdays'>,
    day: string,
  ): Promise<LibraryCalendar> => {
    const exceptions = await calendars.exceptions(
      libraryId,
      addDays(day, -CALENDAR_WINDOW.before),
      addDays(day, CALENDAR_WINDOW.after),
    )
    return libraryCalendar(settings.closedWeekdays, exceptions)
  }
}

export type CalendarSource = ReturnType<typeof calendarSource>

/**
 * The opening days of one branch: its library's calendar with the branch's own exceptions
 * (branch_calendar_day: a branch closed for 蔵書点検 while the others open) on top. A day the
 * branch has no row for follows the library.
 */
export function branchCalendar(
  closedWeekdays: readonly number[],
  libraryDays: readonly { day: string; is_open: boolean | number }[],
  branchDays: readonly { day: string; is_open: boolean | number }[],
): LibraryCalendar {
  return libraryCalendar(closedWeekdays, [...libraryDays, ...branchDays])
}

/** A library's calendar and each of its branches' (rules that count a branch's days use it). */
export interface BranchCalendars {
  library: LibraryCalendar
  /** The calendar of one branch of the library (the library's when it has no days of its own). */
  branch(branchId: number): LibraryCalendar
}

/**
 * The library's calendar and its branches' around a day, read in two queries: the hold shelf
 * deadline counts the pickup branch's opening days, the morning approval the library's.
 */
export function branchCalendarSource(
  calendars: Pick<CalendarRepository, 'exceptions' | 'branchExceptions'>,
) {
  return async (
    libraryId: number,
    settings: Pick<LibrarySettings, 'closedWeekdays'>,
    day: string,
  ): Promise<BranchCalendars> => {
    const from = addDays(day, -CALENDAR_WINDOW.before)
    const to = addDays(day, CALENDAR_WINDOW.after)
    const [libraryDays, branchDays] = await Promise.all([
      calendars.exceptions(libraryId, from, to),
      calendars.branchExceptions(libraryId, from, to),
    ])
    const library = libraryCalendar(settings.closedWeekdays, libraryDays)
    const byBranch = new Map<number, { day: string; is_open: number }[]>()
    for (const row of branchDays) {
      const list = byBranch.get(row.branch_id) ?? []
      list.push(row)
      byBranch.set(row.branch_id, list)
    }
    const built = new Map<number, LibraryCalendar>()
    return {
      library,
      branch(branchId) {
        const own = byBranch.get(branchId)
        if (!own) return library
        const cached = built.get(branchId)
        if (cached) return cached
        const calendar = branchCalendar(settings.closedWeekdays, libraryDays, own)
        built.set(branchId, calendar)
        return calendar
      },
    }
  }
}
