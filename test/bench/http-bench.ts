// npm run bench:http [-- --records N] [--connections N] [--seconds N] [--warmup N] [--rounds N]
//                    [--fresh] [--profile DIR] [--pages detail,search] [--show-sql]
//
// The app's own cost per request, through HTTP. A catalogue of N records (default 100,000,
// generated like the search bench's, from the demo catalogue's real data) in a schema of its
// own (opac_bench_http, kept between runs unless --fresh or another size), then three servers,
// each a process of its own, loaded by autocannon from this process (N connections, default 32)
// for --seconds each (default 10), after --warmup seconds of the same load (default 5: the app
// has far more code than the bare server for V8 to optimise, and its first few thousand requests
// cost it up to half as much again as the ones after). The measured seconds are taken in
// --rounds turns (default 5): app, bare, Express, then Express, bare, app, and so on, so that
// what else the machine does in the meantime falls on the three alike:
// - the app as production runs it (`server/main.ts`, NODE_ENV=production, logging at info
//   into a pipe, jobs off);
// - a bare node:http server (test/bench/bare-server.ts) that runs the same SQL the app ran
//   for the page — captured from an app instance in this process, replayed statement by
//   statement — and sends a body of the same size;
// - the same bare handler as the one route of an Express app with no middleware: the part of
//   the app's cost that is Express's own (reported beside the ratio, as express_ratio).
// Pages: a record's detail page, and the search page of that record's title.
// Prints requests/s, p95 and CPU time per request (from /proc) of each for each page, then
// one JSON line last: {"app_rps","bare_rps","ratio","app_p95_ms","bare_p95_ms","records",
// "app_cpu_ms_per_req","bare_cpu_ms_per_req","express_rps","express_ratio","failed",
// "search":{…},"connections","seconds","rounds","load"}
// (ratio = app_rps / bare_rps, the detail page; the search page's figures under "search";
// failed = errors, timeouts and non-2xx answers of the three servers; load = the machine's
// 1-minute load average at the end). BENCH_HTTP_DATABASE_URL names another schema.
// --profile DIR runs the servers under `node --cpu-prof` and writes their profiles when they
// stop (the app's to DIR, the bare servers' to DIR/bare and DIR/express); --pages detail
// measures only the detail page; --show-sql prints the captured SQL.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import type { ChildProcess } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import pino from 'pino'
import { createApp } from '../../server/app.ts'
import { loadConfig } from '../../server/config.ts'
import { createDb, dropDatabase, ensureDatabase } from '../../server/db/database.ts'
import type { Db } from '../../server/db/database.ts'
import { migrate } from '../../server/db/migrator.ts'
import { buildDeps } from '../../server/deps.ts'
import { readCatalogue } from '../../server/demo/demo-loader.ts'
import { createHttpServer } from '../../server/http-server.ts'
import type { BarePage, BareSpec } from './bare-server.ts'
import { loadCatalogue } from './search-bench.ts'

const root = join(import.meta.dirname, '..', '..')
const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    connections: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '5' },
    fresh: { type: 'boolean', default: false },
    profile: { type: 'string' },
    pages: { type: 'string', default: 'detail,search' },
    'show-sql': { type: 'boolean', default: false },
  },
})
/** A positive number given for a --name option, or the bench stops saying which. */
const count = (name: 'records' | 'connections' | 'seconds' | 'warmup' | 'rounds'): number => {
  const value = Number(args[name])
  if (!(value > 0)) throw new Error(`--${name} needs a number above 0, not ${args[name]}`)
  return value
}
const records = count('records')
const connections = count('connections')
const seconds = count('seconds')
const warmup = count('warmup')
const rounds = Math.round(count('rounds'))
const fresh = args.fresh
const profileDir = args.profile
const measured = args.pages
  .split(',')
  .filter((p): p is 'detail' | 'search' => p === 'detail' || p === 'search')
