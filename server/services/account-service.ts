// The logged-in patron: who they are and the counts the portal opens with. The rules of
// what a patron may do are in their own services (auth, loans, lists, holds).
import type { Clock } from '../clock.ts'
import { today } from '../clock.ts'
import type { PatronRepository, PatronSummary } from '../db/patron-repository.ts'
import type { Patron } from '../db/schema.ts'

export type { PatronSummary }

export function accountService(deps: { patrons: PatronRepository; clock: Clock }) {
  const { patrons, clock } = deps
  return {
    /** The patron of this library with this id, if any. */
    patron(libraryId: number, patronId: number): Promise<Patron | undefined> {
      return patrons.byId(libraryId, patronId)
    },

    /** Loans (and how many are overdue today) and active holds (and how many are ready). */
    summary(libraryId: number, patronId: number): Promise<PatronSummary> {
      return patrons.summary(libraryId, patronId, today(clock))
    },
  }
}

export type AccountService = ReturnType<typeof accountService>
