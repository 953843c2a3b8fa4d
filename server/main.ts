// Starts the web server. It listens at once and answers 503 until the database is ready
// (created, migrated, demo loaded on an empty server: startup.ts), retrying while the
// database is down; then it runs the job scheduler unless JOBS_IN_SERVER=false (a worker
// process runs it then). SIGTERM/SIGINT stop the scheduler and drain in-flight requests and
// jobs, within SHUTDOWN_GRACE_SECONDS, before the process exits.
import { createApp } from './app.ts'
import { ConfigError, loadConfig, startupWarnings } from './config.ts'
import type { Config } from './config.ts'
import { buildDeps } from './deps.ts'
import { createHttpServer } from './http-server.ts'
import { startScheduler } from './jobs/job-scheduler.ts'
import type { JobScheduler } from './jobs/job-scheduler.ts'
import { opacJobRunner } from './jobs/opac-jobs.ts'
import { buildSearchIndexesAfterStart, prepareUntilReady } from './startup.ts'

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
const lifecycle = { ready: false, draining: false }
const deps = buildDeps(config, { lifecycle })
const { logger } = deps
for (const warning of startupWarnings(config)) logger.warn(`WARNING: ${warning}`)
const jobs = opacJobRunner(deps)
const app = createApp(deps, { jobs })
let scheduler: JobScheduler | undefined

const server = createHttpServer(app).listen(config.port, config.host, () => {
  logger.info(`listening on http://${config.host}:${config.port}/ (public URL ${config.publicUrl})`)
})

void prepareUntilReady(config, logger, lifecycle).then((prepared) => {
  if (!prepared || lifecycle.draining) return
  buildSearchIndexesAfterStart(jobs, prepared)
  if (config.jobsInServer) {
    scheduler = startScheduler({ schedules: config.jobSchedules, run: jobs.run, logger })
  }
})

let stopping = false
function shutdown(signal: string): void {
  if (stopping) return
  stopping = true
  lifecycle.draining = true
  logger.info(`${signal}: draining requests`)
  scheduler?.stop()
  const graceMs = config.shutdownGraceSeconds * 1000
  const jobsEnded = jobs.drain(graceMs)
  const force = setTimeout(() => {
    logger.warn('grace period over: closing remaining connections')
    server.closeAllConnections()
  }, graceMs)
  force.unref()
  // Whatever the database does (a hung query, a pool that never ends), the process is gone
  // shortly after the grace period.
  const hardStop = setTimeout(() => {
    logger.warn('grace period over: exiting without waiting for the database')
    process.exit(1)
  }, graceMs + 2000)
  hardStop.unref()
  server.close(() => {
    jobsEnded
      .then((ended) => {
        if (!ended) logger.warn(`grace period over: jobs ${jobs.running().join(', ')} abandoned`)
        return deps.db.destroy()
      })
      .catch((err: unknown) => logger.error({ err }, 'closing the database pool failed'))
      .finally(() => {
        logger.info('stopped')
        process.exit(0)
      })
  })
  server.closeIdleConnections()
}
process.on('SIGTERM', () => shutdown('SIGTERM'))
process.on('SIGINT', () => shutdown('SIGINT'))
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'))
