// What every view gets: the channel, the library, a urlFor bound to both, and the title
// in the form 「<page>｜<library name>」 (「エラー：」 in front on error pages).
import type { Response } from 'express'
import { channelOf } from '../middleware/channel.ts'
import { keitaiSessionToken } from '../middleware/session.ts'
import type { LibraryContext } from '../middleware/library.ts'
import { otherChannel, urlFor } from '../paths.ts'
import type { Channel, PathName, Query } from '../paths.ts'
import * as format from '../render/format.ts'
import * as labels from '../render/labels.ts'

export interface PageContext {
  channel: Channel
  title: string
  heading: string
  lib: LibraryContext | null
  url: (name: PathName, params?: Record<string, string | number>, query?: Query) => string
  /** The same page on the other channel. */
  switchUrl: string
  format: typeof format
  labels: typeof labels
  /** A patron of this library is logged in (every page then offers ログアウト). */
  loggedIn: boolean
  /** The request comes from an in-library terminal (館内OPAC). */
  terminal: boolean
  /** The session's CSRF token when logged in (for the ログアウト button on every page). */
  sessionCsrf: string
}

export function pageContext(
  res: Response,
  heading: string,
  options: {
    error?: boolean
    page?: number
    switchTo?: PathName
    switchParams?: Record<string, string | number>
    /** Query of the same page on the other channel (encoded in that channel's charset). */
    switchQuery?: Query
  } = {},
): PageContext {
  const channel = channelOf(res)
  const lib = (res.locals.lib as LibraryContext | undefined) ?? null
  const base: Record<string, string> = lib ? { lib: lib.library.slug } : {}
  // A keitai with a session carries it in every link (it may have no cookies).
  const token = channel === 'keitai' ? keitaiSessionToken(res.req) : undefined
  const url = (name: PathName, params: Record<string, string | number> = {}, query: Query = {}) =>
    urlFor(channel, name, { ...base, ...params }, query, token)
  const pageSuffix = options.page && options.page > 1 ? `(${options.page}ページ目)` : ''
  const site = lib ? lib.library.name : 'Web OPAC'
  const title = `${options.error ? 'エラー：' : ''}${heading}${pageSuffix}｜${site}`
  const other = otherChannel(channel)
  const switchName = options.switchTo ?? (lib ? 'top' : 'libraries')
  // A keitai UA at a shared URL would get the keitai pages again: ask for the PC ones.
  const switchQuery = { ...options.switchQuery, ...(other === 'pc' ? { view: 'pc' } : {}) }
  const switchUrl = urlFor(
    other,
    switchName,
    { ...base, ...(options.switchParams ?? {}) },
    switchQuery,
  )
  const session = res.req.session as
    { patronId?: number; libraryId?: number; terminal?: boolean; csrfToken?: string } | undefined
  const loggedIn = Boolean(lib && session?.patronId && session.libraryId === lib.library.id)
  const terminal = Boolean(session?.terminal)
  const sessionCsrf = loggedIn ? (session?.csrfToken ?? '') : ''
  return {
    channel,
    title,
    heading,
    lib,
    url,
    switchUrl,
    format,
    labels,
    loggedIn,
    terminal,
    sessionCsrf,
  }
}
