// Server-side sessions for both channels (keitai.md §5, stack-notes.md "sessions").
//
// PC: express-session with the cookie opac_sid (HttpOnly, SameSite=Lax, Secure when the site
//   is https, rolling expiry = the idle timeout). lynx sends `SameSite=Lax` back as a cookie of
//   its own; express-session's cookie parser simply ignores it.
//
// Keitai: many handsets have no cookies, so the session id travels in the path instead:
//   /:lib/k/s/<token>/…  where <token> = signSessionId(sessionID) (never a query parameter:
//   SoftBank reserves `sid`). Before express-session runs, a valid token is turned into the
//   signed cookie express-session reads (req.headers.cookie = 'opac_sid=s%3A<id>.<sig>'), so
//   express-session loads, saves and regenerates the session as usual; Set-Cookie for opac_sid
//   is stripped from keitai responses. A URL session is never accepted from a request that also
//   has an opac_sid cookie (the request is then treated as not logged in), and responses that
//   carry a URL session get Referrer-Policy: no-referrer and Cache-Control: no-store.
//
// Idle timeout: sessionIdleMinutes, or terminalIdleMinutes on in-library terminals
// (config.terminalAddresses). It is the cookie's maxAge and so the store row's expiry, and it is
// also checked against lastSeenAt in the session, so an old cookie or URL never revives a
// session that sat idle too long. Absolute lifetime: a login (loginAt) ends after
// sessionAbsoluteMinutes (terminalAbsoluteMinutes on terminals) however active it was kept.
//
// With sessionlessPageViews, a PC page view without a session cookie skips express-session (no
// session id is made, no response hooks): the routes see no req.session, as when the store is
// unreachable.
//
// Mount the returned handlers after the channel middleware (res.locals.channel is set) and
// before the routes. They may be mounted in several chains: each request is handled once.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { isIPv4 } from 'node:net'
import type { Request, RequestHandler, Response } from 'express'
import session from 'express-session'
import type { Clock } from '../clock.ts'
import { systemClock } from '../clock.ts'
import type { Config } from '../config.ts'
import { channelOf } from './channel.ts'

/** The session cookie (PC). Not `sid`, and not `SameSite` (lynx, keitai.md §5). */
export const SESSION_COOKIE = 'opac_sid'

/** Route parameter name of the keitai session segment: /:lib/k/s/:ksid/… */
export const KEITAI_SESSION_PARAM = 'ksid'

/** Session fields that do not make a session worth keeping (set on every request). */
const HOUSEKEEPING_KEYS = new Set(['cookie', 'lastSeenAt', 'terminal'])

const MINUTE = 60_000

/** Characters of HMAC-SHA256 (base64url) kept in a keitai token: 24 chars = 144 bits. */
const URL_MAC_LENGTH = 24

/** express-session's ids (uid-safe, base64url). */
const SESSION_ID = /^[A-Za-z0-9_-]{16,128}$/

