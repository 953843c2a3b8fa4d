// formBody over real HTTP: urlencoded bodies decoded in the channel's charset, the
// charset=Shift_JIS content type body-parser refuses, and the 413 / 400 / 415 answers.
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { expect } from 'chai'
import express from 'express'
import type { ErrorRequestHandler } from 'express'
import iconv from 'iconv-lite'
import { HttpError } from '../../../server/errors.ts'
import { formBody, formField, formOf } from '../../../server/middleware/form-body.ts'

/** An app that echoes the decoded form as JSON; errors as { status, message }. */
async function startApp(options: { limitBytes?: number } = {}) {
  const app = express()
  app.use('/k', (_req, res, next) => {
    res.locals.channel = 'keitai'
    next()
  })
  app.use(formBody(options))
  app.all('/{*rest}', (_req, res) => {
    res.json({ form: { ...formOf(res) }, name: formField(res, 'name') ?? null })
  })
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = err instanceof HttpError ? err.status : 500
    res.status(status).json({ status, message: err instanceof HttpError ? err.userMessage : '' })
  }
  app.use(onError)
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    base,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

const FORM = 'application/x-www-form-urlencoded'

describe('formBody', () => {
  let app: Awaited<ReturnType<typeof startApp>>
  before(async () => {
    app = await startApp()
  })
  after(async () => {
    await app.close()
  })

  async function post(path: string, body: string | Buffer, type: string | null = FORM) {
    const headers: Record<string, string> = {}
    if (type !== null) headers['Content-Type'] = type
    const res = await fetch(`${app.base}${path}`, { method: 'POST', headers, body })
    return { status: res.status, json: (await res.json()) as Record<string, unknown> }
  }

  it('decodes a UTF-8 body on the PC channel', async () => {
    const body = `name=${encodeURIComponent('夏目 漱石')}&q=a+b&q=%E3%81%93`
    const { status, json } = await post('/search', body)
    expect(status).to.equal(200)
    expect(json.form).to.deep.equal({ name: ['夏目 漱石'], q: ['a b', 'こ'] })
    expect(json.name).to.equal('夏目 漱石')
  })

  it('decodes a Shift_JIS body on the keitai channel, escaped or raw', async () => {
    const sjis = iconv.encode('こころ', 'Shift_JIS')
    const escaped = [...sjis].map((b) => `%${b.toString(16).toUpperCase()}`).join('')
    const a = await post('/k/search', `name=${escaped}`)
    expect(a.json.form).to.deep.equal({ name: ['こころ'] })
    const raw = Buffer.concat([Buffer.from('name='), iconv.encode('髙橋①', 'cp932')])
    const b = await post('/k/search', raw)
    expect(b.json.form).to.deep.equal({ name: ['髙橋①'] })
  })

  it('accepts charset=Shift_JIS (and any charset parameter) in the Content-Type', async () => {
    const { status, json } = await post(
      '/k/search',
      'name=%8D%82%8B%B4',
      `${FORM}; charset=Shift_JIS`,
    )
    expect(status).to.equal(200)
    expect(json.name).to.equal('高橋')
    const utf = await post(
      '/search',
      'name=%E9%AB%98',
      'Application/X-WWW-Form-Urlencoded;charset=UTF-8',
    )
    expect(utf.json.name).to.equal('高')
  })

  it('uses the last value for formField and strips NUL and other controls', async () => {
    const { json } = await post('/search', 'name=first&name=a%00b%01c%0D%0Ad')
    expect(json.form).to.deep.equal({ name: ['first', 'abc\nd'] })
    expect(json.name).to.equal('abc\nd')
  })

  it('answers 413 for a body over the limit (16 KiB by default)', async () => {
    const ok = await post('/search', `name=${'x'.repeat(16 * 1024 - 5)}`)
    expect(ok.status).to.equal(200)
    const big = await post('/search', `name=${'x'.repeat(16 * 1024)}`)
    expect(big).to.deep.equal({
      status: 413,
      json: { status: 413, message: '送信された内容が大きすぎます。' },
    })
  })

  it('answers 413 for a chunked body that grows past the limit', async () => {
    const small = await startApp({ limitBytes: 100 })
    try {
      const chunks = [Buffer.from('name='), Buffer.from('y'.repeat(200))]
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const c of chunks) controller.enqueue(c)
          controller.close()
        },
      })
      const res = await fetch(`${small.base}/search`, {
        method: 'POST',
        headers: { 'Content-Type': FORM },
        body: stream,
        duplex: 'half',
      } as RequestInit)
      expect(res.status).to.equal(413)
      expect(res.headers.get('connection')).to.equal('close')
    } finally {
      await small.close()
    }
  })

  it('answers 400 for bytes that are not Shift_JIS on the keitai channel', async () => {
    const { status, json } = await post('/k/search', 'name=%82')
    expect(status).to.equal(400)
    expect(json.message).to.equal('文字コードが正しくありません。もう一度入力してください。')
    // The same bytes are not valid UTF-8 either.
    expect((await post('/search', 'name=%82')).status).to.equal(400)
  })

  it('answers 400 for too many fields', async () => {
    const body = Array.from({ length: 101 }, (_, i) => `f${i}=1`).join('&')
    expect((await post('/search', body)).status).to.equal(400)
  })

  it('answers 415 for other content types on POST', async () => {
    expect((await post('/search', '{"name":1}', 'application/json')).status).to.equal(415)
    expect((await post('/search', 'name=x', 'text/plain')).status).to.equal(415)
    const multipart = await post('/search', '--b--\r\n', 'multipart/form-data; boundary=b')
    expect(multipart.status).to.equal(415)
  })

  it('treats a POST without body or type as an empty form', async () => {
    const res = await fetch(`${app.base}/search`, { method: 'POST' })
    expect(res.status).to.equal(200)
    expect(await res.json()).to.deep.equal({ form: {}, name: null })
  })

  it('leaves GET requests alone with an empty form', async () => {
    const res = await fetch(`${app.base}/search?name=x`)
    expect(await res.json()).to.deep.equal({ form: {}, name: null })
  })
})
