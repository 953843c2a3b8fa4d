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
})
