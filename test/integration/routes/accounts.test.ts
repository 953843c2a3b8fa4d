// Patron accounts over real HTTP on both channels, against a demo database of its own:
// login and logout, the lockout, CSRF, renewals (one, all, a double click), the password
// journeys of rules A and B, and keitai with cookies off.
import { expect } from 'chai'
import * as cheerio from 'cheerio'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { KEITAI_UA, startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'
import { FormClient, textOf } from '../../helpers/form-client.ts'
import type { Page } from '../../helpers/form-client.ts'
import { expectGoodKeitaiPage, expectGoodPcPage, titleOf } from '../../helpers/html-assertions.ts'

describe('patron accounts', function () {
  this.timeout(120_000)
  let t: TestDatabase
  let app: TestServer

  before(async () => {
    t = await createTestDatabase({ demo: true, prefix: 'acct' })
    app = await startTestServer(t.db)
  })
  after(() => app.close())

  const pc = () => new FormClient(app.baseUrl)
  const keitai = () =>
    new FormClient(app.baseUrl, { userAgent: KEITAI_UA, cookies: false, charset: 'shift_jis' })

  async function login(
    client: FormClient,
    slug: string,
    card: string,
    password: string,
    next = '',
  ) {
    const k = client.options.charset === 'shift_jis'
    const form = await client.get(`/${slug}${k ? '/k' : ''}/login${next ? `?next=${next}` : ''}`)
    expect(form.status).to.equal(200)
    return client.submit(form, { card, password })
  }

  async function loans(card: string) {
    return t.db
      .selectFrom('loan as l')
      .innerJoin('patron as p', 'p.id', 'l.patron_id')
      .innerJoin('library as lib', 'lib.id', 'l.library_id')
      .where('p.card_number', '=', card)
      .where('l.returned_at', 'is', null)
      .select(['l.id', 'l.due_on', 'l.renewal_count', 'lib.slug'])
      .orderBy('l.due_on')
      .execute()
  }

  describe('login', () => {
    it('logs in with card and password, shows the portal, and regenerates the session', async () => {
      const c = pc()
      const form = await c.get('/aoba/login')
      await expectGoodPcPage(form.text)
      expect(textOf(form.text)).to.include('30分間操作がないと、自動的にログアウトします。')
      expect(form.headers.get('cache-control')).to.include('no-store')
      const before = c.jar.get('opac_sid')
      const res = await c.submit(form, { card: '1101900001', password: 'aoba1234' })
      expect(res.status).to.equal(303)
      expect(res.location).to.equal(`${app.baseUrl}/aoba/account`)
      expect(c.jar.get('opac_sid')).to.be.a('string').and.not.equal(before)
      const portal = await c.follow(res)
      expect(portal.status).to.equal(200)
      await expectGoodPcPage(portal.text)
      const text = textOf(portal.text)
      expect(text).to.include('青葉 一郎 様')
      expect(text).to.match(/貸出中：3冊/)
      expect(portal.headers.get('cache-control')).to.include('no-store')
    })

    it('normalises a card number typed with spaces and full-width digits', async () => {
      const res = await login(pc(), 'aoba', ' １１０１ ９００ ００１ ', 'aoba1234')
      expect(res.status).to.equal(303)
    })

    it('gives one message whether the card or the password is wrong', async () => {
      const wrongPassword = await login(pc(), 'aoba', '1101900003', 'nope9999')
      const noSuchCard = await login(pc(), 'aoba', '1101999999', 'nope9999')
      for (const res of [wrongPassword, noSuchCard]) {
        expect(res.status).to.equal(401)
        expect(textOf(res.text)).to.include('利用者番号またはパスワードが正しくありません。')
        expect(titleOf(res.text)).to.match(/^エラー：ログイン/)
        await expectGoodPcPage(res.text)
      }
      expect(textOf(wrongPassword.text).replace(/\d{10}/g, '')).to.equal(
        textOf(noSuchCard.text).replace(/\d{10}/g, ''),
      )
    })

    it('puts field errors next to the fields with a 400', async () => {
      const res = await login(pc(), 'aoba', '12ab', '')
      expect(res.status).to.equal(400)
      const $ = cheerio.load(res.text)
      expect($('#card-error').text()).to.include('利用者番号は数字で入力してください。')
      expect($('#password-error').text()).to.include('パスワードを入力してください。')
      expect($('.error-summary a[href="#card"]').length).to.equal(1)
      expect($('#card').attr('value')).to.equal('12ab')
      await expectGoodPcPage(res.text)
      const long = await login(pc(), 'aoba', '1'.repeat(500), 'x')
      expect(long.status).to.equal(400)
    })

    it('returns to the page the patron came from', async () => {
      const c = pc()
      const bounce = await c.get('/aoba/account/loans')
      expect(bounce.status).to.equal(303)
      expect(bounce.location).to.equal(`${app.baseUrl}/aoba/login?next=%2Faccount%2Floans`)
      const form = await c.follow(bounce)
      const res = await c.submit(form, { card: '1101900001', password: 'aoba1234' })
      expect(res.location).to.equal(`${app.baseUrl}/aoba/account/loans`)
    })

    it('ignores a return path that leaves the library', async () => {
      const c = pc()
      const form = await c.get('/aoba/login?next=//evil.example/x')
      const res = await c.submit(form, { card: '1101900001', password: 'aoba1234' })
      expect(res.location).to.equal(`${app.baseUrl}/aoba/account`)
    })

    it('refuses patrons the rules keep from online services, after a correct password', async () => {
      const child = await login(pc(), 'minato', '2201900004', 'kids1234')
      expect(child.status).to.equal(403)
      expect(textOf(child.text)).to.include('小学生以上')
    })

    it('logs out with a POST and forgets the session', async () => {
      const c = pc()
      await c.follow(await login(c, 'aoba', '1101900001', 'aoba1234'))
      const portal = await c.get('/aoba/account')
      const out = await c.submit(portal, {}, '/logout')
      expect(out.status).to.equal(303)
      expect(out.location).to.equal(`${app.baseUrl}/aoba/logout`)
      expect((await c.get('/aoba/account')).status).to.equal(303)
    })

    it('keeps a login within its library', async () => {
      const c = pc()
      expect((await login(c, 'aoba', '1101900001', 'aoba1234')).status).to.equal(303)
      expect((await c.get('/aoba/account')).status).to.equal(200)
      const other = await c.get('/minato/account')
      expect(other.status).to.equal(303)
      expect(other.location).to.equal(`${app.baseUrl}/minato/login?next=%2Faccount`)
    })
  })

  describe('lockout', () => {
    it('locks a card after 5 failures in 15 minutes, even for the right password', async () => {
      for (let i = 0; i < 5; i++) {
        expect((await login(pc(), 'minato', '2201900006', `wrong${i}`)).status).to.equal(401)
      }
      const locked = await login(pc(), 'minato', '2201900006', 'late1234')
      expect(locked.status).to.equal(429)
      expect(textOf(locked.text)).to.match(
        /約\d+分後にもう一度お試しいただくか、図書館のカウンター/,
      )
      // Another card is not affected.
      expect((await login(pc(), 'minato', '2201900005', 'visit123')).status).to.equal(303)
    })

    it('locks the same way for a card that does not exist', async () => {
      for (let i = 0; i < 5; i++) await login(pc(), 'minato', '2201888888', `wrong${i}`)
      expect((await login(pc(), 'minato', '2201888888', 'x1234567')).status).to.equal(429)
    })
  })

  describe('CSRF', () => {
    it('refuses a POST with a missing or wrong token, and changes nothing', async () => {
      const c = pc()
      await c.get('/aoba/login')
      for (const token of [undefined, 'forged-token']) {
        const fields: Record<string, string> = { card: '1101900001', password: 'aoba1234' }
        if (token) fields._csrf = token
        const res = await c.post('/aoba/login', fields)
        expect(res.status).to.equal(403)
        expect(textOf(res.text)).to.include('この操作は受け付けられませんでした。')
      }
      expect((await c.get('/aoba/account')).status).to.equal(303)
    })
  })

  describe('loans and renewals', () => {
    it('lists loans with due dates and a reason for each loan that cannot be renewed', async () => {
      const c = pc()
      await login(c, 'minato', '2201900007', 'hold1234')
      const page = await c.get('/minato/account/loans')
      await expectGoodPcPage(page.text)
      const text = textOf(page.text)
      expect(text).to.include('予約中の方がいるため延長できません。')
      expect(text).to.include('延長は1回までです。')

      const av = pc()
      await login(av, 'minato', '2201900008', 'disc1234')
      expect(textOf((await av.get('/minato/account/loans')).text)).to.include(
        '視聴覚資料は延長できません。',
      )

      // Rules B word an overdue loan too (the lockout test above locked this card: unlock it).
      await t.db.deleteFrom('throttle').where('subject', 'like', '%2201900006%').execute()
      const late = pc()
      expect((await login(late, 'minato', '2201900006', 'late1234')).status).to.equal(303)
      const lateText = textOf((await late.get('/minato/account/loans')).text)
      expect(lateText).to.include('返却期限を過ぎています')
      expect(lateText).to.include('返却期限を過ぎているため延長できません。')
    })

    it('renews under rules A an AV loan that rules B refuse', async () => {
      const c = pc()
      await login(c, 'aoba', '1101900005', 'cd2468')
      const page = await c.get('/aoba/account/loans')
      expect(cheerio.load(page.text)('a[href$="/renew"]').length).to.equal(2)
    })

    it('marks an overdue loan in words and refuses to renew it', async () => {
      const c = pc()
      await login(c, 'aoba', '1101900003', 'kasi5678')
      const page = await c.get('/aoba/account/loans')
      const text = textOf(page.text)
      expect(text).to.include('返却期限を過ぎています')
      expect(text).to.include('返却期限を過ぎているため延長できません。')
      const overdue = (await loans('1101900003'))[0]!
      const res = await c.get(`/aoba/account/loans/${overdue.id}/renew`)
      expect(res.status).to.equal(409)
    })

    it('renews after a confirmation; the new due date skips closed days', async () => {
      const c = pc()
      await login(c, 'aoba', '1101900003', 'kasi5678')
      const renewable = (await loans('1101900003')).find((l) => l.due_on > '2026-11-23')!
      const confirm = await c.get(`/aoba/account/loans/${renewable.id}/renew`)
      expect(confirm.status).to.equal(200)
      await expectGoodPcPage(confirm.text)
      // Today is Monday 2026-11-23 (closed); +14 days is Monday 12-07, closed → Tuesday 12-08.
      expect(textOf(confirm.text)).to.include('2026年12月8日(火)')
      const done = await c.follow(await c.submit(confirm))
      expect(done.status).to.equal(200)
      expect(textOf(done.text)).to.include('返却予定日を2026年12月8日(火)に延長しました。')
      const after = (await loans('1101900003')).find((l) => l.id === renewable.id)!
      expect(after.due_on).to.equal('2026-12-08')
      expect(after.renewal_count).to.equal(1)
    })

    it('renews once when 延長する is pressed twice at the same moment', async () => {
      const c = pc()
      await login(c, 'minato', '2201900002', 'Ab3dEf7h')
      const loan = (await loans('2201900002'))[0]!
      const confirm = await c.get(`/minato/account/loans/${loan.id}/renew`)
      const [a, b] = await Promise.all([c.submit(confirm), c.submit(confirm)])
      for (const res of [a, b]) {
        expect(res.status).to.equal(303)
        expect(res.location).to.equal(`${app.baseUrl}/minato/account/loans/renewed`)
      }
      const after = (await loans('2201900002'))[0]!
      expect(after.renewal_count).to.equal(1)
      expect(textOf((await c.get('/minato/account/loans/renewed')).text)).to.include(
        'に延長しました。',
      )
    })

    it('renews every eligible loan at once, listing the new due dates first', async () => {
      const c = pc()
      await login(c, 'aoba', '1101900001', 'aoba1234')
      const confirm = await c.get('/aoba/account/loans/renew-all')
      await expectGoodPcPage(confirm.text)
      expect(cheerio.load(confirm.text)('table tbody tr').length).to.equal(3)
      const done = await c.follow(await c.submit(confirm))
      expect(textOf(done.text).match(/に延長しました。/g)).to.have.length(3)
      for (const l of await loans('1101900001')) expect(l.renewal_count).to.equal(1)
    })

    it('refuses a loan id of another patron, one its owner may renew', async () => {
      // 1101900006's loan is renewable for its owner: only ownership stops the renewal.
      const owner = pc()
      await login(owner, 'aoba', '1101900006', 'help1357')
      const ownerLoans = await owner.get('/aoba/account/loans')
      const other = (await loans('1101900006')).find((l) =>
        ownerLoans.text.includes(`href="/aoba/account/loans/${l.id}/renew"`),
      )!
      expect(other, 'a loan its owner may renew').to.not.equal(undefined)
      const c = pc()
      await login(c, 'aoba', '1101900001', 'aoba1234')
      expect((await c.get(`/aoba/account/loans/${other.id}/renew`)).status).to.equal(404)
      const portal = await c.get('/aoba/account')
      const res = await c.post(`/aoba/account/loans/${other.id}/renew`, {
        _csrf: cheerio.load(portal.text)('input[name=_csrf]').attr('value') ?? '',
      })
      expect(res.status).to.equal(404)
      const after = (await loans('1101900006')).find((l) => l.id === other.id)!
      expect(after.renewal_count).to.equal(other.renewal_count)
      expect(after.due_on).to.equal(other.due_on)
      // The owner still can.
      const mine = await owner.get(`/aoba/account/loans/${other.id}/renew`)
      expect(mine.status).to.equal(200)
    })
  })

  describe('passwords', () => {
    it('rules A: registers a first password with card, name and birth date', async () => {
      const c = pc()
      const form = await c.get('/aoba/password/register')
      await expectGoodPcPage(form.text)
      const wrong = await c.submit(form, {
        card: '1101900002',
        fullName: '青葉 花子',
        birth: '19850413',
      })
      expect(wrong.status).to.equal(401)
      const ok = await c.submit(wrong, {
        card: '1101900002',
        fullName: '青葉花子',
        birth: '1985-04-12',
      })
      expect(ok.status).to.equal(303)
      const step2 = await c.follow(ok)
      await expectGoodPcPage(step2.text)
      const short = await c.submit(step2, { password: 'ab1', confirmation: 'ab1' })
      expect(short.status).to.equal(400)
      expect(textOf(short.text)).to.include('パスワードは4文字以上の半角英数字で入力してください。')
      const mismatch = await c.submit(short, { password: 'Hana2026', confirmation: 'hana2026' })
      expect(mismatch.status).to.equal(400)
      const done = await c.follow(
        await c.submit(mismatch, { password: 'Hana2026', confirmation: 'Hana2026' }),
      )
      expect(textOf(done.text)).to.include('パスワードを登録しました。')
      expect((await login(pc(), 'aoba', '1101900002', 'Hana2026')).status).to.equal(303)
      expect((await login(pc(), 'aoba', '1101900002', 'hana2026')).status).to.equal(401)
    })

    it('rules B: no self-registration; the counter issues passwords', async () => {
      const res = await pc().get('/minato/password/register')
      expect(res.status).to.equal(404)
      expect(textOf(res.text)).to.include('カウンターで発行しています')
    })

    it('rules B: changes an initial password with card, current and new password, after a confirmation', async () => {
      const c = pc()
      const form = await c.get('/minato/password/change')
      await expectGoodPcPage(form.text)
      const short = await c.submit(form, {
        card: '2201900002',
        current: 'Ab3dEf7h',
        password: 'abc12',
        confirmation: 'abc12',
      })
      expect(short.status).to.equal(400)
      expect(textOf(short.text)).to.include('6文字以上')
      const checked = await c.submit(short, {
        card: '2201900002',
        current: 'Ab3dEf7h',
        password: 'minato2026',
        confirmation: 'minato2026',
      })
      expect(checked.status).to.equal(303)
      const confirm = await c.follow(checked)
      expect(cheerio.load(confirm.text)('button').text()).to.equal('送信')
      const done = await c.follow(await c.submit(confirm))
      expect(textOf(done.text)).to.include('パスワードを変更しました。')
      expect((await login(pc(), 'minato', '2201900002', 'minato2026')).status).to.equal(303)
      expect((await login(pc(), 'minato', '2201900002', 'Ab3dEf7h')).status).to.equal(401)
    })

    it('rules B: staff issue an 8-character initial password, refused for disability service', async () => {
      const { auth } = app.deps.services
      const lib = (await app.deps.repositories.libraries.bySlug('minato'))!
      const { PRESETS } = await import('../../../server/services/library-settings.ts')
      const refused = await auth.issueInitialPassword(lib.id, PRESETS.B, '2201900003')
      expect(refused).to.deep.include({ ok: false, reason: 'ineligible' })
      const issued = await auth.issueInitialPassword(lib.id, PRESETS.B, '2201000002')
      if (!issued.ok) throw new Error('not issued')
      expect(issued.password).to.match(/^[A-Za-z0-9]{8}$/)
      const c = pc()
      const portal = await c.follow(await login(c, 'minato', '2201000002', issued.password))
      expect(textOf(portal.text)).to.include('初期パスワードのままご利用中です。')
    })

    it('explains a forgotten password without revealing anything', async () => {
      const res = await pc().get('/aoba/password/forgot')
      expect(res.status).to.equal(200)
      expect(textOf(res.text)).to.include('カウンター')
      await expectGoodPcPage(res.text)
    })
  })

  describe('keitai with cookies off', () => {
    it('logs in, carries the session in the path, and renews', async () => {
      const k = keitai()
      const form = await k.get('/minato/k/login')
      expectGoodKeitaiPage(form)
      expect(form.setCookie).to.equal(null)
      expect(form.headers.get('referrer-policy')).to.equal('no-referrer')
      const res = await k.submit(form, { card: '２２０１９００００１', password: 'minato123' })
      expect(res.status).to.equal(302)
      expect(res.setCookie).to.equal(null)
      expect(res.location).to.match(
        /^http:\/\/127\.0\.0\.1:\d+\/minato\/k\/s\/[A-Za-z0-9_.-]+\/account$/,
      )
      const portal = await k.follow(res)
      expectGoodKeitaiPage(portal)
      expect(portal.text).to.include('港 一郎様')
      const loansLink = cheerio.load(portal.text)('a[accesskey=1]').attr('href')!
      const list = await k.get(loansLink)
      expectGoodKeitaiPage(list)
      const renewLink = cheerio.load(list.text)('a[accesskey=1]').attr('href')!
      expect(renewLink).to.match(/\/minato\/k\/s\/[^/]+\/account\/loans\/\d+\/renew$/)
      const confirm = await k.get(renewLink)
      expectGoodKeitaiPage(confirm)
      const done = await k.follow(await k.submit(confirm))
      expectGoodKeitaiPage(done)
      expect(done.text).to.match(/返却\d+\/\d+\(.\)に延長/)
    })

    it('never accepts a URL session from a request that also has a session cookie', async () => {
      const k = keitai()
      const res = await k.follow(await login(k, 'minato', '2201900005', 'visit123'))
      expect(res.status).to.equal(200)
      const url = res.location ?? ''
      void url
      const path = cheerio.load(res.text)('a[accesskey=1]').attr('href')!
      const withCookie = new FormClient(app.baseUrl, { userAgent: KEITAI_UA })
      withCookie.jar.set('opac_sid', 's%3Aanything.sig')
      const refused = await withCookie.get(path)
      expect(refused.status).to.equal(302)
      expect(refused.location).to.match(/\/minato\/k\/login\?next=/)
    })

    it('answers invalid Shift_JIS in a form with a 400 in Shift_JIS', async () => {
      const k = keitai()
      const form = await k.get('/minato/k/login')
      const action = cheerio.load(form.text)('form').attr('action')!
      const csrf = cheerio.load(form.text)('input[name=_csrf]').attr('value')!
      const res = await fetch(`${app.baseUrl}${action}`, {
        method: 'POST',
        headers: { 'User-Agent': KEITAI_UA, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `_csrf=${csrf}&card=%82&password=x`,
        redirect: 'manual',
      })
      expect(res.status).to.equal(400)
      expect(res.headers.get('content-type')).to.equal('text/html; charset=Shift_JIS')
    })
  })

  describe('in-library terminals', () => {
    let terminal: TestServer
    before(async () => {
      terminal = await startTestServer(t.db, { env: { TERMINAL_ADDRESSES: '127.0.0.1' } })
    })
    after(() => terminal.close())

    it('states the short timeout and logs out when a renewal completes', async () => {
      const c = new FormClient(terminal.baseUrl)
      const form = await c.get('/aoba/login')
      expect(textOf(form.text)).to.include('3分間操作がないと')
      await c.submit(form, { card: '1101900006', password: 'help1357' })
      // Every page, not just the portal, offers a prominent ログアウト on a shared terminal.
      const search = await c.get(`/aoba/search?q=${encodeURIComponent('こころ')}`)
      expect(cheerio.load(search.text)('form.logout.terminal button').text()).to.equal('ログアウト')
      const list = await c.get('/aoba/account/loans')
      const renew = cheerio.load(list.text)('a[href$="/renew"]').first().attr('href')!
      const done: Page = await c.follow(await c.submit(await c.get(renew)))
      expect(textOf(done.text)).to.include('館内の端末のため、ログアウトしました。')
      expect((await c.get('/aoba/account')).status).to.equal(303)
    })
  })

  describe('what the pages say (ground issue fixes)', () => {
    const tooLong = 'a1'.repeat(33) // 66 half-width alphanumerics: over the 64 allowed

    it('tells a password longer than the maximum that it is too long, under both presets', async () => {
      const errorOf = (html: string) => cheerio.load(html)('#password-error').text()
      const a = pc()
      await login(a, 'aoba', '1101900001', 'aoba1234')
      const changeA = await a.submit(await a.get('/aoba/password/change'), {
        current: 'aoba1234',
        password: tooLong,
        confirmation: tooLong,
      })
      expect(changeA.status).to.equal(400)
      expect(errorOf(changeA.text)).to.include(
        'パスワードは64文字以内の半角英数字で入力してください。',
      )
      expect(errorOf(changeA.text)).not.to.include('以上')

      const b = pc()
      const changeB = await b.submit(await b.get('/minato/password/change'), {
        card: '2201900001',
        current: 'minato123',
        password: tooLong,
        confirmation: tooLong,
      })
      expect(changeB.status).to.equal(400)
      expect(errorOf(changeB.text)).to.include(
        'パスワードは64文字以内の半角英数字で入力してください。',
      )
      expect(errorOf(changeB.text)).not.to.include('以上')
    })

    it('says the current password is wrong (not the card number) to a logged-in patron', async () => {
      const c = pc()
      await login(c, 'aoba', '1101900003', 'kasi5678')
      const form = await c.get('/aoba/password/change')
      expect(cheerio.load(form.text)('input#card')).to.have.length(0)
      const wrong = await c.submit(form, {
        current: 'wrong999',
        password: 'Kasi2026',
        confirmation: 'Kasi2026',
      })
      expect(wrong.status).to.equal(401)
      await expectGoodPcPage(wrong.text)
      const text = textOf(wrong.text)
      expect(text).to.include('現在のパスワードが正しくありません。')
      expect(text).not.to.include('利用者番号またはパスワードが正しくありません。')
      const $ = cheerio.load(wrong.text)
      expect($('input#current').attr('aria-invalid')).to.equal('true')
      expect($('.error-summary a[href="#current"]')).to.have.length(1)
    })

    it('links the birth-date error to the birth-date field, with an inline message', async () => {
      const c = pc()
      const res = await c.submit(await c.get('/aoba/password/register'), {
        card: '1101900002',
        fullName: '青葉花子',
        birth: '1985-13-45',
      })
      expect(res.status).to.equal(400)
      await expectGoodPcPage(res.text)
      const $ = cheerio.load(res.text)
      const href = $('.error-summary a').first().attr('href')!
      expect(href).to.equal('#birth')
      expect($(href)).to.have.length(1)
      expect($('input#birth').attr('aria-invalid')).to.equal('true')
      expect($('#birth-error').text()).to.include('生年月日を正しく入力してください。')
    })

    describe('with the library’s own settings', () => {
      let custom: TestServer
      let original = '{}'
      before(async () => {
        // minato renews twice, from 3 days before the due date; 2201900007's renewed loan has
        // used both renewals.
        const row = await t.db
          .selectFrom('library')
          .select('settings_json')
          .where('slug', '=', 'minato')
          .executeTakeFirstOrThrow()
        original = row.settings_json
        const own = JSON.parse(original) as Record<string, unknown>
        await t.db
          .updateTable('library')
          .set({ settings_json: JSON.stringify({ ...own, maxRenewals: 2, renewalWindowDays: 3 }) })
          .where('slug', '=', 'minato')
          .execute()
        const renewed = (await loans('2201900007')).find((l) => l.renewal_count === 1)!
        await t.db
          .updateTable('loan')
          .set({ renewal_count: 2 })
          .where('id', '=', renewed.id)
          .execute()
        custom = await startTestServer(t.db)
      })
      after(async () => {
        await custom.close()
        await t.db
          .updateTable('library')
          .set({ settings_json: original })
          .where('slug', '=', 'minato')
          .execute()
      })

      it('words renewal refusals with the library’s limit, and keitai dates short', async () => {
        const keitaiLoans = async (card: string, password: string) => {
          const k = new FormClient(custom.baseUrl, {
            userAgent: KEITAI_UA,
            cookies: false,
            charset: 'shift_jis',
          })
          const form = await k.get('/minato/k/login')
          const portal = await k.follow(await k.submit(form, { card, password }))
          const link = cheerio.load(portal.text)('a[href$="/account/loans"]').attr('href')!
          const page = await k.get(link)
          expectGoodKeitaiPage(page)
          return textOf(page.text)
        }
        const pcLoans = async (card: string, password: string) => {
          const c = new FormClient(custom.baseUrl)
          await c.submit(await c.get('/minato/login'), { card, password })
          const page = await c.get('/minato/account/loans')
          await expectGoodPcPage(page.text)
          return textOf(page.text)
        }

        const limit = await keitaiLoans('2201900007', 'hold1234')
        expect(limit).to.include('延長は2回までです。')
        expect(limit).not.to.include('延長は1回までです。')
        expect(await pcLoans('2201900007', 'hold1234')).to.include('延長は2回までです。')

        const early = await keitaiLoans('2201900001', 'minato123')
        expect(early).to.match(/\d{1,2}\/\d{1,2}\(.\)から延長できます。/)
        expect(early).not.to.match(/\d{4}年/)
        expect(await pcLoans('2201900001', 'minato123')).to.match(
          /\d{4}年\d{1,2}月\d{1,2}日\(.\)から延長できます。/,
        )
      })
    })
  })
})
