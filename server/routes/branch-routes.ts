// A page per branch (館の案内): where it is, how to call it, what it is for, its opening days,
// and a search of its shelves. Linked from the library's top page on both channels.
import { Router } from 'express'
import { HttpError } from '../errors.ts'
import { libraryOf } from '../middleware/library.ts'
import { routeWithinLibrary } from '../paths.ts'
import type { Channel } from '../paths.ts'
import type { Renderer } from '../render/views.ts'
import { pageContext, renderPage } from '../web.ts'

export function branchRoutes(deps: { renderer: Renderer }, channel: Channel): Router {
  const router = Router({ mergeParams: true })
  router.get(routeWithinLibrary(channel, 'branch'), (req, res) => {
    const lib = libraryOf(res)
    const code = String(req.params.code)
    const branch = lib.branches.find((b) => b.code === code)
    if (!branch) throw new HttpError(404, 'この館は見つかりませんでした。')
    renderPage(deps.renderer, res, 'branch', {
      ...pageContext(res, branch.name, {
        switchTo: 'branch',
        switchParams: { code: branch.code },
      }),
      branch,
      // A branch without its own number is reached through the library's.
      phone: branch.phone || lib.library.phone,
      openingHours: lib.settings.openingHours,
    })
  })
  return router
}
