// Wiring tests generated from the app's own router stack: every route the app serves is found
// by walking it, so a route added tomorrow is covered the day it is added. For every POST
// route on both channels (PC with a cookie, keitai with its session in the path): a missing or
// wrong CSRF token gets 403 and changes nothing. Every route taking a patron's id refuses
// another patron's and another library's id (404/403, nothing changed). Every response carries
// the security headers. No log line carries a session id, card number, password or query
// string. Library settings overrides reach the rules. A throwing handler shows the generic
// 500 page, not a stack.
import { expect } from 'chai'
import type { Express } from 'express'
import { sql } from 'kysely'
import { pino } from 'pino'
import type { Logger } from 'pino'
import { createLogger } from '../../../server/logger.ts'
import { FormClient, formOf, textOf } from '../../helpers/form-client.ts'
import type { Page } from '../../helpers/form-client.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { KEITAI_UA, startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'

interface Handler {
  /** A router's layers. */
  stack?: Layer[]
  /** The steps of a chain (server/middleware/chain.ts): mounts run as one handler. */
  handlers?: Handler[]
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean> }
  handle: Handler
}

export interface RouteInfo {
  method: 'get' | 'post'
  path: string
  /** 'app': an absolute path; 'library': relative to a channel's library mount. */
  scope: 'app' | 'library'
}

/**
 * Every route of the app, from its router stack. Routes of routers mounted inside the app are
 * the library routes (both channels' routers are built by one function and mounted at /:lib,
 * /:lib/k and /:lib/k/s/:ksid).
 */
export function routesOf(app: Express): RouteInfo[] {
  const found = new Map<string, RouteInfo>()
  const walk = (stack: Layer[], scope: RouteInfo['scope']) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) {
          if (method !== 'get' && method !== 'post') throw new Error(`unexpected ${method}`)
          found.set(`${scope} ${method} ${layer.route.path}`, {
            method,
            path: layer.route.path,
            scope,
          })
        }
      } else walkHandler(layer.handle)
    }
  }
  const walkHandler = (handle: Handler) => {
    if (handle.stack) walk(handle.stack, 'library')
    for (const step of handle.handlers ?? []) walkHandler(step)
  }
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, 'app')
  return [...found.values()]
}

/** A checksum of every row's columns but one (CHECKSUM TABLE takes them all). */
async function checksumWithout(t: TestDatabase, table: string, skipped: string) {
  const columns = await t.db
    .selectFrom('information_schema.COLUMNS' as 'patron')
    .select(sql<string>`COLUMN_NAME`.as('name'))
    .where(sql<boolean>`TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ${table}`)
    .orderBy(sql`ORDINAL_POSITION`)
    .execute()
  const kept = columns.map((c) => c.name).filter((name) => name !== skipped)
  if (kept.length === columns.length) throw new Error(`${table} has no column ${skipped}`)
  const row = sql.join(
    kept.map((name) => sql`IFNULL(HEX(${sql.ref(name)}), 'N')`),
    sql`, '|', `,
  )
  return sql<{
    Checksum: string | number | null
  }>`SELECT BIT_XOR(CRC32(CONCAT(${row}))) AS Checksum FROM ${sql.table(table)}`.execute(t.db)
}

/** Mutable tables a POST may change (the catalogue and the search index are left out). */
const TABLES = [
  'library',
  'patron',
  'loan',
  'hold',
  'hold_request',
  'hold_notice',
  'email_change',
  'mail_outbox',
  'throttle',
  'favourite',
  'shelf',
  'shelf_item',
  'copy',
  'calendar_day',
] as const

/**
 * Columns that change without changing anything a patron has: lock_serial is raised by every
 * patron lock (a write, so that Galera nodes see the lock; sql/0121), refusals included.
 */
const LOCK_COLUMNS: Partial<Record<(typeof TABLES)[number], string>> = { patron: 'lock_serial' }

