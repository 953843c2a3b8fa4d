// npm run bench:search [-- --records N] [--queries N] [--seed N] [--database NAME]
//                      [--reuse [--reindex]] [--concurrency N] [--kinds K1,K2…] [--like N]
//
// Catalogue search at scale. Generates N records (default 1,000,000) by recombining the real
// titles, readings, authors, publishers, subjects, NDC numbers and years of the demo catalogue
// (sql/demo/catalogue.tsv.gz), so that terms keep their real frequencies, with 1–5 copies
// each; loads them into a schema of their own (default opac_bench, dropped and re-created
// unless --reuse finds the same catalogue there) and builds the search index. Then runs a
// fixed, seeded mix of queries (kanji, kana, half-width kana, Latin, one character, whole
// titles, authors, publishers, ISBNs, 1–3 words, filters, detailed searches by title or author
// field with every sort, subject headings (kind "subject") and call-number prefixes ("call"),
// first and deep pages; and, drawn apart so that the rest of the mix stays the same, title
// 前方一致 and 完全一致 of the title proper, one character among them: "title:prefix",
// "title:exact", "title:prefix1", "title:exact1") as the app runs them — the search service's
// search, which uses the index engine and fetches the page's rows — after a warm-up with other
// queries from the same mix. Measured in the same run, through the same pool: a primary-key
// lookup of one record, and the naive LIKE '%…%' scan (the same search without the engine)
// for a sample of 50 (--like N) of the queries, whose answers are also compared with the index's. Also
// measured, as kinds of their own outside the search figures: the browse counts of 分類から探す
// (records per NDC class, per division of a class: "browse:ndc", "browse:ndc-class") and the
// first page of 新着 with its total (all classes, one class: "browse:new", "browse:new-class"),
// and the facet counts of a result list ("facets": the search service's facets of one query
// of the mix, with or without filters). --kinds measures only the kinds starting with one of
// the given names (e.g. --kinds title,browse:new,facets), for re-measuring with --reuse.
//
// Prints progress, then one JSON line last:
// {"records","queries","p50_ms","p95_ms","p99_ms","qps","pk_lookup_p95_ms","like_scan_p95_ms",
//  "load_s","rss_mb"}
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import { createDb, dropDatabase, ensureDatabase } from '../../server/db/database.ts'
import type { Db } from '../../server/db/database.ts'
import { mulberry32, readCatalogue } from '../../server/demo/demo-loader.ts'
import type { CatalogueRow, Rng } from '../../server/demo/demo-loader.ts'
import { migrate } from '../../server/db/migrator.ts'
import { COPY_STATUSES } from '../../server/db/schema.ts'
import type { CopyStatus, MaterialType } from '../../server/db/schema.ts'
import type { SearchableRecord } from '../../server/db/search-layout.ts'
import { searchRepository } from '../../server/db/search-repository.ts'
import type { SearchCriteria, SearchSort } from '../../server/db/search-repository.ts'
import { foldWords } from '../../server/services/search/fold.ts'
import { indexRecords } from '../../server/services/search/index-build.ts'
import { createSearchEngine } from '../../server/services/search/search-engine.ts'
import type { SearchFilters } from '../../server/services/search/search-engine.ts'
import { refreshSearchFields, searchFields } from '../../server/services/search/search-fields.ts'
import { recordRepository } from '../../server/db/record-repository.ts'
import { searchService } from '../../server/services/search/search-service.ts'
import { browseRepository } from '../../server/db/browse-repository.ts'
import { rebuildNewArrivals } from '../../server/db/new-arrival-repository.ts'
import { addDays } from '../../server/services/calendar-service.ts'
import type { SearchService } from '../../server/services/search/search-service.ts'

/** A schema of the test database server (TEST_DATABASE_SERVER) for a bench. */
export function benchDatabaseUrl(name: string): string {
  if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) throw new Error('--database: letters, digits and _')
  const server = process.env.TEST_DATABASE_SERVER || 'mysql://root@127.0.0.1:3306'
  return `${server.replace(/\/+$/, '')}/${name}`
}

export interface BenchOptions {
  records: number
  /** Measured queries (default 2000); the warm-up runs a quarter as many others. */
  queries?: number
  seed?: number
  /** mysql://user:pass@host:port/database of the bench schema. */
  databaseUrl?: string
  /** Keep the loaded catalogue if the schema already has this one (same records and seed). */
  reuse?: boolean
  /** With reuse: rebuild the search index (and report that build time). */
  reindex?: boolean
  /** Queries also run as LIKE scans (default 50). */
  likeSample?: number
  /** Clients for the throughput run (default 4). */
  concurrency?: number
  /** Only the kinds starting with one of these (default all). */
  kinds?: readonly string[]
  log?: (line: string) => void
}

export interface BenchResult {
  records: number
  queries: number
  p50_ms: number
  p95_ms: number
  p99_ms: number
  qps: number
  pk_lookup_p95_ms: number
  like_scan_p95_ms: number
  load_s: number
  rss_mb: number
}

