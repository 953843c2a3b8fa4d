// CSRF protection by the synchronizer-token pattern: one random token per session, kept in
// the server-side session and sent back in a hidden `_csrf` field of every POST form. It works
// without cookies (keitai carry their session in the URL), unlike double-submit cookies, and
// does not rely on SameSite, which keitai and lynx ignore (keitai.md §5).
//
// Use: render forms with csrfToken(req) in <input type="hidden" name="_csrf">, and mount
// formBody() then verifyCsrf before every POST handler. A keitai form's action must carry the
// session in its URL (keitaiSessionToken), or the POST arrives without the session.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { Request, RequestHandler } from 'express'
import { HttpError } from '../errors.ts'
import { formField } from './form-body.ts'

/** The hidden field every POST form carries. */
export const CSRF_FIELD = '_csrf'

const REFUSED =
  'この操作は受け付けられませんでした。お手数ですが、もう一度最初から操作してください。'

/** The session's token, created (32 random bytes, base64url) on first use. */
export function csrfToken(req: Request): string {
  const existing = req.session.csrfToken
  if (typeof existing === 'string' && existing !== '') return existing
  const token = randomBytes(32).toString('base64url')
  req.session.csrfToken = token
  return token
}

/** Constant-time comparison of a submitted token with the session's. */
function tokensMatch(submitted: string | undefined, expected: string | undefined): boolean {
  if (!submitted || !expected) return false
  const a = Buffer.from(submitted, 'utf8')
  const b = Buffer.from(expected, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * For POST: 403 unless `_csrf` (read by formBody, last value) equals the session's token.
 * A session without a token (expired, or never shown a form) always fails. Other methods pass.
 */
export const verifyCsrf: RequestHandler = (req, res, next) => {
  if (req.method !== 'POST') {
    next()
    return
  }
  // req.session is missing only when the session middleware did not run: refuse, not crash.
  const expected = (req.session as Request['session'] | undefined)?.csrfToken
  if (!tokensMatch(formField(res, CSRF_FIELD), expected)) {
    next(new HttpError(403, REFUSED))
    return
  }
  next()
}
