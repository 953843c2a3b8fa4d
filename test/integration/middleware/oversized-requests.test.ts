// Requests too large for Node's parser, and more than 100 query parameters, get a proper page
// with the security headers (issue 9, item 9): 431 with a page in Shift_JIS, which both channels read (not
// Node's bare 431), and 400 「条件が多すぎます」 (not a character-encoding error).
import net from 'node:net'
import iconv from 'iconv-lite'
import { expect } from 'chai'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { KEITAI_UA, get, startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'

/** Sends one raw HTTP request and reads the whole answer (the server closes the connection). */
function raw(baseUrl: string, request: string): Promise<Buffer> {
  const { port } = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(request))
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('end', () => resolve(Buffer.concat(chunks)))
    socket.on('error', (err) => (chunks.length ? resolve(Buffer.concat(chunks)) : reject(err)))
  })
}

function split(response: Buffer): { head: string; body: Buffer } {
  const at = response.indexOf('\r\n\r\n')
  return { head: response.subarray(0, at).toString('latin1'), body: response.subarray(at + 4) }
}

describe('oversized requests', function () {
  this.timeout(60_000)
  let t: TestDatabase
  let app: TestServer
  before(async () => {
    t = await createTestDatabase({ prefix: 'big' })
    // A library to address (its pages decode the query after finding it).
    await t.db
      .insertInto('library')
      .values({ slug: 'aoba', name: 'あおば市立図書館', rules_preset: 'A', settings_json: '{}' })
      .execute()
    app = await startTestServer(t.db)
  })
  after(() => app.close())

  it('answers a URL over the header limit with a 431 page and the security headers', async () => {
    const q = '%E3%81%82'.repeat(8000) // 72 KB
    const res = split(
      await raw(app.baseUrl, `GET /aoba/search?q=${q} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`),
    )
    expect(res.head).to.match(/^HTTP\/1\.1 431 /)
    expect(res.head).to.match(/content-security-policy: default-src 'none'/i)
    expect(res.head).to.match(/x-frame-options: DENY/i)
    // Shift_JIS: the channel cannot be told from what Node kept, and every browser reads it.
    expect(res.head).to.match(/content-type: text\/html; charset=Shift_JIS/i)
    const html = iconv.decode(res.body, 'cp932')
    expect(html).to.include('<title>エラー：アドレスが長すぎます</title>')
    expect(html).to.include('検索語を短くして')
  })

  it('answers a keitai the same in Shift_JIS', async () => {
    const q = '%82%A0'.repeat(12000)
    const res = split(
      await raw(
        app.baseUrl,
        `GET /aoba/k/search?q=${q} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ${KEITAI_UA}\r\n\r\n`,
      ),
    )
    expect(res.head).to.match(/^HTTP\/1\.1 431 /)
    expect(res.head).to.match(/content-type: text\/html; charset=Shift_JIS/i)
    expect(res.body.length).to.be.at.most(5120)
    expect(iconv.decode(res.body, 'cp932')).to.include('アドレスが長すぎます')
  })

  it('says "too many conditions" for more than 100 query parameters, on both channels', async () => {
    const many = Array.from({ length: 120 }, (_, i) => `p${i}=1`).join('&')
    const pc = await get(app.baseUrl, `/aoba/search?${many}`)
    expect(pc.status).to.equal(400)
    expect(pc.text).to.include('条件が多すぎます')
    expect(pc.text).not.to.include('文字コード')
    expect(pc.headers.get('content-security-policy')).to.include("default-src 'none'")
    const k = await get(app.baseUrl, `/aoba/k/search?${many}`, { 'User-Agent': KEITAI_UA })
    expect(k.status).to.equal(400)
    expect(k.text).to.include('条件が多すぎます')
  })
})
