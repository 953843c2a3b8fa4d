// The keitai channel: Shift_JIS pages for legacy User-Agents and /k/ URLs, Shift_JIS input,
// the 5,120-byte budget on the worst-case pages, and the switch between channels.
import { expect } from 'chai'
import * as cheerio from 'cheerio'
import { sql } from 'kysely'
import { encodeQueryValue } from '../../../server/render/form-decoding.ts'
import { sharedDemoDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { KEITAI_UA, get, startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'
import { expectGoodKeitaiPage, titleOf } from '../../helpers/html-assertions.ts'

const sjis = (s: string) => encodeQueryValue(s, 'shift_jis')
const keitai = { 'User-Agent': KEITAI_UA }

describe('keitai channel: catalogue', () => {
  let t: TestDatabase
  let app: TestServer
  before(async function () {
    t = await sharedDemoDatabase(this)
    app = await startTestServer(t.db)
  })
  after(() => app.close())

  it('serves keitai pages to a keitai User-Agent at the shared URL, with Vary', async () => {
    for (const ua of [
      KEITAI_UA,
      'KDDI-CA32 UP.Browser/6.2.0.7.3.129 (GUI) MMP/2.0',
      'SoftBank/1.0/910T/TJ001/SN000000000000000 Browser/NetFront/3.3',
      'Mozilla/3.0(WILLCOM;KYOCERA/WX310K/2;1.2.2.16.000000/0.1/C100) Opera 7.0',
    ]) {
      const res = await get(app.baseUrl, '/aoba/', { 'User-Agent': ua })
      expect(res.status).to.equal(200)
      // The page at a shared URL depends on the User-Agent and on the ?view=pc cookie.
      expect(res.headers.get('vary')?.split(/,\s*/)).to.include.members(['User-Agent', 'Cookie'])
      expectGoodKeitaiPage(res)
      expect(res.text).to.include('accesskey="1"')
    }
  })

  it('serves keitai pages to anybody at /k/ URLs, and PC pages to a PC at the shared URL', async () => {
    const k = await get(app.baseUrl, '/aoba/k/')
    expectGoodKeitaiPage(k)
    const pc = await get(app.baseUrl, '/aoba/', { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64)' })
    expect(pc.headers.get('content-type')).to.equal('text/html; charset=utf-8')
    const list = await get(app.baseUrl, '/k/')
    expectGoodKeitaiPage(list)
    expect(list.text).to.include('[1]<a href="/aoba/k/" accesskey="1">あおば市立図書館</a>')
  })

  it('links each channel to the other, and ?view=pc gives a keitai the PC pages', async () => {
    const k = await get(app.baseUrl, '/aoba/k/')
    const pcLink = cheerio
      .load(k.text)('a')
      .filter((_, a) => cheerio.load(a).text() === 'PC版')
    expect(pcLink.attr('href')).to.equal('/aoba/?view=pc')
    const pc = await get(app.baseUrl, '/aoba/?view=pc', keitai)
    expect(pc.headers.get('content-type')).to.equal('text/html; charset=utf-8')
    expect(pc.headers.get('set-cookie')).to.match(/^opac_view=pc;/)
    const remembered = await get(app.baseUrl, '/aoba/', { ...keitai, Cookie: 'opac_view=pc' })
    expect(remembered.headers.get('content-type')).to.equal('text/html; charset=utf-8')
  })

  it('keeps the query and the place in the results when switching channels', async () => {
    const k = await get(app.baseUrl, `/aoba/k/search?q=${sjis('宮本百合子')}&page=5`, keitai)
    const pcLink = cheerio
      .load(k.text)('a')
      .filter((_, a) => cheerio.load(a).text() === 'PC版')
    expect(pcLink.attr('href')).to.equal(
      `/aoba/search?q=${encodeURIComponent('宮本百合子')}&page=3&view=pc`,
    )
    const pc = await get(app.baseUrl, `/aoba/search?q=${encodeURIComponent('宮本百合子')}&page=3`)
    const kLink = cheerio.load(pc.text)('footer li a').first()
    expect(kLink.text()).to.equal('携帯版')
    expect(kLink.attr('href')).to.equal(`/aoba/k/search?q=${sjis('宮本百合子')}&page=5`)
  })

  it('finds こころ typed as Shift_JIS, and opens its detail page', async () => {
    const res = await get(app.baseUrl, `/aoba/k/search?q=${sjis('こころ')}`, keitai)
    expect(res.status).to.equal(200)
    expectGoodKeitaiPage(res)
    const $ = cheerio.load(res.text)
    const first = $('a[accesskey=1]')
    expect(first.text()).to.equal('こころ')
    expect(res.text).to.include('夏目漱石')
    expect(res.text).to.match(/貸出:[○×]/)
    const detail = await get(app.baseUrl, first.attr('href')!, keitai)
    expect(detail.status).to.equal(200)
    expectGoodKeitaiPage(detail)
    expect(detail.text).to.include('<h1>こころ</h1>')
    expect(detail.text).to.include('著者:夏目漱石')
    expect(detail.text).to.match(/予約:\d+件/)
  })

  it('shows the records near a kana query that finds nothing, and offers もしかして', async () => {
    const res = await get(app.baseUrl, `/minato/k/search?q=${sjis('ぼちゃん')}`, keitai)
    expect(res.status).to.equal(200)
    expectGoodKeitaiPage(res)
    expect(res.text).to.include('「ぼちゃん」は見つかりませんでした。読みの近い資料:')
    const $ = cheerio.load(res.text)
    const suggestion = $('a')
      .toArray()
      .find((a) => $(a).text() === '坊っちゃん' && !$(a).attr('accesskey'))
    expect(suggestion && $(suggestion).attr('href')).to.equal(
      `/minato/k/search?q=${sjis('坊っちゃん')}`,
    )
    expect($('a[accesskey=1]').text()).to.equal('坊っちゃん')
    // the same order as the PC pages (an author's reading: many records)
    const typed = 'なつめそせき'
    const k = cheerio.load(
      (await get(app.baseUrl, `/minato/k/search?q=${sjis(typed)}`, keitai)).text,
    )
    const pc = cheerio.load(
      (await get(app.baseUrl, `/minato/search?q=${encodeURIComponent(typed)}`)).text,
    )
    const keitaiTitles = k('a')
      .toArray()
      .filter((a) => /^[1-8]$/.test(k(a).attr('accesskey') ?? ''))
      .map((a) => k(a).text())
    const pcTitles = pc('ol.hits .hit-title a')
      .toArray()
      .map((a) => pc(a).text())
    expect(keitaiTitles.length).to.be.greaterThan(2)
    expect(pcTitles.slice(0, keitaiTitles.length)).to.deep.equal(keitaiTitles)
  })

  it('shows 濹東綺譚 as valid Shift_JIS with 濹 replaced by 〓', async () => {
    const res = await get(app.baseUrl, `/minato/k/search?q=${sjis('ぼくとうきだん')}`, keitai)
    expectGoodKeitaiPage(res)
    expect(res.text).to.include('〓東綺譚')
    expect(res.bytes.includes(Buffer.from([0x81, 0xac]))).to.equal(true)
    // No '?' fallback anywhere outside the links' query strings.
    expect(res.text.replace(/href="[^"]*"/g, '')).not.to.include('?')
  })

  it('links the next page with the query encoded in Shift_JIS', async () => {
    const res = await get(app.baseUrl, `/aoba/k/search?q=${sjis('宮本百合子')}`, keitai)
    const next = cheerio.load(res.text)('a[accesskey="#"]').attr('href')
    expect(next).to.equal(`/aoba/k/search?q=${sjis('宮本百合子')}&page=2`)
    const page2 = await get(app.baseUrl, next!, keitai)
    expectGoodKeitaiPage(page2)
    expect(titleOf(page2.text)).to.equal('「宮本百合子」の検索結果(2ページ目)｜あおば市立図書館')
  })

  it('answers bad input with a 4xx page in Shift_JIS', async () => {
    const cases: [string, number, string][] = [
      ['/aoba/k/search?q=%82', 400, '文字コードが正しくありません'],
      ['/aoba/k/search?q=%81%20', 400, '文字コードが正しくありません'],
      ['/aoba/k/search?q=', 400, '検索語を入力してください。'],
      [`/aoba/k/search?q=${sjis('こころ')}&page=-1`, 400, 'ページの指定が正しくありません。'],
      [`/aoba/k/search?q=${'%82%A0'.repeat(2000)}`, 400, '200文字以内'],
      ['/aoba/k/records/999999999', 404, 'この資料は見つかりませんでした。'],
      ['/aoba/k/nothing-here', 404, 'お探しのページは見つかりませんでした。'],
      ['/nowhere/k/', 404, 'お探しの図書館は見つかりませんでした。'],
    ]
    for (const [path, status, message] of cases) {
      const res = await get(app.baseUrl, path, keitai)
      expect(res.status, path).to.equal(status)
      expectGoodKeitaiPage(res)
      expect(res.text, path).to.include(message)
      expect(titleOf(res.text)).to.match(/^エラー：/)
    }
    // A UTF-8 query typed into a keitai URL: the way back is this library's keitai top.
    const utf8 = await get(app.baseUrl, `/aoba/k/search?q=${encodeURIComponent('こころ')}`, keitai)
    expect(utf8.status).to.equal(400)
    expect(cheerio.load(utf8.text)('a[accesskey="0"]').attr('href')).to.equal('/aoba/k/')
  })

  it('strips docomo emoji (F9 41, F9 87) and NUL from the query', async () => {
    const res = await get(app.baseUrl, `/aoba/k/search?q=%F9%41${sjis('こころ')}%F9%87%00`, keitai)
    expect(res.status).to.equal(200)
    expect(cheerio.load(res.text)('a[accesskey=1]').text()).to.equal('こころ')
  })

  describe('stays within 5,120 bytes on the worst-case pages', () => {
    const sizes: Record<string, number> = {}
    after(() => {
      process.stdout.write(`      keitai page bytes: ${JSON.stringify(sizes)}\n`)
    })
    const measure = async (name: string, path: string) => {
      const res = await get(app.baseUrl, path, keitai)
      expect(res.status, path).to.be.oneOf([200, 400, 404])
      expectGoodKeitaiPage(res)
      sizes[name] = Math.max(sizes[name] ?? 0, res.bytes.length)
      return res
    }

    it('top, library list, coming-soon and error pages', async () => {
      await measure('libraries', '/k/')
      for (const slug of ['aoba', 'minato']) {
        await measure('top', `/${slug}/k/`)
        for (const p of [
          'advanced',
          'browse',
          'new',
          'login',
          'password/forgot',
          'password/register',
          'password/change',
        ])
          await measure('coming-soon', `/${slug}/k/${p}`)
        await measure('404', `/${slug}/k/records/4294967295`)
      }
    })

    it('result pages of the records with the longest titles and authors', async () => {
      const longest = await sql<{
        slug: string
        title: string
      }>`SELECT l.slug, r.title FROM record r
        JOIN library l ON l.id = r.library_id
        ORDER BY CHAR_LENGTH(r.title) + CHAR_LENGTH(r.author) DESC LIMIT 6`.execute(t.db)
      for (const r of longest.rows) {
        await measure(
          'search (long titles)',
          `/${r.slug}/k/search?q=${sjis(Array.from(r.title).slice(0, 20).join(''))}`,
        )
      }
      for (const word of ['の', 'a', '1', '子', 'ー'])
        await measure('search (frequent)', `/aoba/k/search?q=${sjis(word)}`)
    })

    it('detail pages of the records with the most copies and the longest descriptions', async () => {
      const rows = await sql<{
        slug: string
        id: number
      }>`(SELECT l.slug, c.record_id AS id FROM copy c
          JOIN library l ON l.id = c.library_id GROUP BY l.slug, c.record_id ORDER BY COUNT(*) DESC LIMIT 6)
        UNION ALL
        (SELECT l.slug, r.id FROM record r JOIN library l ON l.id = r.library_id
          ORDER BY CHAR_LENGTH(r.title) + CHAR_LENGTH(r.subtitle) + CHAR_LENGTH(r.author)
            + CHAR_LENGTH(r.publisher) + CHAR_LENGTH(r.series_title) DESC LIMIT 6)`.execute(t.db)
      for (const r of rows.rows) {
        const res = await measure('record', `/${r.slug}/k/records/${r.id}`)
        const next = cheerio.load(res.text)('a[accesskey="#"]').attr('href')
        if (next) await measure('record (copies page 2)', next)
      }
    })
  })
})
