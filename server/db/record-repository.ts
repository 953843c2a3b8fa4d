// Bibliographic records and their copies, always within one library (tenant).
import { sql } from 'kysely'
import type { RawBuilder } from 'kysely'
import type { Db } from './database.ts'
import { ACTIVE_HOLD_STATUSES } from './schema.ts'
import { KEY_SEPARATOR, searchFields } from './search-fields.ts'
import type { SearchableRecord } from './search-fields.ts'
import type { BibRecord, CopyStatus, MaterialType, ShelfLocation } from './schema.ts'

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
const SEP = KEY_SEPARATOR

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

export function recordRepository(db: Db) {
  /** A copy of the record (outer alias r) that meets a condition on copy c. */
  const copyExists = (condition: RawBuilder<unknown>) =>
    sql<boolean>`EXISTS (SELECT 1 FROM copy c WHERE c.library_id = r.library_id
      AND c.record_id = r.id AND ${condition})`

  const matching = (libraryId: number, c: SearchCriteria) => {
    let q = db.selectFrom('record as r').where('r.library_id', '=', libraryId)
    for (const word of c.words) q = q.where('r.search_text', 'like', contains(word))
    if (c.title) {
      const { words, mode } = c.title
      if (mode === 'contains') {
        for (const word of words) q = q.where('r.title_key', 'like', contains(word))
      } else {
        // Prefix and exact compare the title (or its reading, subtitle, series) as a whole.
        const text = likeEscape(words.join(''))
        q = q.where(
          'r.title_key',
          'like',
          mode === 'exact' ? `%${SEP}${text}${SEP}%` : `%${SEP}${text}%`,
        )
      }
    }
    for (const word of c.author ?? []) q = q.where('r.author_key', 'like', contains(word))
    for (const word of c.publisher ?? []) q = q.where('r.publisher_key', 'like', contains(word))
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

  return {
    /** Matching records, ranked or sorted, with the total for paging. */
    async search(
      libraryId: number,
      criteria: SearchCriteria,
      sort: SearchSort,
      offset: number,
      limit: number,
    ): Promise<{ total: number; hits: RecordHit[] }> {
      const countRow = await matching(libraryId, criteria)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      const total = Number(countRow.n)
      if (total === 0 || offset >= total) return { total, hits: [] }
      let q = matching(libraryId, criteria).select(HIT_COLUMNS).select(availableNow.as('available'))
      const rank = likeEscape(criteria.rankText)
      if (sort === 'relevance' && rank) {
        q = q
          .orderBy(sql`(r.title_key LIKE ${`${SEP}${rank}${SEP}%`})`, 'desc')
          .orderBy(sql`(r.title_key LIKE ${`%${SEP}${rank}${SEP}%`})`, 'desc')
          .orderBy(sql`(r.title_key LIKE ${`${SEP}${rank}%`})`, 'desc')
      }
      if (sort === 'title') q = q.orderBy('r.sort_title').orderBy('r.id')
      if (sort === 'author') q = q.orderBy(sql`r.sort_author = ''`).orderBy('r.sort_author')
      if (sort === 'year_asc') q = q.orderBy(sql`r.pub_year IS NULL`).orderBy('r.pub_year')
      else q = q.orderBy(sql`r.pub_year IS NULL`).orderBy('r.pub_year', 'desc')
      const rows = await q.orderBy('r.id').offset(offset).limit(limit).execute()
      return { total, hits: rows.map((r) => ({ ...r, available: Number(r.available) === 1 })) }
    },

    /** Counts of the matching records by branch, material type, decade and NDC class. */
    async facets(libraryId: number, criteria: SearchCriteria): Promise<Facets> {
      const ids = matching(libraryId, criteria).select('r.id')
      const [branches, types, decades, classes] = await Promise.all([
        db
          .selectFrom('copy as c')
          .innerJoin('branch as b', (j) =>
            j.onRef('b.library_id', '=', 'c.library_id').onRef('b.id', '=', 'c.branch_id'),
          )
          .where('c.library_id', '=', libraryId)
          .where('c.record_id', 'in', ids)
          .groupBy(['b.id', 'b.name', 'b.sort_order'])
          .select(['b.id', 'b.name', sql<number>`COUNT(DISTINCT c.record_id)`.as('n')])
          .orderBy('b.sort_order')
          .execute(),
        matching(libraryId, criteria)
          .groupBy('r.material_type')
          .select(['r.material_type as value', (eb) => eb.fn.countAll<number>().as('n')])
          .orderBy('n', 'desc')
          .execute(),
        matching(libraryId, criteria)
          .where('r.pub_year', 'is not', null)
          .groupBy(sql`FLOOR(r.pub_year / 10)`)
          .select([
            sql<number>`FLOOR(r.pub_year / 10) * 10`.as('value'),
            (eb) => eb.fn.countAll<number>().as('n'),
          ])
          .orderBy('value', 'desc')
          .execute(),
        matching(libraryId, criteria)
          .where(sql<boolean>`r.ndc REGEXP '^[0-9]'`)
          .groupBy(sql`LEFT(r.ndc, 1)`)
          .select([
            sql<string>`LEFT(r.ndc, 1)`.as('value'),
            (eb) => eb.fn.countAll<number>().as('n'),
          ])
          .orderBy('value')
          .execute(),
      ])
      return {
        branches: branches.map((b) => ({ id: b.id, name: b.name, count: Number(b.n) })),
        materialTypes: types.map((t) => ({ value: t.value, count: Number(t.n) })),
        decades: decades.map((d) => ({ value: Number(d.value), count: Number(d.n) })),
        ndcClasses: classes.map((c) => ({ value: String(c.value), count: Number(c.n) })),
      }
    },

    /**
     * Changes a record's bibliographic fields and, in the same statement, the folded fields
     * it is searched by, so an edit is found (and the old text no longer) at once.
     */
    async update(
      libraryId: number,
      id: number,
      fields: Partial<SearchableRecord> & { pub_year?: number | null; ndc?: string },
    ): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
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
        return true
      })
    },

    /** Deletes a record that has no copies left (a withdrawn title), with its list entries. */
    async remove(libraryId: number, id: number): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
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
        return Number(result.numDeletedRows) === 1
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
