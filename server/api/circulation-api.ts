// The counter: check out, check in (what to do with the copy), renew, holds at the counter or
// by telephone, cancelling a hold on the patron's request; a patron's loans and holds.
import { createRoute, z } from '@hono/zod-openapi'
import type { CheckinAction, CheckoutRefusal } from '../services/circulation-service.ts'
import { ApiError, notFound } from './api-error.ts'
import { BodyId, ERRORS, IdParams, json, jsonBody } from './api-schemas.ts'
import { staffRouter } from './staff-api.ts'
import type { StaffApiDeps, StaffEnv } from './staff-api.ts'
import type { Context } from 'hono'

const CHECKOUT_MESSAGES: Record<CheckoutRefusal, string> = {
  suspended: 'the patron is suspended',
  reference_only: 'the copy is for use in the library only (reference)',
  on_loan: 'the copy is on loan to another patron: check it in first',
  already_borrowed: 'the patron has this copy on loan already',
  trapped_for_other: 'the copy is secured for another patron’s hold',
  in_repair: 'the copy is being repaired',
  limit: 'the patron has as many loans as the library allows',
}

const CopySchema = z
  .object({
    id: z.number().int(),
    barcode: z.string(),
    recordId: z.number().int(),
    title: z.string(),
    homeBranchId: z.number().int(),
  })
  .openapi('Copy')

const BranchRef = z.object({ id: z.number().int(), name: z.string() }).openapi('BranchRef')

const CheckinResult = z
  .object({
    copy: CopySchema,
    loan: z
      .object({
        id: z.number().int(),
        patronId: z.number().int(),
        dueOn: z.string(),
        overdueDays: z.number().int(),
      })
      .nullable(),
    next: z
      .object({
        action: z.enum(['shelve', 'hold_shelf', 'send', 'send_home']),
        holdId: z.number().int().optional(),
        branch: BranchRef,
      })
      .openapi({
        description:
          'shelve at branch; hold_shelf: put on the hold shelf here for hold X (受取り可, notice queued); send: to the pickup branch of hold X; send_home: back to its own branch',
      }),
  })
  .openapi('CheckinResult')

const HoldSchema = z
  .object({
    holdId: z.number().int(),
    recordId: z.number().int(),
    copyId: z.number().int().optional(),
    title: z.string(),
    status: z.enum(['requested', 'waiting']),
    formalAt: z.string(),
    pickupBranchId: z.number().int(),
    contact: z.enum(['none', 'email']),
  })
  .openapi('PlacedHold')

const tags = ['circulation']

function branchRef(c: Context<StaffEnv>, id: number) {
  const branch = c.get('lib').branches.find((b) => b.id === id)
  return { id, name: branch?.name ?? '' }
}

function describeNext(c: Context<StaffEnv>, next: CheckinAction) {
  switch (next.action) {
    case 'shelve':
      return { action: next.action, branch: branchRef(c, next.branchId) }
    case 'hold_shelf':
      return { action: next.action, holdId: next.holdId, branch: branchRef(c, next.pickupBranchId) }
    case 'send':
      return { action: next.action, holdId: next.holdId, branch: branchRef(c, next.toBranchId) }
    case 'send_home':
      return { action: next.action, branch: branchRef(c, next.toBranchId) }
  }
}

