// Exceptions to a library's weekly closed days (calendar_day).
import type { Db } from './database.ts'

export function calendarRepository(db: Db) {
  return {
    async exceptions(
      libraryId: number,
      from: string,
      to: string,
    ): Promise<{ day: string; is_open: number }[]> {
      return db
        .selectFrom('calendar_day')
        .select(['day', 'is_open'])
        .where('library_id', '=', libraryId)
        .where('day', '>=', from)
        .where('day', '<=', to)
        .execute()
    },
  }
}

export type CalendarRepository = ReturnType<typeof calendarRepository>