/** The token segment of a keitai session URL: /<lib>/k/s/<token>/… */
const KEITAI_SESSION_PATH = /^\/(?:[^/?#]+\/)?k\/s\/([^/?#]+)(?:[/?#]|$)/

function urlMac(id: string, secret: string): string {
  // A purpose prefix keeps URL tokens distinct from the cookie signature of the same id.
  return createHmac('sha256', secret)
    .update(`opac keitai session\0${id}`)
    .digest('base64url')
    .slice(0, URL_MAC_LENGTH)
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** A session id signed for a keitai URL: `<id>.<mac>` (only [A-Za-z0-9_.-]). */
export function signSessionId(id: string, secret: string): string {
  return `${id}.${urlMac(id, secret)}`
}

/** The session id of a keitai URL token, or undefined when the token is not genuine. */
export function unsignSessionId(value: string, secret: string): string | undefined {
  const dot = value.lastIndexOf('.')
  if (dot < 0) return undefined
  const id = value.slice(0, dot)
  if (!SESSION_ID.test(id)) return undefined
  return sameString(value.slice(dot + 1), urlMac(id, secret)) ? id : undefined
}

/** The keitai session token in a request path (originalUrl), if any; not yet verified. */
export function keitaiSessionFromPath(url: string): string | undefined {
  const match = KEITAI_SESSION_PATH.exec(url)
  return match?.[1]
}

/**
 * express-session's signed cookie value for an id: 's:' + cookie-signature's sign(id, secret)
 * (HMAC-SHA256, base64 without padding). See getcookie/unsigncookie in express-session.
 */
function cookieValue(id: string, secret: string): string {
  const mac = createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, '')
  return `s:${id}.${mac}`
}

/** The id in a signed opac_sid cookie value (already URI-decoded), or undefined. */
function idFromCookieValue(value: string, secret: string): string | undefined {
  if (!value.startsWith('s:')) return undefined
  const dot = value.lastIndexOf('.')
  if (dot < 2) return undefined
  const id = value.slice(2, dot)
  return sameString(value, cookieValue(id, secret)) ? id : undefined
}

interface CookiePair {
  name: string
  value: string
  raw: string
}

/** Splits a Cookie header leniently (a name without '=' is kept as a name). */
function splitCookies(header: string | undefined): CookiePair[] {
  if (!header) return []
  return header
    .split(';')
    .map((raw) => raw.trim())
    .filter(Boolean)
    .map((raw) => {
      const eq = raw.indexOf('=')
      const name = (eq < 0 ? raw : raw.slice(0, eq)).trim()
      let value = eq < 0 ? '' : raw.slice(eq + 1).trim()
      if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
        value = value.slice(1, -1)
      }
      try {
        value = decodeURIComponent(value)
      } catch {
        // keep the raw value
      }
      return { name, value, raw }
    })
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0)
}

/**
 * True when `ip` is one of `list`: exact addresses (IPv4 or IPv6) or IPv4 CIDR blocks such
 * as 10.1.0.0/16. IPv4-mapped IPv6 addresses (::ffff:10.1.2.3) count as IPv4. Entries that do
 * not parse match nothing.
 */
export function isTerminalAddress(ip: string | undefined, list: readonly string[]): boolean {
  if (!ip || list.length === 0) return false
  let addr = ip.trim().toLowerCase()
  if (addr.startsWith('::ffff:') && isIPv4(addr.slice(7))) addr = addr.slice(7)
  return list.some((raw) => {
    const entry = raw.trim().toLowerCase()
    const slash = entry.indexOf('/')
    if (slash < 0) return entry !== '' && entry === addr
    const base = entry.slice(0, slash)
    const bitsText = entry.slice(slash + 1)
    if (!isIPv4(base) || !isIPv4(addr) || !/^\d{1,2}$/.test(bitsText)) return false
    const bits = Number(bitsText)
    if (bits > 32) return false
    if (bits === 0) return true
    const shift = 32 - bits
    // Compare the network parts; >>> keeps the arithmetic unsigned.
    return ipv4ToInt(base) >>> shift === ipv4ToInt(addr) >>> shift
  })
}

/** True when the session holds something besides housekeeping (login, CSRF token, flash …). */
function hasData(sess: object): boolean {
  return Object.keys(sess).some((key) => !HOUSEKEEPING_KEYS.has(key))
}

/** What the first handler learnt about a request, for the later ones and for route helpers. */
interface RequestState {
  secret: string
  /** Cookies get the Secure flag (PUBLIC_URL is https). */
  secure: boolean
  keitai: boolean
  /** The request presented a session (cookie or URL token), valid or not. */
  presented: boolean
  /** The id of a genuine presented session. */
  presentedId: string | undefined
  /**
   * A PC page view (GET/HEAD) that brings no session cookie, from outside the library's
   * terminals: it has no session to load, and a page view never starts one (forms use the
   * visitor cookie's token), so express-session is not run for it at all.
   */
  sessionless: boolean
}

const states = new WeakMap<Request, RequestState>()
const checked = new WeakSet<Request>()

function isSessionSetCookie(value: string): boolean {
  return value.trimStart().startsWith(`${SESSION_COOKIE}=`)
}

