// The mail sender: hold notices queued by the hold service become mails (one per patron per
// run, listing every item), then every due mail of the outbox is sent over SMTP (or written as
// a file), failures retried later. Two senders never send one mail twice: each claims its rows.
import type { OpacJob } from './opac-jobs.ts'

export const mailSendJob: OpacJob = {
  name: 'mail-send',
  description: 'puts hold notices into mails and sends the outbox (SMTP_URL, or .eml files)',
  // Claims make concurrent senders safe; the lock only saves a second process the work.
  async run({ deps }) {
    const { mail, outbox, libraries } = deps.services
    const notices = await mail.queueHoldNotices((id) => libraries.byId(id))
    const { sent, retrying, failed, inDoubt } = await outbox.sendDue()
    return { notices, sent, retrying, failed, inDoubt }
  },
}
