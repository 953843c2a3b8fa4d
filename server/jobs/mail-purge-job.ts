// Deletes sent mail older than each library's retention (mailRetentionDays, 90 days unless the
// library sets another): outbox rows sent or given up on before it, and the hold notices of
// that age that are done with. Mail still due, retrying or being sent, and notices not yet in
// a mail, are kept however old. Idempotent: a second run finds nothing more to delete until
// rows age past the retention.
import { MAIL_RETENTION_MIN_DAYS, isMailRetention } from '../services/mail-verification-service.ts'
import { eachLibrary } from './each-library.ts'
import type { OpacJob } from './opac-jobs.ts'

export const mailPurgeJob: OpacJob = {
  name: 'mail-purge',
  description:
    'deletes sent or given-up mails and their hold notices older than each library’s mailRetentionDays',
  run(context) {
    const { mail } = context.deps.services
    return eachLibrary(context, { mails: 0, notices: 0 }, async (lib) => {
      const days = lib.settings.mailRetentionDays
      // A retention shorter than the test mail limit's window is a mistake in the settings:
      // keep the mails rather than let a patron send more test mails than the limit allows.
      if (!isMailRetention(days)) {
        context.log(
          `mail-purge: ${lib.library.slug}: mailRetentionDays ${days} ignored (at least ${MAIL_RETENTION_MIN_DAYS})`,
        )
        return { mails: 0, notices: 0 }
      }
      return mail.purgeSent(lib.library.id, days)
    })
  },
}
