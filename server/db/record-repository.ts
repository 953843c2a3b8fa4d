// Bibliographic records and their copies, always within one library (tenant).
import { sql } from 'kysely'
import type { Db } from './database.ts'
import { ACTIVE_HOLD_STATUSES } from './schema.ts'
import type { BibRecord, CopyStatus, MaterialType, ShelfLocation } from './schema.ts'

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
function likeContains(word: string): string {
  return `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

export function recordRepository(db: Db) {
  const matching = (libraryId: number, words: string[], filters: { ndc?: string }) => {
    let query = db.selectFrom('record as r').where('r.library_id', '=', libraryId)
    for (const word of words) query = query.where('r.search_text', 'like', likeContains(word))
    if (filters.ndc !== undefined) query = query.where('r.ndc', 'like', `${filters.ndc}%`)
    return query
  }

  return {
    /** Naive folded-substring search; every word must match (AND). */
    async search(
      libraryId: number,
      words: string[],
      exactTitle: string,
      offset: number,
      limit: number,
      filters: { ndc?: string } = {},
    ): Promise<{ total: number; hits: RecordHit[] }> {
      const countRow = await matching(libraryId, words, filters)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      const total = Number(countRow.n)
      if (total === 0 || offset >= total) return { total, hits: [] }
      const rows = await matching(libraryId, words, filters)
        .select([
          'r.id',
          'r.title',
          'r.subtitle',
          'r.author',
          'r.publisher',
          'r.pub_year',
          'r.material_type',
        ])
        .select(
          sql<number>`EXISTS (SELECT 1 FROM copy c WHERE c.library_id = r.library_id
            AND c.record_id = r.id AND c.status = 'available' AND c.reference_only = 0)`.as(
            'available',
          ),
        )
        .orderBy(sql`(r.title = ${exactTitle})`, 'desc')
        .orderBy(sql`r.pub_year IS NULL`)
        .orderBy('r.pub_year', 'desc')
        .orderBy('r.id')
        .offset(offset)
        .limit(limit)
        .execute()
      return { total, hits: rows.map((r) => ({ ...r, available: Number(r.available) === 1 })) }
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
