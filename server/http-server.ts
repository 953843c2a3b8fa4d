// The HTTP server around the app. Node's default 16 KB header limit answers a long URL
// (a 2,000-character query percent-encoded in UTF-8 is 18 KB) with a bare 431 before the
// app sees it; a larger limit lets the app answer with a proper 400 page instead. Beyond even
// that limit (and for requests Node cannot parse at all), clientError answers with a page of
// its own (in Shift_JIS, which both channels read), with the security headers every page has.
import { IncomingMessage, ServerResponse, createServer } from 'node:http'
import type { Server } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Express } from 'express'
import { encodeKeitai } from './render/cp932.ts'

export const MAX_HEADER_BYTES = 64 * 1024

const SECURITY_HEADERS = [
  "Content-Security-Policy: default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options: nosniff',
  'X-Frame-Options: DENY',
  'Referrer-Policy: same-origin',
  'Cache-Control: no-store',
]

/**
 * The page for a request Node refused before the app saw it (431 or 400). Node gives no
 * reliable start of the request (only the chunk that overflowed), so the channel cannot be
 * told: the page is written in Shift_JIS, which keitai need and every PC browser reads too,
 * and links to both channels' lists of libraries.
 */
export function clientErrorResponse(status: 400 | 431): Buffer {
  const heading = status === 431 ? 'アドレスが長すぎます' : '入力内容の誤り'
  const message =
    status === 431
      ? 'アドレス（URL）または送信された情報が長すぎるため、表示できません。検索語を短くして、検索画面からもう一度お試しください。'
      : '送信された内容を読み取れませんでした。お手数ですが、もう一度最初から操作してください。'
  const reason = status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'
  const body = encodeKeitai(
    '<!DOCTYPE html>\n<html lang="ja">\n<head>\n' +
      '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">\n' +
      '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
      `<title>エラー：${heading}</title>\n<link rel="stylesheet" href="/static/opac.css">\n` +
      `</head>\n<body>\n<main>\n<h1>${heading}</h1>\n<p>${message}</p>\n` +
      '<p><a href="/">図書館の一覧へ</a><br>\n<a href="/k/">携帯版の図書館一覧へ</a></p>\n' +
      '</main>\n</body>\n</html>\n',
  )
  const headers = [
    `HTTP/1.1 ${status} ${reason}`,
    'Content-Type: text/html; charset=Shift_JIS',
    `Content-Length: ${body.length}`,
    ...SECURITY_HEADERS,
    'Connection: close',
  ]
  return Buffer.concat([Buffer.from(`${headers.join('\r\n')}\r\n\r\n`, 'latin1'), body])
}

export function createHttpServer(app: Express): Server {
  const server = createServer(
    { maxHeaderSize: MAX_HEADER_BYTES, ...expressMessageClasses(app) },
    app,
  )
  server.keepAliveTimeout = 5000
  server.headersTimeout = 10_000
  server.requestTimeout = 30_000
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy()
      return
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
    if (err.code === 'ECONNRESET' || err.code === 'HPE_REQUEST_TIMEOUT') {
      socket.destroy()
      return
    }
    socket.end(clientErrorResponse(status))
  })
  return server
}

/** The classes made for each app (several servers of one app share them). */
const messageClasses = new WeakMap<Express, ServerMessages>()

interface ServerMessages {
  IncomingMessage: typeof IncomingMessage
  ServerResponse: typeof ServerResponse
}

/**
 * The request and response classes of an Express app's server: instances are born with the
 * app's own prototypes. Express gives every request its prototypes (Object.setPrototypeOf on
 * the request and the response); done to an object made by Node's own classes, V8 gives it a
 * new hidden class each time, so every property Express and the app then add is a slow store
 * and every property read of a request or response, in Node's http code as much as ours, is a
 * lookup that never settles. With these, Express's setPrototypeOf finds the prototype already
 * in place and does nothing, and every request has the same shape (about 30 % less CPU per
 * page in bench:http). The original prototypes stay behind the new ones, so req.app and
 * everything else Express defines is found as before.
 */
export function expressMessageClasses(app: Express): ServerMessages {
  const known = messageClasses.get(app)
  if (known) return known
  class AppRequest extends IncomingMessage {}
  Object.setPrototypeOf(AppRequest.prototype, app.request)
  class AppResponse extends ServerResponse {}
  Object.setPrototypeOf(AppResponse.prototype, app.response)
  app.request = AppRequest.prototype as unknown as Express['request']
  app.response = AppResponse.prototype as unknown as Express['response']
  const classes = {
    IncomingMessage: AppRequest,
    ServerResponse: AppResponse as unknown as typeof ServerResponse,
  }
  messageClasses.set(app, classes)
  return classes
}
