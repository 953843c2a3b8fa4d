// Passwords and who may have one (SPEC.md §2, seeds 000 and 003): the password policy, the
// online-service eligibility (disability service, elementary-school age), hashing, initial
// passwords, card-number input and library A's identity check for first registration.
// Everything here is pure apart from the randomness and CPU time of hashing.
import { createHmac, randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto'
import type { BinaryLike, ScryptOptions } from 'node:crypto'
import type { Residency } from '../db/schema.ts'
import { compareDays, isValidDay } from './calendar-service.ts'
import type { LibrarySettings } from './library-settings.ts'

// ---------------------------------------------------------------------------------------
// Policy

export const PASSWORD_MAX_LENGTH = 64

export type PasswordProblem = 'too_short' | 'not_alphanumeric' | 'too_long'

const ALPHANUMERIC = /^[A-Za-z0-9]+$/

/**
 * Half-width letters and digits only (A–Z a–z 0–9), case-sensitive (「大・小文字はそれぞれ別に
 * 認識します」), at least passwordMinLength (A: 4, B: 6) and at most 64 characters. Full-width
 * letters are refused, not folded: a patron who types ＡＢＣＤ would later fail to log in from
 * a keitai that sends ABCD, or the other way round, and never know why.
 */
export function validateNewPassword(
  settings: Pick<LibrarySettings, 'passwordMinLength'>,
  password: string,
): { ok: true } | { ok: false; reason: PasswordProblem } {
  if (password.length === 0) return { ok: false, reason: 'too_short' }
  if (!ALPHANUMERIC.test(password)) return { ok: false, reason: 'not_alphanumeric' }
  if (password.length < settings.passwordMinLength) return { ok: false, reason: 'too_short' }
  if (password.length > PASSWORD_MAX_LENGTH) return { ok: false, reason: 'too_long' }
  return { ok: true }
}

export type GuessablePassword = 'card' | 'birth_date' | 'repeated'

/**
 * Passwords anyone holding the card (or knowing the patron) would try first, refused under both
 * presets (the length rules stay each library's): the card number itself, the birth date in
 * the spellings people use (19850412, 850412, 0412, 4121985 …, with the month and day with
 * or without their leading zero), and one character repeated (1111, aaaa).
 */
export function guessablePassword(
  password: string,
  patron: { card_number: string; birth_date: string },
): GuessablePassword | null {
  if (password === patron.card_number) return 'card'
  if (password.length > 1 && [...password].every((c) => c === password[0])) return 'repeated'
  if (birthDateSpellings(patron.birth_date).has(password)) return 'birth_date'
  return null
}

function birthDateSpellings(birthDate: string): Set<string> {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(birthDate)
  if (!m) return new Set()
  const [, yyyy = '', mm = '', dd = ''] = m
  const yy = yyyy.slice(2)
  const months = new Set([mm, String(Number(mm))])
  const days = new Set([dd, String(Number(dd))])
  const out = new Set<string>()
  for (const mo of months) {
    for (const d of days) {
      for (const y of [yyyy, yy, '']) {
        out.add(`${y}${mo}${d}`) // 19850412, 850412, 0412, 412
        if (y) out.add(`${mo}${d}${y}`) // 04121985, 041285
        if (y) out.add(`${d}${mo}${y}`) // 12041985
      }
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------
// Who may use the online services (and so have a password)

export type EligibilityProblem = 'disability_service' | 'under_age'

/**
 * Rules B: 「障がい者サービスをご利用の方はパスワードの登録はできません」 and passwords,
 * loan status and renewals are for 「小学生以上の方」. Residency is not checked here: under
 * rules B a non-resident may still have a password, see loans and renew; holds and e-mail
 * registration (市内在住・在勤・在学) check it in their own services.
 */
export function onlineServiceEligibility(
  patron: { birth_date: string; disability_service: boolean | number; residency?: Residency },
  settings: Pick<LibrarySettings, 'disabilityServiceMayHavePassword' | 'onlineServiceMinAge'>,
  today: string,
): { ok: true } | { ok: false; reason: EligibilityProblem } {
  if (!settings.disabilityServiceMayHavePassword && Boolean(patron.disability_service)) {
    return { ok: false, reason: 'disability_service' }
  }
  if (settings.onlineServiceMinAge > 0) {
    const from = schoolEntryDay(patron.birth_date, settings.onlineServiceMinAge)
    if (compareDays(today, from) < 0) return { ok: false, reason: 'under_age' }
  }
  return { ok: true }
}

/**
 * April 1 of the school year a child born on birthDate starts in the grade entered at age
 * `age` (6: first grade of elementary school). Japanese school years start on April 1 and a
 * child enters first grade in the April after turning 6; legally one becomes a year older on
 * the day before the birthday, so a child born on April 1 belongs to the earlier year:
 * born 2019-04-02 … 2020-04-01 → first grade from 2026-04-01.
 */
export function schoolEntryDay(birthDate: string, age: number): string {
  if (!isValidDay(birthDate)) throw new RangeError(`not a birth date: "${birthDate}"`)
  const year = Number(birthDate.slice(0, 4))
  const monthDay = birthDate.slice(5)
  const entryYear = monthDay <= '04-01' ? year + age : year + age + 1
  return `${String(entryYear).padStart(4, '0')}-04-01`
}

// ---------------------------------------------------------------------------------------
// Hashing: scrypt over HMAC-SHA256(pepper, password)

/**
 * Cost of new hashes. N = 2^15, r = 8 needs 128·N·r = 32 MiB per hash; one hash (or verify,
 * or dummyVerify) took a median 115 ms (95–155 ms) on a 2-vCPU AMD EPYC development VM.
 * scrypt runs on libuv's thread pool (4 threads by default), so a login never blocks the
 * event loop, but each app process can check only about cores × 9 passwords a second.
 * Stored hashes carry their own parameters, so raising the cost later keeps old hashes
 * verifiable.
 */
export const SCRYPT_PARAMS = { logN: 15, r: 8, p: 1, saltBytes: 32, keyBytes: 32 } as const
const SCRYPT_MAXMEM = 64 * 1024 * 1024

const B64 = /^[A-Za-z0-9+/]+={0,2}$/

interface ParsedHash {
  logN: number
  r: number
  p: number
  salt: Buffer
  hash: Buffer
}

function scryptAsync(
  password: BinaryLike,
  salt: BinaryLike,
  keyBytes: number,
  options: ScryptOptions,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyBytes, options, (err, key) => (err ? reject(err) : resolve(key)))
  })
}

/** The pepper (kept outside the database) is mixed in first, so a stolen table is not enough. */
function peppered(password: string, pepper: string): Buffer {
  return createHmac('sha256', pepper).update(password, 'utf8').digest()
}

function derive(password: string, pepper: string, h: Omit<ParsedHash, 'hash'>, keyBytes: number) {
  return scryptAsync(peppered(password, pepper), h.salt, keyBytes, {
    N: 2 ** h.logN,
    r: h.r,
    p: h.p,
    maxmem: SCRYPT_MAXMEM,
  })
}

function decodeB64(text: string | undefined): Buffer | null {
  if (!text || !B64.test(text)) return null
  const buf = Buffer.from(text, 'base64')
  return buf.toString('base64') === text ? buf : null
}

function smallInt(text: string | undefined, min: number, max: number): number | null {
  if (!text || !/^[1-9]\d{0,2}$/.test(text)) return null
  const n = Number(text)
  return n >= min && n <= max ? n : null
}

/** scrypt$<logN>$<r>$<p>$<salt b64>$<hash b64>, or null when it is not one we could verify. */
function parseHash(stored: string): ParsedHash | null {
  const fields = stored.split('$')
  if (fields.length !== 6 || fields[0] !== 'scrypt') return null
  const logN = smallInt(fields[1], 10, 20)
  const r = smallInt(fields[2], 1, 32)
  const p = smallInt(fields[3], 1, 16)
  const salt = decodeB64(fields[4])
  const hash = decodeB64(fields[5])
  if (logN === null || r === null || p === null || !salt || !hash) return null
  if (salt.length < 16 || hash.length < 16 || hash.length > 64) return null
  if (128 * 2 ** logN * r > SCRYPT_MAXMEM / 2) return null
  return { logN, r, p, salt, hash }
}

export async function hashPassword(password: string, pepper: string): Promise<string> {
  const { logN, r, p, saltBytes, keyBytes } = SCRYPT_PARAMS
  const salt = randomBytes(saltBytes)
  const hash = await derive(password, pepper, { logN, r, p, salt }, keyBytes)
  return ['scrypt', logN, r, p, salt.toString('base64'), hash.toString('base64')].join('$')
}

/**
 * True only when stored is a hash of password with this pepper. A missing (null) or garbled
 * stored value is false, after the same work as a real check, so that the answer takes as
 * long for "this card has no password" as for "wrong password".
 */
export async function verifyPassword(
  password: string,
  stored: string | null,
  pepper: string,
): Promise<boolean> {
  const parsed = stored === null ? null : parseHash(stored)
  if (!parsed) return dummyVerify(pepper)
  const key = await derive(password, pepper, parsed, parsed.hash.length)
  return timingSafeEqual(key, parsed.hash)
}

const DUMMY_SALT = randomBytes(SCRYPT_PARAMS.saltBytes)
const DUMMY_HASH = Buffer.alloc(SCRYPT_PARAMS.keyBytes)

/**
 * Spends the time of one verifyPassword at the current cost and returns false. Login calls
 * it when no patron has the card number, so "no such card" cannot be told from "wrong
 * password" by the time the answer takes.
 */
export async function dummyVerify(pepper: string): Promise<false> {
  const { logN, r, p, keyBytes } = SCRYPT_PARAMS
  const key = await derive('dummy-password', pepper, { logN, r, p, salt: DUMMY_SALT }, keyBytes)
  timingSafeEqual(key, DUMMY_HASH)
  return false
}

// ---------------------------------------------------------------------------------------
// Initial passwords (rules B: 英数字８桁, printed on a receipt)

/** Letters and digits without the look-alikes 0 O o 1 l I. */
export const INITIAL_PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789'

/**
 * A random initial password of length characters from INITIAL_PASSWORD_ALPHABET with at
 * least one letter and one digit. Candidates without both are drawn again, so every valid
 * password is equally likely (≈ 46 bits for 8 characters).
 */
export function generateInitialPassword(length = 8): string {
  if (!Number.isInteger(length) || length < 2 || length > PASSWORD_MAX_LENGTH) {
    throw new RangeError(`initial password length must be 2–${PASSWORD_MAX_LENGTH}: ${length}`)
  }
  for (;;) {
    let password = ''
    for (let i = 0; i < length; i++) {
      password += INITIAL_PASSWORD_ALPHABET.charAt(randomInt(INITIAL_PASSWORD_ALPHABET.length))
    }
    if (/[A-Za-z]/.test(password) && /\d/.test(password)) return password
  }
}

// ---------------------------------------------------------------------------------------
// Card numbers and identity (login and library A's 新規パスワード登録)

export const CARD_NUMBER_MAX_LENGTH = 20

/** Spaces of any width; hyphens, dashes, minus signs and long-vowel marks typed as hyphens. */
const CARD_SEPARATORS = /[\s\u3000\-\u2010-\u2015\u2212\u30fc\uff70]/gu

/**
 * The card number as stored: NFKC (full-width digits → half-width), without spaces (also
 * U+3000) and hyphens, then 1–20 ASCII digits.
 */
export function normaliseCardNumber(
  raw: string,
): { ok: true; card: string } | { ok: false; reason: 'empty' | 'not_digits' | 'too_long' } {
  if (raw.length > 200) return { ok: false, reason: 'too_long' }
  const card = raw.normalize('NFKC').replace(CARD_SEPARATORS, '')
  if (card === '') return { ok: false, reason: 'empty' }
  if (!/^[0-9]+$/.test(card)) return { ok: false, reason: 'not_digits' }
  if (card.length > CARD_NUMBER_MAX_LENGTH) return { ok: false, reason: 'too_long' }
  return { ok: true, card }
}

function comparableName(name: string): string {
  return name.normalize('NFKC').replace(/\s+/gu, '')
}

/**
 * Library A's first registration: the name and birth date typed must be the patron's.
 * Names compare after NFKC and without any spaces, so 「小田原 太郎」, 「小田原太郎」 and
 * the same with a full-width space all match (half-width katakana also folds to
 * full-width). Birth dates must be the same YYYY-MM-DD date (full-width digits accepted).
 */
export function verifyIdentity(
  patron: { full_name: string; birth_date: string },
  input: { fullName: string; birthDate: string },
): boolean {
  const typedName = comparableName(input.fullName)
  if (typedName === '' || typedName !== comparableName(patron.full_name)) return false
  const typedDay = input.birthDate.normalize('NFKC').trim()
  return isValidDay(typedDay) && typedDay === patron.birth_date.slice(0, 10)
}

/**
 * A birth date from three fields (year, month, day: selects or text inputs) as YYYY-MM-DD,
 * or null unless it is a real date. Full-width digits and surrounding spaces are accepted;
 * the year must have four digits.
 */
export function parseBirthDate(y: string, m: string, d: string): string | null {
  const [year, month, day] = [y, m, d].map((s) => s.normalize('NFKC').trim())
  if (!year || !month || !day) return null
  if (!/^\d{4}$/.test(year) || !/^\d{1,2}$/.test(month) || !/^\d{1,2}$/.test(day)) return null
  const iso = `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`
  return isValidDay(iso) ? iso : null
}
