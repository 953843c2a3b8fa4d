// Real clients: w3m and lynx render the search and detail pages of both channels (the keitai
// pages are read as Shift_JIS by the browsers themselves, from the header), then complete every
// patron journey — search → detail → hold → holds list → cancel; loans → renew; e-mail change
// with the mail from a loopback SMTP server and its link opened; password change — on the PC
// pages with cookies and on the keitai pages with a keitai User-Agent and cookies off (the
// session in the URL), every keitai page they pass within 5,120 bytes and clean CP932.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { expect } from 'chai'
import { sql } from 'kysely'
import { encodeQueryValue } from '../../server/render/form-decoding.ts'
import { requireTools } from '../helpers/tools.ts'
import iconv from 'iconv-lite'
import { createTestDatabase, sharedDemoDatabase } from '../helpers/test-database.ts'
import { startSmtpSink } from '../helpers/smtp-sink.ts'
import type { SmtpSink } from '../helpers/smtp-sink.ts'
import { TextBrowser, linkTo } from '../helpers/text-browser.ts'
import type { BrowserName, BrowserPage } from '../helpers/text-browser.ts'
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

const KEITAI_PAGE_BYTES = 5120

const channels = [
  { name: 'PC, cookies', mount: '/minato', keitai: false },
  { name: 'keitai, cookies off', mount: '/minato/k', keitai: true },
] as const

