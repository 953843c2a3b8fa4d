// Loans and renewals of a logged-in patron. The rules are renewal-service's; this module
// gives them the loan as it is in the database, the library's calendar and today, and
// renews under a row lock so a double click renews once.
import type { Clock } from '../clock.ts'
import { fromUtcDateTime, today, utcDateTime } from '../clock.ts'
import type { CalendarRepository } from '../db/calendar-repository.ts'
import type { LoanRepository, LoanRow } from '../db/loan-repository.ts'
import { calendarSource } from './calendar-service.ts'
import type { LibraryCalendar } from './calendar-service.ts'
import type { LibrarySettings } from './library-settings.ts'
import { checkRenewal } from './renewal-service.ts'
import type { RenewalCheck } from './renewal-service.ts'

export interface LoanWithRenewal extends LoanRow {
  overdue: boolean
  /** Due back today (the list says so in words, not colour alone). */
  dueToday: boolean
  renewal: RenewalCheck
}

export type RenewResult =
  | { loan: LoanRow; ok: true; newDueOn: string }
  | { loan: LoanRow; ok: false; check: Exclude<RenewalCheck, { ok: true }> }

/** How long after a renewal a repeated request counts as the same one. */
const REPEAT_WINDOW_MS = 60_000

function renewedJustNow(loan: LoanRow, now: Date): boolean {
  if (!loan.renewed_at) return false
  const at = fromUtcDateTime(loan.renewed_at).getTime()
  return now.getTime() - at >= 0 && now.getTime() - at < REPEAT_WINDOW_MS
}

export function loanService(deps: {
  loans: LoanRepository
  calendars: CalendarRepository
  clock: Clock
}) {
  const { loans, calendars, clock } = deps

  const calendarFor = calendarSource(calendars)

  const check = (
    loan: LoanRow,
    settings: LibrarySettings,
    calendar: LibraryCalendar,
    day: string,
  ) =>
    checkRenewal({
      loan,
      otherActiveHolds: loan.other_holds,
      settings,
      calendar,
      today: day,
    })

  return {
    async list(libraryId: number, settings: LibrarySettings, patronId: number) {
      const day = today(clock)
      const calendar = await calendarFor(libraryId, settings, day)
      const rows = await loans.activeLoans(libraryId, patronId)
      return rows.map((loan): LoanWithRenewal => ({
        ...loan,
        overdue: loan.due_on < day,
        dueToday: loan.due_on === day,
        renewal: check(loan, settings, calendar, day),
      }))
    },

    /** Renews the given loans (those that may be renewed); returns what happened to each. */
    async renew(
      libraryId: number,
      settings: LibrarySettings,
      patronId: number,
      loanIds: number[],
    ): Promise<RenewResult[]> {
      const day = today(clock)
      const calendar = await calendarFor(libraryId, settings, day)
      const now = clock.now()
      const stamp = utcDateTime(now)
      const results = await loans.renew(libraryId, patronId, loanIds, stamp, (loan) => {
        const outcome = check(loan, settings, calendar, day)
        return outcome.ok ? { dueOn: outcome.newDueOn } : outcome
      })
      return results.map(({ loan, outcome }): RenewResult => {
        if ('dueOn' in outcome) return { loan, ok: true, newDueOn: outcome.dueOn }
        // 延長する pressed twice: the second press finds the loan renewed a moment ago.
        if (outcome.reason === 'already_renewed' && renewedJustNow(loan, now)) {
          return { loan, ok: true, newDueOn: loan.due_on }
        }
        return { loan, ok: false, check: outcome }
      })
    },
  }
}

export type LoanService = ReturnType<typeof loanService>
