// Failure counters for logins and identity checks (sql/0011_create_throttle.sql), shared by
// every app instance. One row per (scope, subject): the failures counted since window_start
// and, once the limit was reached, locked_until. The rules (limit, window, lock) come from the
// caller (services/throttle-service.ts); this file only stores and counts, atomically.
import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import type { Db } from './database.ts'
import type { ThrottleScope } from './schema.ts'
import { fromUtcDateTime, utcDateTime } from '../clock.ts'
import { inTransaction } from './transaction.ts'

export interface ThrottleRule {
  /** Failures within the window that lock the subject. */
  limit: number
  windowMinutes: number
  lockMinutes: number
}

export interface ThrottleStatus {
  locked: boolean
  /** Set while locked. */
  lockedUntil?: Date
  /** Failures in the current window (0 once the window or a lock is over). */
  failures: number
}

const MINUTE = 60_000

/** Scopes counted with countRequest (rate limits), not failures. */
const REQUEST_SCOPES: ThrottleScope[] = ['mail_patron', 'mail_address', 'interop']

/**
 * The subject column is ASCII, at most 128 characters. Card numbers are normalised digits and
 * addresses are ASCII, but anything else (a raw, unnormalised input) is stored as a hash
 * rather than failing the insert in strict mode.
 */
export function storedSubject(subject: string): string {
  if (/^[\x21-\x7e]{1,128}$/.test(subject)) return subject
  return `#${createHash('sha256').update(subject, 'utf8').digest('base64url')}`
}

