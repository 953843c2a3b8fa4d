// A client of the staff API over real HTTP: JSON in, JSON out, with a library's token.
import type { Deps } from '../../server/deps.ts'

export interface StaffResponse<T = unknown> {
  status: number
  headers: Headers
  body: T
}

export type StaffCall = <T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
) => Promise<StaffResponse<T>>

/** A call function for `token` (or none) against the server at baseUrl. */
export function staffClient(baseUrl: string, token: string | null): StaffCall {
  return async (method, path, body) => {
    const headers: Record<string, string> = {}
    if (token) headers.authorization = `Bearer ${token}`
    let payload: string | undefined
    if (body !== undefined) {
      headers['content-type'] = 'application/json'
      payload = typeof body === 'string' ? body : JSON.stringify(body)
    }
    const res = await fetch(`${baseUrl}/api/staff/v1${path}`, { method, headers, body: payload })
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = JSON.parse(text)
    } catch {
      // not JSON: the test sees the text
    }
    return { status: res.status, headers: res.headers, body: parsed as never }
  }
}

/** A fresh token for the library, through the same service as the CLI. */
export async function staffToken(deps: Deps, libraryId: number, name = 'counter-1') {
  const created = await deps.services.staffTokens.create(libraryId, name)
  if (!created.ok) throw new Error(`token not created: ${created.reason}`)
  return created.token
}