export interface BenchDetails {
  result: BenchResult
  /** LIKE-scan answers that differed from the index's (should be 0). */
  mismatches: number
  loadSeconds: { records: number; index: number; reused: boolean }
  indexBytes: number
  byKind: Record<string, { n: number; p50_ms: number; p95_ms: number }>
  cacheBytes: number
  rssPeakMb: number
}

const PER_PAGE = 10
/** The bench's today: copies were acquired in the two years before it. */
const BENCH_TODAY = '2026-11-23'
const BENCH_VERSION = 3

// ---------------------------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------------------------

// The demo loader's seeded PRNG, so the bench and the demo draw the same way.

const pick = <T>(rng: Rng, items: readonly T[]): T => {
  const item = items[Math.floor(rng() * items.length)]
  if (item === undefined) throw new Error('pick: no items')
  return item
}

function weighted<T>(rng: Rng, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((s, [, w]) => s + w, 0)
  let r = rng() * total
  for (const [item, w] of items) {
    r -= w
    if (r < 0) return item
  }
  const last = items[items.length - 1]
  if (!last) throw new Error('weighted: no items')
  return last[0]
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i] ?? 0
}

const round = (v: number, digits = 2) => Number(v.toFixed(digits))
const sinceSeconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1)

// ---------------------------------------------------------------------------------------------
// The generated catalogue
// ---------------------------------------------------------------------------------------------

const BRANCHES = [
  ['main', '本館', 40],
  ['east', '東分館', 12],
  ['west', '西分館', 12],
  ['north', '北分館', 12],
  ['south', '南分館', 12],
  ['kids', 'こども図書館', 12],
] as const

const STATUS_WEIGHTS: readonly (readonly [CopyStatus, number])[] = [
  ['available', 78],
  ['on_loan', 17],
  ['on_hold_shelf', 1],
  ['in_transit', 2],
  ['in_repair', 1],
  ['missing', 1],
]
if (STATUS_WEIGHTS.some(([s]) => !COPY_STATUSES.includes(s))) throw new Error('copy statuses')

function isbn13(body12: string): string {
  let sum = 0
  for (let i = 0; i < 12; i++) sum += Number(body12[i]) * (i % 2 === 0 ? 1 : 3)
  return `${body12}${(10 - (sum % 10)) % 10}`
}

/** The ISBN the generator gives record number i (or null), known to the query mix too. */
function benchIsbn(i: number, rng: Rng): string | null {
  return rng() < 0.8 ? isbn13(`9784${String(i).padStart(8, '0')}`) : null
}

interface GeneratedRecord extends SearchableRecord {
  id: number
  pub_year: number | null
  isbn: string | null
  ndc: string
  material_type: MaterialType
}

function generateRecord(i: number, rows: readonly CatalogueRow[], rng: Rng): GeneratedRecord {
  const a = pick(rng, rows) // title, reading, subjects, material
  const b = pick(rng, rows) // author
  const c = pick(rng, rows) // publisher
  const subtitleRow = rng() < 0.25 ? pick(rng, rows) : undefined
  const seriesRow = rng() < 0.15 ? pick(rng, rows) : undefined
  let year: number | null
  if (a.pub_year !== null && rng() < 0.5) year = a.pub_year
  else if (rng() < 0.04) year = null
  else year = 2026 - Math.floor(Math.pow(rng(), 1.6) * 100)
  return {
    id: i + 1,
    title: a.title,
    title_reading: a.title_reading,
    subtitle: subtitleRow?.subtitle || '',
    series_title: seriesRow?.series_title || '',
    author: b.author,
    author_reading: b.author_reading,
    publisher: c.publisher,
    subjects: a.subjects,
    pub_year: year,
    isbn: benchIsbn(i, rng),
    ndc: rng() < 0.8 ? a.ndc : pick(rng, rows).ndc,
    material_type: a.material_type,
  }
}

export interface LoadInfo {
  libraryId: number
  branchIds: number[]
  recordSeconds: number
  indexSeconds: number
  indexBytes: number
  reused: boolean
}

/**
 * Generates `records` records (and 1–5 copies each) from the demo catalogue's rows into a
 * new library "bench" of `marker` settings, without a search index (the OAI-PMH and HTTP
 * benches read them so).
 */
