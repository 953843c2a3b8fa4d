// What a first visit saw on a phone (issue 14), measured in Debian's Chromium rather than read
// from the stylesheet: at 320 and 390 px the holdings and loans tables keep 「中央図書館」 and
// 「一般書架」 on one line, nothing is wider than the screen, the 詳細検索 inputs are wide
// enough to read what was typed, and a focused select shows the site's focus outline.
import { expect } from 'chai'
import type { Browser, Page } from 'playwright-core'
import { createTestDatabase } from '../helpers/test-database.ts'
import { startTestServer } from '../helpers/test-server.ts'
import type { TestServer } from '../helpers/test-server.ts'
import { launchChromium, loginInBrowser } from '../helpers/browser.ts'
import { requireTools } from '../helpers/tools.ts'

/** Table cells whose text is one short word (≤ 6 characters) but wraps onto two lines or more. */
async function brokenShortWords(page: Page, table: string): Promise<string[]> {
  return (await page.evaluate(`[...document.querySelectorAll(${JSON.stringify(`${table} td, ${table} th`)})]
    .flatMap((cell) => {
      const text = (cell.textContent ?? '').trim()
      if (text.length < 2 || text.length > 6 || /\\s/.test(text)) return []
      const range = document.createRange()
      range.selectNodeContents(cell)
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)))
      return tops.size > 1 ? [text] : []
    })`)) as string[]
}

/** The elements that reach past the window's right edge (none when nothing overflows). */
async function overflowing(page: Page): Promise<string[]> {
  return (await page.evaluate(`[...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
    .map((el) => el.tagName + '.' + el.className)`)) as string[]
}

/** The computed style properties of the first element matching the selector. */
async function styleOf(page: Page, selector: string): Promise<Record<string, string>> {
  return (await page.evaluate(`(() => {
    const s = getComputedStyle(document.querySelector(${JSON.stringify(selector)}))
    return { fontSize: s.fontSize, outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth }
  })()`)) as Record<string, string>
}

describe('pages at phone widths, measured in Chromium', function () {
  this.timeout(300_000)
  let app: TestServer
  let browser: Browser

  before(async function () {
    requireTools(this, ['chromium'])
    const t = await createTestDatabase({ demo: true, prefix: 'narrow' })
    app = await startTestServer(t.db)
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await app?.close()
  })

  for (const width of [320, 390]) {
    it(`fits the detail, loans, holds and list pages into ${width} px, names whole`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 800 } })
      try {
        const page = await context.newPage()
        await page.goto(`${app.baseUrl}/aoba/records/548`)
        expect(await page.locator('table.holdings td').count()).to.be.above(8)
        expect(await brokenShortWords(page, 'table.holdings')).to.deep.equal([])
        expect(await overflowing(page), 'detail').to.deep.equal([])

        await loginInBrowser(page, app.baseUrl, 'aoba', '1101900001', 'aoba1234')
        await page.goto(`${app.baseUrl}/aoba/account/loans`)
        expect(await page.locator('table.loans tbody tr').count()).to.be.above(1)
        expect(await brokenShortWords(page, 'table.loans')).to.deep.equal([])
        expect(await overflowing(page), 'loans').to.deep.equal([])
        for (const path of [
          '/aoba/account',
          '/aoba/account/favourites',
          '/aoba/account/shelves',
          '/aoba/cart',
        ]) {
          await page.goto(`${app.baseUrl}${path}`)
          expect(await overflowing(page), path).to.deep.equal([])
        }

        const holder = await context.browser()!.newContext({ viewport: { width, height: 800 } })
        const holds = await holder.newPage()
        await loginInBrowser(holds, app.baseUrl, 'aoba', '1101900007', 'yoyk7777')
        await holds.goto(`${app.baseUrl}/aoba/account/holds`)
        expect(await holds.locator('table.holds tbody tr').count()).to.be.above(2)
        expect(await brokenShortWords(holds, 'table.holds')).to.deep.equal([])
        expect(await overflowing(holds), 'holds').to.deep.equal([])
        await holder.close()
      } finally {
        await context.close()
      }
    })
  }

  it('gives the 詳細検索 inputs room, and a focused select the focus outline', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    try {
      const page = await context.newPage()
      await page.goto(`${app.baseUrl}/aoba/advanced`)
      const title = await page.locator('#title').boundingBox()
      expect(title?.width, '詳細検索 title input').to.be.at.least(300)
      await page.goto(`${app.baseUrl}/aoba/search?q=%E5%B0%8F%E8%AA%AC`)
      const sort = page.locator('.sort-form select').first()
      expect(await sort.count(), 'the sort select').to.equal(1)
      const box = await sort.boundingBox()
      const fontSize = parseFloat((await styleOf(page, '.sort-form select')).fontSize!)
      expect(fontSize, 'the sort select is full size').to.be.at.least(16)
      expect(box?.height).to.be.at.least(24)
      // Tab to it, as a keyboard user does: the outline must show.
      await sort.focus()
      await page.keyboard.press('Shift+Tab')
      await page.keyboard.press('Tab')
      const outline = await styleOf(page, '.sort-form select')
      expect(outline.outlineStyle).to.not.equal('none')
      expect(parseFloat(outline.outlineWidth!)).to.be.at.least(2)
    } finally {
      await context.close()
    }
  })
})
