// The mail sender killed (SIGKILL) while it sends to a loopback SMTP server, at the two points
// where a kill can fall: before the server's 250 (the message is in the server's hands but not
// taken) and after it, before the sender's "sent" reaches the database (in doubt). After each
// restart — once the killed sender's claim (its lease) has run out — nothing is lost: every
// outbox row arrives. A kill before the 250 costs nothing (the mail arrives once); a kill in
// the window after it resends the mail in doubt with the same Message-ID, so the receiver sees
// each Message-ID, and so each mail, exactly once (server/mail/mail-sender.ts explains why SMTP
// cannot do better).
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { expect } from 'chai'
import { sql } from 'kysely'
import { utcDateTime } from '../../server/clock.ts'
import { mailRepository } from '../../server/db/mail-repository.ts'
import { startSmtpSink } from '../helpers/smtp-sink.ts'
import type { SmtpSink } from '../helpers/smtp-sink.ts'
import { startTcpProxy } from '../helpers/tcp-proxy.ts'
import type { TcpProxy } from '../helpers/tcp-proxy.ts'
import { createTestDatabase } from '../helpers/test-database.ts'
import type { TestDatabase } from '../helpers/test-database.ts'

const root = join(import.meta.dirname, '..', '..')
const MAILS = 20

interface Run {
  child: ChildProcess
  exited: Promise<{ code: number | null; signal: string | null; stdout: string }>
}

/**
 * `npm run job -- mail-send` as one node process (node --import tsx: the tsx command would
 * run the job in a child of its own, which a SIGKILL to tsx leaves running).
 */
function sendOnce(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli/job-cli.ts', 'mail-send'], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: 'pipe',
  })
  let stdout = ''
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  const exited = new Promise<{ code: number | null; signal: string | null; stdout: string }>(
    (resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout })),
  )
  return { child, exited }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {}
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('mail sender killed while sending (SIGKILL)', function () {
  this.timeout(120_000)
  let t: TestDatabase
  let proxy: TcpProxy
  let sink: SmtpSink
  let env: Record<string, string>
  const messageIds: string[] = []
  // Kill point A: the 5th message has arrived, its 250 is held back until the sender is dead.
  const atA = deferred()
  const releaseA = deferred()
  // Kill point B: the 11th arrival is acknowledged while the sender's database is stalled.
  const atB = deferred()

  before(async () => {
    t = await createTestDatabase({ prefix: 'mailkill' })
    const mails = mailRepository(t.db)
    const now = utcDateTime(new Date())
    const run = randomBytes(4).toString('hex')
    for (let i = 1; i <= MAILS; i++) {
      const messageId = `<kill-${run}-${i}@opac.example.jp>`
      messageIds.push(messageId)
      await mails.queueMail({
        library_id: 1,
        patron_id: null,
        kind: 'test',
        to_address: `patron${i}@example.jp`,
        from_address: 'opac@example.jp',
        subject: `mail ${i}`,
        body: `body ${i}`,
        message_id: messageId,
        created_at: now,
        next_attempt_at: now,
      })
    }
    const target = new URL(t.url)
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 3306) })
    target.port = String(proxy.port)
    sink = await startSmtpSink({
      async gate(n) {
        if (n === 4) {
          atA.resolve()
          await releaseA.promise
        } else if (n === 10) {
          proxy.delayMs = 5_000 // "sent" will not reach the database before the kill
          atB.resolve()
        }
      },
    })
    env = { DATABASE_URL: target.toString(), SMTP_URL: sink.url }
  })
  after(async () => {
    proxy.delayMs = 0
    await sink.close()
    await proxy.stop()
  })

  /** The killed sender's claims run out (5 minutes pass). */
  const leasesRunOut = () =>
    sql`UPDATE mail_outbox SET claimed_until = UTC_TIMESTAMP() - INTERVAL 1 SECOND
        WHERE claim IS NOT NULL`.execute(t.db)
  const outbox = () =>
    t.db
      .selectFrom('mail_outbox')
      .select(['id', 'message_id', 'sending_at', 'sent_at'])
      .orderBy('id')
      .execute()

  it('loses no mail and resends only the one in doubt, with its Message-ID', async () => {
    // Run 1, killed before the 250 of mail 5: the server drops what it never acknowledged.
    const first = sendOnce(env)
    await atA.promise
    first.child.kill('SIGKILL')
    expect((await first.exited).signal).to.equal('SIGKILL')
    await pause(200) // the server sees the connection close
    releaseA.resolve()
    await pause(200)
    expect(sink.received.map((m) => m.messageId)).to.deep.equal(messageIds.slice(0, 4))
    let rows = await outbox()
    expect(rows.filter((r) => r.sent_at !== null)).to.have.length(4)
    expect(rows[4]?.sending_at, 'mail 5 was being sent').to.not.equal(null)

    // Run 2, killed after the server's 250 of mail 10 and before its "sent" is committed.
    await leasesRunOut()
    const second = sendOnce(env)
    await atB.promise
    await pause(300)
    second.child.kill('SIGKILL')
    expect((await second.exited).signal).to.equal('SIGKILL')
    proxy.delayMs = 0
    expect(sink.received.map((m) => m.messageId)).to.deep.equal(messageIds.slice(0, 10))
    rows = await outbox()
    expect(rows.filter((r) => r.sent_at !== null)).to.have.length(9)
    expect(rows[9]?.sending_at, 'mail 10 is in doubt').to.not.equal(null)
    expect(rows[9]?.sent_at).to.equal(null)

    // Run 3 finishes: mail 10 again (the one in doubt), then 11 … 20.
    await leasesRunOut()
    const third = await sendOnce(env).exited
    expect(third.code, third.stdout).to.equal(0)
    expect(third.stdout).to.match(/sent 11, retrying 0, failed 0, inDoubt 1/)

    rows = await outbox()
    expect(rows.every((r) => r.sent_at !== null && r.sending_at === null)).to.equal(true)
    const arrived = sink.received.map((m) => m.messageId ?? '')
    const times = new Map<string, number>()
    for (const id of arrived) times.set(id, (times.get(id) ?? 0) + 1)
    // Nothing lost: every outbox row arrived; by Message-ID each exactly once.
    expect([...times.keys()].sort()).to.deep.equal([...messageIds].sort())
    // Mail 5, killed before the 250, arrived once; mail 10, in doubt, twice with one Message-ID.
    expect(times.get(messageIds[4]!)).to.equal(1)
    expect(times.get(messageIds[9]!)).to.equal(2)
    expect(arrived).to.have.length(MAILS + 1)
  })
})
