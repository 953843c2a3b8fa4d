// Loads the demo catalogue (sql/demo/catalogue.tsv.gz, built from real bibliographic data by
// build-demo-catalogue.ts) into two fictional library systems, with fictional branches, copies,
// patrons, loans and holds around it. Everything is deterministic: the same catalogue and the
// same `today` give the same rows. Dates that a rule decides (hold-shelf deadlines, the moment a
// hold becomes formal, renewed due dates) come from the rule services with the library's own
// settings and calendar, so the demo can never disagree with them. Each library loads in one transaction and is skipped when a
// library with its slug already exists, so running twice changes nothing.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import { recordRepository } from '../db/record-repository.ts'
import { refreshSearchFields, searchFields } from '../services/search/search-fields.ts'
import type {
  CopyStatus,
  HoldChannel,
  HoldStatus,
  MaterialType,
  NewBibRecord,
  Residency,
  ShelfLocation,
} from '../db/schema.ts'
import { AUDIO_VISUAL_TYPES, MATERIAL_TYPES } from '../db/schema.ts'
import { loadConfig } from '../config.ts'
import { tokyoDay, tokyoInstant, utcDateTime } from '../clock.ts'
import { inTransaction } from '../db/transaction.ts'
import { MAX_CLOSED_RUN_DAYS, addDays, libraryCalendar } from '../services/calendar-service.ts'
import type { LibraryCalendar } from '../services/calendar-service.ts'
import { holdFormalAt, pickupDeadline } from '../services/hold-rules.ts'
import { resolveSettings } from '../services/library-settings.ts'
import type { LibrarySettings } from '../services/library-settings.ts'
import { renewedDueDate } from '../services/renewal-service.ts'
import { demoClosedDays, lastOpeningDay, loadDemoAccounts } from './demo-accounts.ts'
import { fillCatalogueReadings } from './demo-readings.ts'
import { indexRecords } from '../services/search/index-build.ts'
import { rebuildNewArrivals } from '../db/new-arrival-repository.ts'
import { refreshPopularity } from '../db/search-index-repository.ts'
import type { ReadingFlags } from './demo-readings.ts'

// ---------------------------------------------------------------------------------------------
// The catalogue file format (shared with the converter)
// ---------------------------------------------------------------------------------------------

export const CATALOGUE_PATH = join(
  import.meta.dirname,
  '..',
  '..',
  'sql',
  'demo',
  'catalogue.tsv.gz',
)

export const CATALOGUE_COLUMNS = [
  'source',
  'source_id',
  'material_type',
  'title',
  'title_reading',
  'subtitle',
  'series_title',
  'author',
  'author_reading',
  'publisher',
  'pub_year',
  'isbn',
  'ndc',
  'extent',
  'subjects',
  'note',
  'children',
] as const

export interface CatalogueRow {
  source: string
  source_id: string
  material_type: MaterialType
  title: string
  title_reading: string
  subtitle: string
  series_title: string
  author: string
  author_reading: string
  publisher: string
  pub_year: number | null
  isbn: string | null
  ndc: string
  extent: string
  subjects: string
  note: string
  children: boolean
}

/** Escapes one TSV field: backslash, tab, newline and carriage return become \\ \t \n \r. */
export function escapeTsvField(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (ch) =>
    ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r',
  )
}

export function unescapeTsvField(value: string): string {
  if (!value.includes('\\')) return value
  return value.replace(/\\(.)/g, (_m, ch: string) =>
    ch === 't' ? '\t' : ch === 'n' ? '\n' : ch === 'r' ? '\r' : ch,
  )
}

export function formatCatalogueTsv(rows: readonly CatalogueRow[]): string {
  const lines = [CATALOGUE_COLUMNS.join('\t')]
  for (const row of rows) {
    lines.push(
      CATALOGUE_COLUMNS.map((column) => {
        const value = row[column]
        if (value === null) return ''
        if (typeof value === 'boolean') return value ? '1' : '0'
        return escapeTsvField(String(value))
      }).join('\t'),
    )
  }
  return lines.join('\n') + '\n'
}

const MATERIAL_TYPE_SET: ReadonlySet<string> = new Set(MATERIAL_TYPES)

export function parseCatalogueTsv(text: string): CatalogueRow[] {
  const lines = text.split('\n')
  const header = lines[0]?.split('\t') ?? []
  if (header.join('\t') !== CATALOGUE_COLUMNS.join('\t')) {
    throw new Error('catalogue.tsv: unexpected header line')
  }
  const rows: CatalogueRow[] = []
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]
    if (!line) continue
    const f = line.split('\t').map(unescapeTsvField)
    if (f.length !== CATALOGUE_COLUMNS.length) {
      throw new Error(`catalogue.tsv line ${i + 1}: ${f.length} fields`)
    }
    const get = (k: number): string => f[k] ?? ''
    const materialType = get(2)
    if (!MATERIAL_TYPE_SET.has(materialType)) {
      throw new Error(`catalogue.tsv line ${i + 1}: material type "${materialType}"`)
    }
    rows.push({
      source: get(0),
      source_id: get(1),
      material_type: materialType as MaterialType,
      title: get(3),
      title_reading: get(4),
      subtitle: get(5),
      series_title: get(6),
      author: get(7),
      author_reading: get(8),
      publisher: get(9),
      pub_year: get(10) === '' ? null : Number(get(10)),
      isbn: get(11) === '' ? null : get(11),
      ndc: get(12),
      extent: get(13),
      subjects: get(14),
      note: get(15),
      children: get(16) === '1',
    })
  }
  return rows
}

let cachedCatalogue: CatalogueRow[] | undefined

export function readCatalogue(path = CATALOGUE_PATH): CatalogueRow[] {
  if (path === CATALOGUE_PATH && cachedCatalogue) return cachedCatalogue
  const rows = parseCatalogueTsv(gunzipSync(readFileSync(path)).toString('utf8'))
  if (path === CATALOGUE_PATH) cachedCatalogue = rows
  return rows
}

// ---------------------------------------------------------------------------------------------
// The two fictional library systems
// ---------------------------------------------------------------------------------------------

interface DemoBranch {
  code: string
  name: string
  /** Share of the general collection shelved here (children's works use childrenWeight). */
  weight: number
  childrenWeight: number
  /** Fictional, like the libraries: for the branch pages. */
  address: string
  phone: string
  note: string
}

