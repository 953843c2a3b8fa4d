// The login throttle as wired into the pages, over HTTP, on a database of its own (its counters
// are shared by every request from 127.0.0.1): failed logins count per card and per client
// address, a success forgets the card's failures (not the address's), and failed identity
// checks of 新規パスワード登録 count like failed logins.
import { expect } from 'chai'
import { hashPassword } from '../../../server/services/password-service.ts'
import { FormClient } from '../../helpers/form-client.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'

const CARD_LIMIT = 3
const ADDRESS_LIMIT = 6

describe('login throttle wiring (per card, per address, identity checks)', function () {
  this.timeout(120_000)
  let t: TestDatabase
  let app: TestServer

  before(async () => {
    t = await createTestDatabase({ prefix: 'thr' })
    app = await startTestServer(t.db, {
      env: { LOGIN_MAX_FAILURES: String(CARD_LIMIT), ADDRESS_MAX_FAILURES: String(ADDRESS_LIMIT) },
    })
    const lib = await t.db
      .insertInto('library')
      .values({ slug: 'thr', name: 'スロットル市立図書館', rules_preset: 'A', settings_json: '{}' })
      .executeTakeFirstOrThrow()
    const hash = await hashPassword('right1234', app.deps.config.passwordPepper)
    await t.db
      .insertInto('patron')
      .values(
        ['3300000001', '3300000002', '3300000003', '3300000004'].map((card) => ({
          library_id: Number(lib.insertId),
          card_number: card,
          full_name: '試験 太郎',
          birth_date: '1980-01-01',
          residency: 'resident' as const,
          disability_service: 0,
          password_hash: card === '3300000004' ? null : hash,
          password_is_initial: 0,
        })),
      )
      .execute()
  })
  beforeEach(() => t.db.deleteFrom('throttle').execute())
  after(() => app.close())

  async function login(card: string, password: string): Promise<number> {
    const c = new FormClient(app.baseUrl)
    return (await c.submit(await c.get('/thr/login'), { card, password })).status
  }

  it('locks a card after its limit of failures', async () => {
    for (let i = 0; i < CARD_LIMIT; i++) expect(await login('3300000001', 'wrong999')).to.equal(401)
    expect(await login('3300000001', 'right1234')).to.equal(429)
    expect(await login('3300000002', 'right1234')).to.equal(303)
  })

  it('counts failures per client address, across cards', async () => {
    // Never more than CARD_LIMIT - 1 on one card: only the address counter can lock.
    for (let i = 0; i < ADDRESS_LIMIT; i++) {
      expect(await login(`33999999${String(i).padStart(2, '0')}`, 'wrong999')).to.equal(401)
    }
    expect(await login('3300000002', 'right1234')).to.equal(429)
  })

  it("forgets a card's failures after a successful login", async () => {
    for (let i = 0; i < CARD_LIMIT - 1; i++) await login('3300000001', 'wrong999')
    expect(await login('3300000001', 'right1234')).to.equal(303)
    for (let i = 0; i < CARD_LIMIT - 1; i++)
      expect(await login('3300000001', 'wrong999')).to.equal(401)
    expect(await login('3300000001', 'right1234')).to.equal(303)
  })

  it("does not forget the address's failures after a successful login", async () => {
    for (let i = 0; i < ADDRESS_LIMIT - 1; i++) await login(`33999998${i}0`, 'wrong999')
    expect(await login('3300000002', 'right1234')).to.equal(303)
    expect(await login('3399999999', 'wrong999')).to.equal(401)
    expect(await login('3300000003', 'right1234')).to.equal(429)
  })

  it('counts failed identity checks (新規パスワード登録) against the card', async () => {
    const check = async (fullName: string) => {
      const c = new FormClient(app.baseUrl)
      const form = await c.get('/thr/password/register')
      expect(form.status).to.equal(200)
      return (await c.submit(form, { card: '3300000004', fullName, birth: '1980-01-01' })).status
    }
    for (let i = 0; i < CARD_LIMIT; i++) expect(await check('違う 名前')).to.equal(401)
    expect(await check('試験 太郎')).to.equal(429)
  })
})
