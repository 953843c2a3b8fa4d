// `npm test`: type-check, lint and format check, then every mocha test (unit, integration,
// end-to-end), ending with the line CI reads: "N passed, N failed". The run is honest:
// - a leftover .only fails (forbidOnly, and an ESLint rule);
// - a skipped or pending test fails, except a suite skipped outside CI because a real client
//   (lynx, w3m) is missing here, which is printed and counted as skipped (test/helpers/tools.ts);
// - an unhandled rejection, or a test file that cannot even be loaded, counts as a failure and
//   the closing line is still printed;
// - the throw-away opac_test_* databases the helpers made are dropped at the end.
// `npm test -- <fragment> …` runs only the test files whose path contains a fragment (without
// the checks).
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import Mocha from 'mocha'
import { runRegistry } from './helpers/run-registry.ts'

const root = join(import.meta.dirname, '..')
const bin = (name: string) => join(root, 'node_modules', '.bin', name)
let passed = 0
let failed = 0
let skipped = 0

function check(name: string, command: string, args: string[]): void {
  const started = Date.now()
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' })
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  if (result.status === 0) {
    passed++
    process.stdout.write(`  ✔ ${name} (${seconds} s)\n`)
  } else {
    failed++
    process.stdout.write(`  ✖ ${name} failed (${seconds} s)\n`)
  }
}

function testFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) return testFiles(path)
      return name.endsWith('.test.ts') ? [path] : []
    })
    .sort()
}

/** Drops the test databases, prints the closing line and exits. */
async function finish(): Promise<never> {
  const { dropAllTestDatabases } = await import('./helpers/test-database.ts')
  const dropped = await dropAllTestDatabases().catch((err: unknown) => {
    process.stdout.write(`could not drop the test databases: ${String(err)}\n`)
    return 0
  })
  if (dropped) process.stdout.write(`\ndropped ${dropped} test databases\n`)
  for (const [suite, tools] of runRegistry().toolSkips) {
    process.stdout.write(`skipped (${tools} not installed here): ${suite}\n`)
  }
  if (skipped) process.stdout.write(`${skipped} skipped because a real client is missing\n`)
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`)
  process.exit(failed > 0 ? 1 : 0)
}

// Mocha re-emits each rejection it sees on the process: count each promise once.
const rejected = new WeakSet<Promise<unknown>>()
process.on('unhandledRejection', (reason, promise) => {
  if (rejected.has(promise)) return
  rejected.add(promise)
  failed++
  process.stdout.write(
    `\n✖ unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}\n`,
  )
})

const only = process.argv.slice(2)
/** TEST_RUN_FILES=a,b runs exactly these files, without the checks (the runner's own tests). */
const explicit = process.env.TEST_RUN_FILES?.split(',').filter(Boolean)
if (only.length === 0 && !explicit) {
  process.stdout.write('Checks\n')
  check('typecheck (tsc --noEmit)', bin('tsc'), ['--noEmit'])
  check('lint (eslint --max-warnings 0)', bin('eslint'), ['--max-warnings', '0', '.'])
  check('format (prettier --check)', bin('prettier'), ['--check', '--log-level', 'warn', '.'])
}

const mocha = new Mocha({ timeout: 30_000, reporter: 'spec', forbidOnly: true })
mocha.rootHooks((await import('./helpers/root-hooks.ts')).mochaHooks)
const tiers = ['unit', 'integration', 'e2e'].map((tier) => join(import.meta.dirname, tier))
const files = explicit?.map((f) => join(root, f)) ?? tiers.flatMap(testFiles)
for (const file of files) {
  if (only.length === 0 || only.some((o) => relative(root, file).includes(o))) mocha.addFile(file)
}
try {
  await mocha.loadFilesAsync()
} catch (err) {
  failed++
  process.stdout.write(
    `\n✖ a test file could not be loaded: ${err instanceof Error ? err.stack : String(err)}\n`,
  )
  await finish()
}

/** Pending tests are allowed only in suites skipped for a missing real client (not in CI). */
function skippedForMissingTool(test: Mocha.Test): boolean {
  const title = test.fullTitle()
  for (const suite of runRegistry().toolSkips.keys()) {
    if (title.startsWith(`${suite} `)) return true
  }
  return false
}

const runner = mocha.run()
runner.on('pass', () => passed++)
runner.on('fail', () => failed++)
runner.on('pending', (test) => {
  if (skippedForMissingTool(test)) skipped++
  else {
    failed++
    process.stdout.write(`  ✖ pending or skipped test counts as failed: ${test.fullTitle()}\n`)
  }
})
runner.on('end', () => void finish())
