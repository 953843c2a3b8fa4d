// Loans and renewals on both channels (SPEC.md §5): the loans list with the reason a loan
// cannot be renewed, the confirmation of one renewal or of まとめて延長, and the completion
// page. A renewal is a POST with a CSRF token; a repeated press shows the same completion.
import { Router } from 'express'
import type { Request, RequestHandler, Response } from 'express'
import type { OpeningCalendarService } from '../services/opening-calendar-service.ts'
import type { Clock } from '../clock.ts'
import { HttpError } from '../errors.ts'
import { channelOf } from '../middleware/channel.ts'
import { formField } from '../middleware/form-body.ts'
import { libraryOf } from '../middleware/library.ts'
import { routeWithinLibrary } from '../paths.ts'
import type { Channel, PathName } from '../paths.ts'
import type { Renderer } from '../render/views.ts'
import { renewalRefusalFor } from '../render/words.ts'
import type { AccountService } from '../services/account-service.ts'
import type { LoanService, LoanWithRenewal } from '../services/loan-service.ts'
import {
  currentPatronId,
  endTerminalSession,
  formPageContext,
  loginRequired,
  patronOf,
  personal,
  postChain,
  redirectToPage,
  renderPage,
} from '../web.ts'

export interface LoanDeps {
  loans: LoanService
  accounts: AccountService
  renderer: Renderer
  clock: Clock
  openingCalendar: OpeningCalendarService
}

const LOAN_NOT_FOUND = 'この貸出は見つかりませんでした。'

/** Loan ids from the hidden field of the renew-all confirmation ("12,15,19"). */
function formOfIds(raw: string): number[] {
  return raw
    .split(',')
    .filter((s) => /^[1-9]\d{0,9}$/.test(s))
    .map(Number)
    .slice(0, 100)
}

function loanParam(req: Request): number {
  const raw = String(req.params.id ?? '')
  if (!/^[1-9]\d{0,9}$/.test(raw)) throw new HttpError(404, LOAN_NOT_FOUND)
  return Number(raw)
}

export function loanRoutes(deps: LoanDeps, channel: Channel): Router {
  const { loans, accounts, renderer, clock } = deps
  const router = Router({ mergeParams: true })
  const route = (name: PathName) => routeWithinLibrary(channel, name)
  const requireLogin = loginRequired(accounts)

  /** The reason a loan cannot be renewed, in this channel's and library's words. */
  /** Today's opening state beside the due dates a page shows ("next opening day" on a closed day). */
  const openingOf = async (res: Response) => ({
    openingToday: await deps.openingCalendar.today(libraryOf(res)),
    openingHours: libraryOf(res).settings.openingHours,
  })
  const refusalOf = (res: Response) => (l: LoanWithRenewal) =>
    l.renewal.ok ? '' : renewalRefusalFor(channelOf(res), libraryOf(res).settings, l.renewal)

  router.get(route('loans'), personal, requireLogin, async (req, res) => {
    const { library, settings } = libraryOf(res)
    const list = await loans.list(library.id, settings, patronOf(res).id)
    renderPage(renderer, res, 'loans', {
      ...formPageContext(req, res, settings.words.loansList),
      loans: list,
      renewableCount: list.filter((l) => l.renewal.ok).length,
      refusal: refusalOf(res),
      // Beside the 返却予定日: whether the library is open today, else its next opening day.
      openingToday: await deps.openingCalendar.today(libraryOf(res)),
      openingHours: settings.openingHours,
    })
  })

  router.get(route('renew'), personal, requireLogin, async (req, res) => {
    const { library, settings } = libraryOf(res)
    const id = loanParam(req)
    const loan = (await loans.list(library.id, settings, patronOf(res).id)).find((l) => l.id === id)
    if (!loan)
      throw new HttpError(404, `${LOAN_NOT_FOUND}${settings.words.loansList}からお選びください。`)
    renderPage(
      renderer,
      res,
      'renew-confirm',
      {
        ...formPageContext(req, res, '貸出延長の確認', {
          titleDetail: [...loan.title].slice(0, 30).join(''),
        }),
        items: [loan],
        all: false,
        refusal: refusalOf(res)(loan),
        ...(await openingOf(res)),
      },
      loan.renewal.ok ? 200 : 409,
    )
  })

  router.get(route('renewAll'), personal, requireLogin, async (req, res) => {
    const { library, settings } = libraryOf(res)
    const list = await loans.list(library.id, settings, patronOf(res).id)
    renderPage(renderer, res, 'renew-confirm', {
      ...formPageContext(req, res, 'まとめて延長の確認'),
      items: list.filter((l) => l.renewal.ok),
      skipped: list.filter((l) => !l.renewal.ok),
      all: true,
      refusal: refusalOf(res),
      ...(await openingOf(res)),
    })
  })

  const renewPost =
    (all: boolean): RequestHandler =>
    async (req, res) => {
      const { library, settings } = libraryOf(res)
      const ids = all ? formOfIds(formField(res, 'loans') ?? '') : [loanParam(req)]
      if (ids.length === 0) {
        redirectToPage(req, res, 'loans')
        return
      }
      const results = await loans.renew(library.id, settings, patronOf(res).id, ids)
      // Not one of this patron's loans (another patron's or library's id): as the GET does.
      if (!all && results.length === 0) {
        throw new HttpError(404, `${LOAN_NOT_FOUND}${settings.words.loansList}からお選びください。`)
      }
      // A repeated press is recognised by loan-service (the loan was renewed just now).
      req.session.renewed = {
        libraryId: library.id,
        at: clock.now().getTime(),
        items: results.map((r) =>
          r.ok
            ? { loanId: r.loan.id, title: r.loan.title, ok: true, dueOn: r.newDueOn }
            : {
                loanId: r.loan.id,
                title: r.loan.title,
                ok: false,
                dueOn: r.loan.due_on,
                refusal: { reason: r.check.reason, from: r.check.from },
              },
        ),
      }
      await endTerminalSession(req)
      redirectToPage(req, res, 'renewDone')
    }
  router.post(route('renew'), ...postChain, requireLogin, renewPost(false))
  router.post(route('renewAll'), ...postChain, requireLogin, renewPost(true))

  router.get(route('renewDone'), personal, async (req, res) => {
    const done = req.session?.renewed
    const { settings } = libraryOf(res)
    if (!done || done.libraryId !== libraryOf(res).library.id) {
      redirectToPage(req, res, 'loans')
      return
    }
    const heading = done.items.some((i) => i.ok) ? '貸出延長の完了' : '貸出延長できませんでした'
    renderPage(renderer, res, 'renew-done', {
      ...formPageContext(req, res, heading),
      items: done.items.map((i) => ({
        ...i,
        message: i.refusal ? renewalRefusalFor(channelOf(res), settings, i.refusal) : '',
      })),
      loggedIn: currentPatronId(req, res) !== null,
      ...(await openingOf(res)),
    })
  })

  return router
}
