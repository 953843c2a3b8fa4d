// MysqlSessionStore against a real throw-away database: the express-session store contract
// (get/set/touch/destroy), expiry, purging, and two instances sharing one table.
import { expect } from 'chai'
import type { SessionData } from 'express-session'
import type { Clock } from '../../../server/clock.ts'
import { createDb } from '../../../server/db/database.ts'
import type { Db } from '../../../server/db/database.ts'
import { utcDateTime as toDbDateTime } from '../../../server/clock.ts'
import { MysqlSessionStore } from '../../../server/db/session-store.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'

const START = Date.parse('2026-11-23T01:00:00Z')

function movableClock(): Clock & { advance(minutes: number): void } {
  let at = START
  return {
    now: () => new Date(at),
    advance(minutes) {
      at += minutes * 60_000
    },
  }
}

/** Session data as express-session hands it to a store (cookie.expires is a Date). */
function sessionData(fields: Record<string, unknown>, expires?: Date): SessionData {
  return {
    cookie: { originalMaxAge: 1_800_000, expires, httpOnly: true, path: '/' },
    ...fields,
  } as unknown as SessionData
}

function get(store: MysqlSessionStore, sid: string): Promise<SessionData | null | undefined> {
  return new Promise((resolve, reject) =>
    store.get(sid, (err, data) => (err ? reject(err as Error) : resolve(data))),
  )
}
function set(store: MysqlSessionStore, sid: string, data: SessionData): Promise<void> {
  return new Promise((resolve, reject) =>
    store.set(sid, data, (err) => (err ? reject(err as Error) : resolve())),
  )
}
function touch(store: MysqlSessionStore, sid: string, data: SessionData): Promise<void> {
  return new Promise((resolve, reject) =>
    store.touch(sid, data, (err?: unknown) => (err ? reject(err as Error) : resolve())),
  )
}
function destroy(store: MysqlSessionStore, sid: string): Promise<void> {
  return new Promise((resolve, reject) =>
    store.destroy(sid, (err) => (err ? reject(err as Error) : resolve())),
  )
}

async function row(db: Db, sid: string) {
  return db.selectFrom('session').selectAll().where('sid', '=', sid).executeTakeFirst()
}

const minutes = (n: number) => new Date(START + n * 60_000)

