// Bulk catalogue import (`npm run import`): CSV/TSV with a header row (NACSIS-CAT style:
// title, creator, publisher, publicationDate, subject "NDC9:…", ncid …) and NDL Search
// OpenSearch RSS (raw XML, or XML inside another file such as a test fixture). Each record is
// identified by its source and id (ncid, NDL link id, an id column, or its ISBN): a record met
// again is updated when it changed and left alone when not, so a second run changes nothing and
// a run stopped part-way is simply run again. Every write stamps the search index's delta.
import { XMLParser } from 'fast-xml-parser'
import type { MaterialType } from '../db/schema.ts'
import { normaliseIsbn } from './isbn.ts'
import type { RecordInput, StaffCatalogueService } from './staff-catalogue-service.ts'

export interface ImportItem {
  /** Where it is in the file: "line 12" or "item 3". */
  at: string
  record: RecordInput | null
  /** Why it cannot be imported (record null). */
  problem?: string
}

export interface ImportSummary {
  added: number
  updated: number
  unchanged: number
  rejected: { at: string; reason: string }[]
}

const MATERIAL: Record<string, MaterialType> = {
  book: 'book',
  図書: 'book',
  magazine: 'magazine',
  雑誌: 'magazine',
  kamishibai: 'kamishibai',
  紙芝居: 'kamishibai',
  cd: 'cd',
  dvd: 'dvd',
  video: 'video',
  cassette: 'cassette',
}

const clean = (s: unknown) =>
  String(s ?? '')
    .replace(/\s+/gu, ' ')
    .trim()

function yearOf(raw: string): number | null {
  const m = /(1[0-9]{3}|2[0-9]{3})/.exec(raw)
  return m ? Number(m[1]) : null
}

function ndcOf(raw: string): string {
  const m = /NDC(?:\d{1,2})?:?\s*([0-9]{1,3}(?:\.[0-9]+)?)/i.exec(raw)
  return m?.[1] ?? ''
}

// --- CSV / TSV ------------------------------------------------------------------------------

/** Rows of a CSV or TSV text (RFC 4180 quotes), each with its 1-based line number. */
export function parseDelimited(
  text: string,
  delimiter: ',' | '\t',
): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = []
  let cells: string[] = []
  let cell = ''
  let quoted = false
  let line = 1
  let rowLine = 1
  const body = text.replace(/^\uFEFF/, '')
  for (let i = 0; i < body.length; i++) {
    const ch = body.charAt(i)
    if (quoted) {
      if (ch === '"' && body[i + 1] === '"') {
        cell += '"'
        i++
      } else if (ch === '"') quoted = false
      else {
        if (ch === '\n') line++
        cell += ch
      }
      continue
    }
    if (ch === '"' && cell === '') quoted = true
    else if (ch === delimiter) {
      cells.push(cell)
      cell = ''
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && body[i + 1] === '\n') i++
      cells.push(cell)
      if (cells.some((c) => c !== '')) rows.push({ line: rowLine, cells })
      cells = []
      cell = ''
      line++
      rowLine = line
    } else cell += ch
  }
  cells.push(cell)
  if (cells.some((c) => c !== '')) rows.push({ line: rowLine, cells })
  return rows
}

const HEADER_ALIASES: Record<string, string> = {
  title: 'title',
  タイトル: 'title',
  書名: 'title',
  title_reading: 'titleReading',
  titlereading: 'titleReading',
  titletranscription: 'titleReading',
  書名ヨミ: 'titleReading',
  creator: 'author',
  author: 'author',
  著者: 'author',
  著者名: 'author',
  publisher: 'publisher',
  出版者: 'publisher',
  publicationdate: 'year',
  pub_year: 'year',
  year: 'year',
  出版年: 'year',
  isbn: 'isbn',
  ndc: 'ndc',
  subject: 'subject',
  subjects: 'subject',
  note: 'note',
  注記: 'note',
  ncid: 'ncid',
  id: 'id',
  source_id: 'id',
  material_type: 'material',
  資料種別: 'material',
  edition: 'edition',
}

