// createApp(deps): the middleware in order, both channels' routers, 404 and the one error
// handler. It does not listen; main.ts does.
import express from 'express'
import type { Express, Request, Response } from 'express'
import type { AppDeps } from './deps.ts'
import { HttpError, errorHandler, notFound } from './errors.ts'
import type { ErrorPage } from './errors.ts'
import { requestLogger } from './logger.ts'
import { chain } from './middleware/chain.ts'
import { autoChannel, channelOf, detectChannel, forceChannel } from './middleware/channel.ts'
import { libraryLoader } from './middleware/library.ts'
import { decodeQuery } from './middleware/query.ts'
import { securityHeaders } from './middleware/security-headers.ts'
import { sessionMiddleware } from './middleware/session.ts'
import { KEITAI_SESSION_MOUNT, LIBRARY_MOUNT } from './paths.ts'
import type { Channel } from './paths.ts'
import { VIEWS_DIR } from './render/views.ts'
import { MAX_QUERY_LENGTH } from './services/catalogue-service.ts'
import { browseRoutes, isbnRoutes } from './routes/browse-routes.ts'
import { KEITAI_LAYOUT, PC_LAYOUT, catalogueRoutes } from './routes/catalogue-routes.ts'
import { cartRoutes } from './routes/cart-routes.ts'
import { emailRoutes } from './routes/email-routes.ts'
import { favouriteRoutes } from './routes/favourite-routes.ts'
import { holdRequestRoutes } from './routes/hold-request-routes.ts'
import { holdRoutes } from './routes/hold-routes.ts'
import { newArrivalsFeedGet, openSearchGet, searchFeedGet } from './routes/feed-routes.ts'
import { healthGet } from './routes/health-routes.ts'
import { librariesGet } from './routes/home-routes.ts'
import { libraryQrGet } from './routes/qr-routes.ts'
import { loanRoutes } from './routes/loan-routes.ts'
import { branchRoutes } from './routes/branch-routes.ts'
import { libraryInfoRoutes } from './routes/library-info-routes.ts'
import { loginRoutes } from './routes/login-routes.ts'
import { passwordRoutes } from './routes/password-routes.ts'
import { portalRoutes } from './routes/portal-routes.ts'
import { shelfRoutes } from './routes/shelf-routes.ts'
import { pageContext } from './web.ts'
import { httpBridge } from './api/http-bridge.ts'
import { STAFF_API_BASE } from './api/staff-api.ts'
import { createStaffApiApp } from './api/staff-api-app.ts'
import { INTEROP_MAX_BODY_BYTES, createInteropApp } from './api/interop-app.ts'
import type { JobRunner } from './jobs/job-registry.ts'
import { join } from 'node:path'

