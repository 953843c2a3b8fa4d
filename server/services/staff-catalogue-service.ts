// Catalogue maintenance (SPEC.md §9): records and copies created, changed and deleted by staff
// systems and the bulk import. The search columns are computed here and the index's delta is
// stamped in the writing transaction, so the search finds an edit at once; a deletion leaves a
// tombstone for harvesters.
import { randomBytes } from 'node:crypto'
import type { Clock } from '../clock.ts'
import { utcDateTime } from '../clock.ts'
import type { MaterialType, ShelfLocation } from '../db/schema.ts'
import type {
  CopyFields,
  DeleteOutcome,
  RecordEdit,
  StaffCatalogueRepository,
  Tombstone,
} from '../db/staff-catalogue-repository.ts'
import type { BibRecord, Copy } from '../db/schema.ts'
import { normaliseIsbn } from './isbn.ts'
import { searchFields } from './search/search-fields.ts'

export type { DeleteOutcome }

export interface RecordInput {
  title: string
  titleReading?: string
  subtitle?: string
  seriesTitle?: string
  author?: string
  authorReading?: string
  publisher?: string
  pubYear?: number | null
  isbn?: string | null
  ndc?: string
  materialType: MaterialType
  extent?: string
  subjects?: string
  note?: string
  /** Where the record comes from (e.g. 'ndl', 'ncid'); with sourceId it identifies it. */
  source?: string
  sourceId?: string
}

export interface CopyInput {
  recordId: number
  branchId: number
  barcode: string
  callNumber?: string
  shelfLocation?: ShelfLocation
  referenceOnly?: boolean
  acquiredOn: string
}

export type RecordOutcome =
  { ok: true; id: number } | { ok: false; reason: 'not_found' | 'bad_isbn' | 'source_taken' }

export type CopyOutcome =
  | { ok: true; id: number }
  | {
      ok: false
      reason: 'not_found' | 'record_not_found' | 'branch_not_found' | 'barcode_taken' | 'copy_busy'
    }

const isDuplicate = (err: unknown) => (err as { code?: string }).code === 'ER_DUP_ENTRY'

/** The record columns an input gives (undefined: not given). */
function columns(input: Partial<RecordInput>): RecordEdit & { isbn?: string | null } {
  const out: RecordEdit & { isbn?: string | null } = {}
  if (input.title !== undefined) out.title = input.title
  if (input.titleReading !== undefined) out.title_reading = input.titleReading
  if (input.subtitle !== undefined) out.subtitle = input.subtitle
  if (input.seriesTitle !== undefined) out.series_title = input.seriesTitle
  if (input.author !== undefined) out.author = input.author
  if (input.authorReading !== undefined) out.author_reading = input.authorReading
  if (input.publisher !== undefined) out.publisher = input.publisher
  if (input.pubYear !== undefined) out.pub_year = input.pubYear
  if (input.ndc !== undefined) out.ndc = input.ndc
  if (input.subjects !== undefined) out.subjects = input.subjects
  return out
}

