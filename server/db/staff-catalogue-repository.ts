// Catalogue maintenance by staff and the import: records and copies created, changed and
// deleted, each in a transaction that also stamps the search index's delta (the index follows
// at once) and, for a deletion, leaves a tombstone (catalogue_tombstone).
import { sql } from 'kysely'
import type { Db } from './database.ts'
import { recordRepository } from './record-repository.ts'
import type { RecordEdit } from './record-repository.ts'
import { ACTIVE_HOLD_STATUSES } from './schema.ts'
import type { BibRecord, Copy, CopyStatus, NewBibRecord, NewCopy, ShelfLocation } from './schema.ts'
import { markRecordWritten } from './search-index-repository.ts'
import type { Queryable } from './search-index-repository.ts'
import type { SearchFields, SearchableRecord } from './search-layout.ts'
import { inTransaction } from './transaction.ts'

export type { RecordEdit }

export interface CopyFields {
  branch_id: number
  barcode: string
  call_number: string
  shelf_location: ShelfLocation
  reference_only: boolean
  status: CopyStatus
  acquired_on: string
}

export type DeleteOutcome =
  | { ok: true }
  | { ok: false; reason: 'not_found' | 'has_copies' | 'has_holds' | 'on_loan' | 'trapped' }

/**
 * A copy added, moved to another branch or withdrawn changes where the record is held: its
 * datestamp (updated_at) moves, so OAI-PMH harvesters fetch its holdings and sets again.
 */
async function holdingsChanged(trx: Queryable, libraryId: number, recordId: number) {
  await sql`UPDATE record SET updated_at = CURRENT_TIMESTAMP
    WHERE library_id = ${libraryId} AND id = ${recordId}`.execute(trx)
}

