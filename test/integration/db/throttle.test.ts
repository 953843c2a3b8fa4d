// Login throttling against a real database with a fixed, movable clock: per-card lock after
// loginMaxFailures failures in the window, per-address budget, window restart, reset on
// success, and counting that stays exact under concurrent failures.
import { expect } from 'chai'
import type { Clock } from '../../../server/clock.ts'
import { loadConfig } from '../../../server/config.ts'
import { storedSubject, throttleRepository } from '../../../server/db/throttle-repository.ts'
import type { ThrottleRepository } from '../../../server/db/throttle-repository.ts'
import { throttleService } from '../../../server/services/throttle-service.ts'
import type { ThrottleService } from '../../../server/services/throttle-service.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'

const START = Date.parse('2026-11-23T01:00:00Z')

function movableClock(): Clock & { advance(minutes: number): void; set(iso: string): void } {
  let at = START
  return {
    now: () => new Date(at),
    advance(minutes) {
      at += minutes * 60_000
    },
    set(iso) {
      at = Date.parse(iso)
    },
  }
}

// The defaults: 5 failures per card, 30 per address, 15-minute window, 15-minute lock.
const config = loadConfig({ NODE_ENV: 'test' })
const CARD = '1:20260001'
const WINDOW = { windowMinutes: config.loginWindowMinutes }

