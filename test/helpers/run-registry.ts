// State the test runner (test/run.ts) and the helpers share through globalThis: mocha may load
// test files through require() and the runner through import(), which gives each its own copy
// of a module, so module-level variables would not be seen by the other copy.

export interface RunRegistry {
  /** Throw-away database URLs made by the helpers, dropped at the end of the run. */
  databases: Set<string>
  /** Things to close before the databases are dropped (pools, servers). */
  closers: Set<() => Promise<void>>
  /** Suites skipped because a real client (lynx, w3m) is missing here: suite title → tool. */
  toolSkips: Map<string, string>
}

const KEY = Symbol.for('web-opac.test-run-registry')

export function runRegistry(): RunRegistry {
  const holder = globalThis as { [KEY]?: RunRegistry }
  holder[KEY] ??= { databases: new Set(), closers: new Set(), toolSkips: new Map() }
  return holder[KEY]
}
