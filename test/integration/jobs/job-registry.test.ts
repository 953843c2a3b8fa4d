// The job registry on a real database: a job runs under its lock and its report is logged; a
// second run of the same job while the first is under way (as from another process) is told
// busy and does not run; jobs sharing a lock exclude each other; a failure is logged, thrown
// and releases the lock; the runner's drain waits for runs under way. The real jobs run too.
import { expect } from 'chai'
import { loadConfig } from '../../../server/config.ts'
import { buildDeps } from '../../../server/deps.ts'
import { utcDateTime as toDbDateTime } from '../../../server/clock.ts'
import { jobRegistry, jobRunner } from '../../../server/jobs/job-registry.ts'
import type { Job } from '../../../server/jobs/job-registry.ts'
import { OPAC_JOBS, opacJobRunner } from '../../../server/jobs/opac-jobs.ts'
import { createLogger } from '../../../server/logger.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'

/** A logger that keeps what it was told. */
function memoryLogger() {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = []
  const at =
    (level: string) =>
    (fields: Record<string, unknown> | string, msg?: string): void => {
      if (typeof fields === 'string') lines.push({ level, msg: fields, fields: {} })
      else lines.push({ level, msg: msg ?? '', fields })
    }
  return { lines, logger: { info: at('info'), error: at('error'), warn: at('warn') } }
}

function gate(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => undefined
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { opened, open }
}

