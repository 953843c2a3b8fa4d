// The public, read-only interoperability endpoints of every library (issue 15): SRU 1.2 at
// /<lib>/sru and OAI-PMH 2.0 at /<lib>/oai, a Hono app beside the staff API, run inside
// express through the same bridge (http-bridge.ts, which hands over the client address).
// Each client address may make INTEROP_REQUESTS_PER_MINUTE requests a minute over both (the
// throttle table, so every instance counts them); beyond, 503 with Retry-After, which is how
// OAI-PMH asks a harvester to wait and what SRU clients retry on.
import { Hono } from 'hono'
import type { Context } from 'hono'
import type { Logger } from 'pino'
import type { Clock } from '../clock.ts'
import type { Services } from '../deps.ts'
import { urlFor } from '../paths.ts'
import { resumptionTokens } from '../services/interop/resumption-token.ts'
import { LIBRARY_SLUG } from '../services/library-service.ts'
import type { LibraryContext } from '../services/library-service.ts'
import type { BridgeEnv } from './http-bridge.ts'
import { readParams } from './interop-params.ts'
import type { InteropParams } from './interop-params.ts'
import { oaiResponse } from './oai-api.ts'
import { sruResponse } from './sru-api.ts'

/** The largest POST body the endpoints read (a long CQL query fits many times). */
export const INTEROP_MAX_BODY_BYTES = 16 * 1024

export interface InteropDeps {
  services: Pick<Services, 'libraries' | 'sru' | 'harvest' | 'throttle'>
  clock: Clock
  logger: Pick<Logger, 'error'>
  config: { publicUrl: string; sessionSecret: string; interopRequestsPerMinute: number }
}

type InteropEnv = { Bindings: BridgeEnv }

const xmlResponse = (c: Context<InteropEnv>, body: string, status: 200 | 400 = 200) =>
  c.body(body, status, { 'Content-Type': 'text/xml; charset=utf-8', 'Cache-Control': 'no-store' })

const plain = (c: Context<InteropEnv>, status: 404 | 415 | 503, text: string) =>
  c.text(text, status, { 'Content-Type': 'text/plain; charset=utf-8' })

export function createInteropApp(deps: InteropDeps) {
  const { services, clock, config } = deps
  const { sru, harvest: interop } = services
  const tokens = resumptionTokens(config.sessionSecret)
  const app = new Hono<InteropEnv>()

  /** The library, the arguments (query string or form body) and the rate limit, in that order. */
  const prepare = async (
    c: Context<InteropEnv>,
  ): Promise<{ lib: LibraryContext; params: InteropParams } | Response> => {
    const slug = c.req.param('lib') ?? ''
    const lib = LIBRARY_SLUG.test(slug) ? await services.libraries.bySlug(slug) : null
    if (!lib) return plain(c, 404, 'この図書館はありません。 No such library.\n')
    const address = c.env.clientAddress || 'unknown'
    const limit = config.interopRequestsPerMinute
    if (!(await services.throttle.allow('interop', address, limit, 1))) {
      c.header('Retry-After', '60')
      return plain(
        c,
        503,
        `1分あたりの要求数の上限（${limit}回）を超えました。1分後にお試しください。 Too many requests: retry after 60 seconds.\n`,
      )
    }
    let search = new URL(c.req.url).search
    if (c.req.method === 'POST') {
      const type = c.req.header('content-type') ?? ''
      if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
        return plain(c, 415, 'POST は application/x-www-form-urlencoded で送ってください。\n')
      }
      search = await c.req.text()
    }
    return { lib, params: readParams(search) }
  }

  const endpoint = (lib: LibraryContext, name: 'sru' | 'oai') =>
    `${config.publicUrl}${urlFor('pc', name, { lib: lib.library.slug })}`
  const recordUrl = (lib: LibraryContext) => (id: number) =>
    `${config.publicUrl}${urlFor('pc', 'record', { lib: lib.library.slug, id })}`

  app.on(['GET', 'POST'], '/:lib/sru', async (c) => {
    const ready = await prepare(c)
    if (ready instanceof Response) return ready
    const { lib, params } = ready
    const body = await sruResponse(
      { lib, params, baseUrl: endpoint(lib, 'sru'), recordUrl: recordUrl(lib) },
      sru,
    )
    return xmlResponse(c, body)
  })

  app.on(['GET', 'POST'], '/:lib/oai', async (c) => {
    const ready = await prepare(c)
    if (ready instanceof Response) return ready
    const { lib, params } = ready
    const body = await oaiResponse({
      lib,
      params,
      baseUrl: endpoint(lib, 'oai'),
      recordUrl: recordUrl(lib),
      now: clock.now(),
      tokens,
      interop,
    })
    return xmlResponse(c, body)
  })

  app.onError((err, c) => {
    deps.logger.error({ err }, 'interop endpoint error')
    return plain(
      c,
      503,
      'ただいま利用できません。 The service is unavailable; please retry later.\n',
    )
  })
  return app
}
