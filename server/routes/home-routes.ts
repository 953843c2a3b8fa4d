// The deployment's front page: what the site is, and the library systems it hosts with a line
// each (branches, today's state, the 問合せ先), linking to their top pages.
import type { RequestHandler } from 'express'
import type { Renderer } from '../render/views.ts'
import type { LibraryService } from '../services/library-service.ts'
import type { OpeningCalendarService } from '../services/opening-calendar-service.ts'
import { pageContext, publicUrlOf, renderPage } from '../web.ts'

export function librariesGet(deps: {
  libraries: LibraryService
  openingCalendar: OpeningCalendarService
  renderer: Renderer
}): RequestHandler {
  return async (_req, res) => {
    const contexts = (
      await Promise.all((await deps.libraries.list()).map((l) => deps.libraries.bySlug(l.slug)))
    ).filter((c) => c !== null)
    const libraries = await Promise.all(
      contexts.map(async (lib) => ({
        slug: lib.library.slug,
        name: lib.library.name,
        phone: lib.library.phone,
        branches: lib.branches.map((b) => b.name),
        today: await deps.openingCalendar.today(lib),
      })),
    )
    renderPage(deps.renderer, res, 'libraries', {
      ...pageContext(res, '図書館の一覧'),
      libraries,
      keitaiUrl: `${publicUrlOf(res)}/k/`,
    })
  }
}
