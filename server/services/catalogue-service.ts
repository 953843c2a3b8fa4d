// Catalogue search and record detail: validates what the patron asked for and returns an
// outcome both channels render. Matching is naive folded substring search for now; the
// catalogue-search issue replaces the repository behind it, not this contract.
import { MATERIAL_TYPES } from '../db/schema.ts'
import type { BibRecord, MaterialType } from '../db/schema.ts'
import { looksLikeIsbn, normaliseIsbn } from './isbn.ts'
import type {
  CopyRow,
  RecordHit,
  RecordRepository,
  SearchCriteria,
  SearchSort,
} from '../db/record-repository.ts'
import { foldWords } from './search/fold.ts'

export type { RecordHit }

export const MAX_QUERY_LENGTH = 200
export const MAX_PAGE = 10_000

/** The search as the patron asked for it: what links and pre-filled forms repeat. */
export interface SearchRequest {
  q: string
  title: string
  titleMode: 'prefix' | 'contains' | 'exact'
  author: string
  publisher: string
  subject: string
  isbn: string
  from: string
  to: string
  type: MaterialType[]
  branch: string
  ndc: string
  call: string
  avail: boolean
  sort: SearchSort
}

export const SORTS: Record<SearchSort, string> = {
  relevance: '適合順',
  title: 'タイトル順（50音）',
  author: '著者名順（50音）',
  year_desc: '出版年の新しい順',
  year_asc: '出版年の古い順',
}

export const TITLE_MODES = { contains: '部分一致', prefix: '前方一致', exact: '完全一致' } as const

export type SearchRefusal =
  | {
      ok: false
      reason: 'empty_query' | 'invalid' | 'bad_page'
      request: SearchRequest
      errors: FieldErrors
      /** True when the search came from the simple box (re-show that form, else 詳細検索). */
      simpleForm: boolean
    }
  | {
      ok: false
      reason: 'page_out_of_range'
      request: SearchRequest
      errors: FieldErrors
      simpleForm: boolean
      lastPage: number
    }

export interface SearchResult {
  ok: true
  request: SearchRequest
  /** The query parameters that reproduce this search (paging links, feeds, the other channel). */
  params: Record<string, string>
  /** True when only the simple box was used. */
  simple: boolean
  page: number
  perPage: number
  total: number
  lastPage: number
  hits: RecordHit[]
}

export type SearchOutcome = SearchResult | SearchRefusal
export type FieldErrors = Record<string, string>

export interface RecordDetail {
  record: BibRecord
  copies: CopyRow[]
  holdCount: number
  available: boolean
}

type Params = Record<string, string[] | undefined>
const last = (p: Params, name: string) => (p[name]?.[p[name].length - 1] ?? '').trim()

/** Reads a search from query parameters; the values are kept as typed for the form. */
export function readSearchRequest(p: Params): SearchRequest {
  const mode = last(p, 'mode')
  const sort = last(p, 'sort')
  return {
    q: last(p, 'q'),
    title: last(p, 'title'),
    titleMode: mode === 'prefix' || mode === 'exact' ? mode : 'contains',
    author: last(p, 'author'),
    publisher: last(p, 'publisher'),
    subject: last(p, 'subject'),
    isbn: last(p, 'isbn'),
    from: last(p, 'from'),
    to: last(p, 'to'),
    type: (p.type ?? []).filter((t): t is MaterialType =>
      (MATERIAL_TYPES as readonly string[]).includes(t),
    ),
    branch: last(p, 'branch'),
    ndc: last(p, 'ndc'),
    call: last(p, 'call'),
    avail: last(p, 'avail') === '1',
    sort: sort in SORTS ? (sort as SearchSort) : 'relevance',
  }
}

