// Renewal (貸出延長): whether a loan may be renewed today and its new due date. Pure: the
// caller brings the loan, the number of other patrons' active holds on its record, the
// library's settings and calendar and today's Asia/Tokyo date. PC pages, keitai pages and
// the staff API all ask this one function (DESIGN.md, "One rule, one place").
//
// The rules (SPEC.md §5, seeds 000 and 003): renewable only before the due date — the due
// date itself still counts as before it (延滞 starts the next day) —, when no other patron
// holds the title, once per loan (maxRenewals), and under rules B not for audio-visual
// items. The new due date is the day of the renewal + renewalPeriodDays (「申込日から2週間」,
// 「手続きをした日から2週間」), moved to the next opening day when that is a closed day.
import { AUDIO_VISUAL_TYPES } from '../db/schema.ts'
import type { MaterialType } from '../db/schema.ts'
import { addDays, compareDays } from './calendar-service.ts'
import type { LibraryCalendar } from './calendar-service.ts'
import type { LibrarySettings } from './library-settings.ts'

export type RenewalRefusal =
  | 'overdue'
  | 'reserved'
  | 'already_renewed'
  | 'audio_visual'
  | 'not_renewable_type'
  | 'too_early'
  | 'no_later_due'

/**
 * keepsCurrentDue is always false under the rule chosen below (a renewal that would not move
 * the due date later is refused as no_later_due); it stays in the type so that pages do not
 * have to change should a library ever want "renew, but keep the later current date".
 */
export type RenewalCheck =
  | { ok: true; newDueOn: string; keepsCurrentDue: boolean }
  | { ok: false; reason: RenewalRefusal; from?: string }

export interface RenewalInput {
  loan: {
    id: number
    due_on: string
    /** Not needed by any rule: "borrowed today" shows up as a new due date that is no later. */
    loaned_on: string
    renewal_count: number
    material_type: MaterialType
  }
  /** Active holds (依頼中, N位, 受取り可) on the loan's record placed by OTHER patrons. */
  otherActiveHolds: number
  settings: LibrarySettings
  calendar: LibraryCalendar
  /** Asia/Tokyo date of the renewal. */
  today: string
  /**
   * Accepted but not a rule: neither manual refuses a renewal because the patron has some
   * other overdue loan (only the overdue item itself: 「延滞資料…は延長できません」).
   */
  patron?: { hasOverdueLoans?: boolean }
}

/**
 * Checks a renewal. When several reasons apply, the one returned is the most useful single
 * reason for the loans list, in this order:
 *   1. overdue — the patron must return the item (and may owe a fine); nothing else matters;
 *   2. audio_visual / not_renewable_type — permanent, a property of the item;
 *   3. already_renewed — permanent for this loan;
 *   4. reserved — may change, but only by other patrons;
 *   5. too_early — goes away by itself, and we can say from which day;
 *   6. no_later_due — goes away by itself tomorrow or a little later.
 * Permanent reasons come before temporary ones so that the list never suggests waiting for
 * something that will not help.
 *
 * "Borrowed today and renewed today" (SPEC.md §10): the new due date would not be later than
 * the current one. SPEC says "say so and change nothing"; the issue text says "unless that is
 * earlier than the current due date, in which case the current due date stays (say so)".
 * Chosen: a new due date that is equal to OR earlier than the current one is refused with
 * no_later_due and nothing changes — in particular the one renewal allowed is not used up by
 * a renewal that gives the patron nothing.
 */
export function checkRenewal(input: RenewalInput): RenewalCheck {
  const { loan, settings, calendar, today } = input

  if (compareDays(today, loan.due_on) > 0) return { ok: false, reason: 'overdue' }

  if (settings.notRenewableMaterialTypes.includes(loan.material_type)) {
    const reason = AUDIO_VISUAL_TYPES.includes(loan.material_type)
      ? 'audio_visual'
      : 'not_renewable_type'
    return { ok: false, reason }
  }

  if (loan.renewal_count >= settings.maxRenewals) return { ok: false, reason: 'already_renewed' }

  if (input.otherActiveHolds > 0) return { ok: false, reason: 'reserved' }

  if (settings.renewalWindowDays !== null) {
    const from = addDays(loan.due_on, -settings.renewalWindowDays)
    if (compareDays(today, from) < 0) return { ok: false, reason: 'too_early', from }
  }

  const newDueOn = renewedDueDate(settings, calendar, today)
  if (compareDays(newDueOn, loan.due_on) <= 0) return { ok: false, reason: 'no_later_due' }

  return { ok: true, newDueOn, keepsCurrentDue: false }
}

/** The due date of a renewal made on day: day + renewalPeriodDays, never a closed day. */
export function renewedDueDate(
  settings: Pick<LibrarySettings, 'renewalPeriodDays'>,
  calendar: LibraryCalendar,
  day: string,
): string {
  return calendar.openingDayOnOrAfter(addDays(day, settings.renewalPeriodDays))
}
