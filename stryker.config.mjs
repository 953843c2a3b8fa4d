// StrykerJS over the rule services: `npm run test:mutation` (not part of `npm test`: too slow
// for every run). Each service is mutated against the tests that are about it, so a run
// finishes in reasonable time; `MUTATE=renewal-service,calendar-service npm run test:mutation`
// runs some of them. One test runner at a time: the machine is shared.

/** Rule service (server/services/<name>.ts) → the tests that decide it. */
const RULE_SERVICES = {
  'renewal-service': ['test/unit/services/renewal-service.test.ts'],
  'calendar-service': [
    'test/unit/services/calendar-service.test.ts',
    'test/unit/services/renewal-service.test.ts',
    'test/unit/services/hold-rules.test.ts',
  ],
  'hold-rules': ['test/unit/services/hold-rules.test.ts'],
  'hold-eligibility': ['test/unit/services/hold-eligibility.test.ts'],
  'password-service': ['test/unit/services/password-service.test.ts'],
  'throttle-service': [
    'test/integration/db/throttle.test.ts',
    'test/integration/services/auth-throttle.test.ts',
  ],
  'hold-service': [
    'test/integration/services/hold-service.test.ts',
    'test/integration/services/hold-properties.test.ts',
    'test/integration/services/hold-service-rules.test.ts',
  ],
  // The service's own tests on a small database: the pages' tests (routes/email.test.ts)
  // build the demo database first, minutes for every mutant.
  'mail-verification-service': ['test/integration/services/mail-verification-service.test.ts'],
}

const only = process.env.MUTATE ? process.env.MUTATE.split(',') : Object.keys(RULE_SERVICES)
for (const name of only) {
  if (!(name in RULE_SERVICES)) throw new Error(`MUTATE: no rule service ${name}`)
}

export default {
  packageManager: 'npm',
  testRunner: 'mocha',
  // The hook lets Stryker's mocha runner find mocha 12's CLI modules; tsx runs the TypeScript.
  testRunnerNodeArgs: ['--import', './test/mutation/mocha12-cli.mjs', '--import', 'tsx'],
  checkers: ['typescript'],
  // The checker type-checks the server only (the tests are not mutated): half the time.
  tsconfigFile: 'test/mutation/tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  // A mutant in a module-level constant (a regex, a limit) is evaluated once when the ES module
  // loads; ES modules are not reloaded between mutants, so such a mutant would never be active
  // and would count as survived. They are left out of the score (shown as ignored).
  ignoreStatic: true,
  concurrency: 1,
  timeoutMS: 10000,
  ignorePatterns: ['mail-out', 'reports', 'coverage', '*.log'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  mutate: only.map((name) => `server/services/${name}.ts`),
  mochaOptions: { spec: [...new Set(only.flatMap((name) => RULE_SERVICES[name]))] },
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
}
