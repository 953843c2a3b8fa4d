// Every setting the process reads from its environment, read once, typed, with safe
// development defaults. The README lists each one; nothing else reads process.env.
import { ScheduleError, parseSchedule } from './jobs/job-schedule.ts'
import type { JobSchedule } from './jobs/job-schedule.ts'

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
  /** Signs session ids (cookie and keitai URL). Required in production. */
  sessionSecret: string
  /** Secret mixed into every password hash (kept outside the database). Required in production. */
  passwordPepper: string
  /** Minutes of inactivity after which a login ends. */
  sessionIdleMinutes: number
  /** Client addresses of in-library terminals (館内OPAC): exact IPs or IPv4 CIDR blocks. */
  terminalAddresses: string[]
  /** Idle minutes on an in-library terminal. */
  terminalIdleMinutes: number
  /** A login ends this long after it began, however active (SESSION_ABSOLUTE_HOURS). */
  sessionAbsoluteMinutes: number
  /** Every database query of the app has this long to answer (0: no limit). */
  databaseQueryTimeoutSeconds: number
  /** The same on in-library terminals (TERMINAL_ABSOLUTE_MINUTES). */
  terminalAbsoluteMinutes: number
  /** Failed logins per card within loginWindowMinutes before the card is locked. */
  loginMaxFailures: number
  loginWindowMinutes: number
  loginLockMinutes: number
  /** Failed logins and identity checks per client address within loginWindowMinutes. */
  addressMaxFailures: number
  /** Express 'trust proxy' setting: false, true, a hop count or addresses (for client addresses). */
  trustProxy: string
  /** SRU and OAI-PMH requests per client address and minute (beyond: 503 Retry-After). */
  interopRequestsPerMinute: number
  /** Memory for cached search posting lists per app process, in MB. */
  searchCacheMb: number
  /** How old the copy snapshot used for large branch / available-now filters may get. */
  searchCopySnapshotSeconds: number
  /** Run the job scheduler inside the web server; false: only `npm run worker` runs it. */
  jobsInServer: boolean
  /** smtp://user:pass@host:port (or smtps://); empty: mail is written as .eml files to mailDir. */
  smtpUrl: string
  /** Where mail goes when no SMTP server is set. */
  mailDir: string
  /** Hours an e-mail confirmation link (and its code) stays valid. */
  mailTokenHours: number
  /** Hours after which an undeliverable mail is given up on (staff see it). */
  mailGiveUpHours: number
  /** When each scheduled job fires, by job name (server/jobs/opac-jobs.ts). */
  jobSchedules: Readonly<Record<string, JobSchedule>>
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

function scheduleFrom(env: Env, name: string, fallback: string): JobSchedule {
  try {
    return parseSchedule(env[name] || fallback)
  } catch (err) {
    if (err instanceof ScheduleError) throw new ConfigError(`${name}: ${err.message}`)
    throw err
  }
}

/** Development and tests get a fixed, public value; production must set its own. */
function secretFrom(env: Env, name: string, nodeEnv: Config['env']): string {
  const value = env[name]
  if (value && value.length >= 16) return value
  if (nodeEnv === 'production') {
    throw new ConfigError(`${name} must be set to at least 16 characters in production`)
  }
  if (value) throw new ConfigError(`${name} must be at least 16 characters`)
  return `development-only-${name.toLowerCase()}`
}

