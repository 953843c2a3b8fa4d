// Whether this process should get traffic (/healthz for load balancers): ready, not shutting
// down, and the database answers within a short time.
import type { Lifecycle } from '../lifecycle.ts'

export type Health = 'ok' | 'starting' | 'shutting_down' | 'database_unreachable'

const TIMEOUT_MS = 2000

export function healthService(deps: { ping: () => Promise<void>; lifecycle: Lifecycle }) {
  const { ping, lifecycle } = deps
  return {
    async check(timeoutMs = TIMEOUT_MS): Promise<Health> {
      if (lifecycle.draining) return 'shutting_down'
      if (!lifecycle.ready) return 'starting'
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs)
      })
      try {
        await Promise.race([ping(), timeout])
        return 'ok'
      } catch {
        return 'database_unreachable'
      } finally {
        clearTimeout(timer)
      }
    },
  }
}

export type HealthService = ReturnType<typeof healthService>
