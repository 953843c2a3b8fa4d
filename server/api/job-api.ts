// Jobs through the API: what there is, run one now (idempotent, under its database lock), and
// the mails the sender gave up on. A job works on every library of the deployment; the answer
// gives counts only — for a job that works library by library, the token's library's counts.
import { createRoute, z } from '@hono/zod-openapi'
import { ApiError } from './api-error.ts'
import { ERRORS, json } from './api-schemas.ts'
import { staffRouter } from './staff-api.ts'
import type { StaffApiDeps } from './staff-api.ts'

const tags = ['jobs']

export function jobApi(deps: StaffApiDeps) {
  const app = staffRouter()
  const jobList = deps.jobList ?? []

  app.openapi(
    createRoute({
      method: 'get',
      path: '/jobs',
      tags,
      summary: 'The jobs, and whether this process is running each now',
      responses: {
        200: json(
          z.object({
            jobs: z.array(
              z.object({ name: z.string(), description: z.string(), running: z.boolean() }),
            ),
          }),
          'Jobs',
        ),
        ...ERRORS,
      },
    }),
    (c) => {
      const running = new Set(deps.jobs?.running() ?? [])
      return c.json({ jobs: jobList.map((j) => ({ ...j, running: running.has(j.name) })) }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/jobs/{name}/run',
      tags,
      summary: 'Run a job now and answer with its report (409 while another process runs it)',
      request: {
        params: z.object({
          name: z
            .string()
            .regex(/^[a-z][a-z0-9-]{0,40}$/)
            .openapi({ param: { name: 'name', in: 'path' }, example: 'hold-approval' }),
        }),
      },
      responses: {
        200: json(
          z
            .object({
              name: z.string(),
              scope: z.enum(['library', 'deployment']).openapi({
                description:
                  'library: the job works library by library and report counts what it did in this token’s library; deployment: the job’s counts over every library (sessions, the mail outbox, search indexes)',
              }),
              report: z.record(z.string(), z.number()),
              seconds: z.number(),
            })
            .openapi('JobRun'),
          'What the run did',
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param')
      if (!jobList.some((j) => j.name === name))
        throw new ApiError(404, 'not_found', `no job "${name}"`)
      if (!deps.jobs) throw new ApiError(503, 'jobs_unavailable', 'this process runs no jobs')
      const run = await deps.jobs.run(name)
      if (!run.ok) throw new ApiError(409, 'busy', `job ${name} is running in another process`)
      if (!run.byLibrary) {
        return c.json(
          { name, scope: 'deployment' as const, report: { ...run.report }, seconds: run.seconds },
          200,
        )
      }
      // Another library's counts are not this token's business: its own only (zeros when the
      // run did nothing here).
      const zero = Object.fromEntries(Object.keys(run.report).map((key) => [key, 0]))
      const own = run.byLibrary[c.get('lib').library.slug] ?? zero
      return c.json(
        { name, scope: 'library' as const, report: { ...own }, seconds: run.seconds },
        200,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/mails/failed',
      tags,
      summary: 'Mails of this library that could not be delivered (given up on), newest first',
      request: {
        query: z.object({
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
      responses: {
        200: json(
          z.object({
            mails: z.array(
              z.object({
                id: z.number().int(),
                patronId: z.number().int().nullable(),
                kind: z.string(),
                to: z.string(),
                subject: z.string(),
                createdAt: z.string(),
                failedAt: z.string().nullable(),
                attempts: z.number().int(),
                lastError: z.string().nullable(),
              }),
            ),
          }),
          'Failed mails',
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      const rows = await deps.services.outboxReport.failed(
        c.get('lib').library.id,
        c.req.valid('query').limit,
      )
      return c.json(
        {
          mails: rows.map((m) => ({
            id: m.id,
            patronId: m.patron_id,
            kind: m.kind,
            to: m.to_address,
            subject: m.subject,
            createdAt: m.created_at,
            failedAt: m.failed_at,
            attempts: m.attempts,
            lastError: m.last_error,
          })),
        },
        200,
      )
    },
  )

  return app
}
