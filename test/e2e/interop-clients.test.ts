// Real clients of the interoperability endpoints (Debian packages): YAZ's yaz-client speaks
// SRU 1.2 over HTTP GET (find, show, a diagnostic), and the Perl HTTP::OAI harvester
// (oai_pmh) identifies the repository, harvests the whole demo catalogue following
// resumption tokens, and sees a record deleted through the staff API in an incremental
// harvest.
import { execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { expect } from 'chai'
import { sql } from 'kysely'
import { holdFixture } from '../helpers/hold-fixture.ts'
import { staffClient, staffToken } from '../helpers/staff-client.ts'
import { createTestDatabase, sharedDemoDatabase } from '../helpers/test-database.ts'
import type { TestDatabase } from '../helpers/test-database.ts'
import { startTestServer } from '../helpers/test-server.ts'
import type { TestServer } from '../helpers/test-server.ts'
import { requireTools } from '../helpers/tools.ts'

// Async: the test server runs in this very process and must keep answering.
const run = promisify(execFile)
const UNLIMITED = { INTEROP_REQUESTS_PER_MINUTE: '1000000' }

/** yaz-client fed these commands on its standard input; its output. */
function yazClient(commands: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('yaz-client', [], { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
    const timer = setTimeout(() => child.kill(), 60_000)
    child.on('error', reject)
    child.on('close', () => {
      clearTimeout(timer)
      resolve(out)
    })
    child.stdin.end(`${[...commands, 'quit'].join('\n')}\n`)
  })
}

/** oai_pmh's output: records separated by form feeds, each "identifier: …" "status: …". */
async function oaiPmh(url: string, args: string[]) {
  const { stdout } = await run('oai_pmh', [...args, url], {
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 512 * 1024 * 1024,
  })
  return stdout
    .split('\f')
    .filter((block) => block.includes('identifier: '))
    .map((block) => ({
      identifier: /identifier: (\S+)/.exec(block)?.[1] ?? '',
      deleted: /status: deleted/.test(block),
      metadata: block.includes('<metadata'),
    }))
}

describe('SRU and OAI-PMH clients (yaz-client, oai_pmh)', function () {
  this.timeout(600_000)
  let t: TestDatabase
  let server: TestServer

  before(async function () {
    requireTools(this, ['yaz-client', 'oai_pmh'])
    t = await sharedDemoDatabase(this)
    server = await startTestServer(t.db, { env: UNLIMITED })
  })
  after(async () => server?.close())

  it('yaz-client finds, shows a record, and reads a diagnostic', async () => {
    const out = await yazClient([
      'sru get 1.2',
      `open ${server.baseUrl}/aoba/sru`,
      'querytype cql',
      'find title=こころ',
      'show 1',
      'find author=夏目漱石 and title=こころ',
      'show 1',
      'find title=(こころ',
      'find title adj こころ',
    ])
    const hits = [...out.matchAll(/Number of hits: (\d+)/g)].map((m) => Number(m[1]))
    // find, show (which repeats the search), find, show, and the two bad queries
    expect(hits, out).to.have.length(6)
    const [kokoro = 0, , both = 0] = hits
    expect(kokoro).to.be.greaterThan(both)
    expect(both).to.be.greaterThan(0)
    expect(out).to.include('pos=1 schema=info:srw/schema/1/dc-v1.1')
    expect(out).to.match(/<dc:title>こころ<\/dc:title>\s*<dc:creator>夏目漱石<\/dc:creator>/)
    expect(out).to.include('SRW diagnostic info:srw/diagnostic/1/10')
    expect(out).to.include('Message: Query syntax error')
    expect(out).to.include('SRW diagnostic info:srw/diagnostic/1/19')
    expect(out).to.include('See you later')
  })

  it('oai_pmh identifies the repository and harvests the whole demo catalogue', async () => {
    await run('oai_pmh', ['-X', 'Identify', `${server.baseUrl}/aoba/oai`], { timeout: 60_000 })
    await run('oai_pmh', ['-X', 'Identify', `${server.baseUrl}/nowhere/oai`]).then(
      () => expect.fail('an unknown library was identified'),
      (err: { code: number }) => expect(err.code).to.not.equal(0),
    )
    const { rows } = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM record r
      JOIN library l ON l.id = r.library_id WHERE l.slug = 'aoba'`.execute(t.db)
    const total = Number(rows[0]?.n)
    const url = `${server.baseUrl}/aoba/oai`
    const ids = await oaiPmh(url, ['-X', 'ListIdentifiers', '--metadataPrefix', 'oai_dc'])
    expect(ids).to.have.length(total)
    expect(new Set(ids.map((r) => r.identifier)).size).to.equal(total)
    const records = await oaiPmh(url, ['-X', 'ListRecords', '--metadataPrefix', 'marcxml'])
    expect(records).to.have.length(total)
    expect(records.every((r) => r.metadata && !r.deleted)).to.equal(true)
  })

  it('oai_pmh sees a record deleted through the staff API in an incremental harvest', async () => {
    const own = await createTestDatabase({ prefix: 'oaiclient' })
    const lib = await holdFixture(own.db, 'B')
    const app = await startTestServer(own.db, { env: UNLIMITED })
    try {
      const call = staffClient(app.baseUrl, await staffToken(app.deps, lib.library.id))
      const created = await call('POST', '/records', {
        title: '除籍される本',
        materialType: 'book',
      })
      const id = (created.body as { id: number }).id
      const url = `${app.baseUrl}/${lib.slug}/oai`
      const identifier = `oai:127.0.0.1:${lib.slug}/${id}`
      const first = await oaiPmh(url, ['-X', 'ListRecords', '--metadataPrefix', 'oai_dc'])
      expect(first.find((r) => r.identifier === identifier)).to.include({ deleted: false })
      expect((await call('DELETE', `/records/${id}`)).body).to.deep.equal({ deleted: true })
      // The test server's clock is 2026-11-23T01:00:00Z: the deletion's datestamp.
      const since = await oaiPmh(url, [
        '-X',
        'ListRecords',
        '--metadataPrefix',
        'oai_dc',
        '--from',
        '2026-11-23T00:59:59Z',
        '--until',
        '2026-11-23T01:00:00Z',
      ])
      expect(since).to.deep.equal([{ identifier, deleted: true, metadata: false }])
    } finally {
      await app.close()
    }
  })
})
