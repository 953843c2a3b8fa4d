// The seeded fuzz (test/security/fuzz.ts) inside `npm test`: a bounded share of the full
// `npm run test:security` run, plus the built-in property names that once gave 500s
// (issue 9, item 7), on both channels, anonymous.
import { expect } from 'chai'
import { sharedDemoDatabase } from '../helpers/test-database.ts'
import type { TestDatabase } from '../helpers/test-database.ts'
import { KEITAI_UA, get, startTestServer } from '../helpers/test-server.ts'
import { runFuzz } from './fuzz.ts'

describe('security fuzz', function () {
  this.timeout(240_000)
  let t: TestDatabase
  before(async function () {
    t = await sharedDemoDatabase(this)
  })

  it('answers built-in property names as parameters with a page, never a 500', async () => {
    const app = await startTestServer(t.db)
    try {
      const names = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']
      for (const name of names) {
        for (const path of [
          `/aoba/ranking?period=${name}`,
          `/aoba/ranking?kind=${name}`,
          `/aoba/new?class=${name}`,
          `/aoba/search?q=a&sort=${name}`,
          `/aoba/search?q=a&mode=${name}&title=a`,
          `/aoba/search?q=a&type=${name}`,
          `/aoba/search?q=a&branch=${name}`,
          `/aoba/search?q=a&refine=${name}`,
          `/aoba/browse/${name}`,
          `/aoba/records/${name}`,
          `/${name}/`,
          `/aoba/?view=${name}`,
        ]) {
          for (const k of [false, true]) {
            const p = k
              ? path.replace('/aoba/', '/aoba/k/').replace(`/${name}/`, `/${name}/k/`)
              : path
            const res = await get(app.baseUrl, p, k ? { 'User-Agent': KEITAI_UA } : {})
            expect(res.status, p).to.be.oneOf([200, 400, 404])
            expect(res.text, p).not.to.match(/\bat .*\.ts:\d+/)
            if (res.status === 200 && p.includes('sort=')) {
              expect(res.text, p).not.to.include(`sort=${name}`)
            }
          }
        }
      }
    } finally {
      await app.close()
    }
  })

  it('a seeded run over every route of both channels: no 5xx, no stack trace, no data changed', async () => {
    const report = await runFuzz({ db: t.db, seed: 9, requests: 1500, maxMs: 150_000 })
    expect(report.sent).to.be.at.least(1000)
    expect(report.serverErrors, JSON.stringify(report.serverErrors)).to.deep.equal([])
    expect(report.stackTraces).to.deep.equal([])
    expect(report.changedTables).to.deep.equal([])
    expect(report.badCharset).to.equal(0)
  })
})
