// Short keys for long keitai searches (sql/0034_create_keitai_search_key.sql): the key is
// derived from the parameters by the caller, so storing is idempotent (the same search, the
// same row); used_at is refreshed on each store so that a search in use is not purged.
import type { Db } from './database.ts'

export function keitaiSearchKeyRepository(db: Db) {
  return {
    async store(key: string, params: string, now: string): Promise<void> {
      await db
        .insertInto('keitai_search_key')
        .values({ search_key: key, params, used_at: now })
        .onDuplicateKeyUpdate({ used_at: now })
        .execute()
    },

    async load(key: string): Promise<string | undefined> {
      const row = await db
        .selectFrom('keitai_search_key')
        .select('params')
        .where('search_key', '=', key)
        .executeTakeFirst()
      return row?.params
    },

    /** Deletes keys unused since `before`; returns how many. */
    async purge(before: string): Promise<number> {
      const result = await db
        .deleteFrom('keitai_search_key')
        .where('used_at', '<', before)
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}

export type KeitaiSearchKeyRepository = ReturnType<typeof keitaiSearchKeyRepository>
