// The catalogue search as the app runs it: for folded criteria (catalogue-service.ts makes
// them from a patron's request; the staff API and SRU will make them from theirs), decides
// what the index engine answers and what SQL does, and returns the page's hits and the total,
// or the facet counts. The index answers words, title/author/publisher/subject fields and record
// filters (a call-number prefix as the records the copy table names) ranked or newest first
// by itself; for a one-character exact title or subject word, or a
// 50音/oldest-first sort too deep for it, it narrows the records down and SQL
// (db/search-repository.ts) does the rest; without a usable index SQL does it all. The
// answers are the same either way.
import type {
  Facets,
  FieldTerms,
  SearchCriteria,
  SearchRepository,
  SearchSort,
} from '../../db/search-repository.ts'
import { byCount } from '../../db/search-repository.ts'
import type { RecordHit } from '../../db/record-repository.ts'
import type { MaterialType } from '../../db/schema.ts'
import { looseReading } from './loose-reading.ts'
import type { IndexFacets, SearchEngine, SearchFilters } from './search-engine.ts'

/**
 * Above this many records, a sorted page too deep for the index is left to the LIKE scan,
 * whose indexed sorts stop early on large result sets.
 */
const CANDIDATE_LIMIT = 5000

/** Sorted pages up to this far in are picked by the index (beyond, SQL sorts the lot). */
const SORTED_TOP_LIMIT = 5000

/** How the index serves these criteria: its words, field terms and filters. */
interface IndexPlan {
  words: string[]
  fields: FieldTerms
  filters: SearchFilters
}

function indexPlan(c: SearchCriteria): IndexPlan {
  const filters: SearchFilters = {
    materialTypes: c.materialTypes,
    yearFrom: c.yearFrom,
    yearTo: c.yearTo,
    ndcPrefix: c.ndc,
    branchId: c.branchId,
    availableNow: c.availableOnly,
    isbn: c.isbn,
    callNumberPrefix: c.callNumberPrefix || undefined,
  }
  const fields: FieldTerms = {
    title: c.title,
    author: c.author,
    publisher: c.publisher,
    subject: c.subject,
  }
  return { words: c.words, fields, filters }
}

/** A page of a search: its hits and total, and whether they are the fallback's. */
export interface SearchAnswer {
  total: number
  hits: RecordHit[]
  /**
   * The words found nothing; these are the records whose readings are near them (when the
   * words are kana), and the titles or authors they are (「もしかして」).
   */
  near?: { suggestions: string[] }
}

/** 「もしかして」 offers this many titles or authors at most. */
const SUGGESTIONS = 3

/**
 * The loose key (loose-reading.ts) a search falls back to when it finds nothing, or '': a
 * search by free words alone (filters allowed), written in kana, 2+ characters loosened.
 */
function nearReadingKey(c: SearchCriteria): string {
  const fielded =
    c.title !== undefined ||
    !!c.author?.length ||
    !!c.publisher?.length ||
    !!c.subject?.length ||
    c.isbn !== undefined ||
    !!c.callNumberPrefix
  if (fielded) return ''
  const key = looseReading(c.words.join(''))
  return Array.from(key).length >= 2 ? key : ''
}

