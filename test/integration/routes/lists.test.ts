// お気に入り and My本棚 over real HTTP on both channels, against a demo database of its own:
// adding from the result list and the detail page (also through the login page), the lists,
// shelves made, renamed, deleted, records moved and removed, the limits, CSRF, other patrons'
// and other libraries' ids, and keitai with cookies off within its byte budget.
import { expect } from 'chai'
import * as cheerio from 'cheerio'
import { sql } from 'kysely'
import { DEMO_ACCOUNTS } from '../../../server/demo/demo-accounts.ts'
import { FormClient, formOf, textOf } from '../../helpers/form-client.ts'
import type { Page } from '../../helpers/form-client.ts'
import {
  KEITAI_BUDGET,
  expectGoodKeitaiPage,
  expectGoodPcPage,
  titleOf,
} from '../../helpers/html-assertions.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { KEITAI_UA, startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'

/** A demo patron's card number, found by their password. */
function card(slug: string, password: string): string {
  const found = DEMO_ACCOUNTS[slug]?.find((a) => a.password === password)
  if (!found) throw new Error(`no demo patron ${slug}/${password}`)
  return found.card
}

const AOBA = { slug: 'aoba', password: 'aoba1234' }
const AOBA_2 = { slug: 'aoba', password: 'kasi5678' }
const AOBA_3 = { slug: 'aoba', password: 'yoyk4321' }
const AOBA_4 = { slug: 'aoba', password: 'cd2468' }
const AOBA_5 = { slug: 'aoba', password: 'help1357' }
const MINATO = { slug: 'minato', password: 'minato123' }

