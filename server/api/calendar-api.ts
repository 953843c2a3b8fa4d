// The opening calendar: weekly closed days and hours, and days that differ (holidays, 年末年始,
// special closures) for the library or one branch. Every rule and the patron pages read it.
import { createRoute, z } from '@hono/zod-openapi'
import { dayNumber, isValidDay } from '../services/calendar-service.ts'
import { MAX_CALENDAR_RANGE_DAYS } from '../services/opening-calendar-service.ts'
import { ApiError, notFound } from './api-error.ts'
import { BodyId, Day, ERRORS, json, jsonBody } from './api-schemas.ts'
import { staffRouter } from './staff-api.ts'
import type { StaffApiDeps } from './staff-api.ts'

const tags = ['calendar']

/** Object refinements may run even when a field failed: compare only real dates. */
const validRange = (q: { from: string; to: string }) => isValidDay(q.from) && isValidDay(q.to)

const Weekdays = z
  .array(z.number().int().min(0).max(6))
  .max(7)
  .openapi({ description: '0 = Sunday … 6 = Saturday', example: [1] })

const DayView = z
  .object({
    day: z.string(),
    weekday: z.number().int(),
    open: z.boolean(),
    note: z.string(),
    source: z.enum(['weekly', 'library', 'branch']),
  })
  .openapi('CalendarDay')

const BranchQuery = z.coerce
  .number()
  .int()
  .positive()
  .optional()
  .openapi({ description: 'a branch: its own days over the library’s' })

export function calendarApi(deps: StaffApiDeps) {
  const calendar = deps.services.openingCalendar
  const app = staffRouter()

  app.openapi(
    createRoute({
      method: 'get',
      path: '/calendar',
      tags,
      summary: 'Opening days from..to (at most 400 days), with the weekly pattern and hours',
      request: {
        query: z
          .object({ from: Day, to: Day, branchId: BranchQuery })
          .refine((q) => !validRange(q) || dayNumber(q.to) >= dayNumber(q.from), {
            message: 'must not be before from',
            path: ['to'],
          })
          .refine(
            (q) => !validRange(q) || dayNumber(q.to) - dayNumber(q.from) < MAX_CALENDAR_RANGE_DAYS,
            {
              message: `at most ${MAX_CALENDAR_RANGE_DAYS} days after from`,
              path: ['to'],
            },
          ),
      },
      responses: {
        200: json(
          z
            .object({
              closedWeekdays: Weekdays,
              openingHours: z.string(),
              days: z.array(DayView),
            })
            .openapi('Calendar'),
          'The days',
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      const lib = c.get('lib')
      const { from, to, branchId } = c.req.valid('query')
      if (!calendar.hasBranch(lib, branchId ?? null)) throw notFound('branch')
      return c.json(
        {
          closedWeekdays: [...lib.settings.closedWeekdays],
          openingHours: lib.settings.openingHours,
          days: await calendar.days(lib, from, to, branchId ?? null),
        },
        200,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'put',
      path: '/calendar/days',
      tags,
      summary:
        'Set days open or closed, with a note (年末年始, 蔵書点検…), for the library or a branch',
      request: {
        body: jsonBody(
          z
            .object({
              branchId: BodyId.optional(),
              days: z
                .array(
                  z
                    .object({
                      day: Day,
                      open: z.boolean(),
                      note: z.string().trim().max(100).default(''),
                    })
                    .strict(),
                )
                .min(1)
                .max(MAX_CALENDAR_RANGE_DAYS),
            })
            .strict()
            .openapi('CalendarDaysChange', {
              example: {
                days: [
                  { day: '2026-12-29', open: false, note: '年末年始' },
                  { day: '2026-12-30', open: false, note: '年末年始' },
                ],
              },
            }),
        ),
      },
      responses: { 200: json(z.object({ changed: z.number().int() }), 'Stored'), ...ERRORS },
    }),
    async (c) => {
      const { branchId, days } = c.req.valid('json')
      const outcome = await calendar.setDays(c.get('lib'), branchId ?? null, days)
      if (!outcome.ok) throw notFound('branch')
      return c.json({ changed: days.length }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/calendar/days/{day}',
      tags,
      summary: 'Remove a day’s exception: the weekly pattern applies again',
      request: {
        params: z.object({ day: Day.openapi({ param: { name: 'day', in: 'path' } }) }),
        query: z.object({ branchId: BranchQuery }),
      },
      responses: {
        200: json(z.object({ removed: z.boolean() }), 'Removed (or none was there)'),
        ...ERRORS,
      },
    }),
    async (c) => {
      const outcome = await calendar.clearDay(
        c.get('lib'),
        c.req.valid('query').branchId ?? null,
        c.req.valid('param').day,
      )
      if (!outcome.ok) throw notFound('branch')
      return c.json({ removed: outcome.removed }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'put',
      path: '/calendar/weekly',
      tags,
      summary: 'Weekly closed days and the opening-hours line shown to patrons',
      request: {
        body: jsonBody(
          z
            .object({
              closedWeekdays: Weekdays.optional(),
              openingHours: z
                .string()
                .trim()
                .max(200)
                .optional()
                .openapi({ example: '9:00〜19:00（土日祝は17:00まで）' }),
            })
            .strict()
            .openapi('CalendarWeekly'),
        ),
      },
      responses: {
        200: json(z.object({ closedWeekdays: Weekdays, openingHours: z.string() }), 'Stored'),
        ...ERRORS,
      },
    }),
    async (c) => {
      const lib = c.get('lib')
      const change = c.req.valid('json')
      const outcome = await calendar.setWeekly(lib, change)
      if (!outcome.ok) {
        throw new ApiError(
          400,
          'invalid_request',
          'closedWeekdays: at least one weekday must stay open',
        )
      }
      return c.json(
        {
          closedWeekdays: change.closedWeekdays
            ? [...new Set(change.closedWeekdays)].sort()
            : [...lib.settings.closedWeekdays],
          openingHours: change.openingHours ?? lib.settings.openingHours,
        },
        200,
      )
    },
  )

  // The next opening day, as the pages and a staff system show it beside a deadline.
  app.openapi(
    createRoute({
      method: 'get',
      path: '/calendar/today',
      tags,
      summary: 'Whether today is an opening day, and the next opening day',
      request: { query: z.object({ branchId: BranchQuery }) },
      responses: {
        200: json(
          z.object({ day: z.string(), open: z.boolean(), nextOpeningDay: z.string() }),
          'Today',
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      const lib = c.get('lib')
      const branchId = c.req.valid('query').branchId ?? null
      if (!calendar.hasBranch(lib, branchId)) throw notFound('branch')
      return c.json(await calendar.today(lib, branchId), 200)
    },
  )

  return app
}
