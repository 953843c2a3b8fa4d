// The deployment's front page: the library systems it hosts, each linking to its top page.
import type { RequestHandler } from 'express'
import type { Renderer } from '../render/views.ts'
import type { LibraryService } from '../services/library-service.ts'
import { pageContext, renderPage } from '../web.ts'

export function librariesGet(deps: {
  libraries: LibraryService
  renderer: Renderer
}): RequestHandler {
  return async (_req, res) => {
    const libraries = await deps.libraries.list()
    renderPage(deps.renderer, res, 'libraries', {
      ...pageContext(res, '図書館の一覧'),
      libraries,
    })
  }
}
