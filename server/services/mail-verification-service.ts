// E-mail address registration and change (SPEC.md §6), and the mails the library sends: a
// patron asks for an address; a mail with a link and a short code goes to that address; the
// change is done only when the link's page is confirmed (one POST: a GET never changes
// anything, since mail scanners and carrier gateways open links) or the code is typed. Until
// then the old address stays in force. The mail is written to the outbox in the same
// transaction as the request, so nothing is lost; the sender job delivers it.
//
// Tokens: 128 random bits, kept only as a hash, single-use, expiring (tokenHours), bound to
// the patron and the address; a newer request ends the older one. Requests are rate-limited
// per patron and per address, atomically (throttle-service allow).
import { createHash, randomBytes, randomInt } from 'node:crypto'
import type { Clock } from '../clock.ts'
import { today, utcDateTime } from '../clock.ts'
import type { MailRepository, MailStore, NoticeRow } from '../db/mail-repository.ts'
import type { EmailKind, Residency } from '../db/schema.ts'

export type { EmailKind }
import type { LibrarySettings } from './library-settings.ts'
import { onlineServiceEligibility } from './password-service.ts'
import type { ThrottleService } from './throttle-service.ts'

/** The library a mail is about, as pages and jobs have it. */
export interface MailLibrary {
  library: { id: number; slug: string; name: string; phone: string }
  settings: LibrarySettings
}

export interface ComposedMail {
  subject: string
  body: string
}

/** The words of each mail (server/mail/mail-bodies.ts); the service decides when to send. */
export interface MailComposer {
  emailConfirmation(input: {
    lib: MailLibrary
    patronName: string
    address: string
    kind: EmailKind
    firstAddress: boolean
    url: string
    code: string
    expiresAt: Date
  }): ComposedMail
  emailReplaced(input: { lib: MailLibrary; patronName: string; kind: EmailKind }): ComposedMail
  holdNotices(input: {
    lib: MailLibrary
    patronName: string
    kind: EmailKind
    ready: NoticeRow[]
    expired: NoticeRow[]
  }): ComposedMail
  testMail(input: { lib: MailLibrary; patronName: string; kind: EmailKind }): ComposedMail
}

export type AddressProblem = 'empty' | 'too_long' | 'invalid' | 'full_width' | 'mismatch' | 'same'

export type EmailIneligibility = 'not_resident' | 'under_age' | 'disability_service'

export type RequestOutcome =
  | { ok: true; address: string; expiresAt: Date }
  | {
      ok: false
      reason: 'fields'
      errors: { address?: AddressProblem; confirmation?: AddressProblem }
    }
  | { ok: false; reason: 'ineligible'; eligibility: EmailIneligibility }
  | { ok: false; reason: 'rate_limited' }
  | { ok: false; reason: 'not_found' }

export type LinkProblem = 'invalid' | 'used' | 'expired' | 'superseded'

export type ConfirmOutcome =
  | { ok: true; address: string; alreadyDone: boolean }
  | { ok: false; reason: LinkProblem }
  | { ok: false; reason: 'wrong_code'; triesLeft: number }

export type TestMailOutcome =
  { ok: true; address: string } | { ok: false; reason: 'no_address' | 'rate_limited' | 'not_found' }

/** Carrier domains of Japanese mobile mail (SPEC.md §6: short plain mail for mobiles). */
const CARRIER_DOMAINS = [
  'docomo.ne.jp',
  'ezweb.ne.jp',
  'au.com',
  'softbank.ne.jp',
  'i.softbank.jp',
  'vodafone.ne.jp',
  'disney.ne.jp',
  'willcom.com',
  'pdx.ne.jp',
  'emobile.ne.jp',
  'ymobile.ne.jp',
  'y-mobile.ne.jp',
  'rakumail.jp',
]

export const ADDRESS_MAX_LENGTH = 254

/** Wrong codes after which a change ends (a new request is needed). */
export const CODE_MAX_FAILURES = 5