const seed = 20261123
const POOL_SIZE = 10
const server = (process.env.TEST_DATABASE_SERVER || 'mysql://root@127.0.0.1:3306').replace(
  /\/+$/,
  '',
)
// BENCH_HTTP_DATABASE_URL: another schema (the smoke test's throw-away one).
const databaseUrl = process.env.BENCH_HTTP_DATABASE_URL || `${server}/opac_bench_http`
const log = (line: string) => process.stderr.write(`${line}\n`)

/** Settings both app instances (the one SQL is captured from, the measured one) run with. */
const appEnv = {
  NODE_ENV: 'production',
  DATABASE_URL: databaseUrl,
  DATABASE_POOL_SIZE: String(POOL_SIZE),
  LOAD_DEMO: 'false',
  JOBS_IN_SERVER: 'false',
  LOG_LEVEL: 'info',
  SESSION_SECRET: 'bench-session-secret-0123456789',
  PASSWORD_PEPPER: 'bench-password-pepper-0123456789',
  HOST: '127.0.0.1',
}

async function prepareCatalogue(): Promise<{ libraryId: number; slug: string }> {
  const open = async () => {
    await ensureDatabase(databaseUrl)
    await migrate(databaseUrl)
    return createDb(databaseUrl, 4)
  }
  let db: Db = await open()
  const rows = readCatalogue()
  try {
    if (fresh) throw new Error('--fresh')
    const info = await loadCatalogue(db, rows, records, seed, true, false, log)
    return { libraryId: info.libraryId, slug: 'bench' }
  } catch {
    await db.destroy()
    await dropDatabase(databaseUrl)
    db = await open()
    log(`loading ${records} records into opac_bench_http`)
    const info = await loadCatalogue(db, rows, records, seed, false, false, log)
    return { libraryId: info.libraryId, slug: 'bench' }
  } finally {
    await db.destroy()
  }
}

/** The pages to load: a record with several copies, and a search for its title. */
async function choosePages(libraryId: number, slug: string) {
  const db = createDb(databaseUrl, 2)
  try {
    const record = await db
      .selectFrom('record')
      .innerJoin('copy', 'copy.record_id', 'record.id')
      .select(['record.id', 'record.title'])
      .where('record.library_id', '=', libraryId)
      .groupBy(['record.id', 'record.title'])
      .having((eb) => eb.fn.count('copy.id'), '>=', 3)
      .orderBy('record.id')
      .offset(Math.floor(records / 3))
      .limit(1)
      .executeTakeFirstOrThrow()
    return {
      detail: `/${slug}/records/${record.id}`,
      search: `/${slug}/search?q=${encodeURIComponent(record.title)}`,
    }
  } finally {
    await db.destroy()
  }
}

/** Runs an app instance in this process once per page and records the SQL of a warm request. */
async function captureSql(paths: string[]): Promise<Record<string, BarePage>> {
  let capturing: BarePage['queries'] | undefined
  const db = createDb(databaseUrl, POOL_SIZE, 0, {
    onQuery: (sql, parameters) => capturing?.push({ sql, parameters: [...parameters] }),
  })
  const config = loadConfig({ ...appEnv, PORT: '0' })
  const deps = buildDeps(config, {
    db,
    logger: pino({ level: 'silent' }),
    lifecycle: { ready: true, draining: false },
  })
  const app = createApp(deps)
  const listener = createHttpServer(app).listen(0, '127.0.0.1')
  await new Promise((resolve) => listener.once('listening', resolve))
  const base = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`
  const pages: Record<string, BarePage> = {}
  try {
    for (const path of paths) {
      for (let i = 0; i < 3; i++) await (await fetch(`${base}${path}`)).arrayBuffer()
      capturing = []
      const res = await fetch(`${base}${path}`)
      const bytes = (await res.arrayBuffer()).byteLength
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`)
      pages[path] = { queries: capturing, bytes }
      capturing = undefined
    }
  } finally {
    listener.closeAllConnections()
    await new Promise((resolve) => listener.close(resolve))
    await db.destroy()
  }
  return pages
}

