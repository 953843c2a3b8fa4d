// The HTTP benchmark (npm run bench:http, not part of npm test at full size) runs end to end on
// 1,000 records in a throw-away schema: the app, the bare server and the bare Express server
// all answer both pages without a failure, and the JSON line has every field.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'chai'
import { reserveTestDatabase } from '../../helpers/test-database.ts'

const run = promisify(execFile)
const root = join(import.meta.dirname, '..', '..', '..')

describe('HTTP benchmark (1,000-record smoke run)', function () {
  this.timeout(240_000)

  it('serves both pages on all three servers and reports the JSON fields', async () => {
    const { url } = reserveTestDatabase('httpbench')
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/bench/http-bench.ts',
        '--records',
        '1000',
        '--seconds',
        '2',
        '--rounds',
        '2',
        '--warmup',
        '1',
        '--connections',
        '4',
      ],
      {
        cwd: root,
        env: { ...process.env, BENCH_HTTP_DATABASE_URL: url },
        timeout: 220_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    )
    const lines = stdout.trim().split('\n')
    const result = JSON.parse(lines[lines.length - 1] ?? '') as Record<string, unknown>
    const page = [
      'app_rps',
      'bare_rps',
      'ratio',
      'app_p95_ms',
      'bare_p95_ms',
      'app_cpu_ms_per_req',
      'bare_cpu_ms_per_req',
      'express_rps',
      'express_ratio',
      'failed',
    ]
    // The fields first, in its order.
    expect(Object.keys(result)).to.deep.equal([
      'app_rps',
      'bare_rps',
      'ratio',
      'app_p95_ms',
      'bare_p95_ms',
      'records',
      'app_cpu_ms_per_req',
      'bare_cpu_ms_per_req',
      'express_rps',
      'express_ratio',
      'failed',
      'search',
      'connections',
      'seconds',
      'rounds',
      'load',
    ])
    expect(result.records).to.equal(1000)
    const search = result.search as Record<string, unknown>
    expect(Object.keys(search)).to.deep.equal(page)
    for (const figures of [result, search]) {
      expect(figures.failed).to.equal(0)
      for (const key of ['app_rps', 'bare_rps', 'express_rps', 'ratio', 'express_ratio']) {
        expect(figures[key], key).to.be.a('number').and.greaterThan(0)
      }
      // ratio = app ÷ bare (from the unrounded rates)
      expect(figures.ratio).to.be.closeTo(
        (figures.app_rps as number) / (figures.bare_rps as number),
        0.02,
      )
    }
  })
})