/**
 * Days a change is kept after its link expired, so that a late click is told 「期限切れ」 or
 * 「すでに完了」 rather than 「無効」; then the row (with the address asked for) is deleted.
 */
export const CHANGE_KEPT_DAYS = 7

/** Requests per patron, and per address asked for, within a window of an hour. */
export const LIMITS = { patron: 5, address: 3, testMails: 3, windowMinutes: 60 } as const

/**
 * The shortest retention of sent mail (mailRetentionDays) the mail-purge job accepts: the test
 * mail limit counts a patron's mails of the last LIMITS.windowMinutes in the outbox, so no mail
 * may go before that window is over (a purged mail was sent at least this many days ago, and
 * queued before it was sent).
 */
export const MAIL_RETENTION_MIN_DAYS = Math.max(1, Math.ceil(LIMITS.windowMinutes / (24 * 60)))

/** A mailRetentionDays the mail-purge job may apply: whole days, at least the minimum. */
export function isMailRetention(days: number): boolean {
  return Number.isInteger(days) && days >= MAIL_RETENTION_MIN_DAYS
}

/**
 * An address as typed, checked leniently: old carrier addresses have dots in a row or before
 * the @ ("taro..yamada.@docomo.ne.jp"), so the local part only refuses spaces, controls, a
 * second @ and characters no mail system takes. Full-width letters are refused with their own
 * message, not folded: the address is stored exactly as typed.
 */
export function checkAddress(
  raw: string,
): { ok: true; address: string } | { ok: false; problem: AddressProblem } {
  const address = raw.trim()
  if (address === '') return { ok: false, problem: 'empty' }
  if (Array.from(address).length > ADDRESS_MAX_LENGTH) return { ok: false, problem: 'too_long' }
  if (/[^\x21-\x7e]/.test(address)) {
    return { ok: false, problem: /[\uff01-\uff5e\u3000]/.test(address) ? 'full_width' : 'invalid' }
  }
  const at = address.lastIndexOf('@')
  const local = address.slice(0, at)
  const domain = address.slice(at + 1)
  if (at <= 0 || local.includes('@') || local.length > 64) return { ok: false, problem: 'invalid' }
  if (!/^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+$/.test(local)) return { ok: false, problem: 'invalid' }
  const labels = domain.split('.')
  if (
    labels.length < 2 ||
    labels.some((l) => !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l))
  ) {
    return { ok: false, problem: 'invalid' }
  }
  return { ok: true, address }
}