export function delimitedItems(text: string, delimiter: ',' | '\t'): ImportItem[] {
  const [header, ...rows] = parseDelimited(text, delimiter)
  if (!header) return []
  const fields = header.cells.map(
    (h) => HEADER_ALIASES[h.trim().toLowerCase()] ?? HEADER_ALIASES[h.trim()] ?? '',
  )
  if (!fields.includes('title')) {
    return [{ at: `line ${header.line}`, record: null, problem: 'no title column in the header' }]
  }
  return rows.map(({ line, cells }) => {
    const get = (name: string) => {
      const i = fields.indexOf(name)
      return i === -1 ? '' : clean(cells[i])
    }
    const at = `line ${line}`
    const title = get('title')
    if (!title) return { at, record: null, problem: 'title missing' }
    if ([...title].length > 500)
      return { at, record: null, problem: 'title longer than 500 characters' }
    const rawIsbn = get('isbn')
    const isbn = rawIsbn ? normaliseIsbn(rawIsbn) : null
    if (rawIsbn && !isbn) return { at, record: null, problem: `not an ISBN: ${rawIsbn}` }
    const ncid = get('ncid')
    const id = get('id')
    const [source, sourceId] = ncid
      ? ['ncid', ncid]
      : id
        ? ['import', id]
        : isbn
          ? ['isbn', isbn]
          : ['', '']
    if (!sourceId) return { at, record: null, problem: 'no identifier (ncid, id or isbn)' }
    if (!/^[A-Za-z0-9._:-]{1,32}$/.test(sourceId)) {
      return { at, record: null, problem: `identifier not usable: ${sourceId}` }
    }
    const material = get('material')
    const materialType = material ? MATERIAL[material.toLowerCase()] : 'book'
    if (!materialType) return { at, record: null, problem: `unknown material type: ${material}` }
    const subject = get('subject')
    const record: RecordInput = {
      title,
      titleReading: get('titleReading'),
      author: get('author'),
      publisher: get('publisher').slice(0, 255),
      pubYear: yearOf(get('year')),
      isbn,
      ndc: get('ndc') || ndcOf(subject),
      materialType,
      subjects: subject
        .replace(/NDC\d*:\s*[0-9.]+/gi, '')
        .replace(/^[\s;／/]+|[\s;／/]+$/g, '')
        .slice(0, 500),
      note: get('note').slice(0, 500),
      source,
      sourceId,
    }
    return { at, record }
  })
}

// --- NDL OpenSearch RSS -----------------------------------------------------------------------

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  isArray: (name) =>
    ['item', 'dc:creator', 'dc:identifier', 'dc:subject', 'dc:publisher', 'author'].includes(name),
})

type Node = string | number | { '#text'?: string | number; [key: string]: unknown }

const textOf = (n: unknown): string =>
  typeof n === 'object' && n !== null ? clean((n as { '#text'?: unknown })['#text']) : clean(n)

const typed = (nodes: unknown, type: RegExp): string[] =>
  (Array.isArray(nodes) ? (nodes as Node[]) : [])
    .filter(
      (n) =>
        typeof n === 'object' &&
        type.test(String((n as Record<string, unknown>)['@xsi:type'] ?? '')),
    )
    .map(textOf)

export function rssItems(text: string): ImportItem[] {
  const blocks = text.match(/<rss[\s\S]*?<\/rss>/g) ?? []
  const out: ImportItem[] = []
  let n = 0
  for (const block of blocks) {
    const doc = xml.parse(block) as { rss?: { channel?: { item?: Record<string, unknown>[] } } }
    for (const item of doc.rss?.channel?.item ?? []) {
      const at = `item ${++n}`
      const title = textOf(item['dc:title'] ?? item.title)
      if (!title) {
        out.push({ at, record: null, problem: 'title missing' })
        continue
      }
      const link = textOf(item.link ?? item.guid)
      const sourceId = /\/([A-Za-z0-9-]{1,32})\/?$/.exec(link)?.[1] ?? ''
      if (!sourceId) {
        out.push({ at, record: null, problem: 'no NDL identifier (link)' })
        continue
      }
      const creators =
        (item['dc:creator'] as unknown[] | undefined)?.map(textOf).filter(Boolean) ?? []
      const isbn = typed(item['dc:identifier'], /ISBN/i).map(normaliseIsbn).find(Boolean) ?? null
      const ndc = typed(item['dc:subject'], /NDC/i)[0] ?? ''
      const subjects =
        (item['dc:subject'] as unknown[] | undefined)
          ?.filter((s) => typeof s !== 'object' || !(s as Record<string, unknown>)['@xsi:type'])
          .map(textOf)
          .filter(Boolean) ?? []
      const category = [item.category].flat().map(textOf)
      out.push({
        at,
        record: {
          title: [...title].slice(0, 500).join(''),
          titleReading: textOf(item['dcndl:titleTranscription']).slice(0, 500),
          author: creators.join('，').slice(0, 500),
          publisher: ((item['dc:publisher'] as unknown[] | undefined) ?? [])
            .map(textOf)
            .join('，')
            .slice(0, 255),
          pubYear: yearOf(textOf(item['dcterms:issued'] ?? item['dc:date'])),
          isbn,
          ndc: /^[0-9]{1,3}(\.[0-9]+)?$/.test(ndc) ? ndc : '',
          materialType: category.includes('雑誌') ? 'magazine' : 'book',
          subjects: subjects.join('；').slice(0, 500),
          source: 'ndl',
          sourceId,
        },
      })
    }
  }
  return out
}

