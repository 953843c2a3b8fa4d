// npm run worker — a process that only runs the scheduled jobs, for sites that keep them out
// of the web servers (JOBS_IN_SERVER=false). Any number of workers and servers may run: each
// job's database lock lets one run at a time. SIGTERM/SIGINT stop the scheduler, wait for a
// job under way at most SHUTDOWN_GRACE_SECONDS, and exit 0.
import { ConfigError, loadConfig } from '../config.ts'
import type { Config } from '../config.ts'
import { buildDeps } from '../deps.ts'
import { startScheduler } from './job-scheduler.ts'
import { opacJobRunner } from './opac-jobs.ts'

function configOrExit(): Config {
  try {
    return loadConfig()
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    process.stderr.write(`configuration error: ${err.message}\n`)
    process.exit(2)
  }
}
const config = configOrExit()
const deps = buildDeps(config)
const { logger } = deps
const jobs = opacJobRunner(deps)
if (config.jobsInServer) {
  logger.info(
    'JOBS_IN_SERVER is true: the web servers run these jobs too (their locks keep runs apart)',
  )
}
const scheduler = startScheduler({ schedules: config.jobSchedules, run: jobs.run, logger })
// The scheduler's timers never keep a process alive; this one does, until a signal.
const alive = setInterval(() => undefined, 1 << 30)
logger.info('worker started')

let stopping = false
function shutdown(signal: string): void {
  if (stopping) return
  stopping = true
  logger.info(`${signal}: stopping the scheduler`)
  scheduler.stop()
  jobs
    .drain(config.shutdownGraceSeconds * 1000)
    .then((ended) => {
      if (!ended) logger.warn(`grace period over: jobs ${jobs.running().join(', ')} abandoned`)
      return deps.db.destroy()
    })
    .catch((err: unknown) => logger.error({ err }, 'closing the database pool failed'))
    .finally(() => {
      clearInterval(alive)
      logger.info('stopped')
      process.exit(0)
    })
}
process.on('SIGTERM', () => shutdown('SIGTERM'))
process.on('SIGINT', () => shutdown('SIGINT'))
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'))
