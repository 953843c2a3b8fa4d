// What command-line tools print: plain lines on stdout, and a logger whose lines are just the
// messages (the JSON log lines of the server are for machines; these are for a person).
import { pino } from 'pino'
import type { Logger } from 'pino'

export function out(line: string): void {
  process.stdout.write(`${line}\n`)
}

/** A pino logger printing each message as a plain line (fields such as err are left out). */
export function lineLogger(level: string): Logger {
  return pino(
    { level, base: undefined, timestamp: false },
    {
      write(json: string) {
        const { msg } = JSON.parse(json) as { msg?: string }
        if (msg) out(msg)
      },
    },
  )
}