export async function insertCatalogue(
  db: Db,
  rows: readonly CatalogueRow[],
  records: number,
  seed: number,
  marker: string,
  log: (line: string) => void,
): Promise<{ libraryId: number; branchIds: number[]; recordSeconds: number }> {
  const started = performance.now()
  const inserted = await db
    .insertInto('library')
    .values({ slug: 'bench', name: 'ベンチ市立図書館', rules_preset: 'A', settings_json: marker })
    .executeTakeFirstOrThrow()
  const libraryId = Number(inserted.insertId)
  await db
    .insertInto('branch')
    .values(
      BRANCHES.map(([code, name], i) => ({
        library_id: libraryId,
        code,
        name,
        sort_order: i + 1,
      })),
    )
    .execute()
  const branchRows = await db
    .selectFrom('branch')
    .select(['id', 'code'])
    .where('library_id', '=', libraryId)
    .orderBy('sort_order')
    .execute()
  const branchIds = branchRows.map((b) => b.id)
  const branchWeights = BRANCHES.map(([, , w], i) => [branchIds[i] ?? 0, w] as const)

  // Records and copies, generated chunk by chunk on one connection (bulk-load session:
  // foreign and unique checks off — the generator makes them consistent); the next chunk is
  // generated while the server stores the previous one.
  const rng = mulberry32(seed)
  const CHUNK = 2000
  let barcode = 0
  await db.connection().execute(async (conn) => {
    await sql`SET foreign_key_checks = 0, unique_checks = 0`.execute(conn)
    let pending: Promise<unknown> = Promise.resolve()
    for (let from = 0; from < records; from += CHUNK) {
      const recs: GeneratedRecord[] = []
      for (let i = from; i < Math.min(records, from + CHUNK); i++) {
        recs.push(generateRecord(i, rows, rng))
      }
      const copies: {
        library_id: number
        record_id: number
        branch_id: number
        barcode: string
        call_number: string
        shelf_location: 'general'
        status: CopyStatus
        reference_only: number
        acquired_on: string
      }[] = []
      for (const r of recs) {
        const n = weighted(rng, [
          [1, 30],
          [2, 30],
          [3, 20],
          [4, 12],
          [5, 8],
        ])
        for (let k = 0; k < n; k++) {
          copies.push({
            library_id: libraryId,
            record_id: r.id,
            branch_id: weighted(rng, branchWeights),
            barcode: `B${String(++barcode).padStart(9, '0')}`,
            call_number: r.ndc,
            shelf_location: 'general',
            status: weighted(rng, STATUS_WEIGHTS),
            reference_only: rng() < 0.03 ? 1 : 0,
            // the last two years, for 新着 (browse:new)
            acquired_on: addDays(BENCH_TODAY, -Math.floor(rng() * 730)),
          })
        }
      }
      await pending
      pending = (async () => {
        await conn
          .insertInto('record')
          .values(
            recs.map((r) => ({
              ...r,
              library_id: libraryId,
              source: 'bench',
              source_id: String(r.id),
              ...searchFields(r),
            })),
          )
          .execute()
        await conn.insertInto('copy').values(copies).execute()
      })()
      if ((from / CHUNK) % 50 === 0 && from > 0) log(`  ${from} records loaded`)
    }
    await pending
    await sql`SET foreign_key_checks = 1, unique_checks = 1`.execute(conn)
  })
  await db.transaction().execute((trx) => rebuildNewArrivals(trx, libraryId))
  await sql`ANALYZE TABLE record, copy, new_arrival`.execute(db)
  const recordSeconds = (performance.now() - started) / 1000
  log(`records and copies loaded in ${recordSeconds.toFixed(1)} s`)
  return { libraryId, branchIds, recordSeconds }
}

export async function loadCatalogue(
  db: Db,
  rows: readonly CatalogueRow[],
  records: number,
  seed: number,
  reuse: boolean,
  reindex: boolean,
  log: (line: string) => void,
): Promise<LoadInfo> {
  const marker = JSON.stringify({ bench: { records, seed, version: BENCH_VERSION } })
  if (reuse) {
    const lib = await db
      .selectFrom('library')
      .select(['id', 'settings_json'])
      .where('slug', '=', 'bench')
      .executeTakeFirst()
    const state = lib
      ? await db
          .selectFrom('search_state')
          .select('gen')
          .where('library_id', '=', lib.id)
          .executeTakeFirst()
      : undefined
    if (lib && state && state.gen > 0) {
      const stored = JSON.parse(lib.settings_json) as {
        bench?: { records: number; seed: number; version: number }
        load?: { records: number; index: number; bytes: number }
      }
      if (JSON.stringify({ bench: stored.bench }) === marker && stored.load) {
        const branches = await db
          .selectFrom('branch')
          .select('id')
          .where('library_id', '=', lib.id)
          .orderBy('sort_order')
          .execute()
        log(`reusing the loaded catalogue (library ${lib.id})`)
        // search columns of an older SEARCH_VERSION recomputed, as the app does at start-up;
        // an index of an older format rebuilt
        const t0 = performance.now()
        const refreshed = await refreshSearchFields(recordRepository(db), {
          log: (msg) => log(`  ${msg}`),
        })
        if (refreshed) {
          log(`search fields of ${refreshed} records refreshed in ${sinceSeconds(t0)} s`)
        }
        const status = await createSearchEngine({ db }).status(lib.id)
        let index = { seconds: stored.load.index, bytes: stored.load.bytes }
        if (reindex || status !== 'current') {
          index = await indexRecords(db, lib.id, { graceMs: 0, log: (msg) => log(`  ${msg}`) })
          log(
            `index rebuilt in ${index.seconds.toFixed(1)} s (${(index.bytes / 1e6).toFixed(0)} MB)`,
          )
          await db
            .updateTable('library')
            .set({
              settings_json: JSON.stringify({
                bench: stored.bench,
                load: { records: stored.load.records, index: index.seconds, bytes: index.bytes },
              }),
            })
            .where('id', '=', lib.id)
            .execute()
        }
        return {
          libraryId: lib.id,
          branchIds: branches.map((b) => b.id),
          recordSeconds: stored.load.records,
          indexSeconds: index.seconds,
          indexBytes: index.bytes,
          reused: true,
        }
      }
    }
    throw new Error('--reuse: the schema does not hold this catalogue; run without --reuse')
  }

  const { libraryId, branchIds, recordSeconds } = await insertCatalogue(
    db,
    rows,
    records,
    seed,
    marker,
    log,
  )

  const built = await indexRecords(db, libraryId, {
    graceMs: 0,
    log: (msg) => log(`  ${msg}`),
  })
  log(`index built in ${built.seconds.toFixed(1)} s (${(built.bytes / 1e6).toFixed(0)} MB)`)
  await db
    .updateTable('library')
    .set({
      settings_json: JSON.stringify({
        ...(JSON.parse(marker) as object),
        load: { records: recordSeconds, index: built.seconds, bytes: built.bytes },
      }),
    })
    .where('id', '=', libraryId)
    .execute()
  return {
    libraryId,
    branchIds,
    recordSeconds,
    indexSeconds: built.seconds,
    indexBytes: built.bytes,
    reused: false,
  }
}

