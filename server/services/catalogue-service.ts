// Catalogue search and record detail: validates what a patron asked for (a typed search
// request, however it arrived: the web pages read it from query parameters, the staff API and
// SRU will build it from theirs), folds it into criteria and returns an outcome with codes —
// never sentences — that every front end words its own way; the search itself is the search
// service's (services/search/search-service.ts).
import { MATERIAL_TYPES } from '../db/schema.ts'
import type { BibRecord, MaterialType } from '../db/schema.ts'
import type { CopyRow, RecordHit, RecordRepository } from '../db/record-repository.ts'
import type { SearchCriteria, SearchSort, TitleMode } from '../db/search-repository.ts'
import { looksLikeIsbn, normaliseIsbn } from './isbn.ts'
import { foldWords } from './search/fold.ts'
import type { SearchService } from './search/search-service.ts'

export type { RecordHit, SearchSort, TitleMode }

export const MAX_QUERY_LENGTH = 200
export const MAX_CALL_NUMBER_LENGTH = 20
export const MAX_PAGE = 10_000

/** The sorts a search may ask for (the first is the default). */
export const SEARCH_SORTS: readonly SearchSort[] = [
  'relevance',
  'title',
  'author',
  'year_desc',
  'year_asc',
]

/** The material types a search may ask for. */
export const SEARCH_MATERIAL_TYPES: readonly MaterialType[] = MATERIAL_TYPES

/** How a title is matched (the first is the default). */
export const TITLE_MODES: readonly TitleMode[] = ['contains', 'prefix', 'exact']