interface DemoLibrary {
  slug: string
  name: string
  rulesPreset: 'A' | 'B'
  phone: string
  sortOrder: number
  /** The library's own settings beside its preset (settings_json): its mail sender, hours. */
  settings: Record<string, unknown>
  /** First digits of every patron card number (10 digits in all). */
  cardPrefix: string
  /** First digits of every copy barcode (10 digits in all). */
  barcodePrefix: string
  branches: DemoBranch[]
}

export const DEMO_LIBRARIES: readonly DemoLibrary[] = [
  {
    slug: 'aoba',
    name: 'あおば市立図書館',
    rulesPreset: 'A',
    phone: '0465-00-0000',
    sortOrder: 1,
    settings: {
      mailFrom: 'opac@aoba-library.example.jp',
      openingHours: '9:00〜19:00（土・日・祝日は17:00まで）、月曜休館',
    },
    cardPrefix: '1101',
    barcodePrefix: '91',
    branches: [
      {
        code: 'central',
        name: '中央図書館',
        weight: 50,
        childrenWeight: 25,
        address: 'あおば市中央一丁目1番1号',
        phone: '0465-00-0000',
        note: '予約・相談・レファレンスはこちらへ。',
      },
      {
        code: 'east',
        name: '東分館',
        weight: 25,
        childrenWeight: 10,
        address: 'あおば市東町二丁目3番4号（東地区センター2階）',
        phone: '0465-00-0001',
        note: '',
      },
      {
        code: 'west',
        name: '西分館',
        weight: 25,
        childrenWeight: 10,
        address: 'あおば市西台五丁目6番7号',
        phone: '0465-00-0002',
        note: '',
      },
      {
        code: 'kids',
        name: 'こども図書館',
        weight: 0,
        childrenWeight: 55,
        address: 'あおば市中央一丁目2番1号',
        phone: '0465-00-0003',
        note: '絵本・児童書と紙芝居の図書館です。',
      },
    ],
  },
  {
    slug: 'minato',
    name: 'みなと市立図書館',
    rulesPreset: 'B',
    phone: '047-000-0000',
    sortOrder: 2,
    settings: {
      mailFrom: 'yoyaku@minato-library.example.jp',
      openingHours: '9:30〜18:00（金曜は19:00まで）、月曜休館',
    },
    cardPrefix: '2201',
    barcodePrefix: '92',
    branches: [
      {
        code: 'main',
        name: '本館',
        weight: 40,
        childrenWeight: 30,
        address: 'みなと市本町一丁目1番地',
        phone: '047-000-0000',
        note: 'パスワードの発行は本館と各分館のカウンターで受け付けます。',
      },
      {
        code: 'east',
        name: '東部分館',
        weight: 12,
        childrenWeight: 14,
        address: 'みなと市東部二丁目10番地',
        phone: '047-000-0001',
        note: '',
      },
      {
        code: 'west',
        name: '西部分館',
        weight: 12,
        childrenWeight: 14,
        address: 'みなと市西部三丁目5番地',
        phone: '047-000-0002',
        note: '',
      },
      {
        code: 'north',
        name: '北部分館',
        weight: 12,
        childrenWeight: 14,
        address: 'みなと市北部一丁目20番地',
        phone: '047-000-0003',
        note: '',
      },
      {
        code: 'south',
        name: '南部分館',
        weight: 12,
        childrenWeight: 14,
        address: 'みなと市南部四丁目8番地',
        phone: '047-000-0004',
        note: '',
      },
      {
        code: 'higashihatsutomi',
        name: '東初富分館',
        weight: 12,
        childrenWeight: 14,
        address: 'みなと市東初富六丁目1番地',
        phone: '047-000-0005',
        note: '',
      },
    ],
  },
]

/** Works both libraries hold whatever the sampling says (作品ID → copies). */
const POPULAR_AOZORA: ReadonlyMap<string, number> = new Map([
  ['000773', 8], // こころ
  ['000752', 6], // 坊っちゃん
  ['000301', 6], // 人間失格
  ['001567', 5], // 走れメロス
  ['000789', 5], // 吾輩は猫である
  ['000127', 5], // 羅生門
  ['000456', 5], // 銀河鉄道の夜
  ['000624', 4], // 山月記
  ['000628', 4], // ごん狐
  ['043754', 4], // 注文の多い料理店
  ['000424', 4], // 檸檬
  ['052016', 3], // 濹東綺譚
])

/** The work whose active holds make hold counts visible in the demo. */
const KOKORO = '000773'

const SHARE_HELD = 0.75
const CHUNK = 1000

// ---------------------------------------------------------------------------------------------
// Deterministic randomness and dates
// ---------------------------------------------------------------------------------------------

function fnv1a(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

export type Rng = () => number

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function rngFor(...parts: string[]): Rng {
  return mulberry32(fnv1a(parts.join('|')))
}

function intBetween(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1))
}

function pickWeighted<T>(rng: Rng, items: readonly T[], weight: (item: T) => number): T {
  const total = items.reduce((sum, item) => sum + weight(item), 0)
  let r = rng() * total
  for (const item of items) {
    r -= weight(item)
    if (r < 0) return item
  }
  const last = items[items.length - 1]
  if (last === undefined) throw new Error('pickWeighted: no items')
  return last
}

/** A Tokyo wall-clock time on a business date, as a UTC DATETIME string. */
function tokyoDateTime(day: string, hhmm: string): string {
  return utcDateTime(tokyoInstant(day, hhmm))
}

// ---------------------------------------------------------------------------------------------
// Shelving: call numbers and locations
// ---------------------------------------------------------------------------------------------

