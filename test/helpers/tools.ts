// Real clients the end-to-end tests drive (lynx, w3m, yaz-client, oai_pmh …). In CI a missing
// one fails the run; elsewhere the suite is skipped, and the runner prints and counts the skip
// (test/run.ts).
import { spawnSync } from 'node:child_process'
import { runRegistry } from './run-registry.ts'

export function installed(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0
}

/** Call in a suite's before hook: fails in CI, skips the suite (recorded) elsewhere. */
export function requireTools(context: Mocha.Context, tools: string[]): void {
  requireInstalled(context, tools.filter((tool) => !installed(tool)).join(', '))
}

/** The same for what the caller found missing itself ('' when nothing is). */
export function requireInstalled(context: Mocha.Context, missing: string): void {
  if (!missing) return
  if (process.env.CI) throw new Error(`${missing} not installed (.ci/run installs it)`)
  const suite = context.test?.parent
  if (suite) runRegistry().toolSkips.set(suite.fullTitle(), missing)
  context.skip()
}
