// The keitai byte budget (5,120 bytes) on the worst pages, for every keitai view: the longest
// titles in the catalogue, the most hits and copies per page, full lists (loans, holds, cart,
// shelves, favourites), the longest accepted input, and a logged-in keitai whose session token
// is in every link. Each page must answer 200 — an error page is not a measured page. The
// views are enumerated from views/keitai: a new view without a worst page here fails the run.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'chai'
import * as cheerio from 'cheerio'
import type { Response } from 'express'
import { sql } from 'kysely'
import type { Channel } from '../../../server/paths.ts'
import { encodeQueryValue } from '../../../server/render/form-decoding.ts'
import { VIEWS_DIR } from '../../../server/render/views.ts'
import { COMING_SOON } from '../../../server/routes/catalogue-routes.ts'
import { SHELF_NAME_MAX } from '../../../server/services/list-service.ts'
import { FormClient } from '../../helpers/form-client.ts'
import type { Page } from '../../helpers/form-client.ts'
import { KEITAI_BUDGET, expectGoodKeitaiPage } from '../../helpers/html-assertions.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { KEITAI_UA, startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'

/** A page view sits in the layout; a view that does not is a part of other views (or the layout). */
const isPage = (file: string) => /<%\s*layout\(/.test(readFileSync(file, 'utf8'))

const sjis = (s: string) => encodeQueryValue(s, 'shift_jis')

describe('keitai byte budget on the worst pages of every keitai view', function () {
  this.timeout(600_000)
  let t: TestDatabase
  let app: TestServer
  let k: FormClient
  let base = ''
  /** The view the last request rendered (the renderer reports it). */
  let lastView = ''
  const measured = new Map<string, { bytes: number; path: string }>()
  const failures: string[] = []
  let longest: number[] = []
  let libraryId = 0
  let patronId = 0

  const keitai = () =>
    new FormClient(app.baseUrl, { userAgent: KEITAI_UA, cookies: false, charset: 'shift_jis' })

  /** Records the page: its view, its size, and a failure if over budget or not 200. */
  function record(res: Page, path: string, status = 200): Page {
    const what = path.length > 120 ? `${path.slice(0, 120)}…` : path
    const view = lastView
    lastView = ''
    if (res.status !== status) failures.push(`${what}: status ${res.status}, not ${status}`)
    try {
      expectGoodKeitaiPage(res)
    } catch (err) {
      failures.push(`${what} (${view}): ${(err as Error).message.split('\n')[0]}`)
    }
    if (res.status === status && view) {
      const before = measured.get(view)
      if (!before || before.bytes < res.bytes.length)
        measured.set(view, { bytes: res.bytes.length, path: what })
    }
    return res
  }
  const measure = async (path: string, status = 200, client = k) =>
    record(await client.get(path), path, status)
  const sessionOf = (location: string | null) =>
    /^(?:https?:\/\/[^/]+)?(\/[a-z]+\/k\/s\/[^/]+)\//.exec(location ?? '')?.[1] ?? ''

  async function login(client: FormClient, slug: string, card: string, password: string) {
    const form = await client.get(`/${slug}/k/login`)
    record(form, `/${slug}/k/login`)
    const res = await client.submit(form, { card, password })
    expect(res.status).to.equal(302)
    return sessionOf(res.location)
  }

  before(async function () {
    this.timeout(300_000)
    t = await createTestDatabase({ demo: true, prefix: 'kbud' })
    app = await startTestServer(t.db)
    const page = app.deps.renderer.page.bind(app.deps.renderer)
    app.deps.renderer.page = (
      res: Response,
      channel: Channel,
      view: string,
      data: object,
      status?: number,
    ) => {
      if (channel === 'keitai') lastView = view
      page(res, channel, view, data, status)
    }
    const lib = await t.db
      .selectFrom('library')
      .select('id')
      .where('slug', '=', 'aoba')
      .executeTakeFirstOrThrow()
    libraryId = lib.id
    // The books with the longest titles (and authors) that can be borrowed and held.
    longest = (
      await t.db
        .selectFrom('record as r')
        .where('r.library_id', '=', libraryId)
        .where('r.material_type', '=', 'book')
        .where(({ exists, selectFrom }) =>
          exists(
            selectFrom('copy as c')
              .select('c.id')
              .whereRef('c.record_id', '=', 'r.id')
              .where('c.reference_only', '=', 0)
              .where('c.status', '=', 'available'),
          ),
        )
        .select('r.id')
        .orderBy(sql`CHAR_LENGTH(r.title) + CHAR_LENGTH(r.author)`, 'desc')
        .orderBy('r.id')
        .limit(40)
        .execute()
    ).map((r) => r.id)
    const me = await t.db
      .selectFrom('patron')
      .select('id')
      .where('card_number', '=', '1101900007')
      .executeTakeFirstOrThrow()
    patronId = me.id
    // Fifteen loans of the longest titles, all renewable (a generous borrowing limit).
    for (const recordId of longest.slice(20, 35)) {
      const copy = await t.db
        .selectFrom('copy')
        .select('id')
        .where('record_id', '=', recordId)
        .where('status', '=', 'available')
        .where('reference_only', '=', 0)
        .executeTakeFirstOrThrow()
      await t.db.updateTable('copy').set({ status: 'on_loan' }).where('id', '=', copy.id).execute()
      await t.db
        .insertInto('loan')
        .values({
          library_id: libraryId,
          copy_id: copy.id,
          patron_id: patronId,
          loaned_on: '2026-11-20',
          due_on: '2026-12-04',
        })
        .execute()
    }
    // Five shelves with names of the longest length; the first holds the longest titles, and
    // so do the favourites.
    const shelves: number[] = []
    for (let i = 0; i < 5; i++) {
      const made = await t.db
        .insertInto('shelf')
        .values({
          library_id: libraryId,
          patron_id: patronId,
          name: `${i}${'本'.repeat(SHELF_NAME_MAX - 1)}`,
        })
        .executeTakeFirstOrThrow()
      shelves.push(Number(made.insertId))
    }
    for (const recordId of longest.slice(0, 30)) {
      await t.db
        .insertInto('shelf_item')
        .values({ library_id: libraryId, shelf_id: shelves[0]!, record_id: recordId })
        .execute()
      await t.db
        .insertInto('favourite')
        .values({ library_id: libraryId, patron_id: patronId, record_id: recordId })
        .execute()
    }
    k = keitai()
    base = await login(k, 'aoba', '1101900007', 'yoyk7777')
    expect(base).to.match(/^\/aoba\/k\/s\//)
  })
  beforeEach(() => {
    failures.length = 0
  })
  after(async () => {
    process.stdout.write(
      `      keitai worst pages (bytes): ${JSON.stringify(
        Object.fromEntries([...measured].map(([v, m]) => [v, m.bytes]).sort()),
      )}\n`,
    )
    await app?.close()
    await t?.db.destroy()
  })

  it('catalogue pages: most hits, longest titles, most copies, logged in', async () => {
    await measure('/k/', 200, keitai())
    await measure(`${base}/`)
    await measure(`${base}/search?q=${sjis('夏目漱石')}&refine=1`)
    for (const word of ['夏目漱石', '文庫', '日本'])
      await measure(`${base}/search?q=${sjis(word)}&sort=title`)
    const titles = await t.db
      .selectFrom('record')
      .select('title')
      .where('id', 'in', longest.slice(0, 5))
      .execute()
    for (const { title } of titles) {
      const words = Array.from(title).slice(0, 20).join('')
      await measure(`${base}/search?q=${sjis(words)}`)
    }
    await measure(`${base}/advanced`)
    const rows = await sql<{ id: number }>`(SELECT c.record_id AS id FROM copy c
        WHERE c.library_id = ${libraryId} GROUP BY c.record_id ORDER BY COUNT(*) DESC LIMIT 3)
      UNION ALL
      (SELECT r.id FROM record r WHERE r.library_id = ${libraryId}
        ORDER BY CHAR_LENGTH(r.title) + CHAR_LENGTH(r.subtitle) + CHAR_LENGTH(r.author)
          + CHAR_LENGTH(r.publisher) + CHAR_LENGTH(r.series_title) + CHAR_LENGTH(r.note) DESC
        LIMIT 3)`.execute(t.db)
    for (const { id } of rows.rows) {
      const res = await measure(`${base}/records/${id}`)
      const next = cheerio.load(res.text)('a[accesskey="#"]').attr('href')
      if (next) await measure(next)
    }
    // お知らせ: ten notices with the longest titles on the top page, bodies far past what a
    // keitai page holds (long lines, and many short ones); the calendar of every branch.
    const notices: number[] = []
    for (let i = 0; i < 10; i++) {
      const lines = i % 2 === 0 ? ['開館時間の変更について。'.repeat(400)] : Array(3000).fill('休')
      const made = await t.db
        .insertInto('library_notice')
        .values({
          library_id: libraryId,
          title: `${i}${'臨時休館のお知らせ'.repeat(12)}`.slice(0, 100),
          body: lines.join('\n'),
          show_from: '2026-11-01',
          created_at: '2026-11-01 00:00:00',
        })
        .executeTakeFirstOrThrow()
      notices.push(Number(made.insertId))
    }
    await measure(`${base}/`)
    for (const id of notices.slice(0, 2)) await measure(`${base}/notices/${id}`)
    await measure(`${base}/calendar`)
    const branches = await t.db
      .selectFrom('branch')
      .select('id')
      .where('library_id', '=', libraryId)
      .execute()
    for (const { id } of branches) await measure(`${base}/calendar?branch=${id}`)
    // A branch page with the longest address, note and telephone the columns hold.
    await t.db
      .updateTable('branch')
      .set({ address: '東'.repeat(200), note: '館'.repeat(500), phone: '0'.repeat(20) })
      .where('id', '=', branches[0]!.id)
      .execute()
    const code = await t.db
      .selectFrom('branch')
      .select('code')
      .where('id', '=', branches[0]!.id)
      .executeTakeFirstOrThrow()
    app.deps.services.libraries.forget(base.split('/')[1]!)
    await measure(`${base}/branches/${code.code}`)
    await measure(`${base}/`)
    await measure(`${base}/browse`)
    await measure(`${base}/browse/9`)
    await measure(`${base}/browse/913`)
    await measure(`${base}/new`)
    await measure(`${base}/ranking`)
    await measure(`${base}/accessibility`)
    // Where a logout lands, while still logged in (it says so, beside the ログアウト button).
    await measure(`${base}/logout`)
    // An error page within the budget too (its own status).
    await measure(`${base}/records/4294967295`, 404)
    expect(failures).to.deep.equal([])
  })

  it('account pages: fifteen loans, renewal of all, holds at the limit, full lists', async () => {
    await measure(`${base}/account`)
    await measure(`${base}/account/loans`)
    const confirm = await measure(`${base}/account/loans/renew-all`)
    const loanId = /\/account\/loans\/(\d+)\/renew/.exec(
      (await k.get(`${base}/account/loans`)).text,
    )?.[1]
    await measure(`${base}/account/loans/${loanId}/renew`)
    const done = await k.submit(confirm)
    expect(done.status).to.equal(302)
    await measure(done.location ?? '')
    // Holds: fill up to the limit with the longest titles through the cart, then the lists.
    for (const id of longest.slice(0, 20)) {
      const add = await measure(`${base}/cart/add?record=${id}`)
      expect((await k.submit(add)).status).to.equal(302)
    }
    await measure(`${base}/cart`)
    const form = await measure(`${base}/holds/new?cart=1`)
    const pickup = cheerio.load(form.text)('#pickup option').first().attr('value') ?? ''
    const confirmHold = record(
      await k.follow(await k.submit(form, { pickup, contact: 'none' })),
      'hold confirmation',
    )
    const placed = await k.submit(confirmHold)
    record(await k.follow(placed), 'hold done')
    for (const page of [1, 2]) await measure(`${base}/account/holds?page=${page}`)
    const holds = await t.db
      .selectFrom('hold')
      .select(['id', 'set_id', 'status'])
      .where('patron_id', '=', patronId)
      .where('status', 'in', ['requested', 'waiting'])
      .orderBy('id', 'desc')
      .execute()
    const hold = holds.find((h) => h.set_id === null) ?? holds[0]
    const change = await measure(`${base}/account/holds/${hold?.id}/change`)
    await measure(`${base}/account/holds/${hold?.id}/cancel`)
    const set = holds.find((h) => h.set_id !== null)?.set_id
    await measure(`${base}/account/holds/sets/${set}`)
    await measure(`${base}/account/holds/sets/${set}/split`)
    // 変更 asks for a confirmation (the same view) before it changes anything.
    const confirming = record(await k.submit(change, { contact: 'none' }), 'hold change confirm')
    const changed = await k.submit(confirming)
    expect(changed.status).to.equal(302)
    await measure(changed.location ?? '')
    // My本棚 and お気に入り.
    await measure(`${base}/account/favourites`)
    await measure(`${base}/account/favourites/add?record=${longest[35]}`)
    await measure(`${base}/account/shelves`)
    const shelf = await t.db
      .selectFrom('shelf')
      .select('id')
      .where('patron_id', '=', patronId)
      .orderBy('id')
      .executeTakeFirstOrThrow()
    await measure(`${base}/account/shelves/${shelf.id}`)
    await measure(`${base}/account/shelves/${shelf.id}?page=2`)
    await measure(`${base}/account/shelves/${shelf.id}/items/${longest[0]}`)
    await measure(`${base}/account/shelves/${shelf.id}/rename`)
    await measure(`${base}/account/shelves/${shelf.id}/delete`)
    await measure(`${base}/account/shelves/add?record=${longest[36]}`)
    expect(failures).to.deep.equal([])
  })

  it('e-mail pages with the longest accepted address', async () => {
    const form = await measure(`${base}/account/email`)
    // 64 characters before the @ and labels of 63: close to the longest address accepted.
    const address = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(50)}.jp`
    const sent = await k.submit(form, { address, confirmation: address })
    const sentPage = sent.status === 302 ? await k.follow(sent) : sent
    record(sentPage, 'e-mail sent')
    const mail = await t.db
      .selectFrom('mail_outbox')
      .select('body')
      .where('patron_id', '=', patronId)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow()
    const link = /https?:\/\/[^\s]+\/email\/confirm\/[A-Za-z0-9_-]+/.exec(mail.body)?.[0] ?? ''
    const token = link.slice(link.lastIndexOf('/') + 1)
    const open = await measure(`/aoba/k/email/confirm/${token}`, 200, keitai())
    const confirmed = await keitai().submit(open)
    record(confirmed.status === 302 ? await keitai().follow(confirmed) : confirmed, 'e-mail done')
    await measure('/aoba/k/email/help', 200, keitai())
    expect(failures).to.deep.equal([])
  })

  it('password pages (rules A self-registration, change, forgot)', async () => {
    const anon = keitai()
    await measure('/aoba/k/password/forgot', 200, anon)
    const register = await measure('/aoba/k/password/register', 200, anon)
    const step2 = await anon.submit(register, {
      card: '1101900002',
      fullName: '青葉 花子',
      birth: '1985-04-12',
    })
    expect(step2.status).to.equal(302)
    record(await anon.follow(step2), 'password register new')
    const c = keitai()
    const session = await login(c, 'aoba', '1101900001', 'aoba1234')
    const change = await measure(`${session}/password/change`, 200, c)
    const longPassword = 'Ab3'.repeat(10)
    const confirm = await c.submit(change, {
      card: '1101900001',
      current: 'aoba1234',
      password: longPassword,
      confirmation: longPassword,
    })
    expect(confirm.status, 'password change step 1').to.equal(302)
    const confirmPage = record(await c.follow(confirm), 'password change confirm')
    const done = await c.submit(confirmPage)
    expect(done.status).to.equal(302)
    record(await c.follow(done), 'password done')
    expect(failures).to.deep.equal([])
  })

  it('has measured every keitai view at 200 within the budget', () => {
    const views = readdirSync(join(VIEWS_DIR, 'keitai'))
      .filter((f) => f.endsWith('.eta'))
      .filter((f) => isPage(join(VIEWS_DIR, 'keitai', f)))
      .map((f) => f.slice(0, -'.eta'.length))
      // No route renders 「準備中」 while nothing is announced as coming soon.
      .filter((v) => v !== 'coming-soon' || COMING_SOON.length > 0)
    expect(views.length).to.be.above(40)
    const missing = views.filter((v) => !measured.has(v))
    expect(missing, 'keitai views without a worst page here').to.deep.equal([])
    for (const [view, { bytes, path }] of measured) {
      expect(bytes, `${view} at ${path}`).to.be.at.most(KEITAI_BUDGET)
    }
  })
})
