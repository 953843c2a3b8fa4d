// Fires jobs at the times their schedules give (job-schedule.ts), in whichever process runs it:
// the web server by default, or the worker (`npm run worker`) when JOBS_IN_SERVER=false. Each
// job has one chain of timers: wait until its next fire time (re-reading the clock at least
// every maxSleepMs, so a changed or suspended clock is noticed), run it, then wait for the
// first fire time after both the one just used and now. So a job never runs twice at once in
// one process, never fires twice for one time, and skips the times it was still running
// through (jobs are idempotent: the next run catches up). Timers are unref'd: they never keep
// a process alive. A failed run is logged; the next fire time runs it again.
import type { Logger } from 'pino'
import { systemClock } from '../clock.ts'
import type { Clock } from '../clock.ts'
import { describeSchedule, nextFireTime } from './job-schedule.ts'
import type { JobSchedule } from './job-schedule.ts'

export interface JobScheduler {
  /** Names of the jobs this scheduler has running now. */
  running(): string[]
  /** Fires nothing more (runs under way go on: the runner's drain waits for them). */
  stop(): void
}

export interface SchedulerOptions {
  schedules: Readonly<Record<string, JobSchedule>>
  /** Runs one job (its lock, report and log are the runner's business). */
  run: (name: string) => Promise<unknown>
  logger: Pick<Logger, 'info' | 'warn' | 'error'>
  clock?: Clock
  /** The longest single timer; the clock is read again after it (default 60 s). */
  maxSleepMs?: number
}

export function startScheduler(options: SchedulerOptions): JobScheduler {
  const clock = options.clock ?? systemClock
  const maxSleepMs = options.maxSleepMs ?? 60_000
  const { logger } = options
  const timers = new Map<string, NodeJS.Timeout>()
  const running = new Set<string>()
  let stopped = false

  const planAfter = (name: string, schedule: JobSchedule, after: Date): void => {
    const at = nextFireTime(schedule, after)
    if (at) wait(name, schedule, at)
  }

  const wait = (name: string, schedule: JobSchedule, at: Date): void => {
    if (stopped) return
    const delay = at.getTime() - clock.now().getTime()
    if (delay > 0) {
      const timer = setTimeout(() => wait(name, schedule, at), Math.min(delay, maxSleepMs))
      timer.unref()
      timers.set(name, timer)
      return
    }
    timers.delete(name)
    running.add(name)
    options
      .run(name)
      .then(
        () => undefined,
        (err: unknown) => logger.error({ err, job: name }, `scheduled job ${name} failed`),
      )
      .finally(() => {
        running.delete(name)
        const now = clock.now()
        planAfter(name, schedule, now > at ? now : at)
      })
  }

  const active = Object.entries(options.schedules).filter(([, s]) => s.kind !== 'off')
  for (const [name, schedule] of active) planAfter(name, schedule, clock.now())
  logger.info(
    active.length
      ? `job scheduler: ${active.map(([n, s]) => `${n} (${describeSchedule(s)})`).join(', ')}`
      : 'job scheduler: no job scheduled',
  )

  return {
    running: () => [...running],
    stop() {
      stopped = true
      for (const timer of timers.values()) clearTimeout(timer)
      timers.clear()
    },
  }
}
