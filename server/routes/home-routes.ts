// The deployment's front page: the library systems it hosts, each linking to its top page.
import type { RequestHandler } from 'express'
import type { LibraryRepository } from '../db/library-repository.ts'
import type { Renderer } from '../render/views.ts'
import { channelOf } from '../middleware/channel.ts'
import { pageContext } from './page-context.ts'

export function librariesGet(deps: {
  libraries: LibraryRepository
  renderer: Renderer
}): RequestHandler {
  return async (_req, res) => {
    const libraries = await deps.libraries.list()
    deps.renderer.page(res, channelOf(res), 'libraries', {
      ...pageContext(res, '図書館の一覧'),
      libraries,
    })
  }
}
