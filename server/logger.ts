// Structured request logs without personal data or secrets: no query strings (search words,
// keitai session tokens, form tokens), no keitai session segment of a path, no headers, no
// cookies, no client addresses, and errors without the values a database error may quote
// (mysql2 errors carry the full SQL with the card number or password hash bound into it, and
// "Duplicate entry '…'" messages quote the row). Every `err` logged anywhere goes through
// safeError, so a route or job cannot leak one by logging `{ err }`.
import type { RequestHandler } from 'express'
import { pino } from 'pino'
import type { DestinationStream, Logger } from 'pino'

/** Log lines are written in batches of this many bytes, or after LOG_FLUSH_MS at the latest. */
const LOG_BATCH_BYTES = 4096
const LOG_FLUSH_MS = 1000

/**
 * The process's logger. Without a destination it writes to stdout asynchronously, in batches
 * (4 KB, or what a second gathered; flushed when the process exits), so a busy server does
 * not make one write system call per request.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: safeError, error: safeError },
  }
  if (destination) return pino(options, destination)
  const stdout = pino.destination({ dest: 1, sync: false, minLength: LOG_BATCH_BYTES })
  setInterval(() => {
    // Not while the file descriptor is still being opened (it is 1: at once).
    try {
      stdout.flush()
    } catch {
      // a flush already under way
    }
  }, LOG_FLUSH_MS).unref()
  return pino(options, stdout)
}

/**
 * One line per request when its response is done (or the client went away): method, the
 * loggable path, status and time in ms — at warn for 5xx. Nothing else from the request
 * (no query, headers, cookies or addresses). /healthz is not logged: load balancers ask every
 * few seconds, and a failing check shows in their own logs.
 */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    if (req.url === '/healthz' || !logger.isLevelEnabled('info')) {
      next()
      return
    }
    const started = performance.now()
    res.once('close', () => {
      const status = res.statusCode
      const line = {
        req: { method: req.method, path: loggablePath(req.originalUrl) },
        res: { status },
        responseTime: Math.round(performance.now() - started),
      }
      const message = res.writableFinished ? 'request completed' : 'request aborted'
      if (status >= 500) logger.warn(line, message)
      else logger.info(line, message)
    })
    next()
  }
}

/** The path of a URL as it may be logged: no query, no session segment. */
export function loggablePath(url: string): string {
  const path = url.split('?')[0] ?? ''
  return path.replace(/\/s\/[^/]+/g, '/s/-')
}

/**
 * Text from an error (message or stack) as it may be logged: URLs lose their query and
 * keitai session segment, quoted values ('…' or "…") are blanked, and runs of 6 or more
 * digits (card numbers, birth dates written as digits) are masked.
 */
export function scrubLogText(text: string): string {
  return text
    .replace(/\/s\/[^/\s?#'"]+/g, '/s/-')
    .replace(/\?[^\s'"]*/g, '?-')
    .replace(/'(?:[^'\\\n]|\\.)*'/g, "'-'")
    .replace(/"(?:[^"\\\n]|\\.)*"/g, '"-"')
    .replace(/\d{6,}/g, '#')
}

export interface LoggedError {
  type: string
  message: string
  stack?: string
  code?: string
  errno?: number
  status?: number
  cause?: LoggedError
}

/**
 * An error as it may be logged: type, code, errno and status as they are; message and stack
 * scrubbed (scrubLogText); `sql`, `sqlMessage`, parameters and every other property dropped.
 */
export function safeError(err: unknown, depth = 0): LoggedError | string {
  if (!(err instanceof Error)) return scrubLogText(String(err))
  const e = err as Error & { code?: unknown; errno?: unknown; status?: unknown; cause?: unknown }
  const out: LoggedError = { type: err.name, message: scrubLogText(err.message) }
  if (typeof err.stack === 'string') out.stack = scrubLogText(err.stack)
  if (typeof e.code === 'string') out.code = e.code
  if (typeof e.errno === 'number') out.errno = e.errno
  if (typeof e.status === 'number') out.status = e.status
  if (e.cause instanceof Error && depth < 3) {
    const cause = safeError(e.cause, depth + 1)
    if (typeof cause !== 'string') out.cause = cause
  }
  return out
}
