// Real text browsers driven by scripts: each step is one run of lynx or w3m that fetches a
// page (GET, or a form POST with the body a browser would send) and follows redirects itself;
// the page's source is what the browser received, and its text is that same source rendered
// by the same browser. Keitai journeys send a keitai User-Agent and no cookies at all (the
// session rides in the URL); PC journeys keep cookies between runs: lynx in its cookie file,
// w3m — which keeps session cookies only for one run — through a loopback proxy that plays
// its cookie jar.
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, request } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import * as cheerio from 'cheerio'
import iconv from 'iconv-lite'
import { encodeQueryValue } from '../../server/render/form-decoding.ts'

const run = promisify(execFile)

export type BrowserName = 'w3m' | 'lynx'

export interface BrowserPage {
  /** The bytes of the page as the browser received them. */
  bytes: Buffer
  /** Those bytes decoded (CP932 on keitai). */
  html: string
  /** The page as the browser renders it (UTF-8 text). */
  text: string
}

export interface TextBrowserOptions {
  userAgent?: string
  /** false: no cookie is ever stored or sent (a keitai with cookies off). */
  cookies: boolean
  charset: 'utf-8' | 'shift_jis'
}

export class TextBrowser {
  private readonly dir = mkdtempSync(join(tmpdir(), 'opac-browser-'))
  private readonly cookieFile = join(this.dir, 'cookies')
  private proxy: CookieProxy | undefined
  private step = 0
  /** Every page this browser fetched, in order. */
  readonly pages: BrowserPage[] = []

  constructor(
    readonly name: BrowserName,
    readonly baseUrl: string,
    readonly options: TextBrowserOptions,
  ) {
    writeFileSync(this.cookieFile, '')
    writeFileSync(
      join(this.dir, 'lynx.cfg'),
      'INCLUDE:/etc/lynx/lynx.cfg\n' +
        (options.cookies
          ? 'SET_COOKIES:TRUE\nACCEPT_ALL_COOKIES:TRUE\nPERSISTENT_COOKIES:TRUE\n'
          : 'SET_COOKIES:FALSE\nPERSISTENT_COOKIES:FALSE\n'),
    )
  }

  /** GET a path (or a URL of this server), or POST a form body to it. */
  async open(path: string, post?: Record<string, string>): Promise<BrowserPage> {
    const url = path.startsWith('http') ? path : `${this.baseUrl}${path}`
    const body = post && encodeForm(post, this.options.charset)
    const bytes = this.name === 'w3m' ? await this.w3m(url, body) : await this.lynx(url, body)
    const html =
      this.options.charset === 'shift_jis' ? iconv.decode(bytes, 'cp932') : bytes.toString('utf8')
    const page = { bytes, html, text: await this.render(bytes) }
    this.pages.push(page)
    return page
  }

  /** Sends a form of the page as the browser would on its first submit button. */
  async submit(
    page: BrowserPage,
    values: Record<string, string> = {},
    selector = 'form[method=post]',
  ): Promise<BrowserPage> {
    const form = formFields(page.html, selector)
    return this.open(form.action, { ...form.fields, ...values })
  }

  async close(): Promise<void> {
    await this.proxy?.close()
  }

  private async w3m(url: string, body?: string): Promise<Buffer> {
    const args = ['-dump_source', '-no-cookie']
    if (this.options.userAgent) args.push('-o', `user_agent=${this.options.userAgent}`)
    if (this.options.cookies) {
      this.proxy ??= await startCookieProxy()
      args.push('-o', `http_proxy=${this.proxy.url}`, '-o', 'use_proxy=1', '-o', 'no_proxy=')
    }
    if (body !== undefined) {
      const file = join(this.dir, `post-${++this.step}`)
      writeFileSync(file, body)
      args.push('-post', file)
    }
    const { stdout } = await run('w3m', [...args, url], {
      encoding: 'buffer',
      timeout: 20_000,
      env: { ...process.env, HOME: this.dir },
    })
    return stdout
  }

  private lynx(url: string, body?: string): Promise<Buffer> {
    const args = [`-cfg=${join(this.dir, 'lynx.cfg')}`, '-source', '-width=100']
    if (this.options.cookies) {
      args.push(`-cookie_file=${this.cookieFile}`, `-cookie_save_file=${this.cookieFile}`)
    }
    if (this.options.userAgent) args.push(`-useragent=${this.options.userAgent}`)
    if (body !== undefined) args.push('-post_data')
    return new Promise((resolve, reject) => {
      const child = spawn('lynx', [...args, url], { env: { ...process.env, TERM: 'dumb' } })
      const chunks: Buffer[] = []
      child.stdout.on('data', (d: Buffer) => chunks.push(d))
      child.on('error', reject)
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
      child.on('exit', (code) => {
        clearTimeout(timer)
        if (code === 0) resolve(Buffer.concat(chunks))
        else reject(new Error(`lynx exited with ${code} on ${url}`))
      })
      child.stdin.end(body === undefined ? '' : `${body}\n---\n`)
    })
  }

