// SRU searchRetrieve against one library's catalogue: the CQL query (cql.ts) as an OR of ANDs
// of the catalogue's search requests (sru-query.ts), answered by the catalogue service — the
// search the pages use. One request alone is paged by the search service itself; other
// queries combine the ids of their parts as sets (each part at most SET_LIMIT records, or
// diagnostic 60), ordered by the sort key.
import type { LibraryContext } from '../library-service.ts'
import type { InteropRecord, InteropRepository } from '../../db/interop-repository.ts'
import type {
  CatalogueService,
  SearchErrors,
  SearchRequest,
  SearchSort,
} from '../catalogue-service.ts'
import { CqlError, parseCql } from './cql.ts'
import { matchesNothing, mergeRequests, mergeTerms, sruConjunctions } from './sru-query.ts'
import type { Conjunction } from './sru-query.ts'

/** Most records one part of a combined (or, not) query may match. */
export const SET_LIMIT = 2000

/** The sorts sortKeys may ask for: title (50音) and date, each either way. */
export type SruSort = 'relevance' | 'title' | 'title_desc' | 'date' | 'date_desc'

export interface SruSearch {
  query: string
  /** 1-based. */
  startRecord: number
  maximumRecords: number
  sort: SruSort
}

export type SruSearchOutcome =
  | { ok: true; total: number; records: InteropRecord[] }
  | { ok: false; diagnostic: number; details: string }

/** The catalogue's sort for an SRU one (descending title has none: the set path orders it). */
function catalogueSort(sort: SruSort): SearchSort | null {
  if (sort === 'relevance') return 'relevance'
  if (sort === 'title') return 'title'
  if (sort === 'date') return 'year_asc'
  if (sort === 'date_desc') return 'year_desc'
  return null
}

/** The SRU diagnostic of a request the catalogue refused (a word too long, a bad year …). */
function refusal(errors: SearchErrors): {
  diagnostic: number
  details: string
} {
  const [field, code] = Object.entries(errors).find(([, v]) => v) ?? ['query', 'invalid']
  return { diagnostic: code === 'too_long' ? 23 : 36, details: `${field}: ${code}` }
}

export function sruService(deps: { catalogue: CatalogueService; interop: InteropRepository }) {
  const { catalogue, interop } = deps

  /** The ids of one request (at most SET_LIMIT, or diagnostic 60), in the catalogue's order. */
  async function idsOf(lib: LibraryContext, request: SearchRequest): Promise<number[]> {
    if (matchesNothing(request)) return []
    const found = await catalogue.searchIds(lib.library.id, lib.branches, request, {
      offset: 0,
      limit: SET_LIMIT + 1,
    })
    if (!found.ok) {
      const { diagnostic, details } = refusal(found.errors)
      throw new CqlError(diagnostic, details)
    }
    if (found.total > SET_LIMIT) {
      throw new CqlError(60, `a part of the query matches more than ${SET_LIMIT} records`)
    }
    return found.ids
  }

  /** The records an AND of terms matches, as ids in the order of its first request. */
  async function conjunctionIds(lib: LibraryContext, terms: Conjunction): Promise<number[]> {
    const positives = mergeTerms(terms.filter((t) => !t.negated).map((t) => t.request))
    let ids: number[] | null = null
    for (const request of positives) {
      const part = await idsOf(lib, request)
      ids = ids === null ? part : intersect(ids, part)
      if (ids.length === 0) return []
    }
    const base = positives[0] as SearchRequest
    for (const term of terms.filter((t) => t.negated)) {
      // What to take away is at most what the AND with the first request matches.
      const narrowed = mergeRequests(base, term.request) ?? term.request
      const remove = new Set(await idsOf(lib, narrowed))
      ids = (ids ?? []).filter((id) => !remove.has(id))
    }
    return ids ?? []
  }

  async function ordered(lib: LibraryContext, ids: number[], sort: SruSort): Promise<number[]> {
    if (sort === 'relevance' || ids.length < 2) return ids
    const keys = await interop.sortKeys(lib.library.id, ids)
    const sign = sort.endsWith('_desc') ? -1 : 1
    return keys
      .sort((a, b) => {
        if (sort.startsWith('title')) {
          if (a.sort_title !== b.sort_title) return (a.sort_title < b.sort_title ? -1 : 1) * sign
        } else if (a.pub_year !== b.pub_year) {
          // records without a year last, whichever way
          if (a.pub_year === null) return 1
          if (b.pub_year === null) return -1
          return (a.pub_year - b.pub_year) * sign
        }
        return a.id - b.id
      })
      .map((k) => k.id)
  }

  return {
    async search(lib: LibraryContext, s: SruSearch): Promise<SruSearchOutcome> {
      try {
        const conjunctions = sruConjunctions(parseCql(s.query))
        const only = conjunctions.length === 1 ? conjunctions[0] : undefined
        const merged =
          only && only.every((t) => !t.negated) ? mergeTerms(only.map((t) => t.request)) : []
        const sort = catalogueSort(s.sort)
        const single = merged.length === 1 ? merged[0] : undefined
        if (single && sort) {
          // One request: the search service pages it.
          if (matchesNothing(single)) return { ok: true, total: 0, records: [] }
          const found = await catalogue.searchIds(
            lib.library.id,
            lib.branches,
            { ...single, sort },
            { offset: s.startRecord - 1, limit: s.maximumRecords },
          )
          if (!found.ok) return { ok: false, ...refusal(found.errors) }
          const records = await interop.records(lib.library.id, found.ids)
          return { ok: true, total: found.total, records }
        }
        const seen = new Set<number>()
        const all: number[] = []
        for (const conjunction of conjunctions) {
          for (const id of await conjunctionIds(lib, conjunction)) {
            if (!seen.has(id)) {
              seen.add(id)
              all.push(id)
            }
          }
        }
        const sorted = await ordered(lib, all, s.sort)
        const page = sorted.slice(s.startRecord - 1, s.startRecord - 1 + s.maximumRecords)
        return {
          ok: true,
          total: sorted.length,
          records: await interop.records(lib.library.id, page),
        }
      } catch (err) {
        if (err instanceof CqlError)
          return { ok: false, diagnostic: err.diagnostic, details: err.message }
        throw err
      }
    },
  }
}

function intersect(a: readonly number[], b: readonly number[]): number[] {
  const set = new Set(b)
  return a.filter((id) => set.has(id))
}

export type SruService = ReturnType<typeof sruService>
