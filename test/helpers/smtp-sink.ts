// A real SMTP server on 127.0.0.1 for the mail tests (the smtp-server package), keeping every
// message it accepts, parsed (mailparser). It can be stopped and started again on the same
// port, to play an SMTP server that is down for a while. A gate may hold a message's final
// answer (250) back: a message whose client went away meanwhile was never acknowledged, and is
// not kept, as an MTA would not take it.
import type { AddressInfo } from 'node:net'
import { simpleParser } from 'mailparser'
import type { ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface SmtpSink {
  url: string
  received: ParsedMail[]
  /** Raw messages as they arrived. */
  raw: string[]
  /** Waits until at least n messages arrived (or fails after timeoutMs). */
  waitFor(n: number, timeoutMs?: number): Promise<ParsedMail[]>
  stop(): Promise<void>
  start(): Promise<void>
  close(): Promise<void>
}

export interface SmtpSinkOptions {
  /**
   * Awaited after message n (0-based, counting every message whose data arrived) has been read
   * and before the server answers 250 to it.
   */
  gate?: (n: number) => Promise<void> | void
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const received: ParsedMail[] = []
  const raw: string[] = []
  const closed = new Set<string>()
  let arrived = 0
  let port = 0
  let server: SMTPServer | undefined
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = new SMTPServer({
        authOptional: true,
        // Quoted local parts ("taro..yamada."@docomo.ne.jp), as real MTAs take them.
        lenientAddressParsing: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        onClose(session) {
          closed.add(session.id)
        },
        onData(stream, session, callback) {
          const chunks: Buffer[] = []
          stream.on('data', (c: Buffer) => chunks.push(c))
          stream.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            const n = arrived++
            Promise.resolve(options.gate?.(n))
              .then(() => simpleParser(text))
              .then(
                (mail) => {
                  if (closed.has(session.id)) return // the client left before the 250
                  raw.push(text)
                  received.push(mail)
                  callback()
                },
                (err: Error) => callback(err),
              )
          })
        },
      })
      server.on('error', reject)
      server.listen(port, '127.0.0.1', () => {
        port = (server?.server.address() as AddressInfo).port
        resolve()
      })
    })
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server) return resolve()
      server.close(() => resolve())
      server = undefined
    })
  await listen()
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    raw,
    async waitFor(n, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs
      while (received.length < n) {
        if (Date.now() > until) throw new Error(`${received.length} of ${n} mails arrived`)
        await new Promise((r) => setTimeout(r, 50))
      }
      return received
    },
    stop,
    start: listen,
    close: stop,
  }
}
