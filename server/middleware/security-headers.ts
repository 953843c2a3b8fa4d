// Headers every page gets. No page uses JavaScript, so the policy forbids all scripts. When
// the site is public over https (PUBLIC_URL), browsers are also told to use nothing else (HSTS).
import type { RequestHandler } from 'express'

/** One year, for the whole host (no preload: that is the operator's decision). */
export const HSTS = 'max-age=31536000; includeSubDomains'

export function securityHeaders(config: { publicUrl: string }): RequestHandler {
  return (_req, res, next) => {
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    )
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.setHeader('X-Frame-Options', 'DENY')
    res.setHeader('Referrer-Policy', 'same-origin')
    if (config.publicUrl.startsWith('https:')) res.setHeader('Strict-Transport-Security', HSTS)
    next()
  }
}