async function snapshot(t: TestDatabase): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const table of TABLES) {
    const skipped = LOCK_COLUMNS[table]
    const { rows } = skipped
      ? await checksumWithout(t, table, skipped)
      : await sql<{ Checksum: string | number | null }>`CHECKSUM TABLE ${sql.table(table)}`.execute(
          t.db,
        )
    const count = await t.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    out[table] = `${String(count.n)}:${String(rows[0]?.Checksum)}`
  }
  return out
}

/** The one-line JSON records a pino logger wrote, kept in memory. */
function capturingLogger(lines: string[]): Logger {
  // The app's own logger (its redaction and serializers), with its output kept here.
  const logger = createLogger('debug')
  const stream = { write: (line: string) => lines.push(line) }
  ;(logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = stream
  return logger
}

const SECURITY_HEADERS: [string, RegExp][] = [
  ['content-security-policy', /default-src 'none'.*frame-ancestors 'none'/],
  ['x-content-type-options', /^nosniff$/],
  ['x-frame-options', /^DENY$/],
  ['referrer-policy', /^(same-origin|no-referrer|strict-origin)$/],
]

function expectSecurityHeaders(page: Page, what: string): void {
  for (const [name, value] of SECURITY_HEADERS) {
    expect(page.headers.get(name), `${name} of ${what}`).to.match(value)
  }
}

/** Routes whose id parameter names something a patron owns, and what it names. */
type Owned = 'loan' | 'hold' | 'holdSet' | 'shelf' | 'holdRequest'
const OWNED: [RegExp, Owned][] = [
  [/^\/account\/loans\/:id\//, 'loan'],
  [/^\/account\/holds\/sets\/:id(\/|$)/, 'holdSet'],
  [/^\/account\/holds\/:id\//, 'hold'],
  [/^\/account\/shelves\/:id(\/|$)/, 'shelf'],
  [/^\/holds\/done\/:key$/, 'holdRequest'],
]
const ownedBy = (path: string): Owned | undefined => OWNED.find(([re]) => re.test(path))?.[1]
/** A personal route: the patron's own area, holds and the cart. */
const isPersonal = (path: string) =>
  /^\/(account|holds|cart|password)(\/|$)/.test(path) && path !== '/password/forgot'

interface Fixture {
  patronId: number
  libraryId: number
  slug: string
  loan: number
  hold: number
  holdSet: number
  shelf: number
  shelfRecord: number
  holdRequest: string
}

describe('wiring of every route (generated from the router stack)', function () {
  this.timeout(600_000)
  let t: TestDatabase
  let app: TestServer
  const logLines: string[] = []
  let routes: RouteInfo[]
  let me: Fixture
  let other: Fixture
  let otherLibrary: Fixture
  let pcClient: FormClient
  let keitaiClient: FormClient
  let keitaiToken = ''
  let recordId = 0
  let isbn = ''
  /** Secrets that must never reach a log line. */
  const secrets: string[] = []

  const ME = { card: '1101900007', password: 'yoyk7777' }
  const OTHER = { card: '1101900001', password: 'aoba1234' }
  const MINATO = { card: '2201900001', password: 'minato123' }

  async function patronId(card: string): Promise<{ id: number; library_id: number }> {
    return t.db
      .selectFrom('patron')
      .select(['id', 'library_id'])
      .where('card_number', '=', card)
      .executeTakeFirstOrThrow()
  }

  async function renewableLoans(card: string): Promise<number[]> {
    const p = await patronId(card)
    const lib = await app.deps.services.libraries.byId(p.library_id)
    if (!lib) throw new Error('no library')
    const list = await app.deps.services.loans.list(p.library_id, lib.settings, p.id)
    return list.filter((l) => l.renewal.ok).map((l) => l.id)
  }

  /** A patron's holds, shelves, a set and a request key; a set and a shelf are made if absent. */
  async function fixtureOf(card: string, loan: number, holdsCard = card): Promise<Fixture> {
    const p = await patronId(card)
    const holder = await patronId(holdsCard)
    const lib = await t.db
      .selectFrom('library')
      .select('slug')
      .where('id', '=', p.library_id)
      .executeTakeFirstOrThrow()
    const holds = await t.db
      .selectFrom('hold')
      .select(['id', 'set_id', 'status'])
      .where('patron_id', '=', holder.id)
      .where('status', 'in', ['requested', 'waiting'])
      .orderBy('id')
      .execute()
    expect(holds.length, `holds of ${holdsCard}`).to.be.at.least(2)
    let holdSet = holds.find((h) => h.set_id !== null)?.set_id ?? null
    if (holdSet === null) {
      const ids = holds.slice(0, 2).map((h) => h.id)
      await app.deps.repositories.holds.makeSet(p.library_id, ids, '2026-11-20 00:00:00')
      holdSet = ids[0] ?? 0
    }
    const single = holds.find((h) => h.set_id === null) ?? holds[0]
    const record = await t.db
      .selectFrom('record')
      .select('id')
      .where('library_id', '=', p.library_id)
      .orderBy('id')
      .executeTakeFirstOrThrow()
    const shelf = await t.db
      .insertInto('shelf')
      .values({ library_id: p.library_id, patron_id: p.id, name: `本棚${card}` })
      .executeTakeFirstOrThrow()
    const shelfId = Number(shelf.insertId)
    await t.db
      .insertInto('shelf_item')
      .values({ library_id: p.library_id, shelf_id: shelfId, record_id: record.id })
      .execute()
    const key = `wiringRequestKey${p.id}`.padEnd(22, 'x')
    await app.deps.repositories.holds.saveRequest(
      p.library_id,
      p.id,
      key,
      JSON.stringify({ key, placed: [], refused: [], setId: null, at: '2026-11-20 00:00:00' }),
      '2026-11-20 00:00:00',
    )
    return {
      patronId: p.id,
      libraryId: p.library_id,
      slug: lib.slug,
      loan,
      hold: single?.id ?? 0,
      holdSet,
      shelf: shelfId,
      shelfRecord: record.id,
      holdRequest: key,
    }
  }

  /** Parameters of a library route naming the fixture's own things. */
  function paramsFor(path: string, f: Fixture): Record<string, string> {
    const owned = ownedBy(path)
    const id =
      owned === 'loan'
        ? f.loan
        : owned === 'hold'
          ? f.hold
          : owned === 'holdSet'
            ? f.holdSet
            : owned === 'shelf'
              ? f.shelf
              : recordId
    return {
      id: String(id),
      record: String(owned === 'shelf' ? f.shelfRecord : recordId),
      key: f.holdRequest,
      token: 'A'.repeat(43),
      ndc: '9',
      code: 'east',
      isbn,
    }
  }

  function fill(path: string, params: Record<string, string>): string {
    return path.replace(/:([a-z]+)/g, (_, name: string) => {
      const value = params[name]
      if (value === undefined) throw new Error(`no sample value for :${name} in ${path}`)
      return encodeURIComponent(value)
    })
  }

  interface Channel {
    name: string
    client: () => FormClient
    mount: () => string
  }
  const channels: Channel[] = [
    { name: 'PC', client: () => pcClient, mount: () => `/${me.slug}` },
    {
      name: 'keitai /k/s/<session>/',
      client: () => keitaiClient,
      mount: () => `/${me.slug}/k/s/${keitaiToken}`,
    },
  ]

  /** The session's CSRF token, from the hidden field of a page's form. */
  async function csrfOf(client: FormClient, mount: string): Promise<string> {
    const page = await client.get(`${mount}/account/loans`)
    expect(page.status).to.equal(200)
    const token = formOf(page.text).hidden._csrf
    expect(token).to.be.a('string').and.have.length.above(20)
    return token ?? ''
  }

  before(async function () {
    this.timeout(300_000)
    t = await createTestDatabase({ demo: true, prefix: 'wire' })
    app = await startTestServer(t.db, { logger: capturingLogger(logLines) })
    routes = routesOf(app.app)
    const record = await t.db
      .selectFrom('record')
      .innerJoin('library', 'library.id', 'record.library_id')
      .select(['record.id', 'record.isbn'])
      .where('library.slug', '=', 'aoba')
      .where('record.isbn', 'is not', null)
      .orderBy('record.id')
      .executeTakeFirstOrThrow()
    recordId = record.id
    isbn = record.isbn ?? ''

    // My own renewable loan: one of another demo patron's renewable loans, handed to me. The
    // other patron keeps renewable loans (another patron's id that WOULD be renewable).
    const [mine, ...others] = await renewableLoans(OTHER.card)
    const meRow = await patronId(ME.card)
    await t.db
      .updateTable('loan')
      .set({ patron_id: meRow.id })
      .where('id', '=', mine ?? 0)
      .execute()
    const [minatoLoan] = await renewableLoans(MINATO.card)
    expect(others, 'the other patron still has a renewable loan').to.have.length.above(0)
    expect(minatoLoan, 'a renewable minato loan').to.be.a('number')
    me = await fixtureOf(ME.card, mine ?? 0)
    // OTHER has no holds: those are 1101900008's (ten); in minato 2201900009's.
    other = await fixtureOf(OTHER.card, others[0] ?? 0, '1101900008')
    otherLibrary = await fixtureOf(MINATO.card, minatoLoan ?? 0, '2201900009')

    pcClient = new FormClient(app.baseUrl)
    const loginForm = await pcClient.get('/aoba/login')
    const loggedIn = await pcClient.submit(loginForm, ME)
    expect(loggedIn.status).to.equal(303)
    keitaiClient = new FormClient(app.baseUrl, {
      userAgent: KEITAI_UA,
      cookies: false,
      charset: 'shift_jis',
    })
    const kForm = await keitaiClient.get('/aoba/k/login')
    const kLoggedIn = await keitaiClient.submit(kForm, ME)
    expect(kLoggedIn.status).to.equal(302)
    keitaiToken = /\/k\/s\/([^/]+)\//.exec(kLoggedIn.location ?? '')?.[1] ?? ''
    expect(keitaiToken).to.have.length.above(10)
    const sid = decodeURIComponent(pcClient.jar.get('opac_sid') ?? '')
    expect(sid).to.have.length.above(10)
    secrets.push(sid.replace(/^s:/, '').split('.')[0] ?? sid, keitaiToken)
    secrets.push(keitaiToken.split('.')[0] ?? keitaiToken)
    secrets.push(ME.card, ME.password, OTHER.card, MINATO.card)
  })
  // The pool is closed here, not at the end of the run: the database server is shared.
  after(async () => {
    await app?.close()
    await t?.db.destroy()
  })

  it('finds the routes of both channels in the router stack', () => {
    const posts = routes.filter((r) => r.method === 'post' && r.scope === 'library')
    const gets = routes.filter((r) => r.method === 'get')
    // Every journey's POSTs: login, logout, renewals, passwords, cart, holds, e-mail, lists.
    expect(posts.length).to.be.at.least(25)
    expect(gets.length).to.be.at.least(50)
    for (const path of ['/login', '/account/loans/:id/renew', '/password/change/confirm']) {
      expect(posts.map((r) => r.path)).to.include(path)
    }
  })

  describe('CSRF: every POST route refuses a missing or wrong token with 403 and changes nothing', () => {
    it('on both channels, logged in (PC cookie, keitai session in the path)', async () => {
      const failures: string[] = []
      for (const channel of channels) {
        const client = channel.client()
        const good = await csrfOf(client, channel.mount())
        for (const route of routes.filter((r) => r.method === 'post' && r.scope === 'library')) {
          const path = `${channel.mount()}${fill(route.path, paramsFor(route.path, me))}`
          // What the real form would send, so a missing check would act on it.
          const fields: Record<string, string> = {
            loans: String(me.loan),
            current: ME.password,
            password: 'newpass99',
            confirm: 'newpass99',
            card: ME.card,
            record: String(recordId),
            name: '新しい本棚',
            email: 'wiring@example.jp',
            code: '123456',
            pickup: '1',
            contact: 'none',
          }
          for (const token of [undefined, 'x'.repeat(good.length), `${good}x`]) {
            const before = await snapshot(t)
            const body = token === undefined ? fields : { ...fields, _csrf: token }
            const res = await client.post(path, body)
            const after = await snapshot(t)
            const what = `${channel.name} POST ${route.path} with ${token === undefined ? 'no' : 'a wrong'} token`
            if (res.status !== 403) failures.push(`${what}: ${res.status}`)
            else expectSecurityHeaders(res, what)
            if (JSON.stringify(after) !== JSON.stringify(before)) failures.push(`${what}: changed`)
          }
        }
      }
      expect(failures).to.deep.equal([])
      // The sessions still work: the refusals did not end them.
      for (const channel of channels) await csrfOf(channel.client(), channel.mount())
    })

    it('without a session (PC, keitai /k/) every POST is refused and changes nothing', async () => {
      const anonymous = [
        { client: new FormClient(app.baseUrl), mount: '/aoba' },
        {
          client: new FormClient(app.baseUrl, { userAgent: KEITAI_UA, cookies: false }),
          mount: '/aoba/k',
        },
      ]
      const before = await snapshot(t)
      for (const { client, mount } of anonymous) {
        for (const route of routes.filter((r) => r.method === 'post' && r.scope === 'library')) {
          const path = `${mount}${fill(route.path, paramsFor(route.path, me))}`
          const res = await client.post(path, { _csrf: 'x'.repeat(43), card: ME.card })
          expectSecurityHeaders(res, `POST ${path}`)
          if (/\/logout$/.test(path)) {
            // ログアウト without a login shows the logged-out page (issue 9, item 11).
            expect(res.status, `POST ${path}`).to.be.oneOf([302, 303])
            continue
          }
          // Refused: 400 saying the session ended or cookies are off (with links back), or 403
          // when a visitor cookie came with a token that is not its own (issue 9, item 11).
          expect(res.status, `POST ${path}`).to.be.oneOf([400, 403])
          expect(res.text, `POST ${path}`).to.match(
            /ログインの有効期限が切れました|Cookieが無効です|この操作は受け付けられませんでした/,
          )
        }
      }
      expect(await snapshot(t)).to.deep.equal(before)
    })
  })

  describe("ids: every route taking a patron's id refuses another patron's and another library's", () => {
    it('knows what every id of a personal route names', () => {
      const unknown = routes.filter(
        (r) => r.scope === 'library' && isPersonal(r.path) && /:/.test(r.path) && !ownedBy(r.path),
      )
      expect(
        unknown.map((r) => r.path),
        'personal routes with an id of unknown owner',
      ).to.deep.equal([])
    })

    it('GET and POST (with a valid token) answer 404 or 403 and change nothing', async () => {
      const failures: string[] = []
      const owned = routes.filter((r) => r.scope === 'library' && ownedBy(r.path))
      expect(owned.length).to.be.at.least(10)
      for (const channel of channels) {
        const client = channel.client()
        const good = await csrfOf(client, channel.mount())
        for (const route of owned) {
          for (const [whose, fixture] of [
            ["another patron's", other],
            ["another library's", otherLibrary],
          ] as const) {
            const path = `${channel.mount()}${fill(route.path, paramsFor(route.path, fixture))}`
            const before = await snapshot(t)
            const res =
              route.method === 'get'
                ? await client.get(path)
                : await client.post(path, {
                    _csrf: good,
                    pickup: '1',
                    contact: 'none',
                    name: '他人の本棚',
                    order: '1',
                  })
            const after = await snapshot(t)
            const what = `${channel.name} ${route.method.toUpperCase()} ${route.path} with ${whose} id`
            if (![403, 404].includes(res.status)) failures.push(`${what}: ${res.status}`)
            if (JSON.stringify(after) !== JSON.stringify(before)) failures.push(`${what}: changed`)
          }
        }
      }
      expect(failures).to.deep.equal([])
    })

    it('renewing several loans renews none of another patron’s (まとめて延長 with their ids)', async () => {
      for (const channel of channels) {
        const client = channel.client()
        const good = await csrfOf(client, channel.mount())
        const before = await snapshot(t)
        await client.post(`${channel.mount()}/account/loans/renew-all`, {
          _csrf: good,
          loans: `${other.loan},${otherLibrary.loan}`,
        })
        expect(await snapshot(t), channel.name).to.deep.equal(before)
      }
    })

    it('the ids used are ones their owners may act on (the refusals are not for other reasons)', async () => {
      expect(await renewableLoans(OTHER.card)).to.include(other.loan)
      expect(await renewableLoans(MINATO.card)).to.include(otherLibrary.loan)
      // My own ids are accepted on the same routes.
      const page = await pcClient.get(`/aoba/account/loans/${me.loan}/renew`)
      expect(page.status).to.equal(200)
      for (const path of [
        `/aoba/account/holds/${me.hold}/change`,
        `/aoba/account/holds/sets/${me.holdSet}`,
        `/aoba/account/shelves/${me.shelf}`,
        `/aoba/holds/done/${me.holdRequest}`,
      ]) {
        expect((await pcClient.get(path)).status, path).to.equal(200)
      }
    })
  })

  describe('security headers', () => {
    it('on every GET route of both channels, logged in and not, and on error pages', async () => {
      const failures: string[] = []
      const anonymousPc = new FormClient(app.baseUrl)
      const anonymousKeitai = new FormClient(app.baseUrl, { userAgent: KEITAI_UA, cookies: false })
      const targets: { client: FormClient; mount: string; name: string }[] = [
        { client: pcClient, mount: '/aoba', name: 'PC logged in' },
        { client: keitaiClient, mount: `/aoba/k/s/${keitaiToken}`, name: 'keitai logged in' },
        { client: anonymousPc, mount: '/aoba', name: 'PC' },
        { client: anonymousKeitai, mount: '/aoba/k', name: 'keitai' },
      ]
      for (const route of routes.filter((r) => r.method === 'get')) {
        const list =
          route.scope === 'app' ? [{ client: anonymousPc, mount: '', name: 'app' }] : targets
        for (const target of list) {
          const params = { ...paramsFor(route.path, me), lib: 'aoba' }
          const path = `${target.mount}${fill(route.path, params)}`
          const res = await target.client.get(path)
          const what = `${target.name} GET ${path}`
          if (res.status >= 500) failures.push(`${what}: ${res.status}`)
          for (const [name, value] of SECURITY_HEADERS) {
            if (!value.test(res.headers.get(name) ?? '')) failures.push(`${what}: ${name}`)
          }
          if (isPersonal(route.path) && !/no-store/.test(res.headers.get('cache-control') ?? '')) {
            failures.push(`${what}: personal page without Cache-Control: no-store`)
          }
        }
      }
      for (const path of ['/aoba/no-such-page', '/no-such-library/', '/aoba/k/no-such-page']) {
        const res = await anonymousPc.get(path)
        expect(res.status).to.equal(404)
        expectSecurityHeaders(res, path)
      }
      expect(failures).to.deep.equal([])
    })
  })

  describe('library settings overrides reach the rules', () => {
    /** A server started after the library's settings_json got these overrides (then restored). */
    async function withSettings(
      overrides: Record<string, unknown>,
      use: (server: TestServer) => Promise<void>,
    ): Promise<void> {
      const row = await t.db
        .selectFrom('library')
        .select('settings_json')
        .where('slug', '=', 'aoba')
        .executeTakeFirstOrThrow()
      const stored = row.settings_json ? (JSON.parse(row.settings_json) as object) : {}
      await t.db
        .updateTable('library')
        .set({ settings_json: JSON.stringify({ ...stored, ...overrides }) })
        .where('slug', '=', 'aoba')
        .execute()
      const server = await startTestServer(t.db)
      try {
        await use(server)
      } finally {
        await server.close()
        await t.db
          .updateTable('library')
          .set({ settings_json: row.settings_json })
          .where('slug', '=', 'aoba')
          .execute()
      }
    }

    async function loggedIn(server: TestServer, card: string, password: string) {
      const client = new FormClient(server.baseUrl)
      const res = await client.submit(await client.get('/aoba/login'), { card, password })
      expect(res.status).to.equal(303)
      return client
    }

    const renewLinks = (page: Page) =>
      (page.text.match(/href="\/aoba\/account\/loans\/\d+\/renew"/g) ?? []).length

    it('maxRenewals: 0 leaves nothing renewable, on the page and on a POST', async () => {
      const loan = other.loan
      await withSettings({}, async (server) => {
        const c = await loggedIn(server, OTHER.card, OTHER.password)
        expect(renewLinks(await c.get('/aoba/account/loans'))).to.be.at.least(1)
      })
      await withSettings({ maxRenewals: 0 }, async (server) => {
        const c = await loggedIn(server, OTHER.card, OTHER.password)
        const page = await c.get('/aoba/account/loans')
        expect(renewLinks(page)).to.equal(0)
        const before = await snapshot(t)
        const token = formOf(page.text).hidden._csrf ?? ''
        await c.post(`/aoba/account/loans/${loan}/renew`, { _csrf: token })
        expect(await snapshot(t)).to.deep.equal(before)
      })
    })

    it('renewalPeriodDays changes the new due date the confirmation offers', async () => {
      const newDue = async (overrides: Record<string, unknown>) => {
        let text = ''
        await withSettings(overrides, async (server) => {
          const c = await loggedIn(server, OTHER.card, OTHER.password)
          const page = await c.get(`/aoba/account/loans/${other.loan}/renew`)
          expect(page.status).to.equal(200)
          text = /<tbody>[\s\S]*?<\/tbody>/.exec(page.text)?.[0] ?? ''
        })
        return text
      }
      const fourteen = await newDue({})
      const seven = await newDue({ renewalPeriodDays: 7 })
      expect(fourteen).to.match(/\d+月\d+日/)
      expect(seven).to.match(/\d+月\d+日/)
      expect(seven).not.to.equal(fourteen)
    })

    it('holdLimit decides whether a patron with ten holds may place another', async () => {
      const holder = await patronId('1101900008')
      const held = await t.db
        .selectFrom('hold')
        .select('record_id')
        .where('patron_id', '=', holder.id)
        .execute()
      const free = await t.db
        .selectFrom('record')
        .innerJoin('copy', 'copy.record_id', 'record.id')
        .select('record.id')
        .where('record.library_id', '=', holder.library_id)
        .where('record.material_type', '=', 'book')
        .where('copy.status', '=', 'on_loan')
        .where(
          'record.id',
          'not in',
          held.map((h) => h.record_id),
        )
        .orderBy('record.id')
        .executeTakeFirstOrThrow()
      const requestPage = async (overrides: Record<string, unknown>) => {
        let text = ''
        await withSettings(overrides, async (server) => {
          const c = await loggedIn(server, '1101900008', 'full8888')
          const page = await c.get(`/aoba/holds/new?record=${free.id}`)
          expect(page.status).to.equal(200)
          text = textOf(page.text)
        })
        return text
      }
      expect(await requestPage({})).to.include('予約は10冊までです（現在10冊）')
      expect(await requestPage({ holdLimit: 3 })).to.include('予約は3冊までです（現在10冊）')
      expect(await requestPage({ holdLimit: 11 })).not.to.include('冊までです')
    })
  })

  describe('dates', () => {
    it('a loan due today is not overdue and may be renewed, on both channels', async () => {
      const due = await t.db
        .selectFrom('loan')
        .innerJoin('patron', 'patron.id', 'loan.patron_id')
        .select(['loan.id', 'patron.card_number'])
        .where('loan.due_on', '=', '2026-11-23')
        .where('loan.returned_at', 'is', null)
        .where('patron.card_number', 'in', [ME.card, OTHER.card])
        .executeTakeFirstOrThrow()
      const who = due.card_number === ME.card ? ME : OTHER
      const c = new FormClient(app.baseUrl)
      expect((await c.submit(await c.get('/aoba/login'), who)).status).to.equal(303)
      const page = await c.get('/aoba/account/loans')
      const row = /<tr>(?:(?!<\/tr>)[\s\S])*<\/tr>/g
      const mine = (page.text.match(row) ?? []).find((r) => r.includes(`/loans/${due.id}/renew`))
      expect(mine, 'the row of the loan due today, with its renew link').to.be.a('string')
      expect(mine).not.to.include('返却期限を過ぎています')
      const k = new FormClient(app.baseUrl, { userAgent: KEITAI_UA, cookies: false })
      const res = await k.submit(await k.get('/aoba/k/login'), who)
      const session = /(\/aoba\/k\/s\/[^/]+)\//.exec(res.location ?? '')?.[1] ?? ''
      const list = await k.get(`${session}/account/loans`)
      expect(list.text).to.include(`/loans/${due.id}/renew`)
      // Keitai marks an overdue loan 期限切れ after its date: the loan due today has no mark.
      const entries = list.text.split(/<br>\s*\d+\./)
      const entry = entries.find((e) => e.includes(`/loans/${due.id}/renew`)) ?? ''
      expect(entry).not.to.include('期限切れ')
    })
  })

  describe('the generic 500 page when a handler throws', () => {
    it('shows the message in the channel’s charset, never the error or a stack', async () => {
      const loans = app.deps.services.loans
      const list = loans.list
      const search = app.deps.services.catalogue.search
      loans.list = () => Promise.reject(new Error('wiring-boom at /srv/opac/secret.ts:12:3'))
      app.deps.services.catalogue.search = () => {
        throw new TypeError('wiring-boom sync')
      }
      try {
        const cases: [FormClient, string, RegExp][] = [
          [pcClient, '/aoba/account/loans', /utf-8/i],
          [keitaiClient, `/aoba/k/s/${keitaiToken}/account/loans`, /shift_jis/i],
          [new FormClient(app.baseUrl), '/aoba/search?q=wiring-secret-word', /utf-8/i],
          [
            new FormClient(app.baseUrl, { userAgent: KEITAI_UA, cookies: false }),
            '/aoba/k/search?q=wiring-secret-word',
            /shift_jis/i,
          ],
        ]
        for (const [client, path, charset] of cases) {
          const res = await client.get(path)
          expect(res.status, path).to.equal(500)
          expect(res.headers.get('content-type'), path).to.match(charset)
          expect(textOf(res.text), path).to.include('システムでエラーが発生しました')
          expect(res.text, path).not.to.match(/wiring-boom|secret\.ts|TypeError|\n\s+at /)
          expectSecurityHeaders(res, path)
        }
      } finally {
        loans.list = list
        app.deps.services.catalogue.search = search
      }
      // The error was logged once per request, with its stack (for the operators).
      expect(logLines.filter((l) => l.includes('wiring-boom')).length).to.be.at.least(4)
    })
  })

  describe('logs', () => {
    it('carry no session id, card number, password or query string', async () => {
      // A failed login (card and password in the form), searches with words in the query.
      const c = new FormClient(app.baseUrl)
      const form = await c.get('/aoba/login')
      await c.submit(form, { card: OTHER.card, password: 'wrong-password-9' })
      secrets.push('wrong-password-9')
      await c.get('/aoba/search?q=wiring-secret-word&sort=title')
      await keitaiClient.get(`/aoba/k/s/${keitaiToken}/search?q=wiring-secret-word`)
      await keitaiClient.get(`/aoba/k/s/${keitaiToken}/no-such-page?q=wiring-secret-word`)
      secrets.push('wiring-secret-word')
      expect(logLines.length).to.be.above(100)
      const leaks = logLines.flatMap((line) => [
        ...secrets.filter((s) => line.includes(s)).map((s) => `${s} in ${line.slice(0, 300)}`),
        ...(/\?[^"\s]*=/.test(line) ? [`query string in ${line.slice(0, 300)}`] : []),
      ])
      expect(leaks).to.deep.equal([])
    })
  })
})
