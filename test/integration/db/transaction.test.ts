// inTransaction on a real MariaDB/MySQL: a real deadlock between two connections is retried
// and both units of work end up done; a lock-wait timeout is retried; other errors are not;
// the last attempt's error propagates; the isolation level is the one asked for.
import { expect } from 'chai'
import { sql } from 'kysely'
import { createDb } from '../../../server/db/database.ts'
import type { Db } from '../../../server/db/database.ts'
import {
  backoffDelay,
  inTransaction,
  isRetryableLockError,
} from '../../../server/db/transaction.ts'
import type { Trx } from '../../../server/db/transaction.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'

/** Resolves for everybody once `parties` callers are waiting. */
function barrier(parties: number): () => Promise<void> {
  let waiting = 0
  let release: () => void = () => undefined
  const all = new Promise<void>((resolve) => (release = resolve))
  return () => {
    waiting += 1
    if (waiting === parties) release()
    return all
  }
}

async function counts(db: Db | Trx): Promise<Record<number, number>> {
  const { rows } = await sql<{ id: number; n: number }>`SELECT id, n FROM tx_probe`.execute(db)
  return Object.fromEntries(rows.map((r) => [r.id, r.n]))
}

const deadlock = () =>
  Object.assign(new Error('Deadlock found when trying to get lock'), {
    errno: 1213,
    code: 'ER_LOCK_DEADLOCK',
  })

