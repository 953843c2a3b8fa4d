// The Kysely instance over a mysql2 pool, and creating the database itself when missing.
import { Kysely, MysqlDialect, sql } from 'kysely'
import type { MysqlPool } from 'kysely'
import { createPool } from 'mysql2'
import type { Pool, PoolConnection } from 'mysql2'
import { createConnection as createPromiseConnection } from 'mysql2/promise'
import type { Connection } from 'mysql2/promise'
import type { Database } from './schema.ts'

export type Db = Kysely<Database>

export interface DatabaseTarget {
  host: string
  port: number
  user: string
  password: string
  database: string
}

const HOST_LIST = /^(mysql:\/\/(?:[^@/]*@)?)([^/?#]*)(.*)$/

/**
 * One URL per server a DATABASE_URL names: mysql://user@host1:3306,host2:3306/opac names two
 * (the nodes of a cluster, tried in this order when one cannot be reached).
 */
export function databaseUrls(url: string): string[] {
  const match = HOST_LIST.exec(url)
  if (!match?.[2]?.includes(',')) return [url]
  const [, head = '', hosts = '', tail = ''] = match
  return hosts.split(',').map((host) => `${head}${host.trim()}${tail}`)
}

/** The first server of the URL, and the database. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const parsed = new URL(databaseUrls(url)[0] ?? url)
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''))
  if (!/^[A-Za-z0-9_]{1,64}$/.test(database)) {
    throw new Error(`database name in DATABASE_URL must be letters, digits or _: "${database}"`)
  }
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username || 'root'),
    password: decodeURIComponent(parsed.password),
    database,
  }
}

const common = {
  charset: 'utf8mb4_unicode_ci',
  dateStrings: true,
  timezone: 'Z',
  supportBigNumbers: true,
  bigNumberStrings: false,
  connectTimeout: 5000,
} as const

/**
 * The Kysely instance over a pool of poolSize connections (per server, when the URL names
 * several: poolOver). queryTimeoutMs (0: none) bounds every query: a query without an answer
 * by then fails with PROTOCOL_SEQUENCE_TIMEOUT (a 503 page, like a database that is down), and
 * its connection is destroyed, not reused (see withQueryGuards). onQuery sees every query sent
 * (the HTTP bench replays them).
 */
export function createDb(
  url: string,
  poolSize = 10,
  queryTimeoutMs = 0,
  options: { onQuery?: (sql: string, parameters: readonly unknown[]) => void } = {},
): Db {
  const pool = poolOver(url, (target) => {
    const one = createPool({
      ...target,
      ...common,
      connectionLimit: poolSize,
      maxIdle: poolSize,
      idleTimeout: 60_000,
      enableKeepAlive: true,
    })
    // Every session works in UTC and in strict mode, on MariaDB and MySQL alike.
    one.on('connection', (conn) => {
      conn.query(
        "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
      )
    })
    withQueryGuards(one, queryTimeoutMs)
    return one
  })
  const { onQuery } = options
  return new Kysely<Database>({
    dialect: new MysqlDialect({ pool }),
    ...(onQuery && {
      log: (event) => {
        if (event.level === 'query') onQuery(event.query.sql, event.query.parameters)
      },
    }),
  })
}

/** Errors that say a server cannot be reached at all (not that a query failed on it). */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST',
])

export function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && UNREACHABLE.has(code)
}

/**
 * A pool for Kysely over the servers a URL names. One server: its mysql2 pool. Several (the
 * nodes of a Galera cluster): a pool per server, and connections are taken from the server
 * that last answered; when it cannot be reached, from the next in the list, and that one is
 * kept from then on. A query under way on a server that dies fails (a 503 page); the next
 * request gets a connection to a survivor.
 */
export function poolOver(url: string, create: (target: DatabaseTarget) => Pool): MysqlPool {
  const pools = databaseUrls(url).map((one) => create(parseDatabaseUrl(one)))
  const [only] = pools
  if (only && pools.length === 1) return only
  let current = 0
  return {
    getConnection(callback) {
      const attempt = (tried: number, lastError: unknown) => {
        if (tried === pools.length) {
          callback(lastError, undefined as unknown as PoolConnection)
          return
        }
        const index = (current + tried) % pools.length
        const pool = pools[index]
        if (!pool) return
        pool.getConnection((error, connection) => {
          if (error && isUnreachable(error)) {
            attempt(tried + 1, error)
            return
          }
          if (!error) current = index
          callback(error, connection)
        })
      }
      attempt(0, null)
    },
    end(callback) {
      Promise.all(pools.map((p) => new Promise<void>((resolve) => p.end(() => resolve())))).then(
        () => callback(null),
        callback,
      )
    },
  }
}

