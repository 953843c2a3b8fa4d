// Patrons of one library, and their online-service credentials.
import { sql } from 'kysely'
import type { Db } from './database.ts'
import { ACTIVE_HOLD_STATUSES } from './schema.ts'
import type { Patron } from './schema.ts'

export interface PatronSummary {
  loans: number
  overdue: number
  holdsReady: number
  holds: number
}

export function patronRepository(db: Db) {
  return {
    async byCard(libraryId: number, card: string): Promise<Patron | undefined> {
      return db
        .selectFrom('patron')
        .selectAll()
        .where('library_id', '=', libraryId)
        .where('card_number', '=', card)
        .executeTakeFirst()
    },

    async byId(libraryId: number, id: number): Promise<Patron | undefined> {
      return db
        .selectFrom('patron')
        .selectAll()
        .where('library_id', '=', libraryId)
        .where('id', '=', id)
        .executeTakeFirst()
    },

    /**
     * Sets a password. expectedHash guards against a concurrent change (null = had none;
     * undefined = replace whatever is there, as staff do when they issue one).
     */
    async setPassword(
      libraryId: number,
      id: number,
      hash: string,
      options: { initial: boolean; expectedHash: string | null | undefined; now: string },
    ): Promise<boolean> {
      const result = await db
        .updateTable('patron')
        .set({
          password_hash: hash,
          password_is_initial: options.initial ? 1 : 0,
          password_changed_at: options.now,
        })
        .where('library_id', '=', libraryId)
        .where('id', '=', id)
        .where((eb) =>
          options.expectedHash === undefined
            ? eb.val(true)
            : options.expectedHash === null
              ? eb('password_hash', 'is', null)
              : eb('password_hash', '=', options.expectedHash),
        )
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    async summary(libraryId: number, patronId: number, today: string): Promise<PatronSummary> {
      const loans = await db
        .selectFrom('loan')
        .where('library_id', '=', libraryId)
        .where('patron_id', '=', patronId)
        .where('returned_at', 'is', null)
        .select((eb) => [
          eb.fn.countAll<number>().as('loans'),
          sql<number>`COALESCE(SUM(due_on < ${today}), 0)`.as('overdue'),
        ])
        .executeTakeFirstOrThrow()
      const holds = await db
        .selectFrom('hold')
        .where('library_id', '=', libraryId)
        .where('patron_id', '=', patronId)
        .where('status', 'in', ACTIVE_HOLD_STATUSES)
        .select((eb) => [
          eb.fn.countAll<number>().as('holds'),
          sql<number>`COALESCE(SUM(status = 'ready'), 0)`.as('ready'),
        ])
        .executeTakeFirstOrThrow()
      return {
        loans: Number(loans.loans),
        overdue: Number(loans.overdue),
        holds: Number(holds.holds),
        holdsReady: Number(holds.ready),
      }
    },
  }
}

export type PatronRepository = ReturnType<typeof patronRepository>
