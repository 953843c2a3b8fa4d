// `npm run staff:token` as a process: a token is printed once and works over HTTP, `list`
// shows names and dates but no secret, `revoke` stops it at once; bad usage exits 2.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { expect } from 'chai'
import { holdFixture } from '../../helpers/hold-fixture.ts'
import { staffClient } from '../../helpers/staff-client.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import { startTestServer } from '../../helpers/test-server.ts'

const run = promisify(execFile)

describe('npm run staff:token', function () {
  this.timeout(120_000)

  it('creates, lists and revokes a library’s token', async () => {
    const t = await createTestDatabase({ prefix: 'stafftok' })
    const lib = await holdFixture(t.db, 'B', { patrons: 1 })
    const env = { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: 'silent' }
    const cli = (...args: string[]) =>
      run('npx', ['tsx', 'server/cli/staff-token-cli.ts', ...args], { env }).catch(
        (e: { code: number; stdout: string; stderr: string }) => e,
      )
    const created = await cli('create', lib.slug, 'counter-1')
    const token = created.stdout.trim().split('\n').pop() ?? ''
    expect(token).to.match(/^opst_[A-Za-z0-9_-]{43}$/)
    expect(await cli('create', lib.slug, 'counter-1')).to.include({ code: 1 })
    expect(await cli('create', lib.slug, 'bad name')).to.include({ code: 2 })

    const server = await startTestServer(t.db)
    try {
      const call = staffClient(server.baseUrl, token)
      expect((await call('GET', `/patrons/${lib.patrons.p1}`)).status).to.equal(200)
      const listed = await cli('list', lib.slug)
      expect(listed.stdout).to.match(/counter-1 +created \S+ \S+ +last used \S+ \S+ +active/)
      expect(listed.stdout).to.not.include(token)
      expect((await cli('revoke', lib.slug, 'counter-1')).stdout).to.include('revoked')
      expect((await call('GET', `/patrons/${lib.patrons.p1}`)).status).to.equal(401)
      expect((await cli('list', lib.slug)).stdout).to.match(/counter-1 .* revoked /)
    } finally {
      await server.close()
    }
  })
})
