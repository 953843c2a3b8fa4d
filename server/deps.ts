// The composition root: builds database → repositories → services once. createApp takes
// the services (never the repositories), so tests build the app with their own database,
// clock and logger.
import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import { systemClock } from './clock.ts'
import type { Clock } from './clock.ts'
import type { Config } from './config.ts'
import { createDb, ping } from './db/database.ts'
import type { Db } from './db/database.ts'
import { libraryRepository } from './db/library-repository.ts'
import { recordRepository } from './db/record-repository.ts'
import { searchRepository } from './db/search-repository.ts'
import { createLogger } from './logger.ts'
import { createRenderer } from './render/views.ts'
import { browseRepository } from './db/browse-repository.ts'
import { calendarRepository } from './db/calendar-repository.ts'
import { holdRepository } from './db/hold-repository.ts'
import { listRepository } from './db/list-repository.ts'
import { mailRepository } from './db/mail-repository.ts'
import { mailComposer } from './mail/mail-bodies.ts'
import { mailTransport, outboxSender } from './mail/mail-sender.ts'
import type { MailTransport } from './mail/mail-sender.ts'
import { mailVerificationService } from './services/mail-verification-service.ts'
import { urlFor } from './paths.ts'
import { loanRepository } from './db/loan-repository.ts'
import { patronRepository } from './db/patron-repository.ts'
import { MysqlSessionStore } from './db/session-store.ts'
import { throttleRepository } from './db/throttle-repository.ts'
import { keitaiSearchKeyRepository } from './db/keitai-search-key-repository.ts'
import type { Lifecycle } from './lifecycle.ts'
import { accountService } from './services/account-service.ts'
import { authService } from './services/auth-service.ts'
import { browseService } from './services/browse-service.ts'
import { healthService } from './services/health-service.ts'
import { holdService } from './services/hold-service.ts'
import { libraryService } from './services/library-service.ts'
import { catalogueService } from './services/catalogue-service.ts'
import { listService } from './services/list-service.ts'
import { createSearchEngine } from './services/search/search-engine.ts'
import { searchService } from './services/search/search-service.ts'
import { loanService } from './services/loan-service.ts'
import { throttleService } from './services/throttle-service.ts'
import { searchKeyService } from './services/search-key-service.ts'
import { staffRepository } from './db/staff-repository.ts'
import { staffPatronRepository } from './db/staff-patron-repository.ts'
import { staffTokenService } from './services/staff-token-service.ts'
import { staffPatronService } from './services/staff-patron-service.ts'
import { circulationRepository } from './db/circulation-repository.ts'
import { circulationService } from './services/circulation-service.ts'
import { openingCalendarService } from './services/opening-calendar-service.ts'
import { noticeRepository } from './db/notice-repository.ts'
import { noticeService } from './services/notice-service.ts'
import { staffCatalogueRepository } from './db/staff-catalogue-repository.ts'
import { interopRepository } from './db/interop-repository.ts'
import { sruService } from './services/interop/sru-service.ts'
import { staffCatalogueService } from './services/staff-catalogue-service.ts'

export type { Lifecycle }

export function buildDeps(
  config: Config,
  overrides: {
    db?: Db
    clock?: Clock
    logger?: Logger
    lifecycle?: Lifecycle
    mailTransport?: MailTransport
  } = {},
) {
  const db =
    overrides.db ??
    createDb(config.databaseUrl, config.databasePoolSize, config.databaseQueryTimeoutSeconds * 1000)
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
    holds: holdRepository(db),
    mails: mailRepository(db),
    searchKeys: keitaiSearchKeyRepository(db),
    staff: staffRepository(db),
    staffPatrons: staffPatronRepository(db),
    circulation: circulationRepository(db),
    notices: noticeRepository(db),
    staffCatalogue: staffCatalogueRepository(db),
    interop: interopRepository(db),
  }
  const throttle = throttleService(repositories.throttles, config, clock)
  const transport = overrides.mailTransport ?? mailTransport(config)
  const composer = mailComposer({ cache: config.env === 'production' })
  const lifecycle = overrides.lifecycle ?? { ready: true, draining: false }
  const sessionStore = new MysqlSessionStore(db, {
    ttlSeconds: config.sessionIdleMinutes * 60,
    clock,
  })
  const libraries = libraryService(repositories.libraries)
  const catalogue = catalogueService({
    records: repositories.records,
    search: searchService({ repository: searchRepository(db), engine: searchEngine }),
  })
  const loans = loanService({ loans: repositories.loans, calendars: repositories.calendars, clock })
  const holds = holdService({ holds: repositories.holds, calendars: repositories.calendars, clock })
  const auth = authService({
    patrons: repositories.patrons,
    throttle,
    clock,
    pepper: config.passwordPepper,
    sessions: sessionStore,
  })
  return {
    config,
    db,
    clock,
    logger: overrides.logger ?? createLogger(config.logLevel),
    lifecycle,
    repositories,
    searchEngine,
    sessionStore,
    services: {
      libraries,
      notices: noticeService({ notices: repositories.notices, clock }),
      staffCatalogue: staffCatalogueService({ catalogue: repositories.staffCatalogue, clock }),
      openingCalendar: openingCalendarService({
        calendars: repositories.calendars,
        libraries,
        clock,
      }),
      accounts: accountService({ patrons: repositories.patrons, clock }),
      browse: browseService({
        browse: repositories.browse,
        clock,
        indexedNdcCounts: (libraryId, notation) => searchEngine.ndcCounts(libraryId, notation),
      }),
      health: healthService({ ping: () => ping(db), lifecycle }),
      catalogue,
      /** SRU searchRetrieve over the catalogue service (issue 15). */
      sru: sruService({ catalogue, interop: repositories.interop }),
      /** What OAI-PMH harvests: records and tombstones by keyset. */
      harvest: repositories.interop,
      throttle,
      searchKeys: searchKeyService({ keys: repositories.searchKeys, clock }),
      auth,
      loans,
      lists: listService({ lists: repositories.lists, clock }),
      holds,
      circulation: circulationService({
        circulation: repositories.circulation,
        calendars: repositories.calendars,
        holds,
        loans,
        clock,
      }),
      mail: mailVerificationService({
        mails: repositories.mails,
        throttle,
        composer,
        clock,
        confirmUrl: (slug, token) =>
          `${config.publicUrl}${urlFor('pc', 'emailConfirm', { lib: slug, token })}`,
        tokenHours: config.mailTokenHours,
        messageId: (from) =>
          `<${randomBytes(12).toString('base64url')}@${from.slice(from.lastIndexOf('@') + 1) || 'localhost'}>`,
      }),
      /** Mails given up on, for staff (the staff API). */
      outboxReport: {
        failed: (libraryId: number, limit: number) => repositories.mails.failed(libraryId, limit),
      },
      staffTokens: staffTokenService({ staff: repositories.staff, clock }),
      staffPatrons: staffPatronService({
        patrons: repositories.patrons,
        staffPatrons: repositories.staffPatrons,
        auth,
        throttle,
        clock,
      }),
      outbox: outboxSender({
        mails: repositories.mails,
        transport,
        clock,
        giveUpHours: config.mailGiveUpHours,
      }),
    },
    mailTransport: transport,
    renderer: createRenderer({ cache: config.env === 'production' }),
  }
}

export type Deps = ReturnType<typeof buildDeps>

/** What the web app is built from: services and the machinery around them, no storage. */
export type AppDeps = Pick<
  Deps,
  'config' | 'clock' | 'logger' | 'lifecycle' | 'renderer' | 'services' | 'sessionStore'
>
export type Services = Deps['services']
