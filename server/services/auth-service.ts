// Login and passwords: card + password checks with per-card and per-address throttling,
// library A's self-registration (card + name + birth date) and password changes. One
// message for every failed login: it never tells whether the card exists.
import type { Clock } from '../clock.ts'
import { today } from '../clock.ts'
import type { PatronRepository } from '../db/patron-repository.ts'
import type { Patron } from '../db/schema.ts'
import type { LibrarySettings } from './library-settings.ts'
import {
  dummyVerify,
  generateInitialPassword,
  hashPassword,
  normaliseCardNumber,
  onlineServiceEligibility,
  validateNewPassword,
  verifyIdentity,
  verifyPassword,
} from './password-service.ts'
import type { ThrottleService } from './throttle-service.ts'

export type FieldErrors = Record<string, string>

export type LoginOutcome =
  | { ok: true; patron: Patron; initialPassword: boolean }
  | { ok: false; reason: 'fields'; errors: FieldErrors }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; until: Date }
  | { ok: false; reason: 'ineligible'; eligibility: 'disability_service' | 'under_age' }

export type IdentityOutcome =
  | { ok: true; patron: Patron }
  | { ok: false; reason: 'fields'; errors: FieldErrors }
  | { ok: false; reason: 'not_matched' }
  | { ok: false; reason: 'locked'; until: Date }
  | { ok: false; reason: 'has_password' }
  | { ok: false; reason: 'ineligible'; eligibility: 'disability_service' | 'under_age' }

export type SetPasswordOutcome =
  { ok: true; hash: string } | { ok: false; reason: 'fields'; errors: FieldErrors }

export type ChangeCheckOutcome =
  | { ok: true; patron: Patron; newHash: string }
  | { ok: false; reason: 'fields'; errors: FieldErrors }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; until: Date }
  | { ok: false; reason: 'ineligible'; eligibility: 'disability_service' | 'under_age' }

export const LOGIN_FAILED = '利用者番号またはパスワードが正しくありません。'

function cardError(reason: 'empty' | 'not_digits' | 'too_long'): string {
  if (reason === 'empty') return '利用者番号を入力してください。'
  if (reason === 'too_long') return '利用者番号は20桁以内の数字で入力してください。'
  return '利用者番号は数字で入力してください。'
}