function withoutSessionCookies(value: number | string | readonly string[]): string[] {
  const list = Array.isArray(value) ? (value as readonly string[]) : [String(value)]
  return list.filter((v) => !isSessionSetCookie(v))
}

/** Keeps opac_sid out of a keitai response's Set-Cookie, however it gets there. */
function stripSessionSetCookie(res: Response): void {
  const setHeader = res.setHeader.bind(res)
  res.setHeader = function (name: string, value: number | string | readonly string[]) {
    if (name.toLowerCase() !== 'set-cookie') return setHeader(name, value)
    const kept = withoutSessionCookies(value)
    if (kept.length === 0) {
      res.removeHeader(name)
      return res
    }
    return setHeader(name, kept)
  } as Response['setHeader']
  const appendHeader = res.appendHeader.bind(res)
  res.appendHeader = function (name: string, value: string | readonly string[]) {
    if (name.toLowerCase() !== 'set-cookie') return appendHeader(name, value)
    const kept = withoutSessionCookies(value)
    return kept.length === 0 ? res : appendHeader(name, kept)
  } as Response['appendHeader']
}

/** A page whose URL or links carry a session id must not leak it or be cached. */
function protectUrlSession(res: Response): void {
  if (res.headersSent) return
  res.setHeader('Referrer-Policy', 'no-referrer')
  res.setHeader('Cache-Control', 'no-store')
}

/**
 * The token to put in keitai URLs (/aoba/k/s/<token>/…) so that the next request brings this
 * session back; undefined on the PC channel and while the session holds nothing (an anonymous
 * visitor's session is never saved, so a token would point nowhere). Call it after putting
 * something in the session (login, csrfToken(req)). Marks the response no-store/no-referrer.
 */
export function keitaiSessionToken(req: Request): string | undefined {
  const state = states.get(req)
  const sess = req.session as Request['session'] | undefined
  if (!state?.keitai || !sess || !hasData(sess)) return undefined
  if (req.res) protectUrlSession(req.res)
  return signSessionId(req.sessionID, state.secret)
}

/** True when the request's session holds something worth keeping (a login, a cart …). */
export function sessionHoldsData(req: Request): boolean {
  const sess = req.session as Request['session'] | undefined
  return sess !== undefined && hasData(sess)
}

/** The secret the session middleware signs with, for tokens derived from it (CSRF). */
export function sessionSecretOf(req: Request): string | undefined {
  return states.get(req)?.secret
}

/** True when the PC site is served over https (the Secure flag of cookies). */
export function secureCookiesOf(req: Request): boolean {
  return states.get(req)?.secure === true
}

/** True when the request brought a session (cookie or keitai URL token), valid or not. */
export function sessionPresented(req: Request): boolean {
  return states.get(req)?.presented === true
}

/** True when the request brought a session that is gone (idle timeout, logout elsewhere). */
export function sessionExpired(res: Response): boolean {
  return res.locals.sessionExpired === true
}

