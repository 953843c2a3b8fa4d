// The HTTP server around the app. Node's default 16 KB header limit answers a long URL
// (a 2,000-character query percent-encoded in UTF-8 is 18 KB) with a bare 431 before the
// app sees it; a larger limit lets the app answer with a proper 400 page instead.
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { Express } from 'express'

export const MAX_HEADER_BYTES = 64 * 1024

export function createHttpServer(app: Express): Server {
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, app)
  server.keepAliveTimeout = 5000
  server.headersTimeout = 10_000
  server.requestTimeout = 30_000
  return server
}
