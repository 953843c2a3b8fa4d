// Deletes what no longer counts: expired sessions, and login-throttle rows whose window and
// lock are over, and keitai search keys unused for a week. Idempotent: a second run finds nothing.
import type { OpacJob } from './opac-jobs.ts'

export const sessionPurgeJob: OpacJob = {
  name: 'session-purge',
  description:
    'deletes expired sessions, login-throttle rows that no longer count and unused keitai search keys',
  async run({ deps }) {
    const sessions = await deps.sessionStore.purgeExpired()
    const throttleRows = await deps.services.throttle.purge()
    const searchKeys = await deps.services.searchKeys.purge()
    return { sessions, throttleRows, searchKeys }
  },
}
