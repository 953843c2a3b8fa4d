// What a first visit stumbled on (issue 14): the pages say what they are about to do, follow
// each library's own rules, and keep keitai menus in the order of their number keys.
import { expect } from 'chai'
import * as cheerio from 'cheerio'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { KEITAI_UA, startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'
import { FormClient, textOf } from '../../helpers/form-client.ts'
import { expectGoodKeitaiPage, expectGoodPcPage } from '../../helpers/html-assertions.ts'
import { ACTIVE_HOLD_STATUSES } from '../../../server/db/schema.ts'

describe('site pages a first visit relies on', function () {
  this.timeout(120_000)
  let t: TestDatabase
  let app: TestServer

  before(async () => {
    t = await createTestDatabase({ demo: true, prefix: 'site' })
    app = await startTestServer(t.db)
  })
  after(() => app.close())

  const pc = () => new FormClient(app.baseUrl)
  const keitai = () =>
    new FormClient(app.baseUrl, { userAgent: KEITAI_UA, cookies: false, charset: 'shift_jis' })

  async function login(client: FormClient, slug: string, card: string, password: string) {
    const k = client.options.charset === 'shift_jis'
    const form = await client.get(`/${slug}${k ? '/k' : ''}/login`)
    const res = await client.submit(form, { card, password })
    expect(res.status).to.be.oneOf([302, 303])
    return client.follow(res)
  }

  it('explains a forgotten password by each library’s own rule', async () => {
    const a = textOf((await pc().get('/aoba/password/forgot')).text)
    expect(a).to.include('新規パスワード登録')
    expect(a).not.to.include('初期パスワード') // rules A issue none (SPEC §2)
    const b = await pc().get('/minato/password/forgot')
    await expectGoodPcPage(b.text)
    expect(textOf(b.text)).to.include('新しい初期パスワードを発行します')
    for (const text of [a, textOf(b.text)]) expect(text).not.to.include('保険証')
    const k = await keitai().get('/aoba/k/password/forgot')
    expectGoodKeitaiPage(k)
    expect(k.text).to.include('新規パスワード登録')
    expect(k.text).not.to.include('初期パスワード')
  })

  it('shows the card number and the new password’s length before a password change', async () => {
    const c = pc()
    await login(c, 'minato', '2201900001', 'minato123')
    const form = await c.get('/minato/password/change')
    const checked = await c.submit(form, {
      current: 'minato123',
      password: 'Newpass99',
      confirmation: 'Newpass99',
    })
    expect(checked.status).to.equal(303)
    const confirm = await c.follow(checked)
    await expectGoodPcPage(confirm.text)
    const text = textOf(confirm.text)
    expect(text).to.include('2201900001')
    expect(text).to.include('9文字')
    expect(text).not.to.include('Newpass99')
  })

  it('says before a renewal that the new due date counts from today', async () => {
    const c = pc()
    await login(c, 'aoba', '1101900001', 'aoba1234')
    const page = await c.get('/aoba/account/loans/renew-all')
    await expectGoodPcPage(page.text)
    expect(textOf(page.text)).to.include('延長した日（今日）から14日後です')
  })

  it('lists on keitai the loans まとめて延長 cannot renew, with the reason', async () => {
    const k = keitai()
    const portal = await login(k, 'aoba', '1101900003', 'kasi5678')
    const loans = cheerio.load(portal.text)('a[accesskey="1"]').attr('href')!
    const all = await k.get(loans.replace(/\/account\/loans$/, '/account/loans/renew-all'))
    expectGoodKeitaiPage(all)
    expect(all.text).to.include('延長後の返却日は今日から14日後です')
    expect(all.text).to.include('延長できない資料')
    expect(all.text).to.match(/延長できない資料:<br>\n[^<]+:返却期限を過ぎている/)
  })

  it('numbers the keitai portal’s keys in the order the links appear, with one ログアウト', async () => {
    for (const [slug, card, password] of [
      ['aoba', '1101900001', 'aoba1234'],
      ['minato', '2201900001', 'minato123'],
    ] as const) {
      const portal = await login(keitai(), slug, card, password)
      expectGoodKeitaiPage(portal)
      const keys = cheerio
        .load(portal.text)('a[accesskey]')
        .toArray()
        .map((a) => cheerio.load(a)('a').attr('accesskey'))
        .filter((key) => /^[1-9]$/.test(key ?? ''))
        .map(Number)
      expect(keys).to.deep.equal([...keys].sort((x, y) => x - y))
      expect(keys[0]).to.equal(1)
      expect(portal.text.match(/value="ログアウト"/g)).to.have.length(1)
    }
  })

  it('writes the year range of 詳細検索 as 「[ ]年から [ ]年まで」 and offers 条件をクリア', async () => {
    const page = await pc().get('/aoba/advanced?from=1990&to=2000')
    await expectGoodPcPage(page.text)
    const $ = cheerio.load(page.text)
    expect($('label[for=from]').text()).to.equal('年から')
    expect($('label[for=to]').text()).to.equal('年まで')
    expect($('#from').attr('value')).to.equal('1990')
    expect($('a:contains("条件をクリア")').attr('href')).to.equal('/aoba/advanced')
    const wrong = await pc().get('/aoba/search?from=abcd&title=x')
    expect(wrong.status).to.be.within(400, 499)
  })

  it('shows the logged-in state once in the header, beside ログアウト', async () => {
    const c = pc()
    const portal = await login(c, 'aoba', '1101900001', 'aoba1234')
    const $ = cheerio.load(portal.text)
    expect($('header form.logout').text()).to.include('ログイン中')
    expect($('header form.logout a')).to.have.length(0) // the nav's 利用照会 is the way in
  })

  it('writes availability in result lists as 貸出可 / 貸出中 and the holds as 予約N件', async () => {
    const held = await t.db
      .selectFrom('hold as h')
      .innerJoin('record as r', 'r.id', 'h.record_id')
      .innerJoin('library as l', 'l.id', 'h.library_id')
      .where('l.slug', '=', 'aoba')
      .where('h.status', 'in', ACTIVE_HOLD_STATUSES)
      .groupBy(['r.id', 'r.title'])
      .select(['r.id', 'r.title', (e) => e.fn.countAll<number>().as('n')])
      .orderBy('n', 'desc')
      .executeTakeFirstOrThrow()
    const page = await pc().get(`/aoba/search?title=${encodeURIComponent(held.title)}&mode=exact`)
    await expectGoodPcPage(page.text)
    const $ = cheerio.load(page.text)
    const item = $('ol.hits > li')
      .toArray()
      .find((li) => $(li).find('.hit-title a').attr('href') === `/aoba/records/${held.id}`)
    expect(item, held.title).to.not.equal(undefined)
    expect($(item).find('.availability').text()).to.match(
      new RegExp(`^貸出[可中]（予約${Number(held.n)}件）$`),
    )
  })

  it('serves /favicon.ico, and dates Atom entries by their records, not by the request', async () => {
    const icon = await fetch(`${app.baseUrl}/favicon.ico`)
    expect(icon.status).to.equal(200)
    expect(Buffer.from(await icon.arrayBuffer()).subarray(0, 4)).to.deep.equal(
      Buffer.from([0, 0, 1, 0]),
    )
    const feed = await (await fetch(`${app.baseUrl}/aoba/new.atom`)).text()
    const $ = cheerio.load(feed, { xmlMode: true })
    const entries = $('entry').toArray()
    expect(entries.length).to.be.greaterThan(0)
    for (const entry of entries) {
      const id = Number(/records\/(\d+)$/.exec($(entry).find('id').text())?.[1])
      const row = await t.db
        .selectFrom('record')
        .where('id', '=', id)
        .select('updated_at')
        .executeTakeFirstOrThrow()
      expect($(entry).find('updated').text()).to.equal(`${row.updated_at.replace(' ', 'T')}.000Z`)
    }
    const newest = entries
      .map((e) => $(e).find('updated').text())
      .sort()
      .pop()
    expect($('feed > updated').text()).to.equal(newest)
  })

  it('offers 「検索結果に戻る」 on a record opened from this library’s results, and only then', async () => {
    const results = `/aoba/search?q=${encodeURIComponent('こころ')}&sort=title&page=2`
    const list = await pc().get(results)
    const first = cheerio.load(list.text)('ol.hits .hit-title a').attr('href')!
    const open = (referer: string) =>
      fetch(`${app.baseUrl}${first}`, { headers: { Referer: referer } }).then((r) => r.text())
    const back = cheerio.load(await open(`${app.baseUrl}${results}`))(
      'a:contains("検索結果に戻る")',
    )
    expect(back).to.have.length(2)
    expect(back.first().attr('href')).to.equal(results)
    await expectGoodPcPage(await open(`${app.baseUrl}${results}`))
    for (const referer of [
      `http://elsewhere.example${results}`,
      `${app.baseUrl}/minato/search?q=x`,
      `${app.baseUrl}/aoba/new`,
      'javascript:alert(1)',
    ]) {
      expect(await open(referer), referer).not.to.include('検索結果に戻る')
    }
  })

  it('brings a patron who adds a favourite from a result list back to that list', async () => {
    const c = pc()
    await login(c, 'aoba', '1101900001', 'aoba1234')
    const results = `/aoba/search?q=${encodeURIComponent('銀河鉄道')}&page=1`
    const list = await c.get(results)
    const add = cheerio.load(list.text)('a:contains("お気に入りに入れる")').first().attr('href')!
    // The browser sends the result page as the Referer (Referrer-Policy: same-origin).
    const form = await c.get(add, { Referer: `${app.baseUrl}${results}` })
    await expectGoodPcPage(form.text)
    expect(cheerio.load(form.text)('a:contains("検索結果に戻る")').attr('href')).to.equal(results)
    const done = await c.submit(form)
    expect(done.status).to.equal(303)
    expect(done.location).to.equal(`${app.baseUrl}${results}`)
    const back = await c.follow(done)
    expect(textOf(back.text)).to.match(/をお気に入りに入れました。/)
    expect(back.headers.get('cache-control')).to.include('no-store')
    // A forged 「back」 elsewhere is ignored: the patron lands on the favourites list.
    const other = cheerio.load(list.text)('a:contains("お気に入りに入れる")').eq(1).attr('href')!
    const form2 = await c.get(other)
    const forged = await c.submit(form2, { back: 'https://evil.example/aoba/search?q=x' })
    expect(forged.location).to.equal(`${app.baseUrl}/aoba/account/favourites`)
  })

  it('has a page per branch, linked from the top page, and the 問合せ先 in every footer', async () => {
    const top = await pc().get('/aoba/')
    const $ = cheerio.load(top.text)
    const links = $('ul.branches a').toArray()
    expect(links.map((a) => $(a).text())).to.deep.equal([
      '中央図書館',
      '東分館',
      '西分館',
      'こども図書館',
    ])
    const east = await pc().get($(links[1]).attr('href')!)
    await expectGoodPcPage(east.text)
    const e = cheerio.load(east.text)
    expect(e('h1').text()).to.equal('東分館')
    expect(textOf(east.text)).to.include('あおば市東町二丁目3番4号')
    expect(e('main a[href^="tel:"]').attr('href')).to.equal('tel:0465000001')
    expect(e('a:contains("東分館の資料をさがす")').attr('href')).to.equal(
      '/aoba/advanced?branch=east',
    )
    expect(e('footer .contact a').attr('href')).to.equal('tel:0465000000')
    expect((await pc().get('/aoba/branches/nowhere')).status).to.equal(404)
    expect((await pc().get('/aoba/branches/main')).status).to.equal(404) // minato's
    const k = await keitai().get('/minato/k/branches/higashihatsutomi')
    expectGoodKeitaiPage(k)
    expect(k.text).to.include('みなと市東初富六丁目1番地')
    expect(k.text).to.include('href="tel:0470000005"')
    const kTop = await keitai().get('/minato/k/')
    expectGoodKeitaiPage(kTop)
    expect(kTop.text).to.include('href="/minato/k/branches/north"')
    expect(kTop.text).to.include('問合せ:<a href="tel:0470000000">047-000-0000</a>')
  })

  it('keeps the keys of a keitai record page in the order its links appear', async () => {
    for (const path of ['/aoba/k/records/548', '/minato/k/search?q=%82%B1%82%B1%82%EB']) {
      const first = await keitai().get(path)
      const page = path.includes('search')
        ? await keitai().get(cheerio.load(first.text)('a[accesskey="1"]').attr('href')!)
        : first
      expectGoodKeitaiPage(page)
      const keys = cheerio
        .load(page.text)('a[accesskey]')
        .toArray()
        .map((a) => cheerio.load(a)('a').attr('accesskey') ?? '')
        .filter((key) => /^[1-9]$/.test(key))
        .map(Number)
      expect(keys.length, path).to.be.greaterThan(1)
      expect(keys, path).to.deep.equal([...keys].sort((x, y) => x - y))
    }
  })
})
