// Patron maintenance at the counter (staff API): registration, changes, suspension, clearing a
// password, ending a patron's sessions.
import { sql } from 'kysely'
import type { Db } from './database.ts'
import type { AgeGroup, Residency } from './schema.ts'

export interface PatronFields {
  card_number: string
  full_name: string
  full_name_reading: string
  birth_date: string
  residency: Residency
  disability_service: boolean
  age_group: AgeGroup
}

export function staffPatronRepository(db: Db) {
  return {
    async insert(libraryId: number, fields: PatronFields): Promise<number> {
      const result = await db
        .insertInto('patron')
        .values({ library_id: libraryId, ...fields, disability_service: fields.disability_service })
        .executeTakeFirstOrThrow()
      return Number(result.insertId)
    },

    async update(libraryId: number, id: number, fields: Partial<PatronFields>): Promise<void> {
      if (Object.keys(fields).length === 0) return
      await db
        .updateTable('patron')
        .set(fields)
        .where('library_id', '=', libraryId)
        .where('id', '=', id)
        .execute()
    },

    async setSuspension(
      libraryId: number,
      id: number,
      suspension: { at: string; reason: string } | null,
    ): Promise<void> {
      await db
        .updateTable('patron')
        .set({ suspended_at: suspension?.at ?? null, suspended_reason: suspension?.reason ?? '' })
        .where('library_id', '=', libraryId)
        .where('id', '=', id)
        .execute()
    },

    /** Clears a forgotten password (rules A: the patron registers a new one on the site). */
    async clearPassword(libraryId: number, id: number, now: string): Promise<void> {
      await db
        .updateTable('patron')
        .set({ password_hash: null, password_is_initial: 0, password_changed_at: now })
        .where('library_id', '=', libraryId)
        .where('id', '=', id)
        .execute()
    },

    /** Deletes the patron's login sessions (PC cookies and keitai URLs alike). */
    async endSessions(libraryId: number, patronId: number): Promise<number> {
      // patron_id (sql/0033) marks sessions written since; older rows carry it in their data.
      const result = await db
        .deleteFrom('session')
        .where((eb) =>
          eb.or([
            eb('patron_id', '=', patronId),
            eb.and([
              sql<boolean>`JSON_VALUE(data, '$.patronId') = ${String(patronId)}`,
              sql<boolean>`JSON_VALUE(data, '$.libraryId') = ${String(libraryId)}`,
            ]),
          ]),
        )
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}

export type StaffPatronRepository = ReturnType<typeof staffPatronRepository>
