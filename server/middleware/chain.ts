// Several middleware run as one: a mount point whose handlers run in turn for every request
// under it costs Express's router a match of the path (and of its parameters) per handler;
// as one handler it is matched once. Errors and rejected promises go on to the next error
// handler, as Express does for each handler itself.
import type { NextFunction, Request, RequestHandler, Response } from 'express'

export type Chain = RequestHandler & {
  /** The handlers, in order (the wiring tests find the routers mounted here). */
  readonly handlers: readonly RequestHandler[]
}

export function chain(...handlers: RequestHandler[]): Chain {
  const steps = Object.freeze([...handlers])
  return Object.assign(
    (req: Request, res: Response, done: NextFunction) => {
      runFrom(steps, 0, req, res, done)
    },
    { handlers: steps },
  )
}

// (Module-level, and the `next` it passes is an anonymous argument: a closure given a name
// would be renamed by the TypeScript loader on every request, which costs more than the call.)
function runFrom(
  handlers: readonly RequestHandler[],
  at: number,
  req: Request,
  res: Response,
  done: NextFunction,
): void {
  const handler = handlers[at]
  if (!handler) {
    done()
    return
  }
  try {
    const result: unknown = handler(req, res, (err?: unknown) => {
      // 'route' / 'router' and errors leave the chain, as they would leave Express's stack.
      if (err !== undefined && err !== null) done(err)
      else runFrom(handlers, at + 1, req, res, done)
    })
    if (result instanceof Promise) {
      result.catch((error: unknown) => {
        done(error ?? new Error('Rejected promise'))
      })
    }
  } catch (error) {
    done(error)
  }
}
