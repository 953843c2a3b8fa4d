// Pages that differ say so in their <title> (issue 9, item 12): re-sorted and filtered result
// lists, the renewal confirmation of each loan, the rename and delete pages of each shelf; and a
// long unbroken query wraps at 320 px instead of overflowing (the stylesheet's overflow-wrap).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'chai'
import * as cheerio from 'cheerio'
import { VIEWS_DIR } from '../../../server/render/views.ts'
import { FormClient } from '../../helpers/form-client.ts'
import { titleOf } from '../../helpers/html-assertions.ts'
import { sharedDemoDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { get, startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'

describe('distinct page titles', function () {
  this.timeout(180_000)
  let t: TestDatabase
  let app: TestServer
  before(async function () {
    t = await sharedDemoDatabase(this)
    app = await startTestServer(t.db)
  })
  after(() => app.close())

  it('re-sorted and filtered result lists have titles of their own', async () => {
    const q = `q=${encodeURIComponent('こころ')}`
    const titles = []
    for (const extra of ['', '&sort=year_desc', '&sort=title', '&type=book', '&avail=1']) {
      const res = await get(app.baseUrl, `/aoba/search?${q}${extra}`)
      expect(res.status).to.equal(200)
      titles.push(titleOf(res.text))
    }
    expect(new Set(titles).size, titles.join('\n')).to.equal(titles.length)
    expect(titles[1]).to.include('出版年の新しい順')
  })

  it('renewal confirmations and shelf rename/delete pages name their loan and shelf', async () => {
    const c = new FormClient(app.baseUrl)
    const login = await c.submit(await c.get('/aoba/login'), {
      card: '1101900001',
      password: 'aoba1234',
    })
    expect(login.status).to.equal(303)
    const loans = await c.get('/aoba/account/loans')
    const renewLinks = cheerio
      .load(loans.text)('a[href*="/renew"]')
      .toArray()
      .map((a) => cheerio.load(a)('a').attr('href') ?? '')
      .filter((h) => /\/loans\/\d+\/renew$/.test(h))
    expect(renewLinks.length).to.be.at.least(2)
    const renewTitles = await Promise.all(
      renewLinks.slice(0, 2).map(async (h) => titleOf((await c.get(h)).text)),
    )
    expect(renewTitles[0]).not.to.equal(renewTitles[1])

    const patron = await t.db
      .selectFrom('patron')
      .select(['id', 'library_id'])
      .where('card_number', '=', '1101900001')
      .executeTakeFirstOrThrow()
    const ids: number[] = []
    for (const name of ['料理の本', '旅行の本']) {
      const r = await t.db
        .insertInto('shelf')
        .values({ library_id: patron.library_id, patron_id: patron.id, name })
        .executeTakeFirstOrThrow()
      ids.push(Number(r.insertId))
    }
    try {
      for (const action of ['rename', 'delete']) {
        const pages = await Promise.all(
          ids.map((id) => c.get(`/aoba/account/shelves/${id}/${action}`)),
        )
        for (const p of pages) expect(p.status).to.equal(200)
        expect(titleOf(pages[0]!.text)).to.include('料理の本')
        expect(titleOf(pages[1]!.text)).to.include('旅行の本')
      }
    } finally {
      await t.db.deleteFrom('shelf').where('id', 'in', ids).execute()
    }
  })

  it('lets headings and paragraphs wrap anywhere rather than overflow a narrow screen', () => {
    const css = readFileSync(join(VIEWS_DIR, 'static', 'opac.css'), 'utf8').replace(
      /\/\*[\s\S]*?\*\//g,
      '',
    )
    const rules = [...css.matchAll(/([^{}]+)\{[^}]*overflow-wrap:\s*anywhere[^}]*\}/g)]
    expect(rules, 'an overflow-wrap: anywhere rule').to.not.deep.equal([])
    const selectors = rules.flatMap((rule) => rule[1]!.split(',').map((s) => s.trim()))
    expect(selectors).to.include.members(['h1', 'p', 'li'])
  })
})
