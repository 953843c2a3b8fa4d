// The test runner (test/run.ts) is honest: a leftover .only, a pending or skipped test, an
// unhandled rejection and a file that cannot be loaded each fail the run, which still ends
// with "N passed, N failed"; a suite skipped for a missing real client outside CI is counted
// as skipped (and fails in CI); the throw-away databases are dropped.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'chai'
import { createConnection } from 'mysql2/promise'
import { TEST_SERVER } from '../helpers/test-database.ts'
import { parseDatabaseUrl } from '../../server/db/database.ts'

const run = promisify(execFile)
const root = join(import.meta.dirname, '..', '..')

async function runner(
  fixture: string,
  env: Record<string, string> = {},
): Promise<{ code: number; out: string }> {
  const file = `test/fixtures/runner/${fixture}.fixture.ts`
  const base = { ...process.env }
  delete base.CI
  try {
    const { stdout } = await run(join(root, 'node_modules', '.bin', 'tsx'), ['test/run.ts'], {
      cwd: root,
      env: { ...base, TEST_RUN_FILES: file, ...env },
      timeout: 60_000,
    })
    return { code: 0, out: stdout }
  } catch (err) {
    const e = err as { code?: number; stdout?: string }
    return { code: e.code ?? -1, out: e.stdout ?? '' }
  }
}

const lastLine = (out: string) => out.trimEnd().split('\n').pop()

describe('the test runner', function () {
  this.timeout(120_000)

  it('fails on a leftover .only', async () => {
    const { code, out } = await runner('only')
    expect(code).to.equal(1)
    expect(lastLine(out)).to.match(/^\d+ passed, [1-9]\d* failed$/)
  })

  it('fails on a pending or skipped test', async () => {
    const { code, out } = await runner('pending')
    expect(code).to.equal(1)
    expect(lastLine(out)).to.equal('1 passed, 2 failed')
  })

  it('fails on an unhandled rejection', async () => {
    const { code, out } = await runner('rejection')
    expect(code).to.equal(1)
    expect(out).to.include('unhandled rejection')
    expect(lastLine(out)).to.equal('1 passed, 1 failed')
  })

  it('fails when a test file cannot be loaded, and still prints the closing line', async () => {
    const { code, out } = await runner('crash')
    expect(code).to.equal(1)
    expect(out).to.include('this file cannot be loaded')
    expect(lastLine(out)).to.equal('0 passed, 1 failed')
  })

  it('counts a suite skipped for a missing real client, and fails it in CI', async () => {
    const local = await runner('tool')
    expect(local.code).to.equal(0)
    expect(local.out).to.include('skipped (no-such-client-opac not installed here)')
    expect(local.out).to.include('1 skipped because a real client is missing')
    expect(lastLine(local.out)).to.equal('0 passed, 0 failed')
    const ci = await runner('tool', { CI: 'true' })
    expect(ci.code).to.equal(1)
    expect(lastLine(ci.out)).to.equal('0 passed, 1 failed')
  })

  it('drops the databases the tests made', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'opac-runner-')), 'name')
    const result = await runner('database', { RUNNER_FIXTURE_OUT: out })
    expect(result.code).to.equal(0)
    const name = readFileSync(out, 'utf8')
    expect(name).to.match(/^opac_test_runner_/)
    const { host, port, user, password } = parseDatabaseUrl(`${TEST_SERVER}/x`)
    const conn = await createConnection({ host, port, user, password })
    try {
      const [rows] = await conn.query('SHOW DATABASES LIKE ?', [name])
      expect(rows).to.deep.equal([])
    } finally {
      await conn.end()
    }
  })
})
