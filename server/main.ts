// Starts the web server. It listens at once and answers 503 until the database is ready
// (created, migrated, demo loaded on an empty server), retrying while the database is
// down. SIGTERM/SIGINT drain in-flight requests before the process exits.
import { createApp } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'
import type { Config } from './config.ts'
import { buildDeps } from './deps.ts'
import { createHttpServer } from './http-server.ts'
import { prepareDatabase } from './db/setup.ts'

const started = Date.now()
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
const app = createApp(deps)

const server = createHttpServer(app).listen(config.port, config.host, () => {
  logger.info(`listening on http://${config.host}:${config.port}/ (public URL ${config.publicUrl})`)
})

async function prepare(): Promise<void> {
  for (let attempt = 1; !lifecycle.draining; attempt++) {
    try {
      const prepared = await prepareDatabase(config.databaseUrl, {
        loadDemoOnEmpty: config.loadDemoOnEmpty,
        log: (msg) => logger.info(msg),
        pepper: config.passwordPepper,
      })
      lifecycle.ready = true
      logger.info(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`)
      // Searches scan (same answers, slower) until a missing or outdated index is built.
      maintainIndexes(prepared.searchFieldsRefreshed > 0)
      return
    } catch (err) {
      const delay = Math.min(30, 2 * attempt)
      logger.error({ err }, `database not ready (attempt ${attempt}); retrying in ${delay} s`)
      await new Promise((resolve) => setTimeout(resolve, delay * 1000))
    }
  }
}
void prepare()

/** Builds missing or outdated search indexes and compacts grown ones, in the background. */
let maintaining = false
function maintainIndexes(rebuild: boolean): void {
  if (maintaining) return
  maintaining = true
  deps.searchEngine
    .maintain({ rebuild, log: (msg) => logger.info(msg) })
    .catch((err: unknown) => logger.warn({ err }, 'search index maintenance failed'))
    .finally(() => {
      maintaining = false
    })
}

// Every 10 minutes (any instance may): expired sessions and old throttle rows are deleted, and
// search indexes with many edits since their build are compacted.
const PURGE_MS = 10 * 60_000
const purge = setInterval(() => {
  if (!lifecycle.ready || lifecycle.draining) return
  maintainIndexes(false)
  Promise.all([deps.sessionStore.purgeExpired(), deps.services.throttle.purge()])
    .then(([sessions, throttles]) => {
      if (sessions || throttles)
        logger.info(`purged ${sessions} sessions, ${throttles} throttle rows`)
    })
    .catch((err: unknown) => logger.warn({ err }, 'purge failed'))
}, PURGE_MS)
purge.unref()

let stopping = false
function shutdown(signal: string): void {
  if (stopping) return
  stopping = true
  lifecycle.draining = true
  logger.info(`${signal}: draining requests`)
  const force = setTimeout(() => {
    logger.warn('grace period over: closing remaining connections')
    server.closeAllConnections()
  }, config.shutdownGraceSeconds * 1000)
  force.unref()
  server.close(() => {
    deps.db
      .destroy()
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
