// Deletes what no longer counts: expired sessions, login-throttle rows whose window and lock
// are over, keitai search keys unused for a week, and e-mail changes (their link's token and the
// address asked for) a week after the link expired. Idempotent: a second run finds nothing.
import type { OpacJob } from './opac-jobs.ts'

export const sessionPurgeJob: OpacJob = {
  name: 'session-purge',
  description:
    'deletes expired sessions, login-throttle rows that no longer count, unused keitai search keys and expired e-mail confirmations',
  async run({ deps }) {
    const sessions = await deps.sessionStore.purgeExpired()
    const throttleRows = await deps.services.throttle.purge()
    const searchKeys = await deps.services.searchKeys.purge()
    const emailChanges = await deps.services.mail.purge()
    return { sessions, throttleRows, searchKeys, emailChanges }
  },
}
