// The catalogue: records and copies created, changed and deleted (deletions leave
// tombstones, listed for harvesters); the search index follows each change at once.
import { createRoute, z } from '@hono/zod-openapi'
import { MATERIAL_TYPES, SHELF_LOCATIONS } from '../services/staff-catalogue-enums.ts'
import type { DeleteOutcome } from '../services/staff-catalogue-service.ts'
import { ApiError, notFound } from './api-error.ts'
import { BodyId, Day, ERRORS, IdParams, json, jsonBody } from './api-schemas.ts'
import { staffRouter } from './staff-api.ts'
import type { StaffApiDeps } from './staff-api.ts'

const tags = ['catalogue']

const text = (max: number) => z.string().trim().max(max)

const RecordInput = z
  .object({
    title: z.string().trim().min(1).max(500).openapi({ example: '坊っちゃん' }),
    titleReading: text(500).optional().openapi({ example: 'ボッチャン' }),
    subtitle: text(500).optional(),
    seriesTitle: text(255).optional(),
    author: text(500).optional().openapi({ example: '夏目漱石 著' }),
    authorReading: text(500).optional(),
    publisher: text(255).optional().openapi({ example: '新潮社' }),
    pubYear: z.number().int().min(1).max(9999).nullable().optional().openapi({ example: 2003 }),
    isbn: z.string().max(20).nullable().optional().openapi({ example: '978-4-10-101003-6' }),
    ndc: z
      .string()
      .regex(/^[0-9A-Z.]{0,16}$/)
      .optional()
      .openapi({ example: '913.6' }),
    materialType: z.enum(MATERIAL_TYPES),
    extent: text(100).optional(),
    subjects: text(500).optional(),
    note: text(500).optional(),
    source: z
      .string()
      .regex(/^[a-z0-9_-]{1,16}$/)
      .optional()
      .openapi({ description: 'with sourceId: the record’s identity elsewhere (default staff)' }),
    sourceId: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,32}$/)
      .optional(),
  })
  .strict()
  .openapi('RecordInput')

const RecordChange = RecordInput.omit({ source: true, sourceId: true })
  .partial()
  .strict()
  .openapi('RecordChange')

const RecordSchema = z
  .object({
    id: z.number().int(),
    title: z.string(),
    titleReading: z.string(),
    author: z.string(),
    publisher: z.string(),
    pubYear: z.number().int().nullable(),
    isbn: z.string().nullable(),
    ndc: z.string(),
    materialType: z.string(),
    source: z.string(),
    sourceId: z.string(),
  })
  .openapi('Record')

const Barcode = z
  .string()
  .regex(/^[\x21-\x7e]{1,20}$/, { message: '1–20 ASCII letters, digits or signs' })
  .openapi({ example: '1000123456' })

const CopyInput = z
  .object({
    recordId: BodyId,
    branchId: BodyId,
    barcode: Barcode,
    callNumber: text(40).optional().openapi({ example: '913.6/ナ' }),
    shelfLocation: z.enum(SHELF_LOCATIONS).optional(),
    referenceOnly: z.boolean().optional(),
    acquiredOn: Day,
  })
  .strict()
  .openapi('CopyInput')

const CopyChange = CopyInput.omit({ recordId: true })
  .extend({ status: z.enum(['available', 'in_repair', 'missing']).optional() })
  .partial()
  .strict()
  .openapi('CopyChange')

const CopySchema = z
  .object({
    id: z.number().int(),
    recordId: z.number().int(),
    branchId: z.number().int(),
    barcode: z.string(),
    callNumber: z.string(),
    shelfLocation: z.string(),
    referenceOnly: z.boolean(),
    status: z.string(),
    acquiredOn: z.string(),
  })
  .openapi('CatalogueCopy')

const DELETE_MESSAGES: Record<Exclude<DeleteOutcome, { ok: true }>['reason'], string> = {
  not_found: '',
  has_copies: 'the record still has copies: delete them first',
  has_holds: 'patrons hold this title: cancel the holds first',
  on_loan: 'the copy is on loan: check it in first',
  trapped: 'the copy is secured for a hold',
}

function deleted(outcome: DeleteOutcome, what: string) {
  if (outcome.ok) return
  if (outcome.reason === 'not_found') throw notFound(what)
  throw new ApiError(409, outcome.reason, DELETE_MESSAGES[outcome.reason])
}

