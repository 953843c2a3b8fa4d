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
import type { IndexFacets, SearchEngine, SearchFilters } from './search-engine.ts'

/**
 * Above this many candidates from the index, a search the index cannot answer by itself (a
 * field search, a call-number prefix, a sort other than relevance or newest) is left to the
 * LIKE scan, whose indexed sorts stop early on large result sets.
 */
const CANDIDATE_LIMIT = 5000

/** Sorted pages up to this far in are picked by the index (beyond, SQL sorts the lot). */
const SORTED_TOP_LIMIT = 5000

/**
 * How the index serves these criteria: its words, field terms (title, author, publisher,
 * subject) and filters, and whether they are the whole search — not when there is a
 * one-character title in exact mode (or in prefix mode on the title
 * proper) or a one-character subject word, which no list of the index places. Then the index
 * still narrows the records down (`candidates`: a one-character exact title is also a title
 * part starting with it, a subject word occurs in search_text) and SQL does the rest.
 */
interface IndexPlan {
  words: string[]
  fields: FieldTerms
  filters: SearchFilters
  whole: boolean
  candidates: { words: string[]; fields: FieldTerms }
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
  const oneCharSubject = (c.subject ?? []).some((w) => Array.from(w).length === 1)
  const fields: FieldTerms = {
    title: c.title,
    author: c.author,
    publisher: c.publisher,
    subject: oneCharSubject ? undefined : c.subject,
  }
  // one character in exact mode, or in prefix mode on the title proper: the index has no list
  // of it, so it narrows by a title part starting with it and SQL does the rest
  const oneCharExact =
    !!c.title &&
    (c.title.mode === 'exact' || (c.title.mode === 'prefix' && !c.title.subtitles)) &&
    Array.from(c.title.words.join('')).length === 1
  return {
    words: c.words,
    fields,
    filters,
    whole: !oneCharExact && !oneCharSubject,
    candidates: {
      words: oneCharSubject ? [...c.words, ...(c.subject ?? [])] : c.words,
      fields:
        oneCharExact && c.title
          ? { ...fields, title: { ...c.title, mode: 'prefix', subtitles: true } }
          : fields,
    },
  }
}

export function searchService(deps: {
  repository: SearchRepository
  /** Without an engine: SQL alone (LIKE scans), the reference the index is tested against. */
  engine?: SearchEngine
}) {
  const { repository: sql, engine } = deps

  /**
   * The index's candidates for criteria it cannot answer by itself: their ids when few
   * enough to hand to SQL, null when there are too many (or no index: SQL scans).
   */
  const candidates = async (
    engine: SearchEngine,
    libraryId: number,
    { filters, candidates: narrowing }: IndexPlan,
  ): Promise<number[] | null> => {
    const set = await engine.matchedSet(libraryId, narrowing.words, {
      filters,
      fields: narrowing.fields,
    })
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
    if (plan.whole) {
      const f = await engine.facets(libraryId, plan.words, { ...plan, ndcParent })
      return f ? indexFacets(libraryId, f) : sql.facets(libraryId, criteria, undefined, ndcParent)
    }
    const ids = await candidates(engine, libraryId, plan)
    return sql.facets(libraryId, criteria, ids ?? undefined, ndcParent)
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

  return {
    /** Matching records, ranked or sorted: one page of hits, and the total for paging. */
    async search(
      libraryId: number,
      criteria: SearchCriteria,
      sort: SearchSort,
      page: { offset: number; limit: number },
    ): Promise<{ total: number; hits: RecordHit[] }> {
      if (!engine) return sql.search(libraryId, criteria, sort, page)
      const { offset, limit } = page
      const plan = indexPlan(criteria)
      if (plan.whole && (sort === 'relevance' || sort === 'year_desc')) {
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
      if (
        plan.whole &&
        sort !== 'relevance' &&
        sort !== 'year_desc' &&
        offset + limit <= SORTED_TOP_LIMIT
      ) {
        // 50音 or oldest first: the index knows each record's place in these orders
        const set = await engine.matchedSet(libraryId, plan.words, plan)
        if (set) {
          const ids = set.top(sort, offset + limit)
          return sql.search(libraryId, criteria, sort, page, { ids, total: set.total })
        }
      }
      const ids = await candidates(engine, libraryId, plan)
      return sql.search(libraryId, criteria, sort, page, ids ? { ids } : undefined)
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
