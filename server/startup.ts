// Start-up of the web server: bring the database to a usable state — create it if missing,
// apply migrations, refresh search fields made by an older normaliser, load the demo catalogue
// when no library exists yet (data already there is kept) — retrying while the database is
// down; then build the search indexes that are missing or outdated, in the background.
import type { Logger } from 'pino'
import type { Config } from './config.ts'
import { createDb, ensureDatabase } from './db/database.ts'
import { libraryRepository } from './db/library-repository.ts'
import { migrate } from './db/migrator.ts'
import { recordRepository } from './db/record-repository.ts'
import { refreshSearchFields } from './services/search/search-fields.ts'
import type { Lifecycle } from './deps.ts'
import { loadDemo } from './demo/demo-loader.ts'
import type { JobRunner } from './jobs/job-registry.ts'

export async function prepareDatabase(
  url: string,
  options: { loadDemoOnEmpty: boolean; log: (msg: string) => void; pepper: string },
): Promise<{ searchFieldsRefreshed: number }> {
  await ensureDatabase(url)
  const applied = await migrate(url)
  if (applied.length) options.log(`applied migrations: ${applied.join(', ')}`)
  const db = createDb(url, 2)
  try {
    const refreshed = await refreshSearchFields(recordRepository(db), { log: options.log })
    if (refreshed) options.log(`search fields refreshed for ${refreshed} records`)
    if (options.loadDemoOnEmpty && (await libraryRepository(db).count()) === 0) {
      const result = await loadDemo(db, { log: options.log, pepper: options.pepper })
      if (result.loaded) {
        options.log(
          `loaded demo catalogue: ${result.libraries} libraries, ${result.records} records, ${result.copies} copies`,
        )
      }
    }
    return { searchFieldsRefreshed: refreshed }
  } finally {
    await db.destroy()
  }
}

/**
 * Prepares the database, retrying with a growing pause while it is down, until it is ready
 * (lifecycle.ready) or the process is stopping (then null).
 */
export async function prepareUntilReady(
  config: Config,
  logger: Logger,
  lifecycle: Lifecycle,
): Promise<{ searchFieldsRefreshed: number } | null> {
  const started = Date.now()
  for (let attempt = 1; !lifecycle.draining; attempt++) {
    try {
      const prepared = await prepareDatabase(config.databaseUrl, {
        loadDemoOnEmpty: config.loadDemoOnEmpty,
        log: (msg) => logger.info(msg),
        pepper: config.passwordPepper,
      })
      lifecycle.ready = true
      logger.info(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`)
      return prepared
    } catch (err) {
      const delay = Math.min(30, 2 * attempt)
      logger.error({ err }, `database not ready (attempt ${attempt}); retrying in ${delay} s`)
      await new Promise((resolve) => setTimeout(resolve, delay * 1000))
    }
  }
  return null
}

/**
 * Searches scan (same answers, slower) until a library's index exists: build the missing and
 * outdated ones now rather than at the next scheduled run — all of them when the search fields
 * were just refreshed, waiting for a run already under way elsewhere. In the background; the
 * runner logs the outcome.
 */
export function buildSearchIndexesAfterStart(
  jobs: JobRunner,
  prepared: { searchFieldsRefreshed: number },
): void {
  const rebuild = prepared.searchFieldsRefreshed > 0
  jobs
    .run(rebuild ? 'search-index-rebuild' : 'search-index', { waitSeconds: rebuild ? 600 : 0 })
    .catch(() => undefined)
}
