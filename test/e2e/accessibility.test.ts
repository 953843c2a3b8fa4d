// Accessibility and standards of every PC page template (`npm run test:a11y`, also in
// `npm test`): each page is reached in headless Chromium (Debian's, driven by playwright-core;
// no browser is ever downloaded) the way a patron reaches it — the demo catalogue, a patron with
// loans and one with holds, forms sent empty or wrong for their error states — then checked by
// axe-core for WCAG 2.0/2.1/2.2 A and AA at a PC width and at a smartphone width (the same HTML
// under the narrow-screen CSS), and every page's HTML as served by the Nu HTML checker (vnu.jar
// on the machine's Java), all pages in one Java process. Zero violations, zero errors.
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'chai'
import type { Browser, BrowserContext, Page, Response } from 'playwright-core'
import { tokyoDay } from '../../server/clock.ts'
import { VIEWS_DIR } from '../../server/render/views.ts'
import type { AccessibilityResults } from '../../server/routes/library-info-routes.ts'
import { CHROMIUM, launchChromium, loginInBrowser } from '../helpers/browser.ts'
import { requireTools } from '../helpers/tools.ts'
import { createTestDatabase } from '../helpers/test-database.ts'
import { startTestServer } from '../helpers/test-server.ts'
import type { TestServer } from '../helpers/test-server.ts'

const run = promisify(execFile)
const require = createRequire(import.meta.url)
const AXE_SOURCE = require.resolve('axe-core/axe.min.js')
const VNU_JAR = join(require.resolve('vnu-jar/package.json'), '..', 'build', 'dist', 'vnu.jar')
/** The e-mail page's form for a new address (the page also has テストメール). */
const ADDRESS_FORM = 'main form:has(#address)'
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']
const VIEWPORTS = [
  { name: 'PC', width: 1280, height: 900 },
  { name: 'smartphone', width: 375, height: 740 },
]

interface Checked {
  name: string
  path: string
  html: string
  /** axe violations per viewport, as "rule: target" lines. */
  violations: string[]
  /** Nu HTML checker errors (known once the second test has run). */
  nuErrors?: number
}

interface AxeResult {
  violations: { id: string; help: string; nodes: { target: string[] }[] }[]
}

/** The pages' names as the アクセシビリティ方針 page lists them. */
const JAPANESE_NAMES: Record<string, string> = {
  'library list': '図書館の一覧',
  'accessibility policy (アクセシビリティ方針)': 'アクセシビリティ方針',
  'logged out (ログアウトしました)': 'ログアウト後',
  top: 'トップ',
  results: '検索結果',
  'results, re-sorted and filtered': '検索結果（並べ替え・絞り込み）',
  'results without hits': '検索結果（0件）',
  detail: '資料の詳細',
  'detailed search (詳細検索)': '詳細検索',
  'browse (分類から探す)': '分類から探す',
  'browse a class': '分類から探す（分類を選んだところ）',
  'new arrivals (新着)': '新着資料',
  'new arrivals of a class': '新着資料（分類別）',
  rankings: 'ベストリーダー',
  'hold ranking': '予約ランキング',
  'calendar (開館日カレンダー)': '開館日カレンダー',
  'top with notices (rules B)': 'トップ（お知らせあり）',
  notice: 'お知らせ',
  'branch page': '館の案内',
  'e-mail help': 'メールの受信設定の案内',
  'forgotten password': 'パスワードを忘れたとき',
  'password registration (rules A)': '新規パスワード登録',
  'password registration with errors': '新規パスワード登録（入力の誤り）',
  login: 'ログイン',
  'login with errors': 'ログイン（入力の誤り）',
  'cart: add': '予約カートに入れる',
  cart: '予約カート（入れたところ）',
  'cart page': '予約カート',
  'error 404': 'エラー（ページが見つかりません）',
  'error 400': 'エラー（入力内容の誤り）',
  'error 500': 'エラー（システムエラー）',
  'error 503': 'エラー（ただいま利用できません）',
  portal: '利用者ポータル',
  loans: '貸出中一覧',
  'renewal confirmation': '貸出延長の確認',
  'renewal done': '貸出延長の完了',
  'detail, logged in': '資料の詳細（ログイン中）',
  'cart, logged in': '予約カート（ログイン中）',
  'hold request': '予約の申込み',
  'hold confirmation': '予約の確認',
  'hold done': '予約の完了',
  'e-mail change': 'メールアドレスの変更',
  'e-mail change with errors': 'メールアドレスの変更（入力の誤り）',
  favourites: 'お気に入り',
  'shelves (My本棚)': 'My本棚',
  'shelves with errors': 'My本棚（入力の誤り）',
  'shelf added': 'My本棚（作ったところ）',
  'a shelf': 'My本棚の中身',
  'password change (rules A)': 'パスワード変更（A館）',
  holds: '予約中一覧',
  'hold change': '予約の変更',
  'hold cancel': '予約の取消',
  'set hold order': 'セット予約の順番',
  'set hold split': 'セット予約の解除',
  'portal (rules B)': '利用者ポータル（B館）',
  'holds (rules B)': '予約中一覧（B館）',
  'password change (rules B)': 'パスワード変更（B館）',
  'password change with errors': 'パスワード変更（入力の誤り）',
  'e-mail change (rules B)': 'メールアドレスの変更（B館）',
  'e-mail change, confirm step (rules B)': 'メールアドレスの変更の確認（B館）',
}

