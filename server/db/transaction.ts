// Units of work in a transaction, retried when the server gives up on them for locking reasons:
// a deadlock (errno 1213, ER_LOCK_DEADLOCK — Galera certification conflicts surface with the
// same number) or a lock-wait timeout (1205, ER_LOCK_WAIT_TIMEOUT). Both roll the attempt back
// (Kysely rolls back whenever the work throws), so running the work again from the start is
// safe as long as it only changes the database: the work must not send mail or call out while
// it runs. Any other error propagates at once; after the last attempt the locking error does.
import type { IsolationLevel, Transaction } from 'kysely'
import type { Db } from './database.ts'
import type { Database } from './schema.ts'

export type Trx = Transaction<Database>

export interface TransactionOptions {
  /** SET TRANSACTION ISOLATION LEVEL for this unit; default: the server's (REPEATABLE READ). */
  isolationLevel?: IsolationLevel
  /**
   * Attempts in all, the first included (default 10: on a Galera cluster a patron's requests
   * arriving at once on several nodes lose to each other's certification in turn).
   */
  attempts?: number
  /** The back-off before retry n is a random time up to backoffMs × 2^(n−1), capped (default 20). */
  backoffMs?: number
  /** Told about each retry (for logging); not called for the first attempt. */
  onRetry?: (retry: { attempt: number; error: unknown; delayMs: number }) => void
}

const DEFAULT_ATTEMPTS = 10
const DEFAULT_BACKOFF_MS = 20
const MAX_BACKOFF_MS = 1000

let retried = 0

/**
 * Units of work this process has run again after a deadlock or lock-wait timeout (on a Galera
 * cluster: mostly certification conflicts with writes on another node). For benches and logs.
 */
export function transactionRetries(): number {
  return retried
}

/** MySQL/MariaDB error numbers after which the whole transaction may simply be run again. */
export const RETRYABLE_ERRNOS: ReadonlySet<number> = new Set([1213, 1205])

/** True for a deadlock or lock-wait timeout (mysql2 errors carry errno and code). */
export function isRetryableLockError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { errno, code } = error as { errno?: unknown; code?: unknown }
  return (
    (typeof errno === 'number' && RETRYABLE_ERRNOS.has(errno)) ||
    code === 'ER_LOCK_DEADLOCK' ||
    code === 'ER_LOCK_WAIT_TIMEOUT'
  )
}

/** Full jitter: a random wait in [0, min(cap, base × 2^(retry−1))] milliseconds. */
export function backoffDelay(retry: number, baseMs: number, random: () => number = Math.random) {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, retry - 1))
  return Math.round(random() * ceiling)
}

/**
 * Runs `work` in a transaction and returns its result. Given a transaction already (a unit of
 * work that is part of a larger one), runs `work` in it directly: the outer unit owns the
 * retries, since only the whole of it can be run again.
 */
export async function inTransaction<T>(
  db: Db,
  work: (trx: Trx) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  if (db.isTransaction) return work(db as Trx)
  const attempts = Math.max(1, options.attempts ?? DEFAULT_ATTEMPTS)
  const backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS
  for (let attempt = 1; ; attempt++) {
    try {
      let builder = db.transaction()
      if (options.isolationLevel) builder = builder.setIsolationLevel(options.isolationLevel)
      return await builder.execute(work)
    } catch (error) {
      if (attempt >= attempts || !isRetryableLockError(error)) throw error
      const delayMs = backoffDelay(attempt, backoffMs)
      retried++
      options.onRetry?.({ attempt: attempt + 1, error, delayMs })
      await new Promise((resolve) => setTimeout(resolve, delayMs))
    }
  }
}
