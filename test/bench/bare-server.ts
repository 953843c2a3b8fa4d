// The bare server of `npm run bench:http`: node:http and a mysql2 pool, nothing else. For each
// page it runs the very SQL the app ran for it (captured from the app by the bench, replayed
// with the same parameters, one statement after another as the app sends them) and answers
// with a body of the same size as the app's page, built from the rows. It is what the app's
// page would cost with no framework, middleware, session, template or logging at all; with
// BENCH_BARE_EXPRESS=1 the same inside an Express app with no middleware (Express's own cost).
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import express from 'express'
import { createPool } from 'mysql2/promise'
import { parseDatabaseUrl } from '../../server/db/database.ts'
import { expressMessageClasses } from '../../server/http-server.ts'

export interface BarePage {
  /** The statements the app sent for the page, in order. */
  queries: { sql: string; parameters: unknown[] }[]
  /** The size of the app's page body. */
  bytes: number
}

export interface BareSpec {
  databaseUrl: string
  poolSize: number
  /** By path: the path the app serves the page at. */
  pages: Record<string, BarePage>
}

const spec = JSON.parse(process.env.BENCH_BARE_SPEC ?? '') as BareSpec
const pool = createPool({
  ...parseDatabaseUrl(spec.databaseUrl),
  connectionLimit: spec.poolSize,
  maxIdle: spec.poolSize,
  dateStrings: true,
})
pool.on('connection', (conn) => {
  conn.query("SET time_zone = '+00:00'")
})

const escape = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c)

let failed = false
const handler = (req: IncomingMessage, res: ServerResponse) => {
  const page = spec.pages[req.url ?? '']
  if (!page) {
    res.writeHead(404).end()
    return
  }
  void (async () => {
    let html = '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>bare</title>'
    html += '</head><body><main>'
    for (const q of page.queries) {
      const [rows] = await pool.query(q.sql, q.parameters)
      for (const row of Array.isArray(rows) ? rows : [rows]) {
        html += `<p>${escape(JSON.stringify(row))}</p>`
      }
    }
    html += '</main></body></html>'
    const body = Buffer.alloc(page.bytes, 0x20)
    Buffer.from(html).copy(body)
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': body.length,
    })
    res.end(body)
  })().catch((err: unknown) => {
    // Reported once: a failing bare server makes the run worthless (the bench prints non-2xx).
    if (!failed) process.stderr.write(`bare server: ${String(err)}\n`)
    failed = true
    res.writeHead(500).end()
  })
}

// BENCH_BARE_EXPRESS=1: the same handler as the one route of an Express app with no middleware
// (the app's own settings: no ETag, no query parser, requests made with the app's prototypes
// as createHttpServer makes them) — what Express alone costs.
const server = process.env.BENCH_BARE_EXPRESS === '1' ? expressServer() : createServer(handler)

function expressServer() {
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  app.set('query parser', false)
  app.use(handler)
  return createServer(expressMessageClasses(app), app)
}

server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' && address?.port })}\n`,
  )
})
process.on('SIGTERM', () => {
  failed = true // the pool closes under requests still in flight
  server.close()
  void pool.end().then(() => process.exit(0))
})
