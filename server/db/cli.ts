// npm run db:migrate — create the database if needed and apply migrations.
// npm run db:demo    — the same, then load the demo catalogue (idempotent: a library that
//                      is already there is left as it is).
import { loadConfig } from '../config.ts'
import { createDb, ensureDatabase } from './database.ts'
import { loadDemo } from './demo/demo-loader.ts'
import { migrate } from './migrator.ts'

const log = (msg: string) => process.stdout.write(`${msg}\n`)

async function main(command: string | undefined): Promise<void> {
  const config = loadConfig()
  await ensureDatabase(config.databaseUrl)
  const applied = await migrate(config.databaseUrl)
  log(applied.length ? `applied: ${applied.join(', ')}` : 'migrations: up to date')
  if (command === 'migrate') return
  if (command !== 'demo') throw new Error(`unknown command "${command}" (migrate | demo)`)
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

main(process.argv[2]).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