export function throttleRepository(db: Db) {
  return {
    /**
     * Counts one failure in a single INSERT … ON DUPLICATE KEY UPDATE, so concurrent failures
     * from several instances are all counted (InnoDB locks the row for the statement).
     *
     * - no row: failures = 1, window_start = now (locked at once when limit is 1);
     * - locked (locked_until > now): failures + 1, the lock is left as it is;
     * - the window is over, or an earlier lock has ended: the window restarts at 1;
     * - otherwise failures + 1, and reaching the limit sets locked_until = now + lock.
     *
     * MariaDB and MySQL evaluate the UPDATE assignments left to right, each seeing the
     * columns already assigned before it (unless sql_mode has SIMULTANEOUS_ASSIGNMENT, which
     * createDb never sets). The order below relies on that: `failures` and `window_start`
     * read the old window_start and locked_until; `locked_until`, assigned last, reads the
     * new failures (1 after a restart) and its own old value.
     */
    async recordFailure(
      scope: ThrottleScope,
      subject: string,
      now: Date,
      rule: ThrottleRule,
    ): Promise<void> {
      const at = utcDateTime(now)
      const windowFloor = utcDateTime(new Date(now.getTime() - rule.windowMinutes * MINUTE))
      const lockUntil = utcDateTime(new Date(now.getTime() + rule.lockMinutes * MINUTE))
      // True when this failure starts a new window (old column values).
      const restart = sql`(
        (locked_until IS NOT NULL AND locked_until <= ${at})
        OR (locked_until IS NULL AND window_start <= ${windowFloor})
      )`
      await sql`
        INSERT INTO throttle (scope, subject, window_start, failures, locked_until)
        VALUES (${scope}, ${storedSubject(subject)}, ${at}, 1,
          IF(1 >= ${rule.limit}, ${lockUntil}, NULL))
        ON DUPLICATE KEY UPDATE
          failures = IF(${restart}, 1, failures + 1),
          window_start = IF(${restart}, ${at}, window_start),
          locked_until = IF(
            locked_until IS NOT NULL AND locked_until > ${at},
            locked_until,
            IF(failures >= ${rule.limit}, ${lockUntil}, NULL)
          )
      `.execute(db)
    },

    /**
     * Reserves one attempt before the caller verifies anything, so that however many requests
     * run at once, at most `rule.limit` attempts per window are ever verified. The row is
     * created if missing (INSERT IGNORE, committed at once) and then locked (SELECT … FOR UPDATE): concurrent
     * reservations of one subject queue on that row lock and each sees the count the one before
     * it left. The reservation counts as a failure until refundAttempt gives it back.
     *
     * - locked (locked_until > now): refused, nothing counted;
     * - the window is over, or an earlier lock has ended: the window restarts at 1;
     * - otherwise failures + 1; reaching the limit locks the subject for lockMinutes (the
     *   attempt that reaches it is still allowed: it is the limit-th).
     */
    async reserveAttempt(
      scope: ThrottleScope,
      subject: string,
      now: Date,
      rule: ThrottleRule,
    ): Promise<{ ok: true; attempt: number } | { ok: false; until: Date }> {
      const key = storedSubject(subject)
      const at = utcDateTime(now)
      // Outside the transaction: concurrent inserts of one new key inside transactions
      // deadlock on their gap locks; a committed empty row only needs locking.
      await sql`
        INSERT IGNORE INTO throttle (scope, subject, window_start, failures, locked_until)
        VALUES (${scope}, ${key}, ${at}, 0, NULL)
      `.execute(db)
      return inTransaction(db, async (trx) => {
        const row = await trx
          .selectFrom('throttle')
          .select(['window_start', 'failures', 'locked_until'])
          .where('scope', '=', scope)
          .where('subject', '=', key)
          .forUpdate()
          .executeTakeFirstOrThrow()
        const lockedUntil = row.locked_until === null ? null : fromUtcDateTime(row.locked_until)
        if (lockedUntil && lockedUntil > now) return { ok: false, until: lockedUntil }
        const windowEnd = fromUtcDateTime(row.window_start).getTime() + rule.windowMinutes * MINUTE
        const restart = lockedUntil !== null || windowEnd <= now.getTime()
        const attempt = restart ? 1 : row.failures + 1
        const lockUntil =
          attempt >= rule.limit
            ? utcDateTime(new Date(now.getTime() + rule.lockMinutes * MINUTE))
            : null
        await trx
          .updateTable('throttle')
          .set({
            failures: attempt,
            window_start: restart ? at : row.window_start,
            locked_until: lockUntil,
          })
          .where('scope', '=', scope)
          .where('subject', '=', key)
          .execute()
        return { ok: true, attempt }
      })
    },

    /**
     * Gives back one reserved attempt (it succeeded, or another check refused the request
     * before anything was verified). A lock that only the refunded attempt caused is lifted.
     */
    async refundAttempt(scope: ThrottleScope, subject: string, rule: ThrottleRule): Promise<void> {
      await sql`
        UPDATE throttle
        SET failures = IF(failures > 0, failures - 1, 0),
          locked_until = IF(failures < ${rule.limit}, NULL, locked_until)
        WHERE scope = ${scope} AND subject = ${storedSubject(subject)}
      `.execute(db)
    },

    /** Forgets a subject's failures and lock (after a successful login). */
    async reset(scope: ThrottleScope, subject: string): Promise<void> {
      await db
        .deleteFrom('throttle')
        .where('scope', '=', scope)
        .where('subject', '=', storedSubject(subject))
        .execute()
    },

    /** The subject's state at `now`, with the same window and lock rules as recordFailure. */
    async status(
      scope: ThrottleScope,
      subject: string,
      now: Date,
      rule: Pick<ThrottleRule, 'windowMinutes'>,
    ): Promise<ThrottleStatus> {
      const row = await db
        .selectFrom('throttle')
        .select(['window_start', 'failures', 'locked_until'])
        .where('scope', '=', scope)
        .where('subject', '=', storedSubject(subject))
        .executeTakeFirst()
      if (!row) return { locked: false, failures: 0 }
      if (row.locked_until !== null) {
        const until = fromUtcDateTime(row.locked_until)
        if (until > now) return { locked: true, lockedUntil: until, failures: row.failures }
        return { locked: false, failures: 0 } // the lock is over: the next failure restarts
      }
      const windowEnd = fromUtcDateTime(row.window_start).getTime() + rule.windowMinutes * MINUTE
      return { locked: false, failures: windowEnd > now.getTime() ? row.failures : 0 }
    },

    /**
     * Counts one request in the subject's window and answers how many the window holds now,
     * this one included, atomically: concurrent requests each get a different count, so a
     * limit checked against it lets exactly `limit` through (rate limits of mail requests).
     * The window restarts when windowMinutes have passed since it began.
     */
    async countRequest(
      scope: ThrottleScope,
      subject: string,
      now: Date,
      windowMinutes: number,
    ): Promise<number> {
      const at = utcDateTime(now)
      const windowFloor = utcDateTime(new Date(now.getTime() - windowMinutes * MINUTE))
      return inTransaction(db, async (trx) => {
        // LAST_INSERT_ID(expr) hands this connection the row's new count.
        await sql`
          INSERT INTO throttle (scope, subject, window_start, failures, locked_until)
          VALUES (${scope}, ${storedSubject(subject)}, ${at}, LAST_INSERT_ID(1), NULL)
          ON DUPLICATE KEY UPDATE
            failures = LAST_INSERT_ID(IF(window_start <= ${windowFloor}, 1, failures + 1)),
            window_start = IF(window_start <= ${windowFloor}, ${at}, window_start)
        `.execute(trx)
        const row = await sql<{ n: number }>`SELECT LAST_INSERT_ID() AS n`.execute(trx)
        return Number(row.rows[0]?.n ?? 0)
      })
    },

    /**
     * Deletes rows that no longer matter: not locked and last window started before
     * `windowStartBefore`. Returns the number of rows deleted.
     */
    async purge(
      now: Date,
      windowStartBefore: Date,
      /** Request counters (countRequest) live longer: their windows are up to a day. */
      requestWindowStartBefore: Date = windowStartBefore,
    ): Promise<number> {
      const result = await db
        .deleteFrom('throttle')
        .where((eb) =>
          eb.or([
            eb.and([
              eb('scope', 'not in', REQUEST_SCOPES),
              eb('window_start', '<', utcDateTime(windowStartBefore)),
            ]),
            eb.and([
              eb('scope', 'in', REQUEST_SCOPES),
              eb('window_start', '<', utcDateTime(requestWindowStartBefore)),
            ]),
          ]),
        )
        .where((eb) =>
          eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', utcDateTime(now))]),
        )
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}

export type ThrottleRepository = ReturnType<typeof throttleRepository>
