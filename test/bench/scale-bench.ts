// npm run bench:scale [-- --seconds N] [--concurrency N] [--database NAME]
//
// Two app instances against one, through nginx, on this machine. Starts two app instances
// (ports 4322, 4323) on one database (default opac_bench_scale, dropped and loaded with the
// demo by the first instance) and two nginx servers in front of them: one passing to both
// (4320), one to the first only (4321). Then the same closed-loop load — N clients with
// keep-alive, each asking for the next of 200 record detail pages as soon as the last has
// come — against one instance and then two, for the same time each, after a warm-up. Prints
// requests/s and p95 for both and one JSON line last:
// {"one_rps","two_rps","ratio","one_p95_ms","two_p95_ms","concurrency","seconds","cores"}
// The load generator runs on the same cores as the instances: on a machine with few cores,
// two instances gain only what the cores left over allow.
import { Agent, request } from 'node:http'
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { sql } from 'kysely'
import { createDb, dropDatabase } from '../../server/db/database.ts'
import { deploymentEnv, startAppInstance, startNginx } from '../helpers/processes.ts'
import type { Started } from '../helpers/processes.ts'
import { TEST_SERVER } from '../helpers/test-database.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '16' },
    database: { type: 'string', default: 'opac_bench_scale' },
  },
})
const seconds = Number(values.seconds)
const concurrency = Number(values.concurrency)
const url = `${TEST_SERVER.replace(/\/+$/, '')}/${values.database}`

function get(agent: Agent, base: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { agent }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end()
  })
}

/** Closed-loop load for ms milliseconds: requests/s, p95 and the answers that were not 200. */
async function load(base: string, paths: string[], ms: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  const latencies: number[] = []
  let failed = 0
  let next = 0
  const until = Date.now() + ms
  const client = async () => {
    while (Date.now() < until) {
      const path = paths[next++ % paths.length] ?? '/'
      const started = performance.now()
      const status = await get(agent, base, path)
      latencies.push(performance.now() - started)
      if (status !== 200) failed++
    }
  }
  const started = Date.now()
  await Promise.all(Array.from({ length: concurrency }, client))
  const elapsed = (Date.now() - started) / 1000
  agent.destroy()
  latencies.sort((a, b) => a - b)
  return {
    rps: Math.round(latencies.length / elapsed),
    p95: Math.round((latencies[Math.floor(latencies.length * 0.95)] ?? 0) * 10) / 10,
    failed,
  }
}

const running: Started[] = []
try {
  await dropDatabase(url)
  const env = deploymentEnv(url, 'http://127.0.0.1:4320')
  process.stdout.write(`starting instance 1 (loads the demo into ${values.database}) …\n`)
  running.push(await startAppInstance(4322, env))
  running.push(await startAppInstance(4323, env))
  const two = await startNginx(4320, [4322, 4323])
  running.push(two)
  const one = await startNginx(4321, [4322])
  running.push(one)

  const db = createDb(url, 1)
  const ids = await sql<{ id: number }>`
    SELECT r.id FROM record r JOIN library l ON l.id = r.library_id
    WHERE l.slug = 'aoba' ORDER BY r.id LIMIT 200`.execute(db)
  await db.destroy()
  const paths = ids.rows.map((r) => `/aoba/records/${r.id}`)

  process.stdout.write(`warm-up (both instances) …\n`)
  await load(two.url, paths, 3000)
  const single = await load(one.url, paths, seconds * 1000)
  process.stdout.write(
    `one instance:  ${single.rps} req/s, p95 ${single.p95} ms (${single.failed} not 200)\n`,
  )
  const double = await load(two.url, paths, seconds * 1000)
  process.stdout.write(
    `two instances: ${double.rps} req/s, p95 ${double.p95} ms (${double.failed} not 200)\n`,
  )
  process.stdout.write(
    `${JSON.stringify({
      one_rps: single.rps,
      two_rps: double.rps,
      ratio: Math.round((double.rps / single.rps) * 100) / 100,
      one_p95_ms: single.p95,
      two_p95_ms: double.p95,
      concurrency,
      seconds,
      cores: availableParallelism(),
    })}\n`,
  )
} finally {
  for (const p of running.reverse()) await p.stop()
  await dropDatabase(url).catch(() => undefined)
}