const SKIP_MARK_CHARS =
  /[\s\u3000「」『』【】〔〕［］（）()[\]<>〈〉《》"'“”‘’・.,、。:：;；!?！？…―—\-~～*＊#＃]/u

/** 著者記号: the first kana of the reading (as katakana), else the first character of the name. */
export function authorMark(author: string, reading: string, fallback = ''): string {
  for (const text of [reading, author, fallback]) {
    for (const raw of text.normalize('NFKC')) {
      if (SKIP_MARK_CHARS.test(raw)) continue
      const code = raw.codePointAt(0) ?? 0
      if (code >= 0x3041 && code <= 0x3096) return String.fromCodePoint(code + 0x60)
      if (/[a-z]/.test(raw)) return raw.toUpperCase()
      return raw
    }
  }
  return ''
}

/** The classification part of a call number: NDC to one decimal place (913, 007.6). */
function classPart(ndc: string): string {
  const m = /^(\d{3})(\.\d)?/.exec(ndc)
  return m ? `${m[1]}${m[2] ?? ''}` : ''
}

function joinCall(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/')
}

const REFERENCE_TITLE = /(辞典|事典|辞書|字典|年鑑|便覧|白書|名鑑|総覧|図鑑|要覧)/

type Shelving =
  'magazine' | 'kamishibai' | 'av' | 'reference' | 'stacks' | 'children' | 'ya' | 'general'

function shelvingOf(row: CatalogueRow, slug: string): Shelving {
  if (row.material_type === 'magazine') return 'magazine'
  if (row.material_type === 'kamishibai') return 'kamishibai'
  if (AUDIO_VISUAL_TYPES.includes(row.material_type)) return 'av'
  if (row.ndc.startsWith('03') || row.ndc.startsWith('059')) return 'reference'
  // Dictionaries, yearbooks and handbooks from the book catalogues (not Aozora's essays that
  // happen to say 辞典 in the title, nor literature).
  if (row.source !== 'aozora' && !row.ndc.startsWith('9') && REFERENCE_TITLE.test(row.title)) {
    return 'reference'
  }
  if (row.pub_year !== null && row.pub_year < 1926) return 'stacks'
  if (row.children) return 'children'
  if (
    (row.source === 'aozora' || row.source === 'ndl') &&
    row.ndc.startsWith('9') &&
    rngFor(slug, 'ya', row.source, row.source_id)() < 0.03
  ) {
    return 'ya'
  }
  return 'general'
}

const AV_PREFIX: Partial<Record<MaterialType, string>> = {
  cd: 'CD',
  dvd: 'DVD',
  video: 'V',
  cassette: 'CT',
}

function callNumberFor(row: CatalogueRow, shelving: Shelving): string {
  const mark = authorMark(row.author, row.author_reading, row.title_reading || row.title)
  const cls = classPart(row.ndc)
  switch (shelving) {
    case 'magazine':
      return ''
    case 'kamishibai':
      return joinCall('P', mark)
    case 'av':
      return joinCall(AV_PREFIX[row.material_type] ?? 'AV', cls, mark)
    case 'reference':
      return joinCall('R', cls, mark)
    case 'children':
      return joinCall(cls ? `K${cls}` : 'K', mark)
    case 'ya':
      return joinCall('YA', cls, mark)
    case 'stacks':
    case 'general':
      return joinCall(cls, mark)
  }
}

const LOCATION: Record<Shelving, ShelfLocation> = {
  magazine: 'magazine',
  kamishibai: 'kamishibai',
  av: 'audio_visual',
  reference: 'reference',
  stacks: 'stacks',
  children: 'children',
  ya: 'young_adult',
  general: 'general',
}

// ---------------------------------------------------------------------------------------------
// Planning one library (pure) and writing it (one transaction)
// ---------------------------------------------------------------------------------------------

interface PlannedCopy {
  recordKey: string
  branchCode: string
  barcode: string
  callNumber: string
  shelf: ShelfLocation
  status: CopyStatus
  referenceOnly: boolean
  issueLabel: string
  issueDate: string | null
  acquiredOn: string
  /** May a hold be placed on / trapped for this copy under the library's rules? */
  holdable: boolean
  children: boolean
}

interface PlannedPatron {
  cardNumber: string
  fullName: string
  fullNameReading: string
  birthDate: string
  residency: Residency
  disabilityService: boolean
  email: string | null
  demo: boolean
  /** Loans the demo scenario gives this patron (0 for background patrons: they get the rest). */
  loans: number
  overdue: number
  childrenOnly: boolean
}

interface PlannedLoan {
  barcode: string
  cardNumber: string
  loanedOn: string
  dueOn: string
  renewalCount: number
}

interface PlannedHold {
  recordKey: string
  cardNumber: string
  pickupBranchCode: string
  status: HoldStatus
  channel: HoldChannel
  contactMethod: 'none' | 'email'
  requestedAt: string
  formalAt: string | null
  trappedBarcode: string | null
  trappedAt: string | null
  pickupDeadline: string | null
}

interface LibraryPlan {
  settings: LibrarySettings
  calendar: LibraryCalendar
  records: NewBibRecordWithoutLibrary[]
  copies: PlannedCopy[]
  patrons: PlannedPatron[]
  loans: PlannedLoan[]
  holds: PlannedHold[]
}

type NewBibRecordWithoutLibrary = Omit<NewBibRecord, 'library_id'>

const keyOf = (source: string, sourceId: string): string => `${source}\u0000${sourceId}`

/** The fictional demo patrons (people, so invented names are right here). */
const DEMO_PATRONS: readonly Omit<PlannedPatron, 'cardNumber' | 'demo'>[] = [
  p('図書 太郎', 'トショ タロウ', '1980-04-01', 'resident', false, 'taro', 3, 1),
  p('図書 花子', 'トショ ハナコ', '1985-06-15', 'resident', false, 'hanako', 5, 0),
  p('本田 読子', 'ホンダ ヨミコ', '1972-11-03', 'worker', false, null, 2, 0),
  p('文庫 次郎', 'ブンコ ジロウ', '2003-02-20', 'student', false, 'jiro', 4, 0),
  {
    ...p('書架 さくら', 'ショカ サクラ', '2017-05-05', 'resident', false, null, 3, 0),
    childrenOnly: true,
  },
  {
    ...p('書架 こうた', 'ショカ コウタ', '2021-08-10', 'resident', false, null, 1, 0),
    childrenOnly: true,
  },
  p('目録 学', 'モクロク マナブ', '1960-01-25', 'non_resident', false, 'manabu', 0, 0),
  p('貸出 まどか', 'カシダシ マドカ', '1990-09-09', 'resident', true, null, 2, 0),
  p('返却 守', 'ヘンキャク マモル', '1955-03-30', 'resident', false, 'mamoru', 4, 3),
  p('予約 ゆき', 'ヨヤク ユキ', '1998-12-12', 'resident', false, 'yuki', 1, 0),
]

function p(
  fullName: string,
  fullNameReading: string,
  birthDate: string,
  residency: Residency,
  disabilityService: boolean,
  mailbox: string | null,
  loans: number,
  overdue: number,
): Omit<PlannedPatron, 'cardNumber' | 'demo'> {
  return {
    fullName,
    fullNameReading,
    birthDate,
    residency,
    disabilityService,
    email: mailbox ? `${mailbox}@example.jp` : null,
    loans,
    overdue,
    childrenOnly: false,
  }
}

// Name parts for background patrons (who carry the bulk of the loans); combined at random.
const SURNAMES: readonly [string, string][] = [
  ['佐藤', 'サトウ'],
  ['鈴木', 'スズキ'],
  ['高橋', 'タカハシ'],
  ['田中', 'タナカ'],
  ['伊藤', 'イトウ'],
  ['渡辺', 'ワタナベ'],
  ['山本', 'ヤマモト'],
  ['中村', 'ナカムラ'],
  ['小林', 'コバヤシ'],
  ['加藤', 'カトウ'],
  ['吉田', 'ヨシダ'],
  ['山田', 'ヤマダ'],
  ['松本', 'マツモト'],
  ['井上', 'イノウエ'],
  ['木村', 'キムラ'],
  ['清水', 'シミズ'],
]
const GIVEN_NAMES: readonly [string, string][] = [
  ['陽菜', 'ヒナ'],
  ['結衣', 'ユイ'],
  ['蓮', 'レン'],
  ['湊', 'ミナト'],
  ['大翔', 'ヒロト'],
  ['美咲', 'ミサキ'],
  ['健太', 'ケンタ'],
  ['拓也', 'タクヤ'],
  ['由美', 'ユミ'],
  ['恵子', 'ケイコ'],
  ['誠', 'マコト'],
  ['翔太', 'ショウタ'],
  ['陽子', 'ヨウコ'],
  ['直樹', 'ナオキ'],
  ['真由美', 'マユミ'],
  ['和也', 'カズヤ'],
]

/** The settings a demo library stores beside its preset (its own sender and hours). */
const demoSettingsJson = (lib: DemoLibrary) => JSON.stringify(lib.settings)

/**
 * The opening days the site will read for a demo library: the weekly closed days of its
 * settings and the calendar_day rows the loader inserts (年末年始).
 */
export function demoCalendar(settings: LibrarySettings, today: string): LibraryCalendar {
  return libraryCalendar(
    settings.closedWeekdays,
    demoClosedDays(today).map((day) => ({ day, is_open: 0 })),
  )
}

function planLibrary(
  lib: DemoLibrary,
  catalogue: readonly CatalogueRow[],
  today: string,
): LibraryPlan {
  const slug = lib.slug
  const settings = resolveSettings(lib.rulesPreset, demoSettingsJson(lib))
  const calendar = demoCalendar(settings, today)
  const mainBranch = lib.branches[0]
  if (!mainBranch) throw new Error(`${slug}: no branches`)

  // Records: about 75 % of the catalogue, plus the popular works; kamishibai and magazines always.
  const held = catalogue.filter(
    (row) =>
      row.source === 'kamishibai' ||
      row.material_type === 'magazine' ||
      (row.source === 'aozora' && POPULAR_AOZORA.has(row.source_id)) ||
      rngFor(slug, 'held', row.source, row.source_id)() < SHARE_HELD,
  )
  const records: NewBibRecordWithoutLibrary[] = held.map((row) => ({
    title: row.title,
    title_reading: row.title_reading,
    subtitle: row.subtitle,
    series_title: row.series_title,
    author: row.author,
    author_reading: row.author_reading,
    title_reading_generated:
      'title_reading_generated' in row && row.title_reading_generated ? 1 : 0,
    author_reading_generated:
      'author_reading_generated' in row && row.author_reading_generated ? 1 : 0,
    publisher: row.publisher,
    pub_year: row.pub_year,
    isbn: row.isbn,
    ndc: row.ndc,
    material_type: row.material_type,
    extent: row.extent,
    subjects: row.subjects,
    note: row.note,
    source: row.source,
    source_id: row.source_id,
    ...searchFields(row),
  }))

  // Copies.
  const copies: PlannedCopy[] = []
  let barcodeSeq = 0
  const nextBarcode = (): string => {
    barcodeSeq += 1
    return `${lib.barcodePrefix}${String(barcodeSeq).padStart(10 - lib.barcodePrefix.length, '0')}`
  }
  const generalBranches = lib.branches.filter((b) => b.weight > 0)
  const childrenBranches = lib.branches.filter((b) => b.childrenWeight > 0)

  for (const row of held) {
    const recordKey = keyOf(row.source, row.source_id)
    const rng = rngFor(slug, 'copies', row.source, row.source_id)
    const shelving = shelvingOf(row, slug)
    const callNumber = callNumberFor(row, shelving)

    if (shelving === 'magazine') {
      copies.push(...magazineIssues(row, recordKey, mainBranch.code, today, nextBarcode))
      continue
    }

    // Acquisition: mostly over the last two years, about 3 % in the last 30 days (新着).
    const recent = rng() < 0.03
    let acquiredOn = addDays(today, recent ? -intBetween(rng, 0, 29) : -intBetween(rng, 30, 730))
    if (row.pub_year !== null && acquiredOn < `${row.pub_year}-01-01`) {
      const earliest = `${row.pub_year}-01-01`
      acquiredOn = earliest > today ? today : earliest
    }

    const popular = row.source === 'aozora' ? POPULAR_AOZORA.get(row.source_id) : undefined
    let count: number
    if (popular !== undefined) count = popular
    else if (shelving === 'av' || shelving === 'stacks' || shelving === 'reference') {
      count = rng() < 0.85 ? 1 : 2
    } else {
      const r = rng()
      count = r < 0.6 ? 1 : r < 0.9 ? 2 : 3
    }

    const isAv = shelving === 'av'
    for (let i = 0; i < count; i++) {
      let branch: DemoBranch
      if (isAv || shelving === 'stacks' || shelving === 'reference') branch = mainBranch
      else if (shelving === 'children' || shelving === 'kamishibai') {
        branch = pickWeighted(rng, childrenBranches, (b) => b.childrenWeight)
      } else branch = pickWeighted(rng, generalBranches, (b) => b.weight)

      let shelf = LOCATION[shelving]
      let copyCall = callNumber
      let referenceOnly = shelving === 'reference' || shelving === 'stacks'
      // About 2 % of ordinary copies are kept for reading in the building (館内のみ).
      if (!referenceOnly && (shelving === 'general' || shelving === 'ya') && rng() < 0.02) {
        referenceOnly = true
        shelf = 'reference'
        copyCall = joinCall('R', callNumber.replace(/^YA\//, ''))
      }

      const holdable =
        (!referenceOnly || settings.referenceOnlyHoldable) &&
        !settings.notHoldableMaterialTypes.includes(row.material_type)
      let status: CopyStatus
      const r = rng()
      if (referenceOnly) status = r < 0.97 ? 'available' : 'missing'
      else if (r < 0.735) status = 'available'
      else if (r < 0.935) status = 'on_loan'
      else if (r < 0.955) status = holdable ? 'on_hold_shelf' : 'available'
      else if (r < 0.98) status = 'in_transit'
      else if (r < 0.99) status = 'in_repair'
      else status = 'missing'
      // The copy acquired today cannot already be out; keep the scenario consistent.
      if (status === 'on_loan' && acquiredOn > addDays(today, -1)) status = 'available'

      copies.push({
        recordKey,
        branchCode: branch.code,
        barcode: nextBarcode(),
        callNumber: copyCall,
        shelf,
        status,
        referenceOnly,
        issueLabel: '',
        issueDate: null,
        acquiredOn,
        holdable,
        children: row.children,
      })
    }
  }

  // Patrons: the demo patrons, then enough background patrons to carry the other loans.
  const onLoan = copies.filter((c) => c.status === 'on_loan')
  const demoPatrons: PlannedPatron[] = DEMO_PATRONS.map((dp, i) => ({
    ...dp,
    cardNumber: `${lib.cardPrefix}${String(i + 1).padStart(6, '0')}`,
    demo: true,
  }))
  const demoLoanTotal = demoPatrons.reduce((sum, dp) => sum + dp.loans, 0)
  const backgroundCount = Math.max(50, Math.ceil((onLoan.length - demoLoanTotal) / 5))
  const patronRng = rngFor(slug, 'patrons')
  const residencies: readonly Residency[] = [
    'resident',
    'resident',
    'resident',
    'resident',
    'worker',
    'student',
    'non_resident',
  ]
  const background: PlannedPatron[] = []
  for (let i = 0; i < backgroundCount; i++) {
    const [surname, surnameReading] = SURNAMES[intBetween(patronRng, 0, SURNAMES.length - 1)] ?? [
      '佐藤',
      'サトウ',
    ]
    const [given, givenReading] = GIVEN_NAMES[intBetween(patronRng, 0, GIVEN_NAMES.length - 1)] ?? [
      '誠',
      'マコト',
    ]
    const birthYear = intBetween(patronRng, 1940, 2016)
    background.push({
      cardNumber: `${lib.cardPrefix}${String(100001 + i).padStart(6, '0')}`,
      fullName: `${surname} ${given}`,
      fullNameReading: `${surnameReading} ${givenReading}`,
      birthDate: `${birthYear}-${String(intBetween(patronRng, 1, 12)).padStart(2, '0')}-${String(intBetween(patronRng, 1, 28)).padStart(2, '0')}`,
      residency: residencies[intBetween(patronRng, 0, residencies.length - 1)] ?? 'resident',
      disabilityService: false,
      email: null,
      demo: false,
      loans: 0,
      overdue: 0,
      childrenOnly: false,
    })
  }
  const patrons = [...demoPatrons, ...background]

  // Loans: one per on_loan copy.
  const loanRng = rngFor(slug, 'loans')
  const loans: PlannedLoan[] = []
  const borrowed = new Set<string>() // card + record: nobody borrows two copies of one record
  const pool = [...onLoan]
  const take = (predicate: (c: PlannedCopy) => boolean, card: string): PlannedCopy | undefined => {
    const index = pool.findIndex((c) => predicate(c) && !borrowed.has(`${card}|${c.recordKey}`))
    if (index < 0) return undefined
    const [copy] = pool.splice(index, 1)
    if (copy) borrowed.add(`${card}|${copy.recordKey}`)
    return copy
  }
  const loanDates = (overdue: boolean): Omit<PlannedLoan, 'barcode' | 'cardNumber'> => {
    if (overdue) {
      const loanedOn = addDays(today, -intBetween(loanRng, 15, 50))
      return { loanedOn, dueOn: addDays(loanedOn, 14), renewalCount: 0 }
    }
    if (loanRng() < 0.1) {
      const renewedOn = addDays(today, -intBetween(loanRng, 1, 10))
      return {
        loanedOn: addDays(renewedOn, -intBetween(loanRng, 3, 13)),
        dueOn: renewedDueDate(settings, calendar, renewedOn),
        renewalCount: 1,
      }
    }
    const loanedOn = addDays(today, -intBetween(loanRng, 0, 13))
    return { loanedOn, dueOn: addDays(loanedOn, 14), renewalCount: 0 }
  }
  for (const dp of demoPatrons) {
    for (let i = 0; i < dp.loans; i++) {
      const copy =
        take(
          (c) =>
            (dp.childrenOnly ? c.children : !c.children) && c.acquiredOn <= addDays(today, -51),
          dp.cardNumber,
        ) ?? take(() => true, dp.cardNumber)
      if (!copy) break
      loans.push({ barcode: copy.barcode, cardNumber: dp.cardNumber, ...loanDates(i < dp.overdue) })
    }
  }
  let cursor = 0
  while (pool.length > 0) {
    const copy = pool.shift()
    if (!copy) break
    // Round-robin with a random stride keeps every background patron at a handful of loans.
    let patron = background[cursor % background.length]
    for (
      let tries = 0;
      patron && borrowed.has(`${patron.cardNumber}|${copy.recordKey}`) && tries < 5;
      tries++
    ) {
      cursor += 1
      patron = background[cursor % background.length]
    }
    cursor += 1 + (loanRng() < 0.3 ? 1 : 0)
    if (!patron) throw new Error('no background patron')
    borrowed.add(`${patron.cardNumber}|${copy.recordKey}`)
    const dates = loanDates(loanRng() < 0.12)
    // An overdue loan must have been made after the copy arrived.
    if (dates.loanedOn < copy.acquiredOn) {
      dates.loanedOn = copy.acquiredOn
      dates.dueOn = addDays(copy.acquiredOn, 14)
      dates.renewalCount = 0
    }
    loans.push({ barcode: copy.barcode, cardNumber: patron.cardNumber, ...dates })
  }

  // Holds: a ready hold for every copy on the hold shelf, waiting holds on popular records.
  const holdRng = rngFor(slug, 'holds')
  const holds: PlannedHold[] = []
  const activeHolds = new Map<string, number>()
  const holdKeys = new Set<string>()
  const holdLimit = 5 // the lower of the two presets; background patrons stay under it
  const canHold = (patron: PlannedPatron, recordKey: string): boolean =>
    settings.holdEligibleResidency.includes(patron.residency) &&
    !borrowed.has(`${patron.cardNumber}|${recordKey}`) &&
    !holdKeys.has(`${patron.cardNumber}|${recordKey}`) &&
    (activeHolds.get(patron.cardNumber) ?? 0) < holdLimit
  const addHold = (hold: PlannedHold): void => {
    holds.push(hold)
    activeHolds.set(hold.cardNumber, (activeHolds.get(hold.cardNumber) ?? 0) + 1)
    holdKeys.add(`${hold.cardNumber}|${hold.recordKey}`)
  }
  const contactFor = (patron: PlannedPatron): 'none' | 'email' => (patron.email ? 'email' : 'none')
  const channelFor = (patron: PlannedPatron): HoldChannel => {
    if (patron.disabilityService) return 'counter'
    const r = holdRng()
    return r < 0.6 ? 'web' : r < 0.9 ? 'counter' : 'phone'
  }
  /**
   * A hold requested on `day` at `time` (Tokyo) through `channel`, and when it becomes formal
   * (hold-rules: rules B make web holds wait for the next opening morning). A hold that would
   * be formal on a closed day — one placed at the closed counter or by telephone, or a rules-A
   * web hold, formal at once — is placed on an earlier day instead: the last opening day.
   * Status: 依頼中 (requested) while its formal moment is after today, else waiting.
   */
  const placed = (channel: HoldChannel, day: string, time: string) => {
    for (let d = day, tries = 0; tries <= MAX_CLOSED_RUN_DAYS; d = addDays(d, -1), tries++) {
      const requested = tokyoInstant(d, time)
      const formal = holdFormalAt(settings, calendar, { channel, requestedAt: requested })
      if (!calendar.isOpen(tokyoDay(formal))) continue
      const pending = tokyoDay(formal) > today
      return {
        channel,
        requestedAt: utcDateTime(requested),
        status: pending ? ('requested' as const) : ('waiting' as const),
        formalAt: utcDateTime(formal),
      }
    }
    throw new Error(`${slug}: no opening day before ${day}`)
  }
  /**
   * Copies are secured on opening days: the day drawn when open, else the next opening day up
   * to today, else the last opening day before it.
   */
  const securedDay = (day: string): string => {
    if (calendar.isOpen(day)) return day
    const next = calendar.nextOpeningDay(day)
    return next <= today ? next : lastOpeningDay(calendar, day)
  }
  const byCard = new Map(patrons.map((pt) => [pt.cardNumber, pt]))
  const holdPatron = (recordKey: string, preferred: string[] = []): PlannedPatron | undefined => {
    for (const card of preferred) {
      const patron = byCard.get(card)
      if (patron && canHold(patron, recordKey)) return patron
    }
    for (let tries = 0; tries < 20; tries++) {
      const patron = background[intBetween(holdRng, 0, background.length - 1)]
      if (patron && canHold(patron, recordKey)) return patron
    }
    return undefined
  }
  const demoCard = (index: number): string => demoPatrons[index]?.cardNumber ?? ''

  // こころ first: three active holds from demo patrons (花子 1位, ゆき 2位, 太郎 last).
  const kokoroKey = keyOf('aozora', KOKORO)
  const kokoroHolders = [1, 9, 0]
  kokoroHolders.forEach((index, order) => {
    const patron = byCard.get(demoCard(index))
    if (!patron || !canHold(patron, kokoroKey)) return
    const last = order === kokoroHolders.length - 1
    if (last && settings.webHoldsWaitForNextOpeningDay) {
      // Placed on the web last night: 依頼中 until the next opening morning.
      addHold({
        recordKey: kokoroKey,
        cardNumber: patron.cardNumber,
        pickupBranchCode: mainBranch.code,
        ...placed('web', today, '00:30'),
        contactMethod: contactFor(patron),
        trappedBarcode: null,
        trappedAt: null,
        pickupDeadline: null,
      })
      return
    }
    const channel: HoldChannel = order === 1 ? 'counter' : 'web'
    const requestedDay = addDays(today, -(10 - order * 3))
    addHold({
      recordKey: kokoroKey,
      cardNumber: patron.cardNumber,
      pickupBranchCode: lib.branches[order % lib.branches.length]?.code ?? mainBranch.code,
      ...placed(channel, requestedDay, channel === 'web' ? '21:15' : '10:00'),
      contactMethod: contactFor(patron),
      trappedBarcode: null,
      trappedAt: null,
      pickupDeadline: null,
    })
  })

  // Ready holds for the copies on the hold shelf; the first few go to demo patrons. Each copy
  // was secured on an opening day in the last week, and the notice (when there is one) went
  // out that day, so both presets' shelf periods count from it.
  const preferredReady = [demoCard(0), demoCard(1), demoCard(9), demoCard(3)]
  for (const copy of copies.filter((c) => c.status === 'on_hold_shelf')) {
    const patron = holdPatron(copy.recordKey, preferredReady.splice(0, 1))
    if (!patron) {
      copy.status = 'available'
      continue
    }
    const trappedDay = securedDay(addDays(today, -intBetween(holdRng, 0, 6)))
    const requestedDay = addDays(trappedDay, -intBetween(holdRng, 2, 30))
    const channel = channelFor(patron)
    const hold = placed(channel, requestedDay, channel === 'web' ? '20:00' : '11:00')
    const trappedAt = tokyoDateTime(trappedDay, '10:30')
    if (hold.formalAt === null || hold.formalAt > trappedAt) {
      throw new Error(`${slug}: a hold secured on ${trappedDay} was not formal by then`)
    }
    addHold({
      recordKey: copy.recordKey,
      cardNumber: patron.cardNumber,
      pickupBranchCode: copy.branchCode,
      ...hold,
      status: 'ready',
      contactMethod: contactFor(patron),
      trappedBarcode: copy.barcode,
      trappedAt,
      pickupDeadline: pickupDeadline(settings, calendar, {
        securedOn: trappedDay,
        noticeOn: trappedDay,
      }),
    })
  }

  // Waiting holds on records whose every copy is out, and on the popular works.
  const copiesByRecord = new Map<string, PlannedCopy[]>()
  for (const copy of copies) {
    const list = copiesByRecord.get(copy.recordKey) ?? []
    list.push(copy)
    copiesByRecord.set(copy.recordKey, list)
  }
  const yuki = demoCard(9)
  const readyRecords = new Set(holds.filter((h) => h.status === 'ready').map((h) => h.recordKey))
  for (const row of held) {
    const recordKey = keyOf(row.source, row.source_id)
    if (recordKey === kokoroKey || readyRecords.has(recordKey)) continue
    const list = copiesByRecord.get(recordKey) ?? []
    if (list.length === 0 || !list.every((c) => c.holdable)) continue
    const popular = row.source === 'aozora' && POPULAR_AOZORA.has(row.source_id)
    const allOut = list.every((c) => c.status === 'on_loan')
    const chance = popular ? 1 : allOut ? 0.25 : 0
    if (chance === 0 || holdRng() >= chance) continue
    const wanted = popular ? intBetween(holdRng, 1, 2) : intBetween(holdRng, 1, 3)
    for (let i = 0; i < wanted; i++) {
      // 予約 ゆき ends with four active holds: one below the rules-B limit of five.
      const patron = holdPatron(recordKey, (activeHolds.get(yuki) ?? 0) < 4 ? [yuki] : [])
      if (!patron) break
      const channel = channelFor(patron)
      const requestedDay = addDays(today, -intBetween(holdRng, 2, 40))
      const pickup = pickWeighted(holdRng, lib.branches, (b) => b.weight + b.childrenWeight)
      const lastNight =
        settings.webHoldsWaitForNextOpeningDay && channel === 'web' && holdRng() < 0.1
      addHold({
        recordKey,
        cardNumber: patron.cardNumber,
        pickupBranchCode: pickup.code,
        ...(lastNight
          ? placed(channel, today, '00:30')
          : placed(channel, requestedDay, channel === 'web' ? '19:45' : '14:00')),
        contactMethod: contactFor(patron),
        trappedBarcode: null,
        trappedAt: null,
        pickupDeadline: null,
      })
    }
  }
  // Holds are listed in request order, as the queue positions are counted.
  holds.sort((a, b) => (a.requestedAt < b.requestedAt ? -1 : a.requestedAt > b.requestedAt ? 1 : 0))

  return { settings, calendar, records, copies, patrons, loans, holds }
}

/** Monthly issues: the 12 issues up to next month's, the latest one for reading in the library. */
function magazineIssues(
  row: CatalogueRow,
  recordKey: string,
  branchCode: string,
  today: string,
  nextBarcode: () => string,
): PlannedCopy[] {
  const [y, m] = today.split('-').map(Number)
  const issues: PlannedCopy[] = []
  for (let back = 11; back >= 0; back--) {
    // Issue month = next month minus `back` months.
    const index = (y ?? 2026) * 12 + ((m ?? 1) - 1) + 1 - back
    const year = Math.floor(index / 12)
    const month = (index % 12) + 1
    const issueDate = `${year}-${String(month).padStart(2, '0')}-01`
    const onSale = addDays(issueDate, -5) // a monthly goes on sale late in the month before
    const latest = back === 0
    issues.push({
      recordKey,
      branchCode,
      barcode: nextBarcode(),
      callNumber: '',
      shelf: 'magazine',
      status: back === 2 || back === 4 ? 'on_loan' : 'available',
      referenceOnly: latest,
      issueLabel: `${year}年${month}月号`,
      issueDate,
      acquiredOn: onSale > today ? today : onSale,
      holdable: !latest,
      children: row.children,
    })
  }
  return issues
}

async function insertChunks<T>(
  rows: readonly T[],
  insert: (chunk: T[]) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await insert(rows.slice(i, i + CHUNK))
  }
}

function isDuplicateKey(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'errno' in error &&
    (error as { errno?: unknown }).errno === 1062
  )
}

export interface LoadDemoOptions {
  /** The Asia/Tokyo business date, YYYY-MM-DD; default: today by the clock. */
  today?: string
  log?: (msg: string) => void
  /** Another catalogue file (tests); default sql/demo/catalogue.tsv.gz. */
  cataloguePath?: string
  /** The password pepper of the deployment (config PASSWORD_PEPPER), for the demo accounts. */
  pepper?: string
}

export interface LoadDemoResult {
  loaded: boolean
  libraries: number
  records: number
  copies: number
}

/** Maps a natural key to the id the database gave its row; an unknown key is a bug. */
function idLookup<T extends { id: number }>(
  rows: T[],
  keyOf: (row: T) => string,
  what: string,
): (key: string) => number {
  const ids = new Map(rows.map((row) => [keyOf(row), row.id]))
  return (key) => {
    const id = ids.get(key)
    if (id === undefined) throw new Error(`unknown ${what} ${key}`)
    return id
  }
}

/** Loads the two demo library systems; a library whose slug exists already is left alone. */
export async function loadDemo(db: Db, options: LoadDemoOptions = {}): Promise<LoadDemoResult> {
  const today = options.today ?? tokyoDay(new Date())
  if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new Error(`loadDemo: bad date "${today}"`)
  const log = options.log ?? (() => undefined)
  const result: LoadDemoResult = { loaded: false, libraries: 0, records: 0, copies: 0 }
  let catalogue: (CatalogueRow & ReadingFlags)[] | undefined

  for (const lib of DEMO_LIBRARIES) {
    const existing = await db
      .selectFrom('library')
      .select('id')
      .where('slug', '=', lib.slug)
      .executeTakeFirst()
    if (existing) {
      log(`demo: library ${lib.slug} exists already, skipped`)
      continue
    }
    catalogue ??= await fillCatalogueReadings(readCatalogue(options.cataloguePath))
    const plan = planLibrary(lib, catalogue, today)
    try {
      await inTransaction(db, async (trx) => {
        const inserted = await trx
          .insertInto('library')
          .values({
            slug: lib.slug,
            name: lib.name,
            rules_preset: lib.rulesPreset,
            settings_json: demoSettingsJson(lib),
            phone: lib.phone,
            sort_order: lib.sortOrder,
          })
          .executeTakeFirstOrThrow()
        const libraryId = Number(inserted.insertId)

        await trx
          .insertInto('branch')
          .values(
            lib.branches.map((b, i) => ({
              library_id: libraryId,
              code: b.code,
              name: b.name,
              address: b.address,
              phone: b.phone,
              note: b.note,
              is_pickup: 1,
              sort_order: i + 1,
            })),
          )
          .execute()
        const branchRows = await trx
          .selectFrom('branch')
          .select(['id', 'code'])
          .where('library_id', '=', libraryId)
          .execute()
        const branchOf = idLookup(branchRows, (b) => b.code, 'branch')

        await insertChunks(plan.records, (chunk) =>
          trx
            .insertInto('record')
            .values(chunk.map((r) => ({ ...r, library_id: libraryId })))
            .execute(),
        )
        const recordRows = await trx
          .selectFrom('record')
          .select(['id', 'source', 'source_id'])
          .where('library_id', '=', libraryId)
          .execute()
        const recordOf = idLookup(recordRows, (r) => keyOf(r.source, r.source_id), 'record')

        await insertChunks(plan.copies, (chunk) =>
          trx
            .insertInto('copy')
            .values(
              chunk.map((c) => ({
                library_id: libraryId,
                record_id: recordOf(c.recordKey),
                branch_id: branchOf(c.branchCode),
                barcode: c.barcode,
                call_number: c.callNumber,
                shelf_location: c.shelf,
                status: c.status,
                reference_only: c.referenceOnly ? 1 : 0,
                issue_label: c.issueLabel,
                issue_date: c.issueDate,
                acquired_on: c.acquiredOn,
              })),
            )
            .execute(),
        )
        const copyRows = await trx
          .selectFrom('copy')
          .select(['id', 'barcode'])
          .where('library_id', '=', libraryId)
          .where('status', 'in', ['on_loan', 'on_hold_shelf'])
          .execute()
        const copyOf = idLookup(copyRows, (c) => c.barcode, 'copy')

        await insertChunks(plan.patrons, (chunk) =>
          trx
            .insertInto('patron')
            .values(
              chunk.map((pt) => ({
                library_id: libraryId,
                card_number: pt.cardNumber,
                full_name: pt.fullName,
                full_name_reading: pt.fullNameReading,
                birth_date: pt.birthDate,
                residency: pt.residency,
                disability_service: pt.disabilityService ? 1 : 0,
                email: pt.email,
              })),
            )
            .execute(),
        )
        const patronRows = await trx
          .selectFrom('patron')
          .select(['id', 'card_number'])
          .where('library_id', '=', libraryId)
          .execute()
        const patronOf = idLookup(patronRows, (pt) => pt.card_number, 'patron')

        await insertChunks(plan.loans, (chunk) =>
          trx
            .insertInto('loan')
            .values(
              chunk.map((l) => ({
                library_id: libraryId,
                copy_id: copyOf(l.barcode),
                patron_id: patronOf(l.cardNumber),
                loaned_on: l.loanedOn,
                due_on: l.dueOn,
                renewal_count: l.renewalCount,
              })),
            )
            .execute(),
        )
        await insertChunks(plan.holds, (chunk) =>
          trx
            .insertInto('hold')
            .values(
              chunk.map((h) => ({
                library_id: libraryId,
                record_id: recordOf(h.recordKey),
                patron_id: patronOf(h.cardNumber),
                pickup_branch_id: branchOf(h.pickupBranchCode),
                status: h.status,
                channel: h.channel,
                contact_method: h.contactMethod,
                requested_at: h.requestedAt,
                formal_at: h.formalAt,
                trapped_copy_id: h.trappedBarcode === null ? null : copyOf(h.trappedBarcode),
                trapped_at: h.trappedAt,
                pickup_deadline: h.pickupDeadline,
              })),
            )
            .execute(),
        )
        await loadDemoAccounts(trx, {
          libraryId,
          slug: lib.slug,
          today,
          settings: plan.settings,
          calendar: plan.calendar,
          pepper: options.pepper ?? loadConfig({}).passwordPepper,
        })
        await refreshPopularity(trx, libraryId, today)
        await rebuildNewArrivals(trx, libraryId)
        await indexRecords(trx, libraryId)
      })
    } catch (error) {
      const nowExists = isDuplicateKey(error)
        ? await db
            .selectFrom('library')
            .select('id')
            .where('slug', '=', lib.slug)
            .executeTakeFirst()
        : undefined
      if (nowExists) {
        // Another process loaded the same library at the same moment; its load stands.
        log(`demo: library ${lib.slug} was loaded concurrently, skipped`)
        continue
      }
      throw error
    }
    result.loaded = true
    result.libraries += 1
    result.records += plan.records.length
    result.copies += plan.copies.length
    log(
      `demo: ${lib.slug} loaded: ${plan.records.length} records, ${plan.copies.length} copies, ` +
        `${plan.patrons.length} patrons, ${plan.loans.length} loans, ${plan.holds.length} holds`,
    )
  }
  if (result.loaded) {
    await refreshSearchFields(recordRepository(db), { log })
    // Fresh bulk loads leave InnoDB without statistics; plans are poor until they exist.
    await sql`ANALYZE TABLE record, copy, patron, loan, hold`.execute(db)
  }
  return result
}