// ---------------------------------------------------------------------------------------------
// The query mix
// ---------------------------------------------------------------------------------------------

export interface BenchQuery {
  kind: string
  text: string
  page: number
  filters: SearchFilters
  /** A detailed search's field (部分一致 unless mode says otherwise), with or without free words. */
  field?: { name: 'title' | 'author'; text: string; mode?: 'prefix' | 'exact' }
  /** A subject heading (件名) searched, with or without free words. */
  subject?: string
  /** A call-number prefix (請求記号) searched, with or without free words. */
  call?: string
  sort: SearchSort
}

const KANJI_RUN = /[\p{Script=Han}々]+/gu
const HIRAGANA_RUN = /[\p{Script=Hiragana}ー]{2,}/gu
const KATAKANA_RUN = /[\p{Script=Katakana}ー]{2,}/gu
const LATIN_WORD = /[A-Za-z]{3,}/g
const FULL_KANA =
  'アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンァィゥェォッャュョー'
const HALF_KANA = 'ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｧｨｩｪｫｯｬｭｮｰ'

/** Katakana as a keitai patron types it: half-width (ｶﾞ for ガ). */
function halfWidth(text: string): string {
  let out = ''
  for (const ch of text.normalize('NFD')) {
    const i = FULL_KANA.indexOf(ch)
    if (i >= 0) out += HALF_KANA[i] ?? ch
    else if (ch === '\u3099') out += 'ﾞ'
    else if (ch === '\u309a') out += 'ﾟ'
    else out += ch
  }
  return out
}

const toKatakana = (text: string) =>
  text.replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60))
const toHiragana = (text: string) =>
  text.replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60))

function cut(rng: Rng, text: string, min: number, max: number): string {
  const chars = Array.from(text)
  if (chars.length <= min) return chars.join('')
  const len = Math.min(chars.length, min + Math.floor(rng() * (max - min + 1)))
  const start = Math.floor(rng() * (chars.length - len + 1))
  return chars.slice(start, start + len).join('')
}

function runs(text: string, pattern: RegExp): string[] {
  return Array.from(text.normalize('NFKC').matchAll(pattern), (m) => m[0])
}

/** One search term taken from a real row, of the given kind; '' when the row has none. */
function term(rng: Rng, row: CatalogueRow, kind: string): string {
  switch (kind) {
    case 'kanji': {
      const r = runs(row.title, KANJI_RUN)
      return r.length ? cut(rng, pick(rng, r), 2, 4) : ''
    }
    case 'title': // a whole title as typed (long words, punctuation and all)
      return row.title.normalize('NFKC').split(/\s+/)[0] ?? ''
    case 'kana': {
      const r = [...runs(row.title, HIRAGANA_RUN), ...runs(row.title, KATAKANA_RUN)]
      return r.length ? cut(rng, pick(rng, r), 2, 6) : ''
    }
    case 'reading': {
      const words = row.title_reading.normalize('NFKC').split(/\s+/).filter(Boolean)
      if (!words.length) return ''
      const w = cut(rng, pick(rng, words), 2, 8)
      return rng() < 0.5 ? toHiragana(w) : toKatakana(w)
    }
    case 'halfwidth': {
      const words = row.title_reading.normalize('NFKC').split(/\s+/).filter(Boolean)
      return words.length ? halfWidth(toKatakana(cut(rng, pick(rng, words), 2, 8))) : ''
    }
    case 'author': {
      const parts = row.author
        .normalize('NFKC')
        .split(/[\s,，]+/)
        .filter(Boolean)
      if (!parts.length) return ''
      return rng() < 0.5 ? parts.join('') : (parts[0] ?? '')
    }
    case 'publisher':
      return cut(rng, row.publisher.normalize('NFKC').replace(/\s+/g, ''), 2, 4)
    case 'char': {
      const chars = Array.from(row.title).filter((c) =>
        /[\p{Script=Han}\p{Script=Hiragana}]/u.test(c),
      )
      return chars.length ? pick(rng, chars) : ''
    }
    case 'latin': {
      const r = runs(row.title, LATIN_WORD)
      return r.length ? pick(rng, r).toLowerCase() : ''
    }
    default:
      return ''
  }
}