export function searchService(deps: {
  repository: SearchRepository
  /** Without an engine: SQL alone (LIKE scans), the reference the index is tested against. */
  engine?: SearchEngine
}) {
  const { repository: sql, engine } = deps

  /**
   * The index's records for a page it cannot pick by itself (a sorted page too deep): their
   * ids when few enough to hand to SQL, null when there are too many (or no index: SQL scans).
   */
  const candidates = async (
    engine: SearchEngine,
    libraryId: number,
    { words, filters, fields }: IndexPlan,
  ): Promise<number[] | null> => {
    const set = await engine.matchedSet(libraryId, words, { filters, fields })
    return set && set.total <= CANDIDATE_LIMIT ? set.ids() : null
  }

  /** All the counts of one set of criteria (NDC: one level below ndcParent). */
  const facetsOf = async (
    libraryId: number,
    criteria: SearchCriteria,
    ndcParent: string | null,
  ): Promise<Facets> => {
    if (!engine) return sql.facets(libraryId, criteria, undefined, ndcParent)
    const plan = indexPlan(criteria)
    const f = await engine.facets(libraryId, plan.words, { ...plan, ndcParent })
    return f ? indexFacets(libraryId, f) : sql.facets(libraryId, criteria, undefined, ndcParent)
  }

  /** The index's facet counts in the shape of the SQL ones (branches in their order). */
  const indexFacets = async (libraryId: number, f: IndexFacets): Promise<Facets> => {
    const branches = await sql.branches(libraryId)
    return {
      branches: branches.flatMap((b) => {
        const count = f.branches.get(b.id)
        return count ? [{ id: b.id, name: b.name, count }] : []
      }),
      materialTypes: byCount(
        [...f.materialTypes].map(([value, count]) => ({ value: value as MaterialType, count })),
      ),
      decades: [...f.decades]
        .map(([value, count]) => ({ value, count }))
        .sort((a, b) => b.value - a.value),
      ndcClasses: [...f.ndcClasses]
        .map(([value, count]) => ({ value, count }))
        .sort((a, b) => (a.value < b.value ? -1 : 1)),
    }
  }

  /** The records matching the criteria, ranked or sorted: one page, and the total. */
  const matchingPage = async (
    libraryId: number,
    criteria: SearchCriteria,
    sort: SearchSort,
    page: { offset: number; limit: number },
  ): Promise<{ total: number; hits: RecordHit[] }> => {
    if (!engine) return sql.search(libraryId, criteria, sort, page)
    const { offset, limit } = page
    const plan = indexPlan(criteria)
    if (sort === 'relevance' || sort === 'year_desc') {
      const found = await engine.searchIds(libraryId, plan.words, {
        offset,
        limit,
        filters: plan.filters,
        fields: plan.fields,
        rankText: criteria.rankText,
        newestFirst: sort === 'year_desc',
      })
      if (!found) return sql.search(libraryId, criteria, sort, page)
      return { total: found.total, hits: await sql.hitsByIds(libraryId, found.ids) }
    }
    if (offset + limit <= SORTED_TOP_LIMIT) {
      // 50音 or oldest first: the index knows each record's place in these orders
      const set = await engine.matchedSet(libraryId, plan.words, plan)
      if (set) {
        const ids = set.top(sort, offset + limit)
        return sql.search(libraryId, criteria, sort, page, { ids, total: set.total })
      }
    }
    const ids = await candidates(engine, libraryId, plan)
    return sql.search(libraryId, criteria, sort, page, ids ? { ids } : undefined)
  }

  return {
    /**
     * Matching records, ranked or sorted: one page of hits, and the total for paging. When
     * free words written in kana find nothing, the records whose title or author reading
     * starts with them read loosely (ぼちゃん: 坊っちゃん) instead, with `near` saying so.
     */
    async search(
      libraryId: number,
      criteria: SearchCriteria,
      sort: SearchSort,
      page: { offset: number; limit: number },
    ): Promise<SearchAnswer> {
      const found = await matchingPage(libraryId, criteria, sort, page)
      const key = found.total === 0 ? nearReadingKey(criteria) : ''
      if (key === '') return found
      const near = await sql.nearReadings(libraryId, criteria, key, page, SUGGESTIONS)
      if (near.total === 0) return found
      return { total: near.total, hits: near.hits, near: { suggestions: near.suggestions } }
    },

    /**
     * Counts for refining the search, each for the set its link shows: a branch's count is
     * what choosing that branch instead gives (the search without its branch, copies there),
     * likewise material types and decades; NDC drills down one level below the chosen class
     * (classes, then the divisions of a class, then the sections of a division).
     */
    async facets(libraryId: number, criteria: SearchCriteria): Promise<Facets> {
      const ndc = criteria.ndc ?? ''
      const ndcParent = /^[0-9]{0,2}$/.test(ndc) ? ndc : null
      const parts = {
        branches: { ...criteria, branchId: undefined },
        materialTypes: { ...criteria, materialTypes: undefined },
        decades: { ...criteria, yearFrom: undefined, yearTo: undefined },
        ndcClasses: criteria,
      }
      const computed = new Map<string, Promise<Facets>>()
      const of = (c: SearchCriteria) => {
        const key = JSON.stringify(c)
        let f = computed.get(key)
        if (!f) {
          f = facetsOf(libraryId, c, ndcParent)
          computed.set(key, f)
        }
        return f
      }
      const [branches, materialTypes, decades, ndcClasses] = await Promise.all([
        of(parts.branches),
        of(parts.materialTypes),
        of(parts.decades),
        of(parts.ndcClasses),
      ])
      return {
        branches: branches.branches,
        materialTypes: materialTypes.materialTypes,
        decades: decades.decades,
        ndcClasses: ndcClasses.ndcClasses,
      }
    },
  }
}

export type SearchService = ReturnType<typeof searchService>
