import { createHmac, scryptSync } from 'node:crypto'
import { expect } from 'chai'
import { PRESETS } from '../../../server/services/library-settings.ts'
import {
  CARD_NUMBER_MAX_LENGTH,
  INITIAL_PASSWORD_ALPHABET,
  PASSWORD_MAX_LENGTH,
  SCRYPT_PARAMS,
  dummyVerify,
  generateInitialPassword,
  hashPassword,
  normaliseCardNumber,
  onlineServiceEligibility,
  parseBirthDate,
  schoolEntryDay,
  validateNewPassword,
  guessablePassword,
  verifyIdentity,
  verifyPassword,
} from '../../../server/services/password-service.ts'

const PEPPER = 'test-pepper-0123456789abcdef'
const A = PRESETS.A
const B = PRESETS.B

describe('password-service', () => {
  describe('validateNewPassword', () => {
    it('rules A: 4 or more half-width alphanumerics', () => {
      expect(A.passwordMinLength).to.equal(4)
      expect(validateNewPassword(A, 'abcd')).to.deep.equal({ ok: true })
      expect(validateNewPassword(A, 'Ab12')).to.deep.equal({ ok: true })
      expect(validateNewPassword(A, '1234')).to.deep.equal({ ok: true })
      expect(validateNewPassword(A, 'ABCDEFGH')).to.deep.equal({ ok: true })
      expect(validateNewPassword(A, 'abc')).to.deep.equal({ ok: false, reason: 'too_short' })
      expect(validateNewPassword(A, '')).to.deep.equal({ ok: false, reason: 'too_short' })
    })

    it('rules B: 6 or more', () => {
      expect(B.passwordMinLength).to.equal(6)
      expect(validateNewPassword(B, 'abcd')).to.deep.equal({ ok: false, reason: 'too_short' })
      expect(validateNewPassword(B, 'abcde')).to.deep.equal({ ok: false, reason: 'too_short' })
      expect(validateNewPassword(B, 'abcdef')).to.deep.equal({ ok: true })
      expect(validateNewPassword(B, 'Abc123')).to.deep.equal({ ok: true })
    })

    it('at most 64 characters', () => {
      for (const settings of [A, B]) {
        expect(validateNewPassword(settings, 'a'.repeat(PASSWORD_MAX_LENGTH))).to.deep.equal({
          ok: true,
        })
        expect(validateNewPassword(settings, 'a'.repeat(PASSWORD_MAX_LENGTH + 1))).to.deep.equal({
          ok: false,
          reason: 'too_long',
        })
      }
    })

    it('refuses full-width letters and digits, kana, symbols and spaces', () => {
      for (const settings of [A, B]) {
        for (const password of [
          'ａｂｃｄｅｆ',
          'ＡＢＣ１２３',
          '１２３４５６',
          'abc１２３',
          'ぱすわーど12',
          'ﾊﾟｽﾜｰﾄﾞ1',
          'abcd!123',
          'abc-1234',
          'abc_1234',
          'abc 1234',
          ' abcdefg',
          'abcdefg\n',
          'abcdéfg',
          'パスワード123',
        ]) {
          expect(validateNewPassword(settings, password), password).to.deep.equal({
            ok: false,
            reason: 'not_alphanumeric',
          })
        }
      }
    })

    it('a short password with a symbol is reported as not alphanumeric', () => {
      expect(validateNewPassword(A, 'a!')).to.deep.equal({ ok: false, reason: 'not_alphanumeric' })
    })
  })

  describe('onlineServiceEligibility', () => {
    const child = (birth_date: string, disability_service: boolean | number = 0) => ({
      birth_date,
      disability_service,
      residency: 'resident' as const,
    })

    it('rules B: patrons registered for disability services cannot have a password', () => {
      expect(onlineServiceEligibility(child('1980-05-05', 1), B, '2026-11-24')).to.deep.equal({
        ok: false,
        reason: 'disability_service',
      })
      expect(onlineServiceEligibility(child('1980-05-05', true), B, '2026-11-24')).to.deep.equal({
        ok: false,
        reason: 'disability_service',
      })
      expect(onlineServiceEligibility(child('1980-05-05', 0), B, '2026-11-24')).to.deep.equal({
        ok: true,
      })
      expect(onlineServiceEligibility(child('1980-05-05', false), B, '2026-11-24')).to.deep.equal({
        ok: true,
      })
    })

    it('rules A (no minimum age): a baby born last week may have a password', () => {
      const baby = { birth_date: '2026-11-16', disability_service: 0 }
      expect(onlineServiceEligibility(baby, PRESETS.A, '2026-11-23')).to.deep.equal({ ok: true })
    })

    it('rules A: disability service and any age are fine', () => {
      expect(onlineServiceEligibility(child('1980-05-05', 1), A, '2026-11-24')).to.deep.equal({
        ok: true,
      })
      expect(onlineServiceEligibility(child('2025-01-01'), A, '2026-11-24')).to.deep.equal({
        ok: true,
      })
    })

    it('born 2020-04-01 (the earlier school year): first grade from 2026-04-01', () => {
      expect(onlineServiceEligibility(child('2020-04-01'), B, '2026-04-01')).to.deep.equal({
        ok: true,
      })
      expect(onlineServiceEligibility(child('2020-04-01'), B, '2026-03-31')).to.deep.equal({
        ok: false,
        reason: 'under_age',
      })
    })

    it('born 2020-04-02: not yet on 2026-04-01, first grade from 2027-04-01', () => {
      expect(onlineServiceEligibility(child('2020-04-02'), B, '2026-03-31')).to.deep.equal({
        ok: false,
        reason: 'under_age',
      })
      expect(onlineServiceEligibility(child('2020-04-02'), B, '2026-04-01')).to.deep.equal({
        ok: false,
        reason: 'under_age',
      })
      expect(onlineServiceEligibility(child('2020-04-02'), B, '2027-03-31')).to.deep.equal({
        ok: false,
        reason: 'under_age',
      })
      expect(onlineServiceEligibility(child('2020-04-02'), B, '2027-04-01')).to.deep.equal({
        ok: true,
      })
    })

    it('born 2019-04-02 … 2020-04-01 all start first grade in April 2026', () => {
      for (const birth of ['2019-04-02', '2019-12-31', '2020-01-01', '2020-02-29', '2020-04-01']) {
        expect(schoolEntryDay(birth, 6), birth).to.equal('2026-04-01')
        expect(onlineServiceEligibility(child(birth), B, '2026-03-31').ok, birth).to.equal(false)
        expect(onlineServiceEligibility(child(birth), B, '2026-04-01').ok, birth).to.equal(true)
      }
      expect(schoolEntryDay('2019-04-01', 6)).to.equal('2025-04-01')
    })

    it('a six-year-old still in kindergarten is under age', () => {
      // Turned 6 on 2026-05-01, but starts school only in April 2027.
      expect(onlineServiceEligibility(child('2020-05-01'), B, '2026-11-24')).to.deep.equal({
        ok: false,
        reason: 'under_age',
      })
    })

    it('disability service is reported before age', () => {
      expect(onlineServiceEligibility(child('2024-01-01', 1), B, '2026-11-24')).to.deep.equal({
        ok: false,
        reason: 'disability_service',
      })
    })

    it('generalises to other minimum ages (12: junior high school)', () => {
      const juniorHigh = { ...B, onlineServiceMinAge: 12 }
      expect(schoolEntryDay('2014-04-02', 12)).to.equal('2027-04-01')
      expect(onlineServiceEligibility(child('2014-04-02'), juniorHigh, '2027-03-31').ok).to.equal(
        false,
      )
      expect(onlineServiceEligibility(child('2014-04-02'), juniorHigh, '2027-04-01').ok).to.equal(
        true,
      )
    })

    it('throws on a stored birth date that is not a date', () => {
      expect(() => onlineServiceEligibility(child('2020-02-30'), B, '2026-11-24')).to.throw(
        RangeError,
        'not a birth date: "2020-02-30"',
      )
    })
  })

  describe('hashPassword / verifyPassword', () => {
    let stored: string

    before(async () => {
      stored = await hashPassword('Secret12', PEPPER)
    })

    it('stores a self-describing scrypt hash with a 32-byte salt and key', async () => {
      const own = await hashPassword('Secret12', PEPPER)
      expect(own).to.match(/^scrypt\$15\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/)
      expect(await verifyPassword('Secret12', own, PEPPER)).to.equal(true)
      const match = /^scrypt\$15\$8\$1\$([A-Za-z0-9+/]+=*)\$([A-Za-z0-9+/]+=*)$/.exec(stored)
      expect(match, stored).to.not.equal(null)
      expect(Buffer.from(match![1]!, 'base64')).to.have.length(SCRYPT_PARAMS.saltBytes)
      expect(Buffer.from(match![2]!, 'base64')).to.have.length(SCRYPT_PARAMS.keyBytes)
      expect(stored.length).to.be.at.most(255) // patron.password_hash VARCHAR(255)
      expect(stored).to.not.include('Secret12')
    })

    it('salts every hash', async () => {
      expect(await hashPassword('Secret12', PEPPER)).to.not.equal(stored)
    })

    it('verifies the right password', async () => {
      expect(await verifyPassword('Secret12', stored, PEPPER)).to.equal(true)
    })

    it('refuses a wrong password, another case, full-width and the empty string', async () => {
      for (const wrong of [
        'Secret13',
        'secret12',
        'SECRET12',
        'Ｓｅｃｒｅｔ１２',
        '',
        'Secret12 ',
      ]) {
        expect(await verifyPassword(wrong, stored, PEPPER), wrong).to.equal(false)
      }
    })

    it('refuses the right password with another pepper', async () => {
      expect(await verifyPassword('Secret12', stored, `${PEPPER}x`)).to.equal(false)
    })

    it('is false for a patron with no password (null)', async () => {
      expect(await verifyPassword('Secret12', null, PEPPER)).to.equal(false)
    })

    it('is false for garbled or foreign stored values, without throwing', async () => {
      const [, , , , salt, hash] = stored.split('$')
      for (const bad of [
        '',
        'Secret12',
        'scrypt',
        `scrypt$15$8$1$${salt}`,
        `scrypt$15$8$1$${salt}$${hash}$extra`,
        `bcrypt$15$8$1$${salt}$${hash}`,
        `scrypt$30$8$1$${salt}$${hash}`, // would need 128 GiB: refused, never run
        `scrypt$15$64$1$${salt}$${hash}`,
        `scrypt$015$8$1$${salt}$${hash}`,
        `scrypt$x$8$1$${salt}$${hash}`,
        `scrypt$15$8$0$${salt}$${hash}`,
        `scrypt$15$8$1$!!!!$${hash}`,
        `scrypt$15$8$1$${salt}$not base64`,
        `scrypt$15$8$1$AAAA$${hash}`, // salt too short
        `scrypt$15$8$1$${salt}$AAAA`, // key too short
        '$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234',
      ]) {
        expect(await verifyPassword('Secret12', bad, PEPPER), bad).to.equal(false)
      }
    })

    it('refuses a hash with one bit flipped', async () => {
      const fields = stored.split('$')
      const key = Buffer.from(fields[5]!, 'base64')
      key[0] = key[0]! ^ 1
      fields[5] = key.toString('base64')
      expect(await verifyPassword('Secret12', fields.join('$'), PEPPER)).to.equal(false)
    })

    it('compares keys of another stored length in constant time without throwing', async () => {
      // A 24-byte key: derived at the stored length, so timingSafeEqual sees equal lengths.
      const fields = stored.split('$')
      fields[5] = Buffer.alloc(24, 7).toString('base64')
      expect(await verifyPassword('Secret12', fields.join('$'), PEPPER)).to.equal(false)
    })

    it('verifies a hash made with other parameters: HMAC-SHA256(pepper, password) then scrypt', async () => {
      const salt = Buffer.alloc(16, 3)
      const input = createHmac('sha256', PEPPER).update('Legacy99').digest()
      const key = scryptSync(input, salt, 24, { N: 2 ** 12, r: 8, p: 2 })
      const old = `scrypt$12$8$2$${salt.toString('base64')}$${key.toString('base64')}`
      expect(await verifyPassword('Legacy99', old, PEPPER)).to.equal(true)
      expect(await verifyPassword('legacy99', old, PEPPER)).to.equal(false)
    })

    it('the stored hash is scrypt over the peppered password', async () => {
      const [, , , , salt, hash] = stored.split('$')
      const input = createHmac('sha256', PEPPER).update('Secret12').digest()
      const key = scryptSync(input, Buffer.from(salt!, 'base64'), 32, {
        N: 2 ** 15,
        r: 8,
        p: 1,
        maxmem: 64 * 1024 * 1024,
      })
      expect(key.toString('base64')).to.equal(hash)
    })

    /** A stored hash of password made here by hand, with any parameters. */
    const craft = (
      password: string,
      o: { logN?: number; r?: number; p?: number; saltBytes?: number; keyBytes?: number },
    ) => {
      const { logN = 10, r = 8, p = 1, saltBytes = 16, keyBytes = 32 } = o
      const salt = Buffer.alloc(saltBytes, 5)
      const input = createHmac('sha256', PEPPER).update(password).digest()
      const key = scryptSync(input, salt, keyBytes, { N: 2 ** logN, r, p, maxmem: 2 ** 30 })
      return { logN, r, p, salt: salt.toString('base64'), key: key.toString('base64') }
    }
    const join = (h: ReturnType<typeof craft>) =>
      `scrypt$${h.logN}$${h.r}$${h.p}$${h.salt}$${h.key}`

    it('accepts the right password only under the parameters and sizes it issues or accepted', async () => {
      expect(await verifyPassword('Right123', join(craft('Right123', {})), PEPPER)).to.equal(true)
      // Each of these matches the password, but is weaker or larger than any hash we make.
      for (const [what, options] of [
        ['salt under 16 bytes', { saltBytes: 8 }],
        ['key under 16 bytes', { keyBytes: 12 }],
        ['key over 64 bytes', { keyBytes: 80 }],
        ['logN under 10', { logN: 9 }],
        ['r over 32', { r: 33 }],
        ['p over 16', { p: 17 }],
      ] as const) {
        const stored = join(craft('Right123', options))
        expect(await verifyPassword('Right123', stored, PEPPER), what).to.equal(false)
      }
      // The bounds themselves are accepted: r 32, p 16, keys of 16 and 64 bytes.
      for (const [what, options] of [
        ['r of 32', { r: 32 }],
        ['p of 16', { p: 16 }],
        ['key of 16 bytes', { keyBytes: 16 }],
        ['key of 64 bytes', { keyBytes: 64 }],
      ] as const) {
        const stored = join(craft('Right123', options))
        expect(await verifyPassword('Right123', stored, PEPPER), what).to.equal(true)
        expect(await verifyPassword('Wrong123', stored, PEPPER), what).to.equal(false)
      }
      // Base64 only in its canonical form (padding kept).
      const h = craft('Right123', { keyBytes: 31 })
      expect(h.key.endsWith('=')).to.equal(true)
      const unpadded = join({ ...h, key: h.key.replace(/=+$/, '') })
      expect(await verifyPassword('Right123', unpadded, PEPPER)).to.equal(false)
    })

    it('never runs scrypt past its memory bound: such a stored hash is false, not an error', async () => {
      const [, , , , salt, hash] = (await hashPassword('Secret12', PEPPER)).split('$')
      // 128 × 2^17 × 8 = 128 MiB and 128 × 2^20 × 32 = 4 GiB: over the bound, never derived.
      for (const params of ['17$8$1', '20$32$1', '16$16$1']) {
        const stored = `scrypt$${params}$${salt}$${hash}`
        expect(await verifyPassword('Secret12', stored, PEPPER), params).to.equal(false)
      }
    })

    it('dummyVerify does the work of a check and answers false', async () => {
      expect(await dummyVerify(PEPPER)).to.equal(false)
    })
  })

  describe('generateInitialPassword', () => {
    const samples = Array.from({ length: 500 }, () => generateInitialPassword())

    it('8 characters from the alphabet without look-alikes', () => {
      expect(INITIAL_PASSWORD_ALPHABET).to.not.match(/[0Oo1lI]/)
      expect(new Set(INITIAL_PASSWORD_ALPHABET).size).to.equal(INITIAL_PASSWORD_ALPHABET.length)
      expect(INITIAL_PASSWORD_ALPHABET).to.have.length(56)
      for (const password of samples) {
        expect(password).to.match(/^[A-Za-z0-9]{8}$/)
        expect(password).to.not.match(/[0Oo1lI]/)
      }
    })

    it('always has a letter and a digit', () => {
      for (const password of samples) {
        expect(password).to.match(/[A-Za-z]/)
        expect(password).to.match(/[0-9]/)
      }
    })

    it('passes the password policy of both presets', () => {
      for (const password of samples) {
        expect(validateNewPassword(A, password)).to.deep.equal({ ok: true })
        expect(validateNewPassword(B, password)).to.deep.equal({ ok: true })
      }
    })

    it('is random: no repeats, every character used', () => {
      expect(new Set(samples).size).to.equal(samples.length)
      const used = new Set(samples.join(''))
      expect(used.size).to.equal(INITIAL_PASSWORD_ALPHABET.length)
    })

    it('other lengths', () => {
      expect(generateInitialPassword(12)).to.have.length(12)
      for (let i = 0; i < 50; i++) expect(generateInitialPassword(2)).to.match(/^(\D\d|\d\D)$/)
      expect(generateInitialPassword(PASSWORD_MAX_LENGTH)).to.have.length(PASSWORD_MAX_LENGTH)
      for (const bad of [0, 1, 1.5, PASSWORD_MAX_LENGTH + 1, Number.NaN]) {
        expect(() => generateInitialPassword(bad), String(bad)).to.throw(
          RangeError,
          `initial password length must be 2–${PASSWORD_MAX_LENGTH}: ${bad}`,
        )
      }
    })
  })

  describe('normaliseCardNumber', () => {
    it('removes spaces of any width and hyphens', () => {
      const cases: [string, string][] = [
        [' 1234 5678 ', '12345678'],
        ['1234\u30005678', '12345678'],
        ['12-34', '1234'],
        ['12 - 34', '1234'],
        ['\t1234\n', '1234'],
        ['12\u201034', '1234'],
        ['12\u221234', '1234'],
        ['12ー34', '1234'],
        ['0012', '0012'],
        ['1', '1'],
      ]
      for (const [raw, card] of cases) {
        expect(normaliseCardNumber(raw), JSON.stringify(raw)).to.deep.equal({ ok: true, card })
      }
    })

    it('turns full-width digits and hyphens into half-width', () => {
      expect(normaliseCardNumber('１２３４')).to.deep.equal({ ok: true, card: '1234' })
      expect(normaliseCardNumber('１２－３４　５６')).to.deep.equal({ ok: true, card: '123456' })
    })

    it('empty input', () => {
      for (const raw of ['', '   ', '\u3000', '-', ' - ']) {
        expect(normaliseCardNumber(raw), JSON.stringify(raw)).to.deep.equal({
          ok: false,
          reason: 'empty',
        })
      }
    })

    it('anything but digits', () => {
      for (const raw of ['abc', '12a4', '12.34', '12_34', '١٢٣', '一二三', '+1234', '12/34']) {
        expect(normaliseCardNumber(raw), raw).to.deep.equal({ ok: false, reason: 'not_digits' })
      }
    })

    it('at most 20 digits', () => {
      expect(CARD_NUMBER_MAX_LENGTH).to.equal(20)
      expect(normaliseCardNumber('1'.repeat(20))).to.deep.equal({ ok: true, card: '1'.repeat(20) })
      expect(normaliseCardNumber('1'.repeat(21))).to.deep.equal({ ok: false, reason: 'too_long' })
      // Input over 200 characters is refused before it is normalised, even if only separators
      // make it long; 200 are still read.
      expect(normaliseCardNumber(`${' '.repeat(194)}123456`)).to.deep.equal({
        ok: true,
        card: '123456',
      })
      expect(normaliseCardNumber(`${' '.repeat(195)}123456`)).to.deep.equal({
        ok: false,
        reason: 'too_long',
      })
      expect(normaliseCardNumber('1'.repeat(10_000))).to.deep.equal({
        ok: false,
        reason: 'too_long',
      })
    })
  })

  describe('verifyIdentity', () => {
    const patron = { full_name: '小田原 太郎', birth_date: '2010-05-01' }

    it('matches the name however it is spaced', () => {
      for (const fullName of ['小田原 太郎', '小田原太郎', '小田原\u3000太郎', ' 小田原  太郎 ']) {
        expect(verifyIdentity(patron, { fullName, birthDate: '2010-05-01' }), fullName).to.equal(
          true,
        )
      }
      expect(
        verifyIdentity(
          { ...patron, full_name: '小田原太郎' },
          { fullName: '小田原 太郎', birthDate: '2010-05-01' },
        ),
      ).to.equal(true)
    })

    it('folds half-width katakana and full-width letters (NFKC)', () => {
      const kana = { full_name: 'オダワラ タロウ', birth_date: '2010-05-01' }
      expect(verifyIdentity(kana, { fullName: 'ｵﾀﾞﾜﾗﾀﾛｳ', birthDate: '2010-05-01' })).to.equal(true)
      const latin = { full_name: 'John Smith', birth_date: '1990-01-02' }
      expect(
        verifyIdentity(latin, { fullName: 'Ｊｏｈｎ　Ｓｍｉｔｈ', birthDate: '1990-01-02' }),
      ).to.equal(true)
    })

    it('refuses another name or birth date', () => {
      expect(verifyIdentity(patron, { fullName: '小田原 次郎', birthDate: '2010-05-01' })).to.equal(
        false,
      )
      expect(verifyIdentity(patron, { fullName: '小田原 太郎', birthDate: '2010-05-02' })).to.equal(
        false,
      )
      expect(verifyIdentity(patron, { fullName: '太郎 小田原', birthDate: '2010-05-01' })).to.equal(
        false,
      )
      expect(verifyIdentity(patron, { fullName: '', birthDate: '2010-05-01' })).to.equal(false)
      expect(verifyIdentity(patron, { fullName: '\u3000', birthDate: '2010-05-01' })).to.equal(
        false,
      )
    })

    it('an empty name matches nobody, not even a patron stored without a name', () => {
      for (const full_name of ['', ' ', '\u3000']) {
        expect(
          verifyIdentity(
            { full_name, birth_date: '2010-05-01' },
            { fullName: '', birthDate: '2010-05-01' },
          ),
          JSON.stringify(full_name),
        ).to.equal(false)
      }
    })

    it('birth dates are compared exactly as YYYY-MM-DD', () => {
      expect(
        verifyIdentity(patron, { fullName: '小田原太郎', birthDate: ' 2010-05-01\u3000' }),
      ).to.equal(true)
      expect(verifyIdentity(patron, { fullName: '小田原太郎', birthDate: '2010-5-1' })).to.equal(
        false,
      )
      expect(verifyIdentity(patron, { fullName: '小田原太郎', birthDate: '2010/05/01' })).to.equal(
        false,
      )
      expect(verifyIdentity(patron, { fullName: '小田原太郎', birthDate: '' })).to.equal(false)
      expect(
        verifyIdentity(patron, { fullName: '小田原太郎', birthDate: '２０１０－０５－０１' }),
      ).to.equal(true)
    })
  })

  describe('parseBirthDate', () => {
    it('builds YYYY-MM-DD from three fields', () => {
      expect(parseBirthDate('2010', '5', '1')).to.equal('2010-05-01')
      expect(parseBirthDate('2010', '05', '01')).to.equal('2010-05-01')
      expect(parseBirthDate('２０１０', '５', '１')).to.equal('2010-05-01')
      expect(parseBirthDate(' 2010 ', ' 12 ', ' 31 ')).to.equal('2010-12-31')
      expect(parseBirthDate('2024', '2', '29')).to.equal('2024-02-29')
    })

    it('null unless a real date', () => {
      const bad: [string, string, string][] = [
        ['2023', '2', '29'],
        ['2010', '4', '31'],
        ['2010', '13', '1'],
        ['2010', '0', '1'],
        ['2010', '1', '0'],
        ['', '1', '1'],
        ['2010', '', '1'],
        ['2010', '1', ''],
        ['10', '1', '1'],
        ['20100', '1', '1'],
        ['2010', '1', '1x'],
        ['2010', '001', '1'],
        ['2010', '-1', '1'],
        ['平成22', '5', '1'],
      ]
      for (const [y, m, d] of bad) {
        expect(parseBirthDate(y, m, d), `${y}-${m}-${d}`).to.equal(null)
      }
    })
  })
})

