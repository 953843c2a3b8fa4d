// A minimal browser for integration tests: GETs and form POSTs over real HTTP, an optional
// cookie jar (PC) or none at all (keitai), and forms filled from the page's own hidden fields.
// Keitai form bodies are encoded in Shift_JIS, as a handset sends them.
import { request as httpRequest } from 'node:http'
import * as cheerio from 'cheerio'
import { encodeQueryValue } from '../../server/render/form-decoding.ts'
import type { FormCharset } from '../../server/render/form-decoding.ts'
import type { Fetched } from './test-server.ts'

export interface Page extends Fetched {
  location: string | null
  setCookie: string | null
}

export class FormClient {
  readonly jar = new Map<string, string>()

  constructor(
    readonly baseUrl: string,
    readonly options: {
      userAgent?: string
      cookies?: boolean
      charset?: FormCharset
      /** Connect from this address (127.0.0.2 …: another client on the loopback). */
      localAddress?: string
      /** Sent with every request. */
      headers?: Record<string, string>
    } = {},
  ) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { ...this.options.headers, ...extra }
    if (this.options.userAgent) headers['User-Agent'] = this.options.userAgent
    if (this.jar.size) headers.Cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ')
    return headers
  }

  private async finish(res: Response): Promise<Page> {
    const setCookie = res.headers.get('set-cookie')
    if (setCookie && this.options.cookies !== false) {
      for (const part of setCookie.split(/,(?=\s*[A-Za-z0-9_]+=)/)) {
        const [pair] = part.split(';')
        const at = pair?.indexOf('=') ?? -1
        if (pair && at > 0) this.jar.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim())
      }
    }
    const bytes = Buffer.from(await res.arrayBuffer())
    const type = res.headers.get('content-type') ?? ''
    const charset = /charset=Shift_JIS/i.test(type) ? 'shift_jis' : 'utf-8'
    return {
      status: res.status,
      headers: res.headers,
      bytes,
      // Pages must decode cleanly; an image (the favicon, a QR code's PNG) has no text.
      text: /^image\//i.test(type) ? '' : new TextDecoder(charset, { fatal: true }).decode(bytes),
      location: res.headers.get('location'),
      setCookie,
    }
  }

  /** A path or an absolute URL of this server. */
  private url(path: string): string {
    return path.startsWith('http') ? path : `${this.baseUrl}${path}`
  }

  /** fetch, or node:http from options.localAddress (fetch cannot choose its address). */
  private send(url: string, init: RequestInit & { headers: Record<string, string> }) {
    const localAddress = this.options.localAddress
    if (!localAddress) return fetch(url, { ...init, redirect: 'manual' })
    return new Promise<Response>((resolve, reject) => {
      const req = httpRequest(
        url,
        { method: init.method ?? 'GET', headers: init.headers, localAddress },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('end', () => {
            const headers = new Headers()
            for (const [name, value] of Object.entries(res.headers)) {
              for (const v of Array.isArray(value) ? value : [value ?? '']) headers.append(name, v)
            }
            const body = [204, 304].includes(res.statusCode ?? 0) ? null : Buffer.concat(chunks)
            resolve(new Response(body, { status: res.statusCode, headers }))
          })
        },
      )
      req.on('error', reject)
      req.end(typeof init.body === 'string' ? init.body : undefined)
    })
  }

  async get(path: string, extra: Record<string, string> = {}): Promise<Page> {
    return this.finish(await this.send(this.url(path), { headers: this.headers(extra) }))
  }

  async post(path: string, fields: Record<string, string>): Promise<Page> {
    const charset = this.options.charset ?? 'utf-8'
    const body = Object.entries(fields)
      .map(([k, v]) => `${k}=${encodeQueryValue(v, charset)}`)
      .join('&')
    return this.finish(
      await this.send(this.url(path), {
        method: 'POST',
        headers: this.headers({ 'Content-Type': 'application/x-www-form-urlencoded' }),
        body,
      }),
    )
  }

  /** Submits the n-th form of a page (or the one whose action ends with actionEnd). */
  async submit(page: Page, fields: Record<string, string> = {}, actionEnd?: string): Promise<Page> {
    const form = formOf(page.text, actionEnd)
    return this.post(form.action, { ...form.hidden, ...fields })
  }

  /** GET the Location of a redirect. */
  async follow(page: Page): Promise<Page> {
    if (!page.location) throw new Error(`no redirect (status ${page.status})`)
    return this.get(page.location)
  }
}

export function formOf(
  html: string,
  actionEnd?: string,
): {
  action: string
  hidden: Record<string, string>
  /** What a browser sends untouched: hidden fields and each select's chosen (or first) option. */
  defaults: Record<string, string>
} {
  const $ = cheerio.load(html)
  const forms = $('form[method=post]').toArray()
  // The page's own form: inside <main> on PC (the header has a ログアウト form).
  const own = $('main form[method=post]').toArray()
  const form = actionEnd
    ? forms.find((f) => ($(f).attr('action') ?? '').endsWith(actionEnd))
    : (own[0] ?? forms[0])
  if (!form) throw new Error(`no POST form${actionEnd ? ` ending ${actionEnd}` : ''}`)
  const hidden: Record<string, string> = {}
  $(form)
    .find('input[type=hidden]')
    .each((_, el) => {
      hidden[$(el).attr('name') ?? ''] = $(el).attr('value') ?? ''
    })
  const defaults: Record<string, string> = { ...hidden }
  $(form)
    .find('select')
    .each((_, el) => {
      const options = $(el).find('option')
      const chosen = options.filter('[selected]').first()
      defaults[$(el).attr('name') ?? ''] =
        (chosen.length ? chosen : options.first()).attr('value') ?? ''
    })
  return { action: $(form).attr('action') ?? '', hidden, defaults }
}

/** The text of a page's main content without tags (for messages). */
export function textOf(html: string): string {
  const $ = cheerio.load(html)
  return ($('main').length ? $('main') : $('body')).text().replace(/\s+/g, ' ')
}
