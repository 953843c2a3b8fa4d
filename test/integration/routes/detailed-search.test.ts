// 詳細検索 and refining: every criterion, the title match modes, sort orders, facets, ISBN
// forms, and the same on keitai within the byte budget. Totals are checked against SQL.
import { expect } from 'chai'
import * as cheerio from 'cheerio'
import { sql } from 'kysely'
import { encodeQueryValue } from '../../../server/render/form-decoding.ts'
import { sharedDemoDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { KEITAI_UA, get, startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'
import { expectGoodKeitaiPage, expectGoodPcPage, titleOf } from '../../helpers/html-assertions.ts'

const enc = encodeURIComponent

describe('detailed search', () => {
  let t: TestDatabase
  let app: TestServer
  let minato: number
  before(async function () {
    t = await sharedDemoDatabase(this)
    app = await startTestServer(t.db)
    minato = (await app.deps.repositories.libraries.bySlug('minato'))!.id
  })
  after(() => app.close())

  /** The page's hit count: 0 only where the page says nothing was found. */
  const total = (html: string) => {
    const found = /(\d+)件見つかりました/.exec(html)?.[1]
    if (found !== undefined) return Number(found)
    if (/に一致する資料は見つかりませんでした。/.test(html)) return 0
    throw new Error(`not a result page: ${titleOf(html)}`)
  }
  const titles = (html: string) =>
    cheerio
      .load(html)('.hit-title a')
      .toArray()
      .map((a) => cheerio.load(a).text())
  const count = async (where: ReturnType<typeof sql>) =>
    Number(
      (
        await sql<{ n: number }>`SELECT COUNT(*) AS n FROM record r
          WHERE r.library_id = ${minato} AND ${where}`.execute(t.db)
      ).rows[0]!.n,
    )

  it('offers a labelled form that comes back pre-filled', async () => {
    const res = await get(
      app.baseUrl,
      `/minato/advanced?title=${enc('こころ')}&mode=prefix&from=1990&type=book`,
    )
    expect(res.status).to.equal(200)
    await expectGoodPcPage(res.text)
    const $ = cheerio.load(res.text)
    expect($('#title').attr('value')).to.equal('こころ')
    expect($('input[name=mode][value=prefix]').attr('checked')).to.equal('checked')
    expect($('#from').attr('value')).to.equal('1990')
    expect($('input[name=type][value=book]').attr('checked')).to.equal('checked')
    expect($('select#branch option').length).to.equal(7)
  })

  it('matches titles by prefix, substring or exactly', async () => {
    const exact = await get(app.baseUrl, `/minato/search?title=${enc('こころ')}&mode=exact`)
    await expectGoodPcPage(exact.text)
    // Exact: the whole title, or its reading (心 read こころ), is こころ.
    expect(total(exact.text)).to.equal(await count(sql`r.title_key LIKE '%\u0001こころ\u0001%'`))
    const prefix = await get(app.baseUrl, `/minato/search?title=${enc('こころ')}&mode=prefix`)
    const contains = await get(app.baseUrl, `/minato/search?title=${enc('こころ')}`)
    expect(total(exact.text)).to.be.at.most(total(prefix.text))
    expect(total(prefix.text)).to.be.at.most(total(contains.text))
    expect(titleOf(exact.text)).to.equal(
      'タイトル「こころ（完全一致）」の検索結果｜みなと市立図書館',
    )
  })

  it('combines author, publisher, years and material type (AND)', async () => {
    const res = await get(
      app.baseUrl,
      `/minato/search?author=${enc('夏目漱石')}&publisher=${enc('新潮社')}&from=1900&to=2030&type=book`,
    )
    expect(res.status).to.equal(200)
    const n = total(res.text)
    expect(n).to.be.greaterThan(0)
    expect(n).to.equal(
      await count(
        sql`r.author_key LIKE '%夏目漱石%' AND r.publisher_key LIKE '%新潮社%' AND r.pub_year BETWEEN 1900 AND 2030 AND r.material_type = 'book'`,
      ),
    )
    const $ = cheerio.load(res.text)
    expect($('dl.criteria').text()).to.include('著者名夏目漱石')
  })

  it('finds 紙芝居 with classification C, and P / YA call numbers by prefix', async () => {
    const kamishibai = await get(app.baseUrl, '/minato/search?ndc=C')
    expect(total(kamishibai.text)).to.equal(await count(sql`r.material_type = 'kamishibai'`))
    expect(kamishibai.text).to.include('紙芝居')
    const p = await get(app.baseUrl, '/minato/search?call=P')
    expect(total(p.text)).to.be.greaterThan(0)
    const ya = await get(app.baseUrl, '/minato/search?call=ya')
    expect(total(ya.text)).to.equal(
      Number(
        (
          await sql<{ n: number }>`SELECT COUNT(DISTINCT record_id) AS n FROM copy
            WHERE library_id = ${minato} AND call_number LIKE 'YA%'`.execute(t.db)
        ).rows[0]!.n,
      ),
    )
    const literature = await get(app.baseUrl, '/minato/search?ndc=91')
    expect(total(literature.text)).to.equal(await count(sql`r.ndc LIKE '91%'`))
  })

  it('limits to a holding library and to what can be borrowed now', async () => {
    const all = await get(app.baseUrl, `/minato/search?q=${enc('こころ')}`)
    const branch = await get(app.baseUrl, `/minato/search?q=${enc('こころ')}&branch=east`)
    const available = await get(app.baseUrl, `/minato/search?q=${enc('こころ')}&avail=1`)
    expect(total(branch.text)).to.be.below(total(all.text))
    expect(total(available.text)).to.be.at.most(total(all.text))
    for (const mark of cheerio.load(available.text)('.availability').toArray()) {
      expect(cheerio.load(mark).text()).to.match(/^貸出可/)
    }
  })

  it('finds a book by ISBN-13 or ISBN-10, with or without hyphens, in the simple box', async () => {
    const row = (
      await sql<{ isbn: string; title: string }>`SELECT isbn, title FROM record
        WHERE library_id = ${minato} AND isbn LIKE '9784%' ORDER BY id LIMIT 1`.execute(t.db)
    ).rows[0]!
    const core = row.isbn.slice(3, 12)
    let sum = 0
    for (let i = 0; i < 9; i++) sum += Number(core[i]) * (10 - i)
    const isbn10 = `${core}${(11 - (sum % 11)) % 11 === 10 ? 'X' : (11 - (sum % 11)) % 11}`
    for (const form of [row.isbn, isbn10, `${row.isbn.slice(0, 3)}-${row.isbn.slice(3)}`]) {
      const res = await get(app.baseUrl, `/minato/search?q=${enc(form)}`)
      expect(titles(res.text), form).to.include(row.title)
    }
    const bad = await get(app.baseUrl, '/minato/search?isbn=12345')
    expect(bad.status).to.equal(400)
    expect(cheerio.load(bad.text)('#isbn-error').text()).to.include('ISBN')
  })

  it('sorts by title reading, author reading and year', async () => {
    const ids = (html: string) =>
      cheerio
        .load(html)('.hit-title a')
        .toArray()
        .map((a) => Number(/\/records\/(\d+)/.exec(cheerio.load(a)('a').attr('href') ?? '')?.[1]))
    /** Each hit's column is in order after the previous one's, by the database's collation. */
    const expectOrdered = async (hits: number[], column: 'sort_title' | 'sort_author') => {
      expect(hits.length, column).to.be.at.least(3)
      for (let i = 1; i < hits.length; i++) {
        const col = sql.ref(column)
        // Hits without the column (no author) come last.
        const { rows } = await sql<{ ok: number }>`SELECT (b.${col} = '' OR (a.${col} <> ''
          AND a.${col} <= b.${col})) AS ok FROM record a, record b
          WHERE a.id = ${hits[i - 1]} AND b.id = ${hits[i]}`.execute(t.db)
        expect(Number(rows[0]?.ok), `${column}: hit ${i} before hit ${i + 1}`).to.equal(1)
      }
    }
    const byYear = await get(app.baseUrl, `/minato/search?author=${enc('夏目漱石')}&sort=year_asc`)
    const years = cheerio
      .load(byYear.text)('.hit-meta')
      .toArray()
      .map((p) => /(\d{4})年/.exec(cheerio.load(p).text())?.[1])
    // Every hit shows its year, the years are not all the same, and they ascend.
    expect(years.length).to.be.at.least(3)
    expect(years).not.to.include(undefined)
    const numbers = years.map(Number)
    expect(new Set(numbers).size).to.be.above(1)
    expect(numbers).to.deep.equal([...numbers].sort((a, b) => a - b))
    const byTitle = await get(app.baseUrl, `/minato/search?author=${enc('夏目漱石')}&sort=title`)
    expect(byTitle.status).to.equal(200)
    expect(cheerio.load(byTitle.text)('#sort option[selected]').attr('value')).to.equal('title')
    const titleOrder = ids(byTitle.text)
    await expectOrdered(titleOrder, 'sort_title')
    // Not the same order by chance: the year order differs from the title order.
    expect(ids(byYear.text)).not.to.deep.equal(titleOrder)
    const byAuthor = await get(app.baseUrl, `/minato/search?q=${enc('こころ')}&sort=author`)
    expect(byAuthor.status).to.equal(200)
    await expectOrdered(ids(byAuthor.text), 'sort_author')
  })

  it('offers facets with counts that refine the search', async () => {
    const res = await get(app.baseUrl, `/minato/search?q=${enc('こころ')}`)
    const $ = cheerio.load(res.text)
    expect($('#facets-heading').text()).to.equal('絞り込み')
    const typeLink = $('.facets-panel a').filter((_, a) => /^図書（\d+）$/.test($(a).text()))
    const expected = Number(/（(\d+)）/.exec(typeLink.text())![1])
    const refined = await get(app.baseUrl, typeLink.attr('href')!)
    expect(total(refined.text)).to.equal(expected)
    await expectGoodPcPage(refined.text)
  })

  it('answers bad criteria with the errors next to the fields', async () => {
    const res = await get(app.baseUrl, '/minato/search?from=2030&to=1990&ndc=x9')
    expect(res.status).to.equal(400)
    await expectGoodPcPage(res.text)
    const $ = cheerio.load(res.text)
    expect($('#to-error').text()).to.include('出版年の範囲')
    expect($('#ndc-error').text()).to.include('分類は数字')
    expect(titleOf(res.text)).to.match(/^エラー：/)
  })

  it('finds こころ typed as ココロ or ｺｺﾛ alike, and first when typed こ こ ろ', async () => {
    const base = total((await get(app.baseUrl, `/minato/search?q=${enc('こころ')}`)).text)
    for (const q of ['ココロ', 'ｺｺﾛ']) {
      expect(total((await get(app.baseUrl, `/minato/search?q=${enc(q)}`)).text), q).to.equal(base)
    }
    const spaced = cheerio.load(
      (await get(app.baseUrl, `/minato/search?q=${enc('こ こ ろ')}`)).text,
    )
    expect(spaced('.hit-title a').first().text()).to.equal('こころ')
  })

  it('shows the same records in the same order on PC and keitai (適合順)', async () => {
    const keitai = { 'User-Agent': KEITAI_UA }
    const idOf = (href: string | undefined) => /(\d+)(?:\?.*)?$/.exec(href ?? '')?.[1] ?? ''
    for (const q of ['宮沢賢治', '芥川龍之介', 'こころ']) {
      const pc = cheerio.load((await get(app.baseUrl, `/minato/search?q=${enc(q)}`)).text)
      const pcIds = pc('.hit-title a')
        .map((_i, a) => idOf(pc(a).attr('href')))
        .get()
      const k = await get(
        app.baseUrl,
        `/minato/k/search?q=${encodeQueryValue(q, 'shift_jis')}`,
        keitai,
      )
      const $k = cheerio.load(k.text)
      const kIds = $k('a[accesskey]')
        .filter(
          (_i, a) =>
            /^[1-9]$/.test($k(a).attr('accesskey') ?? '') &&
            /\/records\/\d/.test($k(a).attr('href') ?? ''),
        )
        .map((_i, a) => idOf($k(a).attr('href')))
        .get()
      expect(kIds.length, q).to.be.greaterThan(0)
      expect(kIds, q).to.deep.equal(pcIds.slice(0, kIds.length))
    }
  })

  it('finds the same records whatever the order of the words', async () => {
    for (const [a, b] of [
      ['心 の', 'の 心'],
      ['A B', 'B A'],
      ['宮沢 夜', '夜 宮沢'],
    ]) {
      const first = total((await get(app.baseUrl, `/minato/search?q=${enc(a ?? '')}`)).text)
      expect(first, a).to.be.greaterThan(0)
      expect(total((await get(app.baseUrl, `/minato/search?q=${enc(b ?? '')}`)).text), b).to.equal(
        first,
      )
    }
  })

  it('finds C++ and Ｃ＃ books by their names, not every "c"', async () => {
    const cpp = (await get(app.baseUrl, `/minato/search?q=${enc('C++')}`)).text
    const c = total((await get(app.baseUrl, `/minato/search?q=${enc('C')}`)).text)
    expect(total(cpp)).to.be.greaterThan(0).and.lessThan(c)
    cheerio
      .load(cpp)('.hit-title a')
      .each((_i, a) => {
        expect(cheerio.load(a).text().normalize('NFKC')).to.match(/C\+\+/i)
      })
  })

  it('gives keitai the detailed search and a refine page within 5,120 bytes', async () => {
    const keitai = { 'User-Agent': KEITAI_UA }
    const form = await get(app.baseUrl, '/minato/k/advanced', keitai)
    expectGoodKeitaiPage(form)
    const sjis = (s: string) => encodeQueryValue(s, 'shift_jis')
    const results = await get(
      app.baseUrl,
      `/minato/k/search?author=${sjis('宮本百合子')}&sort=title`,
      keitai,
    )
    expectGoodKeitaiPage(results)
    const refineLink = cheerio.load(results.text)('a[accesskey="9"]').attr('href')!
    const refine = await get(app.baseUrl, refineLink, keitai)
    expectGoodKeitaiPage(refine)
    expect(refine.text).to.include('絞り込み')
    for (const q of ['の', 'a', '子']) {
      const many = await get(app.baseUrl, `/minato/k/search?q=${sjis(q)}&refine=1`, keitai)
      expectGoodKeitaiPage(many)
    }
  })
})
