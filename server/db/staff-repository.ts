// Staff API tokens and the audit trail of staff calls (sql/0040, 0041).
import type { Db } from './database.ts'

export interface StaffTokenRow {
  id: number
  library_id: number
  name: string
  created_at: string
  last_used_at: string | null
  revoked_at: string | null
}

const TOKEN_COLUMNS = [
  'id',
  'library_id',
  'name',
  'created_at',
  'last_used_at',
  'revoked_at',
] as const

export function staffRepository(db: Db) {
  return {
    async insertToken(libraryId: number, name: string, hash: string, now: string) {
      const result = await db
        .insertInto('staff_token')
        .values({ library_id: libraryId, name, token_hash: hash, created_at: now })
        .executeTakeFirstOrThrow()
      return Number(result.insertId)
    },

    async tokenByName(libraryId: number, name: string): Promise<StaffTokenRow | undefined> {
      return db
        .selectFrom('staff_token')
        .select(TOKEN_COLUMNS)
        .where('library_id', '=', libraryId)
        .where('name', '=', name)
        .executeTakeFirst()
    },

    /** A token that is not revoked, by the hash of what the caller presented. */
    async activeTokenByHash(hash: string): Promise<StaffTokenRow | undefined> {
      return db
        .selectFrom('staff_token')
        .select(TOKEN_COLUMNS)
        .where('token_hash', '=', hash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
    },

    async tokens(libraryId: number): Promise<StaffTokenRow[]> {
      return db
        .selectFrom('staff_token')
        .select(TOKEN_COLUMNS)
        .where('library_id', '=', libraryId)
        .orderBy('id')
        .execute()
    },

    async revoke(libraryId: number, name: string, now: string): Promise<boolean> {
      const result = await db
        .updateTable('staff_token')
        .set({ revoked_at: now })
        .where('library_id', '=', libraryId)
        .where('name', '=', name)
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    /** last_used_at at most once a minute per token, so busy tokens do not write every call. */
    async touch(id: number, now: string, staleBefore: string): Promise<void> {
      await db
        .updateTable('staff_token')
        .set({ last_used_at: now })
        .where('id', '=', id)
        .where((eb) =>
          eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', staleBefore)]),
        )
        .execute()
    },

    async audit(line: {
      library_id: number
      token_id: number
      token_name: string
      method: string
      route: string
      status: number
      created_at: string
    }): Promise<void> {
      await db.insertInto('staff_audit').values(line).execute()
    },

    /**
     * Deletes the library's audit lines written before a moment, in batches (a short lock
     * each time); answers how many went.
     */
    async purgeAudit(libraryId: number, before: string, batch = 5000): Promise<number> {
      let deleted = 0
      for (;;) {
        const result = await db
          .deleteFrom('staff_audit')
          .where('library_id', '=', libraryId)
          .where('created_at', '<', before)
          .orderBy('created_at')
          .limit(batch)
          .executeTakeFirst()
        const n = Number(result.numDeletedRows)
        deleted += n
        if (n < batch) return deleted
      }
    },

    async auditLines(libraryId: number, limit: number) {
      return db
        .selectFrom('staff_audit')
        .select(['token_name', 'method', 'route', 'status', 'created_at'])
        .where('library_id', '=', libraryId)
        .orderBy('id', 'desc')
        .limit(limit)
        .execute()
    },
  }
}

export type StaffRepository = ReturnType<typeof staffRepository>
