// Bibliographic records and their copies, always within one library (tenant).
import { sql } from 'kysely'
import type { RawBuilder } from 'kysely'
import type { Db } from './database.ts'
import { ACTIVE_HOLD_STATUSES } from './schema.ts'
import { searchFields } from './search-fields.ts'
import type { SearchableRecord } from './search-fields.ts'
import { fieldConditions, titleRankTiers } from './search-index-repository.ts'
import type { FieldTerms, SearchFilters } from './search-index-repository.ts'
import {
  matchedSet,
  reindexRecord,
  removeRecord,
  searchFacets,
  searchIds,
} from '../services/search/search-index.ts'
import type { IndexFacets } from '../services/search/search-index.ts'
import type { BibRecord, CopyStatus, MaterialType, ShelfLocation } from './schema.ts'
import { inTransaction } from './transaction.ts'

/** The columns of a result-list hit, in a query over `record as r`. */
export const HIT_COLUMNS = [
  'r.id',
  'r.title',
  'r.subtitle',
  'r.author',
  'r.publisher',
  'r.pub_year',
  'r.material_type',
] as const

/** 1 when some copy of record `r` can be borrowed now (on the shelf, not reference-only). */
export const availableNow = sql<number>`EXISTS (SELECT 1 FROM copy ac WHERE ac.library_id = r.library_id
  AND ac.record_id = r.id AND ac.status = 'available' AND ac.reference_only = 0)`

export interface RecordHit {
  id: number
  title: string
  subtitle: string
  author: string
  publisher: string
  pub_year: number | null
  material_type: MaterialType
  available: boolean
}

export interface CopyRow {
  id: number
  branch_name: string
  shelf_location: ShelfLocation
  call_number: string
  status: CopyStatus
  reference_only: boolean
  issue_label: string
  issue_date: string | null
  due_on: string | null
}

/** Escapes LIKE wildcards so a query word matches literally. */
function likeEscape(word: string): string {
  return word.replace(/[\\%_]/g, (c) => `\\${c}`)
}
const contains = (word: string) => `%${likeEscape(word)}%`

/** What a search asks for; text is already folded (services/search/fold.ts). */
export interface SearchCriteria {
  /** Free words, each anywhere in title, readings, authors, publisher (ANDed). */
  words: string[]
  /** The whole free query folded, for ranking exact and prefix title matches first. */
  rankText: string
  title?: { words: string[]; mode: 'prefix' | 'contains' | 'exact' }
  author?: string[]
  publisher?: string[]
  subject?: string[]
  isbn?: string
  yearFrom?: number
  yearTo?: number
  materialTypes?: MaterialType[]
  branchId?: number
  ndc?: string
  callNumberPrefix?: string
  availableOnly?: boolean
}

export type SearchSort = 'relevance' | 'title' | 'author' | 'year_desc' | 'year_asc'

export interface Facets {
  branches: { id: number; name: string; count: number }[]
  materialTypes: { value: MaterialType; count: number }[]
  decades: { value: number; count: number }[]
  ndcClasses: { value: string; count: number }[]
}

/**
 * Above this many candidates from the index, a search the index cannot answer by itself (a
 * field search, a call-number prefix, a sort other than relevance or newest) is left to the
 * LIKE scan, whose indexed sorts stop early on large result sets.
 */
const CANDIDATE_LIMIT = 5000

/** Sorted pages up to this far in are picked by the index (beyond, SQL sorts the lot). */
const SORTED_TOP_LIMIT = 5000

/**
 * How the search index (services/search/search-index.ts) serves these criteria: its words,
 * field terms and filters, and whether they are the whole search — not when there is a
 * subject or call-number condition, or a one-character title in exact mode. Then the index
 * still narrows the records down (`candidates`: subject words occur in search_text, and a
 * one-character exact title is also a title starting with it) and SQL does the rest.
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
    materialTypes: c.materialTypes?.length ? c.materialTypes : undefined,
    yearFrom: c.yearFrom,
    yearTo: c.yearTo,
    ndcPrefix: c.ndc,
    branchId: c.branchId,
    availableNow: c.availableOnly,
    isbn: c.isbn,
  }
  const fields = { title: c.title, author: c.author, publisher: c.publisher }
  const oneCharExact = c.title?.mode === 'exact' && Array.from(c.title.words.join('')).length === 1
  return {
    words: c.words,
    fields,
    filters,
    whole: !c.subject?.length && !c.callNumberPrefix && !oneCharExact,
    candidates: {
      words: [...c.words, ...(c.subject ?? [])],
      fields:
        oneCharExact && c.title ? { ...fields, title: { ...c.title, mode: 'prefix' } } : fields,
    },
  }
}

/** Most frequent first; ties in a fixed order. */
function byCount<T extends { value: string; count: number }>(items: T[]): T[] {
  return items.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1))
}