describe('guessable passwords (issue 9, item 5)', () => {
  const patron = { card_number: '1101900002', birth_date: '1985-04-02' }

  it('refuses the card number, the birth date in common spellings and one repeated character', () => {
    expect(guessablePassword('1101900002', patron)).to.equal('card')
    // One character is too short (the length rule says so), not "repeated".
    expect(guessablePassword('7', patron)).to.equal(null)
    expect(guessablePassword('77', patron)).to.equal('repeated')
    for (const spelling of [
      '19850402',
      '850402',
      '0402',
      '1985042',
      '198542',
      '04021985',
      '02041985',
      '042',
      '4021985',
    ]) {
      expect(guessablePassword(spelling, patron), spelling).to.equal('birth_date')
    }
    for (const same of ['1111', 'aaaaaa', 'ZZZZZZZZ']) {
      expect(guessablePassword(same, patron), same).to.equal('repeated')
    }
  })

  it('lets other passwords through, including ones that merely contain the date', () => {
    for (const ok of ['aoba1234', '19850403', 'x19850402', '1101900003', 'aaaaab', '2222x']) {
      expect(guessablePassword(ok, patron), ok).to.equal(null)
    }
  })

  it('applies under both presets, after each preset’s own length rule', () => {
    for (const preset of ['A', 'B'] as const) {
      const settings = PRESETS[preset]
      const password = '19850402'
      expect(validateNewPassword(settings, password).ok).to.equal(true)
      expect(guessablePassword(password, patron)).to.equal('birth_date')
    }
  })
})
