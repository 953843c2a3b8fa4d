// npm run db:migrate — create the database if needed and apply migrations.
// npm run db:demo    — the same, then load the demo catalogue (idempotent: a library that
//                      is already there is left as it is).
// npm run db:reindex [-- --all]
//                    — build the search indexes that are missing or outdated, compact those
//                      with many edits since their build; --all rebuilds every library's.
// npm run patron:issue-password -- <library> <card>
//                    — staff issue an initial password (printed once, for the receipt).
import { loadConfig } from '../config.ts'
import type { Config } from '../config.ts'
import { buildDeps } from '../deps.ts'
import { createLogger } from '../logger.ts'
import { resolveSettings } from '../services/library-settings.ts'
import { eligibilityMessage } from '../services/password-service.ts'
import { createDb, ensureDatabase } from './database.ts'
import { loadDemo } from './demo/demo-loader.ts'
import { migrate } from './migrator.ts'
import { createSearchEngine } from '../services/search/search-engine.ts'

const log = (msg: string) => process.stdout.write(`${msg}\n`)

async function main(command: string | undefined): Promise<void> {
  const config = loadConfig()
  await ensureDatabase(config.databaseUrl)
  const applied = await migrate(config.databaseUrl)
  log(applied.length ? `applied: ${applied.join(', ')}` : 'migrations: up to date')
  if (command === 'migrate') return
  if (command === 'issue-password') {
    await issuePassword(config, process.argv[3] ?? '', process.argv[4] ?? '')
    return
  }
  if (command === 'reindex') {
    const db = createDb(config.databaseUrl, 4)
    try {
      const rebuild = process.argv.includes('--all')
      const { built, compacted } = await createSearchEngine({ db }).maintain({ rebuild, log })
      log(`search indexes: ${built} built, ${compacted} compacted`)
    } finally {
      await db.destroy()
    }
    return
  }
  if (command !== 'demo') {
    throw new Error(`unknown command "${command}" (migrate | demo | reindex | issue-password)`)
  }
  const db = createDb(config.databaseUrl, 2)
  try {
    const started = Date.now()
    const result = await loadDemo(db, { log, pepper: config.passwordPepper })
    log(
      result.loaded
        ? `demo loaded in ${((Date.now() - started) / 1000).toFixed(1)} s: ${result.libraries} libraries, ${result.records} records, ${result.copies} copies`
        : 'demo: already loaded, nothing changed',
    )
  } finally {
    await db.destroy()
  }
}

async function issuePassword(config: Config, slug: string, card: string): Promise<void> {
  const deps = buildDeps(config, { logger: createLogger('silent') })
  try {
    const library = await deps.repositories.libraries.bySlug(slug)
    if (!library) throw new Error(`no library "${slug}"`)
    const settings = resolveSettings(library.rules_preset, library.settings_json)
    const result = await deps.services.auth.issueInitialPassword(library.id, settings, card)
    if (!result.ok) {
      throw new Error(
        result.reason === 'no_such_card'
          ? `no patron with card "${card}" in ${slug}`
          : `not issued: ${eligibilityMessage(result.eligibility)}`,
      )
    }
    log(
      `initial password for ${result.patron.card_number} (${result.patron.full_name}): ${result.password}`,
    )
  } finally {
    await deps.db.destroy()
  }
}

main(process.argv[2]).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
