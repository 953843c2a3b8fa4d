// Eta views for both channels. PC pages go out as UTF-8; keitai pages are trimmed of
// indentation and encoded to CP932 bytes with the exact label Shift_JIS (lynx and w3m
// garble pages labelled otherwise), sent as a Buffer so Express cannot relabel them.
import { join } from 'node:path'
import type { Response } from 'express'
import { Eta } from 'eta'
import type { Channel } from '../paths.ts'
import { encodeKeitai } from './cp932.ts'

export const VIEWS_DIR = join(import.meta.dirname, '..', '..', 'views')

export interface Renderer {
  /** Renders views/<channel>/<view>.eta with data and sends it with the status. */
  page(res: Response, channel: Channel, view: string, data: object, status?: number): void
  /** Renders to a string (tests and byte budgets). */
  html(channel: Channel, view: string, data: object): string
}

export function createRenderer(options: { cache: boolean }): Renderer {
  const eta = new Eta({
    views: VIEWS_DIR,
    cache: options.cache,
    autoEscape: true,
    autoTrim: [false, 'nl'],
  })
  if (options.cache) rememberPaths(eta)

  const html = (channel: Channel, view: string, data: object): string => {
    const out = eta.render(`./${channel}/${view}`, { ...data, channel })
    // Keitai pages are paid for by the byte: drop indentation and blank lines.
    return channel === 'keitai' ? out.replace(/\n[ \t]+/g, '\n').replace(/\n{2,}/g, '\n') : out
  }

  return {
    html,
    page(res, channel, view, data, status = 200) {
      const body = html(channel, view, data)
      // Not res.send: it would parse the type again to set a charset and look for validators
      // no page has. A PC page goes out as a string, so Node sends it with the headers in one
      // write; a keitai page as its CP932 bytes.
      res.statusCode = status
      if (channel === 'keitai') {
        const bytes = encodeKeitai(body)
        res.setHeader('Content-Type', 'text/html; charset=Shift_JIS')
        res.setHeader('Content-Length', bytes.length)
        res.end(bytes)
      } else {
        res.setHeader('Content-Type', 'text/html; charset=utf-8')
        res.setHeader('Content-Length', Buffer.byteLength(body, 'utf8'))
        res.end(body, 'utf8')
      }
    },
  }
}

/**
 * Eta resolves a template's name to its file at every render and include (path.join,
 * path.relative and a JSON key each time), even with its template cache on. With the cache on
 * the answer cannot change: it is kept per (including file, name) — a few dozen entries.
 */
export function rememberPaths(eta: Eta): void {
  const resolve = eta.resolvePath
  if (!resolve) return
  const known = new Map<string, string>()
  const remembered: NonNullable<Eta['resolvePath']> = function (template, options) {
    const key = `${options?.filepath ?? ''}\n${template}`
    let path = known.get(key)
    if (path === undefined) {
      path = resolve.call(this, template, options)
      known.set(key, path)
    }
    return path
  }
  eta.resolvePath = remembered
}
