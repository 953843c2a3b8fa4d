// Real clients: w3m and lynx render the search and detail pages of both channels. The
// keitai pages are read as Shift_JIS by the browsers themselves (from the header).
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { expect } from 'chai'
import { sql } from 'kysely'
import { encodeQueryValue } from '../../server/render/form-decoding.ts'
import { requireTools } from '../helpers/tools.ts'
import { sharedDemoDatabase } from '../helpers/test-database.ts'
import type { TestDatabase } from '../helpers/test-database.ts'
import { KEITAI_UA, startTestServer } from '../helpers/test-server.ts'
import type { TestServer } from '../helpers/test-server.ts'

// Async: the test server runs in this very process and must keep answering.
const run = promisify(execFile)

async function w3m(url: string, userAgent?: string): Promise<string> {
  const args = ['-dump', '-O', 'UTF-8', '-cols', '80', '-o', 'display_link_number=1']
  if (userAgent) args.push('-o', `user_agent=${userAgent}`)
  return (await run('w3m', [...args, url], { encoding: 'utf8', timeout: 20_000 })).stdout
}

async function lynx(url: string, userAgent?: string): Promise<string> {
  // -nolist: the reference list shows link URLs un-escaped, and a keitai link's Shift_JIS
  // query then prints as bytes that are not UTF-8; the page text is what is checked here.
  const args = ['-dump', '-nolist', '-display_charset=UTF-8', '-width=80', '-accept_all_cookies']
  if (userAgent) args.push(`-useragent=${userAgent}`)
  const env = { ...process.env, LYNX_CFG: '/etc/lynx/lynx.cfg', TERM: 'dumb' }
  return (await run('lynx', [...args, url], { encoding: 'utf8', timeout: 20_000, env })).stdout
}

const browsers = [
  { name: 'w3m', run: w3m },
  { name: 'lynx', run: lynx },
]

describe('text browsers (w3m, lynx)', () => {
  let t: TestDatabase
  let app: TestServer
  let kokoroId: number
  before(async function () {
    requireTools(
      this,
      browsers.map((b) => b.name),
    )
    t = await sharedDemoDatabase(this)
    app = await startTestServer(t.db)
    const row = await sql<{
      id: number
    }>`SELECT r.id FROM record r JOIN library l ON l.id = r.library_id
      WHERE l.slug = 'minato' AND r.title = 'こころ' AND r.material_type = 'book' LIMIT 1`.execute(
      t.db,
    )
    kokoroId = row.rows[0]!.id
  })
  after(() => app?.close())

  for (const browser of browsers) {
    describe(browser.name, () => {
      it('renders the PC search results with titles, authors and availability', async () => {
        const out = await browser.run(
          `${app.baseUrl}/minato/search?q=${encodeURIComponent('こころ')}`,
        )
        expect(out).to.include('本文へ移動')
        expect(out).to.match(/「こころ」の検索結果/)
        expect(out).to.include('夏目漱石')
        expect(out).to.match(/貸出[可中]/)
        expect(out).not.to.include('\ufffd')
      })

      it('renders the PC detail page with the holdings table', async () => {
        const out = await browser.run(`${app.baseUrl}/minato/records/${kokoroId}`)
        expect(out).to.include('こころ')
        expect(out).to.include('所蔵館')
        expect(out).to.match(/本館|東部分館|西部分館|北部分館|南部分館|東初富分館/)
        expect(out).to.match(/貸出可|貸出中|館内のみ/)
        expect(out).to.match(/予約件数/)
      })

      it('renders the keitai pages from Shift_JIS, with a keitai User-Agent', async () => {
        const search = await browser.run(
          `${app.baseUrl}/minato/k/search?q=${encodeQueryValue('こころ', 'shift_jis')}`,
          KEITAI_UA,
        )
        expect(search).to.include('[1]')
        expect(search).to.include('こころ')
        expect(search).to.include('夏目漱石')
        const detail = await browser.run(`${app.baseUrl}/minato/records/${kokoroId}`, KEITAI_UA)
        expect(detail).to.include('著者:夏目漱石')
        expect(detail).to.match(/所蔵\d+点/)
        expect(detail).not.to.include('\ufffd')
      })

      it('shows 濹東綺譚 on keitai pages with 〓 in place of 濹', async () => {
        const out = await browser.run(
          `${app.baseUrl}/minato/k/search?q=${encodeQueryValue('ぼくとうきだん', 'shift_jis')}`,
        )
        expect(out).to.include('〓東綺譚')
      })
    })
  }
})