/** A connection to the first server of the URL that answers (without choosing a database). */
async function connectToServer(url: string): Promise<Connection> {
  let lastError: unknown
  for (const one of databaseUrls(url)) {
    const { host, port, user, password } = parseDatabaseUrl(one)
    try {
      return await createPromiseConnection({ host, port, user, password, ...common })
    } catch (error) {
      if (!isUnreachable(error)) throw error
      lastError = error
    }
  }
  throw lastError
}

type QueryCallback = (err: unknown, ...rest: unknown[]) => void

/**
 * Wraps every query Kysely sends through the pool's connections (query(sql, values, callback)):
 * - with timeoutMs > 0, gives it mysql2's per-query timeout, and destroys a connection whose
 *   query timed out (it may still deliver the late answer);
 * - runs a statement outside a transaction once more when it fails with a deadlock (1213). A
 *   statement on its own is rolled back whole, so this is safe; it happens on a Galera cluster,
 *   where a transaction aborted by a conflicting write from another node while it waited on
 *   the client can report the abort on the connection's next statement, after its ROLLBACK.
 *   Inside a transaction a deadlock is left to the transaction helper, which runs it all again.
 */
function withQueryGuards(pool: Pool, timeoutMs: number): void {
  const patched = new WeakSet<object>()
  pool.on('connection', (conn: PoolConnection) => {
    if (patched.has(conn)) return
    patched.add(conn)
    let inTransaction = false
    const query = conn.query.bind(conn) as (...args: unknown[]) => unknown
    ;(conn as unknown as { query: (...args: unknown[]) => unknown }).query = (
      ...args: unknown[]
    ) => {
      const [text, values, callback] = args
      if (typeof text !== 'string' || typeof callback !== 'function') return query(...args)
      // BEGIN may be sent again; COMMIT and ROLLBACK never (a failed COMMIT rolled back).
      const begins = /^\s*(begin|start\s+transaction)\b/i.test(text)
      const ends = /^\s*(commit|rollback)\s*$/i.test(text)
      const alone = begins || (!ends && !inTransaction)
      if (begins) inTransaction = true
      if (ends) inTransaction = false
      const options =
        timeoutMs > 0 ? { sql: text, values, timeout: timeoutMs } : { sql: text, values }
      return sendGuarded(query, conn, options, alone, false, callback as QueryCallback)
    }
  })
}

/**
 * Sends one query of withQueryGuards: a timed-out connection is destroyed; a statement on its
 * own that hit a deadlock is sent once more. (Module-level: a closure made per query would be
 * given its name again by the TypeScript loader on every query.)
 */
function sendGuarded(
  query: (...args: unknown[]) => unknown,
  conn: PoolConnection,
  options: object,
  alone: boolean,
  again: boolean,
  callback: QueryCallback,
): unknown {
  return query(options, ((err, ...rest) => {
    const { code, errno } = (err ?? {}) as { code?: unknown; errno?: unknown }
    if (code === 'PROTOCOL_SEQUENCE_TIMEOUT') conn.destroy()
    if (alone && !again && errno === 1213) {
      sendGuarded(query, conn, options, alone, true, callback)
      return
    }
    callback(err, ...rest)
  }) as QueryCallback)
}

/** Creates the database named in the URL if the server does not have it yet. */
export async function ensureDatabase(url: string): Promise<void> {
  const { database } = parseDatabaseUrl(url)
  const conn = await connectToServer(url)
  try {
    await conn.query(
      `CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    )
  } finally {
    await conn.end()
  }
}

/** Drops a database (tests use throw-away schemas). */
export async function dropDatabase(url: string): Promise<void> {
  const { database } = parseDatabaseUrl(url)
  const conn = await connectToServer(url)
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${database}\``)
  } finally {
    await conn.end()
  }
}

/** One round trip to the database (health checks). */
export async function ping(db: Db): Promise<void> {
  await sql`SELECT 1`.execute(db)
}