/** The search as the patron asked for it: what links and pre-filled forms repeat. */
export interface SearchRequest {
  q: string
  title: string
  titleMode: TitleMode
  /** 前方一致・完全一致 also on the subtitle and series (default: the title proper only). */
  titleSub?: boolean
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

/** A request that asks nothing yet (every field empty, the default mode and sort). */
export function emptySearchRequest(): SearchRequest {
  return {
    q: '',
    title: '',
    titleMode: 'contains',
    author: '',
    publisher: '',
    subject: '',
    isbn: '',
    from: '',
    to: '',
    type: [],
    branch: '',
    ndc: '',
    call: '',
    avail: false,
    sort: 'relevance',
  }
}

/** Which page of how many hits a search wants: page 1 … MAX_PAGE. */
export interface SearchPageRequest {
  page: number
  perPage: number
}

/** What is wrong with a request, by field (a page number is no field of a form). */
export interface SearchErrors {
  q?: 'too_long' | 'empty'
  title?: 'too_long'
  author?: 'too_long'
  publisher?: 'too_long'
  subject?: 'too_long'
  isbn?: 'isbn_invalid'
  from?: 'year_format'
  to?: 'year_format' | 'year_order'
  branch?: 'unknown_branch'
  ndc?: 'ndc_invalid'
  call?: 'too_long'
  page?: 'bad_page' | 'page_out_of_range'
}

export type SearchErrorField = keyof SearchErrors

export type SearchRefusal =
  | {
      ok: false
      reason: 'empty_query' | 'invalid' | 'bad_page'
      request: SearchRequest
      errors: SearchErrors
      /** True when the search came from the simple box (re-show that form, else 詳細検索). */
      simpleForm: boolean
    }
  | {
      ok: false
      reason: 'page_out_of_range'
      request: SearchRequest
      errors: SearchErrors
      simpleForm: boolean
      lastPage: number
    }

export interface SearchResult {
  ok: true
  request: SearchRequest
  /** True when only the simple box was used. */
  simple: boolean
  page: number
  perPage: number
  total: number
  lastPage: number
  hits: RecordHit[]
  /**
   * The words found nothing: the hits are records whose readings are near them, and these
   * the titles or authors to offer (「もしかして」).
   */
  near?: { suggestions: string[] }
}

export type SearchOutcome = SearchResult | SearchRefusal

export interface RecordDetail {
  record: BibRecord
  copies: CopyRow[]
  holdCount: number
  available: boolean
}

/** True when a request asks only what the simple search box asks: words and a sort. */
export function isSimpleSearch(r: SearchRequest): boolean {
  return (
    !r.title &&
    !r.author &&
    !r.publisher &&
    !r.subject &&
    !r.isbn &&
    !r.from &&
    !r.to &&
    r.type.length === 0 &&
    !r.branch &&
    !r.ndc &&
    !r.call &&
    !r.avail
  )
}

/** Validates a request into folded criteria, or error codes by field. */
export function searchCriteria(
  r: SearchRequest,
  branches: readonly { id: number; code: string }[],
): { ok: true; criteria: SearchCriteria } | { ok: false; empty: boolean; errors: SearchErrors } {
  const errors: SearchErrors = {}
  for (const field of ['q', 'title', 'author', 'publisher', 'subject'] as const) {
    if (Array.from(r[field]).length > MAX_QUERY_LENGTH) errors[field] = 'too_long'
  }
  const criteria: SearchCriteria = { words: [], rankText: '' }
  // A free query that is an ISBN searches the ISBN (10 or 13 digits, hyphens or not).
  const qIsbn = looksLikeIsbn(r.q) ? normaliseIsbn(r.q) : null
  if (qIsbn) criteria.isbn = qIsbn
  else {
    const words = foldWords(r.q)
    // Words are ANDed whatever their order or length: 「心 の」 finds what 「の 心」 finds. A
    // repeated word asks for nothing more. The ranking text keeps the order typed, so "こ こ ろ"
    // (characters spaced out) still puts こころ first.
    criteria.words = [...new Set(words)]
    criteria.rankText = words.join('')
  }
  // A field that folds to nothing (only punctuation, say) asks for nothing.
  if (foldWords(r.title).length) {
    criteria.title = { words: foldWords(r.title), mode: r.titleMode }
    if (r.titleSub && r.titleMode !== 'contains') criteria.title.subtitles = true
    if (!criteria.rankText) criteria.rankText = criteria.title.words.join('')
  }
  if (foldWords(r.author).length) criteria.author = foldWords(r.author)
  if (foldWords(r.publisher).length) criteria.publisher = foldWords(r.publisher)
  if (foldWords(r.subject).length) criteria.subject = foldWords(r.subject)
  if (r.isbn) {
    const isbn = normaliseIsbn(r.isbn)
    if (isbn) criteria.isbn = isbn
    else errors.isbn = 'isbn_invalid'
  }
  const year = (raw: string, field: 'from' | 'to') => {
    if (!raw) return undefined
    const y = raw.normalize('NFKC')
    if (!/^\d{4}$/.test(y)) {
      errors[field] = 'year_format'
      return undefined
    }
    return Number(y)
  }
  criteria.yearFrom = year(r.from, 'from')
  criteria.yearTo = year(r.to, 'to')
  if (criteria.yearFrom && criteria.yearTo && criteria.yearFrom > criteria.yearTo) {
    errors.to = 'year_order'
  }
  if (r.type.length) criteria.materialTypes = [...r.type]
  if (r.branch) {
    const branch = branches.find((b) => b.code === r.branch)
    if (branch) criteria.branchId = branch.id
    else errors.branch = 'unknown_branch'
  }
  if (r.ndc) {
    const ndc = r.ndc.normalize('NFKC').toUpperCase()
    // Library B's manual: searching classification "C" finds picture-story shows (紙芝居).
    if (ndc === 'C') criteria.materialTypes = [...(criteria.materialTypes ?? []), 'kamishibai']
    else if (/^\d{1,3}(\.\d{0,6})?$/.test(ndc)) criteria.ndc = ndc
    else errors.ndc = 'ndc_invalid'
  }
  if (r.call) {
    const call = r.call.normalize('NFKC').toUpperCase()
    if (call.length > MAX_CALL_NUMBER_LENGTH) errors.call = 'too_long'
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
  if (!any) return { ok: false, empty: true, errors: { q: 'empty' } }
  return { ok: true, criteria }
}

export function catalogueService(deps: { records: RecordRepository; search: SearchService }) {
  const { records, search } = deps
  return {
    /** One page of the search a request asks for, or why not (codes by field). */
    async search(
      libraryId: number,
      branches: readonly { id: number; code: string }[],
      request: SearchRequest,
      { page, perPage }: SearchPageRequest,
    ): Promise<SearchOutcome> {
      const simpleForm = isSimpleSearch(request)
      const checked = searchCriteria(request, branches)
      if (!checked.ok) {
        const reason = checked.empty ? 'empty_query' : 'invalid'
        return { ok: false, reason, request, errors: checked.errors, simpleForm }
      }
      if (!Number.isInteger(page) || page < 1 || page > MAX_PAGE) {
        return { ok: false, reason: 'bad_page', request, errors: { page: 'bad_page' }, simpleForm }
      }
      const { total, hits, near } = await search.search(libraryId, checked.criteria, request.sort, {
        offset: (page - 1) * perPage,
        limit: perPage,
      })
      const lastPage = Math.max(1, Math.ceil(total / perPage))
      if (total > 0 && page > lastPage) {
        return {
          ok: false,
          reason: 'page_out_of_range',
          request,
          errors: { page: 'page_out_of_range' },
          simpleForm,
          lastPage,
        }
      }
      return {
        ok: true,
        request,
        simple: simpleForm,
        page,
        perPage,
        total,
        lastPage,
        hits,
        ...(near ? { near } : {}),
      }
    },

    /**
     * The ids of the records a request matches from `offset` (SRU pages by record, not by
     * page), ranked or sorted as the request says, and their total; or why not (codes by field).
     */
    async searchIds(
      libraryId: number,
      branches: readonly { id: number; code: string }[],
      request: SearchRequest,
      range: { offset: number; limit: number },
    ): Promise<
      | { ok: true; total: number; ids: number[] }
      | { ok: false; empty: boolean; errors: SearchErrors }
    > {
      const checked = searchCriteria(request, branches)
      if (!checked.ok) return checked
      const { total, hits } = await search.search(libraryId, checked.criteria, request.sort, range)
      return { ok: true, total, ids: hits.map((h) => h.id) }
    },

    /** Counts for refining the same search (by branch, type, decade, class). */
    async facets(
      libraryId: number,
      branches: readonly { id: number; code: string }[],
      request: SearchRequest,
    ) {
      const checked = searchCriteria(request, branches)
      return checked.ok ? search.facets(libraryId, checked.criteria) : null
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
