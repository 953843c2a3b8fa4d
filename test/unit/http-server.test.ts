// createHttpServer builds each request and response with the app's own prototypes, so
// Express's per-request Object.setPrototypeOf changes nothing: every request keeps one V8
// hidden class (checked in a child process with V8's natives syntax), and everything Express
// defines on requests and responses still works.
import { execFile } from 'node:child_process'
import { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'chai'
import express from 'express'
import { createHttpServer, expressMessageClasses } from '../../server/http-server.ts'

const run = promisify(execFile)
const root = join(import.meta.dirname, '..', '..')

async function shapes(...args: string[]): Promise<{ request: boolean[]; response: boolean[] }> {
  const { stdout } = await run(
    process.execPath,
    ['--allow-natives-syntax', '--import', 'tsx', 'test/fixtures/request-shape.ts', ...args],
    { cwd: root, timeout: 30_000 },
  )
  return JSON.parse(stdout) as { request: boolean[]; response: boolean[] }
}

describe('createHttpServer: requests with the app’s prototypes', function () {
  this.timeout(40_000)

  it('keeps one hidden class for every request and response (node:http alone does not)', async () => {
    expect(await shapes()).to.deep.equal({ request: [true, true], response: [true, true] })
    // Why the classes exist: under Express, Node's own classes give each request a new one.
    expect(await shapes('plain')).to.deep.equal({
      request: [false, false],
      response: [false, false],
    })
  })

  it('hands Express requests whose prototype is already the app’s, and Express still works', async () => {
    const app = express()
    const seen: { request: boolean; response: boolean; http: boolean }[] = []
    app.get('/:lib/go', (req, res) => {
      expect(req.app).to.equal(app)
      expect(req.path).to.equal(`/${String(req.params.lib)}/go`)
      res.locals.done = true
      res.redirect(303, `/${String(req.params.lib)}/done`)
    })
    app.get('/:lib/done', (req, res) => {
      res.status(201).json({ lib: req.params.lib, query: req.query, ip: req.ip })
    })
    const server = createHttpServer(app)
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      seen.push({
        request: Object.getPrototypeOf(req) === app.request,
        response: Object.getPrototypeOf(res) === app.response,
        http: req instanceof IncomingMessage && res instanceof ServerResponse,
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const moved = await fetch(`${base}/aoba/go`, { redirect: 'manual' })
      expect(moved.status).to.equal(303)
      expect(moved.headers.get('location')).to.equal('/aoba/done')
      const done = await fetch(`${base}/aoba/done?x=1`)
      expect(done.status).to.equal(201)
      expect(await done.json()).to.deep.equal({ lib: 'aoba', query: { x: '1' }, ip: '127.0.0.1' })
      expect(seen).to.deep.equal([
        { request: true, response: true, http: true },
        { request: true, response: true, http: true },
      ])
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })

  it('makes one pair of classes per app, however many servers serve it', () => {
    const app = express()
    const first = expressMessageClasses(app)
    expect(expressMessageClasses(app)).to.equal(first)
    expect(app.request).to.equal(first.IncomingMessage.prototype)
    expect(app.response).to.equal(first.ServerResponse.prototype)
  })
})