const SINGLE_KINDS: readonly (readonly [string, number])[] = [
  ['kanji', 27],
  ['title', 6],
  ['kana', 9],
  ['reading', 8],
  ['halfwidth', 4],
  ['author', 13],
  ['publisher', 4],
  ['char', 8],
  ['latin', 3],
]

const COMMON_CHARS = ['の', '日', '本', '人', '子', 'と', '記', '心', '花', '山']

function randomFilters(
  rng: Rng,
  rows: readonly CatalogueRow[],
  branchIds: readonly number[],
): SearchFilters {
  const f: SearchFilters = {}
  const n = weighted(rng, [
    [1, 60],
    [2, 30],
    [3, 10],
  ])
  for (let k = 0; k < n; k++) {
    switch (
      weighted(rng, [
        ['material', 20],
        ['years', 25],
        ['ndc', 20],
        ['branch', 20],
        ['available', 25],
      ] as const)
    ) {
      case 'material':
        f.materialTypes = [
          weighted<MaterialType>(rng, [
            ['book', 75],
            ['cd', 10],
            ['kamishibai', 8],
            ['dvd', 7],
          ]),
        ]
        break
      case 'years': {
        const from = 1900 + Math.floor(rng() * 12) * 10
        if (rng() < 0.5) f.yearFrom = from
        else {
          f.yearFrom = from
          f.yearTo = from + 9 + Math.floor(rng() * 3) * 10
        }
        break
      }
      case 'ndc': {
        let ndc = '913'
        for (let tries = 0; tries < 50; tries++) {
          const candidate = pick(rng, rows).ndc
          if (/^\d{3}/.test(candidate)) {
            ndc = candidate
            break
          }
        }
        f.ndcPrefix = ndc.slice(0, 1 + Math.floor(rng() * 3))
        break
      }
      case 'branch':
        f.branchId = pick(rng, branchIds)
        break
      case 'available':
        f.availableNow = true
        break
    }
  }
  return f
}

