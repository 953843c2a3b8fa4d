// OAI-PMH resumption tokens, stateless: the harvest's arguments and its cursor (the last
// datestamp and id sent, in the record or the tombstone phase) in base64url JSON, signed with
// HMAC-SHA256 under a key derived from the server's secret. Nothing is stored, so a token
// survives a restart and any instance answers it; each expires (expirationDate) an hour after
// it is issued, and a token changed by a single character fails its signature.
import { createHmac, timingSafeEqual } from 'node:crypto'

export interface HarvestState {
  verb: 'ListRecords' | 'ListIdentifiers'
  libraryId: number
  metadataPrefix: string
  set: string | null
  /** Inclusive UTC DATETIME bounds, as the harvester gave them. */
  from: string | null
  until: string | null
  /** 'r': records, then 't': tombstones of deleted records. */
  phase: 'r' | 't'
  /** The last item sent: its datestamp (UTC DATETIME) and id; null at a phase's start. */
  after: { datestamp: string; id: number } | null
  /** Items sent before this page (the token's cursor attribute). */
  cursor: number
}

export const TOKEN_LIFETIME_MS = 60 * 60 * 1000

interface Payload {
  v: 1
  s: HarvestState
  /** Expiry, epoch milliseconds. */
  e: number
}

export function resumptionTokens(secret: string) {
  const key = createHmac('sha256', secret).update('oai-pmh resumption token').digest()
  const sign = (body: string) => createHmac('sha256', key).update(body).digest('base64url')

  return {
    issue(state: HarvestState, now: Date): { token: string; expires: Date } {
      const expires = new Date(now.getTime() + TOKEN_LIFETIME_MS)
      const payload: Payload = { v: 1, s: state, e: expires.getTime() }
      const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url')
      return { token: `${body}.${sign(body)}`, expires }
    },

    /** The state of a valid token, or why not. */
    read(
      token: string,
      now: Date,
    ): { ok: true; state: HarvestState } | { ok: false; reason: 'invalid' | 'expired' } {
      const match = /^([A-Za-z0-9_-]{1,4000})\.([A-Za-z0-9_-]{43})$/.exec(token)
      if (!match) return { ok: false, reason: 'invalid' }
      const [, body = '', mac = ''] = match
      const expected = Buffer.from(sign(body), 'base64url')
      const given = Buffer.from(mac, 'base64url')
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return { ok: false, reason: 'invalid' }
      }
      let payload: Payload
      try {
        payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload
      } catch {
        return { ok: false, reason: 'invalid' }
      }
      if (payload.v !== 1 || typeof payload.e !== 'number') return { ok: false, reason: 'invalid' }
      if (payload.e <= now.getTime()) return { ok: false, reason: 'expired' }
      return { ok: true, state: payload.s }
    },
  }
}

export type ResumptionTokens = ReturnType<typeof resumptionTokens>
