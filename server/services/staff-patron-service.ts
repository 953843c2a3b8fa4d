// Patron maintenance behind the counter (SPEC.md §9): registration and changes, suspension
// (利用停止), initial passwords (rules B: issued on a receipt) or clearing a forgotten one (rules
// A: the patron registers again on the site), unlocking a card locked by failed logins, and
// ending a patron's login sessions.
import type { Clock } from '../clock.ts'
import { utcDateTime } from '../clock.ts'
import type { PatronRepository } from '../db/patron-repository.ts'
import { AGE_GROUPS } from '../db/schema.ts'
import type { AgeGroup, Patron, Residency } from '../db/schema.ts'
import type { PatronFields, StaffPatronRepository } from '../db/staff-patron-repository.ts'
import type { AuthService } from './auth-service.ts'
import { normaliseCardNumber } from './password-service.ts'
import type { EligibilityProblem } from './password-service.ts'
import type { LibrarySettings } from './library-settings.ts'
import type { ThrottleService } from './throttle-service.ts'

export { AGE_GROUPS }
export const RESIDENCIES = ['resident', 'worker', 'student', 'non_resident'] as const

export interface StaffLibrary {
  library: { id: number }
  settings: LibrarySettings
}

/** A patron as staff see it: never the password hash. */
export interface PatronView {
  id: number
  cardNumber: string
  fullName: string
  fullNameReading: string
  birthDate: string
  residency: Residency
  disabilityService: boolean
  ageGroup: AgeGroup
  email: string | null
  hasPassword: boolean
  passwordIsInitial: boolean
  suspended: { at: string; reason: string } | null
  /** Until when failed logins lock the card (UTC ISO), or null. */
  lockedUntil: string | null
}

export type PatronInput = {
  cardNumber: string
  fullName: string
  fullNameReading?: string
  birthDate: string
  residency: Residency
  disabilityService?: boolean
  ageGroup?: AgeGroup
}

export type PatronOutcome =
  | { ok: true; patron: PatronView }
  | { ok: false; reason: 'not_found' | 'card_taken' | 'card_invalid' }

export type PasswordOutcome =
  | { ok: true; kind: 'issued'; password: string; patron: PatronView }
  | { ok: true; kind: 'cleared'; patron: PatronView }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'ineligible'; eligibility: EligibilityProblem }