describe('patron journeys in w3m and lynx (PC with cookies, keitai with cookies off)', function () {
  this.timeout(120_000)
  let t: TestDatabase
  let app: TestServer
  let smtp: SmtpSink
  // Password changes move on from one journey to the next.
  const passwords = new Map<string, string>([
    ['2201900001', 'minato123'],
    ['2201900006', 'late1234'],
    ['2201900009', 'yoyk9999'],
  ])

  before(async function () {
    requireTools(this, ['w3m', 'lynx'])
    this.timeout(300_000)
    t = await createTestDatabase({ demo: true, prefix: 'journey' })
    smtp = await startSmtpSink()
    app = await startTestServer(t.db, { env: { SMTP_URL: smtp.url } })
  })
  let largest = 0
  after(async () => {
    await app?.close()
    await smtp?.close()
    if (largest) process.stdout.write(`      largest keitai page passed: ${largest} bytes\n`)
  })

  const patronOf = (card: string) =>
    t.db
      .selectFrom('patron')
      .select(['id', 'email'])
      .where('card_number', '=', card)
      .executeTakeFirstOrThrow()

  /** Every keitai page within the byte budget, and clean CP932 (no replacement character). */
  function expectKeitaiPages(pages: BrowserPage[]): void {
    expect(pages.length).to.be.at.least(3)
    for (const page of pages) {
      largest = Math.max(largest, page.bytes.length)
      const title = /<title>([^<]*)<\/title>/.exec(page.html)?.[1] ?? page.text.slice(0, 40)
      expect(page.bytes.length, `${title}: bytes`).to.be.at.most(KEITAI_PAGE_BYTES)
      expect(iconv.decode(page.bytes, 'cp932'), `${title}: CP932`).not.to.include('\ufffd')
      expect(page.html, title).to.match(/charset=Shift_JIS/i)
    }
  }

  /** Logs in and returns the portal and the mount its links use (the keitai session's path). */
  async function login(b: TextBrowser, mount: string, card: string) {
    const form = await b.open(`${mount}/login`)
    const portal = await b.submit(form, { card, password: passwords.get(card) ?? '' })
    expect(portal.text).to.include('様')
    const base = b.options.cookies ? mount : /(\/minato\/k\/s\/[^/"]+)\//.exec(portal.html)?.[1]
    if (!base) throw new Error(`no keitai session in the portal's links:\n${portal.text}`)
    return base
  }

  for (const browserName of ['w3m', 'lynx'] as BrowserName[]) {
    for (const channel of channels) {
      describe(`${browserName}, ${channel.name}`, () => {
        let b: TextBrowser
        beforeEach(() => {
          b = new TextBrowser(browserName, app.baseUrl, {
            cookies: !channel.keitai,
            charset: channel.keitai ? 'shift_jis' : 'utf-8',
            ...(channel.keitai ? { userAgent: KEITAI_UA } : {}),
          })
        })
        afterEach(() => b.close())
        /** A journey, then the budget and charset of every keitai page it passed. */
        const journey = (title: string, steps: () => Promise<void>) =>
          it(title, async () => {
            await steps()
            if (channel.keitai) expectKeitaiPages(b.pages)
          })
        const q = (words: string) => encodeQueryValue(words, channel.keitai ? 'shift_jis' : 'utf-8')

        journey('search → detail → hold → holds list → cancel', async () => {
          const card = '2201900001'
          const { id } = await patronOf(card)
          const base = await login(b, channel.mount, card)
          const results = await b.open(`${base}/search?q=${q('こころ')}`)
          expect(results.text).to.include('夏目漱石')
          const detail = await b.open(linkTo(results, { href: /\/records\/\d+$/ }))
          expect(detail.text).to.include('こころ')
          const form = await b.open(linkTo(detail, { text: /予約申込/ }))
          const confirm = await b.submit(form)
          expect(confirm.text).to.match(/予約内容の確認|確認/)
          const done = await b.submit(confirm)
          expect(done.text).to.match(/予約(を)?(完了|受付|受け付け)/)
          const held = await t.db
            .selectFrom('hold')
            .select(['id', 'status'])
            .where('patron_id', '=', id)
            .where('status', '=', 'requested')
            .execute()
          expect(held).to.have.length(1)
          const holds = await b.open(`${base}/account/holds`)
          expect(holds.text).to.include('こころ')
          expect(holds.text).to.include('依頼中')
          const cancel = await b.open(
            linkTo(holds, { href: new RegExp(`/holds/${held[0]!.id}/cancel$`) }),
          )
          const cancelled = await b.submit(cancel)
          expect(cancelled.text).to.include('予約の取消が完了しました。')
          const after = await t.db
            .selectFrom('hold')
            .select('status')
            .where('id', '=', held[0]!.id)
            .executeTakeFirstOrThrow()
          expect(after.status).to.equal('cancelled')
        })

        journey('loans → renew', async () => {
          const card = browserName === 'lynx' && channel.keitai ? '2201900006' : '2201900001'
          const base = await login(b, channel.mount, card)
          const loans = await b.open(`${base}/account/loans`)
          const renew = linkTo(loans, { href: /\/loans\/\d+\/renew$/ })
          const loanId = Number(/\/loans\/(\d+)\/renew$/.exec(renew)![1])
          const due = async () =>
            (
              await t.db
                .selectFrom('loan')
                .select('due_on')
                .where('id', '=', loanId)
                .executeTakeFirstOrThrow()
            ).due_on
          const before = await due()
          const confirm = await b.open(renew)
          const done = await b.submit(confirm)
          expect(done.text).to.match(/延長/)
          expect(await due()).not.to.equal(before)
        })

        journey(
          'e-mail change: the mail from the SMTP server, its link opened and confirmed',
          async () => {
            const card = '2201900001'
            const address = `${browserName}.${channel.keitai ? 'k' : 'pc'}@example.jp`
            const base = await login(b, channel.mount, card)
            let page = await b.open(`${base}/account/email`)
            page = await b.submit(
              page,
              { address, ...(channel.keitai ? { confirmation: address } : {}) },
              'form:has(input[name=address]:not([type=hidden]))',
            )
            // Rules B ask to confirm the address before the mail is sent.
            if (/name="confirmed"/.test(page.html)) page = await b.submit(page)
            expect(page.text).to.match(/まだ(手続きは)?完了していません/)
            const before = smtp.received.length
            await app.deps.services.outbox.sendDue()
            await smtp.waitFor(before + 1)
            const mail = smtp.received
              .slice(before)
              .find((m) => JSON.stringify(m.to).includes(address))
            const link = /https?:\/\/\S+\/email\/confirm\/\S+/.exec(mail?.text ?? '')?.[0]
            if (!link) throw new Error(`no confirmation link in the mail to ${address}`)
            const opened = await b.open(link)
            const confirmed = await b.submit(opened)
            expect(confirmed.text).to.include(address)
            expect((await patronOf(card)).email).to.equal(address)
          },
        )

        journey('password change, then a login with the new password', async () => {
          const card = '2201900009'
          const next = `Pw${browserName}${channel.keitai ? 'K' : 'P'}7q`
          let page = await b.open(`${channel.mount}/password/change`)
          page = await b.submit(page, {
            card,
            current: passwords.get(card) ?? '',
            password: next,
            confirmation: next,
          })
          if (/password\/change\/confirm/.test(page.html)) page = await b.submit(page)
          expect(page.text).to.match(/パスワードを変更しました|変更しました/)
          passwords.set(card, next)
          await login(b, channel.mount, card)
        })
      })
    }
  }
})
