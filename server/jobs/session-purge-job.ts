// Deletes what no longer counts: expired sessions, and login-throttle rows whose window and
// lock are over. Idempotent: a second run finds nothing.
import type { OpacJob } from './opac-jobs.ts'

export const sessionPurgeJob: OpacJob = {
  name: 'session-purge',
  description: 'deletes expired sessions and login-throttle rows that no longer count',
  async run({ deps }) {
    const sessions = await deps.sessionStore.purgeExpired()
    const throttleRows = await deps.services.throttle.purge()
    return { sessions, throttleRows }
  },
}
