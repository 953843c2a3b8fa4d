// E-mail registration and the mail that goes with it, over real HTTP and a real SMTP server on
// 127.0.0.1 (SPEC.md §6): library A's and library B's flows, keitai without cookies (the
// address typed twice, the code typed instead of the link), links that a GET never uses up,
// used, superseded, altered and expired links, rate limits under bursts, hold notices as one
// mail per patron, an SMTP server that is down for a while, and two senders racing.
import { expect } from 'chai'
import * as cheerio from 'cheerio'
import type { ParsedMail } from 'mailparser'
import type { Clock } from '../../../server/clock.ts'
import { calendarRepository } from '../../../server/db/calendar-repository.ts'
import { holdRepository } from '../../../server/db/hold-repository.ts'
import { mailRepository } from '../../../server/db/mail-repository.ts'
import { mailTransport, outboxSender } from '../../../server/mail/mail-sender.ts'
import { holdService, newRequestKey } from '../../../server/services/hold-service.ts'
import { resolveSettings } from '../../../server/services/library-settings.ts'
import { FormClient, textOf } from '../../helpers/form-client.ts'
import type { Page } from '../../helpers/form-client.ts'
import { holdFixture } from '../../helpers/hold-fixture.ts'
import { testMailService } from '../../helpers/mail-service.ts'
import { expectGoodKeitaiPage, expectGoodPcPage } from '../../helpers/html-assertions.ts'
import { startSmtpSink } from '../../helpers/smtp-sink.ts'
import type { SmtpSink } from '../../helpers/smtp-sink.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { KEITAI_UA, startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'

const linkOf = (mail: ParsedMail) =>
  /https?:\/\/\S+\/email\/confirm\/[A-Za-z0-9_-]{22}/.exec(mail.text ?? '')?.[0] ?? ''
const codeOf = (mail: ParsedMail) => /確認コード (\d{6})/.exec(mail.text ?? '')?.[1] ?? ''
const toOf = (mail: ParsedMail) =>
  (Array.isArray(mail.to) ? mail.to[0] : mail.to)?.value[0]?.address ?? ''

