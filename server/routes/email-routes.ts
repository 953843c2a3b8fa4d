// E-mail address registration and change on both channels (SPEC.md §6): library A's
// 利用者情報変更 (new address → 「変更する」 → done, mail) and library B's メールアドレス変更
// (address and アドレスの種類 → 「変更」 → 確認 「送信」 → 完了, mail); the mail's link opens a
// page with one button (確定する / 確定) — a GET changes nothing —, or its code is typed here;
// 「テストメールを送る」; and the help page for mail that does not arrive (library B's checklist).
// On keitai the address is typed twice. Until confirmed, the old address stays in force.
import { Router } from 'express'
import type { Request, Response } from 'express'
import { HttpError } from '../errors.ts'
import { formField } from '../middleware/form-body.ts'
import { libraryOf } from '../middleware/library.ts'
import { routeWithinLibrary } from '../paths.ts'
import type { Channel, PathName } from '../paths.ts'
import { addressMessage, emailIneligibleMessage, linkProblemMessage } from '../render/mail-words.ts'
import type { Renderer } from '../render/views.ts'
import type { AccountService } from '../services/account-service.ts'
import type { EmailKind, MailVerificationService } from '../services/mail-verification-service.ts'
import { emailEligibility } from '../services/mail-verification-service.ts'
import {
  formPageContext,
  loginRequired,
  pageContext,
  patronOf,
  personal,
  postChain,
  redirectToPage,
  renderPage,
  setFlash,
  takeFlash,
} from '../web.ts'
import { today } from '../clock.ts'
import type { Clock } from '../clock.ts'

export const EMAIL_KINDS: [EmailKind, string][] = [
  ['pc', 'パソコン'],
  ['mobile', '携帯電話'],
]