describe('inTransaction', function () {
  this.timeout(60_000)
  let test: TestDatabase
  let db: Db

  before(async () => {
    test = await createTestDatabase({ prefix: 'tx' })
    db = test.db
    await sql`CREATE TABLE tx_probe (id INT NOT NULL PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB`.execute(
      db,
    )
  })
  beforeEach(async () => {
    await sql`DELETE FROM tx_probe`.execute(db)
    await sql`INSERT INTO tx_probe (id, n) VALUES (1, 0), (2, 0)`.execute(db)
  })

  it('tells deadlocks and lock-wait timeouts from other errors', () => {
    expect(isRetryableLockError(deadlock())).to.equal(true)
    expect(isRetryableLockError({ errno: 1205 })).to.equal(true)
    expect(isRetryableLockError({ code: 'ER_LOCK_WAIT_TIMEOUT' })).to.equal(true)
    expect(isRetryableLockError({ errno: 1062, code: 'ER_DUP_ENTRY' })).to.equal(false)
    expect(isRetryableLockError(new Error('boom'))).to.equal(false)
    expect(isRetryableLockError(null)).to.equal(false)
  })

  it('backs off by a random time that grows with each retry, capped', () => {
    expect(backoffDelay(1, 20, () => 0.999)).to.equal(20)
    expect(backoffDelay(3, 20, () => 0.5)).to.equal(40)
    expect(backoffDelay(1, 20, () => 0)).to.equal(0)
    expect(backoffDelay(20, 20, () => 0.999)).to.equal(999)
  })

  it('commits the work and returns its result', async () => {
    const result = await inTransaction(db, async (trx) => {
      await sql`UPDATE tx_probe SET n = 5 WHERE id = 1`.execute(trx)
      return 'done'
    })
    expect(result).to.equal('done')
    expect(await counts(db)).to.deep.equal({ 1: 5, 2: 0 })
  })

  it('retries the victim of a real deadlock between two connections; both end up done', async () => {
    const bothHoldOneRow = barrier(2)
    const attempts = { a: 0, b: 0 }
    const retries: unknown[] = []
    // a locks row 1 then wants row 2; b locks row 2 then wants row 1.
    const crossing = (name: 'a' | 'b', first: number, second: number) =>
      inTransaction(
        db,
        async (trx) => {
          attempts[name] += 1
          await sql`UPDATE tx_probe SET n = n + 1 WHERE id = ${first}`.execute(trx)
          if (attempts[name] === 1) await bothHoldOneRow()
          await sql`UPDATE tx_probe SET n = n + 1 WHERE id = ${second}`.execute(trx)
          return attempts[name]
        },
        { onRetry: ({ error }) => retries.push(error) },
      )
    const [a, b] = await Promise.all([crossing('a', 1, 2), crossing('b', 2, 1)])
    expect(retries).to.have.length(1)
    expect((retries[0] as { errno?: number }).errno).to.equal(1213)
    expect([a, b].sort()).to.deep.equal([1, 2]) // the victim ran twice, the other once
    expect(await counts(db)).to.deep.equal({ 1: 2, 2: 2 }) // each did its work exactly once
  })

  it('retries after a lock-wait timeout', async () => {
    const own = createDb(test.url, 2) // its connections get a short lock-wait timeout
    try {
      let holding: () => void = () => undefined
      const held = new Promise<void>((resolve) => (holding = resolve))
      const holder = inTransaction(own, async (trx) => {
        await sql`SELECT n FROM tx_probe WHERE id = 1 FOR UPDATE`.execute(trx)
        holding()
        await new Promise((resolve) => setTimeout(resolve, 1500))
      })
      await held
      const retries: unknown[] = []
      await inTransaction(
        own,
        async (trx) => {
          await sql`SET SESSION innodb_lock_wait_timeout = 1`.execute(trx)
          await sql`UPDATE tx_probe SET n = n + 1 WHERE id = 1`.execute(trx)
        },
        { attempts: 6, onRetry: ({ error }) => retries.push(error) },
      )
      await holder
      expect(retries.length).to.be.at.least(1)
      expect((retries[0] as { errno?: number }).errno).to.equal(1205)
      expect(await counts(db)).to.deep.equal({ 1: 1, 2: 0 })
    } finally {
      await own.destroy()
    }
  })

  it('does not retry other errors, and rolls the attempt back', async () => {
    let attempts = 0
    let caught: unknown
    try {
      await inTransaction(db, async (trx) => {
        attempts += 1
        await sql`UPDATE tx_probe SET n = 9 WHERE id = 2`.execute(trx)
        await sql`INSERT INTO tx_probe (id, n) VALUES (1, 0)`.execute(trx) // duplicate key
      })
    } catch (error) {
      caught = error
    }
    expect(attempts).to.equal(1)
    expect((caught as { errno?: number }).errno).to.equal(1062)
    expect(await counts(db)).to.deep.equal({ 1: 0, 2: 0 })
  })

  it('gives up after the last attempt with the locking error, having rolled each back', async () => {
    let attempts = 0
    let caught: unknown
    try {
      await inTransaction(
        db,
        async (trx) => {
          attempts += 1
          await sql`UPDATE tx_probe SET n = n + 1 WHERE id = 1`.execute(trx)
          throw deadlock()
        },
        { attempts: 3, backoffMs: 1 },
      )
    } catch (error) {
      caught = error
    }
    expect(attempts).to.equal(3)
    expect((caught as { errno?: number }).errno).to.equal(1213)
    expect(await counts(db)).to.deep.equal({ 1: 0, 2: 0 })
  })

  it('runs a unit given a transaction inside that transaction, without retries of its own', async () => {
    let inner = 0
    let caught: unknown
    try {
      await inTransaction(
        db,
        async (trx) => {
          await inTransaction(trx, async (same) => {
            inner += 1
            expect(same).to.equal(trx)
            await sql`UPDATE tx_probe SET n = 3 WHERE id = 1`.execute(same)
          })
          throw new Error('outer fails')
        },
        { attempts: 3 },
      )
    } catch (error) {
      caught = error
    }
    expect(inner).to.equal(1)
    expect((caught as Error).message).to.equal('outer fails')
    expect(await counts(db)).to.deep.equal({ 1: 0, 2: 0 }) // rolled back with the outer unit
  })

  it('runs at the isolation level asked for', async () => {
    // Under READ COMMITTED a second read sees a row committed meanwhile; under the default
    // REPEATABLE READ it does not.
    const readTwice = (isolationLevel?: 'read committed') =>
      inTransaction(
        db,
        async (trx) => {
          const before = (await counts(trx))[1]
          await sql`UPDATE tx_probe SET n = n + 10 WHERE id = 1`.execute(db) // another connection
          const after = (await counts(trx))[1]
          return { before, after }
        },
        isolationLevel ? { isolationLevel } : {},
      )
    expect(await readTwice()).to.deep.equal({ before: 0, after: 0 })
    expect(await readTwice('read committed')).to.deep.equal({ before: 10, after: 20 })
  })
})
