// Patron accounts on both channels: login and logout, the portal, loans and renewals, and the
// password journeys (library A's first registration, password change, forgotten password).
// Handlers parse the form, call a service, and map its outcome to a page or a redirect.
import { Router } from 'express'
import type { Request, RequestHandler, Response } from 'express'
import type { SessionData } from 'express-session'
import { today } from '../clock.ts'
import type { Config } from '../config.ts'
import type { PatronRepository } from '../db/patron-repository.ts'
import type { Patron } from '../db/schema.ts'
import { HttpError } from '../errors.ts'
import { channelOf } from '../middleware/channel.ts'
import { csrfToken, verifyCsrf } from '../middleware/csrf.ts'
import { formBody, formField } from '../middleware/form-body.ts'
import { libraryOf } from '../middleware/library.ts'
import { param } from '../middleware/query.ts'
import { SESSION_COOKIE, keitaiSessionToken } from '../middleware/session.ts'
import { isSafeReturnPath, libraryPath, routeWithinLibrary, urlFor } from '../paths.ts'
import type { Channel, PathName } from '../paths.ts'
import { redirectTo } from '../render/redirect.ts'
import type { Renderer } from '../render/views.ts'
import { LOGIN_FAILED, passwordRuleText } from '../services/auth-service.ts'
import type { AuthService, FieldErrors } from '../services/auth-service.ts'
import type { LoanService } from '../services/loan-service.ts'
import { eligibilityMessage, parseBirthDate } from '../services/password-service.ts'
import { renewalRefusalMessage } from '../services/renewal-service.ts'
import { pageContext } from './page-context.ts'

const STEP_MINUTES = 10

export interface AccountDeps {
  config: Config
  auth: AuthService
  loans: LoanService
  patrons: PatronRepository
  renderer: Renderer
  clock: { now(): Date }
}

/** The logged-in patron of this library, or null. */
export function sessionPatronId(req: Request, res: Response): number | null {
  const { library } = libraryOf(res)
  const s = req.session as Partial<SessionData> | undefined
  return s?.patronId && s.libraryId === library.id ? s.patronId : null
}

/** The path of a named page for this request (keeps a keitai's session in the path). */
export function pathFor(
  req: Request,
  res: Response,
  name: PathName,
  params: Record<string, string | number> = {},
  query: Record<string, string | number | undefined> = {},
): string {
  const channel = channelOf(res)
  const token = channel === 'keitai' ? keitaiSessionToken(req) : undefined
  return urlFor(channel, name, { lib: libraryOf(res).library.slug, ...params }, query, token)
}

/**
 * Loads the logged-in patron into res.locals.patron, or sends the visitor to the login page,
 * which brings them back here (GET pages) afterwards.
 */
export function loginRequired(patrons: PatronRepository): RequestHandler {
  return async (req, res, next) => {
    const id = sessionPatronId(req, res)
    const patron = id === null ? undefined : await patrons.byId(libraryOf(res).library.id, id)
    if (!patron) {
      const back = req.method === 'GET' ? req.originalUrl.slice(req.baseUrl.length) : undefined
      redirectTo(res, pathFor(req, res, 'login', {}, { next: back }))
      return
    }
    res.locals.patron = patron
    next()
  }
}

/** The patron loginRequired loaded. */
export function patronOf(res: Response): Patron {
  return res.locals.patron as Patron
}

function lockedMessage(until: Date, clock: { now(): Date }): string {
  const minutes = Math.max(1, Math.ceil((until.getTime() - clock.now().getTime()) / 60_000))
  return `しばらくの間ログインできません。約${minutes}分後にもう一度お試しいただくか、図書館のカウンターでおたずねください。`
}

