// Applies the numbered .sql files in sql/ once each, in order, recording them in
// schema_migration. Files never change once landed; a changed file is an error.
// A named lock keeps two app instances from migrating at the same time.
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createConnection } from 'mysql2/promise'
import { parseDatabaseUrl } from './database.ts'

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
  const conn = await createConnection({
    ...parseDatabaseUrl(url),
    charset: 'utf8mb4_unicode_ci',
    multipleStatements: true,
    dateStrings: true,
  })
  const applied: string[] = []
  try {
    const [lockRows] = await conn.query("SELECT GET_LOCK('opac_migrate', 60) AS got")
    if ((lockRows as { got: number }[])[0]?.got !== 1)
      throw new Error('could not take the migration lock')
    await conn.query(
      `CREATE TABLE IF NOT EXISTS schema_migration (
         name VARCHAR(100) CHARACTER SET ascii NOT NULL PRIMARY KEY,
         checksum CHAR(64) CHARACTER SET ascii NOT NULL,
         applied_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
       ) ENGINE=InnoDB`,
    )
    const [rows] = await conn.query('SELECT name, checksum FROM schema_migration')
    const done = new Map(
      (rows as { name: string; checksum: string }[]).map((r) => [r.name, r.checksum]),
    )
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
      await conn.query(file.sql)
      await conn.query('INSERT INTO schema_migration (name, checksum) VALUES (?, ?)', [
        file.name,
        file.checksum,
      ])
      applied.push(file.name)
    }
  } finally {
    await conn.query("SELECT RELEASE_LOCK('opac_migrate')").catch(() => undefined)
    await conn.end()
  }
  return applied
}
