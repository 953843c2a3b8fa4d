// The e-mail address rules of mail-verification-service on MariaDB, without pages (SPEC.md §6):
// which addresses are taken as typed, carrier addresses, who may register one, the request
// with its mail (link and code), a newer request ending the older one, links and codes that
// are used, expired or wrong, the notice to the replaced address, the per-patron, per-address
// and test-mail limits, hold notices put into mails, and old changes deleted. The pages over HTTP are in
// routes/email.test.ts.
import { expect } from 'chai'
import type { Clock } from '../../../server/clock.ts'
import { calendarRepository } from '../../../server/db/calendar-repository.ts'
import { holdRepository } from '../../../server/db/hold-repository.ts'
import { holdService, newRequestKey } from '../../../server/services/hold-service.ts'
import { resolveSettings } from '../../../server/services/library-settings.ts'
import {
  ADDRESS_MAX_LENGTH,
  checkAddress,
  emailEligibility,
  isCarrierAddress,
} from '../../../server/services/mail-verification-service.ts'
import type { MailLibrary } from '../../../server/services/mail-verification-service.ts'
import { holdFixture } from '../../helpers/hold-fixture.ts'
import { testMailService } from '../../helpers/mail-service.ts'
import type { FixtureLibrary } from '../../helpers/hold-fixture.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'

const HOUR_MS = 3_600_000

