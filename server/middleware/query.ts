// Decodes the query string in the channel's charset (Shift_JIS for keitai, UTF-8 for PC)
// from the raw bytes: Express's own parser assumes UTF-8 and would garble keitai input.
import type { RequestHandler, Response } from 'express'
import { HttpError } from '../errors.ts'
import { charsetOf } from '../paths.ts'
import { TooManyParametersError, parseUrlEncoded } from '../render/form-decoding.ts'
import { channelOf } from './channel.ts'

export type Params = Record<string, string[]>

export const decodeQuery: RequestHandler = (req, res, next) => {
  const at = req.originalUrl.indexOf('?')
  const raw = at === -1 ? '' : req.originalUrl.slice(at + 1)
  try {
    res.locals.query = parseUrlEncoded(raw, charsetOf(channelOf(res)))
  } catch (err) {
    next(
      err instanceof TooManyParametersError
        ? new HttpError(
            400,
            `アドレスに含まれる条件が多すぎます（${err.limit}個まで）。検索画面からもう一度お試しください。`,
          )
        : new HttpError(400, '検索語の文字コードが正しくありません。もう一度入力してください。'),
    )
    return
  }
  next()
}

export function queryOf(res: Response): Params {
  const query: Params | undefined = res.locals.query
  return query ?? (Object.create(null) as Params)
}

/** The last value of a parameter, or undefined. */
export function param(res: Response, name: string): string | undefined {
  const values = queryOf(res)[name]
  return values === undefined ? undefined : values[values.length - 1]
}