export function circulationApi(deps: StaffApiDeps) {
  const { circulation, loans, holds } = deps.services
  const app = staffRouter()

  app.openapi(
    createRoute({
      method: 'post',
      path: '/checkouts',
      tags,
      summary: 'Check a copy out to a patron (loan period from the settings)',
      request: {
        body: jsonBody(
          z
            .object({
              patronId: BodyId,
              barcode: z.string().trim().min(1).max(40).openapi({ example: 'minato-000123' }),
            })
            .strict()
            .openapi('CheckoutRequest'),
        ),
      },
      responses: {
        201: json(
          z
            .object({
              loan: z.object({ id: z.number().int(), loanedOn: z.string(), dueOn: z.string() }),
              copy: CopySchema,
              fulfilledHoldId: z.number().int().nullable(),
            })
            .openapi('Checkout'),
          'Lent; a hold the copy was secured for is fulfilled',
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      const outcome = await circulation.checkout(c.get('lib'), c.req.valid('json'))
      if (!outcome.ok) {
        if (!('copy' in outcome)) {
          throw notFound(outcome.reason === 'patron_not_found' ? 'patron' : 'copy')
        }
        let message = CHECKOUT_MESSAGES[outcome.reason]
        if (outcome.limit !== undefined) message += ` (${outcome.limit})`
        if (outcome.holdId !== undefined) message += ` (hold ${outcome.holdId})`
        throw new ApiError(409, outcome.reason, message)
      }
      return c.json(
        { loan: outcome.loan, copy: outcome.copy, fulfilledHoldId: outcome.fulfilledHoldId },
        201,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/checkins',
      tags,
      summary: 'Check a copy in at a branch: the answer says where it goes',
      request: {
        body: jsonBody(
          z
            .object({
              barcode: z.string().trim().min(1).max(40).openapi({ example: 'minato-000123' }),
              branchId: BodyId,
            })
            .strict()
            .openapi('CheckinRequest'),
        ),
      },
      responses: { 200: json(CheckinResult, 'Returned; what to do with the copy'), ...ERRORS },
    }),
    async (c) => {
      const outcome = await circulation.checkin(c.get('lib'), c.req.valid('json'))
      if (!outcome.ok) throw notFound(outcome.reason === 'copy_not_found' ? 'copy' : 'branch')
      return c.json(
        { copy: outcome.copy, loan: outcome.loan, next: describeNext(c, outcome.next) },
        200,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/loans/{id}/renew',
      tags,
      summary: 'Renew a loan at the counter (the same rules as online)',
      request: { params: IdParams },
      responses: {
        200: json(
          z.object({ loanId: z.number().int(), dueOn: z.string() }).openapi('Renewed'),
          'Renewed',
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      const outcome = await circulation.renew(c.get('lib'), c.req.valid('param').id)
      if (!outcome.ok) throw notFound('loan')
      const { result } = outcome
      if (!result.ok) {
        throw new ApiError(409, result.check.reason, `not renewable: ${result.check.reason}`)
      }
      return c.json({ loanId: result.loan.id, dueOn: result.newDueOn }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/patrons/{id}/loans',
      tags,
      summary: 'A patron’s loans, with whether each can be renewed',
      request: { params: IdParams },
      responses: {
        200: json(
          z.object({
            loans: z.array(
              z.object({
                id: z.number().int(),
                recordId: z.number().int(),
                title: z.string(),
                loanedOn: z.string(),
                dueOn: z.string(),
                overdue: z.boolean(),
                renewable: z.boolean(),
                notRenewableBecause: z.string().nullable(),
              }),
            ),
          }),
          'Loans',
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      const lib = c.get('lib')
      const id = c.req.valid('param').id
      if (!(await deps.services.staffPatrons.get(lib, id)).ok) throw notFound('patron')
      const rows = await loans.list(lib.library.id, lib.settings, id)
      return c.json(
        {
          loans: rows.map((l) => ({
            id: l.id,
            recordId: l.record_id,
            title: l.title,
            loanedOn: l.loaned_on,
            dueOn: l.due_on,
            overdue: l.overdue,
            renewable: l.renewal.ok,
            notRenewableBecause: l.renewal.ok ? null : l.renewal.reason,
          })),
        },
        200,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/holds',
      tags,
      summary:
        'Place a hold at the counter or by telephone: formal at once, counted against the same limit',
      request: {
        body: jsonBody(
          z
            .object({
              patronId: BodyId,
              recordId: BodyId,
              copyId: BodyId.optional().openapi({ description: 'a magazine issue' }),
              pickupBranchId: BodyId,
              contact: z.enum(['none', 'email']).default('none'),
              channel: z.enum(['counter', 'phone']),
            })
            .strict()
            .openapi('CounterHoldRequest'),
        ),
      },
      responses: { 201: json(HoldSchema, 'Placed'), ...ERRORS },
    }),
    async (c) => {
      const outcome = await circulation.placeHold(c.get('lib'), c.req.valid('json'))
      if (!outcome.ok) {
        if (outcome.reason !== 'refused') {
          if (outcome.reason === 'patron_not_found') throw notFound('patron')
          throw new ApiError(409, 'suspended', 'the patron is suspended')
        }
        const { refusal } = outcome
        if (refusal.reason === 'not_found') throw notFound('record')
        const detail = 'limit' in refusal ? ` (${refusal.current} of ${refusal.limit})` : ''
        throw new ApiError(
          409,
          refusal.reason,
          `refused by the hold rules: ${refusal.reason}${detail}`,
        )
      }
      const h = outcome.hold
      return c.json(
        {
          holdId: h.holdId,
          recordId: h.recordId,
          ...(h.copyId === undefined ? {} : { copyId: h.copyId }),
          title: h.title,
          status: h.status,
          formalAt: h.formalAt,
          pickupBranchId: h.pickupBranchId,
          contact: h.contact,
        },
        201,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/patrons/{id}/holds',
      tags,
      summary: 'A patron’s active holds (依頼中, N位, 受取り可 with the deadline)',
      request: { params: IdParams },
      responses: {
        200: json(
          z.object({
            holds: z.array(
              z.object({
                id: z.number().int(),
                recordId: z.number().int(),
                title: z.string(),
                status: z.string(),
                channel: z.string(),
                position: z.number().int().nullable(),
                pickupBranchId: z.number().int(),
                pickupDeadline: z.string().nullable(),
              }),
            ),
          }),
          'Holds',
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      const lib = c.get('lib')
      const id = c.req.valid('param').id
      if (!(await deps.services.staffPatrons.get(lib, id)).ok) throw notFound('patron')
      const rows = await holds.list(lib, id)
      return c.json(
        {
          holds: rows.map((h) => ({
            id: h.id,
            recordId: h.record_id,
            title: h.title,
            status: h.status,
            channel: h.channel,
            position: h.position ?? null,
            pickupBranchId: h.pickup_branch_id,
            pickupDeadline: h.pickup_deadline,
          })),
        },
        200,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/holds/{id}/cancel',
      tags,
      summary:
        'Cancel a hold on the patron’s request (a 受取り可 one too); the copy passes to the next hold',
      request: { params: IdParams },
      responses: {
        200: json(
          z.object({
            holdId: z.number().int(),
            status: z.literal('cancelled'),
            alreadyCancelled: z.boolean(),
          }),
          'Cancelled',
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      const outcome = await circulation.cancelHold(c.get('lib'), id)
      if (!outcome.ok) {
        if (outcome.reason === 'not_found') throw notFound('hold')
        throw new ApiError(409, 'not_active', 'the hold is no longer active')
      }
      return c.json(
        { holdId: id, status: 'cancelled' as const, alreadyCancelled: outcome.alreadyCancelled },
        200,
      )
    },
  )

  return app
}
