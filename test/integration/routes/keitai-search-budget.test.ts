// The keitai byte budget (5,120 bytes) on the search pages at the longest accepted input: a
// query of MAX_QUERY_LENGTH characters (which every result, pagination and refine link
// carries), its second page and its refine page, and the detailed search with every field at
// its longest — logged in, with the session token in every link. Each must answer 200.
import { expect } from 'chai'
import { encodeQueryValue } from '../../../server/render/form-decoding.ts'
import { MAX_QUERY_LENGTH } from '../../../server/services/catalogue-service.ts'
import { FormClient } from '../../helpers/form-client.ts'
import { expectGoodKeitaiPage } from '../../helpers/html-assertions.ts'
import { sharedDemoDatabase } from '../../helpers/test-database.ts'
import { KEITAI_UA, startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'

const sjis = (s: string) => encodeQueryValue(s, 'shift_jis')
/** s repeated up to exactly MAX_QUERY_LENGTH characters (no trailing space). */
const longest = (s: string) =>
  Array.from(s.repeat(MAX_QUERY_LENGTH)).slice(0, MAX_QUERY_LENGTH).join('').trimEnd()

describe('keitai byte budget on the search pages at the longest accepted input', function () {
  this.timeout(300_000)
  let app: TestServer
  let k: FormClient
  let base = ''

  before(async function () {
    const t = await sharedDemoDatabase(this)
    app = await startTestServer(t.db)
    k = new FormClient(app.baseUrl, { userAgent: KEITAI_UA, cookies: false, charset: 'shift_jis' })
    const res = await k.submit(await k.get('/minato/k/login'), {
      card: '2201900009',
      password: 'yoyk9999',
    })
    base = /(\/minato\/k\/s\/[^/]+)\//.exec(res.location ?? '')?.[1] ?? ''
    expect(base).to.match(/\/k\/s\//)
  })
  after(() => app?.close())

  // Every word must match: the author's name over and over still finds a full page.
  const q = longest('夏目漱石 ')
  const cases: [string, () => string][] = [
    ['results', () => `${base}/search?q=${sjis(q)}`],
    ['results, page 2', () => `${base}/search?q=${sjis(q)}&page=2`],
    ['refine', () => `${base}/search?q=${sjis(q)}&refine=1`],
    [
      'detailed search, every field at its longest',
      () =>
        `${base}/search?title=${sjis(longest('夏目'))}&author=${sjis(longest('夏目漱石'))}` +
        `&publisher=${sjis(longest('岩波'))}&from=1900&to=2026&sort=title`,
    ],
  ]
  for (const [name, path] of cases) {
    it(`${name}: 200 within 5,120 bytes`, async () => {
      const res = await k.get(path())
      expect(res.status).to.equal(200)
      expectGoodKeitaiPage(res)
    })
  }
})
