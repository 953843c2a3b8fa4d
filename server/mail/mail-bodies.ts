// What the library's mails say (SPEC.md §6): plain text in Japanese, short lines, no HTML and
// no tracking. Texts from the catalogue and the patron (titles, names) are written without
// machine-dependent characters — ①, Ⅰ, ㈱, ～ and the like garble on some phones and PCs
// (library B's guide), so they become 1, I, (株), ~. Mail to a mobile address is shorter.
// The bodies are Eta templates in views/mail/, rendered without HTML escaping.
import { join } from 'node:path'
import { Eta } from 'eta'
import { tokyoDay } from '../clock.ts'
import type { EmailKind } from '../db/schema.ts'
import { longDate } from '../render/format.ts'
import { VIEWS_DIR } from '../render/views.ts'
import type {
  ComposedMail,
  MailComposer,
  MailLibrary,
} from '../services/mail-verification-service.ts'

/** Display columns a line may take (a full-width character takes two). */
export const LINE_COLUMNS = 70

/** Plain equivalents of machine-dependent characters (NFKC: ① → 1, Ⅰ → I, ㈱ → (株), ～ → ~). */
export function plain(text: string): string {
  return text.normalize('NFKC')
}

const wide = (ch: string) =>
  /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{20000}-\u{3fffd}]/u.test(
    ch,
  )

/** Wraps a line at LINE_COLUMNS display columns; a URL is never broken. */
export function wrapLine(line: string, columns = LINE_COLUMNS): string[] {
  if (/^\s*https?:\/\//.test(line)) return [line]
  const out: string[] = []
  let current = ''
  let width = 0
  for (const ch of line) {
    const w = wide(ch) ? 2 : 1
    if (width + w > columns) {
      out.push(current)
      current = ''
      width = 0
    }
    current += ch
    width += w
  }
  out.push(current)
  return out
}

/** The body as sent: lines wrapped, trailing spaces and extra blank lines gone, CRLF-free. */
export function tidyBody(text: string): string {
  return `${text
    .split('\n')
    .flatMap((line) => wrapLine(line.trimEnd()))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`
}

export function mailComposer(options: { cache: boolean }): MailComposer {
  const eta = new Eta({
    views: join(VIEWS_DIR, 'mail'),
    cache: options.cache,
    autoEscape: false,
    autoTrim: false,
  })
  const render = (view: string, lib: MailLibrary, kind: EmailKind, data: object): string =>
    tidyBody(
      eta.render(`./${view}`, {
        ...data,
        lib,
        short: kind === 'mobile',
        plain,
        day: (day: string | null) => longDate(day),
      }),
    )
  const subject = (lib: MailLibrary, text: string) => `${text}（${plain(lib.library.name)}）`

  return {
    emailConfirmation(input) {
      const noun = input.firstAddress ? '登録' : '変更'
      const words = input.lib.settings.words
      const expires = new Date(input.expiresAt)
      const at = `${longDate(tokyoDay(expires))} ${expires.toLocaleTimeString('ja-JP', { timeZone: 'Asia/Tokyo', hour: 'numeric', minute: '2-digit' })}`
      return {
        subject: subject(input.lib, words.emailConfirmSubject),
        body: render('email-confirm', input.lib, input.kind, {
          ...input,
          noun,
          button: words.emailConfirmButton,
          expires: at,
        }),
      } satisfies ComposedMail
    },
    emailReplaced(input) {
      return {
        subject: subject(input.lib, 'メールアドレス変更のお知らせ'),
        body: render('email-replaced', input.lib, input.kind, input),
      }
    },
    holdNotices(input) {
      const text = input.ready.length ? '予約資料の到着連絡' : '予約の取消のお知らせ'
      return {
        subject: subject(input.lib, text),
        body: render('hold-notice', input.lib, input.kind, input),
      }
    },
    testMail(input) {
      return {
        subject: subject(input.lib, 'テストメール'),
        body: render('test', input.lib, input.kind, input),
      }
    },
  }
}
