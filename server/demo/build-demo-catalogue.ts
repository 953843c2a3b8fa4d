// Builds sql/demo/catalogue.tsv.gz from the real bibliographic data
// described in the shared data README: the Aozora Bunko index, a catalogue derived from Aozora's
// extended index, NDL Search OpenSearch responses and NACSIS-CAT records. Run once by a
// developer, not at start-up:
//
//   npx tsx server/demo/build-demo-catalogue.ts [path-to-shared-data]
//
// The default data path is ../shared/data relative to the repository root. Nothing is invented:
// every title, name and date comes from those files. The only derived rows are the demo's
// kamishibai editions of 15 Aozora children's works and one magazine title taken from NDL
// article records; the README's "Data sources and licences" says so.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { normaliseIsbn } from '../services/isbn.ts'
import { XMLParser } from 'fast-xml-parser'
import type { MaterialType } from '../db/schema.ts'
import { formatCatalogueTsv, type CatalogueRow } from './demo-loader.ts'

const REPO_ROOT = resolve(import.meta.dirname, '..', '..')
const OUT_DIR = join(REPO_ROOT, 'sql', 'demo')

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks; CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  for (; i < text.length; i++) {
    const ch = text[i]
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i++
        } else quoted = false
      } else field += ch
    } else if (ch === '"' && field === '') quoted = true
    else if (ch === ',') {
      row.push(field)
      field = ''
    } else if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && text[i + 1] === '\n') i++
      row.push(field)
      rows.push(row)
      row = []
      field = ''
    } else field += ch
  }
  if (field !== '' || row.length > 0) {
    row.push(field)
    rows.push(row)
  }
  return rows
}

