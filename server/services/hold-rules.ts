// When things happen to a hold (SPEC.md §4, worked examples in §10): the day a hold on the
// hold shelf must be collected by (受取期限), and the moment a web hold placed under 「来館者優先」
// (rules B) stops being 依頼中 and becomes formal. Pure functions of the library's settings, its
// calendar (opening days) and the hold's own dates; the hold service, its jobs, the staff API
// and the demo data all take these answers from here.
import { tokyoDay, tokyoInstant } from '../clock.ts'
import type { HoldChannel } from '../db/schema.ts'
import { shelfDeadline } from './calendar-service.ts'
import type { LibraryCalendar } from './calendar-service.ts'
import type { LibrarySettings } from './library-settings.ts'

/**
 * The last day a trapped hold may be collected, an Asia/Tokyo date 'YYYY-MM-DD'; never a
 * closed day.
 * - rules A (calendar days, 「到着連絡を受けてから8日以内」): counted from the day of the
 *   arrival notice — the day the hold became 受取り可 when no notice is sent (contact none) —
 *   plus shelfPeriodDays, moved to the next opening day when that day is closed;
 * - rules B (opening days, 「確保日の翌開館日から7開館日」): counted from the day the copy was
 *   secured; the first opening day after it is day 1, the shelfPeriodDays-th is the deadline.
 */
export function pickupDeadline(
  settings: Pick<LibrarySettings, 'shelfPeriodDays' | 'shelfPeriodCounts'>,
  calendar: LibraryCalendar,
  hold: { securedOn: string; noticeOn?: string | null },
): string {
  const from =
    settings.shelfPeriodCounts === 'calendar_days'
      ? (hold.noticeOn ?? hold.securedOn)
      : hold.securedOn
  return shelfDeadline(settings, calendar, from)
}

/**
 * When a hold becomes formal (正式な予約: counted in the queue, can be trapped).
 * - Holds placed at the counter or by telephone, and every hold where the rules do not make
 *   web holds wait (rules A): at once, the moment they were requested.
 * - Web holds (from home or a 検索機) under webHoldsWaitForNextOpeningDay (rules B): on the
 *   morning of the next opening day after the day of the request, at webHoldsFormalTime
 *   (Asia/Tokyo), before the counter opens. A request made on a closed day, or on the day
 *   before closed days, waits for the first opening day after them.
 */
export function holdFormalAt(
  settings: Pick<LibrarySettings, 'webHoldsWaitForNextOpeningDay' | 'webHoldsFormalTime'>,
  calendar: LibraryCalendar,
  hold: { channel: HoldChannel; requestedAt: Date },
): Date {
  if (hold.channel !== 'web' || !settings.webHoldsWaitForNextOpeningDay) return hold.requestedAt
  const day = calendar.nextOpeningDay(tokyoDay(hold.requestedAt))
  return tokyoInstant(day, settings.webHoldsFormalTime)
}
