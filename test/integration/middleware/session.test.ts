// The session middleware over real HTTP with the MySQL store: PC cookie sessions (and lynx's
// stray SameSite cookie), keitai sessions carried in the URL without any cookie, refusal of URL
// sessions from clients that also send the cookie, idle expiry, in-library terminals, and two
// app instances sharing the store.
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { expect } from 'chai'
import express from 'express'
import type { ErrorRequestHandler, RequestHandler } from 'express'
import type { Clock } from '../../../server/clock.ts'
import { systemClock } from '../../../server/clock.ts'
import { loadConfig } from '../../../server/config.ts'
import type { Config } from '../../../server/config.ts'
import { createDb } from '../../../server/db/database.ts'
import type { Db } from '../../../server/db/database.ts'
import { MysqlSessionStore } from '../../../server/db/session-store.ts'
import { forceChannel } from '../../../server/middleware/channel.ts'
import {
  KEITAI_SESSION_PARAM,
  SESSION_COOKIE,
  isTerminalAddress,
  keitaiSessionFromPath,
  keitaiSessionToken,
  sessionExpired,
  sessionMiddleware,
  signSessionId,
  unsignSessionId,
} from '../../../server/middleware/session.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'

const KEITAI_UA = 'DoCoMo/2.0 P903i(c100;TB;W24H12)'

function movableClock(): Clock & { advance(minutes: number): void } {
  let at = Date.parse('2026-11-23T01:00:00Z')
  return {
    now: () => new Date(at),
    advance(minutes) {
      at += minutes * 60_000
    },
  }
}

interface Me {
  patronId: number | null
  terminal: boolean | null
  expired: boolean
  sid: string
  ksid: string | null
}

interface TestApp {
  base: string
  close(): Promise<void>
}

/**
 * A small app with the session middleware mounted like app.ts will: keitai at /:lib/k and
 * /:lib/k/s/:ksid, PC at /:lib. /login regenerates and logs in as patron 42; /me reports.
 */
