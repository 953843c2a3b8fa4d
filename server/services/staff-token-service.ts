// Staff API tokens (SPEC.md §9): created and revoked on the command line, one per staff system
// and library. A token is 256 random bits shown once; only its SHA-256 is stored, so a copy of
// the database gives no working token. A token sees its own library only.
import { createHash, randomBytes } from 'node:crypto'
import type { Clock } from '../clock.ts'
import { utcDateTime } from '../clock.ts'
import type { StaffRepository, StaffTokenRow } from '../db/staff-repository.ts'

export type { StaffTokenRow }

export const TOKEN_PREFIX = 'opst_'
/** Token names: what the staff system is (「counter-1」, 「ils-sync」), shown in the audit. */
export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const TOKEN_SHAPE = /^opst_[A-Za-z0-9_-]{43}$/

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

export type CreateTokenOutcome =
  { ok: true; token: string; row: StaffTokenRow } | { ok: false; reason: 'bad_name' | 'name_taken' }

export function staffTokenService(deps: { staff: StaffRepository; clock: Clock }) {
  const { staff, clock } = deps
  return {
    async create(libraryId: number, name: string): Promise<CreateTokenOutcome> {
      if (!TOKEN_NAME.test(name)) return { ok: false, reason: 'bad_name' }
      if (await staff.tokenByName(libraryId, name)) return { ok: false, reason: 'name_taken' }
      const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`
      const now = utcDateTime(clock.now())
      try {
        await staff.insertToken(libraryId, name, hashToken(token), now)
      } catch (err) {
        if ((err as { code?: string }).code === 'ER_DUP_ENTRY') {
          return { ok: false, reason: 'name_taken' }
        }
        throw err
      }
      const row = await staff.tokenByName(libraryId, name)
      if (!row) throw new Error('token row vanished after insert')
      return { ok: true, token, row }
    },

    list: (libraryId: number) => staff.tokens(libraryId),

    revoke: (libraryId: number, name: string) =>
      staff.revoke(libraryId, name, utcDateTime(clock.now())),

    /** The active token a presented secret belongs to, or null (never says why). */
    async authenticate(presented: string): Promise<StaffTokenRow | null> {
      if (!TOKEN_SHAPE.test(presented)) return null
      const row = await staff.activeTokenByHash(hashToken(presented))
      if (!row) return null
      const now = clock.now()
      await staff.touch(row.id, utcDateTime(now), utcDateTime(new Date(now.getTime() - 60_000)))
      return row
    },

    audit: staff.audit,
    auditLines: staff.auditLines,

    /**
     * Deletes the library's audit lines older than retentionDays days (a library setting,
     * staffAuditRetentionDays); answers how many were deleted.
     */
    purgeAudit(libraryId: number, retentionDays: number): Promise<number> {
      const cutoff = new Date(clock.now().getTime() - retentionDays * 24 * 60 * 60 * 1000)
      return staff.purgeAudit(libraryId, utcDateTime(cutoff))
    },
  }
}

export type StaffTokenService = ReturnType<typeof staffTokenService>
