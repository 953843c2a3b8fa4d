// What every route module shares, and the only place route modules take it from (they never
// import each other): the page context every view gets, the logged-in patron, paths and
// redirects that keep a keitai's session, the POST chain (form body + CSRF), personal-page
// headers, one-time notices and the session steps of logins and terminals.
import type { Request, RequestHandler, Response } from 'express'
import type { SessionData } from 'express-session'
import { fromUtcDateTime } from './clock.ts'
import type { Patron } from './db/schema.ts'
import { channelOf } from './middleware/channel.ts'
import { csrfToken, verifyCsrf } from './middleware/csrf.ts'
import { formBody } from './middleware/form-body.ts'
import { libraryOf, libraryOrNull } from './middleware/library.ts'
import type { LibraryContext } from './middleware/library.ts'
import { keitaiSessionToken } from './middleware/session.ts'
import { otherChannel, urlFor } from './paths.ts'
import type { Channel, PathName, Query } from './paths.ts'
import * as format from './render/format.ts'
import * as labels from './render/labels.ts'
import { redirectTo } from './render/redirect.ts'
import type { Renderer } from './render/views.ts'
import type { AccountService } from './services/account-service.ts'

export type PathParams = Record<string, string | number>
export type UrlBuilder = (name: PathName, params?: PathParams, query?: Query) => string

export interface PageContext {
  channel: Channel
  title: string
  heading: string
  lib: LibraryContext | null
  url: UrlBuilder
  /** The same page on the other channel. */
  switchUrl: string
  format: typeof format
  labels: typeof labels
  /** A patron of this library is logged in (every page then offers ログアウト). */
  loggedIn: boolean
  /** The request comes from an in-library terminal (館内OPAC). */
  terminal: boolean
  /** The session's CSRF token when logged in (for the ログアウト button on every page). */
  sessionCsrf: string
}

export interface PageOptions {
  error?: boolean
  page?: number
  switchTo?: PathName
  switchParams?: PathParams
  /** Query of the same page on the other channel (encoded in that channel's charset). */
  switchQuery?: Query
  /**
   * What tells this page from its siblings of the same heading (the loan being renewed, the
   * shelf being renamed, a result list's sort and filters): added to the title only.
   */
  titleDetail?: string
}

/**
 * What every view gets: the channel, the library, a urlFor bound to both (a keitai with a
 * session carries it in every link), and the title 「<page>｜<library name>」 (「エラー：」 in
 * front on error pages, 「(2ページ目)」 on later pages).
 */
export function pageContext(
  res: Response,
  heading: string,
  options: PageOptions = {},
): PageContext {
  const channel = channelOf(res)
  const lib = libraryOrNull(res)
  const base: PathParams = lib ? { lib: lib.library.slug } : {}
  const token = channel === 'keitai' ? keitaiSessionToken(res.req) : undefined
  const url: UrlBuilder = (name, params = {}, query = {}) =>
    urlFor(channel, name, { ...base, ...params }, query, token)
  const pageSuffix = options.page && options.page > 1 ? `(${options.page}ページ目)` : ''
  const site = lib ? lib.library.name : 'Web OPAC'
  const detail = options.titleDetail ? `（${options.titleDetail}）` : ''
  const title = `${options.error ? 'エラー：' : ''}${heading}${detail}${pageSuffix}｜${site}`
  const other = otherChannel(channel)
  const switchName = options.switchTo ?? (lib ? 'top' : 'libraries')
  // A keitai UA at a shared URL would get the keitai pages again: ask for the PC ones.
  const switchQuery = { ...options.switchQuery, ...(other === 'pc' ? { view: 'pc' } : {}) }
  const switchUrl = urlFor(other, switchName, { ...base, ...options.switchParams }, switchQuery)
  const session = sessionOf(res.req)
  const loggedIn = Boolean(lib && session?.patronId && session.libraryId === lib.library.id)
  // A public page seen while logged in shows ログアウト in its header: Back after a logout
  // must not bring that copy back from a cache.
  if (session?.patronId && !res.headersSent) res.setHeader('Cache-Control', 'no-store, private')
  return {
    channel,
    title,
    heading,
    lib,
    url,
    switchUrl,
    format,
    labels,
    loggedIn,
    terminal: Boolean(session?.terminal),
    sessionCsrf: loggedIn ? (session?.csrfToken ?? '') : '',
  }
}

/**
 * The page context of a page with forms: its CSRF token (made first: it may start the session
 * a keitai's links then carry), `path` for the forms' actions, and the library's settings.
 */
export function formPageContext(
  req: Request,
  res: Response,
  heading: string,
  options: PageOptions = {},
) {
  const csrf = csrfToken(req)
  const page = pageContext(res, heading, options)
  return { ...page, csrf, path: page.url, settings: libraryOf(res).settings }
}

/** Renders a view of the request's channel. */
export function renderPage(
  renderer: Renderer,
  res: Response,
  view: string,
  data: object,
  status = 200,
): void {
  renderer.page(res, channelOf(res), view, data, status)
}

/** The session, or undefined where the session middleware did not run or the store failed. */
function sessionOf(req: Request): Partial<SessionData> | undefined {
  const session: Partial<SessionData> | undefined = req.session
  return session
}

