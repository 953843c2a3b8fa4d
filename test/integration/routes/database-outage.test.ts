// When the database goes away, pages answer 503 in the channel's charset and /healthz
// fails; the process keeps running and recovers when the database returns.
import { expect } from 'chai'
import { createDb } from '../../../server/db/database.ts'
import type { Db } from '../../../server/db/database.ts'
import { encodeQueryValue } from '../../../server/render/form-decoding.ts'
import { sharedDemoDatabase } from '../../helpers/test-database.ts'
import { KEITAI_UA, get, startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'
import { startTcpProxy } from '../../helpers/tcp-proxy.ts'
import type { TcpProxy } from '../../helpers/tcp-proxy.ts'
import { expectGoodKeitaiPage, expectGoodPcPage } from '../../helpers/html-assertions.ts'

describe('database outage', () => {
  let proxy: TcpProxy
  let db: Db
  let app: TestServer
  before(async function () {
    const shared = await sharedDemoDatabase(this)
    const target = new URL(shared.url)
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 3306) })
    target.port = String(proxy.port)
    db = createDb(target.toString(), 3)
    app = await startTestServer(db)
  })
  after(async () => {
    await app.close()
    await db.destroy()
    await proxy.stop()
  })

  it('answers 503 while the database is down, and recovers when it returns', async () => {
    const search = `/aoba/search?q=${encodeURIComponent('こころ')}`
    expect((await get(app.baseUrl, search)).status).to.equal(200)
    expect((await get(app.baseUrl, '/healthz')).status).to.equal(200)

    await proxy.stop()
    const pc = await get(app.baseUrl, search)
    expect(pc.status).to.equal(503)
    expect(pc.headers.get('retry-after')).to.equal('30')
    expect(pc.text).to.include('ただいまシステムを利用できません')
    await expectGoodPcPage(pc.text)
    const k = await get(
      app.baseUrl,
      `/aoba/k/search?q=${encodeQueryValue('こころ', 'shift_jis')}`,
      {
        'User-Agent': KEITAI_UA,
      },
    )
    expect(k.status).to.equal(503)
    expectGoodKeitaiPage(k)
    expect(k.text).to.include('ただいまシステムを利用できません')
    expect((await get(app.baseUrl, '/healthz')).status).to.equal(503)
    expect((await get(app.baseUrl, '/')).status).to.equal(503)

    await proxy.start()
    expect((await get(app.baseUrl, '/healthz')).status).to.equal(200)
    expect((await get(app.baseUrl, search)).status).to.equal(200)
  })

  it('answers 503 when a query outlasts DATABASE_QUERY_TIMEOUT_SECONDS, then recovers', async () => {
    const shared = await sharedDemoDatabase()
    const target = new URL(shared.url)
    target.port = String(proxy.port)
    const limited = createDb(target.toString(), 2, 1000)
    const limitedApp = await startTestServer(limited)
    try {
      const search = `/aoba/search?q=${encodeURIComponent('こころ')}`
      expect((await get(limitedApp.baseUrl, search)).status).to.equal(200)
      proxy.delayMs = 60_000 // the database stalls: connected, but no answer
      const started = Date.now()
      const stalled = await get(limitedApp.baseUrl, search)
      expect(stalled.status).to.equal(503)
      expect(stalled.text).to.include('ただいまシステムを利用できません')
      expect(Date.now() - started).to.be.below(8000)
      const k = await get(limitedApp.baseUrl, '/aoba/k/records/5', { 'User-Agent': KEITAI_UA })
      expect(k.status).to.equal(503)
      expectGoodKeitaiPage(k)
      proxy.delayMs = 0
      // Timed-out connections were destroyed, not reused: the next request is answered.
      expect((await get(limitedApp.baseUrl, search)).status).to.equal(200)
    } finally {
      proxy.delayMs = 0
      await limitedApp.close()
      await limited.destroy()
    }
  })
})
