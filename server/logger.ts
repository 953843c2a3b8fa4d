// Structured request logs without personal data: no query strings (search words, keitai
// session tokens), no headers, no cookies, no client addresses.
import { pino } from 'pino'
import type { Logger } from 'pino'

export function createLogger(level: string): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime })
}

/** The path of a URL as it may be logged: no query, no session segment. */
export function loggablePath(url: string): string {
  const path = url.split('?')[0] ?? ''
  return path.replace(/\/s\/[^/]+/g, '/s/-')
}