export function authService(deps: {
  patrons: PatronRepository
  throttle: ThrottleService
  clock: Clock
  pepper: string
}) {
  const { patrons, throttle, clock, pepper } = deps
  const cardSubject = (libraryId: number, card: string) => `${libraryId}:${card}`

  /** Refuses while the card or the address is locked; counts nothing. */
  async function locked(
    scope: 'login' | 'verify',
    libraryId: number,
    card: string,
    address: string,
  ) {
    for (const [s, subject] of [
      [scope, cardSubject(libraryId, card)],
      ['address', address],
    ] as const) {
      const status = await throttle.check(s, subject)
      if (!status.ok) return status.until
    }
    return null
  }

  async function fail(scope: 'login' | 'verify', libraryId: number, card: string, address: string) {
    await throttle.fail(scope, cardSubject(libraryId, card))
    await throttle.fail('address', address)
  }

  /** Checks a card and its password without side effects beyond the throttle counters. */
  async function checkPassword(
    libraryId: number,
    settings: LibrarySettings,
    input: { card: string; password: string; address: string },
  ): Promise<
    | { ok: true; patron: Patron }
    | { ok: false; reason: 'fields'; errors: FieldErrors }
    | { ok: false; reason: 'invalid' }
    | { ok: false; reason: 'locked'; until: Date }
    | { ok: false; reason: 'ineligible'; eligibility: 'disability_service' | 'under_age' }
  > {
    const errors: FieldErrors = {}
    const card = normaliseCardNumber(input.card)
    if (!card.ok) errors.card = cardError(card.reason)
    if (!input.password) errors.password = 'パスワードを入力してください。'
    else if (input.password.length > 64) errors.password = LOGIN_FAILED
    if (!card.ok || Object.keys(errors).length) return { ok: false, reason: 'fields', errors }
    const until = await locked('login', libraryId, card.card, input.address)
    if (until) return { ok: false, reason: 'locked', until }
    const patron = await patrons.byCard(libraryId, card.card)
    const matched = patron?.password_hash
      ? await verifyPassword(input.password, patron.password_hash, pepper)
      : (await dummyVerify(pepper), false)
    if (!patron || !matched) {
      await fail('login', libraryId, card.card, input.address)
      return { ok: false, reason: 'invalid' }
    }
    await throttle.succeed('login', cardSubject(libraryId, card.card))
    const eligible = onlineServiceEligibility(patron, settings, today(clock))
    if (!eligible.ok) return { ok: false, reason: 'ineligible', eligibility: eligible.reason }
    return { ok: true, patron }
  }

  /** Validates a new password entered twice and hashes it. */
  async function newPassword(
    settings: LibrarySettings,
    input: { password: string; confirmation: string },
  ): Promise<SetPasswordOutcome> {
    const errors: FieldErrors = {}
    const valid = validateNewPassword(settings, input.password)
    if (!input.password) errors.password = '新しいパスワードを入力してください。'
    else if (!valid.ok) errors.password = passwordRuleText(settings)
    if (!errors.password && input.password !== input.confirmation) {
      errors.confirmation = '確認のため、同じパスワードをもう一度入力してください。'
    }
    if (Object.keys(errors).length) return { ok: false, reason: 'fields', errors }
    return { ok: true, hash: await hashPassword(input.password, pepper) }
  }

  return {
    newPassword,

    async login(
      libraryId: number,
      settings: LibrarySettings,
      input: { card: string; password: string; address: string },
    ): Promise<LoginOutcome> {
      const checked = await checkPassword(libraryId, settings, input)
      if (!checked.ok) return checked
      return {
        ok: true,
        patron: checked.patron,
        initialPassword: Number(checked.patron.password_is_initial) === 1,
      }
    },

    /** Library A, first registration, step 1: card + full name + birth date. */
    async verifyIdentity(
      libraryId: number,
      settings: LibrarySettings,
      input: { card: string; fullName: string; birthDate: string | null; address: string },
    ): Promise<IdentityOutcome> {
      const errors: FieldErrors = {}
      const card = normaliseCardNumber(input.card)
      if (!card.ok) errors.card = cardError(card.reason)
      const fullName = input.fullName.trim()
      if (!fullName) errors.fullName = '氏名を入力してください。'
      else if (fullName.length > 50) errors.fullName = '氏名は50文字以内で入力してください。'
      if (!input.birthDate) errors.birthDate = '生年月日を正しく入力してください。'
      if (!card.ok || !input.birthDate || Object.keys(errors).length) {
        return { ok: false, reason: 'fields', errors }
      }
      const until = await locked('verify', libraryId, card.card, input.address)
      if (until) return { ok: false, reason: 'locked', until }
      const patron = await patrons.byCard(libraryId, card.card)
      if (!patron || !verifyIdentity(patron, { fullName, birthDate: input.birthDate })) {
        await fail('verify', libraryId, card.card, input.address)
        return { ok: false, reason: 'not_matched' }
      }
      await throttle.succeed('verify', cardSubject(libraryId, card.card))
      const eligible = onlineServiceEligibility(patron, settings, today(clock))
      if (!eligible.ok) return { ok: false, reason: 'ineligible', eligibility: eligible.reason }
      if (patron.password_hash) return { ok: false, reason: 'has_password' }
      return { ok: true, patron }
    },

    /** Password change, step 1: card (when not logged in) + current password + new twice. */
    async checkChange(
      libraryId: number,
      settings: LibrarySettings,
      input: {
        card: string
        current: string
        password: string
        confirmation: string
        address: string
      },
    ): Promise<ChangeCheckOutcome> {
      const fresh = await newPassword(settings, input)
      const checked = await checkPassword(libraryId, settings, {
        card: input.card,
        password: input.current,
        address: input.address,
      })
      if (!checked.ok && checked.reason === 'fields') {
        const errors = { ...checked.errors, ...(fresh.ok ? {} : fresh.errors) }
        if (errors.password && checked.errors.password) {
          errors.current = '現在のパスワードを入力してください。'
          if (!fresh.ok && fresh.errors.password) errors.password = fresh.errors.password
          else delete errors.password
        }
        return { ok: false, reason: 'fields', errors }
      }
      if (!fresh.ok) return fresh
      if (!checked.ok) return checked
      if (input.current === input.password) {
        return {
          ok: false,
          reason: 'fields',
          errors: { password: '現在のパスワードとは違うパスワードを入力してください。' },
        }
      }
      return { ok: true, patron: checked.patron, newHash: fresh.hash }
    },

    /**
     * Staff issue an initial password (rules B: 8 alphanumerics on a receipt) to a patron who
     * showed ID at the counter; it replaces any password the patron had. Returns the plain
     * password once, for the receipt.
     */
    async issueInitialPassword(
      libraryId: number,
      settings: LibrarySettings,
      card: string,
    ): Promise<
      | { ok: true; password: string; patron: Patron }
      | { ok: false; reason: 'no_such_card' }
      | { ok: false; reason: 'ineligible'; eligibility: 'disability_service' | 'under_age' }
    > {
      const normalised = normaliseCardNumber(card)
      const patron = normalised.ok ? await patrons.byCard(libraryId, normalised.card) : undefined
      if (!patron) return { ok: false, reason: 'no_such_card' }
      const eligible = onlineServiceEligibility(patron, settings, today(clock))
      if (!eligible.ok) return { ok: false, reason: 'ineligible', eligibility: eligible.reason }
      const password = generateInitialPassword(settings.initialPasswordLength)
      const now = clock.now().toISOString().slice(0, 19).replace('T', ' ')
      await patrons.setPassword(libraryId, patron.id, await hashPassword(password, pepper), {
        initial: true,
        expectedHash: undefined,
        now,
      })
      return { ok: true, password, patron }
    },

    /** Stores a password; false when the patron's password changed meanwhile. */
    async store(
      libraryId: number,
      patron: Pick<Patron, 'id' | 'password_hash'>,
      hash: string,
    ): Promise<boolean> {
      const now = clock.now().toISOString().slice(0, 19).replace('T', ' ')
      return patrons.setPassword(libraryId, patron.id, hash, {
        initial: false,
        expectedHash: patron.password_hash,
        now,
      })
    },
  }
}

export type AuthService = ReturnType<typeof authService>

/** 「パスワードは4文字以上の半角英数字で入力してください。」 */
export function passwordRuleText(settings: LibrarySettings): string {
  return `パスワードは${settings.passwordMinLength}文字以上の半角英数字で入力してください。`
}
