// お知らせ (library_notice): library news staff post and withdraw.
import type { Db } from './database.ts'

export interface NoticeRow {
  id: number
  title: string
  body: string
  show_from: string
  show_until: string | null
  created_at: string
  withdrawn_at: string | null
}

const COLUMNS = [
  'id',
  'title',
  'body',
  'show_from',
  'show_until',
  'created_at',
  'withdrawn_at',
] as const

export function noticeRepository(db: Db) {
  return {
    async insert(notice: {
      library_id: number
      title: string
      body: string
      show_from: string
      show_until: string | null
      created_at: string
    }): Promise<number> {
      const result = await db.insertInto('library_notice').values(notice).executeTakeFirstOrThrow()
      return Number(result.insertId)
    },

    async byId(libraryId: number, id: number): Promise<NoticeRow | undefined> {
      return db
        .selectFrom('library_notice')
        .select(COLUMNS)
        .where('library_id', '=', libraryId)
        .where('id', '=', id)
        .executeTakeFirst()
    },

    /** Every notice not withdrawn (staff list), newest first. */
    async all(libraryId: number, includeWithdrawn: boolean, limit: number): Promise<NoticeRow[]> {
      return db
        .selectFrom('library_notice')
        .select(COLUMNS)
        .where('library_id', '=', libraryId)
        .$if(!includeWithdrawn, (q) => q.where('withdrawn_at', 'is', null))
        .orderBy('show_from', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute()
    },

    /** Notices shown on `day`: not withdrawn, show_from ≤ day ≤ show_until. */
    async current(libraryId: number, day: string, limit: number): Promise<NoticeRow[]> {
      return db
        .selectFrom('library_notice')
        .select(COLUMNS)
        .where('library_id', '=', libraryId)
        .where('withdrawn_at', 'is', null)
        .where('show_from', '<=', day)
        .where((eb) => eb.or([eb('show_until', 'is', null), eb('show_until', '>=', day)]))
        .orderBy('show_from', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute()
    },

    async update(
      libraryId: number,
      id: number,
      fields: Partial<Pick<NoticeRow, 'title' | 'body' | 'show_from' | 'show_until'>>,
    ): Promise<void> {
      if (Object.keys(fields).length === 0) return
      await db
        .updateTable('library_notice')
        .set(fields)
        .where('library_id', '=', libraryId)
        .where('id', '=', id)
        .execute()
    },

    async withdraw(libraryId: number, id: number, now: string): Promise<void> {
      await db
        .updateTable('library_notice')
        .set({ withdrawn_at: now })
        .where('library_id', '=', libraryId)
        .where('id', '=', id)
        .where('withdrawn_at', 'is', null)
        .execute()
    },
  }
}

export type NoticeRepository = ReturnType<typeof noticeRepository>