interface Started {
  port: number
  child: ChildProcess
  stop(): Promise<void>
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
}

async function startApp(): Promise<Started> {
  const port = 30_000 + Math.floor(Math.random() * 20_000)
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { ...process.env, ...appEnv, PORT: String(port) },
    // The app logs as in production: one line per request, into a pipe that is read.
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  child.stdout?.resume()
  const until = Date.now() + 120_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode}`)
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    )
    if (ok) break
    if (Date.now() > until) throw new Error('the app did not become ready')
    await new Promise((r) => setTimeout(r, 250))
  }
  return { port, child, stop: stopper(child) }
}

async function startBare(
  pages: Record<string, BarePage>,
  options: { express?: boolean } = {},
): Promise<Started> {
  const spec: BareSpec = { databaseUrl, poolSize: POOL_SIZE, pages }
  const name = options.express ? 'express' : 'bare'
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`] : []
  const child = spawn(
    process.execPath,
    [...profile, '--import', 'tsx', 'test/bench/bare-server.ts'],
    {
      cwd: root,
      env: {
        ...process.env,
        BENCH_BARE_SPEC: JSON.stringify(spec),
        BENCH_BARE_EXPRESS: options.express ? '1' : '0',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) =>
      resolve((JSON.parse(d.toString()) as { port: number }).port),
    )
    child.once('exit', (code) => reject(new Error(`the bare server exited with ${code}`)))
  })
  return { port, child, stop: stopper(child) }
}

interface Measured {
  rps: number
  p95_ms: number
  errors: number
  non2xx: number
  /** CPU time the server process spent per request (user + system), which load elsewhere on
   * the machine changes far less than requests/s. */
  cpu_ms_per_req: number
}

/** CPU time (user + system) a process has used, from /proc (Linux), in ms. */
function cpuMsOf(pid: number | undefined): number {
  if (pid === undefined) return 0
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 // utime, stime in 1/100 s
  } catch {
    return 0
  }
}

/** One page's measures on each server. */
interface Servers {
  app: Measured
  bare: Measured
  express: Measured
}

/** What one autocannon run against one server gave. */
interface Run {
  seconds: number
  requests: number
  latencies: number[]
  errors: number
  non2xx: number
  cpuMs: number
}

async function load(url: string, duration: number, pid?: number): Promise<Run> {
  const latencies: number[] = []
  const cpuBefore = cpuMsOf(pid)
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url, connections, duration }, (err, done) =>
      err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(done),
    )
    instance.on('response', (_client, _status, _bytes, responseTime) =>
      latencies.push(responseTime),
    )
  })
  return {
    seconds: duration,
    requests: result.requests.total,
    latencies,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    cpuMs: cpuMsOf(pid) - cpuBefore,
  }
}

/** The measures of a server over its rounds together. */
function measure(runs: Run[]): Measured {
  const sum = (f: (r: Run) => number) => runs.reduce((total, r) => total + f(r), 0)
  const requests = sum((r) => r.requests)
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b)
  return {
    rps: requests / sum((r) => r.seconds),
    p95_ms: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.95))] ?? 0,
    errors: sum((r) => r.errors),
    non2xx: sum((r) => r.non2xx),
    cpu_ms_per_req: sum((r) => r.cpuMs) / Math.max(1, requests),
  }
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits))

