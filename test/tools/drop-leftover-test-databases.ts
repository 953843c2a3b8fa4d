// npm run test:drop-leftovers — drops the throw-away test schemas (opac_test_*) that no
// connection is using. A test process that is killed (a mutant that timed out under
// `npm run test:mutation`, a run stopped with Ctrl-C) cannot drop the schema it made; this
// does, without touching a schema a running test still has open (its pool keeps a connection
// to it until the run ends). `npm run test:mutation` runs it when Stryker is done.
import { createConnection } from 'mysql2/promise'
import { TEST_SERVER } from '../helpers/test-database.ts'
import { parseDatabaseUrl } from '../../server/db/database.ts'

const { host, port, user, password } = parseDatabaseUrl(`${TEST_SERVER.replace(/\/+$/, '')}/test`)
const conn = await createConnection({ host, port, user, password })
try {
  const [schemas] = await conn.query(
    `SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA
      WHERE SCHEMA_NAME LIKE 'opac\\_test\\_%'
        AND SCHEMA_NAME NOT IN (SELECT DB FROM information_schema.PROCESSLIST WHERE DB IS NOT NULL)`,
  )
  // Only names the test helpers make (the LIKE lets through any other character after the prefix).
  const names = (schemas as { name: string }[])
    .map((s) => s.name)
    .filter((name) => /^opac_test_[A-Za-z0-9_]+$/.test(name))
  for (const name of names) await conn.query(`DROP DATABASE IF EXISTS \`${name}\``)
  process.stdout.write(`dropped ${names.length} leftover test schemas (opac_test_*)\n`)
} finally {
  await conn.end()
}
