// Start-up warnings and HSTS (issue 9, item 6): development secrets outside tests are
// announced, an https PUBLIC_URL without TRUST_PROXY (every login failing behind a TLS proxy)
// is detected with what to set, and https sites send Strict-Transport-Security.
import type { AddressInfo } from 'node:net'
import { expect } from 'chai'
import express from 'express'
import { loadConfig, startupWarnings } from '../../../server/config.ts'
import { HSTS, securityHeaders } from '../../../server/middleware/security-headers.ts'

describe('start-up warnings', () => {
  it('warns about the development secret and pepper outside tests, not in tests', () => {
    const dev = startupWarnings(loadConfig({ NODE_ENV: 'development' }))
    expect(dev.join('\n')).to.include('SESSION_SECRET is not set')
    expect(dev.join('\n')).to.include('PASSWORD_PEPPER is not set')
    expect(startupWarnings(loadConfig({ NODE_ENV: 'test' }))).to.deep.equal([])
    const set = startupWarnings(
      loadConfig({
        NODE_ENV: 'development',
        SESSION_SECRET: 'a-real-secret-0123456789',
        PASSWORD_PEPPER: 'a-real-pepper-0123456789',
      }),
    )
    expect(set).to.deep.equal([])
  })

  it('detects an https PUBLIC_URL without TRUST_PROXY and says what to set', () => {
    const base = {
      NODE_ENV: 'production',
      SESSION_SECRET: 'a-real-secret-0123456789',
      PASSWORD_PEPPER: 'a-real-pepper-0123456789',
      PUBLIC_URL: 'https://opac.example.jp',
    }
    const missing = startupWarnings(loadConfig(base))
    expect(missing).to.have.length(1)
    expect(missing[0]).to.include('TRUST_PROXY=1')
    expect(startupWarnings(loadConfig({ ...base, TRUST_PROXY: '1' }))).to.deep.equal([])
    expect(
      startupWarnings(loadConfig({ ...base, PUBLIC_URL: 'http://opac.example.jp' })),
    ).to.deep.equal([])
  })
})

describe('HSTS', () => {
  async function headersFor(publicUrl: string): Promise<Headers> {
    const app = express()
    app.use(securityHeaders({ publicUrl }))
    app.get('/', (_req, res) => {
      res.send('ok')
    })
    const server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    try {
      const { port } = server.address() as AddressInfo
      return (await fetch(`http://127.0.0.1:${port}/`)).headers
    } finally {
      server.close()
    }
  }

  it('is sent when PUBLIC_URL is https, and only then', async () => {
    expect((await headersFor('https://opac.example.jp')).get('strict-transport-security')).to.equal(
      HSTS,
    )
    expect((await headersFor('http://127.0.0.1:3000')).get('strict-transport-security')).to.equal(
      null,
    )
  })
})