async function main(): Promise<void> {
  const { libraryId, slug } = await prepareCatalogue()
  const paths = await choosePages(libraryId, slug)
  log(`pages: detail ${paths.detail}, search ${paths.search}`)
  const captured = await captureSql([paths.detail, paths.search])
  for (const [path, page] of Object.entries(captured)) {
    log(`${path}: ${page.queries.length} statements, ${page.bytes} bytes`)
    if (args['show-sql']) for (const q of page.queries) log(`  ${q.sql}`)
  }
  const results: Record<'detail' | 'search', Servers> = {
    detail: { app: emptyMeasure(), bare: emptyMeasure(), express: emptyMeasure() },
    search: { app: emptyMeasure(), bare: emptyMeasure(), express: emptyMeasure() },
  }
  const app = await startApp()
  const bare = await startBare(captured)
  const bareExpress = await startBare(captured, { express: true })
  try {
    const servers = [
      ['app', app],
      ['bare', bare],
      ['express', bareExpress],
    ] as const
    for (const page of measured) {
      const url = (target: Started) => `http://127.0.0.1:${target.port}${paths[page]}`
      for (const [, target] of servers) await load(url(target), warmup)
      // The servers take turns, a slice of the time each, in an order reversed every round:
      // what the machine does meanwhile falls on all three alike.
      const runs: Record<keyof Servers, Run[]> = { app: [], bare: [], express: [] }
      for (let turn = 0; turn < rounds; turn++) {
        for (const [name, target] of turn % 2 === 0 ? servers : [...servers].reverse()) {
          runs[name].push(await load(url(target), seconds / rounds, target.child.pid))
        }
      }
      for (const [name] of servers) {
        const m = measure(runs[name])
        results[page][name] = m
        log(
          `${page.padEnd(6)} ${name.padEnd(7)} ${Math.round(m.rps).toLocaleString('en')} req/s  ` +
            `p95 ${m.p95_ms.toFixed(1)} ms  CPU ${m.cpu_ms_per_req.toFixed(2)} ms/req  ` +
            `(errors ${m.errors}, non-2xx ${m.non2xx})`,
        )
      }
      const r = results[page]
      log(
        `${page.padEnd(6)} ratio app/bare ${(r.app.rps / r.bare.rps).toFixed(2)} ` +
          `(CPU per request bare/app ${(r.bare.cpu_ms_per_req / r.app.cpu_ms_per_req).toFixed(2)}); ` +
          `Express alone/bare ${(r.express.rps / r.bare.rps).toFixed(2)}`,
      )
    }
  } finally {
    await app.stop()
    await bare.stop()
    await bareExpress.stop()
  }
  const { detail, search } = results
  // The fields first (app_rps … bare_p95_ms, records), then the rest.
  const { app_rps, bare_rps, ratio, app_p95_ms, bare_p95_ms, ...rest } = figures(detail)
  process.stdout.write(
    `${JSON.stringify({
      app_rps,
      bare_rps,
      ratio,
      app_p95_ms,
      bare_p95_ms,
      records,
      ...rest,
      search: figures(search),
      connections,
      seconds,
      rounds,
      load: round(loadavg()[0] ?? 0, 2),
    })}\n`,
  )
}

/** One page's figures in the JSON line (the detail page's at the top, the search page's under "search"). */
function figures(r: Servers) {
  return {
    app_rps: Math.round(r.app.rps),
    bare_rps: Math.round(r.bare.rps),
    ratio: round(r.app.rps / r.bare.rps, 2),
    app_p95_ms: round(r.app.p95_ms),
    bare_p95_ms: round(r.bare.p95_ms),
    app_cpu_ms_per_req: round(r.app.cpu_ms_per_req, 3),
    bare_cpu_ms_per_req: round(r.bare.cpu_ms_per_req, 3),
    express_rps: Math.round(r.express.rps),
    express_ratio: round(r.express.rps / r.bare.rps, 2),
    /** Errors, timeouts and non-2xx answers of the three servers together (0 in a sound run). */
    failed: [r.app, r.bare, r.express].reduce((n, m) => n + m.errors + m.non2xx, 0),
  }
}

function emptyMeasure(): Measured {
  return { rps: 0, p95_ms: 0, errors: 0, non2xx: 0, cpu_ms_per_req: 0 }
}

await main()
