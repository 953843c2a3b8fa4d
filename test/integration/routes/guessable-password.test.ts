// A new password equal to the card number, the birth date or one repeated character is
// refused under both presets, and the page says why (issue 9, item 5): rules A's 新規パスワード
// 登録 and rules B's パスワード変更.
import { expect } from 'chai'
import { hashPassword } from '../../../server/services/password-service.ts'
import { FormClient, textOf } from '../../helpers/form-client.ts'
import { holdFixture } from '../../helpers/hold-fixture.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'

describe('guessable passwords are refused, saying why', function () {
  this.timeout(120_000)
  let t: TestDatabase
  let app: TestServer
  let slugA: string
  let slugB: string
  let cardA: string
  let cardB: string

  before(async () => {
    t = await createTestDatabase({ prefix: 'guess' })
    const a = await holdFixture(t.db, 'A', { patrons: 1 })
    const b = await holdFixture(t.db, 'B', { patrons: 1 })
    slugA = a.slug
    slugB = b.slug
    // Rules A: p1 has no password yet (self-registration); rules B: p1 has one.
    await t.db
      .updateTable('patron')
      .set({ password_hash: null })
      .where('id', '=', a.patrons.p1!)
      .execute()
    await t.db
      .updateTable('patron')
      .set({ password_hash: await hashPassword('oldpass1', 'development-only-password_pepper') })
      .where('id', '=', b.patrons.p1!)
      .execute()
    const card = async (id: number) =>
      (
        await t.db
          .selectFrom('patron')
          .select('card_number')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).card_number
    cardA = await card(a.patrons.p1!)
    cardB = await card(b.patrons.p1!)
    app = await startTestServer(t.db)
  })
  after(() => app.close())

  const REASONS = {
    card: '利用者カードの番号はパスワードにできません',
    birth: '生年月日',
    repeated: '同じ文字を並べただけのパスワード',
  }

  it('rules A, 新規パスワード登録: card number, birth date, repeated character', async () => {
    const c = new FormClient(app.baseUrl)
    const identity = await c.submit(await c.get(`/${slugA}/password/register`), {
      card: cardA,
      fullName: 'p1',
      birth: '1980-05-01',
    })
    expect(identity.status).to.equal(303)
    const form = await c.follow(identity)
    expect(form.status).to.equal(200)
    for (const [password, reason] of [
      [cardA, REASONS.card],
      ['19800501', REASONS.birth],
      ['800501', REASONS.birth],
      ['0501', REASONS.birth],
      ['7777', REASONS.repeated],
    ] as const) {
      const res = await c.submit(form, { password, confirmation: password })
      expect(res.status, password).to.equal(400)
      expect(textOf(res.text), password).to.include(reason)
    }
    const ok = await c.submit(form, { password: 'kuma2026', confirmation: 'kuma2026' })
    expect(ok.status).to.equal(303)
  })

  it('rules B, パスワード変更: card number, birth date, repeated character', async () => {
    const c = new FormClient(app.baseUrl)
    const form = await c.get(`/${slugB}/password/change`)
    for (const [password, reason] of [
      [cardB, REASONS.card],
      ['19800501', REASONS.birth],
      ['aaaaaaaa', REASONS.repeated],
    ] as const) {
      const res = await c.submit(form, {
        card: cardB,
        current: 'oldpass1',
        password,
        confirmation: password,
      })
      expect(res.status, password).to.equal(400)
      expect(textOf(res.text), password).to.include(reason)
    }
  })
})