  /** The source rendered by the same browser, as a patron reads it. */
  private async render(bytes: Buffer): Promise<string> {
    const charset = this.options.charset === 'shift_jis' ? 'Shift_JIS' : 'UTF-8'
    const file = join(this.dir, `page-${++this.step}.html`)
    writeFileSync(file, bytes)
    const args =
      this.name === 'w3m'
        ? ['-dump', '-T', 'text/html', '-I', charset, '-O', 'UTF-8', '-cols', '100', file]
        : [
            `-cfg=${join(this.dir, 'lynx.cfg')}`,
            '-dump',
            '-nolist',
            `-assume_charset=${charset}`,
            '-display_charset=UTF-8',
            '-width=100',
            file,
          ]
    const env = { ...process.env, TERM: 'dumb', HOME: this.dir }
    return (await run(this.name, args, { encoding: 'utf8', timeout: 20_000, env })).stdout
  }
}

/** The form a browser would send: hidden and filled fields, checked or first choices. */
export function formFields(
  html: string,
  selector: string,
): { action: string; fields: Record<string, string> } {
  const $ = cheerio.load(html)
  // The page's own form: inside <main> on PC (the header has a ログアウト form).
  const own = $(`main ${selector}`).first()
  const form = own.length ? own : $(selector).first()
  if (!form.length) throw new Error(`no form ${selector} on the page:\n${$('body').text()}`)
  const fields: Record<string, string> = {}
  form.find('input, select, textarea').each((_, el) => {
    const e = $(el)
    const name = e.attr('name')
    if (!name) return
    const type = (e.attr('type') ?? 'text').toLowerCase()
    if (el.tagName === 'select') {
      const chosen = e.find('option[selected]').first()
      fields[name] = (chosen.length ? chosen : e.find('option').first()).attr('value') ?? ''
    } else if (type === 'radio') {
      if (e.attr('checked') !== undefined || !(name in fields)) fields[name] = e.attr('value') ?? ''
    } else if (type === 'checkbox') {
      if (e.attr('checked') !== undefined) fields[name] = e.attr('value') ?? 'on'
    } else if (type !== 'submit' && type !== 'button') {
      fields[name] = el.tagName === 'textarea' ? e.text() : (e.attr('value') ?? '')
    }
  })
  const button = form.find('button[type=submit][name], input[type=submit][name]').first()
  if (button.length) fields[button.attr('name') ?? ''] = button.attr('value') ?? ''
  return { action: form.attr('action') ?? '', fields }
}

/** The first link whose text or href matches, as the page wrote it. */
export function linkTo(page: BrowserPage, match: { text?: RegExp; href?: RegExp }): string {
  const $ = cheerio.load(page.html)
  const link = $('a')
    .toArray()
    .find(
      (a) =>
        (!match.text || match.text.test($(a).text().trim())) &&
        (!match.href || match.href.test($(a).attr('href') ?? '')),
    )
  const href = link && $(link).attr('href')
  if (!href)
    throw new Error(`no link ${String(match.text ?? match.href)} on the page:\n${page.text}`)
  return href
}

function encodeForm(fields: Record<string, string>, charset: 'utf-8' | 'shift_jis'): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${encodeQueryValue(v, charset)}`)
    .join('&')
}

interface CookieProxy {
  url: string
  close(): Promise<void>
}

/**
 * An HTTP proxy on loopback that keeps the cookies the server sets and sends them back, as
 * w3m itself does within one run: w3m drops session cookies when it exits.
 */
async function startCookieProxy(): Promise<CookieProxy> {
  const jar = new Map<string, string>()
  const server: Server = createServer((req, res) => {
    const target = new URL(req.url ?? '/')
    const headers: Record<string, string | string[] | undefined> = {
      ...req.headers,
      connection: 'close',
    }
    delete headers['proxy-connection']
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ')
    const upstream = request(
      target,
      { method: req.method, headers: { ...headers, host: target.host } },
      (answer) => {
        for (const cookie of answer.headers['set-cookie'] ?? []) {
          const [pair = ''] = cookie.split(';')
          const at = pair.indexOf('=')
          if (at <= 0) continue
          const expired = /max-age=0|expires=Thu, 01 Jan 1970/i.test(cookie)
          if (expired) jar.delete(pair.slice(0, at).trim())
          else jar.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim())
        }
        // One request a connection: w3m reads a response until its connection closes.
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, connection: 'close' })
        answer.pipe(res)
      },
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
