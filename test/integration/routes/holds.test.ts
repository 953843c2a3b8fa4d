// Holds over real HTTP on both channels, against a demo database of its own (SPEC.md §4):
// library A's cart → 予約する → login → choices (a set hold) → confirmation → 予約完了;
// library B's 予約申込 → login → 予約登録 → 予約確認 送信 → 予約受付 (依頼中); keitai with
// cookies off within 5,120 bytes; the holds list, changes and cancellation with their
// confirmations; set order and split; refusals before confirming; double submits, stale
// confirmations, CSRF and other patrons' holds.
import { expect } from 'chai'
import * as cheerio from 'cheerio'
import type { MaterialType } from '../../../server/db/schema.ts'
import { DEMO_ACCOUNTS } from '../../../server/demo/demo-accounts.ts'
import { FormClient, textOf } from '../../helpers/form-client.ts'
import type { Page } from '../../helpers/form-client.ts'
import { expectGoodKeitaiPage, expectGoodPcPage } from '../../helpers/html-assertions.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { KEITAI_UA, startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'

function card(slug: string, password: string): string {
  const found = DEMO_ACCOUNTS[slug]?.find((a) => a.password === password)
  if (!found) throw new Error(`no demo patron ${slug}/${password}`)
  return found.card
}

describe('holds (予約)', function () {
  this.timeout(180_000)
  let t: TestDatabase
  let app: TestServer
  /** Titles of each library: books with copies out, an AV title, a magazine. */
  const ids: Record<string, number> = {}

  before(async () => {
    t = await createTestDatabase({ demo: true, prefix: 'holds' })
    app = await startTestServer(t.db)
    const pickTitle = async (slug: string, type: MaterialType, offset: number) => {
      const row = await t.db
        .selectFrom('record as r')
        .innerJoin('library as l', 'l.id', 'r.library_id')
        .where('l.slug', '=', slug)
        .where('r.material_type', '=', type)
        .where(({ exists, selectFrom }) =>
          exists(
            selectFrom('copy as c')
              .select('c.id')
              .whereRef('c.record_id', '=', 'r.id')
              .where('c.reference_only', '=', 0)
              .where('c.status', '<>', 'missing'),
          ),
        )
        .select('r.id')
        .orderBy('r.id')
        .offset(offset)
        .limit(1)
        .executeTakeFirstOrThrow()
      return row.id
    }
    for (const slug of ['aoba', 'minato']) {
      for (let i = 0; i < 4; i++) ids[`${slug}Book${i}`] = await pickTitle(slug, 'book', 100 + i)
      ids[`${slug}Dvd`] = await pickTitle(slug, 'dvd', 0).catch(() => pickTitle(slug, 'cd', 0))
      ids[`${slug}Magazine`] = await pickTitle(slug, 'magazine', 0)
    }
  })
  after(() => app.close())

  const pc = () => new FormClient(app.baseUrl)
  const keitai = () =>
    new FormClient(app.baseUrl, { userAgent: KEITAI_UA, cookies: false, charset: 'shift_jis' })
  const activeHolds = (slug: string, password: string) =>
    t.db
      .selectFrom('hold as h')
      .innerJoin('patron as p', 'p.id', 'h.patron_id')
      .innerJoin('library as l', 'l.id', 'h.library_id')
      .where('l.slug', '=', slug)
      .where('p.card_number', '=', card(slug, password))
      .where('h.status', 'in', ['requested', 'waiting', 'in_transit', 'ready'])
      .selectAll('h')
      .orderBy('h.id')
      .execute()

  async function login(
    client: FormClient,
    page: Page,
    slug: string,
    password: string,
  ): Promise<Page> {
    expect(page.status, 'login redirect').to.equal(client.options.charset ? 302 : 303)
    const form = await client.follow(page)
    expect(cheerio.load(form.text)('input[name=password]')).to.have.length(1)
    const done = await client.submit(form, { card: card(slug, password), password })
    return client.follow(done)
  }

  describe("library A's flow (PC): cart, set hold, confirmation", () => {
    it('puts titles in the cart before login, keeps them through the login, and places a set hold', async () => {
      const c = pc()
      // A visitor: 「カートに入れる」 on the detail page is a link to the add step.
      const detail = await c.get(`/aoba/records/${ids.aobaBook0}`)
      await expectGoodPcPage(detail.text)
      const link = cheerio
        .load(detail.text)('a.button')
        .filter((_, a) => cheerio.load(a).text() === 'カートに入れる')
      expect(link.attr('href')).to.equal(`/aoba/cart/add?record=${ids.aobaBook0}`)
      for (const id of [ids.aobaBook0, ids.aobaBook1]) {
        const add = await c.get(`/aoba/cart/add?record=${id}`)
        await expectGoodPcPage(add.text)
        const added = await c.submit(add)
        expect(added.status).to.equal(303)
      }
      const cart = await c.get('/aoba/cart')
      await expectGoodPcPage(cart.text)
      expect(textOf(cart.text)).to.include('予約カートに入れただけでは予約は完了しません。')
      expect(cheerio.load(cart.text)('tbody tr')).to.have.length(2)
      expect(await activeHolds('aoba', 'aoba1234')).to.have.length(0)

      const start = await c.get('/aoba/holds/new?cart=1')
      const form = await login(c, start, 'aoba', 'aoba1234')
      await expectGoodPcPage(form.text)
      const $ = cheerio.load(form.text)
      expect($('h1').text()).to.equal('予約する')
      expect($('fieldset')).to.have.length(2)
      expect($('#asSet')).to.have.length(1)
      const pickups = $('#pickup-0 option')
        .toArray()
        .map((o) => $(o).attr('value')!)
      // Orders 1 and 1: an error next to the field, nothing placed.
      const bad = await c.submit(form, {
        asSet: '1',
        'order-0': '1',
        'order-1': '1',
        'pickup-0': pickups[1]!,
        'pickup-1': pickups[1]!,
        'contact-0': 'none',
        'contact-1': 'email',
      })
      expect(bad.status).to.equal(400)
      await expectGoodPcPage(bad.text)
      expect(textOf(bad.text)).to.include(
        '受け取る順番は、1から順に重ならないように選んでください。',
      )
      // Book 1 first, then book 0.
      const chosen = await c.submit(bad, {
        asSet: '1',
        'order-0': '2',
        'order-1': '1',
        'pickup-0': pickups[1]!,
        'pickup-1': pickups[2]!,
        'contact-0': 'none',
        'contact-1': 'email',
      })
      expect(chosen.status).to.equal(303)
      const confirm = await c.follow(chosen)
      await expectGoodPcPage(confirm.text)
      const rows = cheerio
        .load(confirm.text)('tbody tr')
        .toArray()
        .map((r) => cheerio.load(r).text())
      expect(rows[0]).to.match(/^1/)
      expect(textOf(confirm.text)).to.include('セット予約')
      // Two presses of 予約する at once: one set of holds, the same completion page.
      const [p1, p2] = await Promise.all([c.submit(confirm), c.submit(confirm)])
      expect(p1.location).to.equal(p2.location)
      const done = await c.follow(p1)
      await expectGoodPcPage(done.text)
      expect(textOf(done.text)).to.include('2件の予約を受け付けました（セット予約')
      const held = await activeHolds('aoba', 'aoba1234')
      expect(held).to.have.length(2)
      expect(held.map((h) => [h.record_id, h.set_order, h.status])).to.deep.equal([
        [ids.aobaBook1, 1, 'waiting'],
        [ids.aobaBook0, 2, 'waiting'],
      ])
      expect(new Set(held.map((h) => h.request_key)).size).to.equal(1)
      // The placed titles left the cart.
      expect(cheerio.load((await c.get('/aoba/cart')).text)('tbody tr')).to.have.length(0)

      const list = await c.get('/aoba/account/holds')
      await expectGoodPcPage(list.text)
      const text = textOf(list.text)
      expect(text).to.match(/\d+位/)
      expect(text).to.include('セット予約 1番目')
      expect(text).to.include('受け取る順番を指定する')
    })

    it('explains before confirming why a title cannot be held', async () => {
      const c = pc()
      const start = await c.get(`/aoba/holds/new?record=${ids.aobaBook1}`)
      const form = await login(c, start, 'aoba', 'aoba1234')
      expect(textOf(form.text)).to.include('この資料はすでに予約しています。')
      expect(cheerio.load(form.text)('main button[type=submit]')).to.have.length(0)
      const magazine = await c.get(`/aoba/records/${ids.aobaMagazine}`)
      expect(textOf(magazine.text)).to.include('雑誌の最新号は予約できません。')
    })

    it('reorders and splits a set hold, each after a confirmation', async () => {
      const c = pc()
      await login(c, await c.get('/aoba/account/holds'), 'aoba', 'aoba1234')
      const list = await c.get('/aoba/account/holds')
      const setHref = cheerio
        .load(list.text)('a')
        .filter((_, a) => cheerio.load(a).text() === '受け取る順番を指定する')
        .attr('href')!
      const setPage = await c.get(setHref)
      await expectGoodPcPage(setPage.text)
      const selects = cheerio
        .load(setPage.text)('select')
        .toArray()
        .map((s) => cheerio.load(s)('select').attr('name')!)
      expect(selects).to.have.length(2)
      const confirm = await c.submit(setPage, { [selects[0]!]: '2', [selects[1]!]: '1' })
      expect(confirm.status).to.equal(200)
      expect(cheerio.load(confirm.text)('h1').text()).to.equal('受け取る順番の確認')
      const done = await c.follow(await c.submit(confirm))
      expect(textOf(done.text)).to.include('受け取る順番を変更しました。')
      const held = await activeHolds('aoba', 'aoba1234')
      expect(held.map((h) => [h.record_id, h.set_order])).to.deep.equal([
        [ids.aobaBook1, 2],
        [ids.aobaBook0, 1],
      ])
      const split = await c.get(`${setHref}/split`)
      await expectGoodPcPage(split.text)
      const splitDone = await c.follow(await c.submit(split))
      expect(textOf(splitDone.text)).to.include('セット予約を解除しました。')
      expect((await activeHolds('aoba', 'aoba1234')).every((h) => h.set_id === null)).to.equal(true)
    })
  })

  describe("library B's flow: 予約申込 → 予約登録 → 予約確認 → 予約受付", () => {
    it('PC: places a web hold that waits as 依頼中 for the next opening morning', async () => {
      const c = pc()
      const detail = await c.get(`/minato/records/${ids.minatoBook0}`)
      const apply = cheerio
        .load(detail.text)('a.button')
        .filter((_, a) => cheerio.load(a).text() === '予約申込')
        .attr('href')!
      expect(apply).to.equal(`/minato/holds/new?record=${ids.minatoBook0}`)
      const form = await login(c, await c.get(apply), 'minato', 'minato123')
      await expectGoodPcPage(form.text)
      expect(cheerio.load(form.text)('h1').text()).to.equal('予約登録')
      expect(cheerio.load(form.text)('main button[type=submit]').text()).to.equal('予約')
      expect(
        cheerio
          .load(form.text)('#pickup-0 option')
          .toArray()
          .map((o) => cheerio.load(o).text()),
      ).to.deep.equal(['本館', '東部分館', '西部分館', '北部分館', '南部分館', '東初富分館'])
      const first = cheerio.load(form.text)('#pickup-0 option').first().attr('value')!
      const confirm = await c.follow(
        await c.submit(form, { 'pickup-0': first, 'contact-0': 'none' }),
      )
      await expectGoodPcPage(confirm.text)
      expect(cheerio.load(confirm.text)('h1').text()).to.equal('予約確認')
      expect(cheerio.load(confirm.text)('main button').text()).to.equal('送信')
      const done = await c.follow(await c.submit(confirm))
      await expectGoodPcPage(done.text)
      expect(cheerio.load(done.text)('h1').text()).to.equal('予約受付')
      // Requested on Mon 2026-11-23 (closed): formal on Tue 11-24 at 8:30.
      expect(textOf(done.text)).to.include(
        '依頼中です。2026年11月24日(火) 8:30に正式な予約となります。',
      )
      const list = await c.get('/minato/account/holds')
      expect(cheerio.load(list.text)('h1').text()).to.equal('予約状況一覧')
      expect(textOf(list.text)).to.include('依頼中')
      const actions = cheerio
        .load(list.text)('a')
        .toArray()
        .map((a) => cheerio.load(a).text())
      expect(actions.some((text) => text.startsWith('取消する（'))).to.equal(true)
    })

    it('refuses audio-visual material on the detail page, and non-residents before confirming', async () => {
      const c = pc()
      const dvd = await c.get(`/minato/records/${ids.minatoDvd}`)
      expect(textOf(dvd.text)).to.include('視聴覚資料（CD・DVDなど）は予約できません。')
      const form = await login(
        c,
        await c.get(`/minato/holds/new?record=${ids.minatoBook1}`),
        'minato',
        'visit123',
      )
      expect(textOf(form.text)).to.include('予約は市内在住・在勤・在学の方がご利用いただけます。')
    })

    it('keitai with cookies off: 予約申込 to 予約受付 and cancelling, every page within 5,120 bytes', async () => {
      const k = keitai()
      const detail = await k.get(`/minato/k/records/${ids.minatoBook2}`)
      expectGoodKeitaiPage(detail)
      const apply = cheerio
        .load(detail.text)('a')
        .filter((_, a) => cheerio.load(a).text() === '予約申込')
        .attr('href')!
      const form = await login(k, await k.get(apply), 'minato', 'minato123')
      expectGoodKeitaiPage(form)
      const pickup = cheerio.load(form.text)('#pickup option').first().attr('value')!
      const confirm = await k.follow(await k.submit(form, { pickup, contact: 'none' }))
      expectGoodKeitaiPage(confirm)
      const done = await k.follow(await k.submit(confirm))
      expectGoodKeitaiPage(done)
      expect(textOf(done.text)).to.include('1件受け付けました')
      const listLink = cheerio.load(done.text)('a[href*="/account/holds"]').attr('href')!
      expect(listLink).to.match(/\/minato\/k\/s\/[^/]+\/account\/holds$/)
      const list = await k.get(listLink)
      expectGoodKeitaiPage(list)
      const cancelLink = cheerio
        .load(list.text)('a')
        .filter((_, a) => cheerio.load(a).text() === '取消する')
        .last()
        .attr('href')!
      const cancel = await k.get(cancelLink)
      expectGoodKeitaiPage(cancel)
      const before = (await activeHolds('minato', 'minato123')).length
      const cancelled = await k.follow(await k.submit(cancel))
      expectGoodKeitaiPage(cancelled)
      expect(textOf(cancelled.text)).to.include('予約の取消が完了しました。')
      expect((await activeHolds('minato', 'minato123')).length).to.equal(before - 1)
    })
  })

  describe('changes, cancellation and refusals', () => {
    it('changes the pickup branch after a confirmation, and cancels', async () => {
      const c = pc()
      await login(c, await c.get('/minato/account/holds'), 'minato', 'minato123')
      const [hold] = await activeHolds('minato', 'minato123')
      const form = await c.get(`/minato/account/holds/${hold!.id}/change`)
      await expectGoodPcPage(form.text)
      const other = cheerio
        .load(form.text)('#pickup option')
        .toArray()
        .map((o) => Number(cheerio.load(o)('option').attr('value')))
        .find((v) => v !== hold!.pickup_branch_id)!
      const confirm = await c.submit(form, { pickup: String(other), contact: 'none' })
      expect(confirm.status).to.equal(200)
      await expectGoodPcPage(confirm.text)
      expect(cheerio.load(confirm.text)('h1').text()).to.equal('予約内容の変更の確認')
      expect((await activeHolds('minato', 'minato123'))[0]!.pickup_branch_id).to.equal(
        hold!.pickup_branch_id,
      )
      const done = await c.follow(await c.submit(confirm))
      expect(textOf(done.text)).to.include('予約内容を変更しました。')
      expect((await activeHolds('minato', 'minato123'))[0]!.pickup_branch_id).to.equal(other)
      // E-mail without a registered address is refused next to the field.
      const patronId = hold!.patron_id
      const { email } = await t.db
        .selectFrom('patron')
        .select('email')
        .where('id', '=', patronId)
        .executeTakeFirstOrThrow()
      await t.db.updateTable('patron').set({ email: null }).where('id', '=', patronId).execute()
      const form2 = await c.get(`/minato/account/holds/${hold!.id}/change`)
      expect(cheerio.load(form2.text)('#contact option[value=email]')).to.have.length(0)
      const noMail = await c.submit(form2, { pickup: String(other), contact: 'email' })
      expect(noMail.status).to.equal(400)
      await expectGoodPcPage(noMail.text)
      expect(cheerio.load(noMail.text)('#contact-error').text()).to.include(
        'メールアドレスの登録が必要です',
      )
      await t.db.updateTable('patron').set({ email }).where('id', '=', patronId).execute()
    })

    it('refuses to cancel a 受取り可 hold online and gives the telephone number', async () => {
      const c = pc()
      await login(c, await c.get('/minato/account/holds'), 'minato', 'minato123')
      const [hold] = await activeHolds('minato', 'minato123')
      await t.db
        .updateTable('hold')
        .set({ status: 'ready', pickup_deadline: '2026-12-01' })
        .where('id', '=', hold!.id)
        .execute()
      const page = await c.get(`/minato/account/holds/${hold!.id}/cancel`)
      expect(page.status).to.equal(409)
      await expectGoodPcPage(page.text)
      expect(textOf(page.text)).to.include('予約取消の連絡はお電話でお願いします。')
      expect(cheerio.load(page.text)('a[href^="tel:"]').attr('href')).to.equal('tel:0470000000')
      expect(cheerio.load(page.text)('main form')).to.have.length(0)
      await t.db
        .updateTable('hold')
        .set({ status: 'waiting', pickup_deadline: null })
        .where('id', '=', hold!.id)
        .execute()
    })

    it("answers 404 for another patron's hold, 403 without the CSRF token, 400 for a stale confirmation — changing nothing", async () => {
      const [theirs] = await activeHolds('minato', 'minato123')
      const c = pc()
      await login(c, await c.get('/minato/account/holds'), 'minato', 'late1234')
      expect((await c.get(`/minato/account/holds/${theirs!.id}/change`)).status).to.equal(404)
      expect((await c.get(`/minato/account/holds/${theirs!.id}/cancel`)).status).to.equal(404)
      const mine = await c.get('/minato/account/holds')
      const csrf = cheerio.load(mine.text)('input[name=_csrf]').first().attr('value')!
      expect(
        (await c.post(`/minato/account/holds/${theirs!.id}/cancel`, { _csrf: csrf })).status,
      ).to.equal(404)
      expect((await c.post(`/minato/account/holds/${theirs!.id}/cancel`, {})).status).to.equal(403)
      expect(
        (await c.post('/minato/holds/confirm', { _csrf: csrf, key: 'x'.repeat(22) })).status,
      ).to.equal(400)
      expect((await c.get('/minato/holds/done/abc')).status).to.equal(404)
      const after = await activeHolds('minato', 'minato123')
      expect(after.find((h) => h.id === theirs!.id)?.status).to.equal(theirs!.status)
      // Another library's record.
      expect((await c.get(`/minato/holds/new?record=${ids.aobaBook3}`)).status).to.equal(404)
    })
  })

  describe('keitai byte budget at the worst case', () => {
    it('a full cart of the longest titles: cart, request, confirmation, completion and holds list within 5,120 bytes', async () => {
      const longest = await t.db
        .selectFrom('record as r')
        .innerJoin('library as l', 'l.id', 'r.library_id')
        .where('l.slug', '=', 'aoba')
        .where('r.material_type', '=', 'book')
        .where(({ exists, selectFrom }) =>
          exists(
            selectFrom('copy as c')
              .select('c.id')
              .whereRef('c.record_id', '=', 'r.id')
              .where('c.reference_only', '=', 0),
          ),
        )
        .select('r.id')
        .orderBy((eb) => eb.fn('CHAR_LENGTH', ['r.title']), 'desc')
        .limit(20)
        .execute()
      const k = keitai()
      // The first add starts the session; its path carries it from then on (no cookies).
      let base = '/aoba/k'
      for (const { id } of longest) {
        const add = await k.get(`${base}/cart/add?record=${id}`)
        expectGoodKeitaiPage(add)
        const added = await k.submit(add)
        expect(added.status).to.equal(302)
        base = /^(?:https?:\/\/[^/]+)?(\/aoba\/k\/s\/[^/]+)\//.exec(added.location!)![1]!
      }
      const cart = await k.get(`${base}/cart`)
      expectGoodKeitaiPage(cart)
      expect(cheerio.load(cart.text)('input[name=item]').length).to.equal(20)
      // Two ticked titles leave the cart in one step; they go back in for the rest of the test.
      const ticked = cheerio
        .load(cart.text)('input[name=item]')
        .toArray()
        .slice(0, 2)
        .map((i) => cheerio.load(i)('input').attr('value')!)
      const action = cheerio.load(cart.text)('form').attr('action')!
      const csrf = cheerio.load(cart.text)('input[name=_csrf]').attr('value')!
      const removed = await k.follow(await k.post(action, { _csrf: csrf, item: ticked[0]! }))
      expect(textOf(removed.text)).to.include('を予約カートから削除しました。')
      expect(cheerio.load(removed.text)('input[name=item]').length).to.equal(19)
      await k.submit(await k.get(`${base}/cart/add?record=${ticked[0]}`))
      const form = await login(k, await k.get(`${base}/holds/new?cart=1`), 'aoba', 'yoyk7777')
      expectGoodKeitaiPage(form)
      const pickup = cheerio.load(form.text)('#pickup option').first().attr('value')!
      const confirm = await k.follow(await k.submit(form, { pickup, contact: 'none' }))
      expectGoodKeitaiPage(confirm)
      const done = await k.follow(await k.submit(confirm))
      expectGoodKeitaiPage(done)
      // The patron holds 5 already: 5 more are placed, the limit is explained before confirming.
      expect(textOf(form.text)).to.include('予約は10冊までです（現在10冊）。')
      expect(textOf(done.text)).to.include('5件受け付けました')
      const listLink = cheerio.load(done.text)('a[href$="/account/holds"]').attr('href')!
      for (let n = 1; n <= 2; n++) {
        const list = await k.get(n === 1 ? listLink : `${listLink}?page=${n}`)
        expectGoodKeitaiPage(list)
      }
    })
  })
})