/** The fixed query mix for a seed (the warm-up uses another seed). */
export function queryMix(
  rows: readonly CatalogueRow[],
  count: number,
  seed: number,
  records: number,
  branchIds: readonly number[],
): BenchQuery[] {
  const rng = mulberry32(seed ^ 0x5eed)
  const out: BenchQuery[] = []
  const withSubjects = rows.filter((r) => r.subjects.trim() !== '')
  while (out.length < count) {
    const shape = weighted(rng, [
      ['single', 56],
      ['multi', 22],
      ['isbn', 5],
      ['deep', 8],
      ['detailed', 9],
      ['subject', 4],
      ['call', 3],
    ] as const)
    let kind: string = shape
    let text = ''
    let filters: SearchFilters = {}
    let page = 1
    let field: BenchQuery['field']
    let sort: SearchSort = 'relevance'
    let subject: string | undefined
    let call: string | undefined
    if (shape === 'subject') {
      // 件名: one heading of a record that has some, sometimes with a free word
      if (withSubjects.length === 0) continue
      const row = pick(rng, withSubjects)
      const headings = row.subjects
        .split(/[;；／/]/)
        .map((h) => h.trim())
        .filter(Boolean)
      if (!headings.length) continue
      subject = cut(rng, pick(rng, headings).normalize('NFKC').replace(/\s+/g, ''), 2, 6)
      if (foldWords(subject).length === 0) continue
      if (rng() < 0.3) text = term(rng, pick(rng, rows), 'char')
    } else if (shape === 'call') {
      // 請求記号: a class, division or section number, sometimes with a free word
      const ndc = pick(rng, rows).ndc
      if (!/^[0-9]{3}/.test(ndc)) continue
      call = ndc.slice(0, 1 + Math.floor(rng() * 3))
      if (rng() < 0.4) text = term(rng, pick(rng, rows), 'kanji')
    } else if (shape === 'detailed') {
      // 詳細検索: a title or author field, sometimes with a free word, sorted as chosen
      const row = pick(rng, rows)
      const name = rng() < 0.6 ? 'title' : 'author'
      field = { name, text: term(rng, row, name === 'title' ? 'kanji' : 'author') }
      if (rng() < 0.3) text = term(rng, row, 'publisher')
      sort = weighted<SearchSort>(rng, [
        ['relevance', 40],
        ['title', 25],
        ['author', 10],
        ['year_desc', 15],
        ['year_asc', 10],
      ])
      if (foldWords(field.text).length === 0) continue
      kind = `detailed:${name}`
    } else if (shape === 'isbn') {
      // a detailed search by ISBN: mostly of a record the generator made
      const i = Math.floor(rng() * records * 1.2)
      filters = { isbn: isbn13(`9784${String(i).padStart(8, '0')}`) }
    } else if (shape === 'deep') {
      text = rng() < 0.6 ? pick(rng, COMMON_CHARS) : term(rng, pick(rng, rows), 'kanji')
      page = 10 + Math.floor(rng() * 991)
    } else if (shape === 'single') {
      kind = weighted(rng, SINGLE_KINDS)
      text = term(rng, pick(rng, rows), kind)
    } else {
      const same = rng() < 0.7
      const row = pick(rng, rows)
      const n = rng() < 0.75 ? 2 : 3
      const parts: string[] = []
      for (let k = 0; k < n; k++) {
        const kindK = weighted(rng, SINGLE_KINDS)
        const part = term(rng, same ? row : pick(rng, rows), kindK)
        if (part) parts.push(part)
      }
      text = parts.join(rng() < 0.8 ? ' ' : '　')
      kind = parts.length > 1 ? 'multi' : 'single'
    }
    const fieldOnly =
      shape === 'isbn' || shape === 'detailed' || shape === 'subject' || shape === 'call'
    if (!fieldOnly && foldWords(text).length === 0) continue
    if (shape !== 'isbn' && rng() < 0.25) filters = randomFilters(rng, rows, branchIds)
    if (shape !== 'deep') {
      page = weighted(rng, [
        [1, 85],
        [2, 8],
        [3, 4],
        [5, 3],
      ])
    }
    if (Object.keys(filters).length > 0 && shape !== 'isbn') kind = `${kind}+filters`
    out.push({ kind, text, page, filters, field, sort, subject, call })
  }
  return out
}

/**
 * Title 前方一致 and 完全一致 on the title proper (詳細検索): a whole title, or its first two to
 * four characters, and one time in five one character (the first of the title; for 完全一致
 * one that is a whole title somewhere: 鼻, 雁, 心 …), in 適合順 mostly. Drawn with a seed of
 * their own, so that adding them left the rest of the mix as it was.
 */
