// npm run staff:token -- create <library> <name>   a new staff API token, printed once
// npm run staff:token -- list <library>            the library's tokens (names, dates; no secrets)
// npm run staff:token -- revoke <library> <name>   the token stops working at once
// Exit code 0, 1 when refused (a taken name, no such token), 2 for bad usage.
import { ConfigError, loadConfig } from '../config.ts'
import { ensureDatabase } from '../db/database.ts'
import { migrate } from '../db/migrator.ts'
import { buildDeps } from '../deps.ts'
import { createLogger } from '../logger.ts'
import { TOKEN_NAME } from '../services/staff-token-service.ts'
import { out } from './cli-output.ts'

const USAGE =
  'usage: npm run staff:token -- create <library> <name> | list <library> | revoke <library> <name>'

async function main(args: string[]): Promise<number> {
  const [command, slug, name] = args
  const needsName = command === 'create' || command === 'revoke'
  if (
    !command ||
    !slug ||
    !['create', 'list', 'revoke'].includes(command) ||
    (needsName && !name)
  ) {
    process.stderr.write(`${USAGE}\n`)
    return 2
  }
  if (needsName && name && !TOKEN_NAME.test(name)) {
    process.stderr.write('a token name is 1–64 letters, digits, dots, hyphens or underscores\n')
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
    const lib = await deps.services.libraries.bySlug(slug)
    if (!lib) {
      process.stderr.write(`no library "${slug}"\n`)
      return 1
    }
    const tokens = deps.services.staffTokens
    if (command === 'create' && name) {
      const created = await tokens.create(lib.library.id, name)
      if (!created.ok) {
        process.stderr.write(
          `token "${name}" exists already in ${slug}; revoke it or pick another name\n`,
        )
        return 1
      }
      out(`token "${name}" for ${slug} (shown only now; keep it secret):`)
      out(created.token)
      return 0
    }
    if (command === 'revoke' && name) {
      if (!(await tokens.revoke(lib.library.id, name))) {
        process.stderr.write(`no active token "${name}" in ${slug}\n`)
        return 1
      }
      out(`token "${name}" of ${slug} revoked`)
      return 0
    }
    const rows = await tokens.list(lib.library.id)
    if (rows.length === 0) out(`no tokens in ${slug}`)
    for (const row of rows) {
      const state = row.revoked_at ? `revoked ${row.revoked_at}` : 'active'
      out(
        `${row.name.padEnd(24)} created ${row.created_at}  last used ${row.last_used_at ?? '-'}  ${state}`,
      )
    }
    return 0
  } finally {
    await deps.db.destroy()
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `staff:token failed: ${err instanceof Error ? err.message : String(err)}\n`,
    )
    process.exit(1)
  },
)