describe('mail verification service', function () {
  this.timeout(60_000)

  describe('checkAddress', () => {
    it('takes old carrier addresses as typed: dots in a row or before the @, quotes not needed', () => {
      for (const address of [
        'taro..yamada.@docomo.ne.jp',
        '.dot.first@ezweb.ne.jp',
        "o'brien+opac@example.jp",
        'a@b.co',
        'x_y-z=1!#$%&*/?^`{|}~@sub.example.jp',
      ]) {
        expect(checkAddress(address), address).to.deep.equal({ ok: true, address })
      }
      expect(checkAddress('  taro@example.jp \t')).to.deep.equal({
        ok: true,
        address: 'taro@example.jp',
      })
    })

    it('says what is wrong: empty, too long, full-width, or not an address', () => {
      expect(checkAddress('   ')).to.deep.equal({ ok: false, problem: 'empty' })
      const local = 'a'.repeat(64)
      const longest = `${local}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(58)}.jp`
      expect(longest.length).to.equal(ADDRESS_MAX_LENGTH)
      expect(checkAddress(longest)).to.deep.equal({ ok: true, address: longest })
      expect(checkAddress(`${longest}x`)).to.deep.equal({ ok: false, problem: 'too_long' })
      expect(checkAddress('ｔａｒｏ@example.jp')).to.deep.equal({
        ok: false,
        problem: 'full_width',
      })
      expect(checkAddress('taro@example.jp\u3000')).to.deep.equal({
        ok: true,
        address: 'taro@example.jp', // trim() takes the ideographic space at the ends
      })
      expect(checkAddress('ta\u3000ro@example.jp')).to.deep.equal({
        ok: false,
        problem: 'full_width',
      })
      for (const bad of [
        'たろう@example.jp', // not full-width ASCII: plainly invalid
        'ta ro@example.jp',
        'taro\u0007@example.jp',
        'taro.example.jp',
        '@example.jp',
        'ta@ro@example.jp',
        `${'a'.repeat(65)}@example.jp`,
        'ta(ro)@example.jp',
        '(taro@example.jp',
        'taro)@example.jp',
        'taro@example',
        'taro@-example.jp',
        'taro@example-.jp',
        'taro@exa_mple.jp',
        'taro@example..jp',
        `taro@${'b'.repeat(64)}.jp`,
      ]) {
        expect(checkAddress(bad), bad).to.deep.equal({ ok: false, problem: 'invalid' })
      }
      expect(checkAddress(`${'a'.repeat(64)}@example.jp`).ok).to.equal(true)
      expect(checkAddress(`taro@${'b'.repeat(63)}.jp`).ok).to.equal(true)
      expect(checkAddress('taro@x.jp').ok).to.equal(true)
      expect(checkAddress('taro@a-b.jp').ok).to.equal(true)
    })
  })

  describe('isCarrierAddress', () => {
    it('knows the carriers’ domains and their subdomains, in any case', () => {
      for (const address of [
        'a@docomo.ne.jp',
        'a@ezweb.ne.jp',
        'a@au.com',
        'a@softbank.ne.jp',
        'a@i.softbank.jp',
        'a@t.vodafone.ne.jp',
        'a@DOCOMO.NE.JP',
        'a@ymobile.ne.jp',
        'a@rakumail.jp',
        'weird@name@docomo.ne.jp',
      ]) {
        expect(isCarrierAddress(address), address).to.equal(true)
      }
      for (const address of [
        'a@example.jp',
        'a@notdocomo.ne.jp',
        'a@docomo.ne.jp.example.com',
        'docomo.ne.jp@example.jp',
        'a@gmail.com',
      ]) {
        expect(isCarrierAddress(address), address).to.equal(false)
      }
    })
  })

  describe('emailEligibility', () => {
    const b = resolveSettings('B', '{}')
    const a = resolveSettings('A', '{}')
    const patron = {
      residency: 'resident' as const,
      birth_date: '1980-05-01',
      disability_service: 0,
    }
    it('rules B: residents, workers and students of school age, not disability-service patrons', () => {
      expect(emailEligibility(b, patron, '2026-11-23')).to.deep.equal({ ok: true })
      expect(emailEligibility(b, { ...patron, residency: 'worker' }, '2026-11-23').ok).to.equal(
        true,
      )
      expect(
        emailEligibility(b, { ...patron, residency: 'non_resident' }, '2026-11-23'),
      ).to.deep.equal({ ok: false, reason: 'not_resident' })
      expect(
        emailEligibility(b, { ...patron, birth_date: '2021-06-01' }, '2026-11-23'),
      ).to.deep.equal({ ok: false, reason: 'under_age' })
      expect(emailEligibility(b, { ...patron, disability_service: 1 }, '2026-11-23')).to.deep.equal(
        { ok: false, reason: 'disability_service' },
      )
    })
    it('rules A: anyone registered', () => {
      for (const residency of ['resident', 'non_resident'] as const) {
        expect(
          emailEligibility(
            a,
            { residency, birth_date: '2021-06-01', disability_service: 1 },
            '2026-11-23',
          ),
        ).to.deep.equal({ ok: true })
      }
    })
  })

  describe('on the database', () => {
    let t: TestDatabase
    let now = new Date('2026-11-23T01:00:00Z')
    const clock: Clock = { now: () => now }
    let messages = 0

    before(async () => {
      t = await createTestDatabase({ prefix: 'mailsvc' })
    })

    const service = () => testMailService(t.db, clock, () => `<m${++messages}@test.example.jp>`)

    const libOf = (f: FixtureLibrary, preset: 'A' | 'B' = 'A'): MailLibrary => ({
      library: { id: f.library.id, slug: f.slug, name: 'テスト市立図書館', phone: '' },
      settings: { ...resolveSettings(preset, '{}'), mailFrom: 'opac@test.example.jp' },
    })
    const outbox = (f: FixtureLibrary) =>
      t.db
        .selectFrom('mail_outbox')
        .select(['patron_id', 'kind', 'to_address', 'from_address', 'subject', 'body'])
        .where('library_id', '=', f.library.id)
        .orderBy('id')
        .execute()
    const holdNotices = (f: FixtureLibrary) =>
      t.db
        .selectFrom('hold_notice')
        .select(['id', 'hold_id', 'mail_id'])
        .where('library_id', '=', f.library.id)
        .orderBy('id')
        .execute()
    const patronEmail = async (id: number) =>
      t.db
        .selectFrom('patron')
        .select(['email', 'email_kind'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    /** The link's token and the code of the last confirmation mail to an address. */
    const sentTo = async (f: FixtureLibrary, address: string) => {
      const mail = (await outbox(f)).filter((m) => m.to_address === address).at(-1)
      if (!mail) throw new Error(`no mail to ${address}`)
      const token = /\/email\/confirm\/([A-Za-z0-9_-]{22})/.exec(mail.body)?.[1] ?? ''
      const code = /確認コード (\d{6})/.exec(mail.body)?.[1] ?? ''
      return { token, code, mail }
    }

    it('a request checks the fields and who asks, then writes the change and its mail', async () => {
      now = new Date('2026-11-23T01:00:00Z')
      const f = await holdFixture(t.db, 'B', { patrons: 2 })
      const lib = libOf(f, 'B')
      const mail = service()
      expect(await mail.request(lib, f.patrons.p1!, { address: 'bad address' })).to.deep.equal({
        ok: false,
        reason: 'fields',
        errors: { address: 'invalid' },
      })
      expect(
        await mail.request(lib, f.patrons.p1!, {
          address: 'new@example.jp',
          confirmation: ' new@example.jp ',
        }),
      ).to.include({ ok: true })
      expect(
        await mail.request(lib, f.patrons.p1!, {
          address: 'new@example.jp',
          confirmation: 'New@example.jp',
        }),
      ).to.deep.equal({ ok: false, reason: 'fields', errors: { confirmation: 'mismatch' } })
      expect(await mail.request(lib, 999999, { address: 'x@example.jp' })).to.deep.equal({
        ok: false,
        reason: 'not_found',
      })
      expect(
        await mail.request(lib, f.patrons.visitor!, { address: 'v@example.jp' }),
      ).to.deep.equal({ ok: false, reason: 'ineligible', eligibility: 'not_resident' })
      // The address in force, of the same kind: nothing to change; another kind is a change.
      expect(
        await mail.request(lib, f.patrons.p2!, { address: 'p2@example.jp', kind: 'pc' }),
      ).to.deep.equal({ ok: false, reason: 'fields', errors: { address: 'same' } })
      expect(
        (await mail.request(lib, f.patrons.p2!, { address: 'p2@example.jp', kind: 'mobile' })).ok,
      ).to.equal(true)

      const request = await mail.request(lib, f.patrons.p1!, { address: 'taro@docomo.ne.jp' })
      expect(request).to.deep.equal({
        ok: true,
        address: 'taro@docomo.ne.jp',
        expiresAt: new Date(now.getTime() + 24 * HOUR_MS),
      })
      const { token, code, mail: sent } = await sentTo(f, 'taro@docomo.ne.jp')
      expect(token).to.have.length(22)
      expect(code).to.match(/^\d{6}$/)
      expect(sent).to.include({
        patron_id: f.patrons.p1,
        kind: 'email_confirm',
        from_address: 'opac@test.example.jp',
      })
      expect(sent.body).to.include(`http://127.0.0.1/${f.slug}/email/confirm/${token}`)
      // Until it is confirmed the old address stays; the portal sees it waiting, as mobile.
      expect(await patronEmail(f.patrons.p1!)).to.deep.equal({
        email: 'p1@example.jp',
        email_kind: 'pc',
      })
      expect(await mail.pending(lib, f.patrons.p1!)).to.deep.equal({
        address: 'taro@docomo.ne.jp',
        kind: 'mobile',
        expiresAt: '2026-11-24 01:00:00',
      })
      expect(await mail.check(lib, f.patrons.p1!, { address: 'pc@example.jp' })).to.deep.include({
        ok: true,
        kind: 'pc',
      })
    })

    it('the link: shown without change, confirmed once, then used; the old address is told', async () => {
      now = new Date('2026-11-23T01:00:00Z')
      const f = await holdFixture(t.db, 'A', { patrons: 2 })
      const lib = libOf(f)
      const mail = service()
      await mail.request(lib, f.patrons.p1!, { address: 'next@example.jp' })
      const { token } = await sentTo(f, 'next@example.jp')
      expect(await mail.link(lib, 'short')).to.deep.equal({ ok: false, reason: 'invalid' })
      expect(await mail.link(lib, 'A'.repeat(22))).to.deep.equal({ ok: false, reason: 'invalid' })
      expect(await mail.link(lib, token)).to.deep.equal({
        ok: true,
        address: 'next@example.jp',
        expiresAt: '2026-11-24 01:00:00',
      })
      // Another library's page does not know the token.
      const other = await holdFixture(t.db, 'A', { patrons: 1 })
      expect(await mail.link(libOf(other), token)).to.deep.equal({ ok: false, reason: 'invalid' })
      expect(await mail.confirmLink(libOf(other), token)).to.deep.equal({
        ok: false,
        reason: 'invalid',
      })
      expect((await patronEmail(f.patrons.p1!)).email).to.equal('p1@example.jp')

      expect(await mail.confirmLink(lib, 'x'.repeat(21))).to.deep.equal({
        ok: false,
        reason: 'invalid',
      })
      expect(await mail.confirmLink(lib, token)).to.deep.equal({
        ok: true,
        address: 'next@example.jp',
        alreadyDone: false,
      })
      expect(await patronEmail(f.patrons.p1!)).to.deep.equal({
        email: 'next@example.jp',
        email_kind: 'pc',
      })
      const replaced = (await outbox(f)).filter((m) => m.kind === 'email_replaced')
      expect(replaced.map((m) => m.to_address)).to.deep.equal(['p1@example.jp'])
      // 確定 pressed again: answered as done, nothing more sent; the page says it was used.
      expect(await mail.confirmLink(lib, token)).to.deep.equal({
        ok: true,
        address: 'next@example.jp',
        alreadyDone: true,
      })
      expect((await outbox(f)).filter((m) => m.kind === 'email_replaced')).to.have.length(1)
      expect(await mail.link(lib, token)).to.deep.equal({ ok: false, reason: 'used' })
      expect(await mail.pending(lib, f.patrons.p1!)).to.equal(null)

      // The same address as another kind (pc → mobile): nobody to tell about a replaced address.
      await mail.request(lib, f.patrons.p2!, { address: 'p2@example.jp', kind: 'mobile' })
      const kind = await sentTo(f, 'p2@example.jp')
      expect(await mail.confirmLink(lib, kind.token)).to.include({ ok: true })
      expect(await patronEmail(f.patrons.p2!)).to.deep.equal({
        email: 'p2@example.jp',
        email_kind: 'mobile',
      })
      expect((await outbox(f)).filter((m) => m.kind === 'email_replaced')).to.have.length(1)

      // A first address (none before) tells nobody; a patron without an address gets one.
      await mail.request(lib, f.patrons.nomail!, { address: 'first@example.jp' })
      const first = await sentTo(f, 'first@example.jp')
      expect(await mail.confirmLink(lib, first.token)).to.include({ ok: true })
      expect((await outbox(f)).filter((m) => m.kind === 'email_replaced')).to.have.length(1)
      expect((await patronEmail(f.patrons.nomail!)).email).to.equal('first@example.jp')
    })

    it('a newer request ends the older link; a link expires after its hours', async () => {
      now = new Date('2026-11-23T01:00:00Z')
      const f = await holdFixture(t.db, 'A', { patrons: 2 })
      const lib = libOf(f)
      const mail = service()
      await mail.request(lib, f.patrons.p1!, { address: 'one@example.jp' })
      const older = await sentTo(f, 'one@example.jp')
      await mail.request(lib, f.patrons.p1!, { address: 'two@example.jp' })
      const newer = await sentTo(f, 'two@example.jp')
      expect(await mail.link(lib, older.token)).to.deep.equal({ ok: false, reason: 'superseded' })
      expect(await mail.confirmLink(lib, older.token)).to.deep.equal({
        ok: false,
        reason: 'superseded',
      })
      // The older mail's code is not the newer change's either.
      expect(await mail.confirmCode(lib, f.patrons.p1!, older.code)).to.deep.include({
        ok: false,
        reason: 'wrong_code',
      })
      // Valid until the moment 24 hours on, not at it.
      now = new Date('2026-11-24T00:59:59Z')
      expect((await mail.link(lib, newer.token)).ok).to.equal(true)
      expect(await mail.pending(lib, f.patrons.p1!)).to.include({ address: 'two@example.jp' })
      now = new Date('2026-11-24T01:00:00Z')
      expect(await mail.link(lib, newer.token)).to.deep.equal({ ok: false, reason: 'expired' })
      expect(await mail.pending(lib, f.patrons.p1!)).to.equal(null)
      expect(await mail.confirmLink(lib, newer.token)).to.deep.equal({
        ok: false,
        reason: 'expired',
      })
      expect(await mail.confirmCode(lib, f.patrons.p1!, newer.code)).to.deep.equal({
        ok: false,
        reason: 'expired',
      })
      expect((await patronEmail(f.patrons.p1!)).email).to.equal('p1@example.jp')
    })

    it('the code: full-width digits and spaces taken; five wrong codes end the change', async () => {
      now = new Date('2026-11-23T01:00:00Z')
      const f = await holdFixture(t.db, 'A', { patrons: 3 })
      const lib = libOf(f)
      const mail = service()
      expect(await mail.confirmCode(lib, f.patrons.p1!, '123456')).to.deep.equal({
        ok: false,
        reason: 'invalid',
      })
      await mail.request(lib, f.patrons.p1!, { address: 'code@example.jp' })
      const { code } = await sentTo(f, 'code@example.jp')
      const typed = Array.from(code, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0))
      const wide = `${typed.slice(0, 3).join('')}\u3000${typed.slice(3).join('')}`
      expect(await mail.confirmCode(lib, f.patrons.p1!, wide)).to.deep.equal({
        ok: true,
        address: 'code@example.jp',
        alreadyDone: false,
      })
      expect((await patronEmail(f.patrons.p1!)).email).to.equal('code@example.jp')
      expect(await mail.confirmCode(lib, f.patrons.p1!, code)).to.deep.equal({
        ok: false,
        reason: 'invalid',
      })

      await mail.request(lib, f.patrons.p2!, { address: 'guess@example.jp' })
      const right = (await sentTo(f, 'guess@example.jp')).code
      const wrong = right === '000000' ? '000001' : '000000'
      for (const [guess, left] of [
        [wrong, 4],
        ['12345', 3],
        ['abcdef', 2],
        [`${right}0`, 1],
        [wrong, 0],
      ] as const) {
        expect(await mail.confirmCode(lib, f.patrons.p2!, guess), guess).to.deep.equal({
          ok: false,
          reason: 'wrong_code',
          triesLeft: left,
        })
      }
      // Ended: the right code no longer works, nor the link.
      expect(await mail.confirmCode(lib, f.patrons.p2!, right)).to.deep.equal({
        ok: false,
        reason: 'invalid',
      })
      expect((await patronEmail(f.patrons.p2!)).email).to.equal('p2@example.jp')
      // Four wrong codes leave the fifth try: the right code then works.
      await mail.request(lib, f.patrons.p3!, { address: 'four@example.jp' })
      const four = (await sentTo(f, 'four@example.jp')).code
      const miss = four === '999999' ? '999998' : '999999'
      for (let i = 0; i < 4; i++) await mail.confirmCode(lib, f.patrons.p3!, miss)
      expect(await mail.confirmCode(lib, f.patrons.p3!, four)).to.include({ ok: true })
    })

    it('keeps a change a week after its link expired (a late click is told why), then deletes it', async () => {
      now = new Date('2026-11-23T01:00:00Z')
      const f = await holdFixture(t.db, 'A', { patrons: 2 })
      const lib = libOf(f)
      const mail = service()
      await mail.request(lib, f.patrons.p1!, { address: 'old@example.jp' })
      const used = await sentTo(f, 'old@example.jp')
      await mail.confirmLink(lib, used.token)
      now = new Date('2026-11-25T01:00:00Z')
      await mail.request(lib, f.patrons.p2!, { address: 'later@example.jp' })
      const changes = () =>
        t.db
          .selectFrom('email_change')
          .select('address')
          .where('library_id', '=', f.library.id)
          .orderBy('id')
          .execute()
      // The first link expired 11-24 01:00; a week on, at 12-01 01:00, it is still kept.
      now = new Date('2026-12-01T01:00:00Z')
      expect(await mail.purge()).to.equal(0)
      expect(await mail.link(lib, used.token)).to.deep.equal({ ok: false, reason: 'used' })
      now = new Date('2026-12-01T01:00:01Z')
      // (The earlier tests' changes, expired at the same moment, go too.)
      expect(await mail.purge()).to.be.greaterThan(0)
      expect(await changes()).to.deep.equal([{ address: 'later@example.jp' }])
      expect(await mail.link(lib, used.token)).to.deep.equal({ ok: false, reason: 'invalid' })
      expect(await mail.purge()).to.equal(0)
      // The address in force is the patron's, not the change's: it stays.
      expect((await patronEmail(f.patrons.p1!)).email).to.equal('old@example.jp')
    })

    /**
     * A rules-A library (patrons p1–p3 and one without an address) on 2026-11-24, and for each
     * [patron, title] a hold with e-mail contact whose copy then comes back: a 「ready」 notice.
     */
    const readyNotices = async (holdsPlaced: [string, string][]) => {
      now = new Date('2026-11-24T01:00:00Z')
      const f = await holdFixture(t.db, 'A', { patrons: 3 })
      const holds = holdService({
        holds: holdRepository(t.db),
        calendars: calendarRepository(t.db),
        clock,
      })
      for (const [patron, record] of holdsPlaced) {
        await holds.place(f, f.patrons[patron]!, {
          key: newRequestKey(),
          items: [
            { recordId: f.records[record]!, pickupBranchId: f.branchIds.central, contact: 'email' },
          ],
        })
      }
      for (const [, record] of holdsPlaced) {
        await holds.copyReturned(f, f.copies[record]![0]!, f.branchIds.central)
      }
      return { f, lib: libOf(f), holds }
    }

    it('puts hold notices into one mail per patron; notices of patrons without an address are set aside', async () => {
      const { f, lib, holds } = await readyNotices([
        ['p1', 'book'],
        ['p1', 'volume1'],
        ['p2', 'popular'],
        ['nomail', 'volume2'],
      ])
      const mail = service()
      const queue = () => mail.queueHoldNotices(async (id) => (id === f.library.id ? lib : null))
      const notices = async () => (await outbox(f)).filter((m) => m.kind === 'hold_notice')
      expect(await queue()).to.equal(2)
      expect(await queue()).to.equal(0)
      const ready = await notices()
      expect(ready.map((m) => [m.patron_id, m.to_address])).to.deep.equal([
        [f.patrons.p1, 'p1@example.jp'],
        [f.patrons.p2, 'p2@example.jp'],
      ])
      expect(ready[0]!.body).to.include('ご予約の資料が用意できました。')
      expect(ready[0]!.body).to.include('1. book')
      expect(ready[0]!.body).to.include('2. volume1')
      expect(ready[0]!.body).to.not.include('受取期限を過ぎたため')
      expect(ready[1]!.body).to.include('1. popular')
      // Not collected: the expiry notices make one mail per patron again, saying only that.
      now = new Date('2026-12-03T01:00:00Z')
      await holds.expireUncollected(f)
      expect(await queue()).to.equal(2)
      const expired = (await notices()).slice(2)
      expect(expired.map((m) => m.patron_id)).to.deep.equal([f.patrons.p1, f.patrons.p2])
      expect(expired[0]!.body).to.include('受取期限を過ぎたため、次の予約を取り消しました。')
      expect(expired[0]!.body).to.include('2. volume1')
      expect(expired[0]!.body).to.not.include('ご予約の資料が用意できました。')
      // Every notice was dealt with, the address-less patron's set aside without a mail.
      const left = await holdNotices(f)
      expect(left.every((n) => n.mail_id !== null)).to.equal(true)
    })

    it('sets aside notices whose hold is gone, so they cannot hold back the notices after them', async () => {
      const { f, lib } = await readyNotices([
        ['p1', 'book'],
        ['p1', 'volume1'],
        ['p2', 'popular'],
      ])
      // The first two notices' holds are removed (by hand, or by tooling that forgot them).
      const first = await holdNotices(f)
      expect(first).to.have.length(3)
      await t.db
        .deleteFrom('hold')
        .where('library_id', '=', f.library.id)
        .where('id', 'in', [first[0]!.hold_id, first[1]!.hold_id])
        .execute()
      const mail = service()
      const queue = () => mail.queueHoldNotices(async (id) => (id === f.library.id ? lib : null), 2)
      // A run that takes only the two orphans sends nothing and sets them aside …
      expect(await queue()).to.equal(0)
      // … so the next run reaches the notice behind them.
      expect(await queue()).to.equal(1)
      const sent = (await outbox(f)).filter((m) => m.kind === 'hold_notice')
      expect(sent.map((m) => m.patron_id)).to.deep.equal([f.patrons.p2])
      const left = await holdNotices(f)
      expect(left.map((n) => n.mail_id)).to.deep.equal([0, 0, left[2]!.mail_id])
      expect(left[2]!.mail_id).to.be.greaterThan(0)
    })

    it('limits requests per patron (5) and per address (3) an hour, and test mails (3)', async () => {
      now = new Date('2026-11-23T01:00:00Z')
      const f = await holdFixture(t.db, 'A', { patrons: 6 })
      const lib = libOf(f)
      const mail = service()
      const ask = (patron: string, address: string) =>
        mail.request(lib, f.patrons[patron]!, { address })
      for (let i = 1; i <= 5; i++) expect((await ask('p1', `p1-${i}@example.jp`)).ok).to.equal(true)
      expect(await ask('p1', 'p1-6@example.jp')).to.deep.equal({
        ok: false,
        reason: 'rate_limited',
      })
      // One address asked for by several patrons: 3 an hour, in any letter case.
      expect((await ask('p2', 'shared@example.jp')).ok).to.equal(true)
      expect((await ask('p3', 'Shared@example.jp')).ok).to.equal(true)
      expect((await ask('p4', 'SHARED@example.jp')).ok).to.equal(true)
      expect(await ask('p5', 'shared@example.jp')).to.deep.equal({
        ok: false,
        reason: 'rate_limited',
      })
      // An hour on, both windows are over.
      now = new Date(now.getTime() + HOUR_MS + 1000)
      expect((await ask('p1', 'p1-7@example.jp')).ok).to.equal(true)
      expect((await ask('p5', 'shared@example.jp')).ok).to.equal(true)

      expect(await mail.sendTestMail(lib, f.patrons.nomail!)).to.deep.equal({
        ok: false,
        reason: 'no_address',
      })
      expect(await mail.sendTestMail(lib, 999999)).to.deep.equal({
        ok: false,
        reason: 'not_found',
      })
      for (let i = 0; i < 3; i++) {
        expect(await mail.sendTestMail(lib, f.patrons.p6!)).to.deep.equal({
          ok: true,
          address: 'p6@example.jp',
        })
      }
      expect(await mail.sendTestMail(lib, f.patrons.p6!)).to.deep.equal({
        ok: false,
        reason: 'rate_limited',
      })
      now = new Date(now.getTime() + 30 * 60_000) // half an hour on: still within the hour
      expect(await mail.sendTestMail(lib, f.patrons.p6!)).to.deep.equal({
        ok: false,
        reason: 'rate_limited',
      })
      const tests = (await outbox(f)).filter((m) => m.kind === 'test')
      expect(tests.map((m) => m.to_address)).to.deep.equal(Array(3).fill('p6@example.jp'))
      now = new Date(now.getTime() + 30 * 60_000 + 1000)
      expect((await mail.sendTestMail(lib, f.patrons.p6!)).ok).to.equal(true)
    })
  })
})