/** The query parameters of a request, without empty ones (for links). */
export function searchParams(r: SearchRequest): Record<string, string> {
  const out: Record<string, string> = {}
  const put = (k: string, v: string) => {
    if (v) out[k] = v
  }
  put('q', r.q)
  put('title', r.title)
  if (r.title && r.titleMode !== 'contains') put('mode', r.titleMode)
  put('author', r.author)
  put('publisher', r.publisher)
  put('subject', r.subject)
  put('isbn', r.isbn)
  put('from', r.from)
  put('to', r.to)
  put('type', r.type.join(','))
  put('branch', r.branch)
  put('ndc', r.ndc)
  put('call', r.call)
  if (r.avail) put('avail', '1')
  if (r.sort !== 'relevance') put('sort', r.sort)
  return out
}

/** Validates a request into folded criteria, or field errors in plain Japanese. */
export function searchCriteria(
  r: SearchRequest,
  branches: readonly { id: number; code: string }[],
): { ok: true; criteria: SearchCriteria } | { ok: false; empty: boolean; errors: FieldErrors } {
  const errors: FieldErrors = {}
  for (const [field, label] of [
    ['q', '検索語'],
    ['title', 'タイトル'],
    ['author', '著者名'],
    ['publisher', '出版者'],
    ['subject', '件名'],
  ] as const) {
    if (Array.from(r[field]).length > MAX_QUERY_LENGTH) {
      errors[field] = `${label}は${MAX_QUERY_LENGTH}文字以内で入力してください。`
    }
  }
  const criteria: SearchCriteria = { words: [], rankText: '' }
  // A free query that is an ISBN searches the ISBN (10 or 13 digits, hyphens or not).
  const qIsbn = looksLikeIsbn(r.q) ? normaliseIsbn(r.q) : null
  if (qIsbn) criteria.isbn = qIsbn
  else {
    const words = foldWords(r.q)
    // "こ こ ろ" (characters spaced out) means こころ, not three separate characters.
    criteria.words =
      words.length > 1 && words.every((w) => Array.from(w).length === 1) ? [words.join('')] : words
    criteria.rankText = criteria.words.join('')
  }
  // A field that folds to nothing (only punctuation, say) asks for nothing.
  if (foldWords(r.title).length) {
    criteria.title = { words: foldWords(r.title), mode: r.titleMode }
    if (!criteria.rankText) criteria.rankText = criteria.title.words.join('')
  }
  if (foldWords(r.author).length) criteria.author = foldWords(r.author)
  if (foldWords(r.publisher).length) criteria.publisher = foldWords(r.publisher)
  if (foldWords(r.subject).length) criteria.subject = foldWords(r.subject)
  if (r.isbn) {
    const isbn = normaliseIsbn(r.isbn)
    if (isbn) criteria.isbn = isbn
    else
      errors.isbn =
        'ISBNは10桁または13桁の数字で入力してください（ハイフンはあってもなくてもかまいません）。'
  }
  const year = (raw: string, field: 'from' | 'to') => {
    if (!raw) return undefined
    const y = raw.normalize('NFKC')
    if (!/^\d{4}$/.test(y)) {
      errors[field] = '出版年は西暦4桁で入力してください（例：1990）。'
      return undefined
    }
    return Number(y)
  }
  criteria.yearFrom = year(r.from, 'from')
  criteria.yearTo = year(r.to, 'to')
  if (criteria.yearFrom && criteria.yearTo && criteria.yearFrom > criteria.yearTo) {
    errors.to = '出版年の範囲は、はじめの年を終わりの年より前にしてください。'
  }
  if (r.type.length) criteria.materialTypes = [...r.type]
  if (r.branch) {
    const branch = branches.find((b) => b.code === r.branch)
    if (branch) criteria.branchId = branch.id
    else errors.branch = '所蔵館の指定が正しくありません。'
  }
  if (r.ndc) {
    const ndc = r.ndc.normalize('NFKC').toUpperCase()
    // Library B's manual: searching classification "C" finds picture-story shows (紙芝居).
    if (ndc === 'C') criteria.materialTypes = [...(criteria.materialTypes ?? []), 'kamishibai']
    else if (/^\d{1,3}(\.\d{0,6})?$/.test(ndc)) criteria.ndc = ndc
    else errors.ndc = '分類は数字（例：913）か、紙芝居なら C で入力してください。'
  }
  if (r.call) {
    const call = r.call.normalize('NFKC').toUpperCase()
    if (call.length > 20) errors.call = '請求記号は20文字以内で入力してください。'
    else criteria.callNumberPrefix = call
  }
  if (r.avail) criteria.availableOnly = true
  if (Object.keys(errors).length) return { ok: false, empty: false, errors }
  const any =
    criteria.words.length ||
    criteria.title?.words.length ||
    criteria.author?.length ||
    criteria.publisher?.length ||
    criteria.subject?.length ||
    criteria.isbn ||
    criteria.yearFrom ||
    criteria.yearTo ||
    criteria.materialTypes?.length ||
    criteria.branchId ||
    criteria.ndc ||
    criteria.callNumberPrefix
  if (!any) return { ok: false, empty: true, errors: { q: '検索語を入力してください。' } }
  return { ok: true, criteria }
}