/**
 * With A11Y_WRITE_RESULTS=1: the results the アクセシビリティ方針 page publishes
 * (views/accessibility-results.json, committed), dated today in Tokyo.
 */
async function writeResults(checked: Checked[]): Promise<void> {
  const vnu = await run('java', ['-jar', VNU_JAR, '--version'], { encoding: 'utf8' })
  const axeVersion = (require('axe-core/package.json') as { version: string }).version
  const results: AccessibilityResults = {
    testedOn: tokyoDay(new Date()),
    tools: [
      { name: 'axe-core', version: axeVersion },
      { name: 'Nu HTML Checker', version: vnu.stdout.trim() },
      {
        name: 'Chromium',
        version: (await run(CHROMIUM, ['--version'])).stdout.replace(/^Chromium /, '').trim(),
      },
    ],
    pages: checked.map((c) => ({
      name: JAPANESE_NAMES[c.name] ?? c.name,
      path: c.path,
      axeViolations: c.violations.length,
      nuErrors: c.nuErrors ?? 0,
    })),
  }
  writeFileSync(
    join(VIEWS_DIR, 'accessibility-results.json'),
    `${JSON.stringify(results, null, 2)}\n`,
  )
}

describe('accessibility of every PC page (axe-core in Chromium, Nu HTML checker)', function () {
  this.timeout(600_000)
  let app: TestServer
  let browser: Browser
  const checked: Checked[] = []
  const dir = mkdtempSync(join(tmpdir(), 'opac-a11y-'))

  before(async function () {
    requireTools(this, ['chromium', 'java'])
    // Its own demo database: the journeys renew, hold and add shelves.
    this.timeout(300_000)
    const t = await createTestDatabase({ demo: true, prefix: 'a11y' })
    const minato = await t.db
      .selectFrom('library')
      .select('id')
      .where('slug', '=', 'minato')
      .executeTakeFirstOrThrow()
    await t.db
      .insertInto('library_notice')
      .values({
        library_id: minato.id,
        title: '年末年始の休館について',
        body: '12月29日から1月3日まで休館します。\n返却は返却ポストをご利用ください。',
        show_from: '2026-11-01',
        created_at: '2026-11-01 09:00:00',
      })
      .execute()
    app = await startTestServer(t.db)
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await app?.close()
  })

  // The pages' Content-Security-Policy (default-src 'none') would refuse axe's injected script.
  /** Checks the page now shown at every viewport and keeps its source for the HTML checker. */
  async function check(page: Page, name: string, response: Response, status = 200) {
    expect(response.status(), `${name}: status`).to.equal(status)
    const html = await response.text()
    const violations: string[] = []
    for (const viewport of VIEWPORTS) {
      await page.setViewportSize({ width: viewport.width, height: viewport.height })
      if (!(await page.evaluate("typeof axe === 'object'")))
        await page.addScriptTag({ path: AXE_SOURCE })
      const options = JSON.stringify({ runOnly: { type: 'tag', values: WCAG_TAGS } })
      const result = (await page.evaluate(`axe.run(document, ${options})`)) as AxeResult
      for (const v of result.violations) {
        const targets = v.nodes.map((n) => n.target.join(' ')).join(', ')
        violations.push(`${viewport.name} ${v.id} (${v.help}): ${targets}`)
      }
    }
    checked.push({ name, path: new URL(page.url()).pathname, html, violations })
  }

  async function visit(context: BrowserContext, name: string, path: string, status = 200) {
    const page = await context.newPage()
    const response = await page.goto(`${app.baseUrl}${path}`)
    if (!response) throw new Error(`${path}: no response`)
    await check(page, name, response, status)
    return page
  }

  /** Submits the page's own form (inside <main>) with the given fields and checks the answer. */
  async function submit(
    page: Page,
    name: string,
    fields: Record<string, string> = {},
    status = 200,
    form = 'main form[method=post]',
  ) {
    const target = page.locator(form).first()
    for (const [field, value] of Object.entries(fields)) {
      await target.locator(`[name="${field}"]`).fill(value)
    }
    // The page the form ends on (after a 303, the GET it leads to).
    const [response] = await Promise.all([
      page.waitForResponse(
        (r) => r.request().isNavigationRequest() && (r.status() < 300 || r.status() >= 400),
      ),
      target.locator('button[type=submit]').first().click(),
    ])
    await page.waitForLoadState('load')
    await check(page, name, response, status)
  }

  async function login(context: BrowserContext, lib: string, card: string, password: string) {
    const page = await context.newPage()
    await loginInBrowser(page, app.baseUrl, lib, card, password)
    await page.close()
  }

  async function firstHref(page: Page, selector: string): Promise<string> {
    const links = page.locator(selector)
    const href = (await links.count()) ? await links.first().getAttribute('href') : null
    if (!href) throw new Error(`no link ${selector} on ${page.url()}`)
    return href
  }

  it('renders every page template and checks it', async () => {
    const anonymous = await browser.newContext({ bypassCSP: true })
    await visit(anonymous, 'library list', '/')
    await visit(anonymous, 'accessibility policy (アクセシビリティ方針)', '/aoba/accessibility')
    await visit(anonymous, 'logged out (ログアウトしました)', '/aoba/logout')
    const top = await visit(anonymous, 'top', '/aoba/')
    await top.close()
    const results = await visit(
      anonymous,
      'results',
      `/aoba/search?q=${encodeURIComponent('こころ')}`,
    )
    const recordHref = await firstHref(results, 'main a[href*="/records/"]')
    await visit(anonymous, 'results without hits', '/aoba/search?q=qqqzzzxyzzy')
    await visit(
      anonymous,
      'results, re-sorted and filtered',
      `/aoba/search?q=${encodeURIComponent('日本')}&sort=title&page=2`,
    )
    await visit(anonymous, 'detail', recordHref)
    await visit(anonymous, 'detailed search (詳細検索)', '/aoba/advanced')
    await visit(anonymous, 'browse (分類から探す)', '/aoba/browse')
    await visit(anonymous, 'browse a class', '/aoba/browse/9')
    await visit(anonymous, 'new arrivals (新着)', '/aoba/new')
    await visit(anonymous, 'new arrivals of a class', '/aoba/new?class=9')
    await visit(anonymous, 'rankings', '/aoba/ranking')
    await visit(anonymous, 'hold ranking', '/aoba/ranking?kind=holds&period=1y')
    await visit(anonymous, 'calendar (開館日カレンダー)', '/minato/calendar')
    const minatoTop = await visit(anonymous, 'top with notices (rules B)', '/minato/')
    await visit(anonymous, 'notice', await firstHref(minatoTop, 'main a[href*="/notices/"]'))
    await visit(anonymous, 'branch page', '/aoba/branches/east')
    await visit(anonymous, 'e-mail help', '/aoba/email/help')
    await visit(anonymous, 'forgotten password', '/aoba/password/forgot')
    const register = await visit(
      anonymous,
      'password registration (rules A)',
      '/aoba/password/register',
    )
    await submit(register, 'password registration with errors', {}, 400)
    const loginPage = await visit(anonymous, 'login', '/aoba/login')
    await submit(
      loginPage,
      'login with errors',
      { card: '1101900001', password: 'wrong-pass' },
      401,
    )
    const cartAdd = await visit(
      anonymous,
      'cart: add',
      `/aoba/cart/add?record=${/\d+$/.exec(recordHref)![0]}`,
    )
    await submit(cartAdd, 'cart')
    await visit(anonymous, 'cart page', '/aoba/cart')
    await visit(anonymous, 'error 404', '/aoba/no-such-page', 404)
    const tooMany = Array.from({ length: 120 }, (_, i) => `p${i}=1`).join('&')
    await visit(anonymous, 'error 400', `/aoba/search?${tooMany}`, 400)
    const catalogue = app.deps.services.catalogue
    const search = catalogue.search
    catalogue.search = () => Promise.reject(new Error('a11y: a failing search'))
    try {
      await visit(anonymous, 'error 500', '/aoba/search?q=x', 500)
    } finally {
      catalogue.search = search
    }
    app.deps.lifecycle.ready = false
    try {
      await visit(anonymous, 'error 503', '/aoba/', 503)
    } finally {
      app.deps.lifecycle.ready = true
    }
    await anonymous.close()

    // A patron with loans: portal, loans, renewal, a hold placed, e-mail change, lists.
    const patron = await browser.newContext({ bypassCSP: true })
    await login(patron, 'aoba', '1101900001', 'aoba1234')
    await visit(patron, 'portal', '/aoba/account')
    const loans = await visit(patron, 'loans', '/aoba/account/loans')
    const renew = await visit(
      patron,
      'renewal confirmation',
      await firstHref(loans, 'a[href$="/renew"]'),
    )
    await submit(renew, 'renewal done')
    const record = await visit(patron, 'detail, logged in', recordHref)
    await submit(record, 'cart, logged in', {}, 200, 'main form[action$="/cart/add"]')
    const holdForm = await visit(patron, 'hold request', '/aoba/holds/new?cart=1')
    await submit(holdForm, 'hold confirmation')
    await submit(holdForm, 'hold done')
    const email = await visit(patron, 'e-mail change', '/aoba/account/email')
    await submit(
      email,
      'e-mail change with errors',
      { address: 'not-an-address' },
      400,
      ADDRESS_FORM,
    )
    await visit(patron, 'favourites', '/aoba/account/favourites')
    const shelves = await visit(patron, 'shelves (My本棚)', '/aoba/account/shelves')
    await submit(shelves, 'shelves with errors', {}, 400)
    await submit(shelves, 'shelf added', { name: 'あとで読む' })
    await visit(patron, 'a shelf', await firstHref(shelves, 'main a[href*="/shelves/"]'))
    await visit(patron, 'password change (rules A)', '/aoba/password/change')
    await patron.close()

    // A patron with holds of every state: list, change, cancel, set.
    const holder = await browser.newContext({ bypassCSP: true })
    await login(holder, 'aoba', '1101900007', 'yoyk7777')
    const holds = await visit(holder, 'holds', '/aoba/account/holds')
    await visit(holder, 'hold change', await firstHref(holds, 'a[href$="/change"]'))
    await visit(holder, 'hold cancel', await firstHref(holds, 'a[href$="/cancel"]'))
    await visit(
      holder,
      'set hold order',
      await firstHref(holds, 'a[href*="/holds/sets/"]:not([href$="/split"])'),
    )
    await visit(holder, 'set hold split', await firstHref(holds, 'a[href$="/split"]'))
    await holder.close()

    // Rules B: e-mail change with its confirmation step, password change with errors.
    const minato = await browser.newContext({ bypassCSP: true })
    await login(minato, 'minato', '2201900001', 'minato123')
    await visit(minato, 'portal (rules B)', '/minato/account')
    await visit(minato, 'holds (rules B)', '/minato/account/holds')
    const change = await visit(minato, 'password change (rules B)', '/minato/password/change')
    await submit(change, 'password change with errors', {}, 400)
    const emailB = await visit(minato, 'e-mail change (rules B)', '/minato/account/email')
    await submit(
      emailB,
      'e-mail change, confirm step (rules B)',
      { address: 'kakunin@example.jp' },
      200,
      ADDRESS_FORM,
    )
    await minato.close()

    const violations = checked.flatMap((c) => c.violations.map((v) => `${c.name}: ${v}`))
    expect(violations.length, `axe-core violations:\n${violations.join('\n')}\n`).to.equal(0)
    expect(checked.length).to.be.at.least(45)
  })

  it('serves every checked page as valid HTML (Nu HTML checker, one Java process)', async () => {
    expect(checked.length, 'pages rendered by the test before').to.be.at.least(45)
    const files = checked.map((c, i) => {
      const file = join(dir, `${String(i).padStart(2, '0')}.html`)
      writeFileSync(file, c.html)
      return file
    })
    const result = await run(
      'java',
      ['-Xss2m', '-jar', VNU_JAR, '--errors-only', '--format', 'json', ...files],
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: 300_000 },
    ).catch((err: { stdout?: string; stderr?: string; code?: number }) => {
      if (typeof err.stderr === 'string' && err.stderr.startsWith('{'))
        return err as { stderr: string }
      throw err
    })
    const messages = (
      JSON.parse(result.stderr) as {
        messages: {
          type: string
          url: string
          message: string
          lastLine?: number
          extract?: string
        }[]
      }
    ).messages
    const errors = messages
      .filter((m) => m.type === 'error')
      .map((m) => {
        const index = Number(/(\d+)\.html$/.exec(m.url)?.[1])
        return `${checked[index]?.name ?? m.url} line ${m.lastLine}: ${m.message} ${m.extract ?? ''}`
      })
    for (const [i, c] of checked.entries()) {
      c.nuErrors = messages.filter(
        (m) => m.type === 'error' && Number(/(\d+)\.html$/.exec(m.url)?.[1]) === i,
      ).length
    }
    if (process.env.A11Y_WRITE_RESULTS === '1') await writeResults(checked)
    expect(errors.length, `Nu HTML checker errors:\n${errors.join('\n')}\n`).to.equal(0)
  })
})
