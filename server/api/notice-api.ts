// お知らせ: post, change, withdraw; the library's top page lists the current ones.
import { createRoute, z } from '@hono/zod-openapi'
import type { NoticeOutcome, NoticeRow } from '../services/notice-service.ts'
import { ApiError, notFound } from './api-error.ts'
import { Day, ERRORS, IdParams, json, jsonBody } from './api-schemas.ts'
import { staffRouter } from './staff-api.ts'
import type { StaffApiDeps } from './staff-api.ts'

const tags = ['notices']

const NoticeSchema = z
  .object({
    id: z.number().int(),
    title: z.string(),
    body: z.string(),
    showFrom: z.string(),
    showUntil: z.string().nullable(),
    createdAt: z.string(),
    withdrawnAt: z.string().nullable(),
  })
  .openapi('Notice')

const NoticeInput = z
  .object({
    title: z.string().trim().min(1).max(100).openapi({ example: '年末年始の休館について' }),
    body: z
      .string()
      .trim()
      .min(1)
      .max(4000)
      .openapi({ example: '12月29日（火）から1月3日（日）まで休館します。' }),
    showFrom: Day.optional().openapi({ description: 'default: today' }),
    showUntil: Day.nullable().optional().openapi({ description: 'null: until withdrawn' }),
  })
  .strict()
  .openapi('NoticeInput')

const view = (n: NoticeRow) => ({
  id: n.id,
  title: n.title,
  body: n.body,
  showFrom: n.show_from,
  showUntil: n.show_until,
  createdAt: n.created_at,
  withdrawnAt: n.withdrawn_at,
})

function noticeOrThrow(outcome: NoticeOutcome) {
  if (outcome.ok) return view(outcome.notice)
  if (outcome.reason === 'bad_dates') {
    throw new ApiError(400, 'invalid_request', 'showUntil: must not be before showFrom')
  }
  throw notFound('notice')
}

export function noticeApi(deps: StaffApiDeps) {
  const notices = deps.services.notices
  const app = staffRouter()

  app.openapi(
    createRoute({
      method: 'post',
      path: '/notices',
      tags,
      summary: 'Post a notice (お知らせ)',
      request: { body: jsonBody(NoticeInput) },
      responses: { 201: json(NoticeSchema, 'Posted'), ...ERRORS },
    }),
    async (c) =>
      c.json(noticeOrThrow(await notices.post(c.get('lib').library.id, c.req.valid('json'))), 201),
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/notices',
      tags,
      summary: 'The library’s notices, newest first',
      request: {
        query: z.object({
          withdrawn: z
            .enum(['true', 'false'])
            .default('false')
            .openapi({ description: 'include withdrawn notices' }),
        }),
      },
      responses: { 200: json(z.object({ notices: z.array(NoticeSchema) }), 'Notices'), ...ERRORS },
    }),
    async (c) => {
      const rows = await notices.list(
        c.get('lib').library.id,
        c.req.valid('query').withdrawn === 'true',
      )
      return c.json({ notices: rows.map(view) }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/notices/{id}',
      tags,
      summary: 'Change a notice',
      request: { params: IdParams, body: jsonBody(NoticeInput.partial().strict()) },
      responses: { 200: json(NoticeSchema, 'Changed'), ...ERRORS },
    }),
    async (c) =>
      c.json(
        noticeOrThrow(
          await notices.change(
            c.get('lib').library.id,
            c.req.valid('param').id,
            c.req.valid('json'),
          ),
        ),
        200,
      ),
  )

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/notices/{id}',
      tags,
      summary: 'Withdraw a notice (kept, no longer shown)',
      request: { params: IdParams },
      responses: { 200: json(NoticeSchema, 'Withdrawn'), ...ERRORS },
    }),
    async (c) =>
      c.json(
        noticeOrThrow(await notices.withdraw(c.get('lib').library.id, c.req.valid('param').id)),
        200,
      ),
  )

  return app
}
