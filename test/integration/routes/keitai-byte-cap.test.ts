// The keitai byte cap holds for every accepted input (issue 9, item 10): for the longest input
// each keitai search field accepts, in the widest characters (a double-byte kanji becomes 6
// bytes percent-encoded; `"` becomes &quot; in HTML; 〓 for what Shift_JIS lacks), every page
// of the flow — results, next page, 絞り込み・並べ替え and each of its links, the detailed-search
// form, a refused search — is at most 5,120 bytes.
import { expect } from 'chai'
import * as cheerio from 'cheerio'
import {
  MAX_CALL_NUMBER_LENGTH,
  MAX_QUERY_LENGTH,
} from '../../../server/services/catalogue-service.ts'
import { encodeQueryValue } from '../../../server/render/form-decoding.ts'
import { expectGoodKeitaiPage } from '../../helpers/html-assertions.ts'
import { sharedDemoDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { KEITAI_UA, get, startTestServer } from '../../helpers/test-server.ts'
import type { Fetched, TestServer } from '../../helpers/test-server.ts'

const BUDGET = 5120

/** A query of exactly `length` characters that still finds こころ (punctuation is ignored). */
function longQuery(filler: string, length: number): string {
  return 'こころ' + filler.repeat(length - 3)
}

describe('keitai byte cap for any accepted input', function () {
  this.timeout(240_000)
  let t: TestDatabase
  let app: TestServer
  before(async function () {
    t = await sharedDemoDatabase(this)
    app = await startTestServer(t.db)
  })
  after(() => app.close())

  const k = (path: string) => get(app.baseUrl, path, { 'User-Agent': KEITAI_UA })
  const sjis = (v: string) => encodeQueryValue(v, 'shift_jis')
  const sizes: number[] = []

  function check(page: Fetched, what: string) {
    expect(page.status, what).to.be.oneOf([200, 400, 404])
    expect(page.bytes.length, `${what}: ${page.bytes.length} bytes`).to.be.at.most(BUDGET)
    expectGoodKeitaiPage(page)
    sizes.push(page.bytes.length)
  }

  const links = (page: Fetched) =>
    cheerio
      .load(page.text)('a')
      .toArray()
      .map((a) => cheerio.load(a)('a').attr('href') ?? '')
      .filter((href) => /\/k\/search\?/.test(href))

  for (const [name, filler] of [
    ['quotes (&quot;)', '"'],
    ['ampersands', '&'],
    ['double-byte kanji', '　'],
    ['characters Shift_JIS lacks', '😀'],
  ] as const) {
    it(`simple search of ${MAX_QUERY_LENGTH} characters of ${name}: results, paging, refine`, async () => {
      const q = longQuery(filler, MAX_QUERY_LENGTH)
      const first = await k(`/aoba/k/search?q=${sjis(q)}`)
      check(first, 'results')
      expect(first.text).to.match(/\d+件/)
      const pageLinks = links(first)
      expect(pageLinks.length).to.be.greaterThan(0)
      for (const href of pageLinks) {
        const page = await k(href)
        check(page, href)
        if (href.includes('refine=1')) {
          // Every link of the refine page, once.
          for (const sub of links(page).slice(0, 40)) check(await k(sub), sub)
        }
      }
    })
  }

  it('detailed search with every text field at its longest, in the widest characters', async () => {
    const wide = '漢'.repeat(MAX_QUERY_LENGTH)
    const quotes = longQuery('"', MAX_QUERY_LENGTH)
    const fields = {
      q: quotes,
      title: quotes,
      mode: 'prefix',
      author: wide,
      publisher: wide,
      subject: wide,
      call: '"'.repeat(MAX_CALL_NUMBER_LENGTH),
      isbn: '9'.repeat(20),
      from: '1900',
      to: '2026',
      ndc: '"'.repeat(10),
    }
    const query = Object.entries(fields)
      .map(([n, v]) => `${n}=${sjis(v)}`)
      .join('&')
    check(await k(`/aoba/k/advanced?${query}`), 'advanced form')
    const searched = await k(`/aoba/k/search?${query}`)
    check(searched, 'detailed search')
    for (const href of links(searched)) check(await k(href), href)
    // Over the limit: refused with the form shown again.
    const tooLong = await k(`/aoba/k/search?q=${sjis('漢'.repeat(MAX_QUERY_LENGTH + 1))}`)
    check(tooLong, 'refused search')
  })

  it('an unknown search key is a page, not an error', async () => {
    const res = await k('/aoba/k/search?k=AAAAAAAAAAAAAAAA&page=2')
    expect(res.status).to.equal(400)
    expectGoodKeitaiPage(res)
    expect(res.text).to.include('もう一度検索してください')
  })

  after(() => {
    if (sizes.length) {
      process.stdout.write(
        `      keitai byte cap: ${sizes.length} pages, largest ${Math.max(...sizes)} bytes\n`,
      )
    }
  })
})