/** The logged-in patron's id in this library, or null. */
export function currentPatronId(req: Request, res: Response): number | null {
  const s = sessionOf(req)
  const lib = libraryOrNull(res)
  return lib && s?.patronId && s.libraryId === lib.library.id ? s.patronId : null
}

/** The path of a named page for this request (keeps a keitai's session in the path). */
export function pathFor(
  req: Request,
  res: Response,
  name: PathName,
  params: PathParams = {},
  query: Query = {},
): string {
  const channel = channelOf(res)
  const token = channel === 'keitai' ? keitaiSessionToken(req) : undefined
  return urlFor(channel, name, { lib: libraryOf(res).library.slug, ...params }, query, token)
}

/**
 * This library's result page a page was reached from, for 「検索結果に戻る」: the Referer when it
 * is this library's search page on this site (PC browsers send it: Referrer-Policy same-origin).
 * Keeps no state and lengthens no URL; without a Referer there is simply no such link.
 */
export function resultsPageOf(req: Request, res: Response): string | null {
  return resultsPath(req, res, req.get('referer'))
}

/** `raw` (a URL or a path) when it is this library's search page on this site, as a path. */
export function resultsPath(req: Request, res: Response, raw: string | undefined): string | null {
  if (!raw || raw.length > 2000 || /[\s\\]/.test(raw)) return null
  const site = new URL(publicUrlOf(res))
  let from: URL
  try {
    from = new URL(raw, site)
  } catch {
    return null
  }
  if (![req.get('host'), site.host].includes(from.host)) return null
  const search = urlFor(channelOf(res), 'search', { lib: libraryOf(res).library.slug })
  return from.pathname === search ? `${from.pathname}${from.search}` : null
}

/** Redirects to a named page of this library (303; 302 for keitai). */
export function redirectToPage(
  req: Request,
  res: Response,
  name: PathName,
  params: PathParams = {},
  query: Query = {},
): void {
  redirectTo(res, pathFor(req, res, name, params, query))
}

/** Personal pages are never stored by a browser or a proxy. */
export const personal: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store, private')
  res.setHeader('Pragma', 'no-cache')
  res.setHeader('Expires', '0')
  next()
}

/** Every POST: personal, the form decoded in the channel's charset, the CSRF token checked. */
export const postChain: RequestHandler[] = [personal, formBody(), verifyCsrf]

/**
 * Loads the logged-in patron (patronOf), or sends the visitor to the login page, which brings
 * them back here (GET pages) afterwards.
 */
export function loginRequired(accounts: Pick<AccountService, 'patron'>): RequestHandler {
  return async (req, res, next) => {
    const id = currentPatronId(req, res)
    let patron = id === null ? undefined : await accounts.patron(libraryOf(res).library.id, id)
    if (patron && loginPredatesPasswordChange(req, patron)) {
      // The password changed after this login (elsewhere): the login has ended.
      delete req.session.patronId
      delete req.session.libraryId
      delete req.session.cardNumber
      res.locals.sessionExpired = true
      patron = undefined
    }
    if (!patron) {
      const back = req.method === 'GET' ? req.originalUrl.slice(req.baseUrl.length) : undefined
      redirectToPage(req, res, 'login', {}, { next: back })
      return
    }
    res.locals.patron = patron
    next()
  }
}

/** True when the patron's password changed after this session logged in. */
function loginPredatesPasswordChange(req: Request, patron: Patron): boolean {
  const loginAt = sessionOf(req)?.loginAt
  if (typeof loginAt !== 'number' || !patron.password_changed_at) return false
  // password_changed_at has whole seconds; a login in the same second as the change counts
  // as after it (the change's own session sets loginAt to the change's time).
  return fromUtcDateTime(patron.password_changed_at).getTime() > loginAt
}

/** The patron loginRequired loaded. */
export function patronOf(res: Response): Patron {
  const patron: Patron | undefined = res.locals.patron
  if (!patron) throw new Error('loginRequired did not run')
  return patron
}

/** Reads and forgets the one-time notice of the previous step (Post/Redirect/Get). */
export function takeFlash(req: Request): string {
  const s = sessionOf(req)
  const text = s?.flash ?? ''
  if (s && s.flash !== undefined) delete s.flash
  return text
}

export function setFlash(req: Request, text: string): void {
  req.session.flash = text
}

/** A new session id for the same visitor (login, and 館内OPAC after a completed step). */
export function regenerateSession(req: Request): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    req.session.regenerate((err) => (err ? reject(err) : resolve())),
  )
}

/**
 * 館内OPAC: when a renewal or password change completes, nothing personal stays — the session
 * is replaced by one that keeps only the completion page's data. True when it did so.
 */
export async function endTerminalSession(req: Request): Promise<boolean> {
  if (!req.session.terminal) return false
  const keep = { renewed: req.session.renewed, passwordDone: req.session.passwordDone }
  await regenerateSession(req)
  Object.assign(req.session, keep, { terminal: true })
  if (req.session.passwordDone) req.session.passwordDone.loggedOut = true
  csrfToken(req)
  return true
}

/** PUBLIC_URL, for absolute addresses (QR codes, feeds). */
export function publicUrlOf(res: Response): string {
  const url: string | undefined = res.locals.publicUrl
  if (url === undefined) throw new Error('publicUrl is not set')
  return url
}
