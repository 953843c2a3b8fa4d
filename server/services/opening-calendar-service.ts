// The opening calendar (開館日) as staff keep it and patrons read it: weekly closed days and
// opening hours (library settings), and days that differ — holidays, 年末年始, special
// closures or openings — for the whole library or for one branch. Rules read them through
// calendar-service: loan due dates and the morning approval count the library's days (a loan
// may be returned at any branch; web holds are approved library-wide), the hold shelf deadline
// counts the pickup branch's days (branchCalendarSource); the pages show the same days.
import type { Clock } from '../clock.ts'
import { today as todayOf } from '../clock.ts'
import type { CalendarRepository } from '../db/calendar-repository.ts'
import { addDays, branchCalendar, dayNumber, weekday } from './calendar-service.ts'
import type { LibraryCalendar } from './calendar-service.ts'
import type { LibraryContext, LibraryService } from './library-service.ts'

export interface CalendarDayView {
  day: string
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number
  open: boolean
  /** 年末年始, 蔵書点検… ('' for an ordinary day). */
  note: string
  /** What decides the day: the weekly pattern, a library exception, or the branch's own. */
  source: 'weekly' | 'library' | 'branch'
}

export type CalendarChangeOutcome =
  { ok: true } | { ok: false; reason: 'branch_not_found' | 'no_opening_day' }

/** The longest range one request may read or write (a little over a year). */
export const MAX_CALENDAR_RANGE_DAYS = 400

export function openingCalendarService(deps: {
  calendars: CalendarRepository
  libraries: LibraryService
  clock: Clock
}) {
  const { calendars, libraries, clock } = deps

  async function exceptionsOf(
    lib: LibraryContext,
    branchId: number | null,
    from: string,
    to: string,
  ) {
    const own = await calendars.libraryDays(lib.library.id, from, to)
    const branch =
      branchId === null ? [] : await calendars.branchDays(lib.library.id, branchId, from, to)
    return { own, branch }
  }

  async function calendarOf(
    lib: LibraryContext,
    branchId: number | null,
    from: string,
    to: string,
  ): Promise<LibraryCalendar> {
    const { own, branch } = await exceptionsOf(lib, branchId, from, to)
    return branchCalendar(lib.settings.closedWeekdays, own, branch)
  }

  const hasBranch = (lib: LibraryContext, branchId: number | null) =>
    branchId === null || lib.branches.some((b) => b.id === branchId)

  return {
    hasBranch,

    /** Every day from..to (inclusive) for the library or one of its branches. */
    async days(
      lib: LibraryContext,
      from: string,
      to: string,
      branchId: number | null = null,
    ): Promise<CalendarDayView[]> {
      const { own, branch } = await exceptionsOf(lib, branchId, from, to)
      const byDay = new Map<string, { open: boolean; note: string; source: 'library' | 'branch' }>()
      for (const d of own)
        byDay.set(d.day, { open: Boolean(d.is_open), note: d.note, source: 'library' })
      for (const d of branch)
        byDay.set(d.day, { open: Boolean(d.is_open), note: d.note, source: 'branch' })
      const closed = new Set(lib.settings.closedWeekdays)
      const out: CalendarDayView[] = []
      for (let n = dayNumber(from); n <= dayNumber(to); n++) {
        const day = addDays(from, n - dayNumber(from))
        const w = weekday(day)
        const exception = byDay.get(day)
        out.push(
          exception
            ? { day, weekday: w, ...exception }
            : {
                day,
                weekday: w,
                open: !closed.has(w),
                note: closed.has(w) ? '休館日' : '',
                source: 'weekly',
              },
        )
      }
      return out
    },

    /** Today, whether it is an opening day, and the next opening day after it. */
    async today(lib: LibraryContext, branchId: number | null = null) {
      const day = todayOf(clock)
      const calendar = await calendarOf(lib, branchId, day, addDays(day, 370))
      return { day, open: calendar.isOpen(day), nextOpeningDay: calendar.nextOpeningDay(day) }
    },

    /** The next `count` closed days from today on (within a year), with their notes. */
    async nextClosedDays(lib: LibraryContext, count: number, branchId: number | null = null) {
      const day = todayOf(clock)
      const days = await this.days(lib, day, addDays(day, 365), branchId)
      return days.filter((d) => !d.open).slice(0, count)
    },

    /** Sets days (open or closed, with a note) for the library or one branch. */
    async setDays(
      lib: LibraryContext,
      branchId: number | null,
      days: readonly { day: string; open: boolean; note: string }[],
    ): Promise<CalendarChangeOutcome> {
      if (!hasBranch(lib, branchId)) return { ok: false, reason: 'branch_not_found' }
      await calendars.setDays(lib.library.id, branchId, days)
      return { ok: true }
    },

    /** Removes a day's exception: the weekly pattern (or the library's day) applies again. */
    async clearDay(lib: LibraryContext, branchId: number | null, day: string) {
      if (!hasBranch(lib, branchId))
        return { ok: false as const, reason: 'branch_not_found' as const }
      return { ok: true as const, removed: await calendars.clearDay(lib.library.id, branchId, day) }
    },

    /** Weekly closed days and the opening hours line (library settings). */
    async setWeekly(
      lib: LibraryContext,
      change: { closedWeekdays?: number[]; openingHours?: string },
    ): Promise<CalendarChangeOutcome> {
      const patch: Record<string, unknown> = {}
      if (change.closedWeekdays !== undefined) {
        const unique = [...new Set(change.closedWeekdays)].sort()
        if (unique.length >= 7) return { ok: false, reason: 'no_opening_day' }
        patch.closedWeekdays = unique
      }
      if (change.openingHours !== undefined) patch.openingHours = change.openingHours
      await libraries.updateSettings(lib.library.slug, patch)
      return { ok: true }
    },
  }
}

export type OpeningCalendarService = ReturnType<typeof openingCalendarService>
