// npm run import -- [--library SLUG] FILE|DIR …
//   Imports catalogue records from CSV/TSV (header row) and NDL Search OpenSearch RSS (XML, also
//   inside other files) into a library (the only one when --library is not given). A directory
//   imports its .tsv, .csv, .xml and .ts files. Shows a progress bar on a terminal, then a
//   summary: added, updated, unchanged, rejected (with line or item and reason). A second run
//   changes nothing; a run stopped part-way is run again. The search index follows.
// Exit code 0 (also with rejected rows), 1 on failure, 2 for bad usage.
import { readFile, readdir, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { ConfigError, loadConfig } from '../config.ts'
import { ensureDatabase } from '../db/database.ts'
import { migrate } from '../db/migrator.ts'
import { buildDeps } from '../deps.ts'
import { createLogger } from '../logger.ts'
import { importItems, importRecords } from '../services/catalogue-import.ts'
import { out } from './cli-output.ts'

const USAGE = 'usage: npm run import -- [--library SLUG] FILE|DIR …'
const IMPORTABLE = /\.(tsv|csv|xml|ts)$/i

async function filesOf(paths: string[]): Promise<string[]> {
  const files: string[] = []
  for (const path of paths) {
    if ((await stat(path)).isDirectory()) {
      for (const name of (await readdir(path)).sort()) {
        if (IMPORTABLE.test(name)) files.push(join(path, name))
      }
    } else files.push(path)
  }
  return files
}

function progressBar(label: string): (done: number, total: number) => void {
  const tty = Boolean(process.stderr.isTTY)
  let lastShown = -1
  return (done, total) => {
    const ratio = total ? done / total : 1
    if (tty) {
      const width = 30
      const filled = Math.round(ratio * width)
      process.stderr.write(
        `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(ratio * 100)}% ${done}/${total}`,
      )
      if (done === total) process.stderr.write('\n')
      return
    }
    const tenth = Math.floor(ratio * 10)
    if (tenth !== lastShown) {
      lastShown = tenth
      process.stderr.write(`${label}: ${done}/${total}\n`)
    }
  }
}

async function main(args: string[]): Promise<number> {
  let slug: string | undefined
  const paths: string[] = []
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--library') slug = args[++i]
    else if (args[i]) paths.push(args[i] as string)
  }
  if (paths.length === 0 || (args.includes('--library') && !slug)) {
    process.stderr.write(`${USAGE}\n`)
    return 2
  }
  let config
  try {
    config = loadConfig()
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    process.stderr.write(`configuration error: ${err.message}\n`)
    return 2
  }
  await ensureDatabase(config.databaseUrl)
  await migrate(config.databaseUrl)
  const deps = buildDeps(config, { logger: createLogger('silent') })
  try {
    const libraries = await deps.services.libraries.list()
    const library = slug ? libraries.find((l) => l.slug === slug) : libraries[0]
    if (!library || (!slug && libraries.length !== 1)) {
      process.stderr.write(
        slug
          ? `no library "${slug}"\n`
          : `name the library with --library (${libraries.map((l) => l.slug).join(', ') || 'none yet'})\n`,
      )
      return 2
    }
    const total = { added: 0, updated: 0, unchanged: 0, rejected: 0 }
    for (const file of await filesOf(paths)) {
      const items = importItems(file, await readFile(file, 'utf8'))
      if (items.length === 0) continue
      const summary = await importRecords(
        deps.services.staffCatalogue,
        library.id,
        items,
        progressBar(basename(file)),
      )
      out(
        `${basename(file)}: ${summary.added} added, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.rejected.length} rejected`,
      )
      for (const r of summary.rejected.slice(0, 50)) out(`  rejected ${r.at}: ${r.reason}`)
      if (summary.rejected.length > 50) out(`  … and ${summary.rejected.length - 50} more`)
      total.added += summary.added
      total.updated += summary.updated
      total.unchanged += summary.unchanged
      total.rejected += summary.rejected.length
    }
    out(
      `${library.slug}: ${total.added} added, ${total.updated} updated, ${total.unchanged} unchanged, ${total.rejected} rejected`,
    )
    return 0
  } finally {
    await deps.db.destroy()
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`import failed: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  },
)