export function emailRoutes(
  deps: {
    mail: MailVerificationService
    accounts: AccountService
    renderer: Renderer
    clock: Clock
  },
  channel: Channel,
): Router {
  const { mail, accounts, renderer, clock } = deps
  const router = Router({ mergeParams: true })
  const route = (name: PathName) => routeWithinLibrary(channel, name)
  const requireLogin = loginRequired(accounts)
  const post = [...postChain, requireLogin]

  /** The library as the mail service needs it. */
  const mailLib = (res: Response) => {
    const { library, settings } = libraryOf(res)
    return { library, settings }
  }

  /** B asks PC or 携帯; A infers it from the address (carrier domains are 携帯). */
  const asksKind = (res: Response) => libraryOf(res).settings.emailConfirmStep

  const emailPage = async (
    req: Request,
    res: Response,
    data: {
      address?: string
      kind?: string
      confirming?: boolean
      errors?: Record<string, string>
      message?: string
    } = {},
    status = 200,
  ) => {
    const lib = libraryOf(res)
    const patron = patronOf(res)
    const eligible = emailEligibility(lib.settings, patron, today(clock))
    renderPage(
      renderer,
      res,
      'email',
      {
        ...formPageContext(
          req,
          res,
          data.confirming ? `${lib.settings.words.emailPage}の確認` : lib.settings.words.emailPage,
          { error: status >= 400 },
        ),
        patron,
        pending: await mail.pending(mailLib(res), patron.id),
        refusal: eligible.ok ? '' : emailIneligibleMessage(eligible.reason),
        kinds: EMAIL_KINDS,
        asksKind: asksKind(res),
        typeTwice: channel === 'keitai',
        notice: req.method === 'GET' ? takeFlash(req) : '',
        address: '',
        kind: patron.email_kind,
        confirming: false,
        errors: {},
        message: '',
        ...data,
      },
      status,
    )
  }

  router.get(route('email'), personal, requireLogin, async (req, res) => {
    await emailPage(req, res)
  })

  router.post(route('email'), ...post, async (req, res) => {
    const lib = libraryOf(res)
    const address = (formField(res, 'address') ?? '').slice(0, 400)
    const confirmation =
      channel === 'keitai' ? (formField(res, 'confirmation') ?? '').slice(0, 400) : undefined
    const rawKind = formField(res, 'kind')
    const kind: EmailKind | undefined = asksKind(res)
      ? rawKind === 'mobile' || rawKind === 'pc'
        ? rawKind
        : undefined
      : undefined
    const shown = { address: address.slice(0, 254), kind: kind ?? 'pc' }
    if (asksKind(res) && !kind) {
      await emailPage(
        req,
        res,
        { ...shown, errors: { kind: 'アドレスの種類を選んでください。' } },
        400,
      )
      return
    }
    // Rules B: 「変更」 → 確認 → 「送信」. The confirmation page carries the address back.
    const confirming = lib.settings.emailConfirmStep && formField(res, 'confirmed') !== '1'
    const input = { address, confirmation, kind }
    const outcome = confirming
      ? await mail.check(mailLib(res), patronOf(res).id, input)
      : await mail.request(mailLib(res), patronOf(res).id, input)
    if (confirming && outcome.ok) {
      await emailPage(req, res, { ...shown, address: outcome.address, confirming: true })
      return
    }
    if (!outcome.ok) {
      if (outcome.reason === 'fields') {
        const errors: Record<string, string> = {}
        if (outcome.errors.address) errors.address = addressMessage(outcome.errors.address)
        if (outcome.errors.confirmation)
          errors.confirmation = addressMessage(outcome.errors.confirmation)
        await emailPage(req, res, { ...shown, errors }, 400)
      } else if (outcome.reason === 'ineligible') {
        await emailPage(
          req,
          res,
          { ...shown, message: emailIneligibleMessage(outcome.eligibility) },
          403,
        )
      } else if (outcome.reason === 'rate_limited') {
        const message =
          '短い時間に何度も手続きされたため、受け付けられませんでした。しばらくしてからもう一度お試しください。'
        await emailPage(req, res, { ...shown, message }, 429)
      } else throw new HttpError(404, 'ログインし直してください。')
      return
    }
    if (!outcome.ok) return
    req.session.emailSent = { libraryId: lib.library.id, address: outcome.address }
    redirectToPage(req, res, 'emailSent')
  })

  router.get(route('emailSent'), personal, requireLogin, (req, res) => {
    const sent = req.session.emailSent
    if (!sent || sent.libraryId !== libraryOf(res).library.id) {
      redirectToPage(req, res, 'email')
      return
    }
    renderPage(renderer, res, 'email-sent', {
      ...formPageContext(req, res, `${libraryOf(res).settings.words.emailPage}の受付`),
      address: sent.address,
    })
  })

  router.post(route('emailCode'), ...post, async (req, res) => {
    const outcome = await mail.confirmCode(
      mailLib(res),
      patronOf(res).id,
      (formField(res, 'code') ?? '').slice(0, 20),
    )
    if (!outcome.ok) {
      const message =
        outcome.reason === 'wrong_code'
          ? outcome.triesLeft > 0
            ? `確認コードが違います（あと${outcome.triesLeft}回入力できます）。`
            : '確認コードを何度も間違えたため、この手続きは無効になりました。もう一度メールアドレスを入力してください。'
          : linkProblemMessage(outcome.reason)
      await emailPage(req, res, { errors: { code: message } }, 400)
      return
    }
    setFlash(req, `メールアドレスを${outcome.address}に変更しました。`)
    redirectToPage(req, res, 'email')
  })

  router.post(route('emailTest'), ...post, async (req, res) => {
    const outcome = await mail.sendTestMail(mailLib(res), patronOf(res).id)
    setFlash(
      req,
      outcome.ok
        ? `テストメールを${outcome.address}に送りました。届くまで数分かかることがあります。`
        : outcome.reason === 'no_address'
          ? 'メールアドレスが登録されていません。'
          : 'テストメールは1時間に3通までです。しばらくしてからお試しください。',
    )
    redirectToPage(req, res, 'email')
  })

  // --- the mail's link: no login needed, a GET changes nothing -----------------------------

  const tokenOf = (req: Request) => String(req.params.token ?? '').slice(0, 100)

  router.get(route('emailConfirm'), personal, async (req, res) => {
    const link = await mail.link(mailLib(res), tokenOf(req))
    const lib = libraryOf(res)
    renderPage(
      renderer,
      res,
      'email-link',
      {
        ...formPageContext(req, res, `${lib.settings.words.emailPage}の確定`, { error: !link.ok }),
        link,
        token: tokenOf(req),
        problem: link.ok ? '' : linkProblemMessage(link.reason),
      },
      link.ok ? 200 : link.reason === 'invalid' ? 404 : 410,
    )
  })

  router.post(route('emailConfirm'), ...postChain, async (req, res) => {
    const outcome = await mail.confirmLink(mailLib(res), tokenOf(req))
    const lib = libraryOf(res)
    if (!outcome.ok) {
      const reason = outcome.reason === 'wrong_code' ? 'invalid' : outcome.reason
      renderPage(
        renderer,
        res,
        'email-link',
        {
          ...formPageContext(req, res, `${lib.settings.words.emailPage}の確定`, { error: true }),
          link: { ok: false },
          token: '',
          problem: linkProblemMessage(reason),
        },
        reason === 'invalid' ? 404 : 410,
      )
      return
    }
    req.session.emailDone = { libraryId: lib.library.id, address: outcome.address }
    redirectToPage(req, res, 'emailConfirmed')
  })

  router.get(route('emailConfirmed'), personal, (req, res) => {
    const lib = libraryOf(res)
    const done = req.session?.emailDone
    if (!done || done.libraryId !== lib.library.id) {
      redirectToPage(req, res, 'top')
      return
    }
    renderPage(renderer, res, 'email-done', {
      ...pageContext(res, `${lib.settings.words.emailPage}の完了`),
      settings: lib.settings,
      address: done.address,
    })
  })

  router.get(route('emailHelp'), (req, res) => {
    renderPage(renderer, res, 'email-help', {
      ...pageContext(res, 'メールが届かないとき'),
      settings: libraryOf(res).settings,
    })
  })

  return router
}