describe('throttle', () => {
  let t: TestDatabase
  let repo: ThrottleRepository
  let clock: ReturnType<typeof movableClock>
  let throttle: ThrottleService

  before(async () => {
    t = await createTestDatabase({ prefix: 'thr' })
    repo = throttleRepository(t.db)
  })
  after(async () => {
    await t.db.destroy()
  })
  beforeEach(async () => {
    await t.db.deleteFrom('throttle').execute()
    clock = movableClock()
    throttle = throttleService(repo, config, clock)
  })

  async function failTimes(n: number, scope: 'login' | 'address' | 'verify', subject: string) {
    for (let i = 0; i < n; i++) await throttle.fail(scope, subject)
  }

  it('uses the configured defaults', () => {
    expect(config).to.include({
      loginMaxFailures: 5,
      loginWindowMinutes: 15,
      loginLockMinutes: 15,
      addressMaxFailures: 30,
    })
  })

  it('allows 4 failures, locks on the 5th for 15 minutes, then unlocks', async () => {
    expect(await throttle.check('login', CARD)).to.deep.equal({ ok: true })
    await failTimes(4, 'login', CARD)
    expect(await throttle.check('login', CARD)).to.deep.equal({ ok: true })
    expect(await repo.status('login', CARD, clock.now(), WINDOW)).to.deep.equal({
      locked: false,
      failures: 4,
    })

    clock.advance(1)
    const fifth = await throttle.fail('login', CARD)
    const until = new Date('2026-11-23T01:16:00Z')
    expect(fifth).to.deep.equal({ ok: false, until })
    expect(await throttle.check('login', CARD)).to.deep.equal({ ok: false, until })

    clock.set('2026-11-23T01:15:59Z')
    expect(await throttle.check('login', CARD)).to.deep.equal({ ok: false, until })
    clock.set('2026-11-23T01:16:00Z')
    expect(await throttle.check('login', CARD)).to.deep.equal({ ok: true })
    expect((await repo.status('login', CARD, clock.now(), WINDOW)).failures).to.equal(0)
  })

  it('starts counting afresh after a lock has ended', async () => {
    await failTimes(5, 'login', CARD)
    clock.advance(15)
    expect(await throttle.fail('login', CARD)).to.deep.equal({ ok: true })
    expect((await repo.status('login', CARD, clock.now(), WINDOW)).failures).to.equal(1)
    await failTimes(3, 'login', CARD)
    expect(await throttle.check('login', CARD)).to.deep.equal({ ok: true })
    expect((await throttle.fail('login', CARD)).ok).to.equal(false)
  })

  it('failures while locked do not extend the lock', async () => {
    await failTimes(5, 'login', CARD)
    clock.advance(10)
    await failTimes(3, 'login', CARD)
    expect(await throttle.check('login', CARD)).to.deep.equal({
      ok: false,
      until: new Date('2026-11-23T01:15:00Z'),
    })
  })

  it('counts failures within the window even when spread out', async () => {
    await failTimes(3, 'login', CARD)
    clock.advance(14)
    await failTimes(1, 'login', CARD)
    expect(await throttle.check('login', CARD)).to.deep.equal({ ok: true })
    expect((await throttle.fail('login', CARD)).ok).to.equal(false)
  })

  it('restarts the window at 1 when a failure comes 15 minutes after the window began', async () => {
    await failTimes(4, 'login', CARD)
    clock.advance(15)
    expect((await repo.status('login', CARD, clock.now(), WINDOW)).failures).to.equal(0)
    await throttle.fail('login', CARD)
    expect((await repo.status('login', CARD, clock.now(), WINDOW)).failures).to.equal(1)
    const row = await t.db.selectFrom('throttle').selectAll().executeTakeFirstOrThrow()
    expect(row).to.include({ window_start: '2026-11-23 01:15:00', failures: 1, locked_until: null })
    await failTimes(3, 'login', CARD)
    expect(await throttle.check('login', CARD)).to.deep.equal({ ok: true })
    expect((await throttle.fail('login', CARD)).ok).to.equal(false)
  })

  it('a success resets the card', async () => {
    await failTimes(4, 'login', CARD)
    await throttle.succeed('login', CARD)
    expect((await repo.status('login', CARD, clock.now(), WINDOW)).failures).to.equal(0)
    await failTimes(4, 'login', CARD)
    expect(await throttle.check('login', CARD)).to.deep.equal({ ok: true })
  })

  it('keeps scopes and subjects apart; the address limit is addressMaxFailures', async () => {
    const address = '203.0.113.9'
    for (let card = 0; card < 29; card++) {
      await throttle.fail('login', `1:${1000 + card}`)
      await throttle.fail('address', address)
    }
    expect(await throttle.check('address', address)).to.deep.equal({ ok: true })
    expect(await throttle.check('address', '203.0.113.10')).to.deep.equal({ ok: true })
    expect(await throttle.check('login', '1:1000')).to.deep.equal({ ok: true })
    expect((await throttle.fail('address', address)).ok).to.equal(false)
    // 'verify' and 'login' count separately for the same card.
    await failTimes(5, 'verify', CARD)
    expect((await throttle.check('verify', CARD)).ok).to.equal(false)
    expect((await throttle.check('login', CARD)).ok).to.equal(true)
  })

  it('allows requests up to the limit in a window, this one included, then refuses', async () => {
    for (let i = 1; i <= 3; i++) {
      expect(await throttle.allow('mail_patron', '1:42', 3, 60), `request ${i}`).to.equal(true)
    }
    expect(await throttle.allow('mail_patron', '1:42', 3, 60)).to.equal(false)
    expect(await throttle.allow('mail_patron', '1:43', 3, 60)).to.equal(true)
    clock.advance(61)
    expect(await throttle.allow('mail_patron', '1:42', 3, 60)).to.equal(true)
  })

  it('purges login counters after their window and mail counters only after a day', async () => {
    await throttle.fail('login', CARD)
    await throttle.allow('mail_address', 'a@example.jp', 5, 24 * 60)
    clock.advance(config.loginWindowMinutes + 1)
    expect(await throttle.purge()).to.equal(1)
    const left = await t.db.selectFrom('throttle').select('scope').execute()
    expect(left.map((r) => r.scope)).to.deep.equal(['mail_address'])
    clock.advance(23 * 60)
    expect(await throttle.purge()).to.equal(0)
    clock.advance(60)
    expect(await throttle.purge()).to.equal(1)
  })

  it('counts every one of 10 concurrent failures', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        repo.recordFailure('address', '198.51.100.1', clock.now(), {
          limit: 100,
          windowMinutes: 15,
          lockMinutes: 15,
        }),
      ),
    )
    expect(results).to.have.length(10)
    expect(await repo.status('address', '198.51.100.1', clock.now(), WINDOW)).to.deep.equal({
      locked: false,
      failures: 10,
    })
    // Through the service (limit 5): all counted, and the card ends up locked.
    await Promise.all(Array.from({ length: 10 }, () => throttle.fail('login', CARD)))
    const status = await repo.status('login', CARD, clock.now(), WINDOW)
    expect(status).to.deep.include({ locked: true, failures: 10 })
  })

  it('locks at once when the limit is 1', async () => {
    const strict = throttleService(repo, { ...config, loginMaxFailures: 1 }, clock)
    expect((await strict.fail('login', CARD)).ok).to.equal(false)
  })

  it('stores subjects that are not short ASCII as a hash', async () => {
    const odd = '1:１２３４５' // full-width digits, never normalised
    expect(storedSubject(odd)).to.match(/^#[A-Za-z0-9_-]{43}$/)
    expect(storedSubject('2001:db8::1')).to.equal('2001:db8::1')
    await failTimes(5, 'login', odd)
    expect((await throttle.check('login', odd)).ok).to.equal(false)
    expect((await throttle.check('login', '1:12345')).ok).to.equal(true)
  })

  it('purge deletes finished counters and keeps live ones and locks', async () => {
    await failTimes(2, 'login', '1:old')
    await failTimes(5, 'login', '1:locked')
    clock.advance(14)
    await failTimes(1, 'login', '1:recent')
    clock.advance(2) // old: window over; locked: lock over at +15; recent: window still open
    expect(await throttle.purge()).to.equal(2)
    expect((await repo.status('login', '1:recent', clock.now(), WINDOW)).failures).to.equal(1)
  })
})