/** The items of a file, by its name and content. */
export function importItems(name: string, text: string): ImportItem[] {
  if (/<rss[\s>]/.test(text)) return rssItems(text)
  if (/\.tsv$/i.test(name) || (!/\.csv$/i.test(name) && text.split('\n', 1)[0]?.includes('\t'))) {
    return delimitedItems(text, '\t')
  }
  return delimitedItems(text, ',')
}

const COMPARED = [
  ['title', 'title'],
  ['titleReading', 'title_reading'],
  ['author', 'author'],
  ['publisher', 'publisher'],
  ['pubYear', 'pub_year'],
  ['isbn', 'isbn'],
  ['ndc', 'ndc'],
  ['materialType', 'material_type'],
  ['subjects', 'subjects'],
  ['note', 'note'],
] as const

/** Items written per transaction: one commit per batch instead of one per record. */
export const IMPORT_BATCH = 200

/** Imports one item through `catalogue` (bound to the batch's transaction). */
async function importOne(
  catalogue: StaffCatalogueService,
  libraryId: number,
  item: ImportItem,
  summary: ImportSummary,
): Promise<void> {
  const { record } = item
  if (!record) {
    summary.rejected.push({ at: item.at, reason: item.problem ?? 'unreadable' })
    return
  }
  const existing = await catalogue.recordBySource(
    libraryId,
    record.source ?? '',
    record.sourceId ?? '',
  )
  if (!existing) {
    const created = await catalogue.createRecord(libraryId, record)
    if (created.ok) summary.added++
    else summary.rejected.push({ at: item.at, reason: created.reason })
    return
  }
  const change: Record<string, unknown> = {}
  for (const [input, column] of COMPARED) {
    const value = record[input] ?? (input === 'pubYear' || input === 'isbn' ? null : '')
    if (value !== existing[column]) change[input] = value
  }
  if (Object.keys(change).length === 0) {
    summary.unchanged++
    return
  }
  const updated = await catalogue.updateRecord(libraryId, existing.id, change)
  if (updated.ok) summary.updated++
  else summary.rejected.push({ at: item.at, reason: updated.reason })
}

/**
 * Imports items into a library, IMPORT_BATCH per transaction (a batch retried after a deadlock
 * is counted once); `progress` is told after each batch.
 */
export async function importRecords(
  catalogue: StaffCatalogueService,
  libraryId: number,
  items: readonly ImportItem[],
  progress: (done: number, total: number) => void = () => undefined,
): Promise<ImportSummary> {
  const summary: ImportSummary = { added: 0, updated: 0, unchanged: 0, rejected: [] }
  for (let start = 0; start < items.length; start += IMPORT_BATCH) {
    const chunk = items.slice(start, start + IMPORT_BATCH)
    const part = await catalogue.batch(async (inBatch) => {
      const counts: ImportSummary = { added: 0, updated: 0, unchanged: 0, rejected: [] }
      for (const item of chunk) await importOne(inBatch, libraryId, item, counts)
      return counts
    })
    summary.added += part.added
    summary.updated += part.updated
    summary.unchanged += part.unchanged
    summary.rejected.push(...part.rejected)
    progress(start + chunk.length, items.length)
  }
  return summary
}
