// Resolves /:lib to a library system (tenant). Everything after it is scoped to that
// library; an unknown slug is a 404. Libraries change rarely, so they are cached briefly.
import type { RequestHandler, Response } from 'express'
import type { LibraryRepository } from '../db/library-repository.ts'
import type { Branch, Library } from '../db/schema.ts'
import { HttpError } from '../errors.ts'
import { resolveSettings } from '../services/library-settings.ts'
import type { LibrarySettings } from '../services/library-settings.ts'

export interface LibraryContext {
  library: Library
  settings: LibrarySettings
  branches: Branch[]
}

const CACHE_MS = 30_000

export function libraryLoader(libraries: LibraryRepository) {
  const cache = new Map<string, { at: number; context: LibraryContext }>()

  const load = async (slug: string): Promise<LibraryContext | null> => {
    const hit = cache.get(slug)
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.context
    const library = await libraries.bySlug(slug)
    if (!library) return null
    const context = {
      library,
      settings: resolveSettings(library.rules_preset, library.settings_json),
      branches: await libraries.branches(library.id),
    }
    cache.set(slug, { at: Date.now(), context })
    return context
  }

  const middleware: RequestHandler = async (req, res, next) => {
    const slug = String(req.params.lib ?? '')
    const context = /^[a-z0-9-]{1,32}$/.test(slug) ? await load(slug) : null
    if (!context) throw new HttpError(404, 'お探しの図書館は見つかりませんでした。')
    res.locals.lib = context
    next()
  }
  return middleware
}

export function libraryOf(res: Response): LibraryContext {
  const context = res.locals.lib as LibraryContext | undefined
  if (!context) throw new Error('libraryLoader did not run')
  return context
}
