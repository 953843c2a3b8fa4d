// Applies the numbered .sql files in sql/ once each, in order, recording them in
// schema_migration. Files never change once landed; a changed file is an error.
// A named lock (named-lock.ts) keeps two app instances from migrating one database at once.
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CompiledQuery, Kysely, MysqlDialect } from 'kysely'
import { createPool } from 'mysql2'
import { poolOver } from './database.ts'
import type { Db } from './database.ts'
import { withNamedLock } from './named-lock.ts'
import type { Database } from './schema.ts'

export const SQL_DIR = join(import.meta.dirname, '..', '..', 'sql')

export interface MigrationFile {
  name: string
  sql: string
  checksum: string
}

export async function readMigrations(dir = SQL_DIR): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => /^\d{4}_[a-z0-9_]+\.sql$/.test(n)).sort()
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(dir, name), 'utf8')
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') }
    }),
  )
}

export async function migrate(url: string, dir = SQL_DIR): Promise<string[]> {
  const files = await readMigrations(dir)
  // One connection that may run a file of several statements; it holds the lock and applies.
  const pool = poolOver(url, (target) =>
    createPool({
      ...target,
      charset: 'utf8mb4_unicode_ci',
      multipleStatements: true,
      dateStrings: true,
      connectionLimit: 1,
    }),
  )
  const db: Db = new Kysely<Database>({ dialect: new MysqlDialect({ pool }) })
  try {
    const outcome = await withNamedLock(db, 'migrate', (conn) => apply(conn, files), {
      waitSeconds: 60,
    })
    if (!outcome.ok) throw new Error('could not take the migration lock')
    return outcome.value
  } finally {
    await db.destroy()
  }
}

async function apply(conn: Db, files: MigrationFile[]): Promise<string[]> {
  const query = async <R>(text: string, parameters: unknown[] = []): Promise<R[]> =>
    (await conn.executeQuery<R>(CompiledQuery.raw(text, parameters))).rows
  await query(
    `CREATE TABLE IF NOT EXISTS schema_migration (
       name VARCHAR(100) CHARACTER SET ascii NOT NULL PRIMARY KEY,
       checksum CHAR(64) CHARACTER SET ascii NOT NULL,
       applied_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
     ) ENGINE=InnoDB`,
  )
  const rows = await query<{ name: string; checksum: string }>(
    'SELECT name, checksum FROM schema_migration',
  )
  const done = new Map(rows.map((r) => [r.name, r.checksum]))
  const applied: string[] = []
  for (const file of files) {
    const previous = done.get(file.name)
    if (previous !== undefined) {
      if (previous !== file.checksum) {
        throw new Error(
          `migration ${file.name} changed after it was applied; add a new file instead`,
        )
      }
      continue
    }
    await query(file.sql)
    await query('INSERT INTO schema_migration (name, checksum) VALUES (?, ?)', [
      file.name,
      file.checksum,
    ])
    applied.push(file.name)
  }
  return applied
}
