// A POST whose session has gone is not a dead end (issue 9, item 11): the patron is told what
// happened (ログインの有効期限が切れました / Cookieが無効です) with links back; 403 stays for a
// live session with a wrong token; ログアウト after a logout shows the logged-out page.
import { expect } from 'chai'
import * as cheerio from 'cheerio'
import { hashPassword } from '../../../server/services/password-service.ts'
import { FormClient, formOf } from '../../helpers/form-client.ts'
import { expectGoodKeitaiPage, expectGoodPcPage } from '../../helpers/html-assertions.ts'
import { holdFixture } from '../../helpers/hold-fixture.ts'
import type { FixtureLibrary } from '../../helpers/hold-fixture.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { KEITAI_UA, startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'

describe('expired or missing sessions on a POST', function () {
  this.timeout(120_000)
  let t: TestDatabase
  let app: TestServer
  let lib: FixtureLibrary
  let card: string

  before(async () => {
    t = await createTestDatabase({ prefix: 'expost' })
    lib = await holdFixture(t.db, 'B', { patrons: 1 })
    const hash = await hashPassword('secret123', 'development-only-password_pepper')
    await t.db.updateTable('patron').set({ password_hash: hash }).execute()
    card = (
      await t.db
        .selectFrom('patron')
        .select('card_number')
        .where('id', '=', lib.patrons.p1!)
        .executeTakeFirstOrThrow()
    ).card_number
    app = await startTestServer(t.db)
  })
  after(() => app.close())

  const links = (html: string) =>
    cheerio
      .load(html)('main a, body a')
      .toArray()
      .map((a) => cheerio.load(a)('a').attr('href') ?? '')

  it('PC: a login page left open still logs in (a visitor has no session to lose)', async () => {
    const pc = new FormClient(app.baseUrl)
    const form = await pc.get(`/${lib.slug}/login`)
    await t.db.deleteFrom('session').execute()
    const res = await pc.submit(form, { card, password: 'secret123' })
    expect(res.status).to.equal(303)
  })

  it('PC: a form whose login ended says so and links to the login page', async () => {
    const pc = new FormClient(app.baseUrl)
    await pc.submit(await pc.get(`/${lib.slug}/login`), { card, password: 'secret123' })
    const form = await pc.get(`/${lib.slug}/password/change`)
    expect(form.status).to.equal(200)
    await t.db.deleteFrom('session').execute() // the idle timeout, as the store sees it
    const res = await pc.submit(form, {
      current: 'secret123',
      password: 'newpass99',
      confirmation: 'newpass99',
    })
    expect(res.status).to.equal(400)
    expect(res.text).to.include('ログインの有効期限が切れました')
    expect(links(res.text)).to.include(`/${lib.slug}/login`)
    await expectGoodPcPage(res.text)
  })

  it('300 anonymous GETs of the login page store no session row', async () => {
    await t.db.deleteFrom('session').execute()
    for (let i = 0; i < 30; i++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          new FormClient(app.baseUrl).get(
            j % 2 ? `/${lib.slug}/login` : `/${lib.slug}/password/change`,
          ),
        ),
      )
    }
    const rows = await t.db
      .selectFrom('session')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(rows.n)).to.equal(0)
  })

  it('PC with cookies off: says Cookieが無効です', async () => {
    const pc = new FormClient(app.baseUrl, { cookies: false })
    const form = await pc.get(`/${lib.slug}/login`)
    const res = await pc.submit(form, { card, password: 'secret123' })
    expect(res.status).to.equal(400)
    expect(res.text).to.include('Cookieが無効です')
    expect(links(res.text)).to.include(`/${lib.slug}/login`)
  })

  it('keitai: a form whose session ended says so, in Shift_JIS, with a link back', async () => {
    const k = new FormClient(app.baseUrl, {
      userAgent: KEITAI_UA,
      cookies: false,
      charset: 'shift_jis',
    })
    const form = await k.get(`/${lib.slug}/k/login`)
    await t.db.deleteFrom('session').execute()
    const res = await k.submit(form, { card, password: 'secret123' })
    expect(res.status).to.equal(400)
    expectGoodKeitaiPage(res)
    expect(res.text).to.include('ログインの有効期限が切れました')
    expect(links(res.text)).to.include(`/${lib.slug}/k/login`)
  })

  it('keeps 403 for a live session with a wrong token', async () => {
    const pc = new FormClient(app.baseUrl)
    const form = await pc.get(`/${lib.slug}/login`)
    const { action } = formOf(form.text)
    const res = await pc.post(action, { _csrf: 'forged', card, password: 'secret123' })
    expect(res.status).to.equal(403)
  })

  it('ログアウト after a logout (Back, then ログアウト again) shows the logged-out page', async () => {
    const pc = new FormClient(app.baseUrl)
    const login = await pc.submit(await pc.get(`/${lib.slug}/login`), {
      card,
      password: 'secret123',
    })
    expect(login.status).to.equal(303)
    const account = await pc.get(`/${lib.slug}/account`)
    expect(account.status).to.equal(200)
    const first = await pc.submit(account, {}, '/logout')
    expect(first.status).to.equal(303)
    const again = await pc.submit(account, {}, '/logout')
    expect(again.status).to.equal(303)
    expect(again.location).to.equal(first.location)
    const top = await pc.follow(again)
    expect(top.status).to.equal(200)
  })
})
