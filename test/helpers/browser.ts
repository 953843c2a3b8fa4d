// Debian's Chromium driven by playwright-core, as the browser tests and scripts use it: never a
// downloaded browser, no sandbox (CI runs as root), no background traffic.
import { chromium } from 'playwright-core'
import type { Browser, Page } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking'],
  })
}

/** Logs in through the login form of a library and waits for the account page. */
export async function loginInBrowser(
  page: Page,
  baseUrl: string,
  lib: string,
  card: string,
  password: string,
): Promise<void> {
  await page.goto(`${baseUrl}/${lib}/login`)
  await page.fill('#card', card)
  await page.fill('#password', password)
  await Promise.all([page.waitForURL(/\/account/), page.click('main button[type=submit]')])
}
