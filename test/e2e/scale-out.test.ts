// The README's deployment on loopback: two app instances (JOBS_IN_SERVER=false) and one job
// worker on one database, nginx (Debian's package, ports 4310–4312) in front with
// TRUST_PROXY=1. A patron who logs in on one instance goes on on the other — on the PC site by
// the session cookie, on the keitai site by the session in the path, without cookies —; nginx
// spreads one patron's requests over both; failed logins are limited per real client address
// (nginx's X-Forwarded-For), which a client cannot escape by sending its own header, and which
// does not lock out another client behind the same nginx.
import { expect } from 'chai'
import * as cheerio from 'cheerio'
import { FormClient } from '../helpers/form-client.ts'
import type { Page } from '../helpers/form-client.ts'
import { deploymentEnv, startAppInstance, startNginx, startWorker } from '../helpers/processes.ts'
import type { Started } from '../helpers/processes.ts'
import { createTestDatabase } from '../helpers/test-database.ts'
import { KEITAI_UA } from '../helpers/test-server.ts'
import { requireTools } from '../helpers/tools.ts'

const NGINX = 4310
const INSTANCES = [4311, 4312]
const CARD = '1101900001' // 青葉 一郎, aoba1234
const PASSWORD = 'aoba1234'

describe('scale-out: two app instances and a worker behind nginx', function () {
  this.timeout(300_000)
  const running: Started[] = []
  let nginx: string
  let instance: string[]

  before(async function () {
    requireTools(this, ['nginx'])
    const t = await createTestDatabase({ demo: true, prefix: 'scale' })
    const env = {
      ...deploymentEnv(t.url, `http://127.0.0.1:${NGINX}`),
      TRUST_PROXY: '1',
      ADDRESS_MAX_FAILURES: '3',
    }
    const apps = await Promise.all(INSTANCES.map((port) => startAppInstance(port, env)))
    running.push(...apps)
    instance = apps.map((a) => a.url)
    running.push(await startWorker(env))
    const proxy = await startNginx(NGINX, INSTANCES)
    running.push(proxy)
    nginx = proxy.url
  })
  after(async () => {
    for (const p of running.reverse()) await p.stop()
  })

  /** The path and query of a Location (the instances' absolute URLs name nginx). */
  const pathOf = (page: Page) => {
    const location = new URL(page.location ?? '', nginx)
    return `${location.pathname}${location.search}`
  }

  it('keeps a PC login made on one instance on the other (the session cookie)', async () => {
    const a = new FormClient(instance[0]!)
    const form = await a.get('/aoba/login')
    const done = await a.submit(form, { card: CARD, password: PASSWORD })
    expect(done.status).to.equal(303)
    const b = new FormClient(instance[1]!)
    for (const [name, value] of a.jar) b.jar.set(name, value)
    const loans = await b.get('/aoba/account/loans')
    expect(loans.status).to.equal(200)
    // Logged in: the loans page itself (without the session, a redirect to the login page).
    expect(cheerio.load(loans.text)('h1').text()).to.equal('貸出中一覧')
  })

  it('keeps a keitai login made on one instance on the other (the session in the path)', async () => {
    const a = new FormClient(instance[0]!, {
      userAgent: KEITAI_UA,
      cookies: false,
      charset: 'shift_jis',
    })
    const form = await a.get('/aoba/k/login')
    expect(form.status).to.equal(200)
    const done = await a.submit(form, { card: CARD, password: PASSWORD })
    expect(done.status).to.equal(302)
    const next = pathOf(done)
    expect(next).to.match(/^\/aoba\/k\/s\/[^/]+\//)
    expect(a.jar.size).to.equal(0)
    const b = new FormClient(instance[1]!, { userAgent: KEITAI_UA, cookies: false })
    const page = await b.get(next)
    expect(page.status).to.equal(200)
    expect(page.text).to.include('青葉 一郎')
    // The keitai portal's links keep the session: the loans page, on the first instance.
    const loansHref = cheerio
      .load(page.text)('a')
      .toArray()
      .map((el) => cheerio.load(el)('a').attr('href') ?? '')
      .find((href) => /\/k\/s\/[^/]+\/account\/loans$/.test(href))
    expect(loansHref).to.be.a('string')
    const loans = await a.get(loansHref!)
    expect(loans.status).to.equal(200)
    expect(loans.text).to.include('貸出')
  })

  it('spreads one logged-in patron over both instances through nginx', async () => {
    const c = new FormClient(nginx)
    const done = await c.submit(await c.get('/aoba/login'), { card: CARD, password: PASSWORD })
    expect(done.status).to.equal(303)
    const upstreams = new Set<string>()
    for (let i = 0; i < 6; i++) {
      const page = await c.get('/aoba/account/loans')
      expect(page.status).to.equal(200)
      expect(cheerio.load(page.text)('h1').text()).to.equal('貸出中一覧')
      upstreams.add(page.headers.get('x-upstream') ?? '')
    }
    expect([...upstreams].sort()).to.deep.equal(INSTANCES.map((p) => `127.0.0.1:${p}`))
  })

  it('limits failed logins per real client address behind nginx (TRUST_PROXY=1)', async () => {
    // Client 127.0.0.2 fails three times, each time claiming another address of its own.
    const spoofer = new FormClient(nginx, { localAddress: '127.0.0.2' })
    const wrong = ['1101900003', '1101900004', '1101900005', '1101900006']
    const statuses: number[] = []
    for (const [i, card] of wrong.entries()) {
      spoofer.options.headers = { 'X-Forwarded-For': `198.51.100.${i + 1}` }
      const form = await spoofer.get('/aoba/login')
      const answer = await spoofer.submit(form, { card, password: 'wrong-password-1' })
      statuses.push(answer.status)
    }
    // The fourth attempt is refused for the address nginx saw, whatever the header said.
    expect(statuses.slice(0, 3)).to.not.include(429)
    expect(statuses[3]).to.equal(429)
    const refused = await spoofer.submit(await spoofer.get('/aoba/login'), {
      card: CARD,
      password: PASSWORD,
    })
    expect(refused.status).to.equal(429)
    // Another client behind the same nginx is not locked out.
    const other = new FormClient(nginx, { localAddress: '127.0.0.3' })
    const ok = await other.submit(await other.get('/aoba/login'), {
      card: CARD,
      password: PASSWORD,
    })
    expect(ok.status).to.equal(303)
  })

  it('stops the worker and both instances with exit 0', async () => {
    const [nginxProcess, worker, ...apps] = [...running].reverse()
    expect(await nginxProcess!.stop()).to.equal(0)
    expect(await worker!.stop()).to.equal(0)
    for (const app of apps) expect(await app.stop()).to.equal(0)
  })
})
