// Library systems (tenants) and their branches.
import type { Db } from './database.ts'
import type { Branch, Library } from './schema.ts'

export function libraryRepository(db: Db) {
  return {
    async list(): Promise<Library[]> {
      return db.selectFrom('library').selectAll().orderBy('sort_order').orderBy('id').execute()
    },
    async bySlug(slug: string): Promise<Library | undefined> {
      return db.selectFrom('library').selectAll().where('slug', '=', slug).executeTakeFirst()
    },
    async branches(libraryId: number): Promise<Branch[]> {
      return db
        .selectFrom('branch')
        .selectAll()
        .where('library_id', '=', libraryId)
        .orderBy('sort_order')
        .orderBy('id')
        .execute()
    },
    /** Replaces the library's stored setting overrides (staff: weekly closed days, hours). */
    async setSettingsJson(libraryId: number, json: string): Promise<void> {
      await db
        .updateTable('library')
        .set({ settings_json: json })
        .where('id', '=', libraryId)
        .execute()
    },
    async count(): Promise<number> {
      const row = await db
        .selectFrom('library')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },
  }
}

export type LibraryRepository = ReturnType<typeof libraryRepository>
