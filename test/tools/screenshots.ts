// npm run screenshots [-- BASE_URL]: the pages a first visit sees — top, results, detail,
// account (portal, loans, holds) and 開館日カレンダー — at 1280 px and 390 px, from a running
// site (`npm start`, demo data), saved as PNG under reports/screenshots/ in Debian's Chromium.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { launchChromium, loginInBrowser } from '../helpers/browser.ts'

const base = (process.argv[2] ?? 'http://127.0.0.1:3000').replace(/\/$/, '')
const out = join(import.meta.dirname, '..', '..', 'reports', 'screenshots')
const WIDTHS = [1280, 390]

const PUBLIC_PAGES: [string, string][] = [
  ['libraries', '/'],
  ['top', '/aoba/'],
  ['results', `/aoba/search?q=${encodeURIComponent('こころ')}`],
  ['detail', '/aoba/records/548'],
  ['calendar', '/aoba/calendar'],
]
const ACCOUNT_PAGES: [string, string][] = [
  ['portal', '/aoba/account'],
  ['loans', '/aoba/account/loans'],
  ['holds', '/aoba/account/holds'],
]

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true })
  const browser = await launchChromium()
  try {
    for (const width of WIDTHS) {
      const context = await browser.newContext({ viewport: { width, height: 900 } })
      const page = await context.newPage()
      const shoot = async (name: string, path: string) => {
        const res = await page.goto(`${base}${path}`)
        if (!res || res.status() !== 200) throw new Error(`${path}: status ${res?.status()}`)
        const file = join(out, `${name}-${width}.png`)
        await page.screenshot({ path: file, fullPage: true })
        process.stdout.write(`${file}\n`)
      }
      for (const [name, path] of PUBLIC_PAGES) await shoot(name, path)
      // 1101900007 has holds (one ready); 1101900001 has loans, one due today.
      await loginInBrowser(page, base, 'aoba', '1101900007', 'yoyk7777')
      await shoot('holds', '/aoba/account/holds')
      await context.clearCookies()
      await loginInBrowser(page, base, 'aoba', '1101900001', 'aoba1234')
      for (const [name, path] of ACCOUNT_PAGES.filter(([n]) => n !== 'holds'))
        await shoot(name, path)
      await context.close()
    }
  } finally {
    await browser.close()
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
