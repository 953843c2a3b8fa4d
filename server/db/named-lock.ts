// Named locks (GET_LOCK / RELEASE_LOCK) so that two processes never do the same thing at once:
// a job, a migration, an index build. The lock belongs to one connection, taken from the pool
// for as long as the work runs; it is released at the end, and by the server if the connection
// or the process dies. Lock names are server-wide and MySQL allows 64 characters, so a name is
// prefixed with the database's (two databases on one server never collide) and hashed when
// that would be too long.
import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import type { Db } from './database.ts'

export type LockOutcome<T> = { ok: true; value: T } | { ok: false; reason: 'busy' }

const MAX_LOCK_NAME = 64

/** The server-wide name of lock `name` in `database` (at most 64 characters). */
export function lockName(database: string, name: string): string {
  const full = `opac:${database}:${name}`
  if ([...full].length <= MAX_LOCK_NAME) return full
  return `opac:${createHash('sha1').update(`${database}:${name}`, 'utf8').digest('hex')}`
}

/**
 * Runs `work` while holding the named lock and returns its result as { ok: true, value }, or
 * { ok: false, reason: 'busy' } without running it when another connection (another process)
 * still holds the lock after waitSeconds (default 0: do not wait). `work` gets the connection
 * that holds the lock; it may use it or the pool (the pool needs a free connection besides).
 */
export async function withNamedLock<T>(
  db: Db,
  name: string,
  work: (connection: Db) => Promise<T>,
  options: { waitSeconds?: number } = {},
): Promise<LockOutcome<T>> {
  const waitSeconds = Math.ceil(options.waitSeconds ?? 0)
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) {
    throw new RangeError(`waitSeconds must be 0 or more, got ${options.waitSeconds}`)
  }
  return db.connection().execute(async (connection) => {
    const database = await sql<{ name: string | null }>`SELECT DATABASE() AS name`.execute(
      connection,
    )
    const lock = lockName(database.rows[0]?.name ?? '', name)
    const got = await sql<{
      got: number | string | null
    }>`SELECT GET_LOCK(${lock}, ${waitSeconds}) AS got`.execute(connection)
    const answer = got.rows[0]?.got
    if (answer === null || answer === undefined) throw new Error(`GET_LOCK(${lock}) failed`)
    if (Number(answer) !== 1) return { ok: false, reason: 'busy' }
    let value: T
    try {
      value = await work(connection)
    } catch (error) {
      // The work's error matters more; a failed release ends with the connection anyway.
      await sql`SELECT RELEASE_LOCK(${lock})`.execute(connection).catch(() => undefined)
      throw error
    }
    await sql`SELECT RELEASE_LOCK(${lock})`.execute(connection)
    return { ok: true, value }
  })
}
