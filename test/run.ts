// `npm test`: type-check, lint and format check, then every mocha test (unit, integration,
// end-to-end), ending with the line CI reads: "N passed, N failed".
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import Mocha from 'mocha'

const root = join(import.meta.dirname, '..')
const bin = (name: string) => join(root, 'node_modules', '.bin', name)
let passed = 0
let failed = 0

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

const only = process.argv.slice(2)
if (only.length === 0) {
  process.stdout.write('Checks\n')
  check('typecheck (tsc --noEmit)', bin('tsc'), ['--noEmit'])
  check('lint (eslint --max-warnings 0)', bin('eslint'), ['--max-warnings', '0', '.'])
  check('format (prettier --check)', bin('prettier'), ['--check', '--log-level', 'warn', '.'])
}

const mocha = new Mocha({ timeout: 30_000, reporter: 'spec', forbidOnly: true })
mocha.rootHooks((await import('./helpers/root-hooks.ts')).mochaHooks)
const tiers = ['unit', 'integration', 'e2e'].map((tier) => join(import.meta.dirname, tier))
for (const file of tiers.flatMap(testFiles)) {
  if (only.length === 0 || only.some((o) => relative(root, file).includes(o))) mocha.addFile(file)
}
await mocha.loadFilesAsync()
const runner = mocha.run()
runner.on('pass', () => passed++)
runner.on('fail', () => failed++)
runner.on('end', () => {
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`)
  process.exit(failed > 0 ? 1 : 0)
})