/** Parses ?page=: absent → 1; anything but a positive integer up to MAX_PAGE → null. */
export function parsePage(raw: string | undefined): number | null {
  if (raw === undefined || raw === '') return 1
  if (!/^\d{1,6}$/.test(raw)) return null
  const page = Number(raw)
  return page >= 1 && page <= MAX_PAGE ? page : null
}

/** Parses a record id from a URL segment; null when it cannot be an id. */
export function parseRecordId(raw: string | undefined): number | null {
  if (raw === undefined || !/^[1-9]\d{0,9}$/.test(raw)) return null
  const id = Number(raw)
  return id <= 4_294_967_295 ? id : null
}

export function catalogueService(records: RecordRepository) {
  return {
    async search(
      libraryId: number,
      branches: readonly { id: number; code: string }[],
      input: { params: Params; perPage: number },
    ): Promise<SearchOutcome> {
      const request = readSearchRequest(input.params)
      const simpleForm = Object.keys(searchParams(request)).every((k) => k === 'q' || k === 'sort')
      const checked = searchCriteria(request, branches)
      if (!checked.ok) {
        const reason = checked.empty ? 'empty_query' : 'invalid'
        return { ok: false, reason, request, errors: checked.errors, simpleForm }
      }
      const page = parsePage(last(input.params, 'page') || undefined)
      if (page === null) {
        const errors = { page: 'ページの指定が正しくありません。' }
        return { ok: false, reason: 'bad_page', request, errors, simpleForm }
      }
      const offset = (page - 1) * input.perPage
      const { total, hits } = await records.search(
        libraryId,
        checked.criteria,
        request.sort,
        offset,
        input.perPage,
      )
      const lastPage = Math.max(1, Math.ceil(total / input.perPage))
      if (total > 0 && page > lastPage) {
        return {
          ok: false,
          reason: 'page_out_of_range',
          request,
          errors: { page: 'このページはありません。' },
          simpleForm,
          lastPage,
        }
      }
      const params = searchParams(request)
      return {
        ok: true,
        request,
        params,
        simple: simpleForm,
        page,
        perPage: input.perPage,
        total,
        lastPage,
        hits,
      }
    },

    /** Counts for refining the same search (by branch, type, decade, class). */
    async facets(
      libraryId: number,
      branches: readonly { id: number; code: string }[],
      request: SearchRequest,
    ) {
      const checked = searchCriteria(request, branches)
      return checked.ok ? records.facets(libraryId, checked.criteria) : null
    },

    /** The ids of the records with this ISBN (normalised, 13 digits). */
    recordIdsByIsbn(libraryId: number, isbn: string): Promise<number[]> {
      return records.byIsbn(libraryId, isbn)
    },

    async record(libraryId: number, id: number): Promise<RecordDetail | null> {
      const record = await records.byId(libraryId, id)
      if (!record) return null
      const [copies, holdCount] = await Promise.all([
        records.copies(libraryId, id),
        records.activeHoldCount(libraryId, id),
      ])
      const available = copies.some((c) => c.status === 'available' && !c.reference_only)
      return { record, copies, holdCount, available }
    },
  }
}

export type CatalogueService = ReturnType<typeof catalogueService>