describe('e-mail registration and mail', function () {
  this.timeout(180_000)
  let t: TestDatabase
  let smtp: SmtpSink
  let app: TestServer

  before(async () => {
    t = await createTestDatabase({ demo: true, prefix: 'mail' })
    smtp = await startSmtpSink()
    app = await startTestServer(t.db, { env: { SMTP_URL: smtp.url } })
  })
  after(async () => {
    await app.close()
    await smtp.close()
  })

  const send = () => app.deps.services.outbox.sendDue()
  const emailOf = async (card: string) =>
    await t.db
      .selectFrom('patron')
      .select(['email', 'email_kind'])
      .where('card_number', '=', card)
      .executeTakeFirstOrThrow()
  async function login(
    client: FormClient,
    slug: string,
    card: string,
    password: string,
  ): Promise<Page> {
    const k = client.options.charset === 'shift_jis'
    const form = await client.get(`/${slug}${k ? '/k' : ''}/login`)
    return client.follow(await client.submit(form, { card, password }))
  }
  const mailTo = async (address: string, from = 0) => {
    const list = smtp.received.slice(from).filter((m) => toOf(m) === address)
    expect(list, `mail to ${address}`).to.have.length(1)
    return list[0]!
  }

  it("library A: 利用者情報変更 → 「変更する」 → mail → the link's page → 「確定する」; the old address is told", async () => {
    const c = new FormClient(app.baseUrl)
    const portal = await login(c, 'aoba', '1101900001', 'aoba1234')
    expect(cheerio.load(portal.text)('a[href="/aoba/account/email"]').text()).to.equal(
      '利用者情報変更',
    )
    const page = await c.get('/aoba/account/email')
    await expectGoodPcPage(page.text)
    expect(textOf(page.text)).to.include('opac@aoba-library.example.jp')
    expect(textOf(page.text)).to.include(
      'カウンターでは、メールアドレスの登録はお受けしていません。',
    )
    const before = smtp.received.length
    // Old carrier addresses with dots in a row are taken as typed.
    const sent = await c.submit(page, { address: 'ichiro..aoba.@docomo.ne.jp' })
    expect(sent.status).to.equal(303)
    expect(textOf((await c.follow(sent)).text)).to.include('まだ手続きは完了していません。')
    expect(await send()).to.include({ sent: 1 })
    const mail = await mailTo('"ichiro..aoba."@docomo.ne.jp', before)
    expect(mail.subject).to.equal('メールアドレス登録確認のお知らせ（あおば市立図書館）')
    expect(mail.from?.value[0]?.address).to.equal('opac@aoba-library.example.jp')
    expect(mail.messageId).to.match(/@aoba-library\.example\.jp>$/)
    expect(mail.date).to.be.instanceOf(Date)
    expect(mail.html).to.equal(false)
    expect(mail.headers.get('content-type')).to.deep.include({ value: 'text/plain' })
    const lines = (mail.text ?? '').split('\n')
    expect(lines.every((l) => l.startsWith('http') || Array.from(l).length <= 70)).to.equal(true)
    // Until the link is confirmed the old address stays, and the portal says a change waits.
    expect((await emailOf('1101900001')).email).to.equal('ichiro@example.jp')
    expect(textOf((await c.get('/aoba/account')).text)).to.include('変更の手続き中です')
    const link = linkOf(mail)
    const path = link.slice(link.indexOf('/aoba/'))
    // A mail scanner opening the link (a fresh client, no session) changes nothing.
    const scanner = await new FormClient(app.baseUrl).get(path)
    expect(scanner.status).to.equal(200)
    await expectGoodPcPage(scanner.text)
    expect(textOf(scanner.text)).to.include('ichiro..aoba.@docomo.ne.jp')
    expect((await emailOf('1101900001')).email).to.equal('ichiro@example.jp')
    const opened = await c.get(path)
    expect(cheerio.load(opened.text)('main button').text()).to.equal('確定する')
    const done = await c.follow(await c.submit(opened))
    await expectGoodPcPage(done.text)
    expect(textOf(done.text)).to.include('ichiro..aoba.@docomo.ne.jp に変更しました')
    expect(await emailOf('1101900001')).to.deep.equal({
      email: 'ichiro..aoba.@docomo.ne.jp',
      email_kind: 'mobile',
    })
    await send()
    const replaced = await mailTo('ichiro@example.jp', before)
    expect(replaced.subject).to.equal('メールアドレス変更のお知らせ（あおば市立図書館）')
    // The link works once; the page says so and offers to start again.
    const again = await c.get(path)
    expect(again.status).to.equal(410)
    expect(textOf(again.text)).to.include('すでに完了しています')
    // The sent mail's body (it carried the link) is not kept.
    const rows = await t.db
      .selectFrom('mail_outbox')
      .select(['body', 'sent_at'])
      .where('kind', '=', 'email_confirm')
      .execute()
    expect(rows.every((r) => r.sent_at !== null && r.body === '')).to.equal(true)
  })

  it('library B: メールアドレス変更 with the address type → 確認 → 送信 → mail → 確定', async () => {
    const c = new FormClient(app.baseUrl)
    await login(c, 'minato', '2201900001', 'minato123')
    const page = await c.get('/minato/account/email')
    await expectGoodPcPage(page.text)
    expect(cheerio.load(page.text)('h1').text()).to.equal('メールアドレス変更')
    expect(cheerio.load(page.text)('input[name=kind]')).to.have.length(2)
    const confirm = await c.submit(page, { address: 'ichiro@minato.example.jp', kind: 'pc' })
    expect(confirm.status).to.equal(200)
    await expectGoodPcPage(confirm.text)
    expect(cheerio.load(confirm.text)('h1').text()).to.equal('メールアドレス変更の確認')
    expect(cheerio.load(confirm.text)('main form button').first().text()).to.equal('送信')
    const before = smtp.received.length
    expect(
      await t.db
        .selectFrom('mail_outbox')
        .select('id')
        .where('to_address', '=', 'ichiro@minato.example.jp')
        .execute(),
    ).to.deep.equal([])
    await c.follow(await c.submit(confirm))
    await send()
    const mail = await mailTo('ichiro@minato.example.jp', before)
    expect(mail.subject).to.equal('メールアドレス変更確認のお知らせ（みなと市立図書館）')
    expect(mail.from?.value[0]?.address).to.equal('yoyaku@minato-library.example.jp')
    const link = linkOf(mail)
    const opened = await c.get(link.slice(link.indexOf('/minato/')))
    expect(cheerio.load(opened.text)('main button').text()).to.equal('確定')
    await c.follow(await c.submit(opened))
    expect((await emailOf('2201900001')).email).to.equal('ichiro@minato.example.jp')
  })

  it('rules B: a non-resident is told why and cannot register an address', async () => {
    const c = new FormClient(app.baseUrl)
    await login(c, 'minato', '2201900005', 'visit123')
    const page = await c.get('/minato/account/email')
    expect(textOf(page.text)).to.include('市内在住・在勤・在学の方がご利用いただけます')
    const csrf = cheerio.load(page.text)('input[name=_csrf]').attr('value')!
    const post = await c.post('/minato/account/email', {
      _csrf: csrf,
      address: 'x@example.jp',
      kind: 'pc',
      confirmed: '1',
    })
    expect(post.status).to.equal(403)
    expect(
      await t.db
        .selectFrom('mail_outbox')
        .select('id')
        .where('to_address', '=', 'x@example.jp')
        .execute(),
    ).to.deep.equal([])
  })

  it('keitai without cookies: the address twice, then the code typed instead of the link', async () => {
    const k = new FormClient(app.baseUrl, {
      userAgent: KEITAI_UA,
      cookies: false,
      charset: 'shift_jis',
    })
    const portal = await login(k, 'minato', '2201900009', 'yoyk9999')
    const emailLink = cheerio.load(portal.text)('a[accesskey="7"]').attr('href')!
    const page = await k.get(emailLink)
    expectGoodKeitaiPage(page)
    expect(textOf(page.text)).to.include('yoyaku@minato-library.example.jp')
    const mismatch = await k.submit(page, {
      address: 'kumi@ezweb.ne.jp',
      confirmation: 'kumi@ezweb.ne.j',
      kind: 'mobile',
    })
    expect(mismatch.status).to.equal(400)
    expectGoodKeitaiPage(mismatch)
    const confirm = await k.submit(page, {
      address: 'kumi@ezweb.ne.jp',
      confirmation: 'kumi@ezweb.ne.jp',
      kind: 'mobile',
    })
    expectGoodKeitaiPage(confirm)
    const before = smtp.received.length
    const sent = await k.follow(await k.submit(confirm))
    expectGoodKeitaiPage(sent)
    await send()
    const mail = await mailTo('kumi@ezweb.ne.jp', before)
    // Mail to a mobile address is short: no closing paragraph, no opening hours.
    expect(mail.text).not.to.include('開館時間')
    const code = codeOf(mail)
    expect(code).to.match(/^\d{6}$/)
    const withPending = await k.get(emailLink)
    const wrong = await k.submit(
      withPending,
      { code: code === '000000' ? '111111' : '000000' },
      '/account/email/code',
    )
    expect(wrong.status).to.equal(400)
    expect(textOf(wrong.text)).to.include('確認コードが違います（あと4回')
    const right = await k.follow(await k.submit(withPending, { code }, '/account/email/code'))
    expectGoodKeitaiPage(right)
    expect(textOf(right.text)).to.include('kumi@ezweb.ne.jpに変更しました')
    expect(await emailOf('2201900009')).to.deep.equal({
      email: 'kumi@ezweb.ne.jp',
      email_kind: 'mobile',
    })
  })

  it('keitai without cookies, library A: the mail’s link opened on the phone and confirmed there', async () => {
    const k = new FormClient(app.baseUrl, {
      userAgent: KEITAI_UA,
      cookies: false,
      charset: 'shift_jis',
    })
    const portal = await login(k, 'aoba', '1101900005', 'cd2468')
    const page = await k.get(cheerio.load(portal.text)('a[accesskey="7"]').attr('href')!)
    expectGoodKeitaiPage(page)
    const before = smtp.received.length
    const sent = await k.follow(
      await k.submit(page, {
        address: 'shichou@docomo.ne.jp',
        confirmation: 'shichou@docomo.ne.jp',
      }),
    )
    expectGoodKeitaiPage(sent)
    await send()
    const link = linkOf(await mailTo('shichou@docomo.ne.jp', before))
    // The shared URL gives a keitai the Shift_JIS page; its form keeps the session in the path.
    const phone = new FormClient(app.baseUrl, {
      userAgent: KEITAI_UA,
      cookies: false,
      charset: 'shift_jis',
    })
    const opened = await phone.get(link.slice(link.indexOf('/aoba/')))
    expectGoodKeitaiPage(opened)
    expect(cheerio.load(opened.text)('form').attr('action')).to.match(
      /^\/aoba\/k\/s\/[^/]+\/email\/confirm\//,
    )
    const done = await phone.follow(await phone.submit(opened))
    expectGoodKeitaiPage(done)
    expect(textOf(done.text)).to.include('shichou@docomo.ne.jpに変更しました')
    expect(await emailOf('1101900005')).to.deep.equal({
      email: 'shichou@docomo.ne.jp',
      email_kind: 'mobile',
    })
  })

  it('a new request ends the older link; an altered link is refused; 「テストメールを送る」 works', async () => {
    const c = new FormClient(app.baseUrl)
    await login(c, 'aoba', '1101900007', 'yoyk7777')
    const before = smtp.received.length
    await c.submit(await c.get('/aoba/account/email'), { address: 'first@example.jp' })
    // The page now offers the code form first; the address form is the one posting to itself.
    await c.submit(
      await c.get('/aoba/account/email'),
      { address: 'second@example.jp' },
      '/account/email',
    )
    await send()
    await smtp.waitFor(before + 2).catch(() => undefined)
    const first = linkOf(await mailTo('first@example.jp', before))
    const second = linkOf(await mailTo('second@example.jp', before))
    const old = await c.get(first.slice(first.indexOf('/aoba/')))
    expect(old.status).to.equal(410)
    expect(textOf(old.text)).to.include('あとから別の手続きをされたため')
    const altered = await c.get(`${second.slice(second.indexOf('/aoba/'), -3)}xyz`)
    expect(altered.status).to.equal(404)
    const short = await c.get('/aoba/email/confirm/abc')
    expect(short.status).to.equal(404)
    // The code of one patron's change is nobody else's.
    const other = new FormClient(app.baseUrl)
    await login(other, 'aoba', '1101900001', 'aoba1234')
    const code = codeOf(await mailTo('second@example.jp', before))
    const otherPage = await other.get('/aoba/account/email')
    const csrf = cheerio.load(otherPage.text)('input[name=_csrf]').attr('value')!
    const refused = await other.post('/aoba/account/email/code', { _csrf: csrf, code })
    expect(refused.status).to.equal(400)
    expect((await emailOf('1101900007')).email).to.equal('nanami@example.jp')
    const test = await c.follow(
      await c.submit(await c.get('/aoba/account/email'), {}, '/account/email/test'),
    )
    expect(textOf(test.text)).to.include('テストメールをnanami@example.jpに送りました。')
    await send()
    expect((await mailTo('nanami@example.jp', before)).subject).to.equal(
      'テストメール（あおば市立図書館）',
    )
  })

  it('rate-limits requests per patron atomically: of 10 at once, 5 are accepted', async () => {
    const c = new FormClient(app.baseUrl)
    await login(c, 'aoba', '1101900003', 'kasi5678')
    const page = await c.get('/aoba/account/email')
    const csrf = cheerio.load(page.text)('input[name=_csrf]').attr('value')!
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        c.post('/aoba/account/email', { _csrf: csrf, address: `burst${i}@example.jp` }),
      ),
    )
    expect(results.filter((r) => r.status === 303)).to.have.length(5)
    expect(results.filter((r) => r.status === 429)).to.have.length(5)
    const queued = await t.db
      .selectFrom('mail_outbox')
      .select('id')
      .where('to_address', 'like', 'burst%')
      .execute()
    expect(queued).to.have.length(5)
  })

  describe('delivery', () => {
    // A database of its own: the outbox is shared by every library of a database.
    let d: TestDatabase
    before(async () => {
      d = await createTestDatabase({ prefix: 'maild' })
    })
    let now = new Date('2026-11-23T01:00:00Z')
    const clock: Clock = { now: () => now }
    const lib = {
      library: { id: 0, slug: 'x', name: 'テスト市立図書館', phone: '' },
      settings: { ...resolveSettings('A', '{}'), mailFrom: 'opac@test.example.jp' },
    }
    const service = () => testMailService(d.db, clock, () => `<${newRequestKey()}@test.example.jp>`)
    const sender = (url: string) =>
      outboxSender({
        mails: mailRepository(d.db),
        transport: mailTransport({ smtpUrl: url, mailDir: '' }),
        clock,
        giveUpHours: 48,
      })

    it('expires a link after its hours, by the fixed clock', async () => {
      const a = await holdFixture(d.db, 'A', { patrons: 2 })
      lib.library.id = a.library.id
      const mail = service()
      expect((await mail.request(lib, a.patrons.p1!, { address: 'late@example.jp' })).ok).to.equal(
        true,
      )
      now = new Date(now.getTime() + 25 * 3_600_000)
      expect(await mail.pending(lib, a.patrons.p1!)).to.equal(null)
      expect(await mail.confirmCode(lib, a.patrons.p1!, '123456')).to.deep.equal({
        ok: false,
        reason: 'expired',
      })
    })

    it('loses nothing while the SMTP server is down, and delivers each mail once when it is back', async () => {
      const a = await holdFixture(d.db, 'A', { patrons: 4 })
      lib.library.id = a.library.id
      const mail = service()
      await d.db.deleteFrom('mail_outbox').execute()
      const down = await startSmtpSink()
      await down.stop()
      for (const p of ['p1', 'p2', 'p3'])
        await mail.request(lib, a.patrons[p]!, { address: `${p}.${a.slug}@example.jp` })
      const out = sender(down.url)
      expect(await out.sendDue()).to.deep.equal({ sent: 0, retrying: 3, failed: 0, inDoubt: 0 })
      expect(await out.sendDue()).to.deep.equal({ sent: 0, retrying: 0, failed: 0, inDoubt: 0 }) // not due yet
      await down.start()
      now = new Date(now.getTime() + 2 * 60_000)
      expect(await out.sendDue()).to.deep.include({ sent: 3 })
      expect(await out.sendDue()).to.deep.include({ sent: 0 })
      await down.waitFor(3)
      expect(down.received.map(toOf).sort()).to.deep.equal(
        ['p1', 'p2', 'p3'].map((p) => `${p}.${a.slug}@example.jp`),
      )
      await down.close()
    })

    it('two senders racing over 20 mails send each exactly once', async () => {
      const a = await holdFixture(d.db, 'A', { patrons: 20 })
      lib.library.id = a.library.id
      const mail = service()
      await d.db.deleteFrom('mail_outbox').execute()
      for (let i = 1; i <= 20; i++) await mail.sendTestMail(lib, a.patrons[`p${i}`]!)
      const sink = await startSmtpSink()
      const [one, two] = [sender(sink.url), sender(sink.url)]
      // Rounds of both senders at once, each taking a few, until nothing is left to send.
      let sent = 0
      for (let round = 0; round < 20; round++) {
        const results = await Promise.all([
          one.sendDue(3),
          two.sendDue(3),
          one.sendDue(4),
          two.sendDue(4),
        ])
        const n = results.reduce((total, r) => total + r.sent, 0)
        if (n === 0) break
        sent += n
      }
      expect(sent).to.equal(20)
      await sink.waitFor(20)
      expect(sink.received).to.have.length(20)
      const ids = sink.received.map((m) => m.messageId)
      expect(new Set(ids).size).to.equal(20)
      await sink.close()
    })

    it('puts the hold notices of one run into one mail per patron, listing every item', async () => {
      now = new Date('2026-11-24T01:00:00Z')
      const a = await holdFixture(d.db, 'A', { patrons: 3 })
      lib.library.id = a.library.id
      const holds = holdService({
        holds: holdRepository(d.db),
        calendars: calendarRepository(d.db),
        clock,
      })
      const place = (patron: string, record: string, contact: 'email' | 'none') =>
        holds.place(a, a.patrons[patron]!, {
          key: newRequestKey(),
          items: [{ recordId: a.records[record]!, pickupBranchId: a.branchIds.central, contact }],
        })
      await place('p1', 'book', 'email')
      await place('p1', 'volume1', 'email')
      await place('p2', 'popular', 'none')
      await holds.copyReturned(a, a.copies.book![0]!, a.branchIds.central)
      await holds.copyReturned(a, a.copies.volume1![0]!, a.branchIds.central)
      await holds.copyReturned(a, a.copies.popular![0]!, a.branchIds.central)
      const mail = service()
      expect(await mail.queueHoldNotices(async () => lib)).to.equal(1)
      expect(await mail.queueHoldNotices(async () => lib)).to.equal(0)
      const sink = await startSmtpSink()
      await sender(sink.url).sendDue()
      const [notice] = await sink.waitFor(1)
      expect(toOf(notice!)).to.equal('p1@example.jp')
      expect(notice!.subject).to.equal('予約資料の到着連絡（テスト市立図書館）')
      expect(notice!.text).to.include('1. book')
      expect(notice!.text).to.include('2. volume1')
      expect(notice!.text).to.include('受取期限 2026年12月2日(水)')
      await sink.close()
    })
  })
})
