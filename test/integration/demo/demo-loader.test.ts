// The demo catalogue loads into a fresh database: both fictional library systems with their
// branches, the real records, consistent circulation data, and nothing changes on a second run.
import { randomBytes } from 'node:crypto'
import { expect } from 'chai'
import { sql } from 'kysely'
import type { RawBuilder } from 'kysely'
import { tokyoDay } from '../../../server/clock.ts'
import { createDb, dropDatabase, ensureDatabase } from '../../../server/db/database.ts'
import type { Db } from '../../../server/db/database.ts'
import { loadDemo, readCatalogue } from '../../../server/demo/demo-loader.ts'
import type { LoadDemoResult } from '../../../server/demo/demo-loader.ts'
import { migrate } from '../../../server/db/migrator.ts'
import { libraryCalendar } from '../../../server/services/calendar-service.ts'
import { holdFormalAt, pickupDeadline } from '../../../server/services/hold-rules.ts'
import { PRESETS, resolveSettings } from '../../../server/services/library-settings.ts'
import { recordSearchText } from '../../../server/services/search/fold.ts'

const SERVER = (process.env.TEST_DATABASE_SERVER || 'mysql://root@127.0.0.1:3306').replace(
  /\/+$/,
  '',
)
const TODAY = '2026-11-23'
const TABLES = ['library', 'branch', 'record', 'copy', 'patron', 'loan', 'hold'] as const

async function rowCounts(db: Db): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const table of TABLES) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    counts[table] = Number(row.n)
  }
  return counts
}