export interface RecordRepositoryOptions {
  /**
   * false: search by SQL alone (LIKE scans), never the index — the reference the index is
   * tested and benchmarked against.
   */
  useIndex?: boolean
}

export function recordRepository(db: Db, options: RecordRepositoryOptions = {}) {
  const useIndex = options.useIndex ?? true
  /** A copy of the record (outer alias r) that meets a condition on copy c. */
  const copyExists = (condition: RawBuilder<unknown>) =>
    sql<boolean>`EXISTS (SELECT 1 FROM copy c WHERE c.library_id = r.library_id
      AND c.record_id = r.id AND ${condition})`

  /** The SQL search; `ids`: only among these records (candidates from the index). */
  const matching = (libraryId: number, c: SearchCriteria, ids?: readonly number[]) => {
    let q = db.selectFrom('record as r').where('r.library_id', '=', libraryId)
    if (ids) q = q.where('r.id', 'in', ids.length ? ids : [0])
    for (const word of c.words) q = q.where('r.search_text', 'like', contains(word))
    const fields = { title: c.title, author: c.author, publisher: c.publisher }
    for (const condition of fieldConditions(fields)) q = q.where(condition)
    for (const word of c.subject ?? []) q = q.where('r.subject_key', 'like', contains(word))
    if (c.isbn) q = q.where('r.isbn', '=', c.isbn)
    if (c.yearFrom !== undefined) q = q.where('r.pub_year', '>=', c.yearFrom)
    if (c.yearTo !== undefined) q = q.where('r.pub_year', '<=', c.yearTo)
    if (c.materialTypes?.length) q = q.where('r.material_type', 'in', c.materialTypes)
    if (c.ndc !== undefined) q = q.where('r.ndc', 'like', `${likeEscape(c.ndc)}%`)
    if (c.branchId !== undefined) {
      const branchId = c.branchId
      q = q.where(copyExists(sql`c.branch_id = ${branchId}`))
    }
    if (c.callNumberPrefix) {
      const prefix = `${likeEscape(c.callNumberPrefix)}%`
      q = q.where(copyExists(sql`c.call_number LIKE ${prefix}`))
    }
    if (c.availableOnly) {
      q = q.where(copyExists(sql`c.status = 'available' AND c.reference_only = 0`))
    }
    return q
  }

  /** The result rows of these records, in this order. */
  const hitsByIds = async (libraryId: number, ids: readonly number[]): Promise<RecordHit[]> => {
    if (ids.length === 0) return []
    const rows = await db
      .selectFrom('record as r')
      .select(HIT_COLUMNS)
      .select(availableNow.as('available'))
      .where('r.library_id', '=', libraryId)
      .where('r.id', 'in', ids)
      .execute()
    const byId = new Map(rows.map((r) => [r.id, { ...r, available: Number(r.available) === 1 }]))
    return ids.flatMap((id) => byId.get(id) ?? [])
  }

  /**
   * The index's candidates for criteria it cannot answer by itself: their ids when few
   * enough to hand to SQL, null when there are too many (or no index: SQL scans).
   */
  const candidates = async (
    libraryId: number,
    { filters, candidates: narrowing }: IndexPlan,
  ): Promise<number[] | null> => {
    const set = await matchedSet(db, libraryId, narrowing.words, {
      filters,
      fields: narrowing.fields,
    })
    return set && set.total <= CANDIDATE_LIMIT ? set.ids() : null
  }

  const sqlSearch = async (
    libraryId: number,
    criteria: SearchCriteria,
    sort: SearchSort,
    offset: number,
    limit: number,
    ids: readonly number[] | undefined,
    knownTotal?: number,
  ): Promise<{ total: number; hits: RecordHit[] }> => {
    let total = knownTotal
    if (total === undefined) {
      const countRow = await matching(libraryId, criteria, ids)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      total = Number(countRow.n)
    }
    if (total === 0 || offset >= total) return { total, hits: [] }
    let q = matching(libraryId, criteria, ids)
      .select(HIT_COLUMNS)
      .select(availableNow.as('available'))
    if (sort === 'relevance' && criteria.rankText) {
      const [exact, starts] = titleRankTiers(criteria.rankText)
      q = q.orderBy(exact, 'desc').orderBy(starts, 'desc')
    }
    if (sort === 'title') q = q.orderBy('r.sort_title').orderBy('r.id')
    if (sort === 'author') q = q.orderBy(sql`r.sort_author = ''`).orderBy('r.sort_author')
    if (sort === 'year_asc') q = q.orderBy(sql`r.pub_year IS NULL`).orderBy('r.pub_year')
    else q = q.orderBy(sql`r.pub_year IS NULL`).orderBy('r.pub_year', 'desc')
    const rows = await q.orderBy('r.id').offset(offset).limit(limit).execute()
    return { total, hits: rows.map((r) => ({ ...r, available: Number(r.available) === 1 })) }
  }

  const sqlFacets = async (
    libraryId: number,
    criteria: SearchCriteria,
    ids: readonly number[] | undefined,
  ): Promise<Facets> => {
    const matched = () => matching(libraryId, criteria, ids)
    const [branches, types, decades, classes] = await Promise.all([
      db
        .selectFrom('copy as c')
        .innerJoin('branch as b', (j) =>
          j.onRef('b.library_id', '=', 'c.library_id').onRef('b.id', '=', 'c.branch_id'),
        )
        .where('c.library_id', '=', libraryId)
        .where('c.record_id', 'in', matched().select('r.id'))
        .groupBy(['b.id', 'b.name', 'b.sort_order'])
        .select(['b.id', 'b.name', sql<number>`COUNT(DISTINCT c.record_id)`.as('n')])
        .orderBy('b.sort_order')
        .execute(),
      matched()
        .groupBy('r.material_type')
        .select(['r.material_type as value', (eb) => eb.fn.countAll<number>().as('n')])
        .execute(),
      matched()
        .where('r.pub_year', 'is not', null)
        .groupBy(sql`FLOOR(r.pub_year / 10)`)
        .select([
          sql<number>`FLOOR(r.pub_year / 10) * 10`.as('value'),
          (eb) => eb.fn.countAll<number>().as('n'),
        ])
        .orderBy('value', 'desc')
        .execute(),
      matched()
        .where(sql<boolean>`r.ndc REGEXP '^[0-9]'`)
        .groupBy(sql`LEFT(r.ndc, 1)`)
        .select([sql<string>`LEFT(r.ndc, 1)`.as('value'), (eb) => eb.fn.countAll<number>().as('n')])
        .orderBy('value')
        .execute(),
    ])
    return {
      branches: branches.map((b) => ({ id: b.id, name: b.name, count: Number(b.n) })),
      materialTypes: byCount(types.map((t) => ({ value: t.value, count: Number(t.n) }))),
      decades: decades.map((d) => ({ value: Number(d.value), count: Number(d.n) })),
      ndcClasses: classes.map((c) => ({ value: String(c.value), count: Number(c.n) })),
    }
  }

  /** The index's facet counts in the shape of the SQL ones (branches in their order). */
  const indexFacets = async (libraryId: number, f: IndexFacets): Promise<Facets> => {
    const branches = await db
      .selectFrom('branch')
      .select(['id', 'name'])
      .where('library_id', '=', libraryId)
      .orderBy('sort_order')
      .execute()
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
    /**
     * Matching records, ranked or sorted, with the total for paging. The search index answers
     * words and record filters ranked or newest first; for the rest it narrows the records
     * down and SQL does the field matching and the sorting.
     */
    async search(
      libraryId: number,
      criteria: SearchCriteria,
      sort: SearchSort,
      offset: number,
      limit: number,
    ): Promise<{ total: number; hits: RecordHit[] }> {
      if (!useIndex) return sqlSearch(libraryId, criteria, sort, offset, limit, undefined)
      const plan = indexPlan(criteria)
      if (plan.whole && (sort === 'relevance' || sort === 'year_desc')) {
        const { total, ids } = await searchIds(db, libraryId, plan.words, {
          offset,
          limit,
          filters: plan.filters,
          fields: plan.fields,
          rankText: sort === 'relevance' ? criteria.rankText : '',
        })
        return { total, hits: await hitsByIds(libraryId, ids) }
      }
      if (
        plan.whole &&
        sort !== 'relevance' &&
        sort !== 'year_desc' &&
        offset + limit <= SORTED_TOP_LIMIT
      ) {
        // 50音 or oldest first: the index knows each record's place in these orders
        const set = await matchedSet(db, libraryId, plan.words, plan)
        if (set) {
          const ids = set.top(sort, offset + limit)
          return sqlSearch(libraryId, criteria, sort, offset, limit, ids, set.total)
        }
      }
      const ids = await candidates(libraryId, plan)
      return sqlSearch(libraryId, criteria, sort, offset, limit, ids ?? undefined)
    },

    /** Counts of the matching records by branch, material type, decade and NDC class. */
    async facets(libraryId: number, criteria: SearchCriteria): Promise<Facets> {
      if (!useIndex) return sqlFacets(libraryId, criteria, undefined)
      const plan = indexPlan(criteria)
      if (plan.whole) {
        const f = await searchFacets(db, libraryId, plan.words, plan.filters, plan.fields)
        if (f) return indexFacets(libraryId, f)
        return sqlFacets(libraryId, criteria, undefined)
      }
      const ids = await candidates(libraryId, plan)
      return sqlFacets(libraryId, criteria, ids ?? undefined)
    },

    /**
     * Changes a record's bibliographic fields and, in the same statement, the folded fields
     * it is searched by, and stamps it for the search index in the same transaction: an edit
     * is found (and the old text no longer) at once.
     */
    async update(
      libraryId: number,
      id: number,
      fields: Partial<SearchableRecord> & { pub_year?: number | null; ndc?: string },
    ): Promise<boolean> {
      return inTransaction(db, async (trx) => {
        const current = await trx
          .selectFrom('record')
          .selectAll()
          .where('library_id', '=', libraryId)
          .where('id', '=', id)
          .forUpdate()
          .executeTakeFirst()
        if (!current) return false
        await trx
          .updateTable('record')
          .set({ ...fields, ...searchFields({ ...current, ...fields }) })
          .where('library_id', '=', libraryId)
          .where('id', '=', id)
          .execute()
        await reindexRecord(trx, libraryId, id)
        return true
      })
    },

    /** Deletes a record that has no copies left (a withdrawn title), with its list entries. */
    async remove(libraryId: number, id: number): Promise<boolean> {
      return inTransaction(db, async (trx) => {
        const copies = await trx
          .selectFrom('copy')
          .select('id')
          .where('library_id', '=', libraryId)
          .where('record_id', '=', id)
          .limit(1)
          .execute()
        if (copies.length) return false
        for (const table of ['favourite', 'shelf_item'] as const) {
          await trx
            .deleteFrom(table)
            .where('library_id', '=', libraryId)
            .where('record_id', '=', id)
            .execute()
        }
        const result = await trx
          .deleteFrom('record')
          .where('library_id', '=', libraryId)
          .where('id', '=', id)
          .executeTakeFirst()
        if (Number(result.numDeletedRows) !== 1) return false
        await removeRecord(trx, libraryId, id)
        return true
      })
    },

    /** Records with this ISBN-13 (one book may be catalogued twice). */
    async byIsbn(libraryId: number, isbn13: string): Promise<number[]> {
      const rows = await db
        .selectFrom('record')
        .select('id')
        .where('library_id', '=', libraryId)
        .where('isbn', '=', isbn13)
        .orderBy('id')
        .limit(50)
        .execute()
      return rows.map((r) => r.id)
    },

    async byId(libraryId: number, id: number): Promise<BibRecord | undefined> {
      return db
        .selectFrom('record')
        .selectAll()
        .where('library_id', '=', libraryId)
        .where('id', '=', id)
        .executeTakeFirst()
    },

    /** Copies with their branch and, when on loan, the due date. */
    async copies(libraryId: number, recordId: number): Promise<CopyRow[]> {
      const rows = await db
        .selectFrom('copy as c')
        .innerJoin('branch as b', (j) =>
          j.onRef('b.library_id', '=', 'c.library_id').onRef('b.id', '=', 'c.branch_id'),
        )
        .leftJoin('loan as l', (j) =>
          j
            .onRef('l.library_id', '=', 'c.library_id')
            .onRef('l.copy_id', '=', 'c.id')
            .on('l.returned_at', 'is', null),
        )
        .where('c.library_id', '=', libraryId)
        .where('c.record_id', '=', recordId)
        .select([
          'c.id',
          'b.name as branch_name',
          'c.shelf_location',
          'c.call_number',
          'c.status',
          'c.reference_only',
          'c.issue_label',
          'c.issue_date',
          'l.due_on',
        ])
        .orderBy('b.sort_order')
        .orderBy(sql`c.issue_date IS NULL`)
        .orderBy('c.issue_date', 'desc')
        .orderBy('c.id')
        .execute()
      return rows.map((r) => ({ ...r, reference_only: Number(r.reference_only) === 1 }))
    },

    async activeHoldCount(libraryId: number, recordId: number): Promise<number> {
      const row = await db
        .selectFrom('hold')
        .where('library_id', '=', libraryId)
        .where('record_id', '=', recordId)
        .where('status', 'in', ACTIVE_HOLD_STATUSES)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },
  }
}

export type RecordRepository = ReturnType<typeof recordRepository>