export function titleModeMix(rows: readonly CatalogueRow[], count: number, seed: number) {
  const rng = mulberry32(seed ^ 0x7171e)
  const oneCharTitles = rows
    .map((r) => r.title.normalize('NFKC').trim())
    .filter((t) => Array.from(t).length === 1)
  const out: BenchQuery[] = []
  while (out.length < count) {
    const row = pick(rng, rows)
    const mode = rng() < 0.5 ? 'prefix' : 'exact'
    const title = row.title.normalize('NFKC').split(/\s+/)[0] ?? ''
    const one = rng() < 0.2
    const chars = Array.from(title)
    let text: string
    if (!one) text = mode === 'exact' ? title : chars.slice(0, 2 + Math.floor(rng() * 3)).join('')
    else if (mode === 'exact' && oneCharTitles.length) text = pick(rng, oneCharTitles)
    else text = chars[0] ?? ''
    if (foldWords(text).length === 0) continue
    const sort = weighted<SearchSort>(rng, [
      ['relevance', 70],
      ['title', 15],
      ['year_desc', 15],
    ])
    out.push({
      kind: `title:${mode}${one ? '1' : ''}`,
      text: '',
      page: 1,
      filters: {},
      field: { name: 'title', text, mode },
      sort,
    })
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

/** The folded criteria of a query, as catalogue-service's searchCriteria makes them. */
export function criteriaOf(q: BenchQuery): SearchCriteria {
  const words = foldWords(q.text)
  const f = q.filters
  const c: SearchCriteria = {
    words,
    rankText: words.join(''),
    materialTypes: f.materialTypes ? [...f.materialTypes] : undefined,
    yearFrom: f.yearFrom,
    yearTo: f.yearTo,
    ndc: f.ndcPrefix,
    branchId: f.branchId,
    availableOnly: f.availableNow,
    isbn: f.isbn,
  }
  if (q.field?.name === 'title') {
    c.title = { words: foldWords(q.field.text), mode: q.field.mode ?? 'contains' }
    if (!c.rankText) c.rankText = c.title.words.join('')
  }
  if (q.field?.name === 'author') c.author = foldWords(q.field.text)
  if (q.subject) c.subject = foldWords(q.subject)
  if (q.call) c.callNumberPrefix = q.call.toUpperCase()
  return c
}

/** One query as the app runs it (the search service's search: the page's hits and total). */
async function run(search: SearchService, libraryId: number, q: BenchQuery) {
  const { total, hits } = await search.search(libraryId, criteriaOf(q), q.sort, {
    offset: (q.page - 1) * PER_PAGE,
    limit: PER_PAGE,
  })
  return { total, ids: hits.map((h) => h.id) }
}

export async function runSearchBench(options: BenchOptions): Promise<BenchDetails> {
  const log = options.log ?? (() => undefined)
  const records = options.records
  const queryCount = options.queries ?? 2000
  const seed = options.seed ?? 20261123
  const url = options.databaseUrl ?? benchDatabaseUrl('opac_bench')
  let rssPeak = 0
  const sampleRss = () => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
  }
  const rssTimer = setInterval(sampleRss, 200)
  try {
    if (!options.reuse) await dropDatabase(url)
    await ensureDatabase(url)
    await migrate(url)
    const db = createDb(url, 10)
    try {
      const rows = readCatalogue()
      const load = await loadCatalogue(
        db,
        rows,
        records,
        seed,
        options.reuse ?? false,
        options.reindex ?? false,
        log,
      )
      const loadSeconds = load.recordSeconds + load.indexSeconds

      const wanted = (kind: string) =>
        !options.kinds || options.kinds.some((k) => kind.startsWith(k))
      const mix = [
        ...queryMix(rows, queryCount, seed, records, load.branchIds),
        ...titleModeMix(rows, Math.ceil(queryCount / 20), seed),
      ].filter((q) => wanted(q.kind))
      const warmup = [
        ...queryMix(rows, Math.ceil(queryCount / 4), seed + 1, records, load.branchIds),
        ...titleModeMix(rows, Math.ceil(queryCount / 80), seed + 1),
      ]
      log(`warm-up: ${warmup.length} queries`)
      const engine = createSearchEngine({ db })
      const indexed = searchService({ repository: searchRepository(db), engine })
      const scanning = searchService({ repository: searchRepository(db) })
      for (const q of warmup) await run(indexed, load.libraryId, q)

      log(`measuring: ${mix.length} queries, one client`)
      const times: number[] = []
      const byKind = new Map<string, number[]>()
      const answers: { total: number; ids: number[] }[] = []
      const started = performance.now()
      for (const q of mix) {
        const t0 = performance.now()
        answers.push(await run(indexed, load.libraryId, q))
        const ms = performance.now() - t0
        times.push(ms)
        const list = byKind.get(q.kind) ?? []
        list.push(ms)
        byKind.set(q.kind, list)
      }
      const sequentialSeconds = (performance.now() - started) / 1000

      const concurrency = options.concurrency ?? 4
      log(`throughput: the same queries, ${concurrency} clients`)
      let nextQuery = 0
      const throughputStarted = performance.now()
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (;;) {
            const q = mix[nextQuery++]
            if (!q) return
            await run(indexed, load.libraryId, q)
          }
        }),
      )
      const throughputSeconds = (performance.now() - throughputStarted) / 1000

      log('primary-key lookups')
      const pkRng = mulberry32(seed + 2)
      const pkTimes: number[] = []
      const firstId = await db
        .selectFrom('record')
        .select((eb) => eb.fn.min('id').as('id'))
        .where('library_id', '=', load.libraryId)
        .executeTakeFirstOrThrow()
      for (let i = 0; i < Math.max(200, queryCount); i++) {
        const id = Number(firstId.id) + Math.floor(pkRng() * records)
        const t0 = performance.now()
        await db
          .selectFrom('record')
          .selectAll()
          .where('library_id', '=', load.libraryId)
          .where('id', '=', id)
          .executeTakeFirst()
        pkTimes.push(performance.now() - t0)
      }

      log('browse counts: 分類から探す and 新着')
      const browse = browseRepository(db)
      const browseRng = mulberry32(seed + 4)
      const since = addDays(BENCH_TODAY, -30)
      // as the app counts 分類から探す: from the search index (browse-service's indexedNdcCounts)
      const ndcCounts = async (notation: string) =>
        (await engine.ndcCounts(load.libraryId, notation)) ??
        browse.ndcCounts(load.libraryId, notation)
      const browseKinds: [string, () => Promise<unknown>][] = [
        ['browse:ndc', () => ndcCounts('')],
        ['browse:ndc-class', () => ndcCounts(String(digit()))],
        ['browse:new', () => browse.newArrivals(load.libraryId, since, null, 0, PER_PAGE)],
        [
          'browse:new-class',
          () => browse.newArrivals(load.libraryId, since, String(digit()), 0, PER_PAGE),
        ],
      ]
      const digit = () => Math.floor(browseRng() * 10)
      // the facet counts of a result list: the first plain queries of the mix
      const facetQueries = queryMix(rows, queryCount, seed, records, load.branchIds)
        .filter((q) => /^(single|multi)/.test(q.kind))
        .slice(0, Math.max(10, Math.round(queryCount / 20)))
      let nextFacets = 0
      browseKinds.push([
        'facets',
        () => {
          const q = facetQueries[nextFacets++ % facetQueries.length]
          return q ? indexed.facets(load.libraryId, criteriaOf(q)) : Promise.resolve()
        },
      ])
      for (const [kind, call] of browseKinds) {
        if (!wanted(kind)) continue
        const list: number[] = []
        const runs =
          kind === 'facets' ? facetQueries.length : Math.max(10, Math.round(queryCount / 100))
        for (let i = 0; i < runs; i++) {
          const t0 = performance.now()
          await call()
          list.push(performance.now() - t0)
        }
        byKind.set(kind, list)
      }

      const sampleSize = Math.min(options.likeSample ?? 50, mix.length)
      log(`LIKE scans: ${sampleSize} of the queries`)
      const likeRng = mulberry32(seed + 3)
      const likeTimes: number[] = []
      let mismatches = 0
      const chosen = new Set<number>()
      while (chosen.size < sampleSize) chosen.add(Math.floor(likeRng() * mix.length))
      for (const i of [...chosen].sort((a, b) => a - b)) {
        const q = mix[i]
        if (!q) continue
        const t0 = performance.now()
        const like = await run(scanning, load.libraryId, q)
        likeTimes.push(performance.now() - t0)
        const answer = answers[i]
        if (!answer || answer.total !== like.total || answer.ids.join() !== like.ids.join()) {
          mismatches++
          log(
            `  MISMATCH ${JSON.stringify(q)}: index ${JSON.stringify(answer)} LIKE ${JSON.stringify(like)}`,
          )
        }
      }

      sampleRss()
      const sorted = [...times].sort((a, b) => a - b)
      const result: BenchResult = {
        records,
        queries: mix.length,
        p50_ms: round(percentile(sorted, 50)),
        p95_ms: round(percentile(sorted, 95)),
        p99_ms: round(percentile(sorted, 99)),
        qps: round(mix.length / throughputSeconds, 1),
        pk_lookup_p95_ms: round(
          percentile(
            [...pkTimes].sort((a, b) => a - b),
            95,
          ),
          3,
        ),
        like_scan_p95_ms: round(
          percentile(
            [...likeTimes].sort((a, b) => a - b),
            95,
          ),
          1,
        ),
        load_s: round(loadSeconds, 1),
        rss_mb: round(process.memoryUsage().rss / 1024 / 1024, 0),
      }
      const kinds: BenchDetails['byKind'] = {}
      for (const [kind, list] of [...byKind].sort()) {
        const s = [...list].sort((a, b) => a - b)
        kinds[kind] = {
          n: s.length,
          p50_ms: round(percentile(s, 50)),
          p95_ms: round(percentile(s, 95)),
        }
      }
      log(`one client: ${(mix.length / sequentialSeconds).toFixed(1)} queries/s`)
      return {
        result,
        mismatches,
        loadSeconds: { records: load.recordSeconds, index: load.indexSeconds, reused: load.reused },
        indexBytes: load.indexBytes,
        byKind: kinds,
        cacheBytes: engine.cacheInfo().bytes,
        rssPeakMb: Math.round(rssPeak / 1024 / 1024),
      }
    } finally {
      await db.destroy()
    }
  } finally {
    clearInterval(rssTimer)
  }
}