describe('job registry', function () {
  this.timeout(30_000)
  let test: TestDatabase
  before(async () => {
    test = await createTestDatabase({ prefix: 'jobs' })
  })

  it('runs a job under its lock and logs its report', async () => {
    const { lines, logger } = memoryLogger()
    const registry = jobRegistry<{ seen: string[] }>([
      {
        name: 'tidy-up',
        description: 'test job',
        run: async (context) => {
          context.seen.push('ran')
          return { rows: 3, files: 0 }
        },
      },
    ])
    const context = { seen: [] as string[] }
    const run = await registry.run('tidy-up', context, { db: test.db, logger })
    expect(run.ok).to.equal(true)
    expect(run.ok && run.report).to.deep.equal({ rows: 3, files: 0 })
    expect(context.seen).to.deep.equal(['ran'])
    expect(lines).to.have.length(1)
    expect(lines[0]!.msg).to.match(/^job tidy-up: rows 3, files 0 \([\d.]+ s\)$/)
    expect(lines[0]!.fields).to.include({ job: 'tidy-up' })
  })

  it('logs the counts of a job that works library by library for each library that did something', async () => {
    const { lines, logger } = memoryLogger()
    const registry = jobRegistry<null>([
      {
        name: 'per-library',
        description: 'test job',
        run: async () => ({
          report: { rows: 3 },
          byLibrary: { aoba: { rows: 1 }, idle: { rows: 0 }, minato: { rows: 2 } },
        }),
      },
    ])
    const run = await registry.run('per-library', null, { db: test.db, logger })
    expect(run).to.deep.include({
      ok: true,
      report: { rows: 3 },
      byLibrary: { aoba: { rows: 1 }, idle: { rows: 0 }, minato: { rows: 2 } },
    })
    expect(lines[0]!.msg).to.match(
      /^job per-library: rows 3 \(aoba: rows 1; minato: rows 2\) \([\d.]+ s\)$/,
    )
  })

  it('tells a second run of a job under way that it is busy, without running it', async () => {
    const { lines, logger } = memoryLogger()
    const started = gate()
    const finish = gate()
    let runs = 0
    const slow: Job<null> = {
      name: 'slow',
      description: 'test job',
      async run() {
        runs++
        started.open()
        await finish.opened
        return { done: 1 }
      },
    }
    // Two registries, as in two processes: only the database lock keeps them apart.
    const first = jobRegistry([slow]).run('slow', null, { db: test.db, logger })
    await started.opened
    const second = await jobRegistry([slow]).run('slow', null, { db: test.db, logger })
    expect(second).to.deep.equal({ ok: false, reason: 'busy' })
    expect(runs).to.equal(1)
    expect(lines.map((l) => l.msg)).to.include('job slow: busy: another process is running it')
    finish.open()
    expect((await first).ok).to.equal(true)
    expect((await jobRegistry([slow]).run('slow', null, { db: test.db, logger })).ok).to.equal(true)
    expect(runs).to.equal(2)
  })

  it('keeps jobs that share a lock apart', async () => {
    const { logger } = memoryLogger()
    const started = gate()
    const finish = gate()
    const registry = jobRegistry<null>([
      {
        name: 'maintain',
        description: 'test job',
        async run() {
          started.open()
          await finish.opened
          return {}
        },
      },
      { name: 'rebuild', description: 'test job', lock: 'maintain', run: async () => ({}) },
    ])
    const first = registry.run('maintain', null, { db: test.db, logger })
    await started.opened
    expect(await registry.run('rebuild', null, { db: test.db, logger })).to.deep.equal({
      ok: false,
      reason: 'busy',
    })
    finish.open()
    await first
    expect((await registry.run('rebuild', null, { db: test.db, logger })).ok).to.equal(true)
  })

  it('logs and throws a failure, and releases the lock', async () => {
    const { lines, logger } = memoryLogger()
    let fail = true
    const registry = jobRegistry<null>([
      {
        name: 'flaky',
        description: 'test job',
        async run() {
          if (fail) throw new Error('smtp down')
          return { sent: 1 }
        },
      },
    ])
    let caught: unknown
    try {
      await registry.run('flaky', null, { db: test.db, logger })
    } catch (err) {
      caught = err
    }
    expect((caught as Error).message).to.equal('smtp down')
    expect(lines[0]).to.include({ level: 'error', msg: 'job flaky failed' })
    fail = false
    expect((await registry.run('flaky', null, { db: test.db, logger })).ok).to.equal(true)
  })

  it('refuses names that are not kebab-case or are taken twice, and unknown jobs', async () => {
    const job = (name: string): Job<null> => ({ name, description: '', run: async () => ({}) })
    expect(() => jobRegistry([job('Hold_Approval')])).to.throw(/kebab-case/)
    expect(() => jobRegistry([job('a'), job('a')])).to.throw(/two jobs/)
    const { logger } = memoryLogger()
    let caught: unknown
    try {
      await jobRegistry([job('a')]).run('b', null, { db: test.db, logger })
    } catch (err) {
      caught = err
    }
    expect((caught as Error).message).to.match(/no job "b"/)
  })

  it('lets a runner wait for its runs under way, at most for the grace period', async () => {
    const { logger } = memoryLogger()
    const finish = gate()
    const runner = jobRunner(
      jobRegistry<null>([
        {
          name: 'long',
          description: 'test job',
          async run() {
            await finish.opened
            return {}
          },
        },
      ]),
      null,
      { db: test.db, logger },
    )
    expect(await runner.drain(10)).to.equal(true) // nothing under way
    const run = runner.run('long')
    expect(runner.running()).to.deep.equal(['long'])
    expect(await runner.drain(50)).to.equal(false)
    setTimeout(finish.open, 50)
    expect(await runner.drain(5000)).to.equal(true)
    await run
    expect(runner.running()).to.deep.equal([])
  })

  it('runs the application’s jobs: session purge deletes expired sessions', async () => {
    const deps = buildDeps(loadConfig({ NODE_ENV: 'test' }), {
      db: test.db,
      logger: createLogger('silent'),
    })
    const past = toDbDateTime(new Date(Date.now() - 60_000))
    const future = toDbDateTime(new Date(Date.now() + 3_600_000))
    await test.db
      .insertInto('session')
      .values([
        { sid: 'expired-1', expires_at: past, data: '{}' },
        { sid: 'live-1', expires_at: future, data: '{}' },
      ])
      .execute()
    const jobs = opacJobRunner(deps)
    const run = await jobs.run('session-purge')
    expect(run.ok && run.report).to.deep.equal({
      sessions: 1,
      throttleRows: 0,
      searchKeys: 0,
      emailChanges: 0,
    })
    const again = await jobs.run('session-purge')
    expect(again.ok && again.report).to.deep.equal({
      sessions: 0,
      throttleRows: 0,
      searchKeys: 0,
      emailChanges: 0,
    })
    const index = await jobs.run('search-index')
    expect(index.ok && index.report).to.deep.equal({ built: 0, compacted: 0 })
    expect(OPAC_JOBS.map((j) => j.name)).to.include.members(['session-purge', 'search-index'])
  })
})
