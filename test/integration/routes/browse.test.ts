// 分類から探す, 新着資料, rankings, ISBN links and the machine interfaces, on both channels.
import { expect } from 'chai'
import * as cheerio from 'cheerio'
import { sql } from 'kysely'
import { sharedDemoDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { KEITAI_UA, get, startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'
import { expectGoodKeitaiPage, expectGoodPcPage, titleOf } from '../../helpers/html-assertions.ts'

describe('browsing, new arrivals, rankings and feeds', () => {
  let t: TestDatabase
  let app: TestServer
  let aobaId: number
  before(async function () {
    t = await sharedDemoDatabase(this)
    app = await startTestServer(t.db)
    aobaId = (await app.deps.repositories.libraries.bySlug('aoba'))!.id
  })
  after(() => app.close())

  const count = async (where: ReturnType<typeof sql>) =>
    Number(
      (
        await sql<{
          n: number
        }>`SELECT COUNT(*) AS n FROM record r WHERE r.library_id = ${aobaId} AND ${where}`.execute(
          t.db,
        )
      ).rows[0]!.n,
    )

  it('shows the 10 NDC classes with their record counts, then divisions, then sections', async () => {
    const top = await get(app.baseUrl, '/aoba/browse')
    await expectGoodPcPage(top.text)
    const items = cheerio
      .load(top.text)('ul.classes li')
      .toArray()
      .map((li) => cheerio.load(li).text())
    expect(items).to.have.length(10)
    expect(items[9]).to.match(/^9 文学（\d+件）$/)
    const literature = Number(/（(\d+)件）/.exec(items[9]!)![1])
    expect(literature).to.equal(await count(sql`r.ndc LIKE '9%'`))

    const nine = await get(app.baseUrl, '/aoba/browse/9')
    await expectGoodPcPage(nine.text)
    expect(titleOf(nine.text)).to.equal('9 文学｜あおば市立図書館')
    expect(nine.text).to.include('91 日本文学')
    const ninety1 = await get(app.baseUrl, '/aoba/browse/91')
    const novel = cheerio
      .load(ninety1.text)('ul.classes a')
      .filter((_, a) => cheerio.load(a).text().startsWith('913'))
    expect(novel.attr('href')).to.equal('/aoba/search?ndc=913')
  })

  it('lists the records of a class through the search, with the right total', async () => {
    const res = await get(app.baseUrl, '/aoba/search?ndc=913')
    expect(res.status).to.equal(200)
    await expectGoodPcPage(res.text)
    const total = Number(/(\d+)件見つかりました/.exec(res.text)![1])
    expect(total).to.equal(await count(sql`r.ndc LIKE '913%'`))
    const combined = await get(
      app.baseUrl,
      `/aoba/search?q=${encodeURIComponent('こころ')}&ndc=913`,
    )
    expect(cheerio.load(combined.text)('.hit-title a').first().text()).to.equal('こころ')
    expect((await get(app.baseUrl, '/aoba/search?ndc=9x')).status).to.equal(400)
  })

  it('answers unknown classes with a 404', async () => {
    expect((await get(app.baseUrl, '/aoba/browse/abc')).status).to.equal(404)
    expect((await get(app.baseUrl, '/aoba/browse/9999')).status).to.equal(404)
  })

  it('lists new arrivals of the last 30 days, by class, paged', async () => {
    const res = await get(app.baseUrl, '/aoba/new')
    expect(res.status).to.equal(200)
    await expectGoodPcPage(res.text)
    const expected = Number(
      (
        await sql<{ n: number }>`SELECT COUNT(DISTINCT record_id) AS n FROM copy
          WHERE library_id = ${aobaId} AND acquired_on >= '2026-10-25'`.execute(t.db)
      ) // 30 days up to 11-23
      .rows[0]!.n,
    )
    expect(expected).to.be.greaterThan(0)
    expect(cheerio.load(res.text)('.result-count').text()).to.equal(`${expected}件`)
    const byClass = await get(app.baseUrl, '/aoba/new?class=9')
    expect(byClass.status).to.equal(200)
    expect((await get(app.baseUrl, '/aoba/new?class=x')).status).to.equal(400)
    expect((await get(app.baseUrl, '/aoba/new?page=9999')).status).to.equal(404)
  })

  it('ranks the most borrowed and the most reserved records', async () => {
    const loans = await get(app.baseUrl, '/aoba/ranking')
    await expectGoodPcPage(loans.text)
    const counts = cheerio
      .load(loans.text)('.hit-meta')
      .toArray()
      .map((p) => Number(/期間中の貸出 (\d+)件/.exec(cheerio.load(p).text())?.[1]))
    expect(counts.length).to.be.greaterThan(0)
    for (const n of counts) expect(n).to.be.a('number').and.above(0)
    const ranks = cheerio
      .load(loans.text)('ol.hits > li')
      .toArray()
      .map((li) => Number(cheerio.load(li)('li').attr('value')))
    expect(ranks[0]).to.equal(1)
    counts.forEach((n, i) => {
      if (i > 0) expect(ranks[i]).to.equal(n === counts[i - 1] ? ranks[i - 1] : i + 1)
    })
    expect(counts).to.deep.equal([...counts].sort((a, b) => b - a))
    const holds = await get(app.baseUrl, '/aoba/ranking?kind=holds&period=1y')
    expect(titleOf(holds.text)).to.equal('予約ランキング｜あおば市立図書館')
    expect((await get(app.baseUrl, '/aoba/ranking?period=10y')).status).to.equal(400)
  })

  it('links /isbn/<ISBN-13 or ISBN-10> to the record', async () => {
    const row = (
      await sql<{ id: number; isbn: string }>`SELECT id, isbn FROM record
        WHERE library_id = ${aobaId} AND isbn LIKE '9784%' ORDER BY id LIMIT 1`.execute(t.db)
    ).rows[0]!
    const isbn10core = row.isbn.slice(3, 12)
    let sum = 0
    for (let i = 0; i < 9; i++) sum += Number(isbn10core[i]) * (10 - i)
    const check = (11 - (sum % 11)) % 11
    const isbn10 = `${isbn10core}${check === 10 ? 'X' : check}`
    for (const form of [row.isbn, isbn10, `${isbn10.slice(0, 1)}-${isbn10.slice(1)}`]) {
      const res = await get(app.baseUrl, `/aoba/isbn/${form}`)
      expect(res.status, form).to.equal(303)
      expect(res.headers.get('location')).to.equal(`${app.baseUrl}/aoba/records/${row.id}`)
    }
    expect((await get(app.baseUrl, '/aoba/isbn/9784000000000')).status).to.equal(404)
    expect((await get(app.baseUrl, '/aoba/isbn/12345')).status).to.equal(404)
    const k = await get(app.baseUrl, `/aoba/k/isbn/${row.isbn}`, { 'User-Agent': KEITAI_UA })
    expect(k.status).to.equal(302)
    expect(k.headers.get('location')).to.equal(`${app.baseUrl}/aoba/k/records/${row.id}`)
  })

  it('describes itself for OpenSearch and offers Atom feeds of searches and new arrivals', async () => {
    const desc = await get(app.baseUrl, '/aoba/opensearch.xml')
    expect(desc.headers.get('content-type')).to.equal(
      'application/opensearchdescription+xml; charset=utf-8',
    )
    expect(desc.text).to.include(`template="${app.baseUrl}/aoba/search?q={searchTerms}`)
    const sruUrl = cheerio.load(desc.text, { xml: true })('Url[type="application/sru+xml"]')
    expect(sruUrl.attr('template')).to.equal(
      `${app.baseUrl}/aoba/sru?operation=searchRetrieve&version=1.2&query=%22{searchTerms}%22&startRecord={startIndex?}&maximumRecords={count?}`,
    )
    const top = await get(app.baseUrl, '/aoba/')
    expect(cheerio.load(top.text)('link[rel=search]').attr('href')).to.equal('/aoba/opensearch.xml')
    const $top = cheerio.load(top.text)
    expect(
      $top('.data-services a')
        .map((_i, e) => $top(e).attr('href'))
        .get(),
    ).to.deep.equal(['/aoba/sru?operation=explain&version=1.2', '/aoba/oai?verb=Identify'])

    const feed = await get(app.baseUrl, `/aoba/search.atom?q=${encodeURIComponent('こころ')}`)
    expect(feed.headers.get('content-type')).to.equal('application/atom+xml; charset=utf-8')
    const $ = cheerio.load(feed.text, { xml: true })
    expect($('feed > title').text()).to.equal('「こころ」の検索結果｜あおば市立図書館')
    expect($('entry').length).to.be.within(1, 20)
    expect($('entry').first().find('title').text()).to.equal('こころ')
    expect($('entry link').first().attr('href')).to.match(
      /^http:\/\/127\.0\.0\.1:\d+\/aoba\/records\/\d+$/,
    )
    const results = await get(app.baseUrl, `/aoba/search?q=${encodeURIComponent('こころ')}`)
    expect(cheerio.load(results.text)('link[type="application/atom+xml"]').attr('href')).to.equal(
      `/aoba/search.atom?q=${encodeURIComponent('こころ')}`,
    )
    const arrivals = await get(app.baseUrl, '/aoba/new.atom')
    expect(cheerio.load(arrivals.text, { xml: true })('entry').length).to.be.greaterThan(0)
    expect((await get(app.baseUrl, '/aoba/search.atom')).status).to.equal(400)
  })

  it('gives keitai the same pages within 5,120 bytes', async () => {
    for (const path of [
      '/aoba/k/browse',
      '/aoba/k/browse/9',
      '/aoba/k/browse/91',
      '/aoba/k/search?ndc=913',
      '/aoba/k/new',
      '/aoba/k/new?class=9',
      '/aoba/k/ranking',
      '/aoba/k/ranking?kind=holds&period=1y',
    ]) {
      const res = await get(app.baseUrl, path, { 'User-Agent': KEITAI_UA })
      expect(res.status, path).to.equal(200)
      expectGoodKeitaiPage(res)
    }
  })
})
