// The job commands as processes: `npm run job -- <name>` runs a job once and prints its report
// (exit 0), says busy while another process holds the job's lock (exit 0), fails with exit 1,
// and refuses an unknown job (exit 2); `npm run worker` starts its scheduler and stops on
// SIGTERM with exit 0.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { expect } from 'chai'
import { utcDateTime as toDbDateTime } from '../../server/clock.ts'
import { withNamedLock } from '../../server/db/named-lock.ts'
import { createTestDatabase, testDatabaseUrl } from '../helpers/test-database.ts'
import type { TestDatabase } from '../helpers/test-database.ts'

const root = join(import.meta.dirname, '..', '..')

interface Finished {
  code: number | null
  stdout: string
  stderr: string
}

function run(command: string, args: string[], env: Record<string, string>): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}
const npmJob = (args: string[], env: Record<string, string>) =>
  run('npm', ['run', '--silent', 'job', '--', ...args], env)

describe('job processes (npm run job, npm run worker)', function () {
  this.timeout(90_000)
  let test: TestDatabase
  before(async () => {
    test = await createTestDatabase({ prefix: 'jobcli' })
  })

  it('runs a job once and prints what it did', async () => {
    await test.db
      .insertInto('session')
      .values({
        sid: 'expired',
        expires_at: toDbDateTime(new Date(Date.now() - 60_000)),
        data: '{}',
      })
      .execute()
    const done = await npmJob(['session-purge'], { DATABASE_URL: test.url })
    expect(done.stderr).to.equal('')
    expect(done.stdout).to.match(
      /^job session-purge: sessions 1, throttleRows 0, searchKeys 0, emailChanges 0 \([\d.]+ s\)$/m,
    )
    expect(done.code).to.equal(0)
  })

  it('says busy, and exits 0, while another process runs the job', async () => {
    const outcome = await withNamedLock(test.db, 'job:session-purge', () =>
      npmJob(['session-purge'], { DATABASE_URL: test.url }),
    )
    expect(outcome.ok).to.equal(true)
    const busy = outcome.ok ? outcome.value : undefined
    expect(busy?.stdout).to.include('job session-purge: busy: another process is running it')
    expect(busy?.code).to.equal(0)
  })

  it('exits 1 when the job fails, 2 for a job that does not exist; lists the jobs', async () => {
    const failed = await npmJob(['session-purge'], {
      DATABASE_URL: testDatabaseUrl('opac_test_no_such_database'),
    })
    expect(failed.code).to.equal(1)
    expect(failed.stderr).to.include('job session-purge failed')
    const unknown = await npmJob(['no-such-job'], { DATABASE_URL: test.url })
    expect(unknown.code).to.equal(2)
    expect(unknown.stderr).to.include('no job "no-such-job"')
    const list = await npmJob(['--list'], {
      DATABASE_URL: test.url,
      JOB_SEARCH_INDEX: 'daily 03:00',
    })
    expect(list.code).to.equal(0)
    expect(list.stdout).to.match(/^session-purge +every 10m +deletes expired sessions/m)
    expect(list.stdout).to.match(/^search-index +daily 03:00 /m)
  })

  it('starts a worker that stops on SIGTERM with exit 0', async () => {
    const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), ['server/jobs/job-worker.ts'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: test.url, LOG_LEVEL: 'info', JOBS_IN_SERVER: 'false' },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    )
    let stdout = ''
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start line: ${stdout}`)), 30_000)
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
        if (stdout.includes('worker started')) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
    expect(stdout).to.include('session-purge (every 10m)')
    child.kill('SIGTERM')
    expect(await exited).to.equal(0)
    expect(stdout).to.include('stopped')
  })
})
