// The password journeys on both channels (SPEC.md §2): library A's first registration
// (card + name + birth date, then the new password twice), the password change (with the
// card when not logged in, as library B's form asks; a confirmation step), and the page for
// a forgotten password. Every step is a POST with a CSRF token; a checked step waits in the
// session for at most STEP_MINUTES.
import { Router } from 'express'
import type { Request, RequestHandler, Response } from 'express'
import type { Clock } from '../clock.ts'
import { HttpError } from '../errors.ts'
import { formField } from '../middleware/form-body.ts'
import { libraryOf } from '../middleware/library.ts'
import { routeWithinLibrary } from '../paths.ts'
import type { Channel, PathName } from '../paths.ts'
import type { Renderer } from '../render/views.ts'
import {
  LOGIN_FAILED,
  authFieldMessages,
  eligibilityMessage,
  lockedMessage,
  passwordRuleText,
} from '../render/words.ts'
import type { AccountService } from '../services/account-service.ts'
import type { AuthService, FieldErrors } from '../services/auth-service.ts'
import { parseBirthDate } from '../services/password-service.ts'
import {
  currentPatronId,
  endTerminalSession,
  formPageContext,
  pageContext,
  pathFor,
  personal,
  postChain,
  redirectToPage,
  renderPage,
} from '../web.ts'

/** How long a checked step (identity, a change waiting for confirmation) stays valid. */
const STEP_MINUTES = 10

export interface PasswordDeps {
  auth: AuthService
  accounts: AccountService
  renderer: Renderer
  clock: Clock
}

type FormData = { errors?: Record<string, string>; message?: string } & Record<string, unknown>

