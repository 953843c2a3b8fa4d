// Every setting the process reads from its environment, read once, typed, with safe
// development defaults. The README lists each one; nothing else reads process.env.

export interface Config {
  /** 'production' hides error details; anything else is development. */
  env: 'production' | 'development' | 'test'
  /** HTTP listen address and port. */
  host: string
  port: number
  /** Absolute base URL used in Location headers, QR codes and feeds (no trailing slash). */
  publicUrl: string
  /** mysql://user:password@host:port/database — the database is created if missing. */
  databaseUrl: string
  /** Connections in the pool per app process. */
  databasePoolSize: number
  /** Load the demo catalogue when the database has no library yet. */
  loadDemoOnEmpty: boolean
  /** pino log level: fatal, error, warn, info, debug, trace or silent. */
  logLevel: string
  /** Seconds SIGTERM waits for in-flight requests before closing anyway. */
  shutdownGraceSeconds: number
}

type Env = Record<string, string | undefined>

export class ConfigError extends Error {}

function intFrom(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`)
  }
  return value
}

function boolFrom(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (/^(1|true|yes|on)$/i.test(raw)) return true
  if (/^(0|false|no|off)$/i.test(raw)) return false
  throw new ConfigError(`${name} must be true or false, got "${raw}"`)
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv =
    env.NODE_ENV === 'production' || env.NODE_ENV === 'test' ? env.NODE_ENV : 'development'
  const port = intFrom(env, 'PORT', 3000, 0, 65535)
  const host = env.HOST || '127.0.0.1'
  const publicUrl = (env.PUBLIC_URL || `http://${host}:${port}`).replace(/\/+$/, '')
  if (!/^https?:\/\/[^/]+$/.test(publicUrl) && !/^https?:\/\/[^/]+\/.+$/.test(publicUrl)) {
    throw new ConfigError(`PUBLIC_URL must be an absolute http(s) URL, got "${publicUrl}"`)
  }
  const databaseUrl = env.DATABASE_URL || 'mysql://root@127.0.0.1:3306/opac'
  if (!databaseUrl.startsWith('mysql://')) {
    throw new ConfigError(`DATABASE_URL must start with mysql://, got "${databaseUrl}"`)
  }
  return {
    env: nodeEnv,
    host,
    port,
    publicUrl,
    databaseUrl,
    databasePoolSize: intFrom(env, 'DATABASE_POOL_SIZE', 10, 1, 200),
    loadDemoOnEmpty: boolFrom(env, 'LOAD_DEMO', true),
    logLevel: env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info'),
    shutdownGraceSeconds: intFrom(env, 'SHUTDOWN_GRACE_SECONDS', 10, 0, 600),
  }
}
