// Chooses the channel of a request. /…/k/… URLs are always keitai. Other URLs serve the
// keitai pages to legacy keitai User-Agents and the PC pages to everybody else, so they
// carry Vary: User-Agent (and Cookie, because ?view=pc remembers a choice of the PC pages).
import type { Request, RequestHandler, Response } from 'express'
import type { Channel } from '../paths.ts'
import { keitaiCarrier } from './user-agent.ts'

export const VIEW_COOKIE = 'opac_view'

export function channelOf(res: Response): Channel {
  return res.locals.channel === 'keitai' ? 'keitai' : 'pc'
}

function prefersPc(req: Request): boolean {
  const cookie = req.headers.cookie ?? ''
  return cookie.split(';').some((c) => c.trim() === `${VIEW_COOKIE}=pc`)
}

/** The channel a request would get at a shared URL. */
export function detectChannel(req: Request): Channel {
  if (/[?&]view=pc(&|$)/.test(req.originalUrl)) return 'pc'
  if (keitaiCarrier(req.headers['user-agent']) && !prefersPc(req)) return 'keitai'
  return 'pc'
}

export function forceChannel(channel: Channel): RequestHandler {
  return (_req, res, next) => {
    res.locals.channel = channel
    next()
  }
}

export const autoChannel: RequestHandler = (req, res, next) => {
  res.vary('User-Agent, Cookie')
  const channel = detectChannel(req)
  if (channel === 'pc' && /[?&]view=pc(&|$)/.test(req.originalUrl)) {
    res.append('Set-Cookie', `${VIEW_COOKIE}=pc; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax`)
  }
  res.locals.channel = channel
  next()
}
