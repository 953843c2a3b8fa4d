// Login and passwords: card + password checks with per-card and per-address throttling,
// library A's self-registration (card + name + birth date) and password changes. One
// message for every failed login: it never tells whether the card exists.
import type { Clock } from '../clock.ts'
import { today, utcDateTime } from '../clock.ts'
import type { PatronRepository } from '../db/patron-repository.ts'
import type { Patron } from '../db/schema.ts'
import type { LibrarySettings } from './library-settings.ts'
import {
  PASSWORD_MAX_LENGTH,
  dummyVerify,
  generateInitialPassword,
  guessablePassword,
  hashPassword,
  normaliseCardNumber,
  onlineServiceEligibility,
  validateNewPassword,
  verifyIdentity,
  verifyPassword,
} from './password-service.ts'
import type { EligibilityProblem, GuessablePassword, PasswordProblem } from './password-service.ts'
import type { ThrottleService } from './throttle-service.ts'

/** What is wrong with a field of a login or password form; render/words.ts words it. */
export type AuthProblem =
  | 'card_empty'
  | 'card_not_digits'
  | 'card_too_long'
  | 'password_empty'
  /** Longer than any password can be: answered like any other failed login. */
  | 'login_failed'
  | 'new_password_empty'
  | 'password_too_short'
  | 'password_not_alphanumeric'
  | 'password_too_long'
  | 'confirmation_mismatch'
  | 'name_empty'
  | 'name_too_long'
  | 'birth_date_invalid'
  | 'current_empty'
  /** The current password of a logged-in patron's change form is wrong. */
  | 'current_wrong'
  | 'same_as_current'
  /** The new password is the card number, the birth date or one character repeated. */
  | 'password_is_card'
  | 'password_is_birth_date'
  | 'password_repeated'

/** The form fields the account journeys ask for. */
export type AuthField = 'card' | 'password' | 'confirmation' | 'fullName' | 'birthDate' | 'current'

export type FieldErrors = Partial<Record<AuthField, AuthProblem>>

type Ineligible = { ok: false; reason: 'ineligible'; eligibility: EligibilityProblem }

export type LoginOutcome =
  | { ok: true; patron: Patron; initialPassword: boolean }
  | { ok: false; reason: 'fields'; errors: FieldErrors }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; until: Date }
  | Ineligible

export type IdentityOutcome =
  | { ok: true; patron: Patron }
  | { ok: false; reason: 'fields'; errors: FieldErrors }
  | { ok: false; reason: 'not_matched' }
  | { ok: false; reason: 'locked'; until: Date }
  | { ok: false; reason: 'has_password' }
  | Ineligible

export type SetPasswordOutcome =
  { ok: true; hash: string } | { ok: false; reason: 'fields'; errors: FieldErrors }

export type ChangeCheckOutcome =
  | { ok: true; patron: Patron; newHash: string }
  | { ok: false; reason: 'fields'; errors: FieldErrors }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; until: Date }
  | Ineligible

const CARD_PROBLEMS = {
  empty: 'card_empty',
  not_digits: 'card_not_digits',
  too_long: 'card_too_long',
} as const satisfies Record<string, AuthProblem>

const GUESSABLE_PROBLEMS = {
  card: 'password_is_card',
  birth_date: 'password_is_birth_date',
  repeated: 'password_repeated',
} as const satisfies Record<GuessablePassword, AuthProblem>

const PASSWORD_PROBLEMS = {
  too_short: 'password_too_short',
  not_alphanumeric: 'password_not_alphanumeric',
  too_long: 'password_too_long',
} as const satisfies Record<PasswordProblem, AuthProblem>

/** The patron's logins elsewhere, ended when the password changes. */
export interface PatronSessions {
  /** Ends every session of the patron but exceptSid; returns how many were ended. */
  endPatronSessions(patronId: number, exceptSid?: string): Promise<number>
}

/** The costly (or secret-comparing) checks behind a login or identity check. */
export interface PasswordChecks {
  verify: typeof verifyPassword
  dummy: typeof dummyVerify
  identity: typeof verifyIdentity
}

const DEFAULT_CHECKS: PasswordChecks = {
  verify: verifyPassword,
  dummy: dummyVerify,
  identity: verifyIdentity,
}