function smtpUrlFrom(env: Env): string {
  const raw = env.SMTP_URL ?? ''
  if (raw && !/^smtps?:\/\/[^/]+/.test(raw)) {
    throw new ConfigError(`SMTP_URL must be smtp://host:port or smtps://…, got "${raw}"`)
  }
  return raw
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
    sessionSecret: secretFrom(env, 'SESSION_SECRET', nodeEnv),
    passwordPepper: secretFrom(env, 'PASSWORD_PEPPER', nodeEnv),
    sessionIdleMinutes: intFrom(env, 'SESSION_IDLE_MINUTES', 30, 1, 24 * 60),
    terminalAddresses: (env.TERMINAL_ADDRESSES ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
    terminalIdleMinutes: intFrom(env, 'TERMINAL_IDLE_MINUTES', 3, 1, 60),
    sessionAbsoluteMinutes: intFrom(env, 'SESSION_ABSOLUTE_HOURS', 8, 1, 7 * 24) * 60,
    databaseQueryTimeoutSeconds: intFrom(env, 'DATABASE_QUERY_TIMEOUT_SECONDS', 15, 0, 3600),
    terminalAbsoluteMinutes: intFrom(env, 'TERMINAL_ABSOLUTE_MINUTES', 30, 1, 24 * 60),
    loginMaxFailures: intFrom(env, 'LOGIN_MAX_FAILURES', 5, 1, 100),
    loginWindowMinutes: intFrom(env, 'LOGIN_WINDOW_MINUTES', 15, 1, 24 * 60),
    loginLockMinutes: intFrom(env, 'LOGIN_LOCK_MINUTES', 15, 1, 24 * 60),
    addressMaxFailures: intFrom(env, 'ADDRESS_MAX_FAILURES', 30, 1, 10_000),
    trustProxy: env.TRUST_PROXY || 'false',
    interopRequestsPerMinute: intFrom(env, 'INTEROP_REQUESTS_PER_MINUTE', 120, 1, 1_000_000),
    searchCacheMb: intFrom(env, 'SEARCH_CACHE_MB', 128, 8, 4096),
    searchCopySnapshotSeconds: intFrom(env, 'SEARCH_COPY_SNAPSHOT_SECONDS', 60, 1, 3600),
    jobsInServer: boolFrom(env, 'JOBS_IN_SERVER', true),
    smtpUrl: smtpUrlFrom(env),
    mailDir: env.MAIL_DIR || 'mail-out',
    mailTokenHours: intFrom(env, 'MAIL_TOKEN_HOURS', 24, 1, 24 * 14),
    mailGiveUpHours: intFrom(env, 'MAIL_GIVE_UP_HOURS', 48, 1, 24 * 14),
    // One setting per scheduled job.
    jobSchedules: {
      'session-purge': scheduleFrom(env, 'JOB_SESSION_PURGE', 'every 10m'),
      'search-index': scheduleFrom(env, 'JOB_SEARCH_INDEX', 'every 10m'),
      'search-popularity': scheduleFrom(env, 'JOB_SEARCH_POPULARITY', 'daily 03:30'),
      'new-arrivals': scheduleFrom(env, 'JOB_NEW_ARRIVALS', 'daily 03:40'),
      // On the 5-minute grid, so a 08:30 formal time is acted on at 08:30; the same run
      // secures shelf copies for holds that are formal at once (rules A) through the day.
      'hold-approval': scheduleFrom(env, 'JOB_HOLD_APPROVAL', 'every 5m'),
      'hold-expiry': scheduleFrom(env, 'JOB_HOLD_EXPIRY', 'daily 00:15'),
      'mail-send': scheduleFrom(env, 'JOB_MAIL_SEND', 'every 1m'),
      'staff-audit-purge': scheduleFrom(env, 'JOB_STAFF_AUDIT_PURGE', 'daily 04:10'),
      'mail-purge': scheduleFrom(env, 'JOB_MAIL_PURGE', 'daily 04:20'),
    },
  }
}

/**
 * What an operator must hear at start-up (logged as warnings by main.ts): development secrets
 * outside tests, and an https PUBLIC_URL without TRUST_PROXY — behind a TLS-terminating proxy
 * the app then sees plain http, withholds the Secure session cookie and every login fails.
 */
export function startupWarnings(
  config: Pick<Config, 'env' | 'sessionSecret' | 'passwordPepper' | 'publicUrl' | 'trustProxy'>,
): string[] {
  const warnings: string[] = []
  if (config.env !== 'test') {
    if (config.sessionSecret.startsWith('development-only-')) {
      warnings.push(
        'SESSION_SECRET is not set: sessions are signed with a development value anyone can read in the source. Set SESSION_SECRET to a random string of 16+ characters.',
      )
    }
    if (config.passwordPepper.startsWith('development-only-')) {
      warnings.push(
        'PASSWORD_PEPPER is not set: passwords are hashed with a development value anyone can read in the source. Set PASSWORD_PEPPER to a random string of 16+ characters before any real password is stored (it can never change afterwards).',
      )
    }
  }
  if (
    config.publicUrl.startsWith('https:') &&
    (config.trustProxy === 'false' || !config.trustProxy)
  ) {
    warnings.push(
      "PUBLIC_URL is https but TRUST_PROXY is not set: behind a proxy that terminates TLS every request looks like plain http, the Secure session cookie is never sent and every login fails. Set TRUST_PROXY=1 (one proxy in front) or to the proxy's address.",
    )
  }
  return warnings
}