function parseArgs(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = { records: 1_000_000 }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${arg} needs a value`)
      return v
    }
    const count = () => {
      const v = Number(value().replace(/_/g, ''))
      if (!Number.isInteger(v) || v < 1) throw new Error(`${arg}: a positive integer`)
      return v
    }
    if (arg === '--records') options.records = count()
    else if (arg === '--queries') options.queries = count()
    else if (arg === '--seed') options.seed = count()
    else if (arg === '--concurrency') options.concurrency = count()
    else if (arg === '--reuse') options.reuse = true
    else if (arg === '--reindex') options.reindex = true
    else if (arg === '--kinds') options.kinds = value().split(',').filter(Boolean)
    else if (arg === '--like') options.likeSample = count()
    else if (arg === '--database') {
      options.databaseUrl = benchDatabaseUrl(value())
    } else throw new Error(`unknown argument ${arg}`)
  }
  return options
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const options = parseArgs(process.argv.slice(2))
  const out = (line: string) => process.stdout.write(`${line}\n`)
  const details = await runSearchBench({ ...options, log: out })
  out(
    JSON.stringify({
      mismatches: details.mismatches,
      load: details.loadSeconds,
      index_mb: round(details.indexBytes / 1e6, 1),
      cache_mb: round(details.cacheBytes / 1024 / 1024, 1),
      rss_peak_mb: details.rssPeakMb,
      by_kind: details.byKind,
    }),
  )
  out(JSON.stringify(details.result))
}