export function staffCatalogueService(deps: {
  catalogue: StaffCatalogueRepository
  clock: Clock
}): StaffCatalogueService {
  const { catalogue, clock } = deps
  const isbnOf = (raw: string | null | undefined): string | null | undefined | false => {
    if (raw === undefined || raw === null || raw === '') return raw === '' ? null : raw
    const isbn = normaliseIsbn(raw)
    return isbn ?? false
  }

  return {
    /** Runs work in one transaction with this service bound to it (the import's batches). */
    batch<T>(work: (service: StaffCatalogueService) => Promise<T>): Promise<T> {
      return catalogue.unit((repository) =>
        work(staffCatalogueService({ catalogue: repository, clock })),
      )
    },

    record: (libraryId: number, id: number) => catalogue.record(libraryId, id),

    recordBySource: (libraryId: number, source: string, sourceId: string) =>
      catalogue.recordBySource(libraryId, source, sourceId),

    async createRecord(libraryId: number, input: RecordInput): Promise<RecordOutcome> {
      const isbn = isbnOf(input.isbn)
      if (isbn === false) return { ok: false, reason: 'bad_isbn' }
      const searchable = {
        title: input.title,
        title_reading: input.titleReading ?? '',
        subtitle: input.subtitle ?? '',
        series_title: input.seriesTitle ?? '',
        author: input.author ?? '',
        author_reading: input.authorReading ?? '',
        publisher: input.publisher ?? '',
        subjects: input.subjects ?? '',
      }
      try {
        const id = await catalogue.insertRecord({
          library_id: libraryId,
          ...searchable,
          pub_year: input.pubYear ?? null,
          isbn: isbn ?? null,
          ndc: input.ndc ?? '',
          material_type: input.materialType,
          extent: input.extent ?? '',
          note: input.note ?? '',
          source: input.source ?? 'staff',
          source_id: input.sourceId ?? randomBytes(12).toString('hex'),
          ...searchFields(searchable),
        })
        return { ok: true, id }
      } catch (err) {
        if (isDuplicate(err)) return { ok: false, reason: 'source_taken' }
        throw err
      }
    },

    async updateRecord(
      libraryId: number,
      id: number,
      input: Partial<Omit<RecordInput, 'source' | 'sourceId'>>,
    ): Promise<RecordOutcome> {
      const isbn = isbnOf(input.isbn)
      if (isbn === false) return { ok: false, reason: 'bad_isbn' }
      const fields: RecordEdit & Record<string, unknown> = columns(input)
      const extra: Record<string, unknown> = {}
      if (isbn !== undefined) extra.isbn = isbn
      if (input.materialType !== undefined) extra.material_type = input.materialType
      if (input.extent !== undefined) extra.extent = input.extent
      if (input.note !== undefined) extra.note = input.note
      const ok = await catalogue.updateRecord(libraryId, id, { ...fields, ...extra }, searchFields)
      return ok ? { ok: true, id } : { ok: false, reason: 'not_found' }
    },

    deleteRecord: (libraryId: number, id: number) =>
      catalogue.deleteRecord(libraryId, id, utcDateTime(clock.now())),

    copy: (libraryId: number, id: number) => catalogue.copy(libraryId, id),

    async createCopy(
      lib: { library: { id: number }; branches: readonly { id: number }[] },
      input: CopyInput,
    ): Promise<CopyOutcome> {
      const libraryId = lib.library.id
      if (!lib.branches.some((b) => b.id === input.branchId)) {
        return { ok: false, reason: 'branch_not_found' }
      }
      if (!(await catalogue.record(libraryId, input.recordId))) {
        return { ok: false, reason: 'record_not_found' }
      }
      try {
        const id = await catalogue.insertCopy({
          library_id: libraryId,
          record_id: input.recordId,
          branch_id: input.branchId,
          barcode: input.barcode,
          call_number: input.callNumber ?? '',
          shelf_location: input.shelfLocation ?? 'general',
          status: 'available',
          reference_only: input.referenceOnly ?? false,
          acquired_on: input.acquiredOn,
        })
        return { ok: true, id }
      } catch (err) {
        if (isDuplicate(err)) return { ok: false, reason: 'barcode_taken' }
        throw err
      }
    },

    async updateCopy(
      lib: { library: { id: number }; branches: readonly { id: number }[] },
      id: number,
      input: Partial<Omit<CopyInput, 'recordId'>> & {
        status?: 'available' | 'in_repair' | 'missing'
      },
    ): Promise<CopyOutcome> {
      const libraryId = lib.library.id
      const current = await catalogue.copy(libraryId, id)
      if (!current) return { ok: false, reason: 'not_found' }
      // A copy lent, on its way or on the hold shelf changes state at the counter only.
      if (
        input.status !== undefined &&
        !['available', 'in_repair', 'missing'].includes(current.status)
      ) {
        return { ok: false, reason: 'copy_busy' }
      }
      if (input.branchId !== undefined && !lib.branches.some((b) => b.id === input.branchId)) {
        return { ok: false, reason: 'branch_not_found' }
      }
      const fields: Partial<CopyFields> = {}
      if (input.branchId !== undefined) fields.branch_id = input.branchId
      if (input.barcode !== undefined) fields.barcode = input.barcode
      if (input.callNumber !== undefined) fields.call_number = input.callNumber
      if (input.shelfLocation !== undefined) fields.shelf_location = input.shelfLocation
      if (input.referenceOnly !== undefined) fields.reference_only = input.referenceOnly
      if (input.acquiredOn !== undefined) fields.acquired_on = input.acquiredOn
      if (input.status !== undefined) fields.status = input.status
      try {
        await catalogue.updateCopy(libraryId, id, fields)
      } catch (err) {
        if (isDuplicate(err)) return { ok: false, reason: 'barcode_taken' }
        throw err
      }
      return { ok: true, id }
    },

    deleteCopy: (libraryId: number, id: number) =>
      catalogue.deleteCopy(libraryId, id, utcDateTime(clock.now())),

    tombstones: (libraryId: number, since: string) => catalogue.tombstones(libraryId, since, 1000),
  }
}

export interface StaffCatalogueService {
  batch<T>(work: (service: StaffCatalogueService) => Promise<T>): Promise<T>
  record(libraryId: number, id: number): Promise<BibRecord | undefined>
  recordBySource(
    libraryId: number,
    source: string,
    sourceId: string,
  ): Promise<BibRecord | undefined>
  createRecord(libraryId: number, input: RecordInput): Promise<RecordOutcome>
  updateRecord(
    libraryId: number,
    id: number,
    input: Partial<Omit<RecordInput, 'source' | 'sourceId'>>,
  ): Promise<RecordOutcome>
  deleteRecord(libraryId: number, id: number): Promise<DeleteOutcome>
  copy(libraryId: number, id: number): Promise<Copy | undefined>
  createCopy(lib: CatalogueLibrary, input: CopyInput): Promise<CopyOutcome>
  updateCopy(
    lib: CatalogueLibrary,
    id: number,
    input: Partial<Omit<CopyInput, 'recordId'>> & {
      status?: 'available' | 'in_repair' | 'missing'
    },
  ): Promise<CopyOutcome>
  deleteCopy(libraryId: number, id: number): Promise<DeleteOutcome>
  tombstones(libraryId: number, since: string): Promise<Tombstone[]>
}

export interface CatalogueLibrary {
  library: { id: number }
  branches: readonly { id: number }[]
}
