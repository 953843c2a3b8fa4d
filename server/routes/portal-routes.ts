// The logged-in patron's portal (利用者ポータル / ご利用状況参照, SPEC.md §3): who is logged
// in, the counts of loans and holds, and the menu of the account journeys.
import { Router } from 'express'
import { libraryOf } from '../middleware/library.ts'
import { routeWithinLibrary } from '../paths.ts'
import type { Channel } from '../paths.ts'
import type { Renderer } from '../render/views.ts'
import type { AccountService } from '../services/account-service.ts'
import type { MailVerificationService } from '../services/mail-verification-service.ts'
import { formPageContext, loginRequired, patronOf, personal, renderPage } from '../web.ts'

export function portalRoutes(
  deps: { accounts: AccountService; mail: MailVerificationService; renderer: Renderer },
  channel: Channel,
): Router {
  const { accounts, mail, renderer } = deps
  const router = Router({ mergeParams: true })
  router.get(
    routeWithinLibrary(channel, 'account'),
    personal,
    loginRequired(accounts),
    async (req, res) => {
      const patron = patronOf(res)
      const { library, settings } = libraryOf(res)
      renderPage(renderer, res, 'account', {
        ...formPageContext(req, res, settings.words.portal),
        patron,
        summary: await accounts.summary(library.id, patron.id),
        initialPassword: Number(patron.password_is_initial) === 1,
        emailPending: Boolean(await mail.pending({ library, settings }, patron.id)),
      })
    },
  )
  return router
}
