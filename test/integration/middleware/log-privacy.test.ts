// No session id, password, card number or query string in any log line (issue 9, item 2):
// the app's real logger is captured while a keitai patron without cookies (session in the
// path, /k/s/<session>/) meets a 500 (a broken query) and a 503 (the database gone).
import { Writable } from 'node:stream'
import { expect } from 'chai'
import { createDb } from '../../../server/db/database.ts'
import type { Db } from '../../../server/db/database.ts'
import { createLogger, safeError } from '../../../server/logger.ts'
import { hashPassword } from '../../../server/services/password-service.ts'
import { FormClient } from '../../helpers/form-client.ts'
import { holdFixture } from '../../helpers/hold-fixture.ts'
import type { FixtureLibrary } from '../../helpers/hold-fixture.ts'
import { startTcpProxy } from '../../helpers/tcp-proxy.ts'
import type { TcpProxy } from '../../helpers/tcp-proxy.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { KEITAI_UA, startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'

const PASSWORD = 'secretpw42'

describe('log privacy', function () {
  this.timeout(120_000)
  let t: TestDatabase
  let proxy: TcpProxy
  let db: Db
  let app: TestServer
  let lib: FixtureLibrary
  let card: string
  const lines: string[] = []

  before(async () => {
    t = await createTestDatabase({ prefix: 'logp' })
    lib = await holdFixture(t.db, 'B', { patrons: 1 })
    const hash = await hashPassword(PASSWORD, 'development-only-password_pepper')
    await t.db.updateTable('patron').set({ password_hash: hash }).execute()
    const p = await t.db
      .selectFrom('patron')
      .select('card_number')
      .where('id', '=', lib.patrons.p1!)
      .executeTakeFirstOrThrow()
    card = p.card_number
    const target = new URL(t.url)
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 3306) })
    target.port = String(proxy.port)
    db = createDb(target.toString(), 3)
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
        done()
      },
    })
    app = await startTestServer(db, { logger: createLogger('info', sink) })
  })
  after(async () => {
    await app.close()
    await db.destroy()
    await proxy.stop()
  })

  it('logs a keitai 500 and 503 without the session id, card, password or query', async () => {
    const k = new FormClient(app.baseUrl, {
      userAgent: KEITAI_UA,
      cookies: false,
      charset: 'shift_jis',
    })
    const form = await k.get(`/${lib.slug}/k/login`)
    expect(form.status).to.equal(200)
    const res = await k.submit(form, { card, password: PASSWORD })
    expect(res.status).to.equal(302)
    const sid = /\/k\/s\/([^/]+)\//.exec(res.location ?? '')?.[1]
    expect(sid, 'session in the path').to.be.a('string')
    const base = `/${lib.slug}/k/s/${sid}`

    // A 500: a query the database refuses (a column renamed under the running app).
    await t.db.schema.alterTable('loan').renameColumn('due_on', 'due_on_gone').execute()
    try {
      const broken = await k.get(`${base}/account/loans?card=${card}&pw=${PASSWORD}`)
      expect(broken.status).to.equal(500)
    } finally {
      await t.db.schema.alterTable('loan').renameColumn('due_on_gone', 'due_on').execute()
    }

    // A 503: the database is gone.
    await proxy.stop()
    try {
      const down = await k.get(`${base}/account?q=${card}`)
      expect(down.status).to.equal(503)
    } finally {
      await proxy.start()
    }

    const log = lines.join('\n')
    expect(lines.some((l) => l.includes('"status":500'))).to.equal(true)
    expect(lines.some((l) => l.includes('"status":503'))).to.equal(true)
    expect(log).to.include('/k/s/-/account')
    expect(log).not.to.include(sid!)
    expect(log).not.to.include(encodeURIComponent(sid!))
    expect(log).not.to.include(card)
    expect(log).not.to.include(PASSWORD)
    expect(log).not.to.match(/\?(card|pw|q)=/)
  })

  it('drops the SQL and quoted values of a database error', () => {
    const err = Object.assign(new Error(`Duplicate entry '1:${'1101900001'}' for key 'PRIMARY'`), {
      code: 'ER_DUP_ENTRY',
      errno: 1062,
      sql: `INSERT INTO throttle VALUES ('1:1101900001', 'scrypt$15$8$1$abc')`,
      sqlMessage: `Duplicate entry '1:1101900001' for key 'PRIMARY'`,
    })
    const logged = JSON.stringify(safeError(err))
    expect(logged).not.to.include('1101900001')
    expect(logged).not.to.include('scrypt')
    expect(logged).to.include('ER_DUP_ENTRY')
    expect(logged).to.include('1062')
  })
})
