// 開館日カレンダー (a month table on PC; the next closed days on keitai), opening hours and
// today's state, and the お知らせ pages, on both channels.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Router } from 'express'
import type { Response } from 'express'
import { HttpError } from '../errors.ts'
import { channelOf } from '../middleware/channel.ts'
import { libraryOf } from '../middleware/library.ts'
import { param } from '../middleware/query.ts'
import { routeWithinLibrary } from '../paths.ts'
import type { Channel, PathName } from '../paths.ts'
import { VIEWS_DIR } from '../render/views.ts'
import type { Renderer } from '../render/views.ts'
import { addDays, dayNumber, isValidDay } from '../services/calendar-service.ts'
import type { NoticeService } from '../services/notice-service.ts'
import type {
  CalendarDayView,
  OpeningCalendarService,
} from '../services/opening-calendar-service.ts'
import { pageContext, publicUrlOf } from '../web.ts'

/**
 * What the last accessibility test run found (`npm run test:a11y` writes it when run with
 * `A11Y_WRITE_RESULTS=1`; it is committed with the views): the page shows it as is.
 */
export interface AccessibilityResults {
  testedOn: string
  tools: { name: string; version: string }[]
  pages: { name: string; path: string; axeViolations: number; nuErrors: number }[]
  textBrowsers?: { name: string; version: string; journeys: number; passed: number }[]
}

const RESULTS_FILE = join(VIEWS_DIR, 'accessibility-results.json')
let resultsCache: { at: number; results: AccessibilityResults | null } | null = null

/** The committed results, re-read at most once a minute; null when there are none. */
function accessibilityResults(): AccessibilityResults | null {
  if (resultsCache && Date.now() - resultsCache.at < 60_000) return resultsCache.results
  let results: AccessibilityResults | null
  try {
    results = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as AccessibilityResults
  } catch {
    results = null
  }
  resultsCache = { at: Date.now(), results }
  return results
}

/** Closed days listed on the keitai page. */
const KEITAI_CLOSED_DAYS = 10
/** Characters of a notice shown on keitai (2 bytes each in Shift_JIS, within the budget). */
const KEITAI_NOTICE_CHARS = 1000
/** How far from this month the PC calendar pages go. */
const MONTHS_AROUND = 12

const monthOf = (day: string) => day.slice(0, 7)

function shiftMonth(month: string, by: number): string {
  const [y, m] = [Number(month.slice(0, 4)), Number(month.slice(5, 7))]
  const index = y * 12 + (m - 1) + by
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`
}

function monthsBetween(a: string, b: string): number {
  return (
    (Number(b.slice(0, 4)) - Number(a.slice(0, 4))) * 12 +
    Number(b.slice(5, 7)) -
    Number(a.slice(5, 7))
  )
}

/** The month's days as weeks of seven cells (Sunday first), null outside the month. */
function weeksOf(days: CalendarDayView[]): (CalendarDayView | null)[][] {
  const cells: (CalendarDayView | null)[] = []
  const first = days[0]
  if (first) for (let i = 0; i < first.weekday; i++) cells.push(null)
  cells.push(...days)
  while (cells.length % 7) cells.push(null)
  const weeks = []
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7))
  return weeks
}

export function libraryInfoRoutes(
  deps: { openingCalendar: OpeningCalendarService; notices: NoticeService; renderer: Renderer },
  channel: Channel,
): Router {
  const { openingCalendar, notices, renderer } = deps
  const router = Router({ mergeParams: true })
  const route = (name: PathName) => routeWithinLibrary(channel, name)
  const render = (res: Response, view: string, data: object) =>
    renderer.page(res, channelOf(res), view, data)

  router.get(route('calendar'), async (_req, res) => {
    const lib = libraryOf(res)
    const rawBranch = param(res, 'branch')
    const branch =
      rawBranch === undefined || rawBranch === ''
        ? null
        : (lib.branches.find((b) => String(b.id) === rawBranch) ?? undefined)
    if (branch === undefined) {
      throw new HttpError(404, 'この館はありません。図書館の一覧からお選びください。')
    }
    const branchId = branch?.id ?? null
    const today = await openingCalendar.today(lib, branchId)
    const thisMonth = monthOf(today.day)
    const rawMonth = param(res, 'month') ?? thisMonth
    const month = isValidDay(`${rawMonth}-01`) ? rawMonth : null
    if (month === null || Math.abs(monthsBetween(thisMonth, month)) > MONTHS_AROUND) {
      throw new HttpError(404, `カレンダーは前後${MONTHS_AROUND}か月分をご覧いただけます。`)
    }
    const first = `${month}-01`
    const last = addDays(`${shiftMonth(month, 1)}-01`, -1)
    const days = channel === 'pc' ? await openingCalendar.days(lib, first, last, branchId) : []
    const closed =
      channel === 'keitai'
        ? await openingCalendar.nextClosedDays(lib, KEITAI_CLOSED_DAYS, branchId)
        : days.filter((d) => !d.open)
    const linkMonth = (by: number) => {
      const target = shiftMonth(month, by)
      return Math.abs(monthsBetween(thisMonth, target)) <= MONTHS_AROUND ? target : null
    }
    render(res, 'calendar', {
      ...pageContext(res, '開館日カレンダー', {
        switchTo: 'calendar',
        switchQuery: branchId ? { branch: String(branchId) } : {},
      }),
      today,
      month,
      monthLabel: `${Number(month.slice(0, 4))}年${Number(month.slice(5, 7))}月`,
      weeks: weeksOf(days),
      closed,
      branch,
      branches: lib.branches,
      openingHours: lib.settings.openingHours,
      prevMonth: linkMonth(-1),
      nextMonth: linkMonth(1),
      dayNumber,
    })
  })

  router.get(route('accessibility'), (_req, res) => {
    render(res, 'accessibility', {
      ...pageContext(res, 'アクセシビリティ方針', { switchTo: 'accessibility' }),
      siteUrl: `${publicUrlOf(res)}/${libraryOf(res).library.slug}/`,
      results: accessibilityResults(),
    })
  })

  router.get(route('notice'), async (req, res) => {
    const lib = libraryOf(res)
    const id = /^[1-9]\d{0,9}$/.test(String(req.params.id)) ? Number(req.params.id) : 0
    const notice = id ? await notices.shown(lib.library.id, id) : null
    if (!notice) throw new HttpError(404, 'このお知らせは掲載を終了しました。')
    // A keitai page holds at most 5,120 bytes: a long notice is cut there, the PC page has it all.
    const chars = Array.from(notice.body)
    const cut = channel === 'keitai' && chars.length > KEITAI_NOTICE_CHARS
    const body = cut ? `${chars.slice(0, KEITAI_NOTICE_CHARS).join('')}…` : notice.body
    render(res, 'library-notice', {
      ...pageContext(res, notice.title, { switchTo: 'notice', switchParams: { id: notice.id } }),
      notice,
      cut,
      paragraphs: body.split(/\r?\n\s*\r?\n/).map((p) => p.split(/\r?\n/)),
    })
  })

  return router
}
