// Lockout under bursts (issue 9, item 1): the attempt is reserved atomically before the
// password (or identity) is verified, so however many guesses arrive at once, at most the
// limit is ever verified and the right password sent after them is refused.
import { expect } from 'chai'
import { fixedClock } from '../../../server/clock.ts'
import { loadConfig } from '../../../server/config.ts'
import { patronRepository } from '../../../server/db/patron-repository.ts'
import { throttleRepository } from '../../../server/db/throttle-repository.ts'
import { authService } from '../../../server/services/auth-service.ts'
import type { AuthService, PasswordChecks } from '../../../server/services/auth-service.ts'
import {
  dummyVerify,
  hashPassword,
  verifyIdentity,
  verifyPassword,
} from '../../../server/services/password-service.ts'
import { throttleService } from '../../../server/services/throttle-service.ts'
import { holdFixture } from '../../helpers/hold-fixture.ts'
import type { FixtureLibrary } from '../../helpers/hold-fixture.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'

const PEPPER = 'test-pepper-for-auth-throttle'
const RIGHT = 'right1234'

describe('login throttle under parallel requests', function () {
  this.timeout(120_000)
  let t: TestDatabase
  let lib: FixtureLibrary
  let cards: string[]
  const config = loadConfig({ NODE_ENV: 'test' })
  let verified: number
  let auth: AuthService

  before(async () => {
    t = await createTestDatabase({ prefix: 'auththr' })
    lib = await holdFixture(t.db, 'A', { patrons: 40 })
    const hash = await hashPassword(RIGHT, PEPPER)
    await t.db.updateTable('patron').set({ password_hash: hash }).execute()
    const rows = await t.db
      .selectFrom('patron')
      .select('card_number')
      .where('library_id', '=', lib.library.id)
      .orderBy('id')
      .execute()
    cards = rows.map((r) => r.card_number)
  })
  after(async () => {
    await t.db.destroy()
  })
  beforeEach(async () => {
    await t.db.deleteFrom('throttle').execute()
    verified = 0
    // The real checks, counted: every call is one guess verified (or its dummy twin).
    const counted: PasswordChecks = {
      verify: (...args) => ((verified += 1), verifyPassword(...args)),
      dummy: (...args) => ((verified += 1), dummyVerify(...args)),
      identity: (...args) => ((verified += 1), verifyIdentity(...args)),
    }
    auth = authService({
      patrons: patronRepository(t.db),
      throttle: throttleService(
        throttleRepository(t.db),
        config,
        fixedClock('2026-11-23T01:00:00Z'),
      ),
      clock: fixedClock('2026-11-23T01:00:00Z'),
      pepper: PEPPER,
      passwords: counted,
    })
  })

  it('50 parallel wrong guesses for one card verify at most 5; the right password is then refused', async () => {
    const card = cards[0]!
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        auth.login(lib.library.id, lib.settings, {
          card,
          password: `wrong${i}`,
          address: '192.0.2.1',
        }),
      ),
    )
    expect(verified).to.be.at.most(config.loginMaxFailures)
    expect(outcomes.filter((o) => !o.ok && o.reason === 'invalid')).to.have.length(
      config.loginMaxFailures,
    )
    expect(outcomes.filter((o) => !o.ok && o.reason === 'locked')).to.have.length(
      50 - config.loginMaxFailures,
    )
    const right = await auth.login(lib.library.id, lib.settings, {
      card,
      password: RIGHT,
      address: '192.0.2.1',
    })
    expect(right).to.include({ ok: false, reason: 'locked' })
    expect(verified).to.be.at.most(config.loginMaxFailures)
  })

  it('a parallel spray over many cards from one address verifies at most the address limit', async () => {
    const outcomes = await Promise.all(
      cards.slice(0, 40).map((card) =>
        auth.login(lib.library.id, lib.settings, {
          card,
          password: 'spray1234',
          address: '192.0.2.2',
        }),
      ),
    )
    expect(verified).to.be.at.most(config.addressMaxFailures)
    expect(outcomes.filter((o) => !o.ok && o.reason === 'locked')).to.have.length(
      40 - config.addressMaxFailures,
    )
    // Another address is not affected.
    const other = await auth.login(lib.library.id, lib.settings, {
      card: cards[39]!,
      password: RIGHT,
      address: '192.0.2.3',
    })
    expect(other.ok).to.equal(true)
  })

  it('a success gives the address its attempt back and forgets the card', async () => {
    for (let i = 0; i < 3; i++) {
      const ok = await auth.login(lib.library.id, lib.settings, {
        card: cards[1]!,
        password: RIGHT,
        address: '192.0.2.4',
      })
      expect(ok.ok).to.equal(true)
    }
    const rows = await t.db.selectFrom('throttle').selectAll().execute()
    expect(rows.filter((r) => r.scope === 'login')).to.have.length(0)
    expect(rows.find((r) => r.scope === 'address')?.failures).to.equal(0)
  })

  it('50 parallel identity checks (新規パスワード登録) verify at most 5; the right one is then refused', async () => {
    const card = cards[2]!
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        auth.verifyIdentity(lib.library.id, lib.settings, {
          card,
          fullName: 'p3',
          birthDate: `1980-01-${String((i % 28) + 1).padStart(2, '0')}`,
          address: '192.0.2.5',
        }),
      ),
    )
    expect(verified).to.be.at.most(config.loginMaxFailures)
    expect(outcomes.filter((o) => !o.ok && o.reason === 'locked')).to.have.length(
      50 - config.loginMaxFailures,
    )
    const right = await auth.verifyIdentity(lib.library.id, lib.settings, {
      card,
      fullName: 'p3',
      birthDate: '1980-05-01',
      address: '192.0.2.5',
    })
    expect(right).to.include({ ok: false, reason: 'locked' })
  })
})
