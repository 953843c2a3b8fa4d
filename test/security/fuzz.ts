// A seeded, bounded fuzz of every route of both channels (server/paths.ts ROUTE_TABLE), over
// loopback only: hostile path segments and query values (built-in property names, huge and
// negative numbers, invalid percent-encodings and Shift_JIS, very long values, > 100
// parameters), POSTs without a valid CSRF token and with odd bodies, anonymous and logged in
// (PC cookie, keitai session in the path). It asserts what a probe found broken: no response
// ≥ 500, no stack trace in the log, and no data changed by the refused requests.
//
// `npm run test:security` runs it at full size (≥ 10,000 requests) and prints the figures;
// test/security/fuzz.test.ts runs a smaller seeded share inside `npm test`.
import { Writable } from 'node:stream'
import { sql } from 'kysely'
import type { Db } from '../../server/db/database.ts'
import { createLogger } from '../../server/logger.ts'
import { ROUTE_TABLE } from '../../server/paths.ts'
import type { Channel, PathName } from '../../server/paths.ts'
import { FormClient } from '../helpers/form-client.ts'
import { KEITAI_UA, startTestServer } from '../helpers/test-server.ts'

export interface FuzzOptions {
  db: Db
  seed: number
  /** Requests to send (stops earlier at the deadline). */
  requests: number
  /** Wall-clock bound in milliseconds. */
  maxMs: number
  /** Requests in flight at once. */
  concurrency?: number
}

export interface FuzzReport {
  seed: number
  sent: number
  seconds: number
  routes: number
  byStatus: Record<string, number>
  /** Responses ≥ 500, as "METHOD path" (first 20). */
  serverErrors: string[]
  serverErrorCount: number
  /** Log lines with a stack trace (first 5). */
  stackTraces: string[]
  stackTraceCount: number
  /** Tables whose checksum changed although every write was refused. */
  changedTables: string[]
  /** Responses whose body could not be read in its declared charset. */
  badCharset: number
}

/** Tables a refused request must not change (sessions and throttle counters may). */
const DATA_TABLES = [
  'library',
  'branch',
  'record',
  'copy',
  'patron',
  'loan',
  'hold',
  'hold_request',
  'hold_notice',
  'favourite',
  'shelf',
  'shelf_item',
  'email_change',
  'mail_outbox',
  'calendar_day',
]

