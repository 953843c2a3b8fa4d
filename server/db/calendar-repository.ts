// Exceptions to a library's weekly closed days (calendar_day), a branch's own exceptions
// (branch_calendar_day), and the staff's changes to them.
import type { Db } from './database.ts'

export interface CalendarException {
  day: string
  is_open: number
  note: string
}

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

    /** Every branch's own exceptions in the library between two days. */
    async branchExceptions(
      libraryId: number,
      from: string,
      to: string,
    ): Promise<{ branch_id: number; day: string; is_open: number }[]> {
      return db
        .selectFrom('branch_calendar_day')
        .select(['branch_id', 'day', 'is_open'])
        .where('library_id', '=', libraryId)
        .where('day', '>=', from)
        .where('day', '<=', to)
        .execute()
    },

    /** The library's exceptions with their notes, oldest first. */
    async libraryDays(libraryId: number, from: string, to: string): Promise<CalendarException[]> {
      return db
        .selectFrom('calendar_day')
        .select(['day', 'is_open', 'note'])
        .where('library_id', '=', libraryId)
        .where('day', '>=', from)
        .where('day', '<=', to)
        .orderBy('day')
        .execute()
    },

    async branchDays(
      libraryId: number,
      branchId: number,
      from: string,
      to: string,
    ): Promise<CalendarException[]> {
      return db
        .selectFrom('branch_calendar_day')
        .select(['day', 'is_open', 'note'])
        .where('library_id', '=', libraryId)
        .where('branch_id', '=', branchId)
        .where('day', '>=', from)
        .where('day', '<=', to)
        .orderBy('day')
        .execute()
    },

    /** Sets exceptions (insert or replace), for the library or for one of its branches. */
    async setDays(
      libraryId: number,
      branchId: number | null,
      days: readonly { day: string; open: boolean; note: string }[],
    ): Promise<void> {
      if (days.length === 0) return
      if (branchId === null) {
        await db
          .insertInto('calendar_day')
          .values(
            days.map((d) => ({ library_id: libraryId, day: d.day, is_open: d.open, note: d.note })),
          )
          .onDuplicateKeyUpdate((eb) => ({
            is_open: eb.fn('VALUES', [eb.ref('is_open')]),
            note: eb.fn('VALUES', [eb.ref('note')]),
          }))
          .execute()
        return
      }
      await db
        .insertInto('branch_calendar_day')
        .values(
          days.map((d) => ({
            library_id: libraryId,
            branch_id: branchId,
            day: d.day,
            is_open: d.open,
            note: d.note,
          })),
        )
        .onDuplicateKeyUpdate((eb) => ({
          is_open: eb.fn('VALUES', [eb.ref('is_open')]),
          note: eb.fn('VALUES', [eb.ref('note')]),
        }))
        .execute()
    },

    async clearDay(libraryId: number, branchId: number | null, day: string): Promise<boolean> {
      const result =
        branchId === null
          ? await db
              .deleteFrom('calendar_day')
              .where('library_id', '=', libraryId)
              .where('day', '=', day)
              .executeTakeFirst()
          : await db
              .deleteFrom('branch_calendar_day')
              .where('library_id', '=', libraryId)
              .where('branch_id', '=', branchId)
              .where('day', '=', day)
              .executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    },
  }
}

export type CalendarRepository = ReturnType<typeof calendarRepository>
