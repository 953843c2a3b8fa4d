// The QR code of a library's keitai URL, as library A's manual prints it; server-made SVG.
import type { RequestHandler } from 'express'
import QRCode from 'qrcode'
import { libraryOf } from '../middleware/library.ts'
import { publicUrlOf } from '../web.ts'

const cache = new Map<string, string>()

export function keitaiQrGet(): RequestHandler {
  return async (_req, res) => {
    const url = `${publicUrlOf(res)}/${libraryOf(res).library.slug}/k/`
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