export function createApp(deps: AppDeps, options: { jobs?: JobRunner } = {}): Express {
  const { config, logger, lifecycle, renderer, services, clock } = deps
  const app = express()
  app.disable('x-powered-by')
  app.set('trust proxy', trustProxySetting(config.trustProxy))
  app.set('etag', false)
  // Queries are decoded per channel (Shift_JIS or UTF-8) by decodeQuery, not by Express.
  app.set('query parser', false)

  app.use(requestLogger(logger))
  app.use(securityHeaders(config))
  app.use((_req, res, next) => {
    res.locals.publicUrl = config.publicUrl
    if (lifecycle.draining) res.setHeader('Connection', 'close')
    next()
  })

  app.get('/healthz', healthGet(services.health))
  app.use(
    '/static',
    express.static(join(VIEWS_DIR, 'static'), { maxAge: '1d', index: false, fallthrough: true }),
  )
  // The staff API (JSON, its own errors); it answers 503 in JSON while the database is not ready.
  const staffApi = createStaffApiApp({ services, clock, logger, ...options })
  const staffBridge = httpBridge(staffApi, { maxBodyBytes: 1024 * 1024 })
  app.use(STAFF_API_BASE, (req, res, next) => {
    if (!lifecycle.ready) {
      res.status(503).json({ error: { code: 'not_ready', message: 'the service is starting' } })
      return
    }
    staffBridge(req, res, next)
  })

  // SRU and OAI-PMH (XML, their own errors): public, read-only, rate-limited per address.
  const interop = httpBridge(createInteropApp({ services, clock, logger, config }), {
    maxBodyBytes: INTEROP_MAX_BODY_BYTES,
  })
  // Mounted like the staff API (not a route: the CSRF rules of the pages' POST routes are not
  // theirs; a POSTed SRU or OAI-PMH request is a search, public and read-only).
  app.use(['/:lib/sru', '/:lib/oai'], (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'POST') {
      next()
      return
    }
    if (!lifecycle.ready) {
      res.status(503).type('text/plain; charset=utf-8').send('ただいま準備中です。 Starting up.\n')
      return
    }
    interop(req, res, next)
  })

  app.get('/favicon.ico', (_req, res) => {
    res.sendFile(join(VIEWS_DIR, 'static', 'favicon.ico'), { maxAge: '7d' })
  })
  app.use((_req, _res, next) => {
    if (!lifecycle.ready) {
      next(new HttpError(503, 'ただいま準備中です。しばらくしてからもう一度お試しください。'))
      return
    }
    next()
  })

  const libraries = librariesGet({
    libraries: services.libraries,
    openingCalendar: services.openingCalendar,
    renderer,
  })
  app.get('/k/', forceChannel('keitai'), decodeQuery, libraries)
  app.get('/', autoChannel, decodeQuery, libraries)

  const loadLibrary = libraryLoader(services.libraries)
  app.get('/:lib/keitai-qr.svg', loadLibrary, libraryQrGet('keitai'))
  app.get('/:lib/web-qr.svg', loadLibrary, libraryQrGet('web'))
  app.get('/:lib/opensearch.xml', loadLibrary, openSearchGet())
  app.get(
    '/:lib/search.atom',
    forceChannel('pc'),
    decodeQuery,
    loadLibrary,
    searchFeedGet({ catalogue: services.catalogue, clock }),
  )
  app.get('/:lib/new.atom', loadLibrary, newArrivalsFeedGet({ browse: services.browse, clock }))

  // A page view without a session cookie needs no session (forms use the visitor token).
  const sessions = sessionMiddleware({
    store: deps.sessionStore,
    config,
    clock,
    sessionlessPageViews: true,
  })
  const { auth, accounts, loans, lists, browse, catalogue, holds, mail } = services
  const { notices, openingCalendar } = services
  // One router per channel, one module per journey (their paths never overlap).
  const channelRouter = (channel: Channel) => {
    const layout = channel === 'keitai' ? KEITAI_LAYOUT : PC_LAYOUT
    const router = express.Router({ mergeParams: true })
    // The catalogue first: the pages most asked for are found without walking the others'
    // routes (no two modules share a path, so the order changes nothing else).
    router.use(
      catalogueRoutes({
        catalogue,
        lists,
        accounts,
        holds,
        searchKeys: services.searchKeys,
        renderer,
        layout,
        info: { notices, openingCalendar },
      }),
    )
    router.use(loginRoutes({ config, auth, renderer, clock }, channel))
    router.use(portalRoutes({ accounts, mail, renderer }, channel))
    router.use(loanRoutes({ loans, accounts, renderer, clock, openingCalendar }, channel))
    router.use(passwordRoutes({ auth, accounts, renderer, clock }, channel))
    router.use(cartRoutes({ holds, renderer }, channel))
    router.use(holdRequestRoutes({ holds, accounts, renderer, clock }, channel))
    router.use(holdRoutes({ holds, accounts, renderer, openingCalendar }, channel))
    router.use(emailRoutes({ mail, accounts, renderer, clock }, channel))
    router.use(favouriteRoutes({ lists, accounts, renderer }, channel))
    router.use(shelfRoutes({ lists, accounts, renderer }, channel))
    router.use(browseRoutes({ browse, renderer }, channel))
    router.use(isbnRoutes({ catalogue }, channel))
    router.use(libraryInfoRoutes({ openingCalendar, notices, renderer }, channel))
    router.use(branchRoutes({ renderer }, channel))
    return router
  }
  const keitai = channelRouter('keitai')
  const pc = channelRouter('pc')
  // The library first: a badly encoded query's 400 page then links to that library's top.
  // Each mount is one handler (chain): the router matches its path once, not once per step.
  const keitaiChain = chain(forceChannel('keitai'), loadLibrary, decodeQuery, ...sessions, keitai)
  app.use(KEITAI_SESSION_MOUNT, keitaiChain)
  app.use(LIBRARY_MOUNT.keitai, keitaiChain)
  app.use(
    LIBRARY_MOUNT.pc,
    chain(autoChannel, loadLibrary, decodeQuery, ...sessions, (req, res, next) =>
      (channelOf(res) === 'keitai' ? keitai : pc)(req, res, next),
    ),
  )

  app.use((req, res, next) => {
    if (res.locals.channel === undefined) setChannelFromPath(req, res)
    notFound(req, res, next)
  })
  app.use(
    errorHandler(logger, (res: Response, page: ErrorPage) => {
      renderErrorPage(deps, res, page)
    }),
  )
  return app
}

/** TRUST_PROXY: false | true | a hop count | comma-separated addresses or subnets. */
function trustProxySetting(raw: string): boolean | number | string {
  if (raw === 'false' || raw === '') return false
  if (raw === 'true') return true
  return /^\d+$/.test(raw) ? Number(raw) : raw
}

function setChannelFromPath(req: Request, res: Response): void {
  res.locals.channel = /^\/([a-z0-9-]+\/)?k(\/|$)/.test(req.path) ? 'keitai' : detectChannel(req)
}

function renderErrorPage(deps: AppDeps, res: Response, page: ErrorPage): void {
  const req = res.req
  if (res.locals.channel === undefined) setChannelFromPath(req, res)
  try {
    deps.renderer.page(
      res,
      channelOf(res),
      'error',
      {
        ...pageContext(res, page.heading ?? errorHeading(page.status), { error: true }),
        page,
        maxQueryLength: MAX_QUERY_LENGTH,
      },
      page.status,
    )
  } catch (err) {
    deps.logger.error({ err }, 'error page failed to render')
    res.status(page.status).type('text/plain; charset=utf-8').send(`${page.message}\n`)
  }
}

function errorHeading(status: number): string {
  if (status === 404) return 'ページが見つかりません'
  if (status === 503) return 'ただいま利用できません'
  if (status >= 500) return 'システムエラー'
  return '入力内容の誤り'
}
