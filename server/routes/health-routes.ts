// /healthz for load balancers: 200 only while the database answers and the process is
// not shutting down.
import type { RequestHandler } from 'express'
import type { HealthService } from '../services/health-service.ts'

const ANSWERS = {
  ok: [200, 'ok'],
  starting: [503, 'starting'],
  shutting_down: [503, 'shutting down'],
  database_unreachable: [503, 'database unreachable'],
} as const

export function healthGet(health: HealthService): RequestHandler {
  return async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store')
    res.type('text/plain; charset=utf-8')
    const [status, text] = ANSWERS[await health.check()]
    res.status(status).send(`${text}\n`)
  }
}
