// withNamedLock on a real MariaDB/MySQL: while one holder runs, a second holder of the same
// name is told "busy" (or waits when asked to), the lock is released after success and
// failure alike, and the same name in two databases on one server are two different locks.
import { expect } from 'chai'
import { lockName, withNamedLock } from '../../../server/db/named-lock.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire: () => void = () => undefined
  const promise = new Promise<void>((resolve) => (fire = resolve))
  return { promise, fire }
}

describe('withNamedLock', function () {
  this.timeout(30_000)
  let one: TestDatabase
  let two: TestDatabase

  before(async () => {
    one = await createTestDatabase({ prefix: 'lock' })
    two = await createTestDatabase({ prefix: 'lock' })
  })

  it('names locks by database and name, within MySQL’s 64 characters', () => {
    expect(lockName('opac', 'job:session-purge')).to.equal('opac:opac:job:session-purge')
    expect(lockName('opac_a', 'job:x')).to.not.equal(lockName('opac_b', 'job:x'))
    const long = lockName('a'.repeat(64), 'job:hold-approval')
    expect(long).to.match(/^opac:[0-9a-f]{40}$/)
    expect(long).to.not.equal(lockName('b'.repeat(64), 'job:hold-approval'))
    expect(lockName('x'.repeat(64), 'y')).to.have.length.at.most(64)
  })

  it('runs the work and returns its result', async () => {
    const outcome = await withNamedLock(one.db, 'plain', async () => 42)
    expect(outcome).to.deep.equal({ ok: true, value: 42 })
  })

  it('reports busy to a second holder without running its work while the first runs', async () => {
    const started = signal()
    const finish = signal()
    const first = withNamedLock(one.db, 'job:busy', async () => {
      started.fire()
      await finish.promise
      return 'first'
    })
    await started.promise
    let ran = false
    const second = await withNamedLock(one.db, 'job:busy', async () => {
      ran = true
    })
    expect(second).to.deep.equal({ ok: false, reason: 'busy' })
    expect(ran).to.equal(false)
    finish.fire()
    expect(await first).to.deep.equal({ ok: true, value: 'first' })
    // Released: the next holder gets it.
    expect(await withNamedLock(one.db, 'job:busy', async () => 'third')).to.deep.equal({
      ok: true,
      value: 'third',
    })
  })

  it('lets a second holder wait up to waitSeconds for the first', async () => {
    const started = signal()
    const order: string[] = []
    const first = withNamedLock(one.db, 'job:wait', async () => {
      started.fire()
      await new Promise((resolve) => setTimeout(resolve, 300))
      order.push('first')
    })
    await started.promise
    const second = await withNamedLock(
      one.db,
      'job:wait',
      async () => {
        order.push('second')
        return 2
      },
      { waitSeconds: 10 },
    )
    await first
    expect(second).to.deep.equal({ ok: true, value: 2 })
    expect(order).to.deep.equal(['first', 'second'])
  })

  it('releases the lock when the work fails, and passes the error on', async () => {
    let caught: unknown
    try {
      await withNamedLock(one.db, 'job:fails', async () => {
        throw new Error('work failed')
      })
    } catch (error) {
      caught = error
    }
    expect((caught as Error).message).to.equal('work failed')
    expect(await withNamedLock(one.db, 'job:fails', async () => 'again')).to.deep.equal({
      ok: true,
      value: 'again',
    })
  })

  it('keeps the same name in two databases on one server apart', async () => {
    const started = signal()
    const finish = signal()
    const first = withNamedLock(one.db, 'job:shared-name', async () => {
      started.fire()
      await finish.promise
    })
    await started.promise
    const other = await withNamedLock(two.db, 'job:shared-name', async () => 'other database')
    finish.fire()
    await first
    expect(other).to.deep.equal({ ok: true, value: 'other database' })
  })
})