async function startApp(options: {
  db: Db
  env?: Record<string, string>
  clock?: Clock
  storeClock?: Clock
  trustProxy?: boolean
  sessionlessPageViews?: boolean
}): Promise<TestApp> {
  const config: Config = loadConfig({ NODE_ENV: 'test', ...options.env })
  const clock = options.clock ?? systemClock
  const store = new MysqlSessionStore(options.db, {
    ttlSeconds: config.sessionIdleMinutes * 60,
    clock: options.storeClock ?? systemClock,
  })
  const sessions = sessionMiddleware({
    store,
    config,
    clock,
    sessionlessPageViews: options.sessionlessPageViews ?? false,
  })
  const app = express()
  app.set('trust proxy', options.trustProxy ?? false)
  const routes = express.Router()
  routes.get('/login', (req, res, next) => {
    req.session.regenerate((err: unknown) => {
      if (err) {
        next(err)
        return
      }
      req.session.patronId = 42
      req.session.loginAt = clock.now().getTime()
      res.cookie('other', '1') // a cookie of another name survives on keitai
      res.json({ ksid: keitaiSessionToken(req) ?? null, sid: req.sessionID })
    })
  })
  routes.get('/me', (req, res) => {
    const me: Me = {
      patronId: req.session.patronId ?? null,
      terminal: req.session.terminal ?? null,
      expired: sessionExpired(res),
      sid: req.sessionID,
      ksid: keitaiSessionToken(req) ?? null,
    }
    res.json(me)
  })
  const hasSession: RequestHandler = (req, res) => {
    res.json({ session: (req.session as unknown) !== undefined })
  }
  routes.get('/has-session', hasSession)
  routes.post('/has-session', hasSession)
  routes.get('/flash', (req, res) => {
    req.session.flash = 'こんにちは'
    res.json({ ksid: keitaiSessionToken(req) ?? null })
  })
  const keitai: RequestHandler = forceChannel('keitai')
  app.use([`/:lib/k/s/:${KEITAI_SESSION_PARAM}`, '/:lib/k'], keitai, sessions, routes)
  app.use('/:lib', forceChannel('pc'), sessions, routes)
  const onError: ErrorRequestHandler = (err: Error, _req, res, _next) => {
    res.status(500).json({ error: err.message })
  }
  app.use(onError)
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

async function get(app: TestApp, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${app.base}${path}`, { headers })
  const json = (await res.json()) as Record<string, unknown>
  return { res, json }
}

async function me(app: TestApp, path: string, headers: Record<string, string> = {}) {
  const { res, json } = await get(app, path, headers)
  expect(res.status, JSON.stringify(json)).to.equal(200)
  return { res, me: json as unknown as Me }
}

function sessionSetCookie(res: Response): string | undefined {
  return res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))
}

/** The `name=value` part of the opac_sid Set-Cookie. */
function cookiePair(res: Response): string {
  const cookie = sessionSetCookie(res)
  expect(cookie, 'Set-Cookie opac_sid').to.be.a('string')
  return (cookie as string).split(';')[0] as string
}

async function loginPc(app: TestApp): Promise<string> {
  const { res } = await get(app, '/aoba/login')
  return cookiePair(res)
}

async function loginKeitai(app: TestApp): Promise<string> {
  const { res, json } = await get(app, '/aoba/k/login', { 'User-Agent': KEITAI_UA })
  expect(res.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).to.equal(false)
  expect(json.ksid).to.be.a('string')
  return json.ksid as string
}

async function sessionRows(db: Db): Promise<number> {
  const row = await db
    .selectFrom('session')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

describe('session middleware', () => {
  let t: TestDatabase
  before(async () => {
    t = await createTestDatabase({ prefix: 'smw' })
  })
  after(async () => {
    await t.db.destroy()
  })
  beforeEach(async () => {
    await t.db.deleteFrom('session').execute()
  })

  describe('helpers', () => {
    const secret = 'a-test-secret-of-some-length'

    it('signs session ids for URLs and verifies them', () => {
      const id = 'AbCdEfGhIjKlMnOpQrStUvWxYz012-_9'
      const token = signSessionId(id, secret)
      expect(token).to.match(/^[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{24}$/)
      expect(unsignSessionId(token, secret)).to.equal(id)
      expect(unsignSessionId(token, 'another-secret-entirely')).to.equal(undefined)
      const last = token.at(-1) === 'A' ? 'B' : 'A'
      expect(unsignSessionId(token.slice(0, -1) + last, secret)).to.equal(undefined)
      expect(unsignSessionId(token.slice(0, -1), secret)).to.equal(undefined)
      expect(unsignSessionId(id, secret)).to.equal(undefined)
      expect(unsignSessionId('', secret)).to.equal(undefined)
      expect(unsignSessionId(`x/y.${token.split('.')[1]}`, secret)).to.equal(undefined)
    })

    it('finds the token segment in keitai paths only', () => {
      expect(keitaiSessionFromPath('/aoba/k/s/abc.def/account?x=1')).to.equal('abc.def')
      expect(keitaiSessionFromPath('/aoba/k/s/abc.def')).to.equal('abc.def')
      expect(keitaiSessionFromPath('/aoba/k/s/abc.def?x=1')).to.equal('abc.def')
      expect(keitaiSessionFromPath('/aoba/k/search?s=1')).to.equal(undefined)
      expect(keitaiSessionFromPath('/aoba/s/abc/account')).to.equal(undefined)
      expect(keitaiSessionFromPath('/aoba/k/records/s/abc')).to.equal(undefined)
    })

    it('matches terminal addresses exactly or by IPv4 CIDR', () => {
      const list = ['10.1.0.0/16', '192.168.5.7', '2001:DB8::10', 'nonsense/8', '10.9.0.0/33']
      expect(isTerminalAddress('10.1.200.3', list)).to.equal(true)
      expect(isTerminalAddress('10.2.0.1', list)).to.equal(false)
      expect(isTerminalAddress('::ffff:10.1.0.9', list)).to.equal(true)
      expect(isTerminalAddress('192.168.5.7', list)).to.equal(true)
      expect(isTerminalAddress('192.168.5.70', list)).to.equal(false)
      expect(isTerminalAddress('2001:db8::10', list)).to.equal(true)
      expect(isTerminalAddress('10.9.0.1', list)).to.equal(false)
      expect(isTerminalAddress(undefined, list)).to.equal(false)
      expect(isTerminalAddress('10.1.0.1', [])).to.equal(false)
      expect(isTerminalAddress('203.0.113.1', ['0.0.0.0/0'])).to.equal(true)
      expect(isTerminalAddress('172.16.0.1', ['172.16.0.1/32'])).to.equal(true)
      expect(isTerminalAddress('172.16.0.2', ['172.16.0.1/32'])).to.equal(false)
      expect(isTerminalAddress('255.255.255.255', ['128.0.0.0/1'])).to.equal(true)
    })
  })

  describe('PC (cookie)', () => {
    let app: TestApp
    before(async () => {
      app = await startApp({ db: t.db })
    })
    after(async () => {
      await app.close()
    })

    it('with sessionlessPageViews, runs no session for a page view without a cookie', async () => {
      const lean = await startApp({ db: t.db, sessionlessPageViews: true })
      try {
        const view = await get(lean, '/aoba/has-session')
        expect(view.json).to.deep.equal({ session: false })
        expect(view.res.headers.getSetCookie()).to.deep.equal([])
        // A form sent, a keitai page, a cookie brought back: the session runs as ever.
        const post = await fetch(`${lean.base}/aoba/has-session`, { method: 'POST' })
        expect(await post.json()).to.deep.equal({ session: true })
        expect((await get(lean, '/aoba/k/has-session')).json).to.deep.equal({ session: true })
        // (The test's login is a GET: it runs on the app without the option.)
        const cookie = cookiePair((await get(app, '/aoba/login')).res)
        const back = await get(lean, '/aoba/has-session', { Cookie: cookie })
        expect(back.json).to.deep.equal({ session: true })
        expect((await me(lean, '/aoba/me', { Cookie: cookie })).me.patronId).to.equal(42)
      } finally {
        await lean.close()
      }
    })

    it('saves nothing and sets no cookie for an anonymous visit', async () => {
      const { res, me: m } = await me(app, '/aoba/me')
      expect(m.patronId).to.equal(null)
      expect(m.expired).to.equal(false)
      expect(res.headers.getSetCookie()).to.deep.equal([])
      expect(await sessionRows(t.db)).to.equal(0)
    })

    it('keeps a login in a HttpOnly, SameSite=Lax cookie named opac_sid', async () => {
      const { res } = await get(app, '/aoba/login')
      const setCookie = sessionSetCookie(res) as string
      expect(setCookie).to.match(/^opac_sid=s%3A[A-Za-z0-9_-]+\.[A-Za-z0-9%]+; /)
      expect(setCookie).to.include('; Path=/')
      expect(setCookie).to.include('; HttpOnly')
      expect(setCookie).to.include('; SameSite=Lax')
      expect(setCookie).to.not.include('Secure')
      const expires = Date.parse(/Expires=([^;]+)/.exec(setCookie)?.[1] ?? '')
      expect(expires - Date.now()).to.be.within(29 * 60_000, 30 * 60_000 + 1000)

      const cookie = cookiePair(res)
      const { res: again, me: m } = await me(app, '/aoba/me', { Cookie: cookie })
      expect(m.patronId).to.equal(42)
      expect(m.ksid).to.equal(null) // no URL session for the PC channel
      expect(sessionSetCookie(again)).to.be.a('string') // rolling expiry
      expect(await sessionRows(t.db)).to.equal(1)
      const row = await t.db.selectFrom('session').selectAll().executeTakeFirstOrThrow()
      expect(JSON.parse(row.data)).to.include({ patronId: 42 }).and.to.have.property('lastSeenAt')
    })

    it("tolerates lynx's stray SameSite cookie", async () => {
      const cookie = await loginPc(app)
      for (const header of [`${cookie}; SameSite=Lax`, `SameSite=Lax; ${cookie}`]) {
        const { me: m } = await me(app, '/aoba/me', { Cookie: header })
        expect(m.patronId, header).to.equal(42)
      }
    })

    it('treats a forged or unknown cookie as logged out', async () => {
      const cookie = await loginPc(app)
      const forged = cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))
      const a = await me(app, '/aoba/me', { Cookie: forged })
      expect(a.me).to.include({ patronId: null, expired: true })
      await t.db.deleteFrom('session').execute()
      const b = await me(app, '/aoba/me', { Cookie: cookie })
      expect(b.me).to.include({ patronId: null, expired: true })
    })

    it('never reads a session from a PC URL', async () => {
      const ksid = await loginKeitai(app)
      const { me: m } = await me(app, `/aoba/me?${KEITAI_SESSION_PARAM}=${ksid}&sid=${ksid}`)
      expect(m.patronId).to.equal(null)
    })
  })

  describe('Secure cookie', () => {
    it('is Secure when PUBLIC_URL is https (and the request arrived over https)', async () => {
      const app = await startApp({
        db: t.db,
        env: { PUBLIC_URL: 'https://opac.example.jp' },
        trustProxy: true,
      })
      try {
        const { res } = await get(app, '/aoba/login', { 'X-Forwarded-Proto': 'https' })
        expect(sessionSetCookie(res)).to.include('; Secure')
      } finally {
        await app.close()
      }
    })
  })

  describe('keitai (session in the URL)', () => {
    let app: TestApp
    before(async () => {
      app = await startApp({ db: t.db })
    })
    after(async () => {
      await app.close()
    })

    it('carries the session in /:lib/k/s/<token>/ without any cookie', async () => {
      const { res: loginRes, json } = await get(app, '/aoba/k/login', { 'User-Agent': KEITAI_UA })
      expect(loginRes.headers.getSetCookie()).to.deep.equal(['other=1; Path=/'])
      expect(loginRes.headers.get('referrer-policy')).to.equal('no-referrer')
      expect(loginRes.headers.get('cache-control')).to.equal('no-store')
      const ksid = json.ksid as string
      expect(ksid).to.match(/^[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{24}$/)
      expect(ksid.startsWith(`${json.sid as string}.`)).to.equal(true)

      const { res, me: m } = await me(app, `/aoba/k/s/${ksid}/me`, { 'User-Agent': KEITAI_UA })
      expect(m).to.include({ patronId: 42, expired: false, ksid })
      expect(res.headers.getSetCookie()).to.deep.equal([])
      expect(res.headers.get('referrer-policy')).to.equal('no-referrer')
      expect(res.headers.get('cache-control')).to.equal('no-store')
    })

    it('gives anonymous keitai pages no token and no stored session', async () => {
      const { res, me: m } = await me(app, '/aoba/k/me', { 'User-Agent': KEITAI_UA })
      expect(m).to.include({ patronId: null, ksid: null })
      expect(res.headers.get('cache-control')).to.equal(null)
      expect(await sessionRows(t.db)).to.equal(0)
    })

    it('issues a token as soon as the session holds something (e.g. a CSRF token)', async () => {
      const { json } = await get(app, '/aoba/k/flash')
      expect(json.ksid).to.be.a('string')
      // Logging in from there regenerates the id (no session fixation).
      const login = await get(app, `/aoba/k/s/${json.ksid as string}/login`)
      expect(login.json.ksid).to.not.equal(json.ksid)
      const old = await me(app, `/aoba/k/s/${json.ksid as string}/me`)
      expect(old.me).to.include({ patronId: null, expired: true })
    })

    it('refuses a forged token', async () => {
      const ksid = await loginKeitai(app)
      const forged = ksid.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))
      const { res, me: m } = await me(app, `/aoba/k/s/${forged}/me`)
      expect(m).to.include({ patronId: null, expired: true })
      expect(res.headers.get('referrer-policy')).to.equal('no-referrer')
      const otherSecret = signSessionId(ksid.split('.')[0] as string, 'some-other-secret-value')
      expect((await me(app, `/aoba/k/s/${otherSecret}/me`)).me.patronId).to.equal(null)
    })

    it('ignores the URL session when the request also has a session cookie', async () => {
      const ksid = await loginKeitai(app)
      const pcCookie = await loginPc(app)
      // The PC session is not used on keitai pages either: the request is simply anonymous.
      for (const cookie of [pcCookie, 'opac_sid=whatever', `other=1; ${pcCookie}`]) {
        const { res, me: m } = await me(app, `/aoba/k/s/${ksid}/me`, { Cookie: cookie })
        expect(m.patronId, cookie).to.equal(null)
        expect(res.headers.getSetCookie()).to.deep.equal([])
      }
      // Unrelated cookies do not matter.
      const { me: m } = await me(app, `/aoba/k/s/${ksid}/me`, { Cookie: 'opac_view=pc' })
      expect(m.patronId).to.equal(42)
    })

    it('does not accept the keitai token as a cookie value', async () => {
      const ksid = await loginKeitai(app)
      const { me: m } = await me(app, '/aoba/me', { Cookie: `opac_sid=${ksid}` })
      expect(m.patronId).to.equal(null)
    })
  })

  describe('idle timeout', () => {
    it('logs out after sessionIdleMinutes without a request (lastSeenAt)', async () => {
      const clock = movableClock()
      // The store keeps real time, so only the middleware's own check can end the session.
      const app = await startApp({ db: t.db, clock })
      try {
        const cookie = await loginPc(app)
        const ksid = await loginKeitai(app)
        clock.advance(29)
        expect((await me(app, '/aoba/me', { Cookie: cookie })).me.patronId).to.equal(42)
        expect((await me(app, `/aoba/k/s/${ksid}/me`)).me.patronId).to.equal(42)
        clock.advance(30) // exactly the timeout since the last request: still fine
        expect((await me(app, '/aoba/me', { Cookie: cookie })).me.patronId).to.equal(42)
        expect((await me(app, `/aoba/k/s/${ksid}/me`)).me.patronId).to.equal(42)
        clock.advance(31)
        const pc = await me(app, '/aoba/me', { Cookie: cookie })
        expect(pc.me).to.include({ patronId: null, expired: true })
        expect(pc.res.headers.getSetCookie()).to.deep.equal([]) // the empty session is not kept
        const k = await me(app, `/aoba/k/s/${ksid}/me`)
        expect(k.me).to.include({ patronId: null, expired: true })
        // The old rows are gone (regenerate destroys them), so the old ids stay dead.
        expect(await sessionRows(t.db)).to.equal(0)
        clock.advance(-60)
        expect((await me(app, '/aoba/me', { Cookie: cookie })).me.patronId).to.equal(null)
      } finally {
        await app.close()
      }
    })

    it('also ends when the store row has expired', async () => {
      const clock = movableClock()
      const app = await startApp({ db: t.db, clock, storeClock: clock })
      try {
        const cookie = await loginPc(app)
        // The row's expiry follows the real time of the request; move past it.
        clock.advance((Date.now() - clock.now().getTime()) / 60_000 + 31)
        expect((await me(app, '/aoba/me', { Cookie: cookie })).me).to.include({
          patronId: null,
          expired: true,
        })
      } finally {
        await app.close()
      }
    })
  })

  describe('absolute lifetime', () => {
    it('ends a login after SESSION_ABSOLUTE_HOURS however active it was kept', async () => {
      const clock = movableClock()
      const app = await startApp({ db: t.db, clock, env: { SESSION_ABSOLUTE_HOURS: '8' } })
      try {
        const cookie = await loginPc(app)
        const ksid = await loginKeitai(app)
        // A request every 20 minutes keeps both within the idle timeout for 8 hours.
        for (let minutes = 20; minutes <= 8 * 60; minutes += 20) {
          clock.advance(20)
          expect((await me(app, '/aoba/me', { Cookie: cookie })).me.patronId).to.equal(42)
          expect((await me(app, `/aoba/k/s/${ksid}/me`)).me.patronId).to.equal(42)
        }
        clock.advance(1)
        expect((await me(app, '/aoba/me', { Cookie: cookie })).me).to.include({
          patronId: null,
          expired: true,
        })
        expect((await me(app, `/aoba/k/s/${ksid}/me`)).me).to.include({
          patronId: null,
          expired: true,
        })
      } finally {
        await app.close()
      }
    })

    it('is shorter on in-library terminals (TERMINAL_ABSOLUTE_MINUTES)', async () => {
      const clock = movableClock()
      const app = await startApp({
        db: t.db,
        clock,
        env: { TERMINAL_ADDRESSES: '127.0.0.0/8', TERMINAL_ABSOLUTE_MINUTES: '30' },
      })
      try {
        const cookie = await loginPc(app)
        // A request every 2 minutes stays within the 3-minute idle timeout.
        for (let i = 0; i < 15; i++) {
          clock.advance(2)
          expect((await me(app, '/aoba/me', { Cookie: cookie })).me.patronId).to.equal(42)
        }
        clock.advance(2)
        expect((await me(app, '/aoba/me', { Cookie: cookie })).me).to.include({
          patronId: null,
          expired: true,
        })
      } finally {
        await app.close()
      }
    })
  })

  describe('in-library terminals', () => {
    it('use terminalIdleMinutes and mark the session', async () => {
      const clock = movableClock()
      const app = await startApp({
        db: t.db,
        clock,
        env: { TERMINAL_ADDRESSES: '192.0.2.1, 127.0.0.0/8', TERMINAL_IDLE_MINUTES: '3' },
      })
      try {
        const { res } = await get(app, '/aoba/login')
        const setCookie = sessionSetCookie(res) as string
        const expires = Date.parse(/Expires=([^;]+)/.exec(setCookie)?.[1] ?? '')
        expect(expires - Date.now()).to.be.within(2 * 60_000, 3 * 60_000 + 1000)
        const cookie = cookiePair(res)
        const row = await t.db.selectFrom('session').selectAll().executeTakeFirstOrThrow()
        expect(JSON.parse(row.data)).to.include({ terminal: true, patronId: 42 })

        clock.advance(2)
        expect((await me(app, '/aoba/me', { Cookie: cookie })).me).to.include({
          patronId: 42,
          terminal: true,
        })
        clock.advance(4)
        expect((await me(app, '/aoba/me', { Cookie: cookie })).me).to.include({
          patronId: null,
          expired: true,
        })
        // An anonymous visit at a terminal still stores nothing.
        await t.db.deleteFrom('session').execute()
        const anon = await me(app, '/aoba/me')
        expect(anon.me.terminal).to.equal(true)
        expect(anon.res.headers.getSetCookie()).to.deep.equal([])
        expect(await sessionRows(t.db)).to.equal(0)
      } finally {
        await app.close()
      }
    })

    it('leave other addresses on sessionIdleMinutes', async () => {
      const app = await startApp({ db: t.db, env: { TERMINAL_ADDRESSES: '10.0.0.0/8' } })
      try {
        const cookie = await loginPc(app)
        expect((await me(app, '/aoba/me', { Cookie: cookie })).me.terminal).to.equal(null)
      } finally {
        await app.close()
      }
    })
  })

  describe('several app instances', () => {
    it('share sessions through the database', async () => {
      const otherDb = createDb(t.url, 2)
      const a = await startApp({ db: t.db })
      const b = await startApp({ db: otherDb })
      try {
        const cookie = await loginPc(a)
        expect((await me(b, '/aoba/me', { Cookie: cookie })).me.patronId).to.equal(42)
        const ksid = await loginKeitai(b)
        expect((await me(a, `/aoba/k/s/${ksid}/me`)).me.patronId).to.equal(42)
      } finally {
        await a.close()
        await b.close()
        await otherDb.destroy()
      }
    })
  })
})