export function passwordRoutes(deps: PasswordDeps, channel: Channel): Router {
  const { auth, accounts, renderer, clock } = deps
  const router = Router({ mergeParams: true })
  const route = (name: PathName) => routeWithinLibrary(channel, name)
  const fresh = (at: number | undefined) =>
    at !== undefined && clock.now().getTime() - at < STEP_MINUTES * 60_000
  const startAgain = (req: Request, res: Response, name: PathName, text: string) =>
    new HttpError(400, '時間がたったため、はじめからやり直してください。', [
      { href: pathFor(req, res, name), text },
    ])

  /** Renders a password form, with the field messages of the service's problems. */
  const formPage =
    (view: string, heading: (res: Response) => string, defaults: Record<string, unknown>) =>
    (req: Request, res: Response, data: FormData = {}, status = 200) => {
      const { settings } = libraryOf(res)
      renderPage(
        renderer,
        res,
        view,
        {
          ...formPageContext(req, res, heading(res), { error: status >= 400 }),
          loggedIn: currentPatronId(req, res) !== null,
          rule: passwordRuleText(settings),
          errors: {},
          message: '',
          ...defaults,
          ...data,
        },
        status,
      )
    }

  // --- forgotten password ---------------------------------------------------------------

  router.get(route('passwordForgot'), (_req, res) => {
    renderPage(renderer, res, 'password-forgot', {
      ...pageContext(res, 'パスワードを忘れた方'),
      settings: libraryOf(res).settings,
    })
  })

  // --- library A: first registration ------------------------------------------------------

  const selfRegistration: RequestHandler = (_req, res, next) => {
    if (libraryOf(res).settings.passwordSetup !== 'self_registration') {
      throw new HttpError(
        404,
        'この図書館では、はじめてのパスワードは図書館のカウンターで発行しています。利用者カードと本人確認書類をお持ちください。',
      )
    }
    next()
  }

  const registerPage = formPage('password-register', () => '新規パスワード登録', {
    card: '',
    fullName: '',
    birth: '',
  })

  router.get(route('passwordRegister'), personal, selfRegistration, (req, res) =>
    registerPage(req, res),
  )

  router.post(route('passwordRegister'), ...postChain, selfRegistration, async (req, res) => {
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
      if (outcome.reason === 'fields') {
        // The form's birth-date field is `birth` (one text box).
        const { birthDate, ...rest } = outcome.errors
        const problems: FieldErrors & { birth?: FieldErrors['birthDate'] } = { ...rest }
        if (birthDate) problems.birth = birthDate
        const errors = authFieldMessages(problems, settings)
        registerPage(req, res, { ...shown, errors }, 400)
      } else if (outcome.reason === 'locked') {
        const message = lockedMessage(outcome.until, clock.now())
        registerPage(req, res, { ...shown, message }, 429)
      } else if (outcome.reason === 'ineligible') {
        registerPage(req, res, { ...shown, message: eligibilityMessage(outcome.eligibility) }, 403)
      } else if (outcome.reason === 'has_password') {
        const message =
          'パスワードはすでに登録されています。ログインしてください。パスワードを忘れた場合は、図書館のカウンターでおたずねください。'
        registerPage(req, res, { ...shown, message }, 409)
      } else {
        const message =
          '入力された内容では確認できませんでした。利用者番号・氏名・生年月日をお確かめください。'
        registerPage(req, res, { ...shown, message }, 401)
      }
      return
    }
    req.session.registration = {
      libraryId: library.id,
      patronId: outcome.patron.id,
      at: clock.now().getTime(),
    }
    redirectToPage(req, res, 'passwordRegisterNew')
  })

  const registration = (req: Request, res: Response) => {
    const r = req.session?.registration
    return r && r.libraryId === libraryOf(res).library.id && fresh(r.at) ? r : null
  }

  const newPasswordPage = formPage('password-new', () => '新しいパスワードの登録', {})

  router.get(route('passwordRegisterNew'), personal, selfRegistration, (req, res) => {
    if (!registration(req, res)) {
      redirectToPage(req, res, 'passwordRegister')
      return
    }
    newPasswordPage(req, res)
  })

  router.post(route('passwordRegisterNew'), ...postChain, selfRegistration, async (req, res) => {
    const { library, settings } = libraryOf(res)
    const pending = registration(req, res)
    if (!pending) throw startAgain(req, res, 'passwordRegister', '新規パスワード登録へ')
    const patron = await accounts.patron(library.id, pending.patronId)
    if (!patron) throw startAgain(req, res, 'passwordRegister', '新規パスワード登録へ')
    const outcome = await auth.newPassword(settings, {
      password: formField(res, 'password') ?? '',
      confirmation: formField(res, 'confirmation') ?? '',
      patron,
    })
    if (!outcome.ok) {
      newPasswordPage(req, res, { errors: authFieldMessages(outcome.errors, settings) }, 400)
      return
    }
    const stored = await auth.store(
      library.id,
      { id: pending.patronId, password_hash: null },
      outcome.hash,
      req.sessionID,
    )
    delete req.session.registration
    if (!stored) {
      throw new HttpError(409, 'パスワードはすでに登録されています。ログインしてください。')
    }
    req.session.passwordDone = { libraryId: library.id, kind: 'registered', loggedOut: false }
    await endTerminalSession(req)
    redirectToPage(req, res, 'passwordDone')
  })

  // --- password change ----------------------------------------------------------------------

  const changePage = formPage(
    'password-change',
    (res) => libraryOf(res).settings.words.passwordChange,
    {
      card: '',
    },
  )

  router.get(route('passwordChange'), personal, (req, res) => changePage(req, res))

  router.post(route('passwordChange'), ...postChain, async (req, res) => {
    const { library, settings } = libraryOf(res)
    const loggedIn = currentPatronId(req, res)
    const own = loggedIn === null ? undefined : await accounts.patron(library.id, loggedIn)
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
      if (outcome.reason === 'fields') {
        changePage(req, res, { ...shown, errors: authFieldMessages(outcome.errors, settings) }, 400)
      } else if (outcome.reason === 'locked') {
        changePage(req, res, { ...shown, message: lockedMessage(outcome.until, clock.now()) }, 429)
      } else if (outcome.reason === 'ineligible') {
        changePage(req, res, { ...shown, message: eligibilityMessage(outcome.eligibility) }, 403)
      } else if (own) {
        // Logged in, the page asks no card number: only the current password can be wrong.
        const errors = authFieldMessages({ current: 'current_wrong' }, settings)
        changePage(req, res, { ...shown, errors }, 401)
      } else {
        changePage(req, res, { ...shown, message: LOGIN_FAILED }, 401)
      }
      return
    }
    req.session.pendingChange = {
      libraryId: library.id,
      patronId: outcome.patron.id,
      hash: outcome.newHash,
      expectedHash: outcome.patron.password_hash,
      at: clock.now().getTime(),
      card: outcome.patron.card_number,
      length: [...(formField(res, 'password') ?? '')].length,
    }
    redirectToPage(req, res, 'passwordChangeConfirm')
  })

  const pendingChange = (req: Request, res: Response) => {
    const p = req.session?.pendingChange
    return p && p.libraryId === libraryOf(res).library.id && fresh(p.at) ? p : null
  }

  router.get(route('passwordChangeConfirm'), personal, (req, res) => {
    const pending = pendingChange(req, res)
    if (!pending) {
      redirectToPage(req, res, 'passwordChange')
      return
    }
    renderPage(renderer, res, 'password-change-confirm', {
      ...formPageContext(req, res, 'パスワード変更の確認'),
      card: pending.card,
      length: pending.length,
    })
  })

  router.post(route('passwordChangeConfirm'), ...postChain, async (req, res) => {
    const { library } = libraryOf(res)
    const pending = pendingChange(req, res)
    if (!pending) throw startAgain(req, res, 'passwordChange', 'パスワード変更へ')
    const stored = await auth.store(
      library.id,
      { id: pending.patronId, password_hash: pending.expectedHash },
      pending.hash,
      req.sessionID,
    )
    delete req.session.pendingChange
    if (!stored) {
      throw new HttpError(409, 'パスワードはすでに変更されています。もう一度ログインしてください。')
    }
    // This login stays; it counts from the change (loginRequired ends older logins).
    if (req.session.patronId === pending.patronId) req.session.loginAt = clock.now().getTime()
    req.session.passwordDone = { libraryId: library.id, kind: 'changed', loggedOut: false }
    await endTerminalSession(req)
    redirectToPage(req, res, 'passwordDone')
  })

  router.get(route('passwordDone'), personal, (req, res) => {
    const done = req.session?.passwordDone
    if (!done || done.libraryId !== libraryOf(res).library.id) {
      redirectToPage(req, res, 'top')
      return
    }
    const heading = done.kind === 'registered' ? 'パスワード登録の完了' : 'パスワード変更の完了'
    renderPage(renderer, res, 'password-done', {
      ...formPageContext(req, res, heading),
      done,
      loggedIn: currentPatronId(req, res) !== null,
    })
  })

  return router
}

/** 19850412, 1985-04-12, 1985/4/12, １９８５年４月１２日 → 1985-04-12 (or null). */
export function parseBirthInput(raw: string): string | null {
  const s = raw.normalize('NFKC').trim()
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(s)
  const parts = compact ?? /^(\d{4})\D{1,2}(\d{1,2})\D{1,2}(\d{1,2})\D?$/.exec(s)
  return parts ? parseBirthDate(parts[1] ?? '', parts[2] ?? '', parts[3] ?? '') : null
}
