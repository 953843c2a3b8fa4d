// express-session's store over Kysely: one row per session in the `session` table, shared by
// every app instance (sql/0010_create_session.sql). Rows carry their own expiry (UTC DATETIME);
// get ignores expired rows and purgeExpired deletes them in batches. A small store of our own
// instead of express-mysql-session, which pins an old mysql2 (stack-notes.md).
import session from 'express-session'
import type { SessionData } from 'express-session'
import type { Clock } from '../clock.ts'
import { utcDateTime } from '../clock.ts'
import type { Db } from './database.ts'

/** Rows deleted per statement by purgeExpired, so a big purge never holds long locks. */
const PURGE_BATCH = 1000

type Callback = (err?: unknown) => void

export class MysqlSessionStore extends session.Store {
  private readonly db: Db
  private readonly ttlSeconds: number
  private readonly clock: Clock

  /**
   * @param options.ttlSeconds lifetime of a row whose cookie has no expiry (express-session
   *   normally gives every cookie an expiry from its maxAge, the idle timeout).
   * @param options.clock "now" for expiry checks and purges.
   */
  constructor(db: Db, options: { ttlSeconds: number; clock: Clock }) {
    super()
    this.db = db
    this.ttlSeconds = options.ttlSeconds
    this.clock = options.clock
  }

  private now(): string {
    return utcDateTime(this.clock.now())
  }

  /** The row's expiry: the cookie's own expiry when it has one, otherwise now + ttl. */
  private expiresAt(data: SessionData): string {
    const expires = data.cookie?.expires
    if (expires) {
      const at = new Date(expires)
      if (!Number.isNaN(at.getTime())) return utcDateTime(at)
    }
    return utcDateTime(new Date(this.clock.now().getTime() + this.ttlSeconds * 1000))
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    this.db
      .selectFrom('session')
      .select('data')
      .where('sid', '=', sid)
      .where('expires_at', '>', this.now())
      .executeTakeFirst()
      .then(
        (row) => callback(null, row ? parseSession(row.data) : null),
        (err: unknown) => callback(err),
      )
  }

  override set(sid: string, data: SessionData, callback?: Callback): void {
    const expires_at = this.expiresAt(data)
    const json = JSON.stringify(data)
    const patron_id = typeof data.patronId === 'number' ? data.patronId : null
    this.db
      .insertInto('session')
      .values({ sid, expires_at, patron_id, data: json })
      .onDuplicateKeyUpdate({ expires_at, patron_id, data: json })
      .execute()
      .then(
        () => callback?.(),
        (err: unknown) => callback?.(err),
      )
  }

  /** Extends a live session's expiry without rewriting its data (rolling sessions). */
  override touch(sid: string, data: SessionData, callback?: Callback): void {
    this.db
      .updateTable('session')
      .set({ expires_at: this.expiresAt(data) })
      .where('sid', '=', sid)
      // An expired row that purgeExpired has not reached yet must stay dead.
      .where('expires_at', '>', this.now())
      .execute()
      .then(
        () => callback?.(),
        (err: unknown) => callback?.(err),
      )
  }

  override destroy(sid: string, callback?: Callback): void {
    this.db
      .deleteFrom('session')
      .where('sid', '=', sid)
      .execute()
      .then(
        () => callback?.(),
        (err: unknown) => callback?.(err),
      )
  }

  /**
   * Ends every session of a patron but `exceptSid` (the one that changed the password);
   * returns how many were ended.
   */
  async endPatronSessions(patronId: number, exceptSid?: string): Promise<number> {
    let query = this.db.deleteFrom('session').where('patron_id', '=', patronId)
    if (exceptSid !== undefined) query = query.where('sid', '<>', exceptSid)
    const result = await query.executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  /** Deletes expired rows, PURGE_BATCH at a time; returns how many were deleted. */
  async purgeExpired(): Promise<number> {
    const now = this.now()
    let total = 0
    for (;;) {
      const result = await this.db
        .deleteFrom('session')
        .where('expires_at', '<', now)
        .limit(PURGE_BATCH)
        .executeTakeFirst()
      const deleted = Number(result.numDeletedRows)
      total += deleted
      if (deleted < PURGE_BATCH) return total
    }
  }
}

/** A stored row back to SessionData; a row that is not a session (corrupt) counts as absent. */
function parseSession(json: string): SessionData | null {
  try {
    const value: unknown = JSON.parse(json)
    if (
      value &&
      typeof value === 'object' &&
      'cookie' in value &&
      value.cookie &&
      typeof value.cookie === 'object'
    ) {
      return value as SessionData
    }
  } catch {
    // fall through: treated as no session
  }
  return null
}
