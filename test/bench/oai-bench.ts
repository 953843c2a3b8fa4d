// npm run bench:oai [-- --records N] [--prefix oai_dc|marcxml] [--database NAME] [--reuse]
//                    [--server-heap-mb N]
//
// A whole OAI-PMH ListRecords harvest of a large catalogue. Generates N records (default
// 100,000) with 1–5 copies each, as the search bench does (insertCatalogue: the demo
// catalogue's titles, authors, publishers, subjects and NDC numbers recombined), into a schema
// of its own (default opac_bench_oai, re-created unless --reuse finds the same catalogue there;
// no search index: the harvest does not use it). Then starts the server as a process of its
// own on 127.0.0.1 and harvests every record following the resumption tokens, as a harvester
// does, one request at a time; it samples the server's resident memory (VmRSS) every 100 ms.
// The harvest must return every record exactly once. --server-heap-mb caps the server's V8 old
// space (--max-old-space-size): a harvest that needed memory in proportion to the catalogue
// would fail under a small cap, one that works a page at a time runs flat.
//
// Prints progress, then one JSON line last:
// {"records","prefix","pages","seconds","records_per_s","mb_sent","server_rss_start_mb",
//  "server_rss_peak_mb","server_rss_end_mb","load_s"}
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createDb, dropDatabase, ensureDatabase } from '../../server/db/database.ts'
import { migrate } from '../../server/db/migrator.ts'
import { readCatalogue } from '../../server/demo/demo-loader.ts'
import { benchDatabaseUrl, insertCatalogue } from './search-bench.ts'

export interface OaiBenchOptions {
  records: number
  prefix?: 'oai_dc' | 'marcxml'
  seed?: number
  databaseUrl?: string
  reuse?: boolean
  /** The server's --max-old-space-size, in MB (default: Node's). */
  serverHeapMb?: number
  log?: (line: string) => void
}

export interface OaiBenchResult {
  records: number
  prefix: string
  pages: number
  seconds: number
  records_per_s: number
  mb_sent: number
  server_rss_start_mb: number
  server_rss_peak_mb: number
  server_rss_end_mb: number
  load_s: number
}

const ROOT = resolve(import.meta.dirname, '..', '..')
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10

/** Resident memory of a process (Linux /proc), in bytes; 0 when unreadable. */
function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1]
    return kb ? Number(kb) * 1024 : 0
  } catch {
    return 0
  }
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => done(port))
    })
  })
}

/** Loads (or finds) the catalogue; returns the seconds loading took (0 when reused). */
async function prepare(
  url: string,
  records: number,
  seed: number,
  reuse: boolean,
  log: (line: string) => void,
) {
  const marker = JSON.stringify({ oaiBench: { records, seed } })
  if (reuse) {
    await ensureDatabase(url)
    await migrate(url)
    const db = createDb(url, 2)
    try {
      const lib = await db
        .selectFrom('library')
        .select('settings_json')
        .where('slug', '=', 'bench')
        .executeTakeFirst()
      if (lib?.settings_json === marker) {
        log('reusing the loaded catalogue')
        return 0
      }
    } finally {
      await db.destroy()
    }
    throw new Error('--reuse: the schema does not hold this catalogue; run without --reuse')
  }
  await dropDatabase(url)
  await ensureDatabase(url)
  await migrate(url)
  const db = createDb(url, 4)
  try {
    const loaded = await insertCatalogue(db, readCatalogue(), records, seed, marker, log)
    return loaded.recordSeconds
  } finally {
    await db.destroy()
  }
}

