// Real clients through the account journeys: lynx logs in and renews on the PC pages (its
// cookie jar, its odd SameSite echo), and w3m does the same on the keitai pages with cookies
// off, posting Shift_JIS. Async execFile: the server runs in this process.
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'chai'
import * as cheerio from 'cheerio'
import { encodeQueryValue } from '../../server/render/form-decoding.ts'
import { requireTools } from '../helpers/tools.ts'
import { createTestDatabase } from '../helpers/test-database.ts'
import { KEITAI_UA, startTestServer } from '../helpers/test-server.ts'
import type { TestServer } from '../helpers/test-server.ts'

const run = promisify(execFile)

/**
 * lynx with one cookie file for the whole journey (persistent cookies on, as a patron's
 * browser keeps them between pages); stdin carries -post_data bodies.
 */
function lynx(args: string[], cookies: string, stdin?: string): Promise<string> {
  const cfg = `${cookies}.cfg`
  writeFileSync(cfg, 'INCLUDE:/etc/lynx/lynx.cfg\nPERSISTENT_COOKIES:TRUE\n')
  return new Promise((resolve, reject) => {
    const child = spawn(
      'lynx',
      [
        `-cfg=${cfg}`,
        '-accept_all_cookies',
        `-cookie_file=${cookies}`,
        `-cookie_save_file=${cookies}`,
        '-display_charset=UTF-8',
        '-width=100',
        '-nolist',
        ...args,
      ],
      { env: { ...process.env, TERM: 'dumb' } },
    )
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`lynx exit ${code}`))))
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.on('exit', () => clearTimeout(timer))
    child.stdin.end(stdin ?? '')
  })
}

const csrfOf = (html: string) => cheerio.load(html)('input[name=_csrf]').attr('value') ?? ''

