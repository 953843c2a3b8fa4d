// chain(): the handlers of a mount run in order as one; an error — passed to next, thrown, or
// a rejected promise — leaves the chain for the error handler, and the rest do not run.
import { expect } from 'chai'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { chain } from '../../../server/middleware/chain.ts'

const req = {} as Request
const res = {} as Response

/** Runs a chain and resolves with what it passed on (undefined: it went on to the next). */
function run(handler: RequestHandler): Promise<unknown> {
  return new Promise((resolve) => {
    const done: NextFunction = (err?: unknown) => resolve(err)
    void handler(req, res, done)
  })
}

describe('chain', () => {
  it('runs the handlers in order, each after the one before calls next, then goes on', async () => {
    const ran: string[] = []
    const step =
      (name: string): RequestHandler =>
      (_q, _s, next) => {
        ran.push(name)
        next()
      }
    const asyncStep: RequestHandler = async (_q, _s, next) => {
      await new Promise((r) => setTimeout(r, 5))
      ran.push('async')
      next()
    }
    const chained = chain(step('a'), asyncStep, step('b'))
    expect(await run(chained)).to.equal(undefined)
    expect(ran).to.deep.equal(['a', 'async', 'b'])
    expect(chained.handlers).to.have.length(3)
  })

  it('stops at a handler that answers without calling next', async () => {
    const ran: string[] = []
    let finished = false
    const chained = chain(
      (_q, _s, next) => {
        ran.push('a')
        next()
      },
      () => {
        ran.push('answer')
        finished = true
      },
      () => ran.push('never'),
    )
    let wentOn = false
    chained(req, res, () => (wentOn = true))
    await new Promise((r) => setTimeout(r, 10))
    expect({ ran, finished, wentOn }).to.deep.equal({
      ran: ['a', 'answer'],
      finished: true,
      wentOn: false,
    })
  })

  for (const [how, failing] of [
    ['passed to next', ((_q, _s, next) => next(new Error('boom'))) as RequestHandler],
    [
      'thrown',
      (() => {
        throw new Error('boom')
      }) as RequestHandler,
    ],
    [
      'a rejected promise',
      (async () => {
        await Promise.resolve()
        throw new Error('boom')
      }) as RequestHandler,
    ],
  ] as const) {
    it(`leaves the chain with an error ${how}, running nothing after it`, async () => {
      let after = false
      const err = await run(chain(failing, () => (after = true)))
      expect(err).to.be.instanceOf(Error).with.property('message', 'boom')
      expect(after).to.equal(false)
    })
  }

  it("passes 'route' / 'router' on as Express's own stack would", async () => {
    expect(await run(chain((_q, _s, next) => next('router')))).to.equal('router')
  })
})
