// Catalogue search and record detail: validates what the patron asked for and returns an
// outcome both channels render. Matching is naive folded substring search for now; the
// catalogue-search issue replaces the repository behind it, not this contract.
import type { BibRecord } from '../db/schema.ts'
import type { CopyRow, RecordHit, RecordRepository } from '../db/record-repository.ts'
import { foldWords } from './search/fold.ts'

export const MAX_QUERY_LENGTH = 200
export const MAX_PAGE = 10_000

export type SearchRefusal =
  | { ok: false; reason: 'empty_query'; query: string }
  | { ok: false; reason: 'query_too_long'; query: string; max: number }
  | { ok: false; reason: 'bad_page'; query: string }
  | { ok: false; reason: 'bad_filter'; query: string }
  | { ok: false; reason: 'page_out_of_range'; query: string; lastPage: number }

/** Limits a search to part of the catalogue (more come with the detailed search). */
export interface SearchFilters {
  /** NDC prefix: '9', '91', '913'. */
  ndc?: string
}

export interface SearchResult {
  ok: true
  query: string
  filters: SearchFilters
  /** The query parameters that reproduce this search (for paging links and feeds). */
  params: { q?: string; ndc?: string }
  page: number
  perPage: number
  total: number
  lastPage: number
  hits: RecordHit[]
}

export type SearchOutcome = SearchResult | SearchRefusal

export interface RecordDetail {
  record: BibRecord
  copies: CopyRow[]
  holdCount: number
  available: boolean
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
      input: {
        query: string | undefined
        page: string | undefined
        perPage: number
        ndc?: string | undefined
      },
    ): Promise<SearchOutcome> {
      const query = (input.query ?? '').trim()
      if (Array.from(query).length > MAX_QUERY_LENGTH) {
        return { ok: false, reason: 'query_too_long', query: '', max: MAX_QUERY_LENGTH }
      }
      const ndc = input.ndc === undefined || input.ndc === '' ? undefined : input.ndc
      if (ndc !== undefined && !/^\d{1,3}$/.test(ndc))
        return { ok: false, reason: 'bad_filter', query }
      const filters: SearchFilters = ndc === undefined ? {} : { ndc }
      const words = foldWords(query)
      if (words.length === 0 && ndc === undefined)
        return { ok: false, reason: 'empty_query', query }
      const page = parsePage(input.page)
      if (page === null) return { ok: false, reason: 'bad_page', query }
      const offset = (page - 1) * input.perPage
      const { total, hits } = await records.search(
        libraryId,
        words,
        query,
        offset,
        input.perPage,
        filters,
      )
      const lastPage = Math.max(1, Math.ceil(total / input.perPage))
      if (total > 0 && page > lastPage) {
        return { ok: false, reason: 'page_out_of_range', query, lastPage }
      }
      const params = { ...(query ? { q: query } : {}), ...filters }
      return {
        ok: true,
        query,
        filters,
        params,
        page,
        perPage: input.perPage,
        total,
        lastPage,
        hits,
      }
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
