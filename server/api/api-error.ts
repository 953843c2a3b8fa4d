// The staff API's one error shape: { "error": { "code", "message" } } (issue 12). Handlers
// throw ApiError; the app's error handler answers with it. Messages are English for the
// developers of staff systems; codes are stable and meant for programs.
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 503,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`)

export interface ErrorBody {
  error: { code: string; message: string }
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } }
}
