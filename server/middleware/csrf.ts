// CSRF protection by the synchronizer-token pattern: one random token per session, kept in
// the server-side session and sent back in a hidden `_csrf` field of every POST form. It works
// without cookies (keitai carry their session in the URL), unlike double-submit cookies, and
// does not rely on SameSite, which keitai and lynx ignore (keitai.md §5).
//
// Use: render forms with csrfToken(req) in <input type="hidden" name="_csrf">, and mount
// formBody() then verifyCsrf before every POST handler. A keitai form's action must carry the
// session in its URL (keitaiSessionToken), or the POST arrives without the session.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Request, RequestHandler, Response } from 'express'
import { HttpError } from '../errors.ts'
import { urlFor } from '../paths.ts'
import { channelOf } from './channel.ts'
import { formField } from './form-body.ts'
import { libraryOrNull } from './library.ts'
import {
  secureCookiesOf,
  sessionExpired,
  sessionHoldsData,
  sessionPresented,
  sessionSecretOf,
} from './session.ts'

/** The hidden field every POST form carries. */
export const CSRF_FIELD = '_csrf'

const REFUSED =
  'この操作は受け付けられませんでした。お手数ですが、もう一度最初から操作してください。'

/**
 * The visitor cookie of the PC site: a random value, and the CSRF token of a visitor's forms is
 * an HMAC of it (stateless: a visitor's page view stores nothing on the server).
 */
export const VISITOR_COOKIE = 'opac_vt'

const VISITOR_VALUE = /^[A-Za-z0-9_-]{24}$/

function visitorCookieOf(req: Request): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === VISITOR_COOKIE) {
      const value = part.slice(eq + 1).trim()
      return VISITOR_VALUE.test(value) ? value : undefined
    }
  }
  return undefined
}

function visitorToken(secret: string, cookie: string): string {
  return createHmac('sha256', secret).update(`opac visitor csrf\0${cookie}`).digest('base64url')
}

/**
 * The token for this request's forms. A session that holds something (a login, a cart, a
 * step of a journey) keeps its own token (32 random bytes, base64url), created on first use.
 * A PC visitor with nothing in a session gets a stateless token bound to the visitor cookie
 * (set here when missing), so that showing a login page stores no session row. Keitai, which
 * may have no cookies, keep the session token carried in the URL.
 */
export function csrfToken(req: Request): string {
  const existing = req.session?.csrfToken
  if (typeof existing === 'string' && existing !== '') return existing
  const res = req.res
  const secret = sessionSecretOf(req)
  if (res && secret && channelOf(res) === 'pc' && !sessionHoldsData(req)) {
    let cookie: string | undefined = res.locals.visitorCookie ?? visitorCookieOf(req)
    if (!cookie) {
      cookie = randomBytes(18).toString('base64url')
      res.cookie(VISITOR_COOKIE, cookie, {
        httpOnly: true,
        sameSite: 'lax',
        secure: secureCookiesOf(req),
        path: '/',
        // Persistent (a day), like opac_sid: browsers that keep only persistent cookies
        // between runs (lynx with a cookie file) still send it with the form.
        maxAge: 24 * 60 * 60_000,
      })
    }
    res.locals.visitorCookie = cookie
    return visitorToken(secret, cookie)
  }
  const token = randomBytes(32).toString('base64url')
  req.session.csrfToken = token
  return token
}

/** True when a PC visitor (no login) submitted the token of their visitor cookie. */
function visitorTokenMatches(req: Request, submitted: string | undefined): boolean {
  const secret = sessionSecretOf(req)
  const cookie = visitorCookieOf(req)
  if (!secret || !cookie || req.session?.patronId !== undefined) return false
  return tokensMatch(submitted, visitorToken(secret, cookie))
}

/** Constant-time comparison of a submitted token with the session's. */
function tokensMatch(submitted: string | undefined, expected: string | undefined): boolean {
  if (!submitted || !expected) return false
  const a = Buffer.from(submitted, 'utf8')
  const b = Buffer.from(expected, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}

export const SESSION_EXPIRED =
  'ログインの有効期限が切れました。一定時間操作がなかったため、入力内容は送信されていません。お手数ですが、もう一度ログインしてから操作してください。'

export const COOKIES_OFF =
  'Cookieが無効です。ブラウザの設定でCookieを有効にしてから、もう一度お試しください（Cookieを使えない携帯電話は携帯版をご利用ください）。'

/**
 * For POST: passes when `_csrf` (read by formBody, last value) equals the session's token.
 * Otherwise the patron is told what happened, with a way back:
 * - the session the request brought has ended (idle timeout, absolute lifetime, logout
 *   elsewhere), or a keitai brought none: 400 「ログインの有効期限が切れました」;
 * - a PC brought no session cookie at all (cookies off): 400 「Cookieが無効です」;
 * - a live session with another token (a forged or replayed form): 403.
 * Other methods pass.
 */
export const verifyCsrf: RequestHandler = (req, res, next) => {
  if (req.method !== 'POST') {
    next()
    return
  }
  // req.session is missing only when the session middleware did not run: refuse, not crash.
  const expected = (req.session as Request['session'] | undefined)?.csrfToken
  const submitted = formField(res, CSRF_FIELD)
  if (tokensMatch(submitted, expected) || visitorTokenMatches(req, submitted)) {
    next()
    return
  }
  if (expected === undefined) {
    const keitai = channelOf(res) === 'keitai'
    if (sessionExpired(res) || (keitai && !sessionPresented(req))) {
      next(new HttpError(400, SESSION_EXPIRED, wayBack(res), 'ログインの有効期限切れ'))
      return
    }
    if (!sessionPresented(req) && visitorCookieOf(req) === undefined) {
      next(new HttpError(400, COOKIES_OFF, wayBack(res), 'Cookieが無効です'))
      return
    }
  }
  next(new HttpError(403, REFUSED, wayBack(res)))
}

/** Links from a refused form: the login page and the library's top page. */
function wayBack(res: Response): { href: string; text: string }[] {
  const lib = libraryOrNull(res)
  if (!lib) return []
  const channel = channelOf(res)
  const slug = lib.library.slug
  return [
    { href: urlFor(channel, 'login', { lib: slug }), text: 'ログイン画面へ' },
    { href: urlFor(channel, 'top', { lib: slug }), text: 'トップページへ' },
  ]
}
