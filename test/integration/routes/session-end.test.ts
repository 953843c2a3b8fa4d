// A password change ends the patron's other sessions (issue 9, item 3): a login on another
// browser or keitai made with the old password is logged out; the session that made the
// change stays logged in. Also for the initial-password change (rules B, card + current).
import { expect } from 'chai'
import { hashPassword } from '../../../server/services/password-service.ts'
import { FormClient } from '../../helpers/form-client.ts'
import { holdFixture } from '../../helpers/hold-fixture.ts'
import type { FixtureLibrary } from '../../helpers/hold-fixture.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { KEITAI_UA, startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'

const PEPPER = 'development-only-password_pepper'

describe('sessions end when the password changes', function () {
  this.timeout(120_000)
  let t: TestDatabase
  let app: TestServer
  let lib: FixtureLibrary
  let cards: string[]

  before(async () => {
    t = await createTestDatabase({ prefix: 'send' })
    lib = await holdFixture(t.db, 'B', { patrons: 2 })
    await t.db
      .updateTable('patron')
      .set({ password_hash: await hashPassword('oldpass1', PEPPER) })
      .execute()
    const rows = await t.db
      .selectFrom('patron')
      .select('card_number')
      .where('library_id', '=', lib.library.id)
      .orderBy('id')
      .execute()
    cards = rows.map((r) => r.card_number)
    app = await startTestServer(t.db)
  })
  after(() => app.close())

  const pc = () => new FormClient(app.baseUrl)
  const keitai = () =>
    new FormClient(app.baseUrl, { userAgent: KEITAI_UA, cookies: false, charset: 'shift_jis' })

  async function login(client: FormClient, card: string, password: string) {
    const k = client.options.charset === 'shift_jis'
    const form = await client.get(`/${lib.slug}${k ? '/k' : ''}/login`)
    const res = await client.submit(form, { card, password })
    expect(res.status).to.be.oneOf([302, 303])
    return res.location ?? ''
  }

  async function loggedIn(client: FormClient, accountUrl: string): Promise<boolean> {
    const page = await client.get(accountUrl)
    return page.status === 200
  }

  it('a logged-in change ends the other browser and keitai, and keeps this one', async () => {
    const card = cards[0]!
    const a = pc()
    const b = pc()
    const k = keitai()
    await login(a, card, 'oldpass1')
    await login(b, card, 'oldpass1')
    const kAccount = await login(k, card, 'oldpass1')
    const account = `/${lib.slug}/account`
    expect(await loggedIn(b, account)).to.equal(true)
    expect(await loggedIn(k, kAccount)).to.equal(true)

    const form = await a.get(`/${lib.slug}/password/change`)
    const checked = await a.submit(form, {
      current: 'oldpass1',
      password: 'newpass22',
      confirmation: 'newpass22',
    })
    expect(checked.status).to.equal(303)
    const confirm = await a.follow(checked)
    const done = await a.submit(confirm)
    expect(done.status).to.equal(303)

    expect(await loggedIn(a, account)).to.equal(true)
    expect(await loggedIn(b, account)).to.equal(false)
    expect(await loggedIn(k, kAccount)).to.equal(false)
    const rows = await t.db.selectFrom('session').select('patron_id').execute()
    expect(rows.filter((r) => r.patron_id !== null)).to.have.length(1)
  })

  it('the change with card and current password (not logged in) ends every session', async () => {
    const card = cards[1]!
    const b = pc()
    await login(b, card, 'oldpass1')
    const account = `/${lib.slug}/account`
    expect(await loggedIn(b, account)).to.equal(true)

    const a = pc()
    const form = await a.get(`/${lib.slug}/password/change`)
    const checked = await a.submit(form, {
      card,
      current: 'oldpass1',
      password: 'newpass33',
      confirmation: 'newpass33',
    })
    expect(checked.status).to.equal(303)
    const done = await a.submit(await a.follow(checked))
    expect(done.status).to.equal(303)
    expect(await loggedIn(b, account)).to.equal(false)
  })
})
