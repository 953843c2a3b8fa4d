// QR codes of a library's addresses, as library A's manual prints them: the smartphone/PC
// address (UTF-8 pages) and, separately, the keitai address (Shift_JIS pages for flip phones).
// Server-made SVG, cached per address.
import type { RequestHandler } from 'express'
import QRCode from 'qrcode'
import { libraryOf } from '../middleware/library.ts'
import { publicUrlOf } from '../web.ts'

const cache = new Map<string, string>()

/** `web`: the library's top page for smartphones and PCs; `keitai`: its keitai top page. */
export function libraryQrGet(kind: 'web' | 'keitai'): RequestHandler {
  return async (_req, res) => {
    const slug = libraryOf(res).library.slug
    const url = `${publicUrlOf(res)}/${slug}/${kind === 'keitai' ? 'k/' : ''}`
    let svg = cache.get(url)
    if (!svg) {
      svg = await QRCode.toString(url, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' })
      cache.set(url, svg)
    }
    res.setHeader('Content-Type', 'image/svg+xml; charset=utf-8')
    res.setHeader('Cache-Control', 'public, max-age=86400')
    res.send(svg)
  }
}