describe('お気に入り and My本棚', function () {
  this.timeout(120_000)
  let t: TestDatabase
  let app: TestServer
  let books: number[]
  let minatoBook: number

  before(async () => {
    t = await createTestDatabase({ demo: true, prefix: 'lists' })
    app = await startTestServer(t.db)
    books = (
      await t.db
        .selectFrom('record as r')
        .innerJoin('library as l', 'l.id', 'r.library_id')
        .where('l.slug', '=', 'aoba')
        .where('r.material_type', '=', 'book')
        .select('r.id')
        .orderBy('r.id')
        .limit(200)
        .execute()
    ).map((r) => r.id)
    const m = await t.db
      .selectFrom('record as r')
      .innerJoin('library as l', 'l.id', 'r.library_id')
      .where('l.slug', '=', 'minato')
      .select('r.id')
      .orderBy('r.id')
      .executeTakeFirstOrThrow()
    minatoBook = m.id
  })
  after(() => app.close())

  const pc = () => new FormClient(app.baseUrl)
  const keitai = () =>
    new FormClient(app.baseUrl, { userAgent: KEITAI_UA, cookies: false, charset: 'shift_jis' })
  const book = (i: number) => {
    const id = books[i]
    if (id === undefined) throw new Error(`no book ${i}`)
    return id
  }
  const title = async (id: number) =>
    (await t.db.selectFrom('record').select('title').where('id', '=', id).executeTakeFirstOrThrow())
      .title

  async function patronId(who: { slug: string; password: string }): Promise<number> {
    const row = await t.db
      .selectFrom('patron as p')
      .innerJoin('library as l', 'l.id', 'p.library_id')
      .where('l.slug', '=', who.slug)
      .where('p.card_number', '=', card(who.slug, who.password))
      .select(['p.id', 'p.library_id'])
      .executeTakeFirstOrThrow()
    return row.id
  }

  async function favouriteIds(who: { slug: string; password: string }): Promise<number[]> {
    const rows = await t.db
      .selectFrom('favourite')
      .where('patron_id', '=', await patronId(who))
      .select('record_id')
      .orderBy('record_id')
      .execute()
    return rows.map((r) => r.record_id)
  }

  async function shelvesOf(who: { slug: string; password: string }) {
    return t.db
      .selectFrom('shelf')
      .where('patron_id', '=', await patronId(who))
      .select(['id', 'name'])
      .orderBy('id')
      .execute()
  }

  async function itemsOn(shelfId: number): Promise<number[]> {
    const rows = await t.db
      .selectFrom('shelf_item')
      .where('shelf_id', '=', shelfId)
      .select('record_id')
      .orderBy('record_id')
      .execute()
    return rows.map((r) => r.record_id)
  }

  async function clearLists(who: { slug: string; password: string }) {
    const id = await patronId(who)
    await t.db.deleteFrom('favourite').where('patron_id', '=', id).execute()
    await t.db.deleteFrom('shelf').where('patron_id', '=', id).execute()
  }

  /** Logs a PC client in; follows nothing. */
  async function loginPc(who: { slug: string; password: string }, c = pc()): Promise<FormClient> {
    const form = await c.get(`/${who.slug}/login`)
    const res = await c.submit(form, { card: card(who.slug, who.password), password: who.password })
    expect(res.status).to.equal(303)
    return c
  }

  /** Logs a keitai (no cookies) in; returns the client and the session prefix /<lib>/k/s/<token>. */
  async function loginKeitai(who: {
    slug: string
    password: string
  }): Promise<{ k: FormClient; base: string }> {
    const k = keitai()
    const form = await k.get(`/${who.slug}/k/login`)
    const res = await k.submit(form, { card: card(who.slug, who.password), password: who.password })
    expect(res.status).to.equal(302)
    const match = /^https?:\/\/[^/]+(\/[a-z0-9-]+\/k\/s\/[A-Za-z0-9_.-]+)\//.exec(
      res.location ?? '',
    )
    if (!match?.[1]) throw new Error(`no session path in ${res.location}`)
    return { k, base: match[1] }
  }

  const noStore = (page: Page) => expect(page.headers.get('cache-control')).to.include('no-store')

  /** The notice (PRG) of a PC page. */
  const noticeOf = (page: Page) => cheerio.load(page.text)('.notice').text().trim()

  describe('the detail page and the result list (PC)', () => {
    it('offers a visitor links to the add pages, and starts no session for viewing', async () => {
      const id = book(0)
      const res = await pc().get(`/aoba/records/${id}`)
      expect(res.status).to.equal(200)
      await expectGoodPcPage(res.text)
      expect(res.setCookie).to.equal(null)
      const $ = cheerio.load(res.text)
      expect($('form[method=post]').length).to.equal(0)
      const links = $('.list-actions a')
        .toArray()
        .map((a) => [$(a).text(), $(a).attr('href')])
      expect(links).to.deep.equal([
        ['お気に入りに入れる', `/aoba/account/favourites/add?record=${id}`],
        ['My本棚に追加する', `/aoba/account/shelves/add?record=${id}`],
      ])
    })

    it('gives every hit of the result list a link to the favourite add page', async () => {
      const res = await pc().get(`/aoba/search?q=${encodeURIComponent('こころ')}`)
      await expectGoodPcPage(res.text)
      const $ = cheerio.load(res.text)
      const hits = $('ol.hits > li')
      expect(hits.length).to.be.greaterThan(0)
      hits.each((_, li) => {
        const recordHref = $(li).find('.hit-title a').attr('href') ?? ''
        const id = /\/records\/(\d+)$/.exec(recordHref)?.[1]
        const add = $(li).find('.hit-actions a')
        expect(add.text()).to.match(/^お気に入りに入れる（.+）$/)
        expect(add.attr('href')).to.equal(`/aoba/account/favourites/add?record=${id}`)
      })
    })

    it('comes back to the add page after login, and adds with one button', async () => {
      await clearLists(AOBA)
      const id = book(1)
      const c = pc()
      const bounce = await c.get(`/aoba/account/favourites/add?record=${id}`)
      expect(bounce.status).to.equal(303)
      expect(bounce.location).to.equal(
        `${app.baseUrl}/aoba/login?next=%2Faccount%2Ffavourites%2Fadd%3Frecord%3D${id}`,
      )
      const form = await c.follow(bounce)
      const back = await c.submit(form, { card: card('aoba', 'aoba1234'), password: 'aoba1234' })
      expect(back.location).to.equal(`${app.baseUrl}/aoba/account/favourites/add?record=${id}`)
      const add = await c.follow(back)
      expect(add.status).to.equal(200)
      noStore(add)
      await expectGoodPcPage(add.text)
      expect(titleOf(add.text)).to.equal('お気に入りに入れる｜あおば市立図書館')
      const $ = cheerio.load(add.text)
      expect($('main .bib a').text()).to.equal(await title(id))
      expect($('main form[method=post] button').text()).to.equal('お気に入りに入れる')
      const done = await c.submit(add)
      expect(done.status).to.equal(303)
      expect(done.location).to.equal(`${app.baseUrl}/aoba/account/favourites`)
      const list = await c.follow(done)
      expect(noticeOf(list)).to.equal(`『${await title(id)}』をお気に入りに入れました。`)
      expect(await favouriteIds(AOBA)).to.deep.equal([id])
      // The notice is shown once.
      expect(noticeOf(await c.get('/aoba/account/favourites'))).to.equal('')
      // The add page now says so instead of offering the button again.
      const again = await c.get(`/aoba/account/favourites/add?record=${id}`)
      expect(textOf(again.text)).to.include('すでにお気に入りに入っています。')
      expect(cheerio.load(again.text)('main form[method=post]').length).to.equal(0)
    })

    it('shows a logged-in patron POST forms, and adding twice is harmless', async () => {
      await clearLists(AOBA)
      const id = book(2)
      const c = await loginPc(AOBA)
      const page = await c.get(`/aoba/records/${id}`)
      await expectGoodPcPage(page.text)
      noStore(page)
      const $ = cheerio.load(page.text)
      expect($('form[action="/aoba/account/favourites/add"] button').text()).to.equal(
        'お気に入りに入れる',
      )
      const shelfForm = $('form[action="/aoba/account/shelves/add"]')
      expect(shelfForm.find('button').text()).to.equal('My本棚に追加する')
      // No shelf yet: the first one is made in the same step, named 本棚1 unless changed.
      expect(shelfForm.find('#shelf-name').attr('value')).to.equal('本棚1')
      expect(shelfForm.find('label[for=shelf-name]').text()).to.equal('新しい本棚の名前')

      const first = await c.submit(page, {}, '/favourites/add')
      expect(first.status).to.equal(303)
      expect(first.location).to.equal(`${app.baseUrl}/aoba/records/${id}`)
      const shown = await c.follow(first)
      expect(noticeOf(shown)).to.equal(`『${await title(id)}』をお気に入りに入れました。`)
      expect(textOf(shown.text)).to.include('この資料はお気に入りに入っています')
      // The same form sent again (a double click, or the back button).
      const second = await c.submit(page, {}, '/favourites/add')
      expect(second.status).to.equal(303)
      expect(noticeOf(await c.follow(second))).to.equal('すでにお気に入りに入っています。')
      expect(await favouriteIds(AOBA)).to.deep.equal([id])

      const shelf = await c.submit(page, { name: '本棚1' }, '/shelves/add')
      expect(shelf.status).to.equal(303)
      expect(shelf.location).to.equal(`${app.baseUrl}/aoba/records/${id}`)
      const afterShelf = await c.follow(shelf)
      expect(noticeOf(afterShelf)).to.equal(
        `本棚『本棚1』を作り、『${await title(id)}』を追加しました。`,
      )
      const made = await shelvesOf(AOBA)
      expect(made.map((s) => s.name)).to.deep.equal(['本棚1'])
      expect(await itemsOn(made[0]!.id)).to.deep.equal([id])
      // Now the detail page offers a select of the shelves.
      const $2 = cheerio.load(afterShelf.text)
      expect($2('label[for=shelf]').text()).to.equal('追加する本棚')
      expect($2('select#shelf option').text()).to.equal('本棚1（1件）')
      expect(textOf(afterShelf.text)).to.include('この資料は本棚『本棚1』に入っています')
      const twice = await c.submit(afterShelf, { shelf: String(made[0]!.id) }, '/shelves/add')
      expect(noticeOf(await c.follow(twice))).to.equal('すでに本棚『本棚1』に入っています。')
      expect(await itemsOn(made[0]!.id)).to.deep.equal([id])
    })

    it('answers 404 for a record of another library or no record at all', async () => {
      const c = await loginPc(AOBA)
      for (const record of [String(minatoBook), '0', 'abc', '99999999', '']) {
        const res = await c.get(`/aoba/account/favourites/add?record=${record}`)
        expect(res.status, record).to.equal(404)
        await expectGoodPcPage(res.text)
        expect((await c.get(`/aoba/account/shelves/add?record=${record}`)).status).to.equal(404)
      }
      const page = await c.get(`/aoba/account/favourites/add?record=${book(3)}`)
      const { hidden } = formOf(page.text)
      const res = await c.post('/aoba/account/favourites/add', {
        ...hidden,
        record: String(minatoBook),
      })
      expect(res.status).to.equal(404)
      expect(await favouriteIds(AOBA)).not.to.include(minatoBook)
    })
  })

  describe('お気に入り一覧 (PC)', () => {
    it('lists newest first with title link, author and date, 20 a page', async () => {
      await clearLists(AOBA)
      const pid = await patronId(AOBA)
      const lib = (
        await t.db
          .selectFrom('patron')
          .select('library_id')
          .where('id', '=', pid)
          .executeTakeFirstOrThrow()
      ).library_id
      const ids = books.slice(10, 31)
      // 21 favourites, one a minute, the last one newest.
      await t.db
        .insertInto('favourite')
        .values(
          ids.map((record_id, i) => ({
            library_id: lib,
            patron_id: pid,
            record_id,
            created_at: `2026-11-22 0${Math.floor(i / 60)}:${String(i % 60).padStart(2, '0')}:00`,
          })),
        )
        .execute()
      const c = await loginPc(AOBA)
      const first = await c.get('/aoba/account/favourites')
      expect(first.status).to.equal(200)
      noStore(first)
      await expectGoodPcPage(first.text)
      expect(titleOf(first.text)).to.equal('お気に入り一覧｜あおば市立図書館')
      const $ = cheerio.load(first.text)
      const rows = $('table tbody tr')
      expect(rows.length).to.equal(20)
      const newest = ids[20]!
      expect(rows.first().find('td a').attr('href')).to.equal(`/aoba/records/${newest}`)
      expect(rows.first().find('td a').text()).to.equal(await title(newest))
      expect(rows.first().find('td').eq(2).text()).to.equal('2026年11月22日(日)')
      expect($('.result-count').text()).to.include('21件')
      expect($('a[rel=next]').attr('href')).to.equal('/aoba/account/favourites?page=2')
      const second = await c.get('/aoba/account/favourites?page=2')
      expect(titleOf(second.text)).to.equal('お気に入り一覧(2ページ目)｜あおば市立図書館')
      await expectGoodPcPage(second.text)
      const $2 = cheerio.load(second.text)
      expect($2('table tbody tr').length).to.equal(1)
      expect($2('table tbody tr td a').attr('href')).to.equal(`/aoba/records/${ids[0]}`)
      expect((await c.get('/aoba/account/favourites?page=3')).status).to.equal(404)
      expect((await c.get('/aoba/account/favourites?page=x')).status).to.equal(404)

      // Removing the only item of page 2 goes back to page 1.
      const removed = await c.submit(second, {}, '/favourites/remove')
      expect(removed.status).to.equal(303)
      expect(removed.location).to.equal(`${app.baseUrl}/aoba/account/favourites`)
      expect(noticeOf(await c.follow(removed))).to.equal(
        `『${await title(ids[0]!)}』をお気に入りから削除しました。`,
      )
      expect(await favouriteIds(AOBA)).to.have.length(20)
      // Removing it again is harmless.
      const again = await c.submit(second, {}, '/favourites/remove')
      expect(again.status).to.equal(303)
      expect(noticeOf(await c.follow(again))).to.equal('この資料はお気に入りに入っていません。')
    })

    it('sends a visitor to the login page and back', async () => {
      const res = await pc().get('/aoba/account/favourites?page=2')
      expect(res.status).to.equal(303)
      expect(res.location).to.equal(
        `${app.baseUrl}/aoba/login?next=%2Faccount%2Ffavourites%3Fpage%3D2`,
      )
      expect((await pc().get('/aoba/account/shelves')).location).to.equal(
        `${app.baseUrl}/aoba/login?next=%2Faccount%2Fshelves`,
      )
    })

    it(`refuses the ${501}st favourite with the rule`, async () => {
      await clearLists(AOBA_2)
      const pid = await patronId(AOBA_2)
      await sql`INSERT INTO favourite (library_id, patron_id, record_id, created_at)
        SELECT r.library_id, ${pid}, r.id, '2026-11-01 00:00:00' FROM record r
        JOIN patron p ON p.library_id = r.library_id AND p.id = ${pid}
        ORDER BY r.id DESC LIMIT 500`.execute(t.db)
      const c = await loginPc(AOBA_2)
      const page = await c.get(`/aoba/account/favourites/add?record=${book(0)}`)
      const res = await c.submit(page)
      expect(res.status).to.equal(409)
      await expectGoodPcPage(res.text)
      expect(titleOf(res.text)).to.match(/^エラー：/)
      expect(textOf(res.text)).to.include('お気に入りに入れられる資料は500件までです。')
      expect(await favouriteIds(AOBA_2)).to.have.length(500)
      await clearLists(AOBA_2)
    })
  })

  describe('CSRF', () => {
    it('refuses every list POST with a missing or wrong token (403), changing nothing', async () => {
      await clearLists(AOBA)
      const c = await loginPc(AOBA)
      const made = await c.submit(await c.get('/aoba/account/shelves'), { name: 'CSRF' })
      expect(made.status).to.equal(303)
      const [shelf] = await shelvesOf(AOBA)
      const id = book(4)
      await c.submit(await c.get(`/aoba/account/shelves/add?record=${id}`), {
        shelf: String(shelf!.id),
      })
      expect(await itemsOn(shelf!.id)).to.deep.equal([id])
      const posts: [string, Record<string, string>][] = [
        ['/aoba/account/favourites/add', { record: String(id) }],
        ['/aoba/account/favourites/remove', { record: String(id) }],
        ['/aoba/account/shelves', { name: '新しい本棚' }],
        ['/aoba/account/shelves/add', { record: String(book(5)), shelf: String(shelf!.id) }],
        [`/aoba/account/shelves/${shelf!.id}/rename`, { name: '改名' }],
        [`/aoba/account/shelves/${shelf!.id}/delete`, {}],
        [`/aoba/account/shelves/${shelf!.id}/items/${id}/remove`, {}],
      ]
      for (const [path, fields] of posts) {
        for (const token of [undefined, 'forged-token']) {
          const res = await c.post(path, token ? { ...fields, _csrf: token } : fields)
          expect(res.status, `${path} ${token}`).to.equal(403)
          expect(textOf(res.text)).to.include('この操作は受け付けられませんでした。')
        }
      }
      expect(await favouriteIds(AOBA)).to.deep.equal([])
      expect(await shelvesOf(AOBA)).to.deep.equal([{ id: shelf!.id, name: 'CSRF' }])
      expect(await itemsOn(shelf!.id)).to.deep.equal([id])
    })
  })

  describe('My本棚 (PC)', () => {
    it('makes, lists, renames and deletes shelves, with errors next to the field', async () => {
      await clearLists(AOBA)
      const c = await loginPc(AOBA)
      const empty = await c.get('/aoba/account/shelves')
      await expectGoodPcPage(empty.text)
      noStore(empty)
      expect(textOf(empty.text)).to.include('本棚はまだありません。')
      const made = await c.submit(empty, { name: '\u3000読みたい本 ' })
      expect(made.status).to.equal(303)
      expect(made.location).to.equal(`${app.baseUrl}/aoba/account/shelves`)
      const list = await c.follow(made)
      await expectGoodPcPage(list.text)
      expect(noticeOf(list)).to.equal('本棚『読みたい本』を作りました。')
      const $ = cheerio.load(list.text)
      expect($('table tbody tr td').first().text()).to.equal('読みたい本')
      expect($('table tbody tr td').eq(1).text()).to.equal('0件')

      for (const [name, message] of [
        ['読みたい本', '同じ名前の本棚がすでにあります。'],
        ['  ', '本棚の名前を入力してください。'],
        ['あ'.repeat(31), '本棚の名前は30文字以内で入力してください。'],
      ] as const) {
        const bad = await c.submit(list, { name })
        expect(bad.status, name).to.equal(400)
        await expectGoodPcPage(bad.text)
        expect(titleOf(bad.text)).to.equal('エラー：My本棚｜あおば市立図書館')
        const $b = cheerio.load(bad.text)
        expect($b('#name-error').text()).to.include(message)
        expect($b('.error-summary a[href="#name"]').text()).to.include(message)
        expect($b('#name').attr('aria-invalid')).to.equal('true')
      }
      expect((await shelvesOf(AOBA)).map((s) => s.name)).to.deep.equal(['読みたい本'])

      const [shelf] = await shelvesOf(AOBA)
      await c.submit(await c.get('/aoba/account/shelves'), { name: 'もう一つ' })
      const rename = await c.get(`/aoba/account/shelves/${shelf!.id}/rename`)
      await expectGoodPcPage(rename.text)
      expect(cheerio.load(rename.text)('#name').attr('value')).to.equal('読みたい本')
      const dup = await c.submit(rename, { name: 'もう一つ' })
      expect(dup.status).to.equal(400)
      expect(cheerio.load(dup.text)('#name-error').text()).to.include(
        '同じ名前の本棚がすでにあります。',
      )
      await expectGoodPcPage(dup.text)
      const renamed = await c.submit(rename, { name: '夏休みに読む' })
      expect(renamed.status).to.equal(303)
      expect(renamed.location).to.equal(`${app.baseUrl}/aoba/account/shelves/${shelf!.id}`)
      const shelfPage = await c.follow(renamed)
      await expectGoodPcPage(shelfPage.text)
      expect(noticeOf(shelfPage)).to.equal('本棚の名前を『夏休みに読む』に変更しました。')
      expect(cheerio.load(shelfPage.text)('h1').text()).to.equal('My本棚：夏休みに読む')

      // Delete: a confirmation that says what goes, then 削除する.
      await c.submit(await c.get(`/aoba/account/shelves/add?record=${book(6)}`), {
        shelf: String(shelf!.id),
      })
      const confirm = await c.get(`/aoba/account/shelves/${shelf!.id}/delete`)
      await expectGoodPcPage(confirm.text)
      expect(textOf(confirm.text)).to.include('本棚『夏休みに読む』を削除します（資料1件）。')
      expect(cheerio.load(confirm.text)('main form button').text()).to.equal('削除する')
      const deleted = await c.submit(confirm)
      expect(deleted.status).to.equal(303)
      expect(deleted.location).to.equal(`${app.baseUrl}/aoba/account/shelves`)
      expect(noticeOf(await c.follow(deleted))).to.equal('本棚『夏休みに読む』を削除しました。')
      expect((await shelvesOf(AOBA)).map((s) => s.name)).to.deep.equal(['もう一つ'])
      expect(await itemsOn(shelf!.id)).to.deep.equal([])
      expect((await c.get(`/aoba/account/shelves/${shelf!.id}`)).status).to.equal(404)
    })

    it('adds with the shelf select, moves to another shelf and removes', async () => {
      await clearLists(AOBA)
      const c = await loginPc(AOBA)
      for (const name of ['あ', 'い'])
        await c.submit(await c.get('/aoba/account/shelves'), { name })
      const [a, b] = await shelvesOf(AOBA)
      const [x, y] = [book(7), book(8)]
      const add = await c.get(`/aoba/account/shelves/add?record=${x}`)
      await expectGoodPcPage(add.text)
      expect(titleOf(add.text)).to.equal('My本棚に追加する｜あおば市立図書館')
      const options = cheerio
        .load(add.text)('select#shelf option')
        .toArray()
        .map((o) => cheerio.load(o).text())
      expect(options).to.deep.equal(['あ（0件）', 'い（0件）'])
      const added = await c.submit(add, { shelf: String(a!.id) })
      expect(added.status).to.equal(303)
      expect(added.location).to.equal(`${app.baseUrl}/aoba/account/shelves/${a!.id}`)
      await c.submit(await c.get(`/aoba/account/shelves/add?record=${y}`), { shelf: String(a!.id) })

      const shelfPage = await c.follow(added)
      await expectGoodPcPage(shelfPage.text)
      const $ = cheerio.load(shelfPage.text)
      expect($('table tbody tr').length).to.equal(2)
      // Newest first.
      expect($('table tbody tr').first().find('td a').attr('href')).to.equal(`/aoba/records/${y}`)
      expect($(`label[for=to-${y}]`).text()).to.include('移動先の本棚')

      const moved = await c.submit(shelfPage, { to: String(b!.id) }, `/items/${x}/move`)
      expect(moved.status).to.equal(303)
      expect(moved.location).to.equal(`${app.baseUrl}/aoba/account/shelves/${a!.id}`)
      expect(noticeOf(await c.follow(moved))).to.equal(
        `『${await title(x)}』を本棚『い』に移しました。`,
      )
      expect(await itemsOn(a!.id)).to.deep.equal([y])
      expect(await itemsOn(b!.id)).to.deep.equal([x])

      const after = await c.get(`/aoba/account/shelves/${a!.id}`)
      const removed = await c.submit(after, {}, `/items/${y}/remove`)
      expect(removed.status).to.equal(303)
      expect(noticeOf(await c.follow(removed))).to.equal(
        `『${await title(y)}』を本棚『あ』から削除しました。`,
      )
      expect(await itemsOn(a!.id)).to.deep.equal([])

      // The item page (the keitai way; PC has it too).
      const item = await c.get(`/aoba/account/shelves/${b!.id}/items/${x}`)
      expect(item.status).to.equal(200)
      await expectGoodPcPage(item.text)
      expect((await c.get(`/aoba/account/shelves/${a!.id}/items/${x}`)).status).to.equal(404)
    })

    it(`makes at most 5 shelves and puts at most 100 records on one`, async () => {
      await clearLists(AOBA_3)
      const c = await loginPc(AOBA_3)
      for (let i = 1; i <= 5; i++) {
        const res = await c.submit(await c.get('/aoba/account/shelves'), { name: `本棚${i}` })
        expect(res.status).to.equal(303)
      }
      const full = await c.get('/aoba/account/shelves')
      await expectGoodPcPage(full.text)
      expect(textOf(full.text)).to.include('本棚は5つまで作れます。')
      expect(cheerio.load(full.text)('#name').length).to.equal(0)
      const sixth = await c.post('/aoba/account/shelves', {
        _csrf: formOf((await c.get('/aoba/account')).text).hidden._csrf ?? '',
        name: '本棚6',
      })
      expect(sixth.status).to.equal(409)
      await expectGoodPcPage(sixth.text)
      expect(textOf(sixth.text)).to.include('本棚は5つまで作れます。')
      expect(await shelvesOf(AOBA_3)).to.have.length(5)

      const [first, second] = await shelvesOf(AOBA_3)
      const lib = (
        await t.db
          .selectFrom('shelf')
          .select('library_id')
          .where('id', '=', first!.id)
          .executeTakeFirstOrThrow()
      ).library_id
      await t.db
        .insertInto('shelf_item')
        .values(
          books
            .slice(0, 100)
            .map((record_id) => ({ library_id: lib, shelf_id: first!.id, record_id })),
        )
        .execute()
      const add = await c.get(`/aoba/account/shelves/add?record=${book(150)}`)
      const refused = await c.submit(add, { shelf: String(first!.id) })
      expect(refused.status).to.equal(409)
      await expectGoodPcPage(refused.text)
      expect(textOf(refused.text)).to.include('1つの本棚に入れられる資料は100件までです。')
      expect(await itemsOn(first!.id)).to.have.length(100)
      // A record already there is still harmless, and moving onto a full shelf is refused.
      expect(
        (await c.submit(add, { shelf: String(first!.id), record: String(book(0)) })).status,
      ).to.equal(303)
      await c.submit(add, { shelf: String(second!.id) })
      const item = await c.get(`/aoba/account/shelves/${second!.id}/items/${book(150)}`)
      const move = await c.submit(item, { to: String(first!.id) }, '/move')
      expect(move.status).to.equal(409)
      await expectGoodPcPage(move.text)
      expect(textOf(move.text)).to.include('1つの本棚に入れられる資料は100件までです。')
      expect(await itemsOn(second!.id)).to.deep.equal([book(150)])
      await clearLists(AOBA_3)
    })

    it('answers 404 for another patron’s or another library’s shelf, changing nothing', async () => {
      await clearLists(AOBA)
      await clearLists(AOBA_4)
      await clearLists(MINATO)
      const owner = await loginPc(AOBA_4)
      await owner.submit(await owner.get('/aoba/account/shelves'), { name: '人の本棚' })
      const [theirs] = await shelvesOf(AOBA_4)
      await owner.submit(await owner.get(`/aoba/account/shelves/add?record=${book(9)}`), {
        shelf: String(theirs!.id),
      })
      const m = await loginPc(MINATO)
      await m.submit(await m.get('/minato/account/shelves'), { name: 'みなと' })
      const [minatoShelf] = await shelvesOf(MINATO)

      const c = await loginPc(AOBA)
      await c.submit(await c.get('/aoba/account/shelves'), { name: '自分の' })
      const [mine] = await shelvesOf(AOBA)
      const csrf = formOf((await c.get('/aoba/account')).text).hidden._csrf ?? ''
      for (const other of [theirs!.id, minatoShelf!.id]) {
        for (const path of [
          `/aoba/account/shelves/${other}`,
          `/aoba/account/shelves/${other}/rename`,
          `/aoba/account/shelves/${other}/delete`,
          `/aoba/account/shelves/${other}/items/${book(9)}`,
        ]) {
          const res = await c.get(path)
          expect(res.status, path).to.equal(404)
          await expectGoodPcPage(res.text)
        }
        const posts: [string, Record<string, string>][] = [
          [`/aoba/account/shelves/${other}/rename`, { name: '乗っ取り' }],
          [`/aoba/account/shelves/${other}/delete`, {}],
          [`/aoba/account/shelves/${other}/items/${book(9)}/remove`, {}],
          [`/aoba/account/shelves/${other}/items/${book(9)}/move`, { to: String(mine!.id) }],
          ['/aoba/account/shelves/add', { record: String(book(10)), shelf: String(other) }],
        ]
        for (const [path, fields] of posts) {
          const res = await c.post(path, { ...fields, _csrf: csrf })
          expect(res.status, path).to.equal(404)
        }
      }
      // Moving one's own record onto someone else's shelf.
      await c.submit(await c.get(`/aoba/account/shelves/add?record=${book(11)}`), {
        shelf: String(mine!.id),
      })
      const move = await c.post(`/aoba/account/shelves/${mine!.id}/items/${book(11)}/move`, {
        _csrf: csrf,
        to: String(theirs!.id),
      })
      expect(move.status).to.equal(404)
      expect(await itemsOn(mine!.id)).to.deep.equal([book(11)])
      expect(await shelvesOf(AOBA_4)).to.deep.equal([{ id: theirs!.id, name: '人の本棚' }])
      expect(await itemsOn(theirs!.id)).to.deep.equal([book(9)])
      expect(await shelvesOf(MINATO)).to.deep.equal([{ id: minatoShelf!.id, name: 'みなと' }])
      for (const path of ['/aoba/account/shelves/abc', '/aoba/account/shelves/0']) {
        expect((await c.get(path)).status).to.equal(404)
      }
    })

    it('makes the first shelf in the add step, with the name checked', async () => {
      await clearLists(AOBA_5)
      const c = await loginPc(AOBA_5)
      const add = await c.get(`/aoba/account/shelves/add?record=${book(12)}`)
      await expectGoodPcPage(add.text)
      const $ = cheerio.load(add.text)
      expect($('#name').attr('value')).to.equal('本棚1')
      expect($('main form button').text()).to.equal('本棚を作って追加する')
      const bad = await c.submit(add, { name: '' })
      expect(bad.status).to.equal(400)
      await expectGoodPcPage(bad.text)
      expect(cheerio.load(bad.text)('#name-error').text()).to.include(
        '本棚の名前を入力してください。',
      )
      expect(await shelvesOf(AOBA_5)).to.deep.equal([])
      const ok = await c.submit(add, { name: '絵本' })
      expect(ok.status).to.equal(303)
      const [shelf] = await shelvesOf(AOBA_5)
      expect(shelf!.name).to.equal('絵本')
      expect(ok.location).to.equal(`${app.baseUrl}/aoba/account/shelves/${shelf!.id}`)
      expect(noticeOf(await c.follow(ok))).to.equal(
        `本棚『絵本』を作り、『${await title(book(12))}』を追加しました。`,
      )
      await clearLists(AOBA_5)
    })
  })

  describe('keitai with cookies off', () => {
    it('adds from the detail page through the login page, carrying the session in the path', async () => {
      await clearLists(MINATO)
      const k = keitai()
      const detail = await k.get(`/minato/k/records/${minatoBook}`)
      expectGoodKeitaiPage(detail)
      expect(detail.setCookie).to.equal(null)
      const $ = cheerio.load(detail.text)
      expect($('a[accesskey=1]').text()).to.equal('お気に入りに入れる')
      expect($('a[accesskey=1]').attr('href')).to.equal(
        `/minato/k/account/favourites/add?record=${minatoBook}`,
      )
      expect($('a[accesskey=2]').attr('href')).to.equal(
        `/minato/k/account/shelves/add?record=${minatoBook}`,
      )
      const bounce = await k.get($('a[accesskey=1]').attr('href')!)
      expect(bounce.status).to.equal(302)
      expect(bounce.location).to.equal(
        `${app.baseUrl}/minato/k/login?next=%2Faccount%2Ffavourites%2Fadd%3Frecord%3D${minatoBook}`,
      )
      const login = await k.follow(bounce)
      const back = await k.submit(login, {
        card: card('minato', 'minato123'),
        password: 'minato123',
      })
      expect(back.status).to.equal(302)
      expect(back.setCookie).to.equal(null)
      expect(back.location).to.match(
        new RegExp(`/minato/k/s/[A-Za-z0-9_.-]+/account/favourites/add\\?record=${minatoBook}$`),
      )
      const add = await k.follow(back)
      expectGoodKeitaiPage(add)
      noStore(add)
      expect(cheerio.load(add.text)('input[type=submit]').attr('value')).to.equal(
        'お気に入りに入れる',
      )
      expect(formOf(add.text).action).to.match(/^\/minato\/k\/s\/[^/]+\/account\/favourites\/add$/)
      const done = await k.submit(add)
      expect(done.status).to.equal(302)
      expect(done.location).to.match(/\/minato\/k\/s\/[^/]+\/account\/favourites$/)
      const list = await k.follow(done)
      expectGoodKeitaiPage(list)
      expect(list.text).to.include(`『${(await title(minatoBook)).slice(0, 10)}`)
      expect(list.text).to.include('をお気に入りに入れました。')
      const link = cheerio.load(list.text)('a[accesskey=1]').attr('href')
      expect(link).to.match(new RegExp(`^/minato/k/s/[^/]+/records/${minatoBook}$`))
      expect(await favouriteIds(MINATO)).to.deep.equal([minatoBook])
      // Again: harmless.
      const again = await k.follow(await k.submit(add))
      expect(again.text).to.include('すでにお気に入りに入っています。')
      expect(await favouriteIds(MINATO)).to.deep.equal([minatoBook])
      // The detail page of a logged-in keitai keeps the session in its links.
      const mine = await k.get(link!)
      expectGoodKeitaiPage(mine)
      expect(cheerio.load(mine.text)('a[accesskey=2]').attr('href')).to.match(
        /^\/minato\/k\/s\/[^/]+\/account\/shelves\/add\?record=\d+$/,
      )
      // Remove from the list.
      const removed = await k.follow(await k.submit(list, {}, '/favourites/remove'))
      expectGoodKeitaiPage(removed)
      expect(removed.text).to.include('をお気に入りから削除しました。')
      expect(await favouriteIds(MINATO)).to.deep.equal([])
    })

    it('makes a shelf, adds, moves, removes, renames and deletes', async () => {
      await clearLists(MINATO)
      const { k, base } = await loginKeitai(MINATO)
      const shelves = await k.get(`${base}/account/shelves`)
      expectGoodKeitaiPage(shelves)
      noStore(shelves)
      const made = await k.submit(shelves, { name: 'よむ' })
      expect(made.status).to.equal(302)
      const list = await k.follow(made)
      expectGoodKeitaiPage(list)
      expect(list.text).to.include('本棚『よむ』を作りました。')
      const dup = await k.submit(list, { name: 'よむ' })
      expect(dup.status).to.equal(400)
      expectGoodKeitaiPage(dup)
      expect(dup.text).to.include('同じ名前の本棚がすでにあります。')
      await k.submit(list, { name: 'あとで' })
      const [yomu, atode] = await shelvesOf(MINATO)

      const add = await k.get(`${base}/account/shelves/add?record=${minatoBook}`)
      expectGoodKeitaiPage(add)
      expect(cheerio.load(add.text)('label[for=shelf]').text()).to.equal('追加する本棚')
      const added = await k.submit(add, { shelf: String(yomu!.id) })
      expect(added.status).to.equal(302)
      const shelfPage = await k.follow(added)
      expectGoodKeitaiPage(shelfPage)
      expect(shelfPage.text).to.include('を本棚『よむ』に追加しました。')
      const itemLink = cheerio.load(shelfPage.text)('a[accesskey=1]').attr('href')!
      expect(itemLink).to.match(new RegExp(`/account/shelves/${yomu!.id}/items/${minatoBook}$`))
      const item = await k.get(itemLink)
      expectGoodKeitaiPage(item)
      const moved = await k.follow(await k.submit(item, { to: String(atode!.id) }, '/move'))
      expectGoodKeitaiPage(moved)
      expect(moved.text).to.include('を本棚『あとで』に移しました。')
      expect(await itemsOn(atode!.id)).to.deep.equal([minatoBook])
      const item2 = await k.get(`${base}/account/shelves/${atode!.id}/items/${minatoBook}`)
      const removed = await k.follow(await k.submit(item2, {}, '/remove'))
      expectGoodKeitaiPage(removed)
      expect(await itemsOn(atode!.id)).to.deep.equal([])

      const rename = await k.get(`${base}/account/shelves/${atode!.id}/rename`)
      expectGoodKeitaiPage(rename)
      const renamed = await k.follow(await k.submit(rename, { name: 'こんど' }))
      expectGoodKeitaiPage(renamed)
      expect(renamed.text).to.include('本棚の名前を『こんど』に変更しました。')
      const confirm = await k.get(`${base}/account/shelves/${atode!.id}/delete`)
      expectGoodKeitaiPage(confirm)
      expect(confirm.text).to.include('本棚『こんど』を削除します（資料0件）。')
      const deleted = await k.follow(await k.submit(confirm))
      expectGoodKeitaiPage(deleted)
      expect(deleted.text).to.include('本棚『こんど』を削除しました。')
      expect((await shelvesOf(MINATO)).map((s) => s.name)).to.deep.equal(['よむ'])

      // CSRF on keitai too.
      const forged = await k.post(`${base}/account/shelves`, { _csrf: 'forged', name: 'x' })
      expect(forged.status).to.equal(403)
      expectGoodKeitaiPage(forged)
      expect((await shelvesOf(MINATO)).map((s) => s.name)).to.deep.equal(['よむ'])
    })

    it('stays within 5,120 bytes with the session token, at the worst case', async () => {
      await clearLists(MINATO)
      const { k, base } = await loginKeitai(MINATO)
      // The records with the longest titles and authors, and five shelves of 30-character names.
      const longest = (
        await sql<{ id: number }>`SELECT r.id FROM record r JOIN library l ON l.id = r.library_id
          WHERE l.slug = 'minato'
          ORDER BY LENGTH(r.title) + LENGTH(r.author) + LENGTH(r.subtitle) DESC, r.id LIMIT 5`.execute(
          t.db,
        )
      ).rows.map((r) => r.id)
      const names = ['漢', '字', '本', '棚', '名'].map((c, i) => `${c.repeat(29)}${i}`)
      const shelfList = await k.get(`${base}/account/shelves`)
      for (const name of names) {
        const res = await k.submit(shelfList, { name })
        expect(res.status).to.equal(302)
      }
      const shelves = await shelvesOf(MINATO)
      const first = shelves[0]!.id
      for (const id of longest) {
        await k.submit(await k.get(`${base}/account/favourites/add?record=${id}`))
        await k.submit(await k.get(`${base}/account/shelves/add?record=${id}`), {
          shelf: String(first),
        })
      }
      const measured: [string, number][] = []
      const measure = async (name: string, page: Page) => {
        expectGoodKeitaiPage(page)
        expect(page.text).to.match(/\/minato\/k\/s\/[A-Za-z0-9_.-]{40,}\//)
        measured.push([name, page.bytes.length])
      }
      await measure('favourites', await k.get(`${base}/account/favourites`))
      await measure('shelves', await k.get(`${base}/account/shelves`))
      await measure('shelf', await k.get(`${base}/account/shelves/${first}`))
      await measure('item', await k.get(`${base}/account/shelves/${first}/items/${longest[0]}`))
      await measure('add', await k.get(`${base}/account/shelves/add?record=${longest[0]}`))
      await measure(
        'favourite add',
        await k.get(`${base}/account/favourites/add?record=${longest[0]}`),
      )
      await measure('rename', await k.get(`${base}/account/shelves/${first}/rename`))
      await measure('delete', await k.get(`${base}/account/shelves/${first}/delete`))
      // The detail pages of the catalogue's own worst cases, now with the token and the links.
      const details = await sql<{ id: number }>`(SELECT c.record_id AS id FROM copy c
          JOIN library l ON l.id = c.library_id WHERE l.slug = 'minato'
          GROUP BY c.record_id ORDER BY COUNT(*) DESC LIMIT 6)
        UNION ALL
        (SELECT r.id FROM record r JOIN library l ON l.id = r.library_id WHERE l.slug = 'minato'
          ORDER BY CHAR_LENGTH(r.title) + CHAR_LENGTH(r.subtitle) + CHAR_LENGTH(r.author)
            + CHAR_LENGTH(r.publisher) + CHAR_LENGTH(r.series_title) DESC LIMIT 6)`.execute(t.db)
      for (const { id } of details.rows) {
        const detail = await k.get(`${base}/records/${id}`)
        await measure('record', detail)
        const next = cheerio.load(detail.text)('a[accesskey="#"]').attr('href')
        if (next) await measure('record (copies page 2)', await k.get(next))
      }
      const rename = await k.get(`${base}/account/shelves/${first}/rename`)
      await measure('rename error', await k.submit(rename, { name: '' }))
      for (const [name, bytes] of measured) expect(bytes, name).to.be.at.most(KEITAI_BUDGET)
      await clearLists(MINATO)
    })
  })
})