describe('MysqlSessionStore', () => {
  let t: TestDatabase
  before(async () => {
    t = await createTestDatabase({ prefix: 'sess' })
  })
  after(async () => {
    await t.db.destroy()
  })
  beforeEach(async () => {
    await t.db.deleteFrom('session').execute()
  })

  it('stores and reads back a session, with expires_at from the cookie (UTC)', async () => {
    const store = new MysqlSessionStore(t.db, { ttlSeconds: 1800, clock: movableClock() })
    await set(store, 'abc', sessionData({ patronId: 7, cardNumber: '0123' }, minutes(30)))
    const data = await get(store, 'abc')
    expect(data).to.include({ patronId: 7, cardNumber: '0123' })
    // JSON turns the Date into a string; express-session's createSession turns it back.
    expect(data?.cookie.expires).to.equal('2026-11-23T01:30:00.000Z')
    expect((await row(t.db, 'abc'))?.expires_at).to.equal('2026-11-23 01:30:00')
  })

  it('uses now + ttl when the cookie has no expiry', async () => {
    const store = new MysqlSessionStore(t.db, { ttlSeconds: 600, clock: movableClock() })
    await set(store, 'nocookie', sessionData({ flash: 'x' }))
    expect((await row(t.db, 'nocookie'))?.expires_at).to.equal('2026-11-23 01:10:00')
  })

  it('answers null for unknown ids and replaces data on a second set (upsert)', async () => {
    const store = new MysqlSessionStore(t.db, { ttlSeconds: 1800, clock: movableClock() })
    expect(await get(store, 'nobody')).to.equal(null)
    await set(store, 'up', sessionData({ patronId: 1 }, minutes(30)))
    await set(store, 'up', sessionData({ patronId: 2, flash: '保存しました' }, minutes(45)))
    expect(await get(store, 'up')).to.include({ patronId: 2, flash: '保存しました' })
    expect((await row(t.db, 'up'))?.expires_at).to.equal('2026-11-23 01:45:00')
    const count = await t.db.selectFrom('session').select((eb) => eb.fn.countAll().as('n'))
    expect(Number((await count.executeTakeFirstOrThrow()).n)).to.equal(1)
  })

  it('ignores expired rows', async () => {
    const clock = movableClock()
    const store = new MysqlSessionStore(t.db, { ttlSeconds: 1800, clock })
    await set(store, 'old', sessionData({ patronId: 3 }, minutes(30)))
    clock.advance(29)
    expect(await get(store, 'old')).to.include({ patronId: 3 })
    clock.advance(1) // exactly at expires_at: gone
    expect(await get(store, 'old')).to.equal(null)
    expect(await row(t.db, 'old')).to.not.equal(undefined) // still there until purged
  })

  it('touch moves expires_at and leaves the data alone', async () => {
    const clock = movableClock()
    const store = new MysqlSessionStore(t.db, { ttlSeconds: 1800, clock })
    await set(store, 'tt', sessionData({ patronId: 4 }, minutes(30)))
    clock.advance(20)
    await touch(store, 'tt', sessionData({ patronId: 999 }, minutes(50)))
    const stored = await row(t.db, 'tt')
    expect(stored?.expires_at).to.equal('2026-11-23 01:50:00')
    expect(JSON.parse(stored?.data ?? '{}')).to.include({ patronId: 4 })
    clock.advance(29)
    expect(await get(store, 'tt')).to.include({ patronId: 4 })
  })

  it('touch does not revive an expired row', async () => {
    const clock = movableClock()
    const store = new MysqlSessionStore(t.db, { ttlSeconds: 1800, clock })
    await set(store, 'dead', sessionData({ patronId: 5 }, minutes(30)))
    clock.advance(31)
    await touch(store, 'dead', sessionData({ patronId: 5 }, minutes(61)))
    expect((await row(t.db, 'dead'))?.expires_at).to.equal('2026-11-23 01:30:00')
    expect(await get(store, 'dead')).to.equal(null)
  })

  it('destroy deletes the row', async () => {
    const store = new MysqlSessionStore(t.db, { ttlSeconds: 1800, clock: movableClock() })
    await set(store, 'gone', sessionData({ patronId: 6 }, minutes(30)))
    await destroy(store, 'gone')
    expect(await row(t.db, 'gone')).to.equal(undefined)
    expect(await get(store, 'gone')).to.equal(null)
    await destroy(store, 'gone') // destroying twice is fine
  })

  it('treats a corrupt row as no session', async () => {
    const store = new MysqlSessionStore(t.db, { ttlSeconds: 1800, clock: movableClock() })
    await t.db
      .insertInto('session')
      .values([
        { sid: 'bad1', expires_at: toDbDateTime(minutes(30)), data: '{not json' },
        { sid: 'bad2', expires_at: toDbDateTime(minutes(30)), data: '{"patronId":1}' },
      ])
      .execute()
    expect(await get(store, 'bad1')).to.equal(null)
    expect(await get(store, 'bad2')).to.equal(null)
  })

  it('purgeExpired deletes expired rows in batches and keeps live ones', async () => {
    const clock = movableClock()
    const store = new MysqlSessionStore(t.db, { ttlSeconds: 1800, clock })
    const expired = Array.from({ length: 2300 }, (_, i) => ({
      sid: `e${i}`,
      expires_at: toDbDateTime(minutes(-1 - (i % 60))),
      data: '{"cookie":{}}',
    }))
    for (let i = 0; i < expired.length; i += 500) {
      await t.db
        .insertInto('session')
        .values(expired.slice(i, i + 500))
        .execute()
    }
    await set(store, 'live', sessionData({ patronId: 8 }, minutes(30)))
    expect(await store.purgeExpired()).to.equal(2300)
    expect(await store.purgeExpired()).to.equal(0)
    expect(await get(store, 'live')).to.include({ patronId: 8 })
  })

  it('lets two store instances (two app processes) share sessions', async () => {
    const other = createDb(t.url, 2)
    try {
      const a = new MysqlSessionStore(t.db, { ttlSeconds: 1800, clock: movableClock() })
      const b = new MysqlSessionStore(other, { ttlSeconds: 1800, clock: movableClock() })
      await set(a, 'shared', sessionData({ patronId: 9 }, minutes(30)))
      expect(await get(b, 'shared')).to.include({ patronId: 9 })
      await set(b, 'shared', sessionData({ patronId: 9, flash: 'b' }, minutes(30)))
      expect(await get(a, 'shared')).to.include({ flash: 'b' })
      await destroy(b, 'shared')
      expect(await get(a, 'shared')).to.equal(null)
    } finally {
      await other.destroy()
    }
  })

  it('passes database errors to the callback', async () => {
    const down = createDb('mysql://root@127.0.0.1:1/opac_nowhere', 1)
    try {
      const store = new MysqlSessionStore(down, { ttlSeconds: 1800, clock: movableClock() })
      const err = await get(store, 'x').then(
        () => undefined,
        (e: unknown) => e,
      )
      expect((err as { code?: string } | undefined)?.code).to.equal('ECONNREFUSED')
      const setErr = await set(store, 'x', sessionData({}, minutes(30))).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(setErr).to.be.instanceOf(Error)
    } finally {
      await down.destroy()
    }
  })
})