export function catalogueApi(deps: StaffApiDeps) {
  const catalogue = deps.services.staffCatalogue
  const app = staffRouter()

  const recordView = async (libraryId: number, id: number) => {
    const r = await catalogue.record(libraryId, id)
    if (!r) throw notFound('record')
    return {
      id: r.id,
      title: r.title,
      titleReading: r.title_reading,
      author: r.author,
      publisher: r.publisher,
      pubYear: r.pub_year,
      isbn: r.isbn,
      ndc: r.ndc,
      materialType: r.material_type,
      source: r.source,
      sourceId: r.source_id,
    }
  }
  const copyView = async (libraryId: number, id: number) => {
    const c = await catalogue.copy(libraryId, id)
    if (!c) throw notFound('copy')
    return {
      id: c.id,
      recordId: c.record_id,
      branchId: c.branch_id,
      barcode: c.barcode,
      callNumber: c.call_number,
      shelfLocation: c.shelf_location,
      referenceOnly: Boolean(c.reference_only),
      status: c.status,
      acquiredOn: c.acquired_on.slice(0, 10),
    }
  }
  const recordError = (reason: 'not_found' | 'bad_isbn' | 'source_taken') => {
    if (reason === 'not_found') return notFound('record')
    if (reason === 'bad_isbn') return new ApiError(400, 'invalid_request', 'isbn: not a valid ISBN')
    return new ApiError(409, 'source_taken', 'a record with this source and sourceId exists')
  }
  const copyError = (reason: string) => {
    if (reason === 'not_found') return notFound('copy')
    if (reason === 'record_not_found') return notFound('record')
    if (reason === 'branch_not_found') return notFound('branch')
    if (reason === 'copy_busy') {
      return new ApiError(409, 'copy_busy', 'the copy is lent, on its way or on the hold shelf')
    }
    return new ApiError(409, 'barcode_taken', 'another copy of this library has this barcode')
  }

  app.openapi(
    createRoute({
      method: 'post',
      path: '/records',
      tags,
      summary: 'Create a record',
      request: { body: jsonBody(RecordInput) },
      responses: { 201: json(RecordSchema, 'Created'), ...ERRORS },
    }),
    async (c) => {
      const libraryId = c.get('lib').library.id
      const outcome = await catalogue.createRecord(libraryId, c.req.valid('json'))
      if (!outcome.ok) throw recordError(outcome.reason)
      return c.json(await recordView(libraryId, outcome.id), 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/records/{id}',
      tags,
      summary: 'A record',
      request: { params: IdParams },
      responses: { 200: json(RecordSchema, 'The record'), ...ERRORS },
    }),
    async (c) => c.json(await recordView(c.get('lib').library.id, c.req.valid('param').id), 200),
  )

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/records/{id}',
      tags,
      summary: 'Change a record (the search finds the change at once)',
      request: { params: IdParams, body: jsonBody(RecordChange) },
      responses: { 200: json(RecordSchema, 'Changed'), ...ERRORS },
    }),
    async (c) => {
      const libraryId = c.get('lib').library.id
      const id = c.req.valid('param').id
      const outcome = await catalogue.updateRecord(libraryId, id, c.req.valid('json'))
      if (!outcome.ok) throw recordError(outcome.reason)
      return c.json(await recordView(libraryId, id), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/records/{id}',
      tags,
      summary: 'Delete a record without copies or holds (a tombstone stays)',
      request: { params: IdParams },
      responses: { 200: json(z.object({ deleted: z.literal(true) }), 'Deleted'), ...ERRORS },
    }),
    async (c) => {
      deleted(
        await catalogue.deleteRecord(c.get('lib').library.id, c.req.valid('param').id),
        'record',
      )
      return c.json({ deleted: true as const }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/copies',
      tags,
      summary: 'Add a copy of a record',
      request: { body: jsonBody(CopyInput) },
      responses: { 201: json(CopySchema, 'Created'), ...ERRORS },
    }),
    async (c) => {
      const lib = c.get('lib')
      const outcome = await catalogue.createCopy(lib, c.req.valid('json'))
      if (!outcome.ok) throw copyError(outcome.reason)
      return c.json(await copyView(lib.library.id, outcome.id), 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/copies/{id}',
      tags,
      summary: 'A copy',
      request: { params: IdParams },
      responses: { 200: json(CopySchema, 'The copy'), ...ERRORS },
    }),
    async (c) => c.json(await copyView(c.get('lib').library.id, c.req.valid('param').id), 200),
  )

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/copies/{id}',
      tags,
      summary: 'Change a copy (status only between available, in_repair and missing)',
      request: { params: IdParams, body: jsonBody(CopyChange) },
      responses: { 200: json(CopySchema, 'Changed'), ...ERRORS },
    }),
    async (c) => {
      const lib = c.get('lib')
      const id = c.req.valid('param').id
      const outcome = await catalogue.updateCopy(lib, id, c.req.valid('json'))
      if (!outcome.ok) throw copyError(outcome.reason)
      return c.json(await copyView(lib.library.id, id), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/copies/{id}',
      tags,
      summary: 'Delete (withdraw) a copy not on loan or secured for a hold (a tombstone stays)',
      request: { params: IdParams },
      responses: { 200: json(z.object({ deleted: z.literal(true) }), 'Deleted'), ...ERRORS },
    }),
    async (c) => {
      deleted(await catalogue.deleteCopy(c.get('lib').library.id, c.req.valid('param').id), 'copy')
      return c.json({ deleted: true as const }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/tombstones',
      tags,
      summary: 'Records and copies deleted since a time (UTC), oldest first, at most 1,000',
      request: {
        query: z.object({
          since: z
            .string()
            .regex(/^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$/, { message: 'YYYY-MM-DD[ HH:MM:SS]' })
            .openapi({ example: '2026-11-01 00:00:00' }),
        }),
      },
      responses: {
        200: json(
          z.object({
            tombstones: z.array(
              z.object({
                kind: z.enum(['record', 'copy']),
                id: z.number().int(),
                recordId: z.number().int(),
                source: z.string(),
                sourceId: z.string(),
                barcode: z.string(),
                deletedAt: z.string(),
              }),
            ),
          }),
          'Deletions',
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      const rows = await catalogue.tombstones(c.get('lib').library.id, c.req.valid('query').since)
      return c.json(
        {
          tombstones: rows.map((t) => ({
            kind: t.kind,
            id: t.item_id,
            recordId: t.record_id,
            source: t.source,
            sourceId: t.source_id,
            barcode: t.barcode,
            deletedAt: t.deleted_at,
          })),
        },
        200,
      )
    },
  )

  return app
}