describe('account journeys in real clients', function () {
  this.timeout(90_000)
  let app: TestServer
  let dir: string

  before(async function () {
    requireTools(this, ['lynx', 'w3m'])
    const t = await createTestDatabase({ demo: true, prefix: 'e2e' })
    app = await startTestServer(t.db)
    dir = mkdtempSync(join(tmpdir(), 'opac-e2e-'))
  })
  after(() => app?.close())

  it('lynx: logs in, lists loans, renews one, and the new due date shows', async () => {
    const cookies = join(dir, 'lynx-cookies')
    writeFileSync(cookies, '')
    const login = await lynx(['-source', `${app.baseUrl}/aoba/login`], cookies)
    const body = `_csrf=${csrfOf(login)}&next=&card=1101900003&password=kasi5678\n---\n`
    const portal = await lynx(['-dump', '-post_data', `${app.baseUrl}/aoba/login`], cookies, body)
    expect(portal).to.include('延滞 次郎 様')
    expect(portal).to.include('貸出中一覧')
    expect(readFileSync(cookies, 'utf8')).to.include('opac_sid')

    const loans = await lynx(['-dump', `${app.baseUrl}/aoba/account/loans`], cookies)
    expect(loans).to.include('返却期限を過ぎています')
    expect(loans).to.include('返却期限を過ぎているため延長できません。')

    const source = await lynx(['-source', `${app.baseUrl}/aoba/account/loans`], cookies)
    const renew = cheerio.load(source)('a[href$="/renew"]').attr('href')!
    const confirm = await lynx(['-source', `${app.baseUrl}${renew}`], cookies)
    expect(confirm).to.include('延長する')
    const done = await lynx(
      ['-dump', '-post_data', `${app.baseUrl}${renew}`],
      cookies,
      `_csrf=${csrfOf(confirm)}\n---\n`,
    )
    expect(done).to.match(/返却予定日を2026年12月8日\(火\)に延長しました。/)
  })

  it('w3m with cookies off: logs in on the keitai pages and renews', async () => {
    // -dump renders; -dump_source gives the Shift_JIS bytes of the page w3m ended on.
    const w3m = async (mode: '-dump' | '-dump_source', url: string, post?: string) => {
      const args = [mode, '-no-cookie', '-O', 'UTF-8', '-o', `user_agent=${KEITAI_UA}`]
      if (post !== undefined) {
        const file = join(dir, 'post-body')
        writeFileSync(file, post)
        args.push('-post', file)
      }
      const { stdout } = await run('w3m', [...args, url], { encoding: 'buffer', timeout: 20_000 })
      return mode === '-dump'
        ? stdout.toString('utf8')
        : new TextDecoder('shift_jis').decode(stdout)
    }
    const sjis = (s: string) => encodeQueryValue(s, 'shift_jis')
    const loginPage = await w3m('-dump_source', `${app.baseUrl}/minato/k/login`)
    const action = cheerio.load(loginPage)('form').attr('action')!
    expect(action).to.match(/^\/minato\/k\/s\/[^/]+\/login$/)
    const card = sjis('２２０１９００００６')
    const portal = await w3m(
      '-dump_source',
      `${app.baseUrl}${action}`,
      `_csrf=${csrfOf(loginPage)}&next=&card=${card}&password=late1234`,
    )
    expect(portal).to.include('延滞 花子様')
    const loansUrl = cheerio.load(portal)('a[accesskey=1]').attr('href')!
    const loans = await w3m('-dump', `${app.baseUrl}${loansUrl}`)
    expect(loans).to.include('期限切れ')
    expect(loans).to.include('返却期限を過ぎているため延長できません。')
    const loansSource = await w3m('-dump_source', `${app.baseUrl}${loansUrl}`)
    const renewUrl = cheerio.load(loansSource)('a[href$="/renew"]').attr('href')!
    const confirm = await w3m('-dump_source', `${app.baseUrl}${renewUrl}`)
    const done = await w3m('-dump', `${app.baseUrl}${renewUrl}`, `_csrf=${csrfOf(confirm)}`)
    expect(done).to.match(/返却12\/8\(火\)に延長/)
  })

  it('lynx: puts a title in the cart, logs in, places the hold, sees it, and cancels it', async () => {
    const cookies = join(dir, 'lynx-holds')
    writeFileSync(cookies, '')
    const post = (path: string, body: string) =>
      lynx(['-source', '-post_data', `${app.baseUrl}${path}`], cookies, `${body}\n---\n`)
    const search = await lynx(
      ['-source', `${app.baseUrl}/aoba/search?q=%E5%9D%8A%E3%81%A3%E3%81%A1%E3%82%83%E3%82%93`],
      cookies,
    )
    const cartAdd = cheerio.load(search)('a[href*="/cart/add?record="]').first().attr('href')!
    const addPage = await lynx(['-source', `${app.baseUrl}${cartAdd}`], cookies)
    const record = cheerio.load(addPage)('input[name=record]').attr('value')!
    const cart = await post('/aoba/cart/add', `_csrf=${csrfOf(addPage)}&record=${record}`)
    expect(cart).to.include('予約カートに入れただけでは予約は完了しません。')
    const login = await lynx(
      ['-source', `${app.baseUrl}/aoba/login?next=/holds/new?cart=1`],
      cookies,
    )
    const next = encodeURIComponent('/holds/new?cart=1')
    const form = await post(
      '/aoba/login',
      `_csrf=${csrfOf(login)}&next=${next}&card=1101900007&password=yoyk7777`,
    )
    const $ = cheerio.load(form)
    expect($('h1').text()).to.equal('予約する')
    const pickup = $('#pickup-0 option').first().attr('value')!
    const items = $('input[name=items]').attr('value')!
    const confirm = await post(
      '/aoba/holds/new',
      `_csrf=${csrfOf(form)}&items=${items}&from=cart&pickup-0=${pickup}&contact-0=none`,
    )
    expect(cheerio.load(confirm)('h1').text()).to.equal('予約内容の確認')
    const key = cheerio.load(confirm)('input[name=key]').attr('value')!
    const done = await lynx(
      ['-dump', '-post_data', `${app.baseUrl}/aoba/holds/confirm`],
      cookies,
      `_csrf=${csrfOf(confirm)}&key=${key}\n---\n`,
    )
    expect(done).to.include('予約完了')
    expect(done).to.include('1件の予約を受け付けました')
    const list = await lynx(['-source', `${app.baseUrl}/aoba/account/holds`], cookies)
    const cancelHref = cheerio.load(list)(`a[href$="/cancel"]`).last().attr('href')!
    const cancelPage = await lynx(['-source', `${app.baseUrl}${cancelHref}`], cookies)
    const cancelled = await lynx(
      ['-dump', '-post_data', `${app.baseUrl}${cancelHref}`],
      cookies,
      `_csrf=${csrfOf(cancelPage)}\n---\n`,
    )
    expect(cancelled).to.include('予約の取消が完了しました。')
  })

  it('w3m with cookies off: 予約申込 on the keitai pages, then cancels it', async () => {
    const w3m = async (mode: '-dump' | '-dump_source', url: string, post?: string) => {
      const args = [mode, '-no-cookie', '-O', 'UTF-8', '-o', `user_agent=${KEITAI_UA}`]
      if (post !== undefined) {
        const file = join(dir, 'post-hold')
        writeFileSync(file, post)
        args.push('-post', file)
      }
      const { stdout } = await run('w3m', [...args, url], { encoding: 'buffer', timeout: 20_000 })
      return mode === '-dump'
        ? stdout.toString('utf8')
        : new TextDecoder('shift_jis').decode(stdout)
    }
    const loginPage = await w3m('-dump_source', `${app.baseUrl}/minato/k/login`)
    const action = cheerio.load(loginPage)('form').attr('action')!
    const portal = await w3m(
      '-dump_source',
      `${app.baseUrl}${action}`,
      `_csrf=${csrfOf(loginPage)}&next=&card=2201900001&password=minato123`,
    )
    const session = /\/minato\/k\/s\/([^/]+)\//.exec(
      cheerio.load(portal)('a').first().attr('href')!,
    )![1]!
    const results = await w3m(
      '-dump_source',
      `${app.baseUrl}/minato/k/s/${session}/search?q=%82%B1%82%B1%82%EB`,
    )
    const recordHref = cheerio.load(results)('a[href*="/records/"]').first().attr('href')!
    const detail = await w3m('-dump_source', `${app.baseUrl}${recordHref}`)
    const apply = cheerio
      .load(detail)('a')
      .filter((_, a) => cheerio.load(a).text() === '予約申込')
      .attr('href')!
    const form = await w3m('-dump_source', `${app.baseUrl}${apply}`)
    const $ = cheerio.load(form)
    const pickup = $('#pickup option').first().attr('value')!
    const items = $('input[name=items]').attr('value')!
    const formAction = $('form').first().attr('action')!
    const confirm = await w3m(
      '-dump_source',
      `${app.baseUrl}${formAction}`,
      `_csrf=${csrfOf(form)}&items=${items}&from=record&pickup=${pickup}&contact=none`,
    )
    const key = cheerio.load(confirm)('input[name=key]').attr('value')!
    const confirmAction = cheerio.load(confirm)('form').first().attr('action')!
    const done = await w3m(
      '-dump',
      `${app.baseUrl}${confirmAction}`,
      `_csrf=${csrfOf(confirm)}&key=${key}`,
    )
    expect(done).to.include('予約受付')
    expect(done).to.include('依頼中')
    const doneSource = await w3m(
      '-dump_source',
      `${app.baseUrl}${confirmAction.replace('/holds/confirm', '/account/holds')}`,
    )
    const cancelHref = cheerio.load(doneSource)('a[href$="/cancel"]').last().attr('href')!
    const cancelPage = await w3m('-dump_source', `${app.baseUrl}${cancelHref}`)
    const cancelled = await w3m(
      '-dump',
      `${app.baseUrl}${cancelHref}`,
      `_csrf=${csrfOf(cancelPage)}`,
    )
    expect(cancelled).to.include('予約の取消が完了しました。')
  })
})
