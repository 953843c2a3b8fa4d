// Resolves /:lib to a library system (tenant). Everything after it is scoped to that
// library; an unknown slug is a 404.
import type { RequestHandler, Response } from 'express'
import { HttpError } from '../errors.ts'
import type { LibraryContext, LibraryService } from '../services/library-service.ts'

export type { LibraryContext }

export function libraryLoader(libraries: LibraryService): RequestHandler {
  return async (req, res, next) => {
    const context = await libraries.bySlug(String(req.params.lib ?? ''))
    if (!context) throw new HttpError(404, 'お探しの図書館は見つかりませんでした。')
    res.locals.lib = context
    next()
  }
}

/** The library of this request (set by libraryLoader). */
export function libraryOf(res: Response): LibraryContext {
  const context: LibraryContext | undefined = res.locals.lib
  if (!context) throw new Error('libraryLoader did not run')
  return context
}

/** The library of this request, or null outside a library's pages. */
export function libraryOrNull(res: Response): LibraryContext | null {
  const context: LibraryContext | undefined = res.locals.lib
  return context ?? null
}
