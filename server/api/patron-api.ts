// Patrons at the counter: registration, changes, suspension, initial passwords, unlocking a
// card, ending sessions.
import { createRoute, z } from '@hono/zod-openapi'
import { AGE_GROUPS, RESIDENCIES } from '../services/staff-patron-service.ts'
import type { PatronOutcome } from '../services/staff-patron-service.ts'
import { ApiError, notFound } from './api-error.ts'
import { Day, ERRORS, IdParams, json, jsonBody } from './api-schemas.ts'
import { staffRouter } from './staff-api.ts'
import type { StaffApiDeps } from './staff-api.ts'

export const PatronSchema = z
  .object({
    id: z.number().int(),
    cardNumber: z.string().openapi({ example: '2201900011' }),
    fullName: z.string().openapi({ example: '湊 太郎' }),
    fullNameReading: z.string().openapi({ example: 'ミナト タロウ' }),
    birthDate: z.string().openapi({ example: '1990-04-01' }),
    residency: z.enum(RESIDENCIES),
    disabilityService: z.boolean(),
    ageGroup: z.enum(AGE_GROUPS),
    email: z.string().nullable(),
    hasPassword: z.boolean(),
    passwordIsInitial: z.boolean(),
    suspended: z.object({ at: z.string(), reason: z.string() }).nullable(),
    lockedUntil: z.string().nullable(),
  })
  .openapi('Patron')

const PatronInput = z
  .object({
    cardNumber: z.string().min(1).max(40).openapi({ example: '2201900011' }),
    fullName: z.string().trim().min(1).max(100).openapi({ example: '湊 太郎' }),
    fullNameReading: z.string().max(100).optional().openapi({ example: 'ミナト タロウ' }),
    birthDate: Day.openapi({ example: '1990-04-01' }),
    residency: z.enum(RESIDENCIES),
    disabilityService: z.boolean().optional(),
    ageGroup: z.enum(AGE_GROUPS).optional(),
  })
  .strict()
  .openapi('PatronInput')

const PatronChange = PatronInput.partial().strict().openapi('PatronChange')

const tags = ['patrons']

function patronOrThrow(outcome: PatronOutcome) {
  if (outcome.ok) return outcome.patron
  if (outcome.reason === 'card_taken') {
    throw new ApiError(409, 'card_taken', 'another patron of this library has this card number')
  }
  if (outcome.reason === 'card_invalid') {
    throw new ApiError(400, 'invalid_request', 'cardNumber: digits only, at most 20')
  }
  throw notFound('patron')
}

export function patronApi(deps: StaffApiDeps) {
  const patrons = deps.services.staffPatrons
  const app = staffRouter()

  app.openapi(
    createRoute({
      method: 'post',
      path: '/patrons',
      tags,
      summary: 'Register a patron',
      request: { body: jsonBody(PatronInput) },
      responses: { 201: json(PatronSchema, 'The patron'), ...ERRORS },
    }),
    async (c) =>
      c.json(patronOrThrow(await patrons.create(c.get('lib'), c.req.valid('json'))), 201),
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/patrons',
      tags,
      summary: 'Find a patron by card number',
      request: {
        query: z.object({ card: z.string().min(1).max(40).openapi({ example: '2201900011' }) }),
      },
      responses: { 200: json(PatronSchema, 'The patron'), ...ERRORS },
    }),
    async (c) =>
      c.json(patronOrThrow(await patrons.byCard(c.get('lib'), c.req.valid('query').card)), 200),
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/patrons/{id}',
      tags,
      summary: 'A patron',
      request: { params: IdParams },
      responses: { 200: json(PatronSchema, 'The patron'), ...ERRORS },
    }),
    async (c) =>
      c.json(patronOrThrow(await patrons.get(c.get('lib'), c.req.valid('param').id)), 200),
  )

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/patrons/{id}',
      tags,
      summary: 'Change a patron (only the fields given)',
      request: { params: IdParams, body: jsonBody(PatronChange) },
      responses: { 200: json(PatronSchema, 'The patron'), ...ERRORS },
    }),
    async (c) =>
      c.json(
        patronOrThrow(
          await patrons.update(c.get('lib'), c.req.valid('param').id, c.req.valid('json')),
        ),
        200,
      ),
  )

  app.openapi(
    createRoute({
      method: 'put',
      path: '/patrons/{id}/suspension',
      tags,
      summary: 'Suspend a patron (利用停止): no loans or holds until lifted',
      request: {
        params: IdParams,
        body: jsonBody(
          z.object({ reason: z.string().trim().min(1).max(200).openapi({ example: '長期延滞' }) }),
        ),
      },
      responses: { 200: json(PatronSchema, 'The patron'), ...ERRORS },
    }),
    async (c) =>
      c.json(
        patronOrThrow(
          await patrons.suspend(c.get('lib'), c.req.valid('param').id, c.req.valid('json').reason),
        ),
        200,
      ),
  )

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/patrons/{id}/suspension',
      tags,
      summary: 'Lift a suspension',
      request: { params: IdParams },
      responses: { 200: json(PatronSchema, 'The patron'), ...ERRORS },
    }),
    async (c) =>
      c.json(
        patronOrThrow(await patrons.suspend(c.get('lib'), c.req.valid('param').id, null)),
        200,
      ),
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/patrons/{id}/password',
      tags,
      summary:
        'Issue (rules B: returned once, for the receipt) or clear (rules A: the patron registers again) a password',
      request: { params: IdParams },
      responses: {
        200: json(
          z
            .object({
              kind: z.enum(['issued', 'cleared']),
              password: z.string().optional().openapi({ example: 'Ab3dEf7h' }),
              patron: PatronSchema,
            })
            .openapi('PasswordIssued'),
          'Issued (with the password) or cleared; the patron’s sessions are ended',
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      const outcome = await patrons.issuePassword(c.get('lib'), c.req.valid('param').id)
      if (!outcome.ok) {
        if (outcome.reason === 'not_found') throw notFound('patron')
        throw new ApiError(
          409,
          `ineligible_${outcome.eligibility}`,
          outcome.eligibility === 'under_age'
            ? 'online services start at elementary-school age under this library’s rules'
            : 'patrons of the disability service cannot have a password under this library’s rules',
        )
      }
      c.header('Cache-Control', 'no-store')
      return c.json(
        outcome.kind === 'issued'
          ? { kind: outcome.kind, password: outcome.password, patron: outcome.patron }
          : { kind: outcome.kind, patron: outcome.patron },
        200,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/patrons/{id}/unlock',
      tags,
      summary: 'Unlock a card locked by failed logins',
      request: { params: IdParams },
      responses: { 200: json(PatronSchema, 'The patron'), ...ERRORS },
    }),
    async (c) =>
      c.json(patronOrThrow(await patrons.unlock(c.get('lib'), c.req.valid('param').id)), 200),
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/patrons/{id}/end-sessions',
      tags,
      summary: 'Log the patron out everywhere',
      request: { params: IdParams },
      responses: {
        200: json(z.object({ ended: z.number().int() }), 'Sessions ended'),
        ...ERRORS,
      },
    }),
    async (c) => {
      const outcome = await patrons.endSessions(c.get('lib'), c.req.valid('param').id)
      if (!outcome.ok) throw notFound('patron')
      return c.json({ ended: outcome.ended }, 200)
    },
  )

  return app
}
