// The Kysely instance over a mysql2 pool, and creating the database itself when missing.
import { Kysely, MysqlDialect, sql } from 'kysely'
import { createPool } from 'mysql2'
import type { Pool, PoolConnection } from 'mysql2'
import { createConnection as createPromiseConnection } from 'mysql2/promise'
import type { Database } from './schema.ts'

export type Db = Kysely<Database>

export interface DatabaseTarget {
  host: string
  port: number
  user: string
  password: string
  database: string
}

export function parseDatabaseUrl(url: string): DatabaseTarget {
  const parsed = new URL(url)
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
 * The Kysely instance over a pool of poolSize connections. queryTimeoutMs (0: none) bounds
 * every query: a query without an answer by then fails with PROTOCOL_SEQUENCE_TIMEOUT (a 503
 * page, like a database that is down), and its connection is destroyed, not reused (it may
 * still deliver the late answer). onQuery sees every query sent (the HTTP bench replays them).
 */
export function createDb(
  url: string,
  poolSize = 10,
  queryTimeoutMs = 0,
  options: { onQuery?: (sql: string, parameters: readonly unknown[]) => void } = {},
): Db {
  const target = parseDatabaseUrl(url)
  const pool = createPool({
    ...target,
    ...common,
    connectionLimit: poolSize,
    maxIdle: poolSize,
    idleTimeout: 60_000,
    enableKeepAlive: true,
  })
  // Every session works in UTC and in strict mode, on MariaDB and MySQL alike.
  pool.on('connection', (conn) => {
    conn.query(
      "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
    )
  })
  if (queryTimeoutMs > 0) withQueryTimeout(pool, queryTimeoutMs)
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

type QueryCallback = (err: unknown, ...rest: unknown[]) => void

/**
 * Gives every query Kysely sends through the pool's connections (query(sql, values, callback))
 * mysql2's per-query timeout, and destroys a connection whose query timed out.
 */
function withQueryTimeout(pool: Pool, timeoutMs: number): void {
  const patched = new WeakSet<object>()
  pool.on('connection', (conn: PoolConnection) => {
    if (patched.has(conn)) return
    patched.add(conn)
    const query = conn.query.bind(conn) as (...args: unknown[]) => unknown
    ;(conn as unknown as { query: (...args: unknown[]) => unknown }).query = (
      ...args: unknown[]
    ) => {
      const [text, values, callback] = args
      if (typeof text !== 'string' || typeof callback !== 'function') return query(...args)
      return query({ sql: text, values, timeout: timeoutMs }, ((err, ...rest) => {
        if ((err as { code?: unknown } | null)?.code === 'PROTOCOL_SEQUENCE_TIMEOUT') {
          conn.destroy()
        }
        ;(callback as QueryCallback)(err, ...rest)
      }) as QueryCallback)
    }
  })
}

/** Creates the database named in the URL if the server does not have it yet. */
export async function ensureDatabase(url: string): Promise<void> {
  const { database, ...server } = parseDatabaseUrl(url)
  const conn = await createPromiseConnection({ ...server, ...common })
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
  const { database, ...server } = parseDatabaseUrl(url)
  const conn = await createPromiseConnection({ ...server, ...common })
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