const FULLWIDTH_DIGITS = /[０-９]/g
function halfwidthDigits(text: string): string {
  return text.replace(FULLWIDTH_DIGITS, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
}

/** The first four-digit run (a Western year), full-width digits normalised first. */
export function firstYear(text: string): number | null {
  const m = /(?<!\d)(\d{4})(?!\d)/.exec(halfwidthDigits(text))
  if (!m) return null
  const year = Number(m[1])
  return year >= 1000 && year <= 2100 ? year : null
}

const NDC_PATTERN = /^\d{3}(\.\d+)?$/
function cleanNdc(raw: string | undefined): string {
  const s = (raw ?? '').trim()
  return NDC_PATTERN.test(s) ? s : ''
}

/** "title : other title information" → [title, subtitle] at the first " : " (or "\u3000：\u3000"). */
export function splitTitle(full: string): [string, string] {
  const m = /\s+[:：]\s+/.exec(full)
  if (!m || m.index === 0) return [full.trim(), '']
  return [full.slice(0, m.index).trim(), full.slice(m.index + m[0].length).trim()]
}

const HAS_KANJI_OR_HIRAGANA = /[\u3040-\u309f\u3400-\u9fff\uf900-\ufaff々〆ヶ]/

/** Aozora "姓 名": Japanese names lose the space, katakana and Latin names keep "姓 名". */
export function aozoraName(raw: string): string {
  const trimmed = raw.trim()
  if (HAS_KANJI_OR_HIRAGANA.test(trimmed)) return trimmed.replace(/ +/g, '')
  return trimmed.replace(/ +/g, ' ')
}

/** NDL heading "角, 征典, 1970-" → "角征典"; "カド, マサノリ" → "カド マサノリ"; Latin kept. */
export function ndlName(raw: string): string {
  const s = raw.replace(/,\s*(\d{4}\??-(\d{4}\??)?|\d{4}\??)\s*$/, '').trim()
  const parts = s.split(/\s*,\s*/)
  if (parts.length !== 2) return s
  if (HAS_KANJI_OR_HIRAGANA.test(s)) return parts.join('')
  if (/^[\u30a0-\u30ff・＝=\s]+$/.test(parts.join(''))) return parts.join(' ')
  return s
}

interface Truncation {
  count: number
  fields: Map<string, number>
}
const truncation: Truncation = { count: 0, fields: new Map() }

const LIMITS: Partial<Record<keyof CatalogueRow, number>> = {
  title: 500,
  title_reading: 500,
  subtitle: 500,
  series_title: 255,
  author: 500,
  author_reading: 500,
  publisher: 255,
  extent: 100,
  subjects: 500,
  note: 500,
}

/** Trims every text field and cuts what exceeds the column (VARCHAR counts characters). */
function fit(row: CatalogueRow): CatalogueRow {
  const out = { ...row }
  for (const [key, limit] of Object.entries(LIMITS) as [keyof CatalogueRow, number][]) {
    const value = out[key]
    if (typeof value !== 'string') continue
    const chars = [...value.replace(/\s+$/, '')]
    if (chars.length > limit) {
      truncation.count += 1
      truncation.fields.set(key, (truncation.fields.get(key) ?? 0) + 1)
      ;(out as Record<string, unknown>)[key] = chars.slice(0, limit - 1).join('') + '…'
    } else (out as Record<string, unknown>)[key] = chars.join('')
  }
  if (!/^[a-z-]{1,16}$/.test(out.source)) throw new Error(`bad source ${out.source}`)
  if (!/^[\x20-\x7e]{1,32}$/.test(out.source_id)) throw new Error(`bad source_id ${out.source_id}`)
  if (out.ndc.length > 16) throw new Error(`bad ndc ${out.ndc}`)
  return out
}

function emptyRow(source: string, sourceId: string, materialType: MaterialType): CatalogueRow {
  return {
    source,
    source_id: sourceId,
    material_type: materialType,
    title: '',
    title_reading: '',
    subtitle: '',
    series_title: '',
    author: '',
    author_reading: '',
    publisher: '',
    pub_year: null,
    isbn: null,
    ndc: '',
    extent: '',
    subjects: '',
    note: '',
    children: false,
  }
}

// ---------------------------------------------------------------------------------------------
// Aozora Bunko
// ---------------------------------------------------------------------------------------------

interface DerivedBook {
  id: string
  t: string
  tk: string
  a: string
  c: string
}
interface DerivedAuthor {
  id: string
  name: string
  kana: string
}

/** "NDC K913 914" → { ndc: '913', children: true } (first code; any K marks children's). */
export function aozoraNdc(c: string): { ndc: string; children: boolean } {
  const codes = c
    .replace(/^NDC\s*/, '')
    .split(/\s+/)
    .filter(Boolean)
  const first = codes[0] ?? ''
  return {
    ndc: cleanNdc(first.replace(/^K/, '')),
    children: codes.some((code) => code.startsWith('K')),
  }
}

interface AozoraStats {
  listRows: number
  works: number
  derivedMatched: number
  derivedOnly: number
  subtitlesSplit: number
  translated: number
  children: number
}

function buildAozora(dataDir: string): { rows: CatalogueRow[]; stats: AozoraStats } {
  const csv = parseCsv(readFileSync(join(dataDir, 'aozora', 'list_person_all_utf8.csv'), 'utf8'))
  const header = csv[0] ?? []
  const col = (name: string): number => {
    const index = header.indexOf(name)
    if (index < 0) throw new Error(`list_person_all_utf8.csv: no column ${name}`)
    return index
  }
  const C = {
    personId: col('人物ID'),
    name: col('著者名'),
    workId: col('作品ID'),
    title: col('作品名'),
    translators: col('翻訳者名等'),
    baseBook: col('底本名'),
    publisher: col('出版社名'),
    inputEdition: col('入力に使用した版'),
  }
  const byWork = new Map<string, string[][]>()
  const listRows = csv.slice(1).filter((r) => r.length === header.length)
  if (listRows.length !== csv.length - 1) throw new Error('list_person_all_utf8.csv: ragged rows')
  for (const r of listRows) {
    const id = r[C.workId] ?? ''
    const group = byWork.get(id) ?? []
    group.push(r)
    byWork.set(id, group)
  }

  const books = JSON.parse(
    readFileSync(join(dataDir, 'aozora_derived', 'books.json'), 'utf8'),
  ) as DerivedBook[]
  const authors = JSON.parse(
    readFileSync(join(dataDir, 'aozora_derived', 'authors.json'), 'utf8'),
  ) as DerivedAuthor[]
  const bookById = new Map(books.map((b) => [b.id, b]))
  const authorById = new Map(authors.map((a) => [a.id, a]))

  const stats: AozoraStats = {
    listRows: listRows.length,
    works: 0,
    derivedMatched: 0,
    derivedOnly: 0,
    subtitlesSplit: 0,
    translated: 0,
    children: 0,
  }
  const rows: CatalogueRow[] = []
  const get = (r: string[], index: number): string => (r[index] ?? '').trim()

  for (const [workId, group] of byWork) {
    // Rows are one per work × person. Translated works list the translator(s) in 翻訳者名等 on
    // every row, including the translator's own row: the main entry is a person who is not
    // named there, the lowest 人物ID first (泉鏡花 000050 before his other name 泉鏡太郎 000886).
    const translatorNames = new Set(
      group
        .flatMap((r) => get(r, C.translators).split('、'))
        .map((n) => n.trim())
        .filter(Boolean),
    )
    const sorted = [...group].sort((a, b) => get(a, C.personId).localeCompare(get(b, C.personId)))
    const main = sorted.find((r) => !translatorNames.has(get(r, C.name))) ?? sorted[0]
    if (!main) continue
    const mainName = get(main, C.name)
    const translators = [...translatorNames].filter((n) => n !== mainName).map(aozoraName)

    const row = emptyRow('aozora', workId, 'book')
    row.title = get(main, C.title)
    row.author = aozoraName(mainName)

    const pub = get(main, C.publisher)
    const parts = pub
      .split('、')
      .map((s) => s.trim())
      .filter(Boolean)
    if (parts.length >= 2) {
      row.publisher = parts[parts.length - 1] ?? ''
      row.series_title = parts.slice(0, -1).join('、')
    } else row.publisher = pub
    row.pub_year = firstYear(get(main, C.inputEdition))

    const notes: string[] = []
    if (translators.length > 0) {
      notes.push(`翻訳者名等: ${translators.join('、')}`)
      stats.translated += 1
    }
    const base = get(main, C.baseBook)
    if (base) notes.push(`底本: ${base}`)
    row.note = notes.join(' / ')

    const derived = bookById.get(workId)
    if (derived) {
      stats.derivedMatched += 1
      // The list joins title and subtitle with a space; the derived catalogue has the title alone.
      if (row.title !== derived.t && row.title.startsWith(`${derived.t} `)) {
        row.subtitle = row.title.slice(derived.t.length + 1).trim()
        row.title = derived.t
        stats.subtitlesSplit += 1
      }
      if (row.title === derived.t) row.title_reading = derived.tk
      const { ndc, children } = aozoraNdc(derived.c)
      row.ndc = ndc
      row.children = children
      const author = authorById.get(derived.a)
      if (author && derived.a === get(main, C.personId)) row.author_reading = author.kana
    }
    if (row.children) stats.children += 1
    rows.push(row)
  }

  // Works the derived catalogue has but the 2017 list does not (published since).
  for (const book of books) {
    if (byWork.has(book.id)) continue
    const author = authorById.get(book.a)
    const row = emptyRow('aozora', book.id, 'book')
    row.title = book.t
    row.title_reading = book.tk
    row.author = author?.name ?? ''
    row.author_reading = author?.kana ?? ''
    const { ndc, children } = aozoraNdc(book.c)
    row.ndc = ndc
    row.children = children
    if (row.children) stats.children += 1
    stats.derivedOnly += 1
    rows.push(row)
  }
  stats.works = rows.length
  return { rows, stats }
}

/**
 * Kamishibai (紙芝居) editions for the demo: 15 well-known Aozora children's works (K-coded) by
 * 新美南吉, 宮沢賢治 and 小川未明. The bibliographic part is the work's; there is no real
 * kamishibai publisher or year in our data, so those stay empty.
 */
const KAMISHIBAI_WORKS: readonly string[] = [
  '000628', // ごん狐 (新美南吉)
  '000637', // 手袋を買いに
  '000635', // おじいさんのランプ
  '000630', // 花のき村と盗人たち
  '004718', // 二ひきの蛙
  '043754', // 注文の多い料理店 (宮沢賢治)
  '000470', // セロ弾きのゴーシュ
  '043752', // どんぐりと山猫
  '000473', // よだかの星
  '046605', // やまなし
  '045679', // 雪渡り
  '051005', // 赤いろうそくと人魚 (小川未明)
  '051034', // 野ばら
  '050999', // 金の輪
  '051089', // 月夜と眼鏡
]
const KAMISHIBAI_AUTHORS = new Set(['新美南吉', '宮沢賢治', '小川未明'])

function buildKamishibai(aozora: readonly CatalogueRow[]): CatalogueRow[] {
  const byId = new Map(aozora.map((r) => [r.source_id, r]))
  return KAMISHIBAI_WORKS.map((id) => {
    const work = byId.get(id)
    if (!work || !work.children || !KAMISHIBAI_AUTHORS.has(work.author)) {
      throw new Error(`kamishibai: ${id} is not a K-coded work of 新美南吉/宮沢賢治/小川未明`)
    }
    return {
      ...emptyRow('kamishibai', id, 'kamishibai'),
      title: work.title,
      title_reading: work.title_reading,
      subtitle: work.subtitle,
      author: work.author,
      author_reading: work.author_reading,
      ndc: work.ndc,
      children: true,
    }
  })
}

// ---------------------------------------------------------------------------------------------
// NDL Search OpenSearch responses
// ---------------------------------------------------------------------------------------------

type XmlNode = string | { '#text'?: string; '@_xsi:type'?: string; [key: string]: unknown }
type XmlItem = Record<string, XmlNode[] | undefined>

const text = (node: XmlNode | undefined): string =>
  (typeof node === 'string' ? node : (node?.['#text'] ?? '')).toString().trim()
const typeOf = (node: XmlNode | undefined): string =>
  typeof node === 'object' && node !== null ? String(node['@_xsi:type'] ?? '') : ''
const all = (item: XmlItem, key: string): XmlNode[] => item[key] ?? []
const texts = (item: XmlItem, key: string): string[] =>
  all(item, key)
    .map(text)
    .filter((s) => s !== '')

interface NdlStats {
  items: number
  unique: number
  categories: Map<string, number>
  skipped: Map<string, number>
  kept: number
  byType: Map<string, number>
  isbnValid: number
  isbnDropped: string[]
  journals: Map<string, number>
}

function ndlMaterialType(categories: readonly string[], extent: string): MaterialType | null {
  if (categories.includes('記事')) return null // journal and newspaper articles: not shelf items
  const physical = categories.some((c) => c === '紙' || c === '記録メディア' || c === 'マイクロ')
  if (!physical) return null // digital-only (デジタル): nothing to put on a shelf
  if (categories.includes('雑誌') || categories.includes('逐次刊行物')) return 'magazine'
  if (categories.includes('映像資料')) return /ビデオ|VHS/i.test(extent) ? 'video' : 'dvd'
  if (categories.includes('録音資料')) return /カセット/.test(extent) ? 'cassette' : 'cd'
  if (categories.includes('記録メディア')) {
    if (/DVD/i.test(extent)) return 'dvd'
    if (/カセット/.test(extent)) return 'cassette'
    return 'cd' // 図書 on 記録メディア here: music CDs (TRC) and DAISY discs (シネマ・デイジー)
  }
  return 'book'
}

function buildNdl(dataDir: string): {
  rows: CatalogueRow[]
  serial: CatalogueRow
  stats: NdlStats
} {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    isArray: (_name, jpath) => String(jpath).startsWith('rss.channel.item'),
  })
  const stats: NdlStats = {
    items: 0,
    unique: 0,
    categories: new Map(),
    skipped: new Map(),
    kept: 0,
    byType: new Map(),
    isbnValid: 0,
    isbnDropped: [],
    journals: new Map(),
  }
  const seen = new Set<string>()
  const rows: CatalogueRow[] = []
  for (let n = 1; n <= 5; n++) {
    const file = readFileSync(join(dataDir, 'bib', `ndl_opensearch_response${n}.ts`), 'utf8')
    const start = file.indexOf('<rss')
    const end = file.indexOf('</rss>')
    if (start < 0 || end < 0) throw new Error(`response${n}: no <rss>`)
    const doc = parser.parse(file.slice(start, end + '</rss>'.length)) as {
      rss?: { channel?: { item?: XmlItem[] } }
    }
    for (const item of doc.rss?.channel?.item ?? []) {
      stats.items += 1
      const link = texts(item, 'link')[0] ?? ''
      if (seen.has(link)) continue
      seen.add(link)
      stats.unique += 1
      const categories = texts(item, 'category')
      const catKey = categories.join('/')
      stats.categories.set(catKey, (stats.categories.get(catKey) ?? 0) + 1)
      for (const d of texts(item, 'dc:description')) {
        const m = /^掲載誌：(.+?)(?=\s\d|\s*$)/.exec(d)
        if (m?.[1]) stats.journals.set(m[1], (stats.journals.get(m[1]) ?? 0) + 1)
      }

      const extent = texts(item, 'dc:extent').join(' ; ')
      const materialType = ndlMaterialType(categories, extent)
      if (materialType === null) {
        stats.skipped.set(catKey, (stats.skipped.get(catKey) ?? 0) + 1)
        continue
      }
      const id = /\/books\/(R\d+-I[0-9A-Za-z_]+)$/.exec(link)?.[1]
      if (!id) throw new Error(`NDL link without an id: ${link}`)

      const row = emptyRow('ndl', id, materialType)
      const [title, subtitle] = splitTitle(texts(item, 'dc:title')[0] ?? '')
      const volume = texts(item, 'dcndl:volume')[0] ?? ''
      const volumeTitle = texts(item, 'dcndl:volumeTitle')[0] ?? ''
      row.title = volume && !title.endsWith(volume) ? `${title} ${volume}` : title
      row.subtitle = [volumeTitle, subtitle].filter(Boolean).join(' ; ')
      row.title_reading = texts(item, 'dcndl:titleTranscription')[0] ?? ''
      const creators = texts(item, 'dc:creator').map(ndlName)
      row.author = creators.length > 0 ? creators.join(', ') : (texts(item, 'author')[0] ?? '')
      row.author_reading = texts(item, 'dcndl:creatorTranscription').map(ndlName).join(', ')
      row.publisher = texts(item, 'dc:publisher').join(', ')
      row.series_title = texts(item, 'dcndl:seriesTitle').join(' ; ')
      row.pub_year =
        firstYear(texts(item, 'dc:date')[0] ?? '') ??
        firstYear(texts(item, 'dcterms:issued')[0] ?? '')
      row.extent = extent

      const identifiers = all(item, 'dc:identifier')
      for (const node of identifiers) {
        if (!/^dcndl:ISBN(13)?$/.test(typeOf(node))) continue
        const isbn = normaliseIsbn(text(node))
        if (isbn) {
          row.isbn = isbn
          break
        }
        stats.isbnDropped.push(text(node))
      }
      if (row.isbn) stats.isbnValid += 1

      const subjects = all(item, 'dc:subject')
      for (const scheme of ['dcndl:NDC10', 'dcndl:NDC9', 'dcndl:NDC8', 'dcndl:NDC']) {
        const ndc = cleanNdc(text(subjects.find((s) => typeOf(s) === scheme)))
        if (ndc) {
          row.ndc = ndc
          break
        }
      }
      // Untyped dc:subject values are the subject headings (NDLSH and the like).
      row.subjects = subjects
        .filter((s) => typeOf(s) === '')
        .map(text)
        .filter(Boolean)
        .join('; ')
      // Notes: the descriptive dc:description values (not the bare dates and "出版" flags).
      row.note = texts(item, 'dc:description')
        .filter((d) => !/^[\d\s.\-[\]]+$/.test(d) && d !== '出版')
        .join('; ')

      stats.kept += 1
      stats.byType.set(materialType, (stats.byType.get(materialType) ?? 0) + 1)
      rows.push(row)
    }
  }

  // No magazine record among the NDL items: the data's serial titles appear only in the
  // 掲載誌 (journal) field of article records. ユリイカ is the monthly among them that a
  // municipal library would take; the record is built from that field alone.
  const journal = [...stats.journals.keys()].find((j) => j.startsWith('ユリイカ = Eureka'))
  if (!journal) throw new Error('NDL data: the journal ユリイカ = Eureka is missing')
  const [serialTitle, parallel] = journal.split(' = ')
  const serial: CatalogueRow = {
    ...emptyRow('ndl-serial', 'eureka', 'magazine'),
    title: serialTitle ?? journal,
    title_reading: 'ユリイカ',
    note: parallel ? `並列タイトル: ${parallel}` : '',
  }
  return { rows, serial, stats }
}

