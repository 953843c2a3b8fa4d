// The catalogue's URLs as the web pages use them: a search request read from query parameters
// (as typed, for the forms to show again) and written back for links, page numbers and record
// ids read from the URL. The catalogue, feed, browse and list pages share these; the search
// service itself takes the typed request (services/catalogue-service.ts).
import type { Params } from '../middleware/query.ts'
import {
  MAX_PAGE,
  SEARCH_MATERIAL_TYPES,
  SEARCH_SORTS,
  TITLE_MODES,
} from '../services/catalogue-service.ts'
import type { SearchRequest, SearchSort, TitleMode } from '../services/catalogue-service.ts'

const last = (p: Params, name: string) => (p[name]?.[p[name].length - 1] ?? '').trim()

const oneOf = <T extends string>(values: readonly T[], value: string): T | undefined =>
  values.find((v) => v === value)

/** Reads a search from query parameters; the values are kept as typed for the form. */
export function readSearchRequest(p: Params): SearchRequest {
  return {
    q: last(p, 'q'),
    title: last(p, 'title'),
    titleMode: oneOf<TitleMode>(TITLE_MODES, last(p, 'mode')) ?? 'contains',
    titleSub: last(p, 'sub') === '1',
    author: last(p, 'author'),
    publisher: last(p, 'publisher'),
    subject: last(p, 'subject'),
    isbn: last(p, 'isbn'),
    from: last(p, 'from'),
    to: last(p, 'to'),
    type: (p.type ?? []).flatMap((t) => oneOf(SEARCH_MATERIAL_TYPES, t) ?? []),
    branch: last(p, 'branch'),
    ndc: last(p, 'ndc'),
    call: last(p, 'call'),
    avail: last(p, 'avail') === '1',
    sort: oneOf<SearchSort>(SEARCH_SORTS, last(p, 'sort')) ?? 'relevance',
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
  if (r.title && r.titleMode !== 'contains' && r.titleSub) put('sub', '1')
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

/** Parses ?page=: absent → 1; anything but a positive integer up to MAX_PAGE → null. */
export function parsePage(raw: string | undefined): number | null {
  if (raw === undefined || raw === '') return 1
  if (!/^\d{1,6}$/.test(raw)) return null
  const page = Number(raw)
  return page >= 1 && page <= MAX_PAGE ? page : null
}

/**
 * The page a search asks for: absent → 1, else the number written, or NaN when it is none
 * (the catalogue service refuses pages outside 1 … MAX_PAGE as bad_page, after checking the
 * search itself, so that a bad search is reported first).
 */
export function readSearchPage(p: Params): number {
  const raw = last(p, 'page')
  if (raw === '') return 1
  return /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN
}

/** Parses a record id from a URL segment; null when it cannot be an id. */
export function parseRecordId(raw: string | undefined): number | null {
  if (raw === undefined || !/^[1-9]\d{0,9}$/.test(raw)) return null
  const id = Number(raw)
  return id <= 4_294_967_295 ? id : null
}
