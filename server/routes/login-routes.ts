// Login and logout on both channels. A keitai gets its session in the path of the page it
// is sent to after login; a PC gets the opac_sid cookie. The session id changes at login.
import { Router } from 'express'
import type { Request, Response } from 'express'
import type { Clock } from '../clock.ts'
import type { Config } from '../config.ts'
import { channelOf } from '../middleware/channel.ts'
import { csrfToken } from '../middleware/csrf.ts'
import { formField } from '../middleware/form-body.ts'
import { libraryOf } from '../middleware/library.ts'
import { param } from '../middleware/query.ts'
import { SESSION_COOKIE, keitaiSessionToken } from '../middleware/session.ts'
import { isSafeReturnPath, libraryPath, routeWithinLibrary, urlFor } from '../paths.ts'
import type { Channel, PathName } from '../paths.ts'
import { redirectTo } from '../render/redirect.ts'
import type { Renderer } from '../render/views.ts'
import {
  LOGIN_FAILED,
  authFieldMessages,
  eligibilityMessage,
  lockedMessage,
} from '../render/words.ts'
import type { AuthService } from '../services/auth-service.ts'
import { MAX_QUERY_LENGTH } from '../services/catalogue-service.ts'
import {
  currentPatronId,
  formPageContext,
  pageContext,
  personal,
  postChain,
  redirectToPage,
  regenerateSession,
  renderPage,
} from '../web.ts'

export interface LoginDeps {
  config: Pick<Config, 'sessionIdleMinutes' | 'terminalIdleMinutes'>
  auth: AuthService
  renderer: Renderer
  clock: Clock
}

export function loginRoutes(deps: LoginDeps, channel: Channel): Router {
  const { config, auth, renderer, clock } = deps
  const router = Router({ mergeParams: true })
  const route = (name: PathName) => routeWithinLibrary(channel, name)

  const loginPage = (
    req: Request,
    res: Response,
    data: { card?: string; next?: string; errors?: Record<string, string>; message?: string },
    status = 200,
  ) => {
    const next = data.next ?? param(res, 'next') ?? ''
    const { settings } = libraryOf(res)
    renderPage(
      renderer,
      res,
      'login',
      {
        ...formPageContext(req, res, settings.words.loginScreen, { error: status >= 400 }),
        idleMinutes: req.session?.terminal ? config.terminalIdleMinutes : config.sessionIdleMinutes,
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
    if (currentPatronId(req, res) !== null) {
      redirectToPage(req, res, 'account')
      return
    }
    loginPage(req, res, {})
  })

  router.post(route('login'), ...postChain, async (req, res) => {
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
        const errors = authFieldMessages(outcome.errors, settings)
        loginPage(req, res, { ...shown, errors }, 400)
      } else if (outcome.reason === 'locked') {
        loginPage(req, res, { ...shown, message: lockedMessage(outcome.until, clock.now()) }, 429)
      } else if (outcome.reason === 'ineligible') {
        loginPage(req, res, { ...shown, message: eligibilityMessage(outcome.eligibility) }, 403)
      } else {
        loginPage(req, res, { ...shown, message: LOGIN_FAILED }, 401)
      }
      return
    }
    // The hold cart survives the login (SPEC.md §4: it works before login).
    const { terminal, cart } = req.session
    await regenerateSession(req)
    Object.assign(req.session, {
      cart,
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

  // ログアウト when no longer logged in (after a logout, Back, and ログアウト again; or after
  // the idle timeout): the visitor is logged out, which is what they asked for.
  router.post(route('logout'), (req, res, next) => {
    if (currentPatronId(req, res) !== null) {
      next()
      return
    }
    personal(req, res, () => undefined)
    redirectTo(res, urlFor(channelOf(res), 'logout', { lib: libraryOf(res).library.slug }))
  })
  router.post(route('logout'), ...postChain, async (req, res) => {
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()))
    if (channelOf(res) === 'pc') res.clearCookie(SESSION_COOKIE, { path: '/' })
    redirectTo(res, urlFor(channelOf(res), 'logout', { lib: libraryOf(res).library.slug }))
  })
  // Where a logout lands: it says so (Back then shows no-store pages again from the server).
  router.get(route('logout'), personal, (req, res) => {
    const stillLoggedIn = currentPatronId(req, res) !== null
    renderPage(deps.renderer, res, 'logged-out', {
      ...pageContext(res, stillLoggedIn ? 'ログイン中です' : 'ログアウトしました'),
      stillLoggedIn,
      maxQueryLength: MAX_QUERY_LENGTH,
    })
  })

  return router
}