/** mulberry32: small, fast, seeded. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const HOSTILE = [
  'toString',
  'constructor',
  '__proto__',
  'hasOwnProperty',
  'valueOf',
  'prototype',
  '__defineGetter__',
  '0',
  '-1',
  '1',
  '2',
  '12',
  '1e3',
  '99999999999999999999',
  '4294967296',
  'NaN',
  'Infinity',
  '',
  ' ',
  '%',
  '%zz',
  '%E3%81',
  '%82',
  '%81%40',
  '%00',
  '%0d%0aSet-Cookie:%20x=1',
  '..%2f..%2fetc%2fpasswd',
  "'%20OR%201=1--",
  '%3Cscript%3Ealert(1)%3C/script%3E',
  '//evil.example/',
  'https://evil.example/',
  '/aoba/account',
  '%E3%81%93%E3%81%93%E3%82%8D',
  '%82%B1%82%B1%82%EB',
  '%F0%9F%98%80',
  'a'.repeat(300),
  '%E9%BE%98'.repeat(200),
  '9784101010014',
  '1101900001',
  'pc',
  'holds',
  '1y',
  'title',
  'year',
  'relevance',
]

const QUERY_NAMES = [
  'q',
  'page',
  'sort',
  'period',
  'kind',
  'class',
  'type',
  'mode',
  'next',
  'refine',
  'title',
  'author',
  'publisher',
  'subject',
  'isbn',
  'from',
  'to',
  'branch',
  'ndc',
  'call',
  'avail',
  'record',
  'cart',
  'view',
  'key',
  'id',
  'shelf',
  '_csrf',
  'toString',
  '__proto__',
  'constructor',
]

const FORM_NAMES = [
  '_csrf',
  'card',
  'password',
  'confirmation',
  'current',
  'next',
  'record',
  'name',
  'shelf',
  'branch',
  'contact',
  'email',
  'email2',
  'code',
  'id',
  'ids',
  'order',
  'fullName',
  'birthYear',
  'birthMonth',
  'birthDay',
  '__proto__',
  'constructor',
]

const PARAM_VALUES: Record<string, string[]> = {
  lib: ['aoba', 'minato', 'toString', '__proto__', 'constructor', 'nope', '%E3%81%82', 'k'],
  id: ['1', '2', '100', '0', '-1', '99999999999', 'toString', '__proto__', 'x'],
  record: ['1', '5', '0', '99999999999', 'constructor', 'x'],
  ndc: ['9', '91', '913', '0', '99', '9999', 'toString', 'constructor', 'x', '%'],
  isbn: ['9784101010014', '4101010013', '978-4-10-101001-4', 'toString', '0', 'x'],
  key: ['abc', 'toString', '__proto__', 'a'.repeat(200)],
  token: ['abc', 'toString', '__proto__', 'a'.repeat(64), '%00'],
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const random = prng(options.seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T
  const lines: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      done()
    },
  })
  const app = await startTestServer(options.db, { logger: createLogger('info', sink) })
  const base = new URL(app.baseUrl)
  if (base.hostname !== '127.0.0.1') throw new Error('the fuzz runs over loopback only')

  // Logged-in clients: a PC cookie (aoba) and a keitai URL session (minato).
  const pc = new FormClient(app.baseUrl)
  const pcLogin = await pc.submit(await pc.get('/aoba/login'), {
    card: '1101900001',
    password: 'aoba1234',
  })
  const keitai = new FormClient(app.baseUrl, {
    userAgent: KEITAI_UA,
    cookies: false,
    charset: 'shift_jis',
  })
  const kLogin = await keitai.submit(await keitai.get('/minato/k/login'), {
    card: '2201900001',
    password: 'minato123',
  })
  const keitaiToken = /\/k\/s\/([^/]+)\//.exec(kLogin.location ?? '')?.[1]
  if (pcLogin.status >= 400 || !pc.jar.size || !keitaiToken)
    throw new Error('the fuzz could not log in')
  const cookie = [...pc.jar].map(([k, v]) => `${k}=${v}`).join('; ')

  const before = await checksums(options.db)
  const routes = Object.entries(ROUTE_TABLE).flatMap(([name, channels]) =>
    (['pc', 'keitai'] as const).map((channel) => ({
      name: name as PathName,
      channel: channel as Channel,
      template: channels[channel],
    })),
  )
  const report: FuzzReport = {
    seed: options.seed,
    sent: 0,
    seconds: 0,
    routes: routes.length,
    byStatus: {},
    serverErrors: [],
    serverErrorCount: 0,
    stackTraces: [],
    stackTraceCount: 0,
    changedTables: [],
    badCharset: 0,
  }

  const makeRequest = () => {
    const route = pick(routes)
    const session = random()
    let path = route.template.replace(/:([a-z]+)/g, (_, key: string) => {
      if (key === 'lib' && random() < 0.8) return pick(['aoba', 'minato'])
      return pick(PARAM_VALUES[key] ?? HOSTILE)
    })
    const headers: Record<string, string> = {}
    if (route.channel === 'keitai' || random() < 0.1) headers['User-Agent'] = KEITAI_UA
    if (session < 0.3 && route.channel === 'keitai' && path.includes('/k/')) {
      path = path.replace(/^(\/[^/]+\/k)\//, `$1/s/${keitaiToken}/`)
    } else if (session < 0.6 && route.channel === 'pc') {
      headers.Cookie = cookie
    }
    const pairs: string[] = []
    const n = random() < 0.02 ? 101 + Math.floor(random() * 50) : Math.floor(random() * 5)
    for (let i = 0; i < n; i++) pairs.push(`${pick(QUERY_NAMES)}=${pick(HOSTILE)}`)
    if (pairs.length) path += `?${pairs.join('&')}`
    const post = random() < 0.3
    let body: string | undefined
    if (post) {
      const fields: string[] = []
      const m = Math.floor(random() * 6)
      for (let i = 0; i < m; i++) fields.push(`${pick(FORM_NAMES)}=${pick(HOSTILE)}`)
      body = fields.join('&')
      headers['Content-Type'] = pick([
        'application/x-www-form-urlencoded',
        'application/x-www-form-urlencoded',
        'application/x-www-form-urlencoded; charset=Shift_JIS',
        'text/plain',
        'application/json',
        'multipart/form-data; boundary=x',
      ])
    }
    return { method: post ? 'POST' : 'GET', path, headers, body }
  }

  const started = Date.now()
  const deadline = started + options.maxMs
  let next = 0
  const worker = async () => {
    while (next < options.requests && Date.now() < deadline) {
      next++
      const r = makeRequest()
      let status: number
      try {
        const res = await fetch(`${app.baseUrl}${r.path}`, {
          method: r.method,
          headers: r.headers,
          body: r.body,
          redirect: 'manual',
          signal: AbortSignal.timeout(30_000),
        })
        status = res.status
        const bytes = Buffer.from(await res.arrayBuffer())
        const type = res.headers.get('content-type') ?? ''
        const charset = /charset=Shift_JIS/i.test(type) ? 'shift_jis' : 'utf-8'
        if (/^text\/html/.test(type)) {
          try {
            new TextDecoder(charset, { fatal: true }).decode(bytes)
          } catch {
            report.badCharset++
          }
        }
      } catch {
        status = 599 // no answer in time, or the connection was dropped
      }
      report.sent++
      report.byStatus[status] = (report.byStatus[status] ?? 0) + 1
      if (status >= 500) {
        report.serverErrorCount++
        if (report.serverErrors.length < 20) {
          report.serverErrors.push(`${status} ${r.method} ${r.path.slice(0, 200)}`)
        }
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: options.concurrency ?? 6 }, worker))
  } finally {
    await app.close()
  }
  report.seconds = Math.round((Date.now() - started) / 100) / 10
  const after = await checksums(options.db)
  report.changedTables = DATA_TABLES.filter((t) => before[t] !== after[t])
  for (const line of lines) {
    if (/"stack"|\n\s+at |\\n\s+at /.test(line)) {
      report.stackTraceCount++
      if (report.stackTraces.length < 5) report.stackTraces.push(line.slice(0, 600))
    }
  }
  return report
}

async function checksums(db: Db): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const table of DATA_TABLES) {
    const result = await sql<{ Checksum: unknown }>`CHECKSUM TABLE ${sql.table(table)}`.execute(db)
    out[table] = String(result.rows[0]?.Checksum ?? '')
  }
  return out
}

/** `npm run test:security`: the full run on its own demo database. */
async function main(): Promise<void> {
  const { createTestDatabase, dropAllTestDatabases } = await import('../helpers/test-database.ts')
  const requests = Number(process.env.FUZZ_REQUESTS ?? 10_000)
  const seed = Number(process.env.FUZZ_SEED ?? 20261130)
  const maxMs = Number(process.env.FUZZ_MAX_SECONDS ?? 600) * 1000
  let ok: boolean
  try {
    process.stdout.write(`loading the demo database …\n`)
    const t = await createTestDatabase({ demo: true, prefix: 'fuzz' })
    const report = await runFuzz({ db: t.db, seed, requests, maxMs })
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
    ok =
      report.sent >= requests &&
      report.serverErrorCount === 0 &&
      report.stackTraceCount === 0 &&
      report.changedTables.length === 0 &&
      report.badCharset === 0
    process.stdout.write(
      `${ok ? 'PASS' : 'FAIL'}: ${report.sent} requests over ${report.routes} routes in ` +
        `${report.seconds} s (seed ${seed}); ${report.serverErrorCount} responses ≥ 500, ` +
        `${report.stackTraceCount} stack traces, ${report.changedTables.length} tables changed\n`,
    )
  } finally {
    await dropAllTestDatabases()
  }
  process.exit(ok ? 0 : 1)
}

if (process.argv[1] && import.meta.filename === process.argv[1]) await main()
