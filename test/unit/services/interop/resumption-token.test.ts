import { expect } from 'chai'
import {
  TOKEN_LIFETIME_MS,
  resumptionTokens,
} from '../../../../server/services/interop/resumption-token.ts'
import type { HarvestState } from '../../../../server/services/interop/resumption-token.ts'

const state: HarvestState = {
  verb: 'ListRecords',
  libraryId: 3,
  metadataPrefix: 'oai_dc',
  set: 'ndc:9',
  from: '2026-01-01 00:00:00',
  until: null,
  phase: 'r',
  after: { datestamp: '2026-11-30 22:35:17', id: 1234 },
  cursor: 400,
}

describe('OAI-PMH resumption tokens', () => {
  const now = new Date('2026-11-30T12:00:00Z')

  it('carries the harvest state, read back by any instance with the same secret', () => {
    const { token, expires } = resumptionTokens('secret-1').issue(state, now)
    expect(expires.getTime() - now.getTime()).to.equal(TOKEN_LIFETIME_MS)
    expect(token).to.match(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/)
    expect(resumptionTokens('secret-1').read(token, now)).to.deep.equal({ ok: true, state })
  })

  it('refuses a token changed anywhere, signed with another secret, or garbled', () => {
    const { token } = resumptionTokens('secret-1').issue(state, now)
    for (let i = 0; i < token.length; i += 7) {
      const c = token[i] === 'A' ? 'B' : 'A'
      const changed = token.slice(0, i) + c + token.slice(i + 1)
      expect(resumptionTokens('secret-1').read(changed, now).ok, changed).to.equal(false)
    }
    expect(resumptionTokens('secret-2').read(token, now)).to.deep.equal({
      ok: false,
      reason: 'invalid',
    })
    for (const garbled of ['', 'abc', 'a.b', `${token}x`, token.replace('.', '')]) {
      expect(resumptionTokens('secret-1').read(garbled, now).ok).to.equal(false)
    }
  })

  it('expires an hour after it is issued', () => {
    const tokens = resumptionTokens('secret-1')
    const { token } = tokens.issue(state, now)
    const justBefore = new Date(now.getTime() + TOKEN_LIFETIME_MS - 1)
    expect(tokens.read(token, justBefore).ok).to.equal(true)
    const at = new Date(now.getTime() + TOKEN_LIFETIME_MS)
    expect(tokens.read(token, at)).to.deep.equal({ ok: false, reason: 'expired' })
  })
})
