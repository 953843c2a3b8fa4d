// CSRF synchronizer tokens over real HTTP, with a cookie (PC) and without any cookie (keitai,
// session in the URL). Sessions live in express-session's MemoryStore here; the MySQL store
// has its own tests.
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { expect } from 'chai'
import express from 'express'
import type { ErrorRequestHandler, RequestHandler } from 'express'
import session from 'express-session'
import { loadConfig } from '../../../server/config.ts'
import { HttpError } from '../../../server/errors.ts'
import { CSRF_FIELD, csrfToken, verifyCsrf } from '../../../server/middleware/csrf.ts'
import { formBody } from '../../../server/middleware/form-body.ts'
import { keitaiSessionToken, sessionMiddleware } from '../../../server/middleware/session.ts'

const FORM = 'application/x-www-form-urlencoded'

async function startApp() {
  const config = loadConfig({ NODE_ENV: 'test' })
  const sessions = sessionMiddleware({ store: new session.MemoryStore(), config })
  const keitai: RequestHandler = (_req, res, next) => {
    res.locals.channel = 'keitai'
    next()
  }
  const app = express()
  const routes = express.Router()
  routes.get('/form', (req, res) => {
    const token = csrfToken(req)
    res.json({ token, again: csrfToken(req), ksid: keitaiSessionToken(req) ?? null })
  })
  routes.post('/form', formBody(), verifyCsrf, (_req, res) => {
    res.json({ ok: true })
  })
  routes.get('/open', verifyCsrf, (_req, res) => {
    res.json({ ok: true })
  })
  app.use(['/:lib/k/s/:ksid', '/:lib/k'], keitai, sessions, routes)
  app.use('/:lib', sessions, routes)
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = err instanceof HttpError ? err.status : 500
    res.status(status).json({ status, message: err instanceof HttpError ? err.userMessage : '' })
  }
  app.use(onError)
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    base,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function sessionCookie(res: Response): string {
  // A visitor's form is bound to the visitor cookie (no session is stored for it).
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('opac_vt='))
  expect(cookie, 'Set-Cookie opac_vt').to.be.a('string')
  expect(res.headers.getSetCookie().some((c) => c.startsWith('opac_sid='))).to.equal(false)
  return (cookie as string).split(';')[0] as string
}

describe('csrf', () => {
  let app: Awaited<ReturnType<typeof startApp>>
  before(async () => {
    app = await startApp()
  })
  after(async () => {
    await app.close()
  })

  async function post(path: string, body: string, cookie?: string) {
    const headers: Record<string, string> = { 'Content-Type': FORM }
    if (cookie) headers.Cookie = cookie
    const res = await fetch(`${app.base}${path}`, { method: 'POST', headers, body })
    return { status: res.status, json: (await res.json()) as Record<string, unknown> }
  }

  async function pcForm(): Promise<{ token: string; cookie: string }> {
    const res = await fetch(`${app.base}/aoba/form`)
    const json = (await res.json()) as { token: string; again: string; ksid: string | null }
    expect(json.token).to.match(/^[A-Za-z0-9_-]{43}$/) // 32 bytes, base64url
    expect(json.again).to.equal(json.token)
    expect(json.ksid).to.equal(null) // never a URL session on the PC channel
    return { token: json.token, cookie: sessionCookie(res) }
  }

  it('accepts the session token (PC, cookie)', async () => {
    const { token, cookie } = await pcForm()
    const res = await post('/aoba/form', `${CSRF_FIELD}=${token}&q=1`, cookie)
    expect(res).to.deep.equal({ status: 200, json: { ok: true } })
    // The token stays for the session: a second form works too.
    expect((await post('/aoba/form', `_csrf=${token}`, cookie)).status).to.equal(200)
  })

  it('refuses a missing, wrong or foreign token with 403', async () => {
    const { token, cookie } = await pcForm()
    const refused = {
      status: 403,
      json: {
        status: 403,
        message:
          'この操作は受け付けられませんでした。お手数ですが、もう一度最初から操作してください。',
      },
    }
    expect(await post('/aoba/form', 'q=1', cookie)).to.deep.equal(refused)
    expect(await post('/aoba/form', '_csrf=', cookie)).to.deep.equal(refused)
    const wrong = (token.startsWith('A') ? 'B' : 'A') + token.slice(1)
    expect(await post('/aoba/form', `_csrf=${wrong}`, cookie)).to.deep.equal(refused)
    expect(await post('/aoba/form', `_csrf=${token}x`, cookie)).to.deep.equal(refused)
    // The right token without the session (a forged cross-site POST, or cookies off): refused,
    // and said as the cookie-less patron needs it.
    const noCookie = await post('/aoba/form', `_csrf=${token}`)
    expect(noCookie.status).to.equal(400)
    expect(noCookie.json.message).to.match(/^Cookieが無効です/)
    // Another session's token.
    const other = await pcForm()
    expect(await post('/aoba/form', `_csrf=${other.token}`, cookie)).to.deep.equal(refused)
  })

  it('uses the last _csrf value', async () => {
    const { token, cookie } = await pcForm()
    expect((await post('/aoba/form', `_csrf=x&_csrf=${token}`, cookie)).status).to.equal(200)
    expect((await post('/aoba/form', `_csrf=${token}&_csrf=x`, cookie)).status).to.equal(403)
  })

  it('works without cookies: keitai session in the URL', async () => {
    const res = await fetch(`${app.base}/aoba/k/form`)
    expect(res.headers.getSetCookie()).to.deep.equal([])
    const { token, ksid } = (await res.json()) as { token: string; ksid: string }
    expect(ksid).to.be.a('string')
    const ok = await post(`/aoba/k/s/${ksid}/form`, `_csrf=${token}`)
    expect(ok.status).to.equal(200)
    // Without the session in the URL the token means nothing (said as an ended login).
    const lost = await post('/aoba/k/form', `_csrf=${token}`)
    expect(lost.status).to.equal(400)
    expect(lost.json.message).to.match(/^ログインの有効期限が切れました/)
  })

  it('lets other methods through', async () => {
    expect((await fetch(`${app.base}/aoba/open`)).status).to.equal(200)
  })
})