export async function runOaiBench(options: OaiBenchOptions): Promise<OaiBenchResult> {
  const log = options.log ?? (() => undefined)
  const records = options.records
  const prefix = options.prefix ?? 'oai_dc'
  const url = options.databaseUrl ?? benchDatabaseUrl('opac_bench_oai')
  const loadSeconds = await prepare(
    url,
    records,
    options.seed ?? 20261130,
    options.reuse ?? false,
    log,
  )

  const port = await freePort()
  const heap = options.serverHeapMb ? [`--max-old-space-size=${options.serverHeapMb}`] : []
  const server = spawn(process.execPath, [...heap, '--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOAD_DEMO: 'false',
      JOBS_IN_SERVER: 'false',
      LOG_LEVEL: 'warn',
      INTEROP_REQUESTS_PER_MINUTE: '1000000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const pid = server.pid ?? 0
  let peak = 0
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 100)
  try {
    const base = `http://127.0.0.1:${port}/bench/oai`
    const deadline = Date.now() + 120_000
    for (;;) {
      const ok = await fetch(`${base}?verb=Identify`).then(
        (r) => r.status === 200,
        () => false,
      )
      if (ok) break
      if (Date.now() > deadline || server.exitCode !== null)
        throw new Error('the server did not start')
      await new Promise((r) => setTimeout(r, 250))
    }
    const rssStart = rssOf(pid)
    log(`server ready (pid ${pid}, ${mb(rssStart)} MB); harvesting ListRecords ${prefix}`)

    const seen = new Set<string>()
    let pages = 0
    let bytes = 0
    let query = `verb=ListRecords&metadataPrefix=${prefix}`
    const started = performance.now()
    for (;;) {
      const res = await fetch(`${base}?${query}`)
      const text = await res.text()
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`)
      bytes += Buffer.byteLength(text)
      pages++
      for (const m of text.matchAll(/<header><identifier>([^<]+)<\/identifier>/g)) {
        const id = m[1] ?? ''
        if (seen.has(id)) throw new Error(`${id} harvested twice`)
        seen.add(id)
      }
      if (pages % 250 === 0) log(`  ${seen.size} records, ${mb(rssOf(pid))} MB`)
      const token = /<resumptionToken[^>]*>([^<]+)<\/resumptionToken>/.exec(text)?.[1]
      if (!token) break
      query = `verb=ListRecords&resumptionToken=${encodeURIComponent(token)}`
    }
    const seconds = (performance.now() - started) / 1000
    if (seen.size !== records) throw new Error(`harvested ${seen.size} records of ${records}`)
    return {
      records: seen.size,
      prefix,
      pages,
      seconds: Math.round(seconds * 10) / 10,
      records_per_s: Math.round(seen.size / seconds),
      mb_sent: mb(bytes),
      server_rss_start_mb: mb(rssStart),
      server_rss_peak_mb: mb(Math.max(peak, rssOf(pid))),
      server_rss_end_mb: mb(rssOf(pid)),
      load_s: Math.round(loadSeconds * 10) / 10,
    }
  } finally {
    clearInterval(sampler)
    server.kill('SIGTERM')
    await new Promise((r) => (server.exitCode !== null ? r(null) : server.once('exit', r)))
  }
}

function parseArgs(argv: readonly string[]): OaiBenchOptions {
  const options: OaiBenchOptions = { records: 100_000 }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${arg} needs a value`)
      return v
    }
    if (arg === '--records') {
      const n = Number(value().replace(/_/g, ''))
      if (!Number.isInteger(n) || n < 1) throw new Error('--records: a positive integer')
      options.records = n
    } else if (arg === '--prefix') {
      const p = value()
      if (p !== 'oai_dc' && p !== 'marcxml') throw new Error('--prefix: oai_dc or marcxml')
      options.prefix = p
    } else if (arg === '--server-heap-mb') {
      const n = Number(value())
      if (!Number.isInteger(n) || n < 16) throw new Error('--server-heap-mb: an integer ≥ 16')
      options.serverHeapMb = n
    } else if (arg === '--reuse') options.reuse = true
    else if (arg === '--database') {
      options.databaseUrl = benchDatabaseUrl(value())
    } else throw new Error(`unknown argument ${arg}`)
  }
  return options
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = (line: string) => process.stdout.write(`${line}\n`)
  const result = await runOaiBench({ ...parseArgs(process.argv.slice(2)), log: out })
  out(JSON.stringify(result))
}
