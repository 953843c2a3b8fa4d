// お知らせ: staff post library news with the dates it is shown, change it and withdraw it; the
// library's top page lists the current ones on both channels.
import type { Clock } from '../clock.ts'
import { today as todayOf, utcDateTime } from '../clock.ts'
import type { NoticeRepository, NoticeRow } from '../db/notice-repository.ts'
import { compareDays } from './calendar-service.ts'

export type { NoticeRow }

/** How many current notices the top page lists (newest first). */
export const TOP_PAGE_NOTICES = 5

export type NoticeOutcome =
  { ok: true; notice: NoticeRow } | { ok: false; reason: 'not_found' | 'bad_dates' }

export interface NoticeInput {
  title: string
  body: string
  showFrom?: string
  showUntil?: string | null
}

export function noticeService(deps: { notices: NoticeRepository; clock: Clock }) {
  const { notices, clock } = deps
  const datesOk = (from: string, until: string | null) =>
    until === null || compareDays(until, from) >= 0

  async function found(libraryId: number, id: number): Promise<NoticeOutcome> {
    const notice = await notices.byId(libraryId, id)
    return notice ? { ok: true, notice } : { ok: false, reason: 'not_found' }
  }

  return {
    async post(libraryId: number, input: NoticeInput): Promise<NoticeOutcome> {
      const from = input.showFrom ?? todayOf(clock)
      const until = input.showUntil ?? null
      if (!datesOk(from, until)) return { ok: false, reason: 'bad_dates' }
      const id = await notices.insert({
        library_id: libraryId,
        title: input.title,
        body: input.body,
        show_from: from,
        show_until: until,
        created_at: utcDateTime(clock.now()),
      })
      return found(libraryId, id)
    },

    get: found,

    async change(
      libraryId: number,
      id: number,
      input: Partial<NoticeInput>,
    ): Promise<NoticeOutcome> {
      const current = await notices.byId(libraryId, id)
      if (!current) return { ok: false, reason: 'not_found' }
      const from = input.showFrom ?? current.show_from
      const until = input.showUntil === undefined ? current.show_until : input.showUntil
      if (!datesOk(from, until)) return { ok: false, reason: 'bad_dates' }
      await notices.update(libraryId, id, {
        ...(input.title === undefined ? {} : { title: input.title }),
        ...(input.body === undefined ? {} : { body: input.body }),
        show_from: from,
        show_until: until,
      })
      return found(libraryId, id)
    },

    async withdraw(libraryId: number, id: number): Promise<NoticeOutcome> {
      if (!(await notices.byId(libraryId, id))) return { ok: false, reason: 'not_found' }
      await notices.withdraw(libraryId, id, utcDateTime(clock.now()))
      return found(libraryId, id)
    },

    list: (libraryId: number, includeWithdrawn: boolean) =>
      notices.all(libraryId, includeWithdrawn, 200),

    /** What patrons see today, newest first. */
    current: (libraryId: number, limit = TOP_PAGE_NOTICES) =>
      notices.current(libraryId, todayOf(clock), limit),

    /** One notice as patrons may see it today (not withdrawn, within its dates), or null. */
    async shown(libraryId: number, id: number): Promise<NoticeRow | null> {
      const notice = await notices.byId(libraryId, id)
      const day = todayOf(clock)
      if (!notice || notice.withdrawn_at) return null
      if (notice.show_from > day || (notice.show_until !== null && notice.show_until < day)) {
        return null
      }
      return notice
    },
  }
}

export type NoticeService = ReturnType<typeof noticeService>
