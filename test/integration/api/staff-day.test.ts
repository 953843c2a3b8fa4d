// A day at the counter, scripted across both presets over real HTTP, MariaDB and a real SMTP
// server on loopback: staff register a patron and issue a password (rules B) or clear it for
// registration on the site (rules A); the patron sets their own password on the site, registers
// an e-mail address through the confirmation mail's link and places an internet hold; the
// morning job approves it (rules B); a copy is checked in and trapped; the notice is queued and
// sent; the patron sees 受取り可; staff check the copy out and the hold is fulfilled. Another
// hold is not collected by its deadline: the expiry job passes its copy on.
import { expect } from 'chai'
import * as cheerio from 'cheerio'
import type { Clock } from '../../../server/clock.ts'
import { FormClient, textOf } from '../../helpers/form-client.ts'
import type { Page } from '../../helpers/form-client.ts'
import { holdFixture } from '../../helpers/hold-fixture.ts'
import { startSmtpSink } from '../../helpers/smtp-sink.ts'
import type { SmtpSink } from '../../helpers/smtp-sink.ts'
import { staffClient, staffToken } from '../../helpers/staff-client.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import { startTestServer } from '../../helpers/test-server.ts'

type Json = Record<string, unknown>

describe('a day at the counter (staff API, site, jobs and mail together)', function () {
  this.timeout(120_000)
  let smtp: SmtpSink
  before(async () => {
    smtp = await startSmtpSink()
  })
  after(async () => smtp.close())

  for (const preset of ['A', 'B'] as const) {
    it(`preset ${preset}: register, password, e-mail confirmed by its link, internet hold, approval, trap, notice, 受取り可, checkout; an expired hold passes on`, async () => {
      const t = await createTestDatabase({ prefix: `day${preset.toLowerCase()}` })
      const lib = await holdFixture(t.db, preset, { patrons: 3 })
      let now = new Date('2026-11-21T05:00:00Z') // Sat 14:00 in Tokyo, an opening day
      const clock: Clock = { now: () => now }
      const server = await startTestServer(t.db, {
        env: { SMTP_URL: smtp.url },
        overrides: { clock },
      })
      try {
        const staff = staffClient(server.baseUrl, await staffToken(server.deps, lib.library.id))
        const slug = lib.slug
        const card = preset === 'A' ? '7100001' : '7200001'

        // 1. Staff register the patron at the counter.
        const created = await staff('POST', '/patrons', {
          cardNumber: card,
          fullName: '港 花子',
          birthDate: '1988-06-15',
          residency: 'resident',
        })
        expect(created.status).to.equal(201)
        const patronId = (created.body as Json).id as number

        // 2. A password: rules B issue an initial one; rules A let the patron register one.
        const issued = await staff('POST', `/patrons/${patronId}/password`)
        expect(issued.status).to.equal(200)
        const site = new FormClient(server.baseUrl)
        const chosen = 'Minato2026'
        if (preset === 'B') {
          const initial = (issued.body as { password: string }).password
          expect(initial).to.match(/^[A-Za-z0-9]{8}$/)
          const checked = await site.submit(await site.get(`/${slug}/password/change`), {
            card,
            current: initial,
            password: chosen,
            confirmation: chosen,
          })
          expect(checked.status).to.equal(303)
          const done = await site.follow(await site.submit(await site.follow(checked)))
          expect(textOf(done.text)).to.include('パスワードを変更しました。')
        } else {
          expect((issued.body as { kind: string }).kind).to.equal('cleared')
          const identity = await site.submit(await site.get(`/${slug}/password/register`), {
            card,
            fullName: '港花子',
            birth: '1988-06-15',
          })
          expect(identity.status).to.equal(303)
          const done = await site.follow(
            await site.submit(await site.follow(identity), {
              password: chosen,
              confirmation: chosen,
            }),
          )
          expect(textOf(done.text)).to.include('パスワードを登録しました。')
        }
        // 3. The patron registers an e-mail address on the site: the confirmation mail goes
        //    through the sender job to the SMTP server, and the link in it confirms the address.
        const browser = new FormClient(server.baseUrl)
        const portal = await browser.submit(await browser.get(`/${slug}/login`), {
          card,
          password: chosen,
        })
        expect(portal.status).to.equal(303)
        const emailPage = await browser.get(`/${slug}/account/email`)
        expect(emailPage.status).to.equal(200)
        let requested = await browser.submit(
          emailPage,
          preset === 'B'
            ? { address: 'hanako@example.jp', kind: 'pc' }
            : { address: 'hanako@example.jp' },
        )
        if (preset === 'B') {
          expect(requested.status).to.equal(200) // 確認 → 送信
          requested = await browser.submit(requested)
        }
        expect(requested.status).to.equal(303)
        expect(textOf((await browser.follow(requested)).text)).to.include(
          'まだ手続きは完了していません。',
        )
        const confirmFrom = smtp.received.length
        expect((await staff('POST', '/jobs/mail-send/run')).status).to.equal(200)
        const confirmation = (await smtp.waitFor(confirmFrom + 1))
          .slice(confirmFrom)
          .find((m) => (m.to && 'text' in m.to ? m.to.text : '').includes('hanako@example.jp'))
        const link =
          /https?:\/\/\S+\/email\/confirm\/[A-Za-z0-9_-]{22}/.exec(confirmation?.text ?? '')?.[0] ??
          ''
        expect(link, 'the confirmation link').to.not.equal('')
        const opened = await browser.get(link.slice(link.indexOf(`/${slug}/`)))
        expect(opened.status).to.equal(200)
        const confirmed = await browser.follow(await browser.submit(opened))
        expect(textOf(confirmed.text)).to.include('hanako@example.jp に変更しました')
        const registered = await t.db
          .selectFrom('patron')
          .select('email')
          .where('id', '=', patronId)
          .executeTakeFirstOrThrow()
        expect(registered.email).to.equal('hanako@example.jp')

        // 4. The internet hold, placed on the site after logging in.
        const start = await site.get(`/${slug}/holds/new?record=${lib.records.book}`)
        const loginForm = await site.follow(start)
        const form = await site.follow(await site.submit(loginForm, { card, password: chosen }))
        const placedPage = await site.submit(form, {
          'pickup-0': String(lib.branchIds.central),
          'contact-0': 'email',
        })
        let page: Page = await site.follow(placedPage)
        if (
          cheerio
            .load(page.text)('main form[method=post]')
            .attr('action')
            ?.endsWith('/holds/confirm')
        ) {
          page = await site.follow(await site.submit(page))
        }
        const hold = await t.db
          .selectFrom('hold')
          .select(['id', 'status'])
          .where('patron_id', '=', patronId)
          .executeTakeFirstOrThrow()
        expect(hold.status).to.equal(preset === 'B' ? 'requested' : 'waiting')

        // 5. The morning job: rules B's 依頼中 hold becomes formal on Sunday at 8:30.
        now = new Date('2026-11-21T23:30:00Z')
        const approval = await staff('POST', '/jobs/hold-approval/run')
        expect(approval.status).to.equal(200)
        expect((approval.body as { report: Json }).report).to.include({
          approved: preset === 'B' ? 1 : 0,
        })

        // 6. The copy comes back and is trapped for the hold; the notice is queued.
        now = new Date('2026-11-22T01:00:00Z') // Sun 10:00
        const copy = (
          await t.db
            .selectFrom('copy')
            .select('barcode')
            .where('id', '=', lib.copies.book![0]!)
            .executeTakeFirstOrThrow()
        ).barcode
        const back = await staff('POST', '/checkins', {
          barcode: copy,
          branchId: lib.branchIds.central,
        })
        expect((back.body as { next: Json }).next).to.deep.include({
          action: 'hold_shelf',
          holdId: hold.id,
        })

        // 7. The mail sender sends it to the SMTP server.
        const before = smtp.received.length
        const sent = await staff('POST', '/jobs/mail-send/run')
        expect(sent.status).to.equal(200)
        const mails = await smtp.waitFor(before + 1)
        const mail = mails[before]!
        expect(mail.to && 'text' in mail.to ? mail.to.text : '').to.include('hanako@example.jp')
        expect(mail.text).to.include('ご予約の資料が用意できました。')
        expect(mail.text).to.include('book')

        // 8. The patron (logged out meanwhile: idle) logs in again and sees 受取り可.
        const relogin = await site.follow(await site.get(`/${slug}/account/holds`))
        const list = await site.follow(await site.submit(relogin, { card, password: chosen }))
        expect(list.status).to.equal(200)
        expect(textOf(list.text)).to.include('受取り可')

        // 9. At the counter the copy is lent to the patron: the hold is fulfilled.
        const lent = await staff('POST', '/checkouts', { patronId, barcode: copy })
        expect(lent.status).to.equal(201)
        expect((lent.body as Json).fulfilledHoldId).to.equal(hold.id)
        const after = await t.db
          .selectFrom('hold')
          .select('status')
          .where('id', '=', hold.id)
          .executeTakeFirstOrThrow()
        expect(after.status).to.equal('collected')
        expect(textOf((await site.get(`/${slug}/account/holds`)).text)).to.not.include('受取り可')

        // 10. Another hold is not collected: after its deadline the copy passes to the next.
        const place = (patron: string) =>
          staff('POST', '/holds', {
            patronId: lib.patrons[patron],
            recordId: lib.records.volume1,
            pickupBranchId: lib.branchIds.west,
            channel: 'counter',
          })
        const first = (await place('p1')).body as Json
        const second = (await place('p2')).body as Json
        const volume = (
          await t.db
            .selectFrom('copy')
            .select('barcode')
            .where('id', '=', lib.copies.volume1![0]!)
            .executeTakeFirstOrThrow()
        ).barcode
        await staff('POST', '/checkins', { barcode: volume, branchId: lib.branchIds.west })
        const ready = await t.db
          .selectFrom('hold')
          .select(['status', 'pickup_deadline'])
          .where('id', '=', first.holdId as number)
          .executeTakeFirstOrThrow()
        // Secured Sun 11-22: A 8 days → Mon 11-30 closed → Tue 12-01; B 7th opening day → Tue 12-01.
        expect(ready).to.deep.equal({ status: 'ready', pickup_deadline: '2026-12-01' })
        now = new Date('2026-12-01T15:30:00Z') // Wed 12-02 00:30 in Tokyo
        const expiry = await staff('POST', '/jobs/hold-expiry/run')
        expect((expiry.body as { report: Json }).report).to.include({ expired: 1 })
        const statuses = await t.db
          .selectFrom('hold')
          .select(['id', 'status', 'trapped_copy_id'])
          .where('id', 'in', [first.holdId as number, second.holdId as number])
          .orderBy('id')
          .execute()
        expect(statuses.map((s) => s.status)).to.deep.equal(['expired', 'ready'])
        expect(statuses[1]!.trapped_copy_id).to.equal(lib.copies.volume1![0]!)
        const again = await staff('POST', '/jobs/hold-expiry/run')
        expect((again.body as { report: Json }).report).to.include({ expired: 0 })
      } finally {
        await server.close()
      }
    })
  }
})