describe('demo loader', function () {
  this.timeout(120_000)
  const url = `${SERVER}/opac_test_demo_${randomBytes(4).toString('hex')}`
  let db: Db
  let first: LoadDemoResult
  let libraryId: Record<string, number>

  before(async () => {
    await ensureDatabase(url)
    await migrate(url)
    db = createDb(url, 2)
    const started = process.hrtime.bigint()
    first = await loadDemo(db, { today: TODAY })
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    process.stdout.write(`      demo load: ${seconds.toFixed(1)} s\n`)
    const libraries = await db.selectFrom('library').select(['id', 'slug']).execute()
    libraryId = Object.fromEntries(libraries.map((l) => [l.slug, l.id]))
  })

  after(async () => {
    await db?.destroy()
    await dropDatabase(url)
  })

  it('reports what it loaded', () => {
    expect(first.loaded).to.equal(true)
    expect(first.libraries).to.equal(2)
    expect(first.records).to.be.greaterThan(20_000)
    expect(first.copies).to.be.greaterThan(first.records)
  })

  it('creates both library systems with their branches in order', async () => {
    const libraries = await db
      .selectFrom('library')
      .select(['slug', 'name', 'rules_preset', 'settings_json'])
      .orderBy('sort_order')
      .execute()
    expect(libraries.map((l) => ({ ...l, settings: JSON.parse(l.settings_json) }))).to.deep.equal([
      {
        slug: 'aoba',
        name: 'あおば市立図書館',
        rules_preset: 'A',
        settings_json: libraries[0]?.settings_json,
        // The library's own sender (指定受信) and hours; the rules are its preset's.
        settings: {
          mailFrom: 'opac@aoba-library.example.jp',
          openingHours: '9:00〜19:00（土・日・祝日は17:00まで）、月曜休館',
        },
      },
      {
        slug: 'minato',
        name: 'みなと市立図書館',
        rules_preset: 'B',
        settings_json: libraries[1]?.settings_json,
        settings: {
          mailFrom: 'yoyaku@minato-library.example.jp',
          openingHours: '9:30〜18:00（金曜は19:00まで）、月曜休館',
        },
      },
    ])
    const branches = async (slug: string) =>
      (
        await db
          .selectFrom('branch')
          .select(['code', 'name', 'is_pickup'])
          .where('library_id', '=', libraryId[slug]!)
          .orderBy('sort_order')
          .execute()
      ).map((b) => `${b.code}:${b.name}:${b.is_pickup}`)
    expect(await branches('aoba')).to.deep.equal([
      'central:中央図書館:1',
      'east:東分館:1',
      'west:西分館:1',
      'kids:こども図書館:1',
    ])
    expect(await branches('minato')).to.deep.equal([
      'main:本館:1',
      'east:東部分館:1',
      'west:西部分館:1',
      'north:北部分館:1',
      'south:南部分館:1',
      'higashihatsutomi:東初富分館:1',
    ])
  })

  it('gives both libraries こころ and 坊っちゃん by 夏目漱石 and 濹東綺譚', async () => {
    for (const slug of ['aoba', 'minato']) {
      const rows = await db
        .selectFrom('record')
        .select(['source_id', 'title', 'author'])
        .where('library_id', '=', libraryId[slug]!)
        .where('source', '=', 'aozora')
        .where('source_id', 'in', ['000773', '000752', '052016'])
        .orderBy('source_id')
        .execute()
      expect(rows).to.deep.equal([
        { source_id: '000752', title: '坊っちゃん', author: '夏目漱石' },
        { source_id: '000773', title: 'こころ', author: '夏目漱石' },
        { source_id: '052016', title: '濹東綺譚', author: '永井荷風' },
      ])
    }
  })

  it('holds a plausible, different three-quarters of the catalogue in each library', async () => {
    const perLibrary = await db
      .selectFrom('record')
      .select(['library_id', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('library_id')
      .execute()
    expect(perLibrary).to.have.length(2)
    const catalogue = readCatalogue().length
    for (const row of perLibrary) {
      expect(Number(row.n)).to.be.greaterThan(10_000)
      expect(Number(row.n) / catalogue).to.be.within(0.7, 0.8)
    }
    const [a, b] = perLibrary.map((r) => Number(r.n))
    expect(a).to.not.equal(b)
  })

  it('stores search_text as recordSearchText of every record', async () => {
    const sample = await db
      .selectFrom('record')
      .selectAll()
      .where(sql<boolean>`id % 97 = 0`)
      .execute()
    expect(sample.length).to.be.greaterThan(100)
    for (const record of sample) expect(record.search_text).to.equal(recordSearchText(record))
  })

  it('stores search_text folded as written here by hand (not by the function under test)', async () => {
    // Fields in order (title, reading, subtitle, series, author, reading, publisher, subjects),
    // empty ones left out, joined by U+0001; Latin letters lower-cased and spaces dropped,
    // katakana as hiragana, small kana as large (りゅう → りゆう).
    const expected: Record<string, string> = {
      '000773': ['こころ', 'こころ', '集英社文庫', '夏目漱石', 'なつめそうせき', '集英社'].join(
        '\u0001',
      ),
      '052016': [
        '濹東綺譚',
        'ぼくとうきだん',
        '新潮文庫',
        '永井荷風',
        'ながいかふう',
        '新潮社',
      ].join('\u0001'),
      '000097': [
        'mensurazoili',
        'めんすらぞいり',
        'ちくま文庫',
        '芥川竜之介',
        'あくたがわりゆうのすけ',
        '筑摩書房',
      ].join('\u0001'),
    }
    for (const slug of ['aoba', 'minato']) {
      const rows = await db
        .selectFrom('record')
        .select(['source_id', 'search_text'])
        .where('library_id', '=', libraryId[slug]!)
        .where('source', '=', 'aozora')
        .where('source_id', 'in', Object.keys(expected))
        .execute()
      expect(rows.length, slug).to.be.at.least(2)
      for (const row of rows)
        expect(row.search_text, row.source_id).to.equal(expected[row.source_id])
    }
  })

  it('gives every copy on loan exactly one active loan, with dates around today', async () => {
    const bad = await db
      .selectFrom('copy')
      .select('copy.id')
      .where('copy.status', '=', 'on_loan')
      .where(
        (eb) =>
          eb
            .selectFrom('loan')
            .select((e) => e.fn.countAll<number>().as('n'))
            .whereRef('loan.copy_id', '=', 'copy.id')
            .whereRef('loan.library_id', '=', 'copy.library_id')
            .where('loan.returned_at', 'is', null),
        '<>',
        1,
      )
      .execute()
    expect(bad).to.deep.equal([])
    const loans = await db
      .selectFrom('loan')
      .innerJoin('copy', (j) =>
        j.onRef('copy.id', '=', 'loan.copy_id').onRef('copy.library_id', '=', 'loan.library_id'),
      )
      .select(['loan.loaned_on', 'loan.due_on', 'copy.status'])
      .execute()
    expect(loans.length).to.be.greaterThan(1000)
    expect(loans.every((l) => l.status === 'on_loan')).to.equal(true)
    expect(loans.every((l) => l.loaned_on <= TODAY && l.loaned_on < l.due_on)).to.equal(true)
    const overdue = loans.filter((l) => l.due_on < TODAY).length
    expect(overdue).to.be.greaterThan(0)
    expect(overdue).to.be.lessThan(loans.length / 4)
  })

  it('matches every copy on the hold shelf with a ready hold at that branch', async () => {
    const onShelf = await db
      .selectFrom('copy')
      .leftJoin('hold', (j) =>
        j
          .onRef('hold.trapped_copy_id', '=', 'copy.id')
          .onRef('hold.library_id', '=', 'copy.library_id')
          .on('hold.status', '=', 'ready'),
      )
      .select(['copy.id', 'copy.branch_id', 'hold.pickup_branch_id', 'hold.pickup_deadline'])
      .where('copy.status', '=', 'on_hold_shelf')
      .execute()
    expect(onShelf.length).to.be.greaterThan(0)
    for (const row of onShelf) {
      expect(row.pickup_branch_id).to.equal(row.branch_id)
      expect(row.pickup_deadline! >= TODAY).to.equal(true)
    }
  })

  /** A library's settings and the calendar the site builds from its stored rows. */
  async function rulesOf(slug: string) {
    const library = await db
      .selectFrom('library')
      .select(['rules_preset', 'settings_json'])
      .where('id', '=', libraryId[slug]!)
      .executeTakeFirstOrThrow()
    const settings = resolveSettings(library.rules_preset, library.settings_json)
    const days = await db
      .selectFrom('calendar_day')
      .select(['day', 'is_open'])
      .where('library_id', '=', libraryId[slug]!)
      .execute()
    return { settings, calendar: libraryCalendar(settings.closedWeekdays, days) }
  }
  const instant = (utc: string): Date => new Date(`${utc.replace(' ', 'T')}Z`)

  it('gives every 受取り可 hold the deadline of its preset’s shelf rule from the day it was secured', async () => {
    for (const slug of ['aoba', 'minato']) {
      const { settings, calendar } = await rulesOf(slug)
      const ready = await db
        .selectFrom('hold')
        .select(['trapped_at', 'pickup_deadline'])
        .where('library_id', '=', libraryId[slug]!)
        .where('status', '=', 'ready')
        .execute()
      expect(ready.length).to.be.greaterThan(100)
      for (const hold of ready) {
        // The notice goes out the day the copy is secured, so rules A count from that day too.
        const securedOn = tokyoDay(instant(hold.trapped_at!))
        expect(calendar.isOpen(securedOn)).to.equal(true)
        expect(hold.pickup_deadline).to.equal(pickupDeadline(settings, calendar, { securedOn }))
      }
    }
    // Spot checks by hand on the example calendar (closed Mondays, TODAY is Mon 2026-11-23).
    const deadlines = async (slug: string, securedOn: string) =>
      (
        await db
          .selectFrom('hold')
          .select('pickup_deadline')
          .distinct()
          .where('library_id', '=', libraryId[slug]!)
          .where('status', '=', 'ready')
          .where(sql<boolean>`DATE(trapped_at + INTERVAL 9 HOUR) = ${securedOn}`)
          .execute()
      ).map((r) => r.pickup_deadline)
    // B: secured Fri 11-20 → Sat 21 (1), Sun 22 (2), Tue 24 (3) … Sat 28 (7).
    expect(await deadlines('minato', '2026-11-20')).to.deep.equal(['2026-11-28'])
    // A: secured and notified Sun 11-22 → 8 days is Mon 11-30, closed → Tue 12-01.
    expect(await deadlines('aoba', '2026-11-22')).to.deep.equal(['2026-12-01'])
  })

  it('makes each hold formal when its rules say: rules B web holds on the next opening morning', async () => {
    for (const slug of ['aoba', 'minato']) {
      const { settings, calendar } = await rulesOf(slug)
      const holds = await db
        .selectFrom('hold')
        .select(['status', 'channel', 'requested_at', 'formal_at', 'trapped_at'])
        .where('library_id', '=', libraryId[slug]!)
        .execute()
      for (const hold of holds) {
        const formal = holdFormalAt(settings, calendar, {
          channel: hold.channel,
          requestedAt: instant(hold.requested_at),
        })
        // 依頼中 holds carry the moment they become formal (the approval job acts on it).
        expect(hold.formal_at, `${slug} ${hold.channel} ${hold.requested_at}`).to.equal(
          formal.toISOString().slice(0, 19).replace('T', ' '),
        )
        if (hold.status === 'requested') expect(tokyoDay(formal) > TODAY).to.equal(true)
        if (hold.trapped_at) expect(hold.formal_at! <= hold.trapped_at).to.equal(true)
      }
      const waitingWeb = holds.filter((h) => h.channel === 'web' && h.formal_at !== null)
      expect(waitingWeb.length).to.be.greaterThan(100)
      const morning = waitingWeb.filter(
        (h) => h.formal_at!.endsWith(' 23:30:00') && h.formal_at! > h.requested_at,
      )
      // 08:30 Tokyo is 23:30 UTC the evening before.
      expect(morning.length).to.equal(slug === 'minato' ? waitingWeb.length : 0)
    }
    // By hand, in SQL: a minato web hold becomes formal at 08:30 (Tokyo) on the day after it
    // was placed — two days after when placed on a Sunday, as Monday is closed. (November has
    // no other closed days.)
    const web = (condition: RawBuilder<boolean>) =>
      db
        .selectFrom('hold')
        .select(['requested_at', 'formal_at'])
        .where('library_id', '=', libraryId.minato!)
        .where('channel', '=', 'web')
        .where(
          sql<boolean>`DATE(requested_at + INTERVAL 9 HOUR) BETWEEN '2026-11-01' AND '2026-11-30'`,
        )
        .where(condition)
        .execute()
    const sundays = await web(sql<boolean>`DAYOFWEEK(requested_at + INTERVAL 9 HOUR) = 1`)
    expect(sundays.length, 'minato web holds placed on a Sunday').to.be.above(0)
    const wrong = await web(
      sql<boolean>`NOT (formal_at + INTERVAL 9 HOUR <=> TIMESTAMP(DATE(requested_at + INTERVAL 9 HOUR)
        + INTERVAL IF(DAYOFWEEK(requested_at + INTERVAL 9 HOUR) = 1, 2, 1) DAY, '08:30:00'))`,
    )
    expect(wrong).to.deep.equal([])
  })

  it('puts no pickup deadline, formal time or securing of a copy on a closed day', async () => {
    // Closed days by SQL alone: the presets' weekly closed day (Monday) and calendar_day rows.
    expect(PRESETS.A.closedWeekdays).to.deep.equal([1])
    expect(PRESETS.B.closedWeekdays).to.deep.equal([1])
    const closed = (day: RawBuilder<unknown>) =>
      sql<boolean>`(DAYOFWEEK(${day}) = 2 OR EXISTS (SELECT 1 FROM calendar_day d
        WHERE d.library_id = hold.library_id AND d.day = ${day} AND d.is_open = 0))`
    const tokyo = (column: string) => sql`DATE(${sql.ref(column)} + INTERVAL 9 HOUR)`
    const count = async (condition: RawBuilder<boolean>) =>
      Number(
        (
          await db
            .selectFrom('hold')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where(condition)
            .executeTakeFirstOrThrow()
        ).n,
      )
    expect(await count(sql<boolean>`pickup_deadline IS NOT NULL`)).to.be.greaterThan(500)
    expect(await count(closed(sql`pickup_deadline`))).to.equal(0)
    expect(await count(sql<boolean>`formal_at IS NOT NULL`)).to.be.greaterThan(3000)
    expect(await count(closed(tokyo('formal_at')))).to.equal(0)
    expect(await count(closed(tokyo('trapped_at')))).to.equal(0)
    const calendarRows = await db.selectFrom('calendar_day').select('day').execute()
    expect(calendarRows.length).to.be.greaterThan(0)
  })

  it('has active holds on こころ in both libraries', async () => {
    for (const slug of ['aoba', 'minato']) {
      const row = await db
        .selectFrom('hold')
        .innerJoin('record', 'record.id', 'hold.record_id')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('hold.library_id', '=', libraryId[slug]!)
        .where('record.source', '=', 'aozora')
        .where('record.source_id', '=', '000773')
        .where('hold.status', 'in', ['requested', 'waiting', 'ready'])
        .executeTakeFirstOrThrow()
      expect(Number(row.n)).to.be.within(2, 4)
    }
    const requested = await db
      .selectFrom('hold')
      .select(['library_id'])
      .where('status', '=', 'requested')
      .groupBy('library_id')
      .execute()
    expect(requested.map((r) => r.library_id)).to.deep.equal([libraryId.minato])
  })

  it('gives the hold demo patrons a hold in each state, placed by the hold service', async () => {
    const holdsOf = async (card: string) =>
      (
        await db
          .selectFrom('hold as h')
          .innerJoin('patron as p', (j) =>
            j.onRef('p.id', '=', 'h.patron_id').onRef('p.library_id', '=', 'h.library_id'),
          )
          .where('p.card_number', '=', card)
          .select(['h.status', 'h.set_id', 'h.set_order', 'h.pickup_deadline', 'h.request_key'])
          .orderBy('h.id')
          .execute()
      ).map((h) => ({ ...h, placedByService: h.request_key !== null }))
    const a = await holdsOf('1101900007')
    expect(a.map((h) => h.status)).to.deep.equal([
      'waiting',
      'ready',
      'waiting',
      'waiting',
      'waiting',
    ])
    expect(a.every((h) => h.placedByService)).to.equal(true)
    expect(a.filter((h) => h.set_id !== null).map((h) => h.set_order)).to.deep.equal([1, 2, 3])
    expect(a[1]!.pickup_deadline! > TODAY).to.equal(true)
    const b = await holdsOf('2201900009')
    expect(b.map((h) => h.status)).to.deep.equal(['requested', 'waiting', 'ready'])
    expect((await holdsOf('1101900008')).length).to.equal(10)
    expect((await holdsOf('2201900010')).length).to.equal(5)
  })

  it('gives each library its fictional demo patrons with 10-digit cards of its own prefix', async () => {
    for (const [slug, prefix] of [
      ['aoba', '1101'],
      ['minato', '2201'],
    ] as const) {
      const patrons = await db
        .selectFrom('patron')
        .select(['card_number', 'full_name', 'id'])
        .where('library_id', '=', libraryId[slug]!)
        .execute()
      expect(patrons.every((p) => new RegExp(`^${prefix}\\d{6}$`).test(p.card_number))).to.equal(
        true,
      )
      const taro = patrons.find((p) => p.card_number === `${prefix}000001`)
      expect(taro?.full_name).to.equal('図書 太郎')
      // 予約 ゆき sits one below the rules-B hold limit of five.
      const yuki = patrons.find((p) => p.full_name === '予約 ゆき')!
      const active = await db
        .selectFrom('hold')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('library_id', '=', libraryId[slug]!)
        .where('patron_id', '=', yuki.id)
        .where('status', 'in', ['requested', 'waiting', 'ready'])
        .executeTakeFirstOrThrow()
      expect(Number(active.n)).to.equal(4)
    }
  })

  it('shelves kamishibai under P, young-adult works under YA, and has AV and reference copies', async () => {
    const prefixed = await db
      .selectFrom('copy')
      .innerJoin('record', 'record.id', 'copy.record_id')
      .select(['copy.call_number', 'copy.shelf_location', 'record.material_type'])
      .where((eb) =>
        eb.or([eb('copy.call_number', 'like', 'P/%'), eb('copy.call_number', 'like', 'YA/%')]),
      )
      .execute()
    const kamishibai = prefixed.filter((c) => c.call_number.startsWith('P/'))
    const youngAdult = prefixed.filter((c) => c.call_number.startsWith('YA/'))
    expect(kamishibai.length).to.be.greaterThan(15)
    for (const c of kamishibai) {
      expect(c.material_type).to.equal('kamishibai')
      expect(c.shelf_location).to.equal('kamishibai')
    }
    expect(youngAdult.length).to.be.greaterThan(20)
    for (const c of youngAdult) expect(c.shelf_location).to.equal('young_adult')

    const av = await db
      .selectFrom('copy')
      .innerJoin('record', 'record.id', 'copy.record_id')
      .select(['record.material_type', 'copy.shelf_location'])
      .where('record.material_type', 'in', ['cd', 'dvd', 'video', 'cassette'])
      .execute()
    expect(av.length).to.be.greaterThan(20)
    expect(av.every((c) => c.shelf_location === 'audio_visual')).to.equal(true)

    const referenceOnly = await db
      .selectFrom('copy')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('reference_only', '=', 1)
      .where('status', '<>', 'on_loan')
      .executeTakeFirstOrThrow()
    expect(Number(referenceOnly.n)).to.be.greaterThan(100)
    const lent = await db
      .selectFrom('copy')
      .select('id')
      .where('reference_only', '=', 1)
      .where('status', 'in', ['on_loan', 'on_hold_shelf'])
      .execute()
    expect(lent).to.deep.equal([])
  })

  it('has a magazine with 12 monthly issues, the latest for use in the library only', async () => {
    for (const slug of ['aoba', 'minato']) {
      const issues = await db
        .selectFrom('copy')
        .innerJoin('record', 'record.id', 'copy.record_id')
        .select(['record.title', 'copy.issue_label', 'copy.issue_date', 'copy.reference_only'])
        .where('copy.library_id', '=', libraryId[slug]!)
        .where('record.material_type', '=', 'magazine')
        .orderBy('copy.issue_date')
        .execute()
      expect(issues).to.have.length(12)
      expect(issues.map((i) => i.issue_label)).to.deep.equal(
        Array.from({ length: 12 }, (_, i) => `2026年${i + 1}月号`),
      )
      expect(issues.map((i) => i.reference_only)).to.deep.equal([...Array<number>(11).fill(0), 1])
    }
  })

  it('changes nothing when loaded a second time', async () => {
    const before = await rowCounts(db)
    const again = await loadDemo(db, { today: TODAY })
    expect(again).to.deep.equal({ loaded: false, libraries: 0, records: 0, copies: 0 })
    expect(await rowCounts(db)).to.deep.equal(before)
  })
})
