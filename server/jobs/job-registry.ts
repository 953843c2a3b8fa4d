// Named, idempotent background jobs. A job does one thing (purge expired sessions, approve the
// morning's holds) and answers with counts of what it did; running it again when there is
// nothing to do changes nothing, so a missed or repeated run does no harm. Every run holds the
// job's database lock (named-lock.ts), so two processes — server instances, a worker, a
// command line — never run one job at the same time; the second is told "busy".
import type { Logger } from 'pino'
import type { Db } from '../db/database.ts'
import { withNamedLock } from '../db/named-lock.ts'

/** What a run did, as counts: { sessions: 12, throttleRows: 3 }. */
export type JobReport = Readonly<Record<string, number>>

/** The counts of a job that works library by library: in total, and per library (by slug). */
export interface LibraryJobReport {
  report: JobReport
  byLibrary: Readonly<Record<string, JobReport>>
}

const isLibraryReport = (value: JobReport | LibraryJobReport): value is LibraryJobReport =>
  typeof value.report === 'object' && typeof value.byLibrary === 'object'

export interface Job<C> {
  /** kebab-case, used on the command line (`npm run job -- <name>`) and in the settings. */
  name: string
  /** One line for `npm run job -- --list`. */
  description: string
  /** Jobs that must never overlap share a lock; default: the job's own name. */
  lock?: string
  /** The run's counts; a job working library by library also gives them per library. */
  run(context: C): Promise<JobReport | LibraryJobReport>
}

export type JobRun =
  | {
      ok: true
      report: JobReport
      /** Per library (slug), when the job works library by library. */
      byLibrary?: Readonly<Record<string, JobReport>>
      seconds: number
    }
  | { ok: false; reason: 'busy' }

export interface JobRunOptions {
  db: Db
  logger: Pick<Logger, 'info' | 'error'>
  /** How long to wait for another process's run to end before answering busy (default 0). */
  waitSeconds?: number
}

export interface JobRegistry<C> {
  readonly jobs: readonly Job<C>[]
  get(name: string): Job<C> | undefined
  /**
   * Runs the named job once under its lock and logs its report; answers busy without running
   * it when another process holds the lock. Throws (after logging) when the job fails, and
   * for a name no job has.
   */
  run(name: string, context: C, options: JobRunOptions): Promise<JobRun>
}

/** "sessions 12, throttleRows 3" */
export function formatReport(report: JobReport): string {
  const parts = Object.entries(report).map(([key, count]) => `${key} ${count}`)
  return parts.length ? parts.join(', ') : 'nothing to report'
}

/** " (minato: approved 2; aoba: approved 1)": the libraries where something was done. */
export function formatByLibrary(byLibrary: Readonly<Record<string, JobReport>>): string {
  const busy = Object.entries(byLibrary).filter(([, report]) =>
    Object.values(report).some((n) => n !== 0),
  )
  if (busy.length === 0) return ''
  return ` (${busy.map(([slug, report]) => `${slug}: ${formatReport(report)}`).join('; ')})`
}

export function jobRegistry<C>(jobs: readonly Job<C>[]): JobRegistry<C> {
  const byName = new Map<string, Job<C>>()
  for (const job of jobs) {
    if (!/^[a-z][a-z0-9-]*$/.test(job.name)) throw new Error(`job name "${job.name}": kebab-case`)
    if (byName.has(job.name)) throw new Error(`two jobs are named "${job.name}"`)
    byName.set(job.name, job)
  }
  return {
    jobs,
    get: (name) => byName.get(name),
    async run(name, context, options) {
      const job = byName.get(name)
      if (!job) throw new Error(`no job "${name}" (jobs: ${[...byName.keys()].join(', ')})`)
      const { logger } = options
      const started = performance.now()
      let outcome
      try {
        outcome = await withNamedLock(
          options.db,
          `job:${job.lock ?? job.name}`,
          () => job.run(context),
          { waitSeconds: options.waitSeconds ?? 0 },
        )
      } catch (err) {
        logger.error({ err, job: name }, `job ${name} failed`)
        throw err
      }
      if (!outcome.ok) {
        logger.info({ job: name }, `job ${name}: busy: another process is running it`)
        return outcome
      }
      const seconds = Math.round(performance.now() - started) / 1000
      const value = outcome.value
      if (!isLibraryReport(value)) {
        logger.info(
          { job: name, report: value, seconds },
          `job ${name}: ${formatReport(value)} (${seconds} s)`,
        )
        return { ok: true, report: value, seconds }
      }
      const { report, byLibrary } = value
      logger.info(
        { job: name, report, byLibrary, seconds },
        `job ${name}: ${formatReport(report)}${formatByLibrary(byLibrary)} (${seconds} s)`,
      )
      return { ok: true, report, byLibrary, seconds }
    },
  }
}

export interface JobRunner {
  /** Runs a job once (see JobRegistry.run); failures are logged and thrown. */
  run(name: string, options?: { waitSeconds?: number }): Promise<JobRun>
  /** Names of the jobs this process is running now. */
  running(): string[]
  /** Waits for the runs under way, at most graceMs; true when they all ended (SIGTERM). */
  drain(graceMs: number): Promise<boolean>
}

/** A process's way to run jobs: the registry with its context, and the runs in flight. */
export function jobRunner<C>(
  registry: JobRegistry<C>,
  context: C,
  options: Omit<JobRunOptions, 'waitSeconds'>,
): JobRunner {
  const inFlight = new Map<Promise<unknown>, string>()
  return {
    run(name, runOptions = {}) {
      const run = registry.run(name, context, { ...options, ...runOptions })
      const settled = run.catch(() => undefined)
      inFlight.set(settled, name)
      void settled.then(() => inFlight.delete(settled))
      return run
    },
    running: () => [...inFlight.values()],
    async drain(graceMs) {
      if (inFlight.size === 0) return true
      options.logger.info(
        `waiting up to ${graceMs / 1000} s for jobs: ${[...inFlight.values()].join(', ')}`,
      )
      let timer: NodeJS.Timeout | undefined
      const ended = await Promise.race([
        Promise.all(inFlight.keys()).then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), graceMs)
        }),
      ])
      clearTimeout(timer)
      return ended
    },
  }
}
