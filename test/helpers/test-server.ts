// Runs createApp on 127.0.0.1 with a random port over real HTTP, with the test's own
// database and clock; close() stops it.
import type { AddressInfo } from 'node:net'
import type { Express } from 'express'
import type { Server } from 'node:http'
import type { Logger } from 'pino'
import { createApp } from '../../server/app.ts'
import { fixedClock } from '../../server/clock.ts'
import { loadConfig } from '../../server/config.ts'
import type { Db } from '../../server/db/database.ts'
import { buildDeps } from '../../server/deps.ts'
import { createHttpServer } from '../../server/http-server.ts'
import type { Deps } from '../../server/deps.ts'
import { opacJobRunner } from '../../server/jobs/opac-jobs.ts'

export interface TestServer {
  baseUrl: string
  deps: Deps
  /** The Express app the server runs (its router stack lists every route). */
  app: Express
  close(): Promise<void>
}

export async function startTestServer(
  db: Db,
  options: {
    env?: Record<string, string>
    logger?: Logger
    overrides?: Parameters<typeof buildDeps>[1]
  } = {},
): Promise<TestServer> {
  const config = loadConfig({ NODE_ENV: 'test', PORT: '0', ...options.env })
  const deps = buildDeps(config, {
    db,
    clock: fixedClock('2026-11-23T01:00:00Z'),
    ...(options.logger ? { logger: options.logger } : {}),
    ...options.overrides,
  })
  const app = createApp(deps, { jobs: opacJobRunner(deps) })
  const server: Server = await new Promise((resolve) => {
    const s = createHttpServer(app).listen(0, '127.0.0.1', () => resolve(s))
  })
  const { port } = server.address() as AddressInfo
  const baseUrl = `http://127.0.0.1:${port}`
  deps.config.publicUrl = baseUrl
  return {
    baseUrl,
    deps,
    app,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export const KEITAI_UA = 'DoCoMo/2.0 P903i(c100;TB;W24H12)'

export interface Fetched {
  status: number
  headers: Headers
  bytes: Buffer
  text: string
}

/** GET a path; keitai responses are decoded as Shift_JIS (fatal: invalid bytes throw). */
export async function get(
  baseUrl: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<Fetched> {
  const res = await fetch(`${baseUrl}${path}`, { headers, redirect: 'manual' })
  const bytes = Buffer.from(await res.arrayBuffer())
  const type = res.headers.get('content-type') ?? ''
  const charset = /charset=Shift_JIS/i.test(type) ? 'shift_jis' : 'utf-8'
  const text = new TextDecoder(charset, { fatal: true }).decode(bytes)
  return { status: res.status, headers: res.headers, bytes, text }
}
