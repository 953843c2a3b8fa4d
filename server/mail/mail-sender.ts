// Delivers the outbox (mail_outbox): claims due mails (so that several senders never send one
// twice), sends each over SMTP (SMTP_URL) — or, with no SMTP server configured, writes it as an
// .eml file to MAIL_DIR so that a newcomer can open the demo's confirmation link —, marks it
// sent, and retries a failure with a growing delay (1, 2, 4 … 60 minutes) until the library
// gives up on it after giveUpHours (a permanent 5xx answer gives up at once). Staff see mails
// given up on through the staff API.
//
// Delivery is at least once, and duplicates are recognisable. Before each mail the sender
// commits sending_at and renews its claim (a lease); after the server's 250 it commits sent_at.
// A sender killed before the 250 leaves a mail the server never took: it is sent again once the
// lease runs out, and arrives once. A sender killed between the 250 and the commit of sent_at
// (one database round trip) leaves a mail "in doubt" (sending_at set, sent_at not): SMTP has
// no way to ask whether the server has it, so it is sent again, with the same Message-ID (one
// per outbox row), which receivers and mail clients use to drop the duplicate. The other
// choice, never resending an in-doubt mail, would lose a confirmation link instead.
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import nodemailer from 'nodemailer'
import type { Clock } from '../clock.ts'
import { fromUtcDateTime, utcDateTime } from '../clock.ts'
import type { MailRepository, OutboxMail } from '../db/mail-repository.ts'

export interface MailTransport {
  /** Where mail goes, for the start-up log line. */
  readonly describe: string
  send(mail: OutboxMail): Promise<void>
  close(): void
}

const message = (mail: OutboxMail) => ({
  from: mail.from_address,
  to: mail.to_address,
  subject: mail.subject,
  text: mail.body,
  messageId: mail.message_id,
  date: fromUtcDateTime(mail.created_at),
  textEncoding: 'base64' as const,
  headers: { 'Auto-Submitted': 'auto-generated' },
})

/** SMTP when smtpUrl is set (smtp://user:pass@host:port, smtps://…), else .eml files. */
export function mailTransport(options: { smtpUrl: string; mailDir: string }): MailTransport {
  if (options.smtpUrl) {
    const smtp = nodemailer.createTransport(options.smtpUrl)
    return {
      describe: `SMTP ${new URL(options.smtpUrl).host}`,
      async send(mail) {
        await smtp.sendMail(message(mail))
      },
      close: () => smtp.close(),
    }
  }
  const files = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
  return {
    describe: `files in ${options.mailDir}`,
    async send(mail) {
      const info = await files.sendMail(message(mail))
      await mkdir(options.mailDir, { recursive: true })
      const name = `${mail.created_at.replace(/\D/g, '')}-${mail.id}-${mail.kind}.eml`
      await writeFile(join(options.mailDir, name), info.message as Buffer)
    },
    close: () => files.close(),
  }
}

/** Minutes before retry n (1, 2, 4 … 60). */
export function retryDelayMinutes(attempts: number): number {
  return Math.min(60, 2 ** Math.max(0, attempts - 1))
}

/** A permanent refusal (5xx), not worth retrying. */
function permanent(error: unknown): boolean {
  const code = (error as { responseCode?: unknown } | null)?.responseCode
  return typeof code === 'number' && code >= 500
}

export function outboxSender(deps: {
  mails: MailRepository
  transport: MailTransport
  clock: Clock
  giveUpHours: number
  /** How long a claim keeps other senders off a mail (a sender that died lets go after it). */
  claimMinutes?: number
}) {
  const { mails, transport, clock } = deps
  const claimMs = (deps.claimMinutes ?? 5) * 60_000
  return {
    /** Sends what is due; returns counts. */
    async sendDue(
      limit = 50,
    ): Promise<{ sent: number; retrying: number; failed: number; inDoubt: number }> {
      const claim = randomBytes(16).toString('base64url')
      const now = clock.now()
      const until = new Date(now.getTime() + claimMs)
      // READ COMMITTED: rows the claim reads but does not take are not kept locked.
      const due = await mails.unit(
        (store) => store.claimDue(utcDateTime(now), utcDateTime(until), claim, limit),
        { isolationLevel: 'read committed' },
      )
      const counts = { sent: 0, retrying: 0, failed: 0, inDoubt: 0 }
      for (const mail of due) {
        const at = clock.now()
        const lease = new Date(at.getTime() + claimMs)
        // Lost to another sender after this claim ran out: that sender has it now.
        if (!(await mails.markSending(mail.id, claim, utcDateTime(at), utcDateTime(lease)))) {
          continue
        }
        // A sender died while sending it: the server may have it already (sent again below).
        if (mail.sending_at !== null) counts.inDoubt++
        try {
          await transport.send(mail)
          await mails.markSent(mail.id, claim, utcDateTime(clock.now()))
          counts.sent++
        } catch (error) {
          const attempts = mail.attempts + 1
          const failedAt = clock.now()
          const giveUpAt = fromUtcDateTime(mail.created_at).getTime() + deps.giveUpHours * 3_600_000
          const retry = new Date(failedAt.getTime() + retryDelayMinutes(attempts) * 60_000)
          const giveUp = permanent(error) || retry.getTime() > giveUpAt
          await mails.markFailed(mail.id, claim, {
            error: error instanceof Error ? error.message : String(error),
            attempts,
            retryAt: giveUp ? null : utcDateTime(retry),
            now: utcDateTime(failedAt),
          })
          if (giveUp) counts.failed++
          else counts.retrying++
        }
      }
      return counts
    },
  }
}

export type OutboxSender = ReturnType<typeof outboxSender>
