// The composition root: builds database → repositories → services once. createApp takes
// the result, so tests build the app with their own database, clock and logger.
import type { Logger } from 'pino'
import { systemClock } from './clock.ts'
import type { Clock } from './clock.ts'
import type { Config } from './config.ts'
import { createDb } from './db/database.ts'
import type { Db } from './db/database.ts'
import { libraryRepository } from './db/library-repository.ts'
import { recordRepository } from './db/record-repository.ts'
import { searchRepository } from './db/search-repository.ts'
import { createLogger } from './logger.ts'
import { createRenderer } from './render/views.ts'
import { browseRepository } from './db/browse-repository.ts'
import { calendarRepository } from './db/calendar-repository.ts'
import { listRepository } from './db/list-repository.ts'
import { loanRepository } from './db/loan-repository.ts'
import { patronRepository } from './db/patron-repository.ts'
import { MysqlSessionStore } from './db/session-store.ts'
import { throttleRepository } from './db/throttle-repository.ts'
import { authService } from './services/auth-service.ts'
import { catalogueService } from './services/catalogue-service.ts'
import { listService } from './services/list-service.ts'
import { createSearchEngine } from './services/search/search-engine.ts'
import { searchService } from './services/search/search-service.ts'
import { loanService } from './services/loan-service.ts'
import { throttleService } from './services/throttle-service.ts'

export interface Lifecycle {
  /** False until migrations and the demo load are done; every page answers 503 before. */
  ready: boolean
  /** True once SIGTERM arrived: health checks fail, connections close after each response. */
  draining: boolean
}

export function buildDeps(
  config: Config,
  overrides: { db?: Db; clock?: Clock; logger?: Logger; lifecycle?: Lifecycle } = {},
) {
  const db = overrides.db ?? createDb(config.databaseUrl, config.databasePoolSize)
  const clock = overrides.clock ?? systemClock
  // The search index engine: one per process, with its bounded cache (main.ts maintains it).
  const searchEngine = createSearchEngine({
    db,
    cacheBytes: config.searchCacheMb * 1024 * 1024,
    copySnapshotMaxAgeMs: config.searchCopySnapshotSeconds * 1000,
  })
  const repositories = {
    libraries: libraryRepository(db),
    records: recordRepository(db),
    patrons: patronRepository(db),
    loans: loanRepository(db),
    calendars: calendarRepository(db),
    throttles: throttleRepository(db),
    lists: listRepository(db),
    browse: browseRepository(db),
  }
  const throttle = throttleService(repositories.throttles, config, clock)
  return {
    config,
    db,
    clock,
    logger: overrides.logger ?? createLogger(config.logLevel),
    lifecycle: overrides.lifecycle ?? { ready: true, draining: false },
    repositories,
    searchEngine,
    sessionStore: new MysqlSessionStore(db, { ttlSeconds: config.sessionIdleMinutes * 60, clock }),
    services: {
      catalogue: catalogueService({
        records: repositories.records,
        search: searchService({ repository: searchRepository(db), engine: searchEngine }),
      }),
      throttle,
      auth: authService({
        patrons: repositories.patrons,
        throttle,
        clock,
        pepper: config.passwordPepper,
      }),
      loans: loanService({ loans: repositories.loans, calendars: repositories.calendars, clock }),
      lists: listService({ lists: repositories.lists, clock }),
    },
    renderer: createRenderer({ cache: config.env === 'production' }),
  }
}

export type Deps = ReturnType<typeof buildDeps>
