// /healthz for load balancers: 200 only while the database answers and the process is
// not shutting down.
import type { RequestHandler } from 'express'
import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import type { Lifecycle } from '../deps.ts'

const TIMEOUT_MS = 2000

export function healthGet(db: Db, lifecycle: Lifecycle): RequestHandler {
  return async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store')
    res.type('text/plain; charset=utf-8')
    if (lifecycle.draining || !lifecycle.ready) {
      res.status(503).send(lifecycle.draining ? 'shutting down\n' : 'starting\n')
      return
    }
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), TIMEOUT_MS)
    })
    try {
      await Promise.race([sql`SELECT 1`.execute(db), timeout])
      res.status(200).send('ok\n')
    } catch {
      res.status(503).send('database unreachable\n')
    } finally {
      clearTimeout(timer)
    }
  }
}
