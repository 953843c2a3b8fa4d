// Brings a database to a usable state: create it if missing, apply migrations, load the demo
// catalogue when no library exists yet. Data already there is kept. (Search indexes are built
// by the server once it is ready: services/search/search-index.ts maintainSearchIndexes.)
import { createDb, ensureDatabase } from './db/database.ts'
import { migrate } from './db/migrator.ts'
import { loadDemo } from './demo/demo-loader.ts'
import { libraryRepository } from './db/library-repository.ts'
import { refreshSearchFields } from './db/search-fields.ts'

export async function prepareDatabase(
  url: string,
  options: { loadDemoOnEmpty: boolean; log: (msg: string) => void; pepper: string },
): Promise<{ searchFieldsRefreshed: number }> {
  await ensureDatabase(url)
  const applied = await migrate(url)
  if (applied.length) options.log(`applied migrations: ${applied.join(', ')}`)
  const db = createDb(url, 2)
  try {
    const refreshed = await refreshSearchFields(db, { log: options.log })
    if (refreshed) options.log(`search fields refreshed for ${refreshed} records`)
    if (options.loadDemoOnEmpty && (await libraryRepository(db).count()) === 0) {
      const result = await loadDemo(db, { log: options.log, pepper: options.pepper })
      if (result.loaded) {
        options.log(
          `loaded demo catalogue: ${result.libraries} libraries, ${result.records} records, ${result.copies} copies`,
        )
      }
    }
    return { searchFieldsRefreshed: refreshed }
  } finally {
    await db.destroy()
  }
}