// ---------------------------------------------------------------------------------------------
// NACSIS-CAT (CiNii Books) TSV
// ---------------------------------------------------------------------------------------------

interface NacsisStats {
  rows: number
  withNdc: number
  withYear: number
  nonJapanese: number
}

function buildNacsis(dataDir: string): { rows: CatalogueRow[]; stats: NacsisStats } {
  const lines = readFileSync(join(dataDir, 'bib', 'cat10000_url.tsv'), 'utf8').split('\n')
  const header = (lines[0] ?? '').split('\t')
  const col = (name: string): number => {
    const index = header.indexOf(name)
    if (index < 0) throw new Error(`cat10000_url.tsv: no column ${name}`)
    return index
  }
  const C = {
    title: col('title'),
    creator: col('creator'),
    publisher: col('publisher'),
    language: col('language'),
    ncid: col('ncid'),
    date: col('publicationDate'),
    note: col('note'),
    subject: col('subject'),
  }
  const stats: NacsisStats = { rows: 0, withNdc: 0, withYear: 0, nonJapanese: 0 }
  const rows: CatalogueRow[] = []
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue
    const f = line.split('\t')
    if (f.length !== header.length) throw new Error(`cat10000_url.tsv: ${f.length} fields`)
    const get = (index: number): string => (f[index] ?? '').trim()
    const row = emptyRow('nacsis', get(C.ncid), 'book')
    const [title, subtitle] = splitTitle(get(C.title))
    row.title = title
    row.subtitle = subtitle
    row.author = get(C.creator)
    row.publisher = get(C.publisher)
    row.pub_year = firstYear(get(C.date))
    row.note = get(C.note)
    // subject: "NDC9:375.72" / "NDC8:369.31" (several possible): prefer NDC9.
    const codes = get(C.subject)
      .split(/[\s;|]+/)
      .map((s) => /^NDC(\d*):(.+)$/.exec(s))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ edition: Number(m[1]), ndc: cleanNdc(m[2]) }))
      .filter((c) => c.ndc !== '')
      .sort((a, b) => b.edition - a.edition)
    row.ndc = codes[0]?.ndc ?? ''
    if (row.ndc) stats.withNdc += 1
    if (row.pub_year !== null) stats.withYear += 1
    if (get(C.language) !== 'jpn') stats.nonJapanese += 1
    stats.rows += 1
    rows.push(row)
  }
  return { rows, stats }
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

