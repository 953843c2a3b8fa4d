// The lock every unit of work that changes a patron's holds, loans or address takes first. On
// one server SELECT … FOR UPDATE is enough; on a Galera cluster a row lock holds only on its
// own node, and two nodes would both get it. Raising patron.lock_serial is a write, and writes
// are certified cluster-wide: of two units of one patron on two nodes, the second to commit
// fails with a deadlock (1213) and is run again by the transaction helper, after the first.
import type { Db } from './database.ts'

/** Raises the patron's lock_serial (taking the row lock); false when there is no such patron. */
export async function lockPatronRow(db: Db, libraryId: number, patronId: number): Promise<boolean> {
  const result = await db
    .updateTable('patron')
    .set((eb) => ({ lock_serial: eb('lock_serial', '+', 1) }))
    .where('library_id', '=', libraryId)
    .where('id', '=', patronId)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}
