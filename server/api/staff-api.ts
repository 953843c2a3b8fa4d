// The staff API (issue 12, SPEC.md §9): a Hono app with zod-validated requests, mounted in the
// express server under /api/staff/v1 (app.ts, through http-bridge.ts). Every call carries a
// library's Bearer token; it sees that library only (another library's ids answer 404, as if
// they did not exist), and is written to the audit with the token's name and the route
// pattern — never a card number, name or query string. The OpenAPI document is generated from
// the same zod schemas that validate the requests.
import { OpenAPIHono } from '@hono/zod-openapi'
import type { Hook } from '@hono/zod-openapi'
import { HTTPException } from 'hono/http-exception'
import { routePath } from 'hono/route'
import type { Logger } from 'pino'
import type { Clock } from '../clock.ts'
import { utcDateTime } from '../clock.ts'
import type { StaffTokenRow } from '../services/staff-token-service.ts'
import type { JobRunner } from '../jobs/job-registry.ts'
import type { LibraryContext } from '../services/library-service.ts'
import type { Services } from '../deps.ts'
import { ApiError, errorBody } from './api-error.ts'

export const STAFF_API_BASE = '/api/staff/v1'

export interface StaffEnv {
  Variables: { lib: LibraryContext; token: StaffTokenRow }
}

export interface StaffApiDeps {
  services: Services
  clock: Clock
  logger: Pick<Logger, 'info' | 'warn' | 'error'>
  /** The process's job runner (jobs through the API); absent: those endpoints answer 503. */
  jobs?: JobRunner
  /** Job names and descriptions. */
  jobList?: readonly { name: string; description: string }[]
}

/** Invalid requests: 400 naming the first field that is wrong. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const defaultHook: Hook<any, StaffEnv, any, any> = (result) => {
  if (result.success) return
  const issue = result.error.issues[0]
  const where = issue && issue.path.length ? issue.path.join('.') : String(result.target)
  throw new ApiError(400, 'invalid_request', `${where}: ${issue?.message ?? 'invalid'}`)
}

export function staffRouter(): OpenAPIHono<StaffEnv> {
  return new OpenAPIHono<StaffEnv>({ defaultHook })
}

export function createStaffApi(
  deps: StaffApiDeps,
  routers: ((deps: StaffApiDeps) => OpenAPIHono<StaffEnv>)[],
): OpenAPIHono<StaffEnv> {
  const { services, clock, logger } = deps
  const app = staffRouter().basePath(STAFF_API_BASE)
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'A library token from `npm run staff:token -- create <library> <name>`',
  })
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Web OPAC staff API',
      version: '1',
      description:
        'Counter and back-office operations of one library system. Errors: ' +
        '{"error":{"code","message"}}; ids of another library answer 404.',
    },
    security: [{ bearerAuth: [] }],
  })

  app.use('*', async (c, next) => {
    if (c.req.path === `${STAFF_API_BASE}/openapi.json`) return next()
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')
    const token = match?.[1] ? await services.staffTokens.authenticate(match[1]) : null
    const lib = token ? await services.libraries.byId(token.library_id) : null
    if (!token || !lib) {
      c.header('WWW-Authenticate', 'Bearer realm="staff"')
      throw new ApiError(401, 'unauthorized', 'a valid Bearer token is required')
    }
    c.set('lib', lib)
    c.set('token', token)
    await next()
    const route = routePath(c, -1).slice(0, 200)
    const line = { method: c.req.method, route, status: c.res.status }
    logger.info({ staffToken: token.name, ...line }, 'staff api call')
    await services.staffTokens.audit({
      library_id: token.library_id,
      token_id: token.id,
      token_name: token.name,
      ...line,
      created_at: utcDateTime(clock.now()),
    })
  })

  for (const router of routers) app.route('/', router(deps))

  app.notFound((c) => c.json(errorBody('not_found', 'no such endpoint'), 404))
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(errorBody(err.code, err.message), err.status)
    if (err instanceof HTTPException) {
      const status = err.status >= 400 && err.status < 500 ? err.status : 400
      return c.json(errorBody('invalid_request', err.message || 'invalid request'), status)
    }
    logger.error({ err }, 'staff api error')
    return c.json(errorBody('internal', 'the request could not be completed'), 500)
  })
  return app
}
