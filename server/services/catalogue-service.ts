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
  | { ok: false; reason: 'page_out_of_range'; query: string; lastPage: number }

export interface SearchResult {
  ok: true
  query: string
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
      input: { query: string | undefined; page: string | undefined; perPage: number },
    ): Promise<SearchOutcome> {
      const query = (input.query ?? '').trim()
      if (Array.from(query).length > MAX_QUERY_LENGTH) {
        return { ok: false, reason: 'query_too_long', query: '', max: MAX_QUERY_LENGTH }
      }
      const words = foldWords(query)
      if (words.length === 0) return { ok: false, reason: 'empty_query', query }
      const page = parsePage(input.page)
      if (page === null) return { ok: false, reason: 'bad_page', query }
      const offset = (page - 1) * input.perPage
      const { total, hits } = await records.search(libraryId, words, query, offset, input.perPage)
      const lastPage = Math.max(1, Math.ceil(total / input.perPage))
      if (total > 0 && page > lastPage) {
        return { ok: false, reason: 'page_out_of_range', query, lastPage }
      }
      return { ok: true, query, page, perPage: input.perPage, total, lastPage, hits }
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