function main(): void {
  const dataDir = resolve(process.argv[2] ?? join(REPO_ROOT, '..', 'shared', 'data'))
  const out = (line = ''): void => {
    process.stdout.write(`${line}\n`)
  }

  const aozora = buildAozora(dataDir)
  const kamishibai = buildKamishibai(aozora.rows)
  const ndl = buildNdl(dataDir)
  const nacsis = buildNacsis(dataDir)

  const rows = [...aozora.rows, ...kamishibai, ...ndl.rows, ndl.serial, ...nacsis.rows].map(fit)
  rows.sort((a, b) =>
    a.source !== b.source
      ? a.source < b.source
        ? -1
        : 1
      : a.source_id < b.source_id
        ? -1
        : a.source_id > b.source_id
          ? 1
          : 0,
  )
  const keys = new Set<string>()
  for (const row of rows) {
    const key = `${row.source}|${row.source_id}`
    if (keys.has(key)) throw new Error(`duplicate record ${key}`)
    keys.add(key)
    if (row.title === '') throw new Error(`record ${key} has no title`)
  }

  const tsv = formatCatalogueTsv(rows)
  const gz = gzipSync(Buffer.from(tsv, 'utf8'), { level: 9 })
  mkdirSync(OUT_DIR, { recursive: true })
  writeFileSync(join(OUT_DIR, 'catalogue.tsv.gz'), gz)

  const counts = new Map<string, number>()
  for (const row of rows) counts.set(row.source, (counts.get(row.source) ?? 0) + 1)

  out(`data: ${dataDir}`)
  out(
    `wrote sql/demo/catalogue.tsv.gz: ${rows.length} records, ${gz.length} bytes (${tsv.length} characters of TSV)`,
  )
  for (const [source, count] of counts) out(`  ${source}: ${count}`)
  const a = aozora.stats
  out(
    `aozora: ${a.listRows} list rows → ${a.works} works (${a.derivedMatched} with derived readings/NDC, ` +
      `${a.derivedOnly} only in books.json, ${a.subtitlesSplit} subtitles split, ${a.translated} translated, ` +
      `${a.children} children's)`,
  )
  const s = ndl.stats
  out(`ndl: ${s.items} items, ${s.unique} unique, ${s.kept} kept, ISBN ${s.isbnValid}`)
  out(`  categories: ${[...s.categories].map(([k, v]) => `${k} ${v}`).join(', ')}`)
  out(`  skipped: ${[...s.skipped].map(([k, v]) => `${k} ${v}`).join(', ')}`)
  out(`  material types: ${[...s.byType].map(([k, v]) => `${k} ${v}`).join(', ')}`)
  out(`  ISBNs dropped as invalid: ${s.isbnDropped.join(', ') || 'none'}`)
  const n = nacsis.stats
  out(`nacsis: ${n.rows} rows, NDC ${n.withNdc}, year ${n.withYear}, not jpn ${n.nonJapanese}`)
  out(
    `truncated fields: ${truncation.count} (${[...truncation.fields].map(([k, v]) => `${k} ${v}`).join(', ') || '-'})`,
  )
  const perType = new Map<string, number>()
  for (const row of rows) perType.set(row.material_type, (perType.get(row.material_type) ?? 0) + 1)
  out(`material types: ${[...perType].map(([k, v]) => `${k} ${v}`).join(', ')}`)
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main()
