// Loans of a patron, with what the renewal rules need to know about each.
import { sql } from 'kysely'
import type { Db } from './database.ts'
import { ACTIVE_HOLD_STATUSES } from './schema.ts'
import type { MaterialType } from './schema.ts'
import { inTransaction } from './transaction.ts'

export interface LoanRow {
  id: number
  record_id: number
  title: string
  author: string
  material_type: MaterialType
  call_number: string
  loaned_on: string
  due_on: string
  renewal_count: number
  /** UTC 'YYYY-MM-DD HH:MM:SS' of the last renewal, or null. */
  renewed_at: string | null
  /** Active holds on the loan's record by other patrons. */
  other_holds: number
}

function loansQuery(db: Db, libraryId: number, patronId: number) {
  return db
    .selectFrom('loan as l')
    .innerJoin('copy as c', (j) =>
      j.onRef('c.library_id', '=', 'l.library_id').onRef('c.id', '=', 'l.copy_id'),
    )
    .innerJoin('record as r', (j) =>
      j.onRef('r.library_id', '=', 'c.library_id').onRef('r.id', '=', 'c.record_id'),
    )
    .where('l.library_id', '=', libraryId)
    .where('l.patron_id', '=', patronId)
    .where('l.returned_at', 'is', null)
    .select([
      'l.id',
      'r.id as record_id',
      'r.title',
      'r.author',
      'r.material_type',
      'c.call_number',
      'l.loaned_on',
      'l.due_on',
      'l.renewal_count',
      'l.renewed_at',
    ])
    .select(
      sql<number>`(SELECT COUNT(*) FROM hold h WHERE h.library_id = l.library_id
        AND h.record_id = c.record_id AND h.patron_id <> l.patron_id
        AND h.status IN (${sql.join(ACTIVE_HOLD_STATUSES)}))`.as('other_holds'),
    )
}

export function loanRepository(db: Db) {
  return {
    async activeLoans(libraryId: number, patronId: number): Promise<LoanRow[]> {
      const rows = await loansQuery(db, libraryId, patronId)
        .orderBy('l.due_on')
        .orderBy('l.id')
        .execute()
      return rows.map((r) => ({ ...r, other_holds: Number(r.other_holds) }))
    },

    /**
     * Renews loans in one transaction: each loan row is locked (FOR UPDATE) and decide() sees
     * it as it is now, so two concurrent requests cannot both renew the same loan. decide() may
     * be called again when the transaction is retried after a deadlock.
     */
    async renew<T>(
      libraryId: number,
      patronId: number,
      loanIds: number[],
      now: string,
      decide: (loan: LoanRow) => { dueOn: string } | T,
    ): Promise<{ loan: LoanRow; outcome: { dueOn: string } | T }[]> {
      return inTransaction(db, async (trx) => {
        const locked = await trx
          .selectFrom('loan')
          .select('id')
          .where('library_id', '=', libraryId)
          .where('patron_id', '=', patronId)
          .where('id', 'in', loanIds.length ? loanIds : [0])
          .where('returned_at', 'is', null)
          .forUpdate()
          .execute()
        const ids = new Set(locked.map((l) => l.id))
        const loans = (await loansQuery(trx, libraryId, patronId).execute())
          .filter((l) => ids.has(l.id))
          .map((r) => ({ ...r, other_holds: Number(r.other_holds) }))
        const results = []
        for (const loan of loans) {
          const outcome = decide(loan)
          if (outcome && typeof outcome === 'object' && 'dueOn' in outcome) {
            await trx
              .updateTable('loan')
              .set({
                due_on: outcome.dueOn,
                renewal_count: loan.renewal_count + 1,
                renewed_at: now,
              })
              .where('id', '=', loan.id)
              .where('renewal_count', '=', loan.renewal_count)
              .execute()
          }
          results.push({ loan, outcome })
        }
        return results
      })
    },
  }
}

export type LoanRepository = ReturnType<typeof loanRepository>
