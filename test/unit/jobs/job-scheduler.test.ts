// The scheduler with a clock the test moves: it fires jobs at their times, never twice for one
// time (even when the clock steps back), never while the same job still runs (the times it
// ran through are skipped, not made up), and fires nothing after stop().
import { expect } from 'chai'
import { createLogger } from '../../../server/logger.ts'
import { parseSchedule } from '../../../server/jobs/job-schedule.ts'
import { startScheduler } from '../../../server/jobs/job-scheduler.ts'
import type { JobScheduler } from '../../../server/jobs/job-scheduler.ts'

/** A clock that runs with real time from `start` and can be moved. */
function movableClock(start: string) {
  let offset = Date.parse(start) - Date.now()
  return {
    now: () => new Date(Date.now() + offset),
    moveTo(at: string) {
      offset = Date.parse(at) - Date.now()
    },
  }
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
async function until(condition: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await sleep(5)
  }
}

describe('job scheduler', () => {
  const logger = createLogger('silent')
  let scheduler: JobScheduler | undefined
  afterEach(() => scheduler?.stop())

  it('fires each job at its time in Tokyo, once', async () => {
    const clock = movableClock('2026-11-23T08:29:59.850+09:00')
    const runs: { name: string; at: string }[] = []
    scheduler = startScheduler({
      schedules: {
        'hold-approval': parseSchedule('daily 08:30'),
        'session-purge': parseSchedule('every 10m'),
        'mail-send': parseSchedule('off'),
      },
      run: async (name) => {
        runs.push({ name, at: clock.now().toISOString() })
      },
      logger,
      clock,
      maxSleepMs: 50,
    })
    await until(() => runs.length === 2)
    await sleep(300)
    expect(runs.map((r) => r.name).sort()).to.deep.equal(['hold-approval', 'session-purge'])
    for (const run of runs) expect(run.at >= '2026-11-22T23:30:00.000Z').to.equal(true)
  })

  it('does not fire again for the same time when the clock steps back', async () => {
    const clock = movableClock('2026-11-23T08:29:59.900+09:00')
    let runs = 0
    scheduler = startScheduler({
      schedules: { 'session-purge': parseSchedule('every 10m') },
      run: async () => {
        runs++
        clock.moveTo('2026-11-23T08:29:59.950+09:00') // e.g. NTP corrects the clock
      },
      logger,
      clock,
      maxSleepMs: 20,
    })
    await until(() => runs === 1)
    await sleep(300)
    expect(runs).to.equal(1)
  })

  it('never runs a job twice at once, and skips the times it ran through', async () => {
    const clock = movableClock('2026-11-23T08:29:59.900+09:00')
    const started: string[] = []
    let running = 0
    let overlapped = false
    let release: () => void = () => undefined
    scheduler = startScheduler({
      schedules: { 'search-index': parseSchedule('every 1m') },
      run: async () => {
        if (running > 0) overlapped = true
        running++
        started.push(clock.now().toISOString())
        if (started.length === 1) await new Promise<void>((resolve) => (release = resolve))
        running--
      },
      logger,
      clock,
      maxSleepMs: 20,
    })
    await until(() => started.length === 1)
    // The first run takes until 08:32:30: the 08:31 and 08:32 runs are skipped, not queued.
    clock.moveTo('2026-11-23T08:32:30+09:00')
    await sleep(100)
    release()
    await sleep(200)
    expect(started).to.have.length(1)
    clock.moveTo('2026-11-23T08:32:59.950+09:00')
    await until(() => started.length === 2)
    expect(started[1]! >= '2026-11-22T23:33:00.000Z').to.equal(true)
    expect(overlapped).to.equal(false)
  })

  it('keeps scheduling after a failed run, and fires nothing after stop()', async () => {
    const clock = movableClock('2026-11-23T08:29:59.950+09:00')
    let runs = 0
    const sched = startScheduler({
      schedules: { 'session-purge': parseSchedule('every 1m') },
      run: async () => {
        runs++
        throw new Error('database down')
      },
      logger,
      clock,
      maxSleepMs: 20,
    })
    scheduler = sched
    await until(() => runs === 1)
    await sleep(50)
    clock.moveTo('2026-11-23T08:30:59.950+09:00')
    await until(() => runs === 2)
    sched.stop()
    clock.moveTo('2026-11-23T08:31:59.950+09:00')
    await sleep(300)
    expect(runs).to.equal(2)
    expect(sched.running()).to.deep.equal([])
  })
})