export function staffPatronService(deps: {
  patrons: PatronRepository
  staffPatrons: StaffPatronRepository
  auth: AuthService
  throttle: ThrottleService
  clock: Clock
}) {
  const { patrons, staffPatrons, auth, throttle, clock } = deps
  const subject = (libraryId: number, card: string) => `${libraryId}:${card}`

  async function view(libraryId: number, p: Patron): Promise<PatronView> {
    const lock = await throttle.check('login', subject(libraryId, p.card_number))
    return {
      id: p.id,
      cardNumber: p.card_number,
      fullName: p.full_name,
      fullNameReading: p.full_name_reading,
      birthDate: p.birth_date.slice(0, 10),
      residency: p.residency,
      disabilityService: Boolean(p.disability_service),
      ageGroup: p.age_group,
      email: p.email,
      hasPassword: p.password_hash !== null,
      passwordIsInitial: Boolean(p.password_is_initial),
      suspended: p.suspended_at ? { at: p.suspended_at, reason: p.suspended_reason } : null,
      lockedUntil: lock.ok ? null : lock.until.toISOString(),
    }
  }

  async function found(libraryId: number, id: number): Promise<PatronOutcome> {
    const p = await patrons.byId(libraryId, id)
    return p ? { ok: true, patron: await view(libraryId, p) } : { ok: false, reason: 'not_found' }
  }

  const isDuplicate = (err: unknown) => (err as { code?: string }).code === 'ER_DUP_ENTRY'

  return {
    get: (lib: StaffLibrary, id: number) => found(lib.library.id, id),

    async byCard(lib: StaffLibrary, card: string): Promise<PatronOutcome> {
      const normalised = normaliseCardNumber(card)
      if (!normalised.ok) return { ok: false, reason: 'card_invalid' }
      const p = await patrons.byCard(lib.library.id, normalised.card)
      return p
        ? { ok: true, patron: await view(lib.library.id, p) }
        : { ok: false, reason: 'not_found' }
    },

    async create(lib: StaffLibrary, input: PatronInput): Promise<PatronOutcome> {
      const card = normaliseCardNumber(input.cardNumber)
      if (!card.ok) return { ok: false, reason: 'card_invalid' }
      const fields: PatronFields = {
        card_number: card.card,
        full_name: input.fullName.trim(),
        full_name_reading: input.fullNameReading?.trim() ?? '',
        birth_date: input.birthDate,
        residency: input.residency,
        disability_service: input.disabilityService ?? false,
        age_group: input.ageGroup ?? 'adult',
      }
      try {
        const id = await staffPatrons.insert(lib.library.id, fields)
        return found(lib.library.id, id)
      } catch (err) {
        if (isDuplicate(err)) return { ok: false, reason: 'card_taken' }
        throw err
      }
    },

    async update(
      lib: StaffLibrary,
      id: number,
      input: Partial<PatronInput>,
    ): Promise<PatronOutcome> {
      const libraryId = lib.library.id
      if (!(await patrons.byId(libraryId, id))) return { ok: false, reason: 'not_found' }
      const fields: Partial<PatronFields> = {}
      if (input.cardNumber !== undefined) {
        const card = normaliseCardNumber(input.cardNumber)
        if (!card.ok) return { ok: false, reason: 'card_invalid' }
        fields.card_number = card.card
      }
      if (input.fullName !== undefined) fields.full_name = input.fullName.trim()
      if (input.fullNameReading !== undefined)
        fields.full_name_reading = input.fullNameReading.trim()
      if (input.birthDate !== undefined) fields.birth_date = input.birthDate
      if (input.residency !== undefined) fields.residency = input.residency
      if (input.disabilityService !== undefined) fields.disability_service = input.disabilityService
      if (input.ageGroup !== undefined) fields.age_group = input.ageGroup
      try {
        await staffPatrons.update(libraryId, id, fields)
      } catch (err) {
        if (isDuplicate(err)) return { ok: false, reason: 'card_taken' }
        throw err
      }
      return found(libraryId, id)
    },

    /** 利用停止 (reason given) or its end (reason null). Ending sessions is separate. */
    async suspend(lib: StaffLibrary, id: number, reason: string | null): Promise<PatronOutcome> {
      const libraryId = lib.library.id
      const p = await patrons.byId(libraryId, id)
      if (!p) return { ok: false, reason: 'not_found' }
      const keep = p.suspended_at && reason !== null
      await staffPatrons.setSuspension(
        libraryId,
        id,
        reason === null
          ? null
          : { at: keep ? (p.suspended_at as string) : utcDateTime(clock.now()), reason },
      )
      return found(libraryId, id)
    },

    /**
     * Rules B (counter_issued): a new initial password, returned once for the receipt.
     * Rules A (self_registration): the forgotten password is cleared; the patron registers a
     * new one on the site with name and birth date (新規パスワード登録).
     */
    async issuePassword(lib: StaffLibrary, id: number): Promise<PasswordOutcome> {
      const libraryId = lib.library.id
      const p = await patrons.byId(libraryId, id)
      if (!p) return { ok: false, reason: 'not_found' }
      if (lib.settings.passwordSetup === 'self_registration') {
        await staffPatrons.clearPassword(libraryId, id, utcDateTime(clock.now()))
        await staffPatrons.endSessions(libraryId, id)
        const after = await found(libraryId, id)
        if (!after.ok) return { ok: false, reason: 'not_found' }
        return { ok: true, kind: 'cleared', patron: after.patron }
      }
      const issued = await auth.issueInitialPassword(libraryId, lib.settings, p.card_number)
      if (!issued.ok) {
        return issued.reason === 'no_such_card'
          ? { ok: false, reason: 'not_found' }
          : { ok: false, reason: 'ineligible', eligibility: issued.eligibility }
      }
      await staffPatrons.endSessions(libraryId, id)
      const after = await found(libraryId, id)
      if (!after.ok) return { ok: false, reason: 'not_found' }
      return { ok: true, kind: 'issued', password: issued.password, patron: after.patron }
    },

    /** Lifts the lock that failed logins and identity checks put on the card. */
    async unlock(lib: StaffLibrary, id: number): Promise<PatronOutcome> {
      const libraryId = lib.library.id
      const p = await patrons.byId(libraryId, id)
      if (!p) return { ok: false, reason: 'not_found' }
      await throttle.succeed('login', subject(libraryId, p.card_number))
      await throttle.succeed('verify', subject(libraryId, p.card_number))
      return found(libraryId, id)
    },

    async endSessions(
      lib: StaffLibrary,
      id: number,
    ): Promise<{ ok: true; ended: number } | { ok: false; reason: 'not_found' }> {
      const libraryId = lib.library.id
      if (!(await patrons.byId(libraryId, id))) return { ok: false, reason: 'not_found' }
      return { ok: true, ended: await staffPatrons.endSessions(libraryId, id) }
    },
  }
}

export type StaffPatronService = ReturnType<typeof staffPatronService>
