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
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import QRCode from 'qrcode'
import { ACTIVE_HOLD_STATUSES } from '../../../server/db/schema.ts'
import { VIEWS_DIR } from '../../../server/render/views.ts'
import type { AccessibilityResults } from '../../../server/routes/library-info-routes.ts'

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
  it('says on / what the site is, with a line per library: branches, today and the 問合せ先', async () => {
    const page = await pc().get('/')
    await expectGoodPcPage(page.text)
    const $ = cheerio.load(page.text)
    expect(textOf(page.text)).to.include('予約や貸出の延長')
    const libraries = await t.db
      .selectFrom('library')
      .select(['id', 'slug', 'name', 'phone'])
      .orderBy('sort_order')
      .orderBy('id')
      .execute()
    const items = $('ul.libraries > li').toArray()
    expect(items).to.have.length(libraries.length)
    for (const [i, l] of libraries.entries()) {
      const li = $(items[i])
      const branches = await t.db
        .selectFrom('branch')
        .select('name')
        .where('library_id', '=', l.id)
        .orderBy('sort_order')
        .orderBy('id')
        .execute()
      expect(li.find('a').first().attr('href')).to.equal(`/${l.slug}/`)
      expect(li.text()).to.include(
        `${l.name}：${branches.length}館（${branches.map((b) => b.name).join('・')}）`,
      )
      expect(li.text()).to.match(/本日は(開館日です|休館日です（次の開館日は)/)
      expect(li.find('a[href^="tel:"]').attr('href')).to.equal(`tel:${l.phone.replace(/\D/g, '')}`)
    }
    const k = await keitai().get('/k/')
    expectGoodKeitaiPage(k)
    expect(k.text).to.match(/本日(開館|休館) 電話0465-00-0000/)
  })

  it('offers the smartphone address’s QR code and, separately, the keitai address’s', async () => {
    const top = await pc().get('/minato/')
    const $ = cheerio.load(top.text)
    const figures = $('figure.qr-code').toArray()
    expect(figures.map((f) => $(f).find('figcaption').text())).to.satisfy(
      (captions: string[]) =>
        captions[0]!.startsWith('スマートフォン QRコード') && captions[1]!.startsWith('携帯電話'),
    )
    const expected = [`${app.baseUrl}/minato/`, `${app.baseUrl}/minato/k/`]
    for (const [i, f] of figures.entries()) {
      expect($(f).find('figcaption a').text()).to.equal(expected[i])
      const svg = await pc().get($(f).find('img').attr('src')!)
      expect(svg.status).to.equal(200)
      // The image encodes exactly that address (same encoder, same options).
      const want = await QRCode.toString(expected[i]!, {
        type: 'svg',
        margin: 2,
        errorCorrectionLevel: 'M',
      })
      expect(svg.bytes.toString('utf8')).to.equal(want)
    }
  })

  it('publishes an アクセシビリティ方針 per library: the target, and the tests’ date and results', async () => {
    const page = await pc().get('/aoba/')
    const link = cheerio.load(page.text)('footer a:contains("アクセシビリティ方針")').attr('href')
    expect(link).to.equal('/aoba/accessibility')
    const policy = await pc().get(link!)
    await expectGoodPcPage(policy.text)
    const text = textOf(policy.text)
    expect(text).to.include('JIS X 8341-3:2016')
    expect(text).to.include('適合レベルAAに準拠')
    expect(text).to.include('あおば市立図書館')
    const file = join(VIEWS_DIR, 'accessibility-results.json')
    const $ = cheerio.load(policy.text)
    if (existsSync(file)) {
      const results = JSON.parse(readFileSync(file, 'utf8')) as AccessibilityResults
      const [y, m, d] = results.testedOn.split('-').map(Number)
      expect(text).to.include(`試験日：${y}年${m}月${d}日`)
      const rows = $('table.a11y-results tbody tr').toArray()
      expect(rows.map((r) => $(r).find('th').text())).to.deep.equal(
        results.pages.map((p) => p.name),
      )
    } else {
      expect(text).to.include('試験の結果はまだ公開していません')
    }
    const k = await keitai().get('/minato/k/accessibility')
    expectGoodKeitaiPage(k)
    expect(k.text).to.include('JIS X 8341-3:2016')
    expect(
      cheerio
        .load((await keitai().get('/minato/k/')).text)('a:contains("アクセシビリティ方針")')
        .attr('href'),
    ).to.equal('/minato/k/accessibility')
  })

  it('says ログアウトしました after a logout, and no page seen while logged in may be cached', async () => {
    const c = pc()
    const portal = await login(c, 'aoba', '1101900001', 'aoba1234')
    const search = await c.get('/aoba/search?q=%E3%81%93%E3%81%93%E3%82%8D')
    expect(search.headers.get('cache-control')).to.match(/no-store/)
    const record = await c.get('/aoba/records/548')
    expect(record.headers.get('cache-control')).to.match(/no-store/)
    const anonymous = await pc().get('/aoba/records/548')
    expect(anonymous.headers.get('cache-control') ?? '').to.not.match(/no-store/)
    const out = await c.submit(portal, {}, '/logout')
    expect(new URL(out.location!, app.baseUrl).pathname).to.equal('/aoba/logout')
    const done = await c.follow(out)
    await expectGoodPcPage(done.text)
    expect(cheerio.load(done.text)('h1').text()).to.equal('ログアウトしました')
    expect(cheerio.load(done.text)('header form.logout')).to.have.length(0)
    expect((await c.get('/aoba/account')).status).to.be.oneOf([302, 303])

    const k = keitai()
    const kPortal = await login(k, 'minato', '2201900001', 'minato123')
    const kOut = await k.submit(kPortal, {}, '/logout')
    expect(new URL(kOut.location!, app.baseUrl).pathname).to.equal('/minato/k/logout')
    const kDone = await k.follow(kOut)
    expectGoodKeitaiPage(kDone)
    expect(kDone.text).to.include('ログアウトしました')
  })

  it('uses one pager with 最初へ and 最後へ on search results and 新着資料', async () => {
    const search = await pc().get('/aoba/search?q=%E5%B0%8F%E8%AA%AC&page=3')
    const $ = cheerio.load(search.text)
    const labels = $('nav.pagination a')
      .toArray()
      .map((a) => $(a).text())
    expect(labels[0]).to.equal('最初へ')
    expect(labels.at(-1)).to.match(/^最後へ（\d+）$/)
    expect($('nav.pagination [aria-current=page]').text()).to.equal('3')
    const lastPage = Number(/（(\d+)）/.exec(labels.at(-1)!)![1])
    const last = await pc().get($('nav.pagination a').last().attr('href')!)
    expect(cheerio.load(last.text)('nav.pagination [aria-current=page]').text()).to.equal(
      String(lastPage),
    )
    expect(cheerio.load(last.text)('nav.pagination a:contains("次へ")')).to.have.length(0)
    const arrivals = await pc().get('/aoba/new?page=2')
    expect(arrivals.status).to.equal(200)
    const a = cheerio.load(arrivals.text)
    expect(a('nav.pagination a').first().text()).to.equal('最初へ')
    expect(a('nav.pagination a').first().attr('href')).to.equal('/aoba/new')
  })

  it('writes 今日が返却日です on a loan due today, and offers a search on a 404 page', async () => {
    const patron = await t.db
      .selectFrom('patron')
      .select('id')
      .where('card_number', '=', '1101900001')
      .executeTakeFirstOrThrow()
    const loan = await t.db
      .selectFrom('loan')
      .select(['id', 'due_on'])
      .where('patron_id', '=', patron.id)
      .where('returned_at', 'is', null)
      .orderBy('id')
      .executeTakeFirstOrThrow()
    await t.db.updateTable('loan').set({ due_on: '2026-11-23' }).where('id', '=', loan.id).execute()
    try {
      const c = pc()
      await login(c, 'aoba', '1101900001', 'aoba1234')
      const loans = await c.get('/aoba/account/loans')
      const $ = cheerio.load(loans.text)
      const dueToday = await t.db
        .selectFrom('loan')
        .select((e) => e.fn.countAll<number>().as('n'))
        .where('patron_id', '=', patron.id)
        .where('returned_at', 'is', null)
        .where('due_on', '=', '2026-11-23')
        .executeTakeFirstOrThrow()
      expect($('.due-today').length).to.equal(Number(dueToday.n)).and.be.greaterThan(0)
      for (const el of $('.due-today').toArray()) expect($(el).text()).to.equal('今日が返却日です')
    } finally {
      await t.db
        .updateTable('loan')
        .set({ due_on: loan.due_on })
        .where('id', '=', loan.id)
        .execute()
    }
    const missing = await pc().get('/aoba/records/999999999')
    expect(missing.status).to.equal(404)
    expect(cheerio.load(missing.text)('main form[role=search] input[name=q]')).to.have.length(1)
  })

  it('lets keitai 絞り込む reach every decade the results have', async () => {
    const q = '%8F%AC%90%E0' // 小説 in Shift_JIS
    const refine = await keitai().get(`/aoba/k/search?q=${q}&refine=1`)
    expectGoodKeitaiPage(refine)
    const pcPage = await pc().get('/aoba/search?q=%E5%B0%8F%E8%AA%AC')
    const $ = cheerio.load(pcPage.text)
    const decades = $('a[href*="from="]')
      .toArray()
      .map((a) => new URL($(a).attr('href')!, app.baseUrl).searchParams.get('from'))
    const kDecades = cheerio
      .load(refine.text)('a[href*="from="]')
      .toArray()
      .map((a) => new URL(cheerio.load(a)('a').attr('href')!, app.baseUrl).searchParams.get('from'))
    expect(decades.length).to.be.greaterThan(5)
    expect(new Set(kDecades)).to.deep.equal(new Set(decades))
  })
  it('marks the chosen ranking kind and period with aria-current, as a choice not content', async () => {
    const page = await pc().get('/aoba/ranking?kind=holds&period=1y')
    await expectGoodPcPage(page.text)
    const $ = cheerio.load(page.text)
    const nav = $('nav[aria-label="ランキングの種類と期間"]')
    const current = nav
      .find('[aria-current]')
      .toArray()
      .map((el) => $(el).text())
    expect(current).to.have.length(2)
    expect(current[0]).to.include('予約ランキング')
    expect(current[1]).to.equal('最近1年')
    expect(nav.find('a:contains("ベストリーダー")').attr('href')).to.include('kind=loans')
    // Not a link to itself: the chosen one is text.
    expect(nav.find('a[aria-current]')).to.have.length(0)
  })
})
