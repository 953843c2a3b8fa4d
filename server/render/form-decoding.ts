// application/x-www-form-urlencoded in either charset. body-parser only knows UTF-8 and Latin-1
// and leaves Shift_JIS escapes undecoded (keitai.md §4.6), so bodies arrive raw and query
// strings come through Express's 'query parser' hook; both end up here. The charset is that of
// the page that produced the form or link, never guessed from the bytes.

import { decodeKeitai, decodeUtf8, encodeKeitai } from './cp932.ts'

export type FormCharset = 'utf-8' | 'shift_jis'

/** Decoded fields: name → values in order of appearance. Has no prototype. */
export type FormParams = Record<string, string[]>

/** More name=value pairs than any of our forms has: a sign of abuse, answered with 400. */
export class TooManyParametersError extends Error {
  override readonly name = 'TooManyParametersError'
  readonly limit: number

  constructor(limit: number) {
    super(`more than ${limit} form parameters`)
    this.limit = limit
  }
}

const MAX_PAIRS = 100

const AMPERSAND = 0x26
const EQUALS = 0x3d
const PLUS = 0x2b
const PERCENT = 0x25
const SPACE = 0x20

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30
  const lower = byte | 0x20
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10
  return -1
}

/** '+' → space and %XX → byte; anything malformed ('%G1', a trailing '%') stays literal. */
function percentDecode(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length) // decoding never lengthens
  let n = 0
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number // i < length
    if (b === PLUS) {
      out[n++] = SPACE
      continue
    }
    if (b === PERCENT) {
      const hi = hexValue(bytes[i + 1])
      const lo = hexValue(bytes[i + 2])
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo
        i += 2
        continue
      }
    }
    out[n++] = b
  }
  return out.subarray(0, n)
}

/**
 * The bytes to parse. A Buffer (a raw request body) is used as is. A string is normally ASCII
 * (Node rejects raw non-ASCII in request targets); any other character in it stands for itself
 * and is encoded in the form's charset.
 */
function toBytes(raw: string | Uint8Array, charset: FormCharset): Uint8Array {
  if (typeof raw !== 'string') return raw
  // eslint-disable-next-line no-control-regex -- "is it ASCII?" includes the control range
  if (/^[\x00-\x7f]*$/.test(raw)) return Buffer.from(raw, 'latin1')
  return charset === 'shift_jis' ? encodeKeitai(raw) : Buffer.from(raw, 'utf8')
}

/**
 * Parses an urlencoded query string or request body. Pairs are split on '&' only; a pair
 * without '=' is a name with an empty value; empty pairs are skipped. Names and values are
 * percent-decoded to bytes and then decoded and cleaned by `decodeKeitai` / `decodeUtf8`.
 *
 * Splitting the raw bytes is safe for Shift_JIS: '&', '=', '+' and '%' are all below 0x40, the
 * lowest trail byte, so they never occur inside a double-byte character.
 *
 * @throws TooManyParametersError for more than 100 pairs.
 * @throws InvalidEncodingError when a name or value is not valid in `charset`.
 */
export function parseUrlEncoded(raw: string | Uint8Array, charset: FormCharset): FormParams {
  const bytes = toBytes(raw, charset)
  const decode = charset === 'shift_jis' ? decodeKeitai : decodeUtf8
  // No prototype: a field called __proto__ or constructor is just a field.
  const params: FormParams = Object.create(null) as FormParams
  let pairs = 0
  let start = 0
  while (start <= bytes.length) {
    let end = bytes.indexOf(AMPERSAND, start)
    if (end < 0) end = bytes.length
    if (end > start) {
      if (++pairs > MAX_PAIRS) throw new TooManyParametersError(MAX_PAIRS)
      const pair = bytes.subarray(start, end)
      const eq = pair.indexOf(EQUALS)
      const name = decode(percentDecode(eq < 0 ? pair : pair.subarray(0, eq)))
      const value = eq < 0 ? '' : decode(percentDecode(pair.subarray(eq + 1)))
      const values = params[name]
      if (values) values.push(value)
      else params[name] = [value]
    }
    start = end + 1
  }
  return params
}

/** The first value of a field, or undefined when the field is absent. */
export function firstParam(params: FormParams, name: string): string | undefined {
  // hasOwn guards callers that pass an ordinary object ('constructor', 'toString', …).
  return Object.hasOwn(params, name) ? params[name]?.[0] : undefined
}

const UNRESERVED = /[A-Za-z0-9*\-._]/

/**
 * Percent-encodes a value for a query string in the page's charset, as a browser would
 * submit it (space → '+'): e.g. keitai next-page links. For Shift_JIS the text first goes
 * through the keitai conversion, so unencodable characters become 〓, never '?'.
 */
export function encodeQueryValue(value: string, charset: FormCharset): string {
  const bytes = charset === 'shift_jis' ? encodeKeitai(value) : Buffer.from(value, 'utf8')
  let out = ''
  for (const b of bytes) {
    const ch = String.fromCharCode(b)
    if (b === SPACE) out += '+'
    else if (b < 0x80 && UNRESERVED.test(ch)) out += ch
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}
