// One error path: handlers throw HttpError (or anything), and the final handler turns it
// into a page in the channel's charset and look. Users never see a stack trace.
import type { ErrorRequestHandler, RequestHandler } from 'express'
import type { Logger } from 'pino'
import { loggablePath } from './logger.ts'

export class HttpError extends Error {
  constructor(
    readonly status: number,
    /** Shown to the patron: Japanese, says what is wrong and what to do. */
    readonly userMessage: string,
    /** Optional links offered on the error page (e.g. back to page 1). */
    readonly links: { href: string; text: string }[] = [],
    /** The page's heading, when the status's own ("入力内容の誤り" …) would mislead. */
    readonly heading?: string,
  ) {
    super(userMessage)
  }
}

const DB_DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_ACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_NO_SUCH_TABLE',
])

/** True when an error means the database cannot be reached (→ 503, not 500). */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false
  const e = err as { code?: unknown; fatal?: unknown; errors?: unknown }
  if (e.fatal === true) return true
  if (typeof e.code === 'string' && DB_DOWN_CODES.has(e.code)) return true
  // mysql2 wraps a failed multi-address connect in an AggregateError.
  return Array.isArray(e.errors) && e.errors.some(isDatabaseUnavailable)
}

const MESSAGES = {
  400: '入力内容に誤りがあります。',
  403: 'この操作はできません。',
  404: 'お探しのページは見つかりませんでした。',
  405: 'この操作はできません。',
  413: '送信された内容が大きすぎます。',
  414: 'アドレスが長すぎます。',
  415: '送信された形式は扱えません。',
  500: 'システムでエラーが発生しました。しばらくしてからもう一度お試しください。',
  503: 'ただいまシステムを利用できません。しばらくしてからもう一度お試しください。',
} as const satisfies Record<number, string>

function messageFor(status: number): string {
  return (MESSAGES as Record<number, string>)[status] ?? MESSAGES[400]
}

export interface ErrorPage {
  status: number
  message: string
  links: { href: string; text: string }[]
  heading?: string
}

export function toErrorPage(err: unknown): ErrorPage {
  if (err instanceof HttpError) {
    const page: ErrorPage = { status: err.status, message: err.userMessage, links: err.links }
    if (err.heading) page.heading = err.heading
    return page
  }
  if (isDatabaseUnavailable(err)) return { status: 503, message: MESSAGES[503], links: [] }
  // Errors from Express and body parsers carry a 4xx status (malformed URL, too large …).
  const status = (err as { status?: unknown; statusCode?: unknown } | null)?.status
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, message: messageFor(status), links: [] }
  }
  return { status: 500, message: MESSAGES[500], links: [] }
}

export const notFound: RequestHandler = (_req, _res, next) => {
  next(new HttpError(404, MESSAGES[404]))
}

export type ErrorRenderer = (res: Parameters<RequestHandler>[1], page: ErrorPage) => void

export function errorHandler(logger: Logger, renderError: ErrorRenderer): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      // Too late for an error page: the session store failing as the answer is written (the
      // database gone mid-request), or a broken stream. Logged here, not by Express's final
      // handler, which prints to the console and cuts the connection.
      logger.error({ err, path: loggablePath(req.originalUrl) }, 'failed after the answer began')
      if (!res.writableEnded) next(err)
      return
    }
    const page = toErrorPage(err)
    if (page.status >= 500 && !(err instanceof HttpError)) {
      // The path without its query or keitai session segment; err goes through safeError.
      logger.error(
        { err, path: loggablePath(req.originalUrl), status: page.status },
        'request failed',
      )
    }
    if (page.status === 503) res.setHeader('Retry-After', '30')
    renderError(res, page)
  }
}