export function authService(deps: {
  patrons: PatronRepository
  throttle: ThrottleService
  clock: Clock
  pepper: string
  /** The checks themselves; tests wrap them to count how many guesses were verified. */
  passwords?: PasswordChecks
  /** Ends a patron's sessions when their password changes (the session store). */
  sessions?: PatronSessions
}) {
  const { patrons, throttle, clock, pepper } = deps
  const passwords = deps.passwords ?? DEFAULT_CHECKS
  const cardSubject = (libraryId: number, card: string) => `${libraryId}:${card}`

  /**
   * Reserves one attempt for the card and one for the address before anything is verified,
   * atomically (throttle.reserve), so a burst of parallel guesses gets at most the limit
   * verified. Returns the lock's end when either is locked (then nothing stays counted).
   */
  async function reserve(
    scope: 'login' | 'verify',
    libraryId: number,
    card: string,
    address: string,
  ): Promise<Date | null> {
    const cardKey = cardSubject(libraryId, card)
    const byCard = await throttle.reserve(scope, cardKey)
    if (!byCard.ok) return byCard.until
    const byAddress = await throttle.reserve('address', address)
    if (!byAddress.ok) {
      await throttle.refund(scope, cardKey)
      return byAddress.until
    }
    return null
  }

  /** A verified success: the card's failures are forgotten, the address's attempt refunded. */
  async function succeeded(
    scope: 'login' | 'verify',
    libraryId: number,
    card: string,
    address: string,
  ) {
    await throttle.succeed(scope, cardSubject(libraryId, card))
    await throttle.refund('address', address)
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
    | Ineligible
  > {
    const errors: FieldErrors = {}
    const card = normaliseCardNumber(input.card)
    if (!card.ok) errors.card = CARD_PROBLEMS[card.reason]
    if (!input.password) errors.password = 'password_empty'
    else if (input.password.length > PASSWORD_MAX_LENGTH) errors.password = 'login_failed'
    if (!card.ok || Object.keys(errors).length) return { ok: false, reason: 'fields', errors }
    const until = await reserve('login', libraryId, card.card, input.address)
    if (until) return { ok: false, reason: 'locked', until }
    const patron = await patrons.byCard(libraryId, card.card)
    const matched = patron?.password_hash
      ? await passwords.verify(input.password, patron.password_hash, pepper)
      : (await passwords.dummy(pepper), false)
    // A failure stays counted: its attempt was reserved above.
    if (!patron || !matched) return { ok: false, reason: 'invalid' }
    await succeeded('login', libraryId, card.card, input.address)
    const eligible = onlineServiceEligibility(patron, settings, today(clock))
    if (!eligible.ok) return { ok: false, reason: 'ineligible', eligibility: eligible.reason }
    return { ok: true, patron }
  }

  /**
   * Validates a new password entered twice and hashes it. With the patron, a password anyone
   * could guess from the card or the patron (guessablePassword) is refused too.
   */
  async function newPassword(
    settings: LibrarySettings,
    input: {
      password: string
      confirmation: string
      patron?: { card_number: string; birth_date: string }
    },
  ): Promise<SetPasswordOutcome> {
    const errors: FieldErrors = {}
    const valid = validateNewPassword(settings, input.password)
    const guessable = input.patron ? guessablePassword(input.password, input.patron) : null
    if (!input.password) errors.password = 'new_password_empty'
    else if (!valid.ok) errors.password = PASSWORD_PROBLEMS[valid.reason]
    else if (guessable) errors.password = GUESSABLE_PROBLEMS[guessable]
    if (!errors.password && input.password !== input.confirmation) {
      errors.confirmation = 'confirmation_mismatch'
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
      if (!card.ok) errors.card = CARD_PROBLEMS[card.reason]
      const fullName = input.fullName.trim()
      if (!fullName) errors.fullName = 'name_empty'
      else if (fullName.length > 50) errors.fullName = 'name_too_long'
      if (!input.birthDate) errors.birthDate = 'birth_date_invalid'
      if (!card.ok || !input.birthDate || Object.keys(errors).length) {
        return { ok: false, reason: 'fields', errors }
      }
      const until = await reserve('verify', libraryId, card.card, input.address)
      if (until) return { ok: false, reason: 'locked', until }
      const patron = await patrons.byCard(libraryId, card.card)
      const matched = patron
        ? passwords.identity(patron, { fullName, birthDate: input.birthDate })
        : false
      // A failure stays counted: its attempt was reserved above.
      if (!patron || !matched) return { ok: false, reason: 'not_matched' }
      await succeeded('verify', libraryId, card.card, input.address)
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
          errors.current = 'current_empty'
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
          errors: { password: 'same_as_current' },
        }
      }
      // Only now that the patron is known (and proved the current password).
      const guessable = guessablePassword(input.password, checked.patron)
      if (guessable) {
        return { ok: false, reason: 'fields', errors: { password: GUESSABLE_PROBLEMS[guessable] } }
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
      | Ineligible
    > {
      const normalised = normaliseCardNumber(card)
      const patron = normalised.ok ? await patrons.byCard(libraryId, normalised.card) : undefined
      if (!patron) return { ok: false, reason: 'no_such_card' }
      const eligible = onlineServiceEligibility(patron, settings, today(clock))
      if (!eligible.ok) return { ok: false, reason: 'ineligible', eligibility: eligible.reason }
      const password = generateInitialPassword(settings.initialPasswordLength)
      const now = utcDateTime(clock.now())
      await patrons.setPassword(libraryId, patron.id, await hashPassword(password, pepper), {
        initial: true,
        expectedHash: undefined,
        now,
      })
      // Whoever was logged in with the old password is logged out.
      await deps.sessions?.endPatronSessions(patron.id)
      return { ok: true, password, patron }
    },

    /**
     * Stores a password; false when the patron's password changed meanwhile. Every other
     * session of the patron ends (a login made with the old password, or by whoever knew it);
     * `keepSession` is the session id of the request that made the change.
     */
    async store(
      libraryId: number,
      patron: Pick<Patron, 'id' | 'password_hash'>,
      hash: string,
      keepSession?: string,
    ): Promise<boolean> {
      const now = utcDateTime(clock.now())
      const stored = await patrons.setPassword(libraryId, patron.id, hash, {
        initial: false,
        expectedHash: patron.password_hash,
        now,
      })
      if (stored) await deps.sessions?.endPatronSessions(patron.id, keepSession)
      return stored
    },
  }
}

export type AuthService = ReturnType<typeof authService>
