// The real start command on an empty server: the process creates the database, migrates,
// loads the demo and serves both channels; a restart keeps the data; SIGTERM lets an
// in-flight request finish before the process exits 0.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { expect } from 'chai'
import { createDb } from '../../server/db/database.ts'
import { encodeQueryValue } from '../../server/render/form-decoding.ts'
import { reserveTestDatabase } from '../helpers/test-database.ts'
import { KEITAI_UA, get } from '../helpers/test-server.ts'
import { startTcpProxy } from '../helpers/tcp-proxy.ts'
import type { TcpProxy } from '../helpers/tcp-proxy.ts'

const root = join(import.meta.dirname, '..', '..')

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

function startServer(env: Record<string, string>): {
  child: ChildProcess
  exited: Promise<number | null>
} {
  const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), ['server/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      SESSION_SECRET: 'test-session-secret-0123456789',
      PASSWORD_PEPPER: 'test-password-pepper-0123456789',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
    // Its own process group: tsx runs the server as a child of its own, and a test that fails
    // before its SIGTERM must not leave that child serving (after() kills the whole group).
    detached: true,
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, exited }
}

async function waitHealthy(baseUrl: string, timeoutMs: number): Promise<number> {
  const started = Date.now()
  while (Date.now() - started < timeoutMs) {
    try {
      if ((await fetch(`${baseUrl}/healthz`)).status === 200) return Date.now() - started
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`not healthy within ${timeoutMs} ms`)
}

describe('server process (npm start)', function () {
  this.timeout(120_000)
  let proxy: TcpProxy
  let url: string
  let proxiedUrl: string
  const children: ChildProcess[] = []

  before(async () => {
    ;({ url } = reserveTestDatabase('start'))
    const target = new URL(url)
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 3306) })
    target.port = String(proxy.port)
    proxiedUrl = target.toString()
  })
  // A test that failed before its own SIGTERM leaves its server running: it is stopped before
  // the next test reads the database.
  afterEach(() => {
    for (const c of children.splice(0)) {
      try {
        if (c.pid !== undefined && c.exitCode === null) process.kill(-c.pid, 'SIGKILL')
      } catch {
        // the group has already exited
      }
    }
  })
  after(async () => {
    await proxy.stop()
  })

  it('creates, migrates and loads an empty database within 60 s, then serves both channels', async () => {
    const port = await freePort()
    const baseUrl = `http://127.0.0.1:${port}`
    const { child, exited } = startServer({ PORT: String(port), DATABASE_URL: url })
    children.push(child)
    const ms = await waitHealthy(baseUrl, 60_000)
    process.stdout.write(`      start-up on an empty database: ${(ms / 1000).toFixed(1)} s\n`)
    const pc = await get(baseUrl, `/aoba/search?q=${encodeURIComponent('こころ')}`)
    expect(pc.text).to.include('夏目漱石')
    const k = await get(baseUrl, `/aoba/k/search?q=${encodeQueryValue('こころ', 'shift_jis')}`, {
      'User-Agent': KEITAI_UA,
    })
    expect(k.headers.get('content-type')).to.equal('text/html; charset=Shift_JIS')
    expect(k.text).to.include('夏目漱石')
    child.kill('SIGTERM')
    expect(await exited).to.equal(0)
  })

  it('keeps the data of a database that already has some', async () => {
    const db = createDb(url, 1)
    await db
      .updateTable('library')
      .set({ name: 'あおば市立図書館（改名）' })
      .where('slug', '=', 'aoba')
      .execute()
    const before = await db
      .selectFrom('record')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    await db.destroy()
    const port = await freePort()
    const { child, exited } = startServer({ PORT: String(port), DATABASE_URL: url })
    children.push(child)
    const baseUrl = `http://127.0.0.1:${port}`
    await waitHealthy(baseUrl, 30_000)
    expect((await get(baseUrl, '/')).text).to.include('あおば市立図書館（改名）')
    const check = createDb(url, 1)
    const after = await check
      .selectFrom('record')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    await check.destroy()
    expect(Number(after.n)).to.equal(Number(before.n))
    child.kill('SIGTERM')
    expect(await exited).to.equal(0)
  })

  it('drains an in-flight request on SIGTERM, then exits 0', async () => {
    const port = await freePort()
    const { child, exited } = startServer({ PORT: String(port), DATABASE_URL: proxiedUrl })
    children.push(child)
    const baseUrl = `http://127.0.0.1:${port}`
    await waitHealthy(baseUrl, 30_000)
    proxy.delayMs = 400
    const inFlight = get(baseUrl, `/minato/search?q=${encodeURIComponent('坊っちゃん')}`)
    await new Promise((resolve) => setTimeout(resolve, 150))
    child.kill('SIGTERM')
    const res = await inFlight
    proxy.delayMs = 0
    expect(res.status).to.equal(200)
    expect(res.text).to.include('坊っちゃん')
    expect(await exited).to.equal(0)
  })

  it('exits within the grace period on SIGTERM while the database hangs', async () => {
    const port = await freePort()
    const { child, exited } = startServer({
      PORT: String(port),
      DATABASE_URL: proxiedUrl,
      SHUTDOWN_GRACE_SECONDS: '2',
      DATABASE_QUERY_TIMEOUT_SECONDS: '30',
      JOBS_IN_SERVER: 'false',
    })
    children.push(child)
    const baseUrl = `http://127.0.0.1:${port}`
    await waitHealthy(baseUrl, 30_000)
    proxy.delayMs = 120_000 // connected, but the database answers nothing
    try {
      const hung = get(baseUrl, `/minato/search?q=${encodeURIComponent('こゝろ')}`).catch(
        () => null,
      )
      await new Promise((resolve) => setTimeout(resolve, 300))
      const started = Date.now()
      child.kill('SIGTERM')
      await exited
      expect(Date.now() - started).to.be.below(2000 + 4000)
      await hung
    } finally {
      proxy.delayMs = 0
    }
  })
})