export function sessionMiddleware(deps: {
  store: session.Store
  config: Config
  clock?: Clock
  /**
   * PC page views (GET/HEAD) without a session cookie, from outside the terminals, get no
   * session at all (the app's routes never start one on such a view).
   */
  sessionlessPageViews?: boolean
}): RequestHandler[] {
  const { store, config } = deps
  const clock = deps.clock ?? systemClock
  const secret = config.sessionSecret

  const expressSession = session({
    name: SESSION_COOKIE,
    secret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.publicUrl.startsWith('https:'),
      path: '/',
      maxAge: config.sessionIdleMinutes * MINUTE,
    },
  })

  /** Before express-session: choose where the session id comes from. */
  const prepare: RequestHandler = (req, res, next) => {
    if (states.has(req)) {
      next()
      return
    }
    const keitai = channelOf(res) === 'keitai'
    const cookies = splitCookies(req.headers.cookie)
    const sessionCookie = cookies.find((c) => c.name === SESSION_COOKIE)
    const state: RequestState = {
      secret,
      secure: config.publicUrl.startsWith('https:'),
      keitai,
      presented: false,
      presentedId: undefined,
      sessionless: false,
    }
    states.set(req, state)

    if (!keitai) {
      if (sessionCookie) {
        state.presented = true
        state.presentedId = idFromCookieValue(sessionCookie.value, secret)
      } else if (
        deps.sessionlessPageViews === true &&
        (req.method === 'GET' || req.method === 'HEAD') &&
        // (req.ip walks the proxy chain: only asked for when there are terminals)
        !(
          config.terminalAddresses.length > 0 && isTerminalAddress(req.ip, config.terminalAddresses)
        )
      ) {
        state.sessionless = true
      }
      next()
      return
    }

    stripSessionSetCookie(res)
    const token = keitaiSessionFromPath(req.originalUrl)
    if (token !== undefined) protectUrlSession(res)
    const others = cookies.filter((c) => c.name !== SESSION_COOKIE).map((c) => c.raw)
    if (sessionCookie) {
      // A cookie-capable client on a keitai page: neither its cookie session (it would end
      // up in URLs) nor the URL session (it may be someone else's) is used.
      if (others.length > 0) req.headers.cookie = others.join('; ')
      else delete req.headers.cookie
      next()
      return
    }
    if (token !== undefined) {
      state.presented = true
      const id = unsignSessionId(token, secret)
      if (id !== undefined) {
        state.presentedId = id
        const injected = `${SESSION_COOKIE}=${encodeURIComponent(cookieValue(id, secret))}`
        req.headers.cookie = [injected, ...others].join('; ')
      }
    }
    next()
  }

  /** After express-session: idle timeout, terminals, lastSeenAt. */
  const idle: RequestHandler = (req, res, next) => {
    const state = states.get(req)
    const sess = req.session as Request['session'] | undefined
    if (!state || !sess || checked.has(req)) {
      next() // express-session skipped the request (store disconnected): no session
      return
    }
    checked.add(req)
    if (state.presented && req.sessionID !== state.presentedId) res.locals.sessionExpired = true

    const terminal = isTerminalAddress(req.ip, config.terminalAddresses) || sess.terminal === true
    const idleMs = (terminal ? config.terminalIdleMinutes : config.sessionIdleMinutes) * MINUTE
    const absoluteMs =
      (terminal ? config.terminalAbsoluteMinutes : config.sessionAbsoluteMinutes) * MINUTE

    /** The empty session that replaced an idle one, if this request replaced it. */
    let replacement: object | undefined

    // Stamp the session at the end of the request (it may have been regenerated by then).
    const end = res.end
    res.end = function (this: Response, ...args: unknown[]) {
      const current = req.session as Request['session'] | undefined
      if (current && current === replacement && !hasData(current)) {
        // express-session would save a regenerated session even when empty (and set a
        // cookie); without req.session it saves nothing.
        Reflect.deleteProperty(req, 'session')
      } else if (current) {
        if (hasData(current)) {
          current.lastSeenAt = clock.now().getTime()
          if (terminal) current.terminal = true
          current.cookie.maxAge = idleMs
        } else {
          // Nothing worth keeping: leave the session pristine so it is not saved.
          delete current.lastSeenAt
          delete current.terminal
        }
      }
      return (end as (...a: unknown[]) => Response).apply(this, args)
    } as Response['end']

    const proceed = () => {
      if (terminal) req.session.terminal = true
      req.session.cookie.maxAge = idleMs
      next()
    }
    const lastSeenAt = sess.lastSeenAt
    const loginAt = sess.loginAt
    const now = clock.now().getTime()
    const idleOver = typeof lastSeenAt === 'number' && now - lastSeenAt > idleMs
    // A login ends after its absolute lifetime however active it was kept.
    const lifetimeOver = typeof loginAt === 'number' && now - loginAt > absoluteMs
    if (idleOver || lifetimeOver) {
      res.locals.sessionExpired = true
      sess.regenerate((err: unknown) => {
        if (err) {
          next(err)
          return
        }
        replacement = req.session
        proceed()
      })
      return
    }
    proceed()
  }

  const sessionUnlessNone: RequestHandler = (req, res, next) => {
    if (states.get(req)?.sessionless) next()
    else expressSession(req, res, next)
  }

  return [prepare, sessionUnlessNone, idle]
}
