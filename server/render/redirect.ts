// Post/Redirect/Get with one hop and an absolute Location built from PUBLIC_URL (old keitai
// need absolute URLs and know only 302; everybody else gets 303 See Other).
import type { Response } from 'express'
import { channelOf } from '../middleware/channel.ts'

export function redirectTo(res: Response, path: string): void {
  const base: string = res.locals.publicUrl ?? ''
  const status = channelOf(res) === 'keitai' ? 302 : 303
  res.status(status).setHeader('Location', `${base}${path}`)
  res.setHeader('Content-Length', '0')
  res.end()
}
