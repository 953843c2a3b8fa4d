// Tests use real MariaDB/MySQL schemas of their own: created, migrated (and given the demo
// catalogue when asked), and dropped at the end of the run. Never a mock of the database.
import { randomBytes } from 'node:crypto'
import { createDb, dropDatabase, ensureDatabase } from '../../server/db/database.ts'
import type { Db } from '../../server/db/database.ts'
import { loadDemo } from '../../server/demo/demo-loader.ts'
import { migrate } from '../../server/db/migrator.ts'
import { runRegistry } from './run-registry.ts'

/** The server tests run against; TEST_DATABASE_SERVER overrides it. */
export const TEST_SERVER = process.env.TEST_DATABASE_SERVER || 'mysql://root@127.0.0.1:3306'

export interface TestDatabase {
  url: string
  name: string
  db: Db
}

// Kept in the run registry, not in this module: the runner's copy of this module must see the
// databases the test files' copy made (see run-registry.ts).
const created = runRegistry().databases
const SHARED = Symbol.for('web-opac.shared-demo-database')
const shared = globalThis as { [SHARED]?: Promise<TestDatabase> }

export function testDatabaseUrl(name: string): string {
  return `${TEST_SERVER.replace(/\/+$/, '')}/${name}`
}

export async function createTestDatabase(
  options: { demo?: boolean; prefix?: string } = {},
): Promise<TestDatabase> {
  const name = `opac_test_${options.prefix ?? 't'}_${randomBytes(4).toString('hex')}`
  const url = testDatabaseUrl(name)
  try {
    await ensureDatabase(url)
  } catch (err) {
    throw new Error(
      `cannot reach the test database server at ${TEST_SERVER} (${String(err)}). ` +
        'Start MariaDB or MySQL on 127.0.0.1:3306 (root, empty password) or set TEST_DATABASE_SERVER.',
      { cause: err },
    )
  }
  created.add(url)
  await migrate(url)
  const db = createDb(url, 5)
  runRegistry().closers.add(() => db.destroy())
  if (options.demo) await loadDemo(db, { today: '2026-11-23' })
  return { url, name, db }
}

/** A database name for a test that lets the app create the database itself. */
export function reserveTestDatabase(prefix: string): { url: string; name: string } {
  const name = `opac_test_${prefix}_${randomBytes(4).toString('hex')}`
  const url = testDatabaseUrl(name)
  created.add(url)
  return { url, name }
}

/**
 * One demo-loaded database shared by the tests that only read it. Loading takes 10–40 s on
 * a busy 2-core machine, so the hook that first asks for it gets a longer timeout.
 */
export function sharedDemoDatabase(context?: Mocha.Context): Promise<TestDatabase> {
  context?.timeout(300_000) // a demo load: ~15 s idle, minutes on a loaded machine
  shared[SHARED] ??= createTestDatabase({ demo: true, prefix: 'demo' })
  return shared[SHARED]
}

/** The id of the library with this slug (the demo's aoba or minato). */
export async function libraryIdOf(db: Db, slug: string): Promise<number> {
  const row = await db
    .selectFrom('library')
    .select('id')
    .where('slug', '=', slug)
    .executeTakeFirst()
  if (!row) throw new Error(`no library ${slug} in the test database`)
  return row.id
}

/** Closes the pools the helpers opened and drops every database they made. */
export async function dropAllTestDatabases(): Promise<number> {
  const registry = runRegistry()
  for (const close of registry.closers) await close().catch(() => undefined)
  registry.closers.clear()
  let dropped = 0
  for (const url of created) {
    await dropDatabase(url).then(
      () => dropped++,
      () => undefined,
    )
  }
  created.clear()
  shared[SHARED] = undefined
  return dropped
}
