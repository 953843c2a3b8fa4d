// The architecture's import rules (eslint.config.js) fire where they should: each case is a
// line of code linted as if it were in the named file.
import { expect } from 'chai'
import { ESLint } from 'eslint'

const eslint = new ESLint({ cwd: new URL('../../..', import.meta.url).pathname })

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = x\n`, { filePath })
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-properties')
    .map((m) => m.message)
}

describe('architecture import rules', function () {
  this.timeout(60_000)

  const cases: [string, string, boolean][] = [
    ['server/routes/x-routes.ts', "import { x } from '../db/loan-repository.ts'", true],
    ['server/routes/x-routes.ts', "import type { x } from '../db/schema.ts'", true],
    ['server/routes/x-routes.ts', "import { x } from './login-routes.ts'", true],
    ['server/routes/x-routes.ts', "import { x } from './list-pages.ts'", false],
    ['server/routes/x-routes.ts', "import { x } from '../web.ts'", false],
    ['server/routes/x-routes.ts', "import { x } from '../services/loan-service.ts'", false],
    ['server/services/x-service.ts', "import x from 'express'", true],
    ['server/services/x-service.ts', "import x from 'express-session'", true],
    ['server/services/x-service.ts', "import { x } from '../render/words.ts'", true],
    ['server/services/x-service.ts', "import { x } from '../routes/login-routes.ts'", true],
    ['server/services/x-service.ts', "import { x } from '../middleware/session.ts'", true],
    ['server/services/x-service.ts', "import { x } from '../web.ts'", true],
    ['server/services/x-service.ts', "import type { x } from '../db/schema.ts'", false],
    ['server/services/search/x.ts', "import { x } from '../../render/format.ts'", true],
    ['server/db/x-repository.ts', "import { x } from '../services/calendar-service.ts'", true],
    ['server/db/x-repository.ts', "import { x } from './schema.ts'", false],
    ['test/unit/x.test.ts', 'const x = 1\ndescribe.only("x", () => {})', true],
    ['test/unit/x.test.ts', 'const x = 1\nit.only("x", () => {})', true],
    ['test/unit/x.test.ts', 'const x = 1\ndescribe("x", () => {})', false],
  ]
  for (const [file, code, refused] of cases) {
    it(`${refused ? 'refuses' : 'allows'} in ${file}: ${code.split('\n').pop()}`, async () => {
      const messages = await restricted(file, code)
      if (refused) expect(messages, code).to.have.length.greaterThan(0)
      else expect(messages, code).to.deep.equal([])
    })
  }
})
