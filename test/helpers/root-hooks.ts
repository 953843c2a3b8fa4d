// Root hooks for every mocha run: throw-away databases made by the helpers are dropped
// when the run ends.
import { dropAllTestDatabases } from './test-database.ts'

export const mochaHooks = {
  async afterAll(this: unknown) {
    await dropAllTestDatabases()
  },
}