/** A carrier (keitai) address, whose mail is kept short. */
export function isCarrierAddress(address: string): boolean {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase()
  return CARRIER_DOMAINS.some((d) => domain === d || domain.endsWith(`.${d}`))
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')
const codeHash = (tokenHash: string, code: string) => sha256(`${tokenHash}:${code}`)

/** Who may register an address (rules B: residents, workers, students of school age). */
export function emailEligibility(
  settings: Pick<
    LibrarySettings,
    'emailEligibleResidency' | 'onlineServiceMinAge' | 'disabilityServiceMayHavePassword'
  >,
  patron: { residency: Residency; birth_date: string; disability_service: number | boolean },
  day: string,
): { ok: true } | { ok: false; reason: EmailIneligibility } {
  if (!settings.emailEligibleResidency.includes(patron.residency)) {
    return { ok: false, reason: 'not_resident' }
  }
  const online = onlineServiceEligibility(patron, settings, day)
  return online.ok ? online : { ok: false, reason: online.reason }
}

export function mailVerificationService(deps: {
  mails: MailRepository
  throttle: Pick<ThrottleService, 'allow'>
  composer: MailComposer
  clock: Clock
  /** The absolute URL of a library's confirmation page for a token. */
  confirmUrl: (slug: string, token: string) => string
  /** Hours a confirmation link stays valid. */
  tokenHours: number
  /** Message-ID domain and sender of every mail of the library. */
  messageId: (from: string) => string
}) {
  const { mails, throttle, composer, clock } = deps

  const queue = (
    store: MailStore,
    lib: MailLibrary,
    patronId: number | null,
    kind: string,
    to: string,
    mail: ComposedMail,
  ) => {
    const now = utcDateTime(clock.now())
    return store.queueMail({
      library_id: lib.library.id,
      patron_id: patronId,
      kind,
      to_address: to,
      from_address: lib.settings.mailFrom,
      subject: mail.subject,
      body: mail.body,
      message_id: deps.messageId(lib.settings.mailFrom),
      created_at: now,
      next_attempt_at: now,
    })
  }

  /** The change a link's token names, checked: done, ended or out of date. */
  const linkState = (
    change:
      { confirmed_at: string | null; ended_at: string | null; expires_at: string } | undefined,
    now: string,
  ): LinkProblem | null => {
    if (!change) return 'invalid'
    if (change.confirmed_at) return 'used'
    if (change.ended_at) return 'superseded'
    if (change.expires_at <= now) return 'expired'
    return null
  }

  /** Makes the change: the new address in force, a short notice to the old one. */
  async function complete(
    store: MailStore,
    lib: MailLibrary,
    change: { id: number; patron_id: number; address: string; address_kind: EmailKind },
  ) {
    const patron = await store.lockPatron(lib.library.id, change.patron_id)
    if (!patron) return
    await store.setEmail(lib.library.id, change.patron_id, change.address, change.address_kind)
    await store.updateChange(change.id, { confirmed_at: utcDateTime(clock.now()) })
    if (patron.email && patron.email !== change.address) {
      const mail = composer.emailReplaced({
        lib,
        patronName: patron.full_name,
        kind: patron.email_kind,
      })
      await queue(store, lib, change.patron_id, 'email_replaced', patron.email, mail)
    }
  }

  /** Whether a request would be taken (the confirmation step shows it first). */
  async function check(
    lib: MailLibrary,
    patronId: number,
    input: { address: string; confirmation?: string; kind?: EmailKind },
  ): Promise<
    | { ok: true; address: string; kind: EmailKind; patron: { full_name: string } }
    | Exclude<RequestOutcome, { ok: true } | { reason: 'rate_limited' }>
  > {
    const checked = checkAddress(input.address)
    if (!checked.ok) return { ok: false, reason: 'fields', errors: { address: checked.problem } }
    if (input.confirmation !== undefined && input.confirmation.trim() !== checked.address) {
      return { ok: false, reason: 'fields', errors: { confirmation: 'mismatch' } }
    }
    const address = checked.address
    const kind: EmailKind = input.kind ?? (isCarrierAddress(address) ? 'mobile' : 'pc')
    const patron = await mails.patron(lib.library.id, patronId)
    if (!patron) return { ok: false, reason: 'not_found' }
    const eligible = emailEligibility(lib.settings, patron, today(clock))
    if (!eligible.ok) return { ok: false, reason: 'ineligible', eligibility: eligible.reason }
    if (patron.email === address && patron.email_kind === kind) {
      return { ok: false, reason: 'fields', errors: { address: 'same' } }
    }
    return { ok: true, address, kind, patron }
  }

  return {
    check,

    /**
     * A patron asks for an address (first registration or a change): checked, rate-limited,
     * then a confirmation mail goes out and any earlier open request ends.
     */
    async request(
      lib: MailLibrary,
      patronId: number,
      input: { address: string; confirmation?: string; kind?: EmailKind },
    ): Promise<RequestOutcome> {
      const checked = await check(lib, patronId, input)
      if (!checked.ok) return checked
      const { address, kind } = checked
      const libraryId = lib.library.id
      const allowed =
        (await throttle.allow(
          'mail_patron',
          `${libraryId}:${patronId}`,
          LIMITS.patron,
          LIMITS.windowMinutes,
        )) &&
        (await throttle.allow(
          'mail_address',
          address.toLowerCase(),
          LIMITS.address,
          LIMITS.windowMinutes,
        ))
      if (!allowed) return { ok: false, reason: 'rate_limited' }

      const token = randomBytes(16).toString('base64url')
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0')
      const tokenHash = sha256(token)
      const now = clock.now()
      const expiresAt = new Date(now.getTime() + deps.tokenHours * 3_600_000)
      await mails.unit(async (store) => {
        const locked = await store.lockPatron(libraryId, patronId)
        if (!locked) return
        await store.endOpenChanges(libraryId, patronId, utcDateTime(now))
        await store.insertChange({
          library_id: libraryId,
          patron_id: patronId,
          address,
          address_kind: kind,
          token_hash: tokenHash,
          code_hash: codeHash(tokenHash, code),
          created_at: utcDateTime(now),
          expires_at: utcDateTime(expiresAt),
        })
        const mail = composer.emailConfirmation({
          lib,
          patronName: locked.full_name,
          address,
          kind,
          firstAddress: !locked.email,
          url: deps.confirmUrl(lib.library.slug, token),
          code,
          expiresAt,
        })
        await queue(store, lib, patronId, 'email_confirm', address, mail)
      })
      return { ok: true, address, expiresAt }
    },

    /** The patron's request waiting for its confirmation, if any (the portal says so). */
    async pending(lib: MailLibrary, patronId: number) {
      const change = await mails.unit((store) => store.openChange(lib.library.id, patronId))
      if (!change || change.expires_at <= utcDateTime(clock.now())) return null
      return { address: change.address, kind: change.address_kind, expiresAt: change.expires_at }
    },

    /** What a link's page shows (nothing changes on GET). */
    async link(lib: MailLibrary, token: string) {
      if (!/^[A-Za-z0-9_-]{22}$/.test(token))
        return { ok: false as const, reason: 'invalid' as const }
      const change = await mails.unit((store) => store.changeByToken(lib.library.id, sha256(token)))
      const problem = linkState(change, utcDateTime(clock.now()))
      if (problem || !change) return { ok: false as const, reason: problem ?? ('invalid' as const) }
      return { ok: true as const, address: change.address, expiresAt: change.expires_at }
    },

    /** 確定: the link's one button. A second press of a link just used is answered as done. */
    async confirmLink(lib: MailLibrary, token: string): Promise<ConfirmOutcome> {
      if (!/^[A-Za-z0-9_-]{22}$/.test(token)) return { ok: false, reason: 'invalid' }
      return mails.unit(async (store) => {
        const peek = await store.changeByToken(lib.library.id, sha256(token))
        if (!peek) return { ok: false, reason: 'invalid' }
        await store.lockPatron(lib.library.id, peek.patron_id)
        const change = await store.changeByToken(lib.library.id, sha256(token))
        const problem = linkState(change, utcDateTime(clock.now()))
        if (change && problem === 'used')
          return { ok: true, address: change.address, alreadyDone: true }
        if (problem || !change) return { ok: false, reason: problem ?? 'invalid' }
        await complete(store, lib, change)
        return { ok: true, address: change.address, alreadyDone: false }
      })
    },

    /** The code typed by a logged-in patron instead of opening the link. */
    async confirmCode(
      lib: MailLibrary,
      patronId: number,
      rawCode: string,
    ): Promise<ConfirmOutcome> {
      const code = rawCode.normalize('NFKC').replace(/\s/g, '')
      return mails.unit(async (store) => {
        await store.lockPatron(lib.library.id, patronId)
        const change = await store.openChange(lib.library.id, patronId)
        const problem = linkState(change, utcDateTime(clock.now()))
        if (problem || !change)
          return { ok: false, reason: problem === 'used' ? 'used' : (problem ?? 'invalid') }
        const tokenHash = await store.tokenHash(change.id)
        if (!/^\d{6}$/.test(code) || codeHash(tokenHash, code) !== change.code_hash) {
          const failures = change.code_failures + 1
          await store.updateChange(change.id, {
            code_failures: failures,
            ...(failures >= CODE_MAX_FAILURES ? { ended_at: utcDateTime(clock.now()) } : {}),
          })
          return {
            ok: false,
            reason: 'wrong_code',
            triesLeft: Math.max(0, CODE_MAX_FAILURES - failures),
          }
        }
        await complete(store, lib, change)
        return { ok: true, address: change.address, alreadyDone: false }
      })
    },

    /** Deletes changes whose link expired more than CHANGE_KEPT_DAYS ago (housekeeping). */
    purge(): Promise<number> {
      const before = new Date(clock.now().getTime() - CHANGE_KEPT_DAYS * 24 * 3_600_000)
      return mails.purgeChanges(utcDateTime(before))
    },

    /**
     * Deletes the library's mails sent or given up on more than retentionDays days ago (the
     * library's mailRetentionDays), and its hold notices of that age that are done with (in a
     * mail, or set aside); mails and notices still due are kept. Refuses a retention below
     * MAIL_RETENTION_MIN_DAYS, which would weaken the test mail limit.
     */
    async purgeSent(
      libraryId: number,
      retentionDays: number,
    ): Promise<{ mails: number; notices: number }> {
      if (!isMailRetention(retentionDays)) {
        throw new RangeError(`mail retention of ${retentionDays} days is below the minimum`)
      }
      const before = utcDateTime(new Date(clock.now().getTime() - retentionDays * 24 * 3_600_000))
      const mailsDeleted = await mails.purgeMails(libraryId, before)
      const notices = await mails.purgeNotices(libraryId, before)
      return { mails: mailsDeleted, notices }
    },

    /** 「テストメールを送る」: a short mail to the registered address. */
    async sendTestMail(lib: MailLibrary, patronId: number): Promise<TestMailOutcome> {
      const libraryId = lib.library.id
      const patron = await mails.patron(libraryId, patronId)
      if (!patron) return { ok: false, reason: 'not_found' }
      if (!patron.email) return { ok: false, reason: 'no_address' }
      const since = utcDateTime(new Date(clock.now().getTime() - LIMITS.windowMinutes * 60_000))
      if ((await mails.countMails(libraryId, patronId, 'test', since)) >= LIMITS.testMails) {
        return { ok: false, reason: 'rate_limited' }
      }
      const address = patron.email
      await mails.unit(async (store) => {
        const mail = composer.testMail({
          lib,
          patronName: patron.full_name,
          kind: patron.email_kind,
        })
        await queue(store, lib, patronId, 'test', address, mail)
      })
      return { ok: true, address }
    },

    /**
     * Hold notices (予約資料の到着連絡, and cancellations after the deadline) into mails: one
     * mail per patron per run listing every item. Notices of patrons without an address, or
     * whose contact is no longer e-mail, and notices whose hold is gone, are set aside
     * (mail 0). Returns the mails queued.
     */
    async queueHoldNotices(
      libraryOf: (libraryId: number) => Promise<MailLibrary | null>,
      limit = 500,
    ): Promise<number> {
      return mails.unit(async (store) => {
        const { notices, gone } = await store.unmailedNotices(limit)
        await store.markNotices(gone, 0)
        const byPatron = new Map<string, NoticeRow[]>()
        for (const n of notices) {
          const key = `${n.library_id}:${n.patron_id}`
          byPatron.set(key, [...(byPatron.get(key) ?? []), n])
        }
        let queued = 0
        for (const list of byPatron.values()) {
          const first = list[0]
          if (!first) continue
          const lib = await libraryOf(first.library_id)
          if (!lib || !first.email) {
            await store.markNotices(
              list.map((n) => n.id),
              0,
            )
            continue
          }
          const mail = composer.holdNotices({
            lib,
            patronName: first.full_name,
            kind: first.email_kind,
            ready: list.filter((n) => n.kind === 'ready'),
            expired: list.filter((n) => n.kind === 'expired'),
          })
          const id = await queue(store, lib, first.patron_id, 'hold_notice', first.email, mail)
          await store.markNotices(
            list.map((n) => n.id),
            id,
          )
          queued++
        }
        return queued
      })
    },
  }
}

export type MailVerificationService = ReturnType<typeof mailVerificationService>
