// Schemas shared by the staff API's routes; each validates requests and describes them in the
// OpenAPI document.
import { z } from '@hono/zod-openapi'
import { isValidDay } from '../services/calendar-service.ts'

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_request' }),
      message: z.string().openapi({ example: 'birthDate: a date YYYY-MM-DD' }),
    }),
  })
  .openapi('Error')

const errorResponse = (description: string) => ({
  content: { 'application/json': { schema: ErrorSchema } },
  description,
})

/** The error answers every authenticated route may give. */
export const ERRORS = {
  400: errorResponse('Invalid request: the message names the field'),
  401: errorResponse('No valid token'),
  404: errorResponse('Not found in this library'),
  409: errorResponse('Refused by a rule or conflicting with the current state'),
} as const

export function json<T extends z.ZodType>(schema: T, description: string) {
  return { content: { 'application/json': { schema } }, description }
}

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { content: { 'application/json': { schema } }, required: true }
}

export const Day = z
  .string()
  .refine(isValidDay, { message: 'a date YYYY-MM-DD' })
  .openapi({ example: '2026-11-24', format: 'date' })

export const Id = z.coerce.number().int().positive().max(4294967295).openapi({ example: 123 })

export const IdParams = z.object({
  id: Id.openapi({ param: { name: 'id', in: 'path' } }),
})

/** An id in a JSON body: a number, not a string. */
export const BodyId = z.number().int().positive().max(4294967295).openapi({ example: 123 })
