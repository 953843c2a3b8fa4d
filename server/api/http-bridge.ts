// Runs a fetch-style app (Hono) inside express: the request is turned into a web Request (the
// body read here, at most maxBodyBytes) and the Response written back. Express keeps the
// outer things — logging, security headers, the readiness gate, shutdown — for both.
import type { RequestHandler } from 'express'

/** What the bridge hands the app besides the request (Hono: c.env). */
export interface BridgeEnv {
  /** The client's address as express sees it (TRUST_PROXY applied). */
  clientAddress: string
}

export interface FetchApp {
  fetch(request: Request, env: BridgeEnv): Response | Promise<Response>
}

export function httpBridge(app: FetchApp, options: { maxBodyBytes: number }): RequestHandler {
  return (req, res, next) => {
    void (async () => {
      const chunks: Buffer[] = []
      let size = 0
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        for await (const chunk of req) {
          const buffer = chunk as Buffer
          size += buffer.length
          if (size > options.maxBodyBytes) {
            // The rest of the body is not read: the connection cannot be used again.
            res.setHeader('Connection', 'close')
            res
              .status(413)
              .json({ error: { code: 'too_large', message: 'request body too large' } })
            req.resume()
            return
          }
          chunks.push(buffer)
        }
      }
      const headers = new Headers()
      for (const [name, value] of Object.entries(req.headers)) {
        if (Array.isArray(value)) for (const v of value) headers.append(name, v)
        else if (value !== undefined) headers.set(name, value)
      }
      const url = new URL(req.originalUrl, 'http://staff.invalid')
      const request = new Request(url, {
        method: req.method,
        headers,
        ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
      })
      const response = await app.fetch(request, { clientAddress: req.ip ?? '' })
      res.status(response.status)
      response.headers.forEach((value, name) => res.setHeader(name, value))
      res.end(Buffer.from(await response.arrayBuffer()))
    })().catch(next)
  }
}