export function staffCatalogueRepository(db: Db): StaffCatalogueRepository {
  return {
    /** Runs work in one transaction (retried on deadlock) with a repository bound to it. */
    unit<T>(work: (repository: StaffCatalogueRepository) => Promise<T>): Promise<T> {
      return inTransaction(db, (trx) => work(staffCatalogueRepository(trx)))
    },

    async record(libraryId: number, id: number): Promise<BibRecord | undefined> {
      return recordRepository(db).byId(libraryId, id)
    },

    async recordBySource(libraryId: number, source: string, sourceId: string) {
      return db
        .selectFrom('record')
        .selectAll()
        .where('library_id', '=', libraryId)
        .where('source', '=', source)
        .where('source_id', '=', sourceId)
        .executeTakeFirst()
    },

    async insertRecord(record: NewBibRecord): Promise<number> {
      return inTransaction(db, async (trx) => {
        const result = await trx.insertInto('record').values(record).executeTakeFirstOrThrow()
        const id = Number(result.insertId)
        await markRecordWritten(trx, record.library_id, id)
        return id
      })
    },

    async updateRecord(
      libraryId: number,
      id: number,
      fields: RecordEdit,
      searchFieldsOf: (record: SearchableRecord) => SearchFields,
    ): Promise<boolean> {
      return recordRepository(db).update(libraryId, id, fields, searchFieldsOf)
    },

    /** Deletes a record without copies or active holds (its holds that are over go with it), leaving a tombstone. */
    async deleteRecord(libraryId: number, id: number, now: string): Promise<DeleteOutcome> {
      return inTransaction(db, async (trx) => {
        const record = await trx
          .selectFrom('record')
          .select(['id', 'source', 'source_id'])
          .where('library_id', '=', libraryId)
          .where('id', '=', id)
          .forUpdate()
          .executeTakeFirst()
        if (!record) return { ok: false, reason: 'not_found' }
        const holds = await trx
          .selectFrom('hold')
          .select('id')
          .where('library_id', '=', libraryId)
          .where('record_id', '=', id)
          .where('status', 'in', ACTIVE_HOLD_STATUSES)
          .limit(1)
          .execute()
        if (holds.length) return { ok: false, reason: 'has_holds' }
        if (!(await recordRepository(trx).remove(libraryId, id))) {
          return { ok: false, reason: 'has_copies' }
        }
        await trx
          .insertInto('catalogue_tombstone')
          .values({
            library_id: libraryId,
            kind: 'record',
            item_id: id,
            record_id: id,
            source: record.source,
            source_id: record.source_id,
            deleted_at: now,
          })
          .execute()
        return { ok: true }
      })
    },

    async copy(libraryId: number, id: number) {
      return db
        .selectFrom('copy')
        .selectAll()
        .where('library_id', '=', libraryId)
        .where('id', '=', id)
        .executeTakeFirst()
    },

    async insertCopy(copy: NewCopy): Promise<number> {
      return inTransaction(db, async (trx) => {
        const result = await trx.insertInto('copy').values(copy).executeTakeFirstOrThrow()
        await markRecordWritten(trx, copy.library_id, copy.record_id)
        await holdingsChanged(trx, copy.library_id, copy.record_id)
        return Number(result.insertId)
      })
    },

    async updateCopy(libraryId: number, id: number, fields: Partial<CopyFields>): Promise<void> {
      await inTransaction(db, async (trx) => {
        const copy = await trx
          .selectFrom('copy')
          .select('record_id')
          .where('library_id', '=', libraryId)
          .where('id', '=', id)
          .forUpdate()
          .executeTakeFirst()
        if (!copy) return
        if (Object.keys(fields).length) {
          await trx
            .updateTable('copy')
            .set(fields)
            .where('library_id', '=', libraryId)
            .where('id', '=', id)
            .execute()
          if (fields.branch_id !== undefined) await holdingsChanged(trx, libraryId, copy.record_id)
        }
        await markRecordWritten(trx, libraryId, copy.record_id)
      })
    },

    /** Deletes a copy not on loan and not secured for a hold, leaving a tombstone. */
    async deleteCopy(libraryId: number, id: number, now: string): Promise<DeleteOutcome> {
      return inTransaction(db, async (trx) => {
        const copy = await trx
          .selectFrom('copy')
          .select(['id', 'record_id', 'barcode'])
          .where('library_id', '=', libraryId)
          .where('id', '=', id)
          .forUpdate()
          .executeTakeFirst()
        if (!copy) return { ok: false, reason: 'not_found' }
        const loan = await trx
          .selectFrom('loan')
          .select('id')
          .where('library_id', '=', libraryId)
          .where('copy_id', '=', id)
          .where('returned_at', 'is', null)
          .executeTakeFirst()
        if (loan) return { ok: false, reason: 'on_loan' }
        const trapped = await trx
          .selectFrom('hold')
          .select('id')
          .where('library_id', '=', libraryId)
          .where((eb) => eb.or([eb('trapped_copy_id', '=', id), eb('copy_id', '=', id)]))
          .where('status', 'in', ACTIVE_HOLD_STATUSES)
          .executeTakeFirst()
        if (trapped) return { ok: false, reason: 'trapped' }
        // Past loans stay — the patron's loans, rankings and popularity count them — with the
        // copy's record kept and no copy (sql/0080); the copy's row goes, its barcode to the
        // tombstone.
        await trx
          .updateTable('loan')
          .set({ copy_id: null, record_id: copy.record_id })
          .where('library_id', '=', libraryId)
          .where('copy_id', '=', id)
          .execute()
        await trx
          .updateTable('hold')
          .set({ trapped_copy_id: null })
          .where('library_id', '=', libraryId)
          .where('trapped_copy_id', '=', id)
          .execute()
        await trx
          .deleteFrom('copy')
          .where('library_id', '=', libraryId)
          .where('id', '=', id)
          .execute()
        await trx
          .insertInto('catalogue_tombstone')
          .values({
            library_id: libraryId,
            kind: 'copy',
            item_id: id,
            record_id: copy.record_id,
            barcode: copy.barcode,
            deleted_at: now,
          })
          .execute()
        await holdingsChanged(trx, libraryId, copy.record_id)
        await markRecordWritten(trx, libraryId, copy.record_id)
        return { ok: true }
      })
    },

    async tombstones(libraryId: number, since: string, limit: number) {
      return db
        .selectFrom('catalogue_tombstone')
        .select(['kind', 'item_id', 'record_id', 'source', 'source_id', 'barcode', 'deleted_at'])
        .where('library_id', '=', libraryId)
        .where('deleted_at', '>=', since)
        .orderBy('id')
        .limit(limit)
        .execute()
    },
  }
}

export interface StaffCatalogueRepository {
  unit<T>(work: (repository: StaffCatalogueRepository) => Promise<T>): Promise<T>
  record(libraryId: number, id: number): Promise<BibRecord | undefined>
  recordBySource(
    libraryId: number,
    source: string,
    sourceId: string,
  ): Promise<BibRecord | undefined>
  insertRecord(record: NewBibRecord): Promise<number>
  updateRecord(
    libraryId: number,
    id: number,
    fields: RecordEdit,
    searchFieldsOf: (record: SearchableRecord) => SearchFields,
  ): Promise<boolean>
  deleteRecord(libraryId: number, id: number, now: string): Promise<DeleteOutcome>
  copy(libraryId: number, id: number): Promise<Copy | undefined>
  insertCopy(copy: NewCopy): Promise<number>
  updateCopy(libraryId: number, id: number, fields: Partial<CopyFields>): Promise<void>
  deleteCopy(libraryId: number, id: number, now: string): Promise<DeleteOutcome>
  tombstones(libraryId: number, since: string, limit: number): Promise<Tombstone[]>
}

export interface Tombstone {
  kind: 'record' | 'copy'
  item_id: number
  record_id: number
  source: string
  source_id: string
  barcode: string
  deleted_at: string
}
