// Bibliographic records and their copies, always within one library (tenant): reading them,
// editing and deleting a record (keeping its search columns and the search index's delta in
// step, in the writing transaction), and the search columns' refresh. The search itself is
// in search-repository.ts (SQL) and services/search/ (the index and the planner).
import { sql } from 'kysely'
import type { Db } from './database.ts'
import { ACTIVE_HOLD_STATUSES } from './schema.ts'
import { preparedQuery } from './prepared-query.ts'
import { markRecordWritten } from './search-index-repository.ts'
import type { SearchFields, SearchableRecord } from './search-layout.ts'
import type { BibRecord, CopyStatus, MaterialType, ShelfLocation } from './schema.ts'
import { inTransaction } from './transaction.ts'

/** The columns of a result-list hit, in a query over `record as r`. */
/** The number of active holds on record `r` (what result lists write as 予約N件). */
export const activeHoldCount = sql<number>`(SELECT COUNT(*) FROM hold ah WHERE ah.library_id = r.library_id
  AND ah.record_id = r.id AND ah.status IN (${sql.join([...ACTIVE_HOLD_STATUSES])}))`

export const HIT_COLUMNS = [
  'r.id',
  'r.title',
  'r.subtitle',
  'r.author',
  'r.publisher',
  'r.pub_year',
  'r.material_type',
  'r.updated_at',
  activeHoldCount.as('holds'),
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
  /** When the record was last changed (UTC DATETIME): feeds date their entries by it. */
  updated_at: string
  /** Active holds on the record. */
  holds: number
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

/** The fields an edit may change (its search columns follow from them). */
export type RecordEdit = Partial<SearchableRecord> & { pub_year?: number | null; ndc?: string }

// The detail page's statements (every visitor's most frequent page), built once.
const recordById = preparedQuery((db, libraryId: number, id: number) =>
  db.selectFrom('record').selectAll().where('library_id', '=', libraryId).where('id', '=', id),
)

const copiesOfRecord = preparedQuery((db, libraryId: number, recordId: number) =>
  db
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
    .orderBy('c.id'),
)

const holdsOnRecord = preparedQuery((db, libraryId: number, recordId: number) =>
  db
    .selectFrom('hold')
    .where('library_id', '=', libraryId)
    .where('record_id', '=', recordId)
    .where('status', 'in', ACTIVE_HOLD_STATUSES)
    .select((eb) => eb.fn.countAll<number>().as('n')),
)

export function recordRepository(db: Db) {
  return {
    /**
     * Changes a record's bibliographic fields and, in the same statement, the search columns
     * `searchFieldsOf` computes from the record as changed (services/search/search-fields.ts
     * searchFields), and stamps it for the search index in the same transaction: an edit is
     * found (and the old text no longer) at once.
     */
    async update(
      libraryId: number,
      id: number,
      fields: RecordEdit,
      searchFieldsOf: (record: SearchableRecord) => SearchFields,
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
          .set({ ...fields, ...searchFieldsOf({ ...current, ...fields }) })
          .where('library_id', '=', libraryId)
          .where('id', '=', id)
          .execute()
        await markRecordWritten(trx, libraryId, id)
        return true
      })
    },

    /**
     * Deletes a record that has no copies left (a withdrawn title), with its list entries and
     * its holds that are over (collected, cancelled, expired: nobody acts on them any more), and
     * those holds' notices not yet put into a mail (the mail job reads a notice with its hold
     * and title; mailed ones stay until the mail retention). A record with copies, or with
     * active holds (callers refuse those first), is not deleted.
     */
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
        const over = await trx
          .selectFrom('hold')
          .select('id')
          .where('library_id', '=', libraryId)
          .where('record_id', '=', id)
          .where('status', 'not in', ACTIVE_HOLD_STATUSES)
          .execute()
        if (over.length) {
          const holdIds = over.map((h) => h.id)
          await trx
            .deleteFrom('hold_notice')
            .where('library_id', '=', libraryId)
            .where('hold_id', 'in', holdIds)
            .where('mail_id', 'is', null)
            .execute()
          await trx
            .deleteFrom('hold')
            .where('library_id', '=', libraryId)
            .where('id', 'in', holdIds)
            .execute()
        }
        const result = await trx
          .deleteFrom('record')
          .where('library_id', '=', libraryId)
          .where('id', '=', id)
          .executeTakeFirst()
        if (Number(result.numDeletedRows) !== 1) return false
        await markRecordWritten(trx, libraryId, id)
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
      return (await recordById(db, libraryId, id))[0]
    },

    /** Copies with their branch and, when on loan, the due date. */
    async copies(libraryId: number, recordId: number): Promise<CopyRow[]> {
      const rows = await copiesOfRecord(db, libraryId, recordId)
      return rows.map((r) => ({ ...r, reference_only: Number(r.reference_only) === 1 }))
    },

    async activeHoldCount(libraryId: number, recordId: number): Promise<number> {
      const [row] = await holdsOnRecord(db, libraryId, recordId)
      return Number(row?.n ?? 0)
    },

    /** Records whose search columns an older SEARCH_VERSION made: their searchable fields. */
    async withOldSearchFields(
      version: number,
      limit: number,
    ): Promise<(SearchableRecord & { id: number })[]> {
      return db
        .selectFrom('record')
        .select([
          'id',
          'title',
          'title_reading',
          'subtitle',
          'series_title',
          'author',
          'author_reading',
          'publisher',
          'subjects',
        ])
        .where('search_version', '<', version)
        .orderBy('search_version')
        .limit(limit)
        .execute()
    },

    /** Writes records' search columns, in one multi-row statement (a CASE per column). */
    async writeSearchFields(rows: readonly (SearchFields & { id: number })[]): Promise<void> {
      if (rows.length === 0) return
      const column = (name: keyof SearchFields) =>
        sql`CASE id ${sql.join(
          rows.map((f) => sql`WHEN ${f.id} THEN ${f[name]}`),
          sql` `,
        )} END`
      await sql`UPDATE record SET
          search_text = ${column('search_text')},
          title_key = ${column('title_key')},
          title_proper_key = ${column('title_proper_key')},
          author_key = ${column('author_key')},
          publisher_key = ${column('publisher_key')},
          subject_key = ${column('subject_key')},
          sort_title = ${column('sort_title')},
          sort_author = ${column('sort_author')},
          reading_key = ${column('reading_key')},
          author_reading_key = ${column('author_reading_key')},
          search_layout = ${column('search_layout')},
          search_version = ${column('search_version')}
        WHERE id IN (${sql.join(rows.map((f) => f.id))})`.execute(db)
    },
  }
}

export type RecordRepository = ReturnType<typeof recordRepository>
