// The PC channel over real HTTP against a demo-loaded database: library list, top page,
// search and detail, and the error paths.
import { expect } from 'chai'
import * as cheerio from 'cheerio'
import { sql } from 'kysely'
import { sharedDemoDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { get, startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'
import { expectGoodPcPage, titleOf } from '../../helpers/html-assertions.ts'

const q = (s: string) => encodeURIComponent(s)

describe('PC channel: catalogue', () => {
  let t: TestDatabase
  let app: TestServer
  before(async function () {
    t = await sharedDemoDatabase(this)
    app = await startTestServer(t.db)
  })
  after(() => app.close())

  async function recordId(slug: string, title: string): Promise<number> {
    const row = await sql<{
      id: number
    }>`SELECT r.id FROM record r JOIN library l ON l.id = r.library_id
      WHERE l.slug = ${slug} AND r.title = ${title} AND r.material_type = 'book' ORDER BY r.id LIMIT 1`.execute(
      t.db,
    )
    return row.rows[0]!.id
  }

  it('lists the library systems on /, each linking to its top page', async () => {
    const res = await get(app.baseUrl, '/')
    expect(res.status).to.equal(200)
    expect(res.headers.get('content-type')).to.equal('text/html; charset=utf-8')
    const $ = cheerio.load(res.text)
    const links = $('main a')
      .toArray()
      .map((a) => [$(a).text(), $(a).attr('href')])
    expect(links).to.deep.include(['あおば市立図書館', '/aoba/'])
    expect(links).to.deep.include(['みなと市立図書館', '/minato/'])
    await expectGoodPcPage(res.text)
  })

  it('shows the top page with a labelled search box, the later functions and a QR code', async () => {
    const res = await get(app.baseUrl, '/minato/')
    expect(res.status).to.equal(200)
    expect(res.headers.get('vary')).to.match(/User-Agent/)
    await expectGoodPcPage(res.text)
    const $ = cheerio.load(res.text)
    expect($('h1').text()).to.include('みなと市立図書館')
    expect($('label[for=q]').text()).to.include('資料をさがす')
    const texts = $('main a')
      .toArray()
      .map((a) => $(a).text())
    for (const name of ['詳細検索', '分類から探す', '新着資料', '利用照会'])
      expect(texts).to.include(name)
    for (const branch of ['本館', '東部分館', '西部分館', '北部分館', '南部分館', '東初富分館']) {
      expect(
        $('.branches li a')
          .toArray()
          .map((a) => $(a).text()),
      ).to.include(branch)
    }
    expect($('figure.qr-code figcaption a').last().text()).to.equal(`${app.baseUrl}/minato/k/`)
    const qr = await get(app.baseUrl, $('img.qr').last().attr('src')!)
    expect(qr.status).to.equal(200)
    expect(qr.headers.get('content-type')).to.match(/^image\/svg\+xml/)
    expect(qr.text).to.match(/^<svg/)
    expect($('footer li a').first().text()).to.equal('携帯版')
  })

  it('finds 夏目漱石’s こころ first, with year and availability, 10 a page', async () => {
    const res = await get(app.baseUrl, `/aoba/search?q=${q('こころ')}`)
    expect(res.status).to.equal(200)
    await expectGoodPcPage(res.text)
    const $ = cheerio.load(res.text)
    expect(titleOf(res.text)).to.equal('「こころ」の検索結果｜あおば市立図書館')
    const hits = $('ol.hits > li')
    expect(hits.length).to.be.within(2, 10)
    const first = hits.first()
    expect(first.find('.hit-title a').text()).to.equal('こころ')
    expect(first.find('.hit-meta').text()).to.match(/貸出[可中]/)
    expect($('ol.hits').text()).to.include('夏目漱石')
    expect($('.result-count').text()).to.match(/^\d+件見つかりました。1〜\d+件目/)
  })

  it('matches readings, katakana and several words', async () => {
    const reading = await get(app.baseUrl, `/aoba/search?q=${q('ぼくとうきだん')}`)
    expect(cheerio.load(reading.text)('ol.hits').text()).to.include('濹東綺譚')
    const katakana = await get(app.baseUrl, `/aoba/search?q=${q('ココロ')}`)
    expect(cheerio.load(katakana.text)('ol.hits').text()).to.include('こころ')
    const two = await get(app.baseUrl, `/aoba/search?q=${q('夏目漱石　坊っちゃん')}`)
    const titles = cheerio
      .load(two.text)('.hit-title a')
      .toArray()
      .map((a) => cheerio.load(a).text())
    expect(titles).to.include('坊っちゃん')
    const author = await get(app.baseUrl, `/aoba/search?q=${q('なつめそうせき')}`)
    expect(cheerio.load(author.text)('.result-count').text()).to.match(/^\d{2,}件/)
  })

  it('pages through results with page numbers in the title', async () => {
    const res = await get(app.baseUrl, `/aoba/search?q=${q('宮本百合子')}&page=2`)
    expect(res.status).to.equal(200)
    expect(titleOf(res.text)).to.equal('「宮本百合子」の検索結果(2ページ目)｜あおば市立図書館')
    const $ = cheerio.load(res.text)
    expect($('ol.hits').attr('start')).to.equal('11')
    expect($('ol.hits > li').length).to.equal(10)
    expect($('a[rel=prev]').attr('href')).to.equal(`/aoba/search?q=${q('宮本百合子')}`)
    await expectGoodPcPage(res.text)
  })

  it('says plainly when nothing is found and offers a way on', async () => {
    const res = await get(app.baseUrl, `/aoba/search?q=${q('zzzzqqqq')}`)
    expect(res.status).to.equal(200)
    expect(res.text).to.include('「zzzzqqqq」に一致する資料は見つかりませんでした。')
    expect(cheerio.load(res.text)('.notice a').text()).to.equal('詳細検索')
    await expectGoodPcPage(res.text)
  })

  it('shows the records near a kana query that finds nothing, and offers もしかして', async () => {
    const res = await get(app.baseUrl, `/minato/search?q=${q('ぼちゃん')}`)
    expect(res.status).to.equal(200)
    await expectGoodPcPage(res.text)
    const $ = cheerio.load(res.text)
    expect($('.notice').text()).to.include(
      '「ぼちゃん」に一致する資料は見つかりませんでした。読みの近い資料を表示しています。',
    )
    const suggestion = $('.notice a').first()
    expect(suggestion.text()).to.equal('坊っちゃん')
    expect(suggestion.attr('href')).to.equal(`/minato/search?q=${q('坊っちゃん')}`)
    expect($('ol.hits .hit-title a').first().text()).to.equal('坊っちゃん')
    expect($('.facets-panel').length).to.equal(0)
    // a query that finds something offers nothing
    const found = await get(app.baseUrl, `/minato/search?q=${q('ぼっちゃん')}`)
    expect(found.text).to.not.include('もしかして')
  })

  it('shows a record with its fields, copies, statuses and hold count', async () => {
    const id = await recordId('aoba', 'こころ')
    const res = await get(app.baseUrl, `/aoba/records/${id}`)
    expect(res.status).to.equal(200)
    await expectGoodPcPage(res.text)
    const $ = cheerio.load(res.text)
    expect($('h1').text()).to.equal('こころ')
    const bib = $('dl.bib').text()
    for (const field of [
      'タイトル',
      '著者',
      '夏目漱石',
      '出版者',
      '分類（NDC）',
      '913',
      '予約件数',
    ]) {
      expect(bib).to.include(field)
    }
    const rows = $('table.holdings tbody tr')
    expect(rows.length).to.be.greaterThan(0)
    const statuses = rows.toArray().map((tr) => $(tr).find('td').last().text())
    for (const s of statuses)
      expect(s).to.match(/^(貸出可|貸出中|館内のみ|予約取置中|搬送中|修理中|所在不明)/)
    expect(
      $('table.holdings th')
        .toArray()
        .map((th) => $(th).text()),
    ).to.deep.equal(['所蔵館', '配架場所', '請求記号', '状態'])
    expect(bib).to.match(/予約件数\d+件/)
  })

  it('keeps tenants apart: a record of one library is not found under another', async () => {
    const id = await recordId('aoba', 'こころ')
    const res = await get(app.baseUrl, `/minato/records/${id}`)
    const other = await recordId('minato', 'こころ')
    expect(other).not.to.equal(id)
    expect(res.status).to.equal(404)
  })

  describe('bad requests get a helpful 4xx page, never a stack trace', () => {
    const cases: [string, string, number, string][] = [
      ['unknown URL', '/aoba/no-such-page', 404, 'お探しのページは見つかりませんでした。'],
      ['unknown library', '/nowhere/', 404, 'お探しの図書館は見つかりませんでした。'],
      ['empty query', '/aoba/search?q=', 400, '検索語を入力してください。'],
      ['page=-1', `/aoba/search?q=${q('こころ')}&page=-1`, 400, 'ページの指定が正しくありません。'],
      [
        'page=99999999',
        `/aoba/search?q=${q('こころ')}&page=99999999`,
        400,
        'ページの指定が正しくありません。',
      ],
      [
        'page past the end',
        `/aoba/search?q=${q('こころ')}&page=900`,
        404,
        'このページはありません。',
      ],
      ['2,000-character query', `/aoba/search?q=${'あ'.repeat(2000)}`, 400, '200文字以内'],
      ['invalid UTF-8', '/aoba/search?q=%FF%FE', 400, '文字コードが正しくありません'],
      ['unknown record', '/aoba/records/999999999', 404, 'この資料は見つかりませんでした。'],
      ['non-numeric record id', '/aoba/records/abc', 404, 'この資料は見つかりませんでした。'],
      ['malformed path escape', '/aoba/records/%E0%A4%A', 400, '入力内容に誤りがあります。'],
    ]
    for (const [name, path, status, message] of cases) {
      it(`${name} → ${status}`, async () => {
        const res = await get(app.baseUrl, path)
        expect(res.status).to.equal(status)
        expect(res.headers.get('content-type')).to.equal('text/html; charset=utf-8')
        expect(res.text).to.include(message)
        expect(titleOf(res.text)).to.match(/^エラー：/)
        expect(res.text).not.to.match(/at .*\.ts:\d+|Error:|stack/i)
        await expectGoodPcPage(res.text)
      })
    }
    it('links to the last page when asked for a page past the end', async () => {
      const res = await get(app.baseUrl, `/aoba/search?q=${q('こころ')}&page=900`)
      const $ = cheerio.load(res.text)
      const lastPage = $('a').filter((_, a) => $(a).text().startsWith('最後のページ'))
      expect(lastPage.attr('href')).to.match(/page=\d+$/)
    })
  })

  it('serves the stylesheet and answers /healthz', async () => {
    const css = await get(app.baseUrl, '/static/opac.css')
    expect(css.status).to.equal(200)
    expect(css.headers.get('content-type')).to.match(/^text\/css/)
    const health = await get(app.baseUrl, '/healthz')
    expect(health.status).to.equal(200)
    expect(health.text).to.equal('ok\n')
  })

  it('sends the security headers, and no page has a script', async () => {
    const res = await get(app.baseUrl, '/aoba/')
    expect(res.headers.get('content-security-policy')).to.include("default-src 'none'")
    expect(res.headers.get('x-content-type-options')).to.equal('nosniff')
  })
})
