// Reads a POSTed application/x-www-form-urlencoded body and decodes it in the channel's
// charset (Shift_JIS for keitai, UTF-8 for PC) into res.locals.form. express.urlencoded cannot
// do this: it answers 415 to `charset=Shift_JIS` and leaves Shift_JIS escapes undecoded
// (keitai.md §4.6). The charset parameter of the Content-Type is accepted but not believed:
// the charset is that of the page that produced the form, i.e. the channel.
import type { Request, RequestHandler, Response } from 'express'
import { HttpError } from '../errors.ts'
import { charsetOf } from '../paths.ts'
import { InvalidEncodingError } from '../render/cp932.ts'
import { TooManyParametersError, parseUrlEncoded } from '../render/form-decoding.ts'
import type { FormParams } from '../render/form-decoding.ts'
import { channelOf } from './channel.ts'

/** Our largest form (a comment field, in Shift_JIS %XX escapes) is far below this. */
const DEFAULT_LIMIT_BYTES = 16 * 1024

const TOO_LARGE = '送信された内容が大きすぎます。'
const BAD_ENCODING = '文字コードが正しくありません。もう一度入力してください。'
const BAD_FORM = '入力内容に誤りがあります。'
const UNSUPPORTED = '送信された形式は扱えません。'

function emptyForm(): FormParams {
  return Object.create(null) as FormParams
}

/** The media type of a Content-Type header, lower case, without parameters. */
function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

/** True when the request announces no body at all. */
function hasNoBody(req: Request): boolean {
  const length = req.headers['content-length']
  return req.headers['transfer-encoding'] === undefined && (!length || Number(length) === 0)
}

/** Reads the whole body, or fails with 413 as soon as it grows past `limit` bytes. */
function readBody(req: Request, res: Response, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    const cleanup = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('aborted', onAborted)
    }
    const fail = (err: Error) => {
      if (settled) return
      settled = true
      cleanup()
      reject(err)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        // Do not read the rest: answer 413 and close the connection after the response
        // (Node discards what is left of the body).
        res.setHeader('Connection', 'close')
        fail(new HttpError(413, TOO_LARGE))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      if (settled) return
      settled = true
      cleanup()
      resolve(Buffer.concat(chunks, size))
    }
    const onError = (err: Error) => fail(err)
    const onAborted = () => fail(new HttpError(400, BAD_FORM))
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('aborted', onAborted)
  })
}

/**
 * For POST requests: 415 unless the body is urlencoded, 413 over `limitBytes` (default 16 KiB),
 * 400 for bytes that are not valid in the channel's charset or for too many fields. Other
 * methods pass through with an empty form. Mount after the channel middleware.
 */
export function formBody(options: { limitBytes?: number } = {}): RequestHandler {
  const limit = options.limitBytes ?? DEFAULT_LIMIT_BYTES
  return (req, res, next) => {
    if (req.method !== 'POST') {
      res.locals.form = emptyForm()
      next()
      return
    }
    if (res.locals.form !== undefined) {
      next() // already read by an earlier formBody in the chain
      return
    }
    const type = mediaType(req.headers['content-type'])
    if (type === '' && hasNoBody(req)) {
      res.locals.form = emptyForm()
      next()
      return
    }
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase()
    if (type !== 'application/x-www-form-urlencoded' || encoding !== 'identity') {
      next(new HttpError(415, UNSUPPORTED))
      return
    }
    const declared = Number(req.headers['content-length'])
    if (Number.isFinite(declared) && declared > limit) {
      res.setHeader('Connection', 'close')
      next(new HttpError(413, TOO_LARGE))
      return
    }
    readBody(req, res, limit).then(
      (raw) => {
        try {
          res.locals.form = parseUrlEncoded(raw, charsetOf(channelOf(res)))
        } catch (err) {
          if (err instanceof InvalidEncodingError) {
            // The same URL with GET shows the form again.
            const back = [{ href: req.originalUrl, text: '入力画面に戻る' }]
            next(new HttpError(400, BAD_ENCODING, back))
          } else if (err instanceof TooManyParametersError) next(new HttpError(400, BAD_FORM))
          else next(err)
          return
        }
        next()
      },
      (err: unknown) => next(err),
    )
  }
}

/** The decoded form of this request (empty before formBody ran, or for a GET). */
export function formOf(res: Response): FormParams {
  const form: FormParams | undefined = res.locals.form
  return form ?? emptyForm()
}

/** The last value of a form field, or undefined when the field is absent. */
export function formField(res: Response, name: string): string | undefined {
  const form = formOf(res)
  const values = Object.hasOwn(form, name) ? form[name] : undefined
  return values === undefined ? undefined : values[values.length - 1]
}