export function accountRoutes(deps: AccountDeps, channel: Channel): Router {
  const { config, auth, loans, patrons, renderer, clock } = deps
  const router = Router({ mergeParams: true })
  const route = (name: PathName) => routeWithinLibrary(channel, name)
  const render = (res: Response, view: string, data: object, status = 200) =>
    renderer.page(res, channelOf(res), view, data, status)
  const go = (req: Request, res: Response, name: PathName, params = {}, query = {}) =>
    redirectTo(res, pathFor(req, res, name, params, query))
  const idleMinutes = (req: Request) =>
    req.session?.terminal ? config.terminalIdleMinutes : config.sessionIdleMinutes
  const personal: RequestHandler = (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store, private')
    res.setHeader('Pragma', 'no-cache')
    res.setHeader('Expires', '0')
    next()
  }
  const post = [personal, formBody(), verifyCsrf]
  const context = (req: Request, res: Response, heading: string, options = {}) => {
    const csrf = csrfToken(req) // first: it may start the session that links then carry
    const page = pageContext(res, heading, options)
    return { ...page, csrf, path: page.url, ...accountState(req) }
  }
  const accountState = (req: Request) => ({
    idleMinutes: idleMinutes(req),
    terminal: Boolean(req.session?.terminal),
    settings: libraryOf(req.res as Response).settings,
  })
  const fresh = (at: number | undefined) =>
    at !== undefined && clock.now().getTime() - at < STEP_MINUTES * 60_000

  const requireLogin = loginRequired(patrons)

  // --- login / logout -------------------------------------------------------------------

  const loginPage = (req: Request, res: Response, data: object, status = 200) => {
    const next = String((data as { next?: string }).next ?? param(res, 'next') ?? '')
    render(
      res,
      'login',
      {
        ...context(req, res, 'ログイン', { error: status >= 400 }),
        card: '',
        errors: {},
        message: '',
        ...data,
        next: isSafeReturnPath(next) ? next : '',
      },
      status,
    )
  }

  router.get(route('login'), personal, (req, res) => {
    if (sessionPatronId(req, res) !== null) {
      go(req, res, 'account')
      return
    }
    loginPage(req, res, {})
  })

  router.post(route('login'), ...post, async (req, res) => {
    const { library, settings } = libraryOf(res)
    const card = formField(res, 'card') ?? ''
    const next = formField(res, 'next') ?? ''
    const outcome = await auth.login(library.id, settings, {
      card,
      password: formField(res, 'password') ?? '',
      address: req.ip ?? '',
    })
    if (!outcome.ok) {
      const shown = { card: card.slice(0, 20), next }
      if (outcome.reason === 'fields') {
        loginPage(req, res, { ...shown, errors: outcome.errors }, 400)
      } else if (outcome.reason === 'locked') {
        loginPage(req, res, { ...shown, message: lockedMessage(outcome.until, clock) }, 429)
      } else if (outcome.reason === 'ineligible') {
        loginPage(req, res, { ...shown, message: eligibilityMessage(outcome.eligibility) }, 403)
      } else {
        loginPage(req, res, { ...shown, message: LOGIN_FAILED }, 401)
      }
      return
    }
    const terminal = req.session.terminal
    await new Promise<void>((resolve, reject) =>
      req.session.regenerate((err) => (err ? reject(err) : resolve())),
    )
    Object.assign(req.session, {
      patronId: outcome.patron.id,
      libraryId: library.id,
      cardNumber: outcome.patron.card_number,
      loginAt: clock.now().getTime(),
      terminal,
    })
    csrfToken(req)
    const target = isSafeReturnPath(next) && next !== route('login') ? next : route('account')
    const token = channelOf(res) === 'keitai' ? keitaiSessionToken(req) : undefined
    redirectTo(res, libraryPath(channelOf(res), library.slug, target, token))
  })

  router.post(route('logout'), ...post, async (req, res) => {
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()))
    if (channelOf(res) === 'pc') res.clearCookie(SESSION_COOKIE, { path: '/' })
    redirectTo(res, urlFor(channelOf(res), 'top', { lib: libraryOf(res).library.slug }))
  })

  // --- portal ---------------------------------------------------------------------------

  router.get(route('account'), personal, requireLogin, async (req, res) => {
    const patron = patronOf(res)
    const { library } = libraryOf(res)
    const summary = await patrons.summary(library.id, patron.id, today(clock))
    render(res, 'account', {
      ...context(req, res, '利用者ポータル'),
      patron,
      summary,
      initialPassword: Number(patron.password_is_initial) === 1,
    })
  })

  // --- loans and renewals -----------------------------------------------------------------

  router.get(route('loans'), personal, requireLogin, async (req, res) => {
    const { library, settings } = libraryOf(res)
    const list = await loans.list(library.id, settings, patronOf(res).id)
    render(res, 'loans', {
      ...context(req, res, '貸出中一覧'),
      loans: list,
      renewableCount: list.filter((l) => l.renewal.ok).length,
      refusal: (l: (typeof list)[number]) =>
        l.renewal.ok ? '' : renewalRefusalMessage(l.renewal.reason, l.renewal.from),
    })
  })

  const loanParam = (req: Request): number => {
    const raw = String(req.params.id ?? '')
    if (!/^[1-9]\d{0,9}$/.test(raw)) throw new HttpError(404, 'この貸出は見つかりませんでした。')
    return Number(raw)
  }

  router.get(route('renew'), personal, requireLogin, async (req, res) => {
    const { library, settings } = libraryOf(res)
    const id = loanParam(req)
    const loan = (await loans.list(library.id, settings, patronOf(res).id)).find((l) => l.id === id)
    if (!loan)
      throw new HttpError(404, 'この貸出は見つかりませんでした。貸出中一覧からお選びください。')
    render(
      res,
      'renew-confirm',
      {
        ...context(req, res, '貸出延長の確認'),
        items: [loan],
        all: false,
        refusal: loan.renewal.ok
          ? ''
          : renewalRefusalMessage(loan.renewal.reason, loan.renewal.from),
      },
      loan.renewal.ok ? 200 : 409,
    )
  })

  router.get(route('renewAll'), personal, requireLogin, async (req, res) => {
    const { library, settings } = libraryOf(res)
    const list = await loans.list(library.id, settings, patronOf(res).id)
    render(res, 'renew-confirm', {
      ...context(req, res, 'まとめて延長の確認'),
      items: list.filter((l) => l.renewal.ok),
      skipped: list.filter((l) => !l.renewal.ok),
      all: true,
      refusal: (l: (typeof list)[number]) =>
        l.renewal.ok ? '' : renewalRefusalMessage(l.renewal.reason, l.renewal.from),
    })
  })

  const renewPost =
    (all: boolean): RequestHandler =>
    async (req, res) => {
      const { library, settings } = libraryOf(res)
      const patron = patronOf(res)
      const ids = all ? formOfIds(formField(res, 'loans') ?? '') : [loanParam(req)]
      if (ids.length === 0) {
        go(req, res, 'loans')
        return
      }
      const results = await loans.renew(library.id, settings, patron.id, ids)
      // A repeated press is recognised by loan-service (the loan was renewed just now).
      req.session.renewed = {
        libraryId: library.id,
        at: clock.now().getTime(),
        items: results.map((r) =>
          r.ok
            ? { loanId: r.loan.id, title: r.loan.title, ok: true, dueOn: r.newDueOn, message: '' }
            : {
                loanId: r.loan.id,
                title: r.loan.title,
                ok: false,
                dueOn: r.loan.due_on,
                message: renewalRefusalMessage(r.check.reason, r.check.from),
              },
        ),
      }
      await endTerminalSession(req)
      go(req, res, 'renewDone')
    }
  router.post(route('renew'), ...post, requireLogin, renewPost(false))
  router.post(route('renewAll'), ...post, requireLogin, renewPost(true))

  router.get(route('renewDone'), personal, (req, res) => {
    const done = req.session?.renewed
    if (!done || done.libraryId !== libraryOf(res).library.id) {
      go(req, res, 'loans')
      return
    }
    render(res, 'renew-done', {
      ...context(
        req,
        res,
        done.items.some((i) => i.ok) ? '貸出延長の完了' : '貸出延長できませんでした',
      ),
      items: done.items,
      loggedIn: sessionPatronId(req, res) !== null,
    })
  })

  /** 館内OPAC: when a renewal or password change completes, nothing personal stays. */
  async function endTerminalSession(req: Request): Promise<boolean> {
    if (!req.session.terminal) return false
    const keep = { renewed: req.session.renewed, passwordDone: req.session.passwordDone }
    await new Promise<void>((resolve, reject) =>
      req.session.regenerate((err) => (err ? reject(err) : resolve())),
    )
    Object.assign(req.session, keep, { terminal: true })
    if (req.session.passwordDone) req.session.passwordDone.loggedOut = true
    csrfToken(req)
    return true
  }

  // --- passwords --------------------------------------------------------------------------

  router.get(route('passwordForgot'), (req, res) => {
    render(res, 'password-forgot', { ...pageContext(res, 'パスワードを忘れた方') })
  })

  const selfRegistration: RequestHandler = (_req, res, next) => {
    if (libraryOf(res).settings.passwordSetup !== 'self_registration') {
      throw new HttpError(
        404,
        'この図書館では、はじめてのパスワードは図書館のカウンターで発行しています。利用者カードと本人確認書類をお持ちください。',
      )
    }
    next()
  }

  const registerPage = (req: Request, res: Response, data: object, status = 200) =>
    render(
      res,
      'password-register',
      {
        ...context(req, res, '新規パスワード登録', { error: status >= 400 }),
        card: '',
        fullName: '',
        birth: '',
        errors: {},
        message: '',
        ...data,
      },
      status,
    )

  router.get(route('passwordRegister'), personal, selfRegistration, (req, res) =>
    registerPage(req, res, {}),
  )

  router.post(route('passwordRegister'), ...post, selfRegistration, async (req, res) => {
    const { library, settings } = libraryOf(res)
    const card = formField(res, 'card') ?? ''
    const fullName = formField(res, 'fullName') ?? ''
    const birth = formField(res, 'birth') ?? ''
    const outcome = await auth.verifyIdentity(library.id, settings, {
      card,
      fullName,
      birthDate: parseBirthInput(birth),
      address: req.ip ?? '',
    })
    const shown = {
      card: card.slice(0, 20),
      fullName: fullName.slice(0, 50),
      birth: birth.slice(0, 20),
    }
    if (!outcome.ok) {
      if (outcome.reason === 'fields')
        registerPage(req, res, { ...shown, errors: outcome.errors }, 400)
      else if (outcome.reason === 'locked')
        registerPage(req, res, { ...shown, message: lockedMessage(outcome.until, clock) }, 429)
      else if (outcome.reason === 'ineligible')
        registerPage(req, res, { ...shown, message: eligibilityMessage(outcome.eligibility) }, 403)
      else if (outcome.reason === 'has_password')
        registerPage(
          req,
          res,
          {
            ...shown,
            message:
              'パスワードはすでに登録されています。ログインしてください。パスワードを忘れた場合は、図書館のカウンターでおたずねください。',
          },
          409,
        )
      else
        registerPage(
          req,
          res,
          {
            ...shown,
            message:
              '入力された内容では確認できませんでした。利用者番号・氏名・生年月日をお確かめください。',
          },
          401,
        )
      return
    }
    req.session.registration = {
      libraryId: library.id,
      patronId: outcome.patron.id,
      at: clock.now().getTime(),
    }
    go(req, res, 'passwordRegisterNew')
  })

  const registration = (req: Request, res: Response) => {
    const r = req.session?.registration
    return r && r.libraryId === libraryOf(res).library.id && fresh(r.at) ? r : null
  }

  const newPasswordPage = (req: Request, res: Response, data: object, status = 200) =>
    render(
      res,
      'password-new',
      {
        ...context(req, res, '新しいパスワードの登録', { error: status >= 400 }),
        errors: {},
        rule: passwordRuleText(libraryOf(res).settings),
        ...data,
      },
      status,
    )

  router.get(route('passwordRegisterNew'), personal, selfRegistration, (req, res) => {
    if (!registration(req, res)) {
      go(req, res, 'passwordRegister')
      return
    }
    newPasswordPage(req, res, {})
  })

  router.post(route('passwordRegisterNew'), ...post, selfRegistration, async (req, res) => {
    const { library, settings } = libraryOf(res)
    const pending = registration(req, res)
    if (!pending) {
      throw new HttpError(400, '時間がたったため、はじめからやり直してください。', [
        { href: pathFor(req, res, 'passwordRegister'), text: '新規パスワード登録へ' },
      ])
    }
    const outcome = await auth.newPassword(settings, {
      password: formField(res, 'password') ?? '',
      confirmation: formField(res, 'confirmation') ?? '',
    })
    if (!outcome.ok) {
      newPasswordPage(req, res, { errors: outcome.errors }, 400)
      return
    }
    const stored = await auth.store(
      library.id,
      { id: pending.patronId, password_hash: null },
      outcome.hash,
    )
    delete req.session.registration
    if (!stored) {
      throw new HttpError(409, 'パスワードはすでに登録されています。ログインしてください。')
    }
    req.session.passwordDone = { libraryId: library.id, kind: 'registered', loggedOut: false }
    await endTerminalSession(req)
    go(req, res, 'passwordDone')
  })

  const changePage = (req: Request, res: Response, data: object, status = 200) =>
    render(
      res,
      'password-change',
      {
        ...context(req, res, 'パスワード変更', { error: status >= 400 }),
        loggedIn: sessionPatronId(req, res) !== null,
        card: '',
        errors: {},
        message: '',
        rule: passwordRuleText(libraryOf(res).settings),
        ...data,
      },
      status,
    )

  router.get(route('passwordChange'), personal, (req, res) => changePage(req, res, {}))

  router.post(route('passwordChange'), ...post, async (req, res) => {
    const { library, settings } = libraryOf(res)
    const loggedIn = sessionPatronId(req, res)
    const own = loggedIn === null ? undefined : await patrons.byId(library.id, loggedIn)
    const card = own ? own.card_number : (formField(res, 'card') ?? '')
    const outcome = await auth.checkChange(library.id, settings, {
      card,
      current: formField(res, 'current') ?? '',
      password: formField(res, 'password') ?? '',
      confirmation: formField(res, 'confirmation') ?? '',
      address: req.ip ?? '',
    })
    const shown = { card: own ? '' : card.slice(0, 20) }
    if (!outcome.ok) {
      if (outcome.reason === 'fields')
        changePage(req, res, { ...shown, errors: outcome.errors }, 400)
      else if (outcome.reason === 'locked')
        changePage(req, res, { ...shown, message: lockedMessage(outcome.until, clock) }, 429)
      else if (outcome.reason === 'ineligible')
        changePage(req, res, { ...shown, message: eligibilityMessage(outcome.eligibility) }, 403)
      else changePage(req, res, { ...shown, message: LOGIN_FAILED }, 401)
      return
    }
    req.session.pendingChange = {
      libraryId: library.id,
      patronId: outcome.patron.id,
      hash: outcome.newHash,
      expectedHash: outcome.patron.password_hash,
      at: clock.now().getTime(),
    }
    go(req, res, 'passwordChangeConfirm')
  })

  const pendingChange = (req: Request, res: Response) => {
    const p = req.session?.pendingChange
    return p && p.libraryId === libraryOf(res).library.id && fresh(p.at) ? p : null
  }

  router.get(route('passwordChangeConfirm'), personal, (req, res) => {
    if (!pendingChange(req, res)) {
      go(req, res, 'passwordChange')
      return
    }
    render(res, 'password-change-confirm', { ...context(req, res, 'パスワード変更の確認') })
  })

  router.post(route('passwordChangeConfirm'), ...post, async (req, res) => {
    const { library } = libraryOf(res)
    const pending = pendingChange(req, res)
    if (!pending) {
      throw new HttpError(400, '時間がたったため、はじめからやり直してください。', [
        { href: pathFor(req, res, 'passwordChange'), text: 'パスワード変更へ' },
      ])
    }
    const stored = await auth.store(
      library.id,
      { id: pending.patronId, password_hash: pending.expectedHash },
      pending.hash,
    )
    delete req.session.pendingChange
    if (!stored) {
      throw new HttpError(409, 'パスワードはすでに変更されています。もう一度ログインしてください。')
    }
    req.session.passwordDone = { libraryId: library.id, kind: 'changed', loggedOut: false }
    await endTerminalSession(req)
    go(req, res, 'passwordDone')
  })

  router.get(route('passwordDone'), personal, (req, res) => {
    const done = req.session?.passwordDone
    if (!done || done.libraryId !== libraryOf(res).library.id) {
      go(req, res, 'top')
      return
    }
    render(res, 'password-done', {
      ...context(
        req,
        res,
        done.kind === 'registered' ? 'パスワード登録の完了' : 'パスワード変更の完了',
      ),
      done,
      loggedIn: sessionPatronId(req, res) !== null,
    })
  })

  return router
}

/** Loan ids from the hidden field of the renew-all confirmation ("12,15,19"). */
function formOfIds(raw: string): number[] {
  return raw
    .split(',')
    .filter((s) => /^[1-9]\d{0,9}$/.test(s))
    .map(Number)
    .slice(0, 100)
}

/** 19850412, 1985-04-12, 1985/4/12, １９８５年４月１２日 → 1985-04-12 (or null). */
export function parseBirthInput(raw: string): string | null {
  const s = raw.normalize('NFKC').trim()
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(s)
  const parts = compact ?? /^(\d{4})\D{1,2}(\d{1,2})\D{1,2}(\d{1,2})\D?$/.exec(s)
  return parts ? parseBirthDate(parts[1] ?? '', parts[2] ?? '', parts[3] ?? '') : null
}

export type { FieldErrors }
