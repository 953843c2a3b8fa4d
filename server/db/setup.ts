// Brings a database to a usable state: create it if missing, apply migrations, load the demo
// catalogue when no library exists yet. Data already there is kept. (Search indexes are built
// by the server once it is ready: services/search/search-engine.ts maintain.)
import { createDb, ensureDatabase } from './database.ts'
import { migrate } from './migrator.ts'
import { loadDemo } from './demo/demo-loader.ts'
import { libraryRepository } from './library-repository.ts'
import { recordRepository } from './record-repository.ts'
import { refreshSearchFields } from '../services/search/search-fields.ts'

export async function prepareDatabase(
  url: string,
  options: { loadDemoOnEmpty: boolean; log: (msg: string) => void; pepper: string },
): Promise<{ searchFieldsRefreshed: number }> {
  await ensureDatabase(url)
  const applied = await migrate(url)
  if (applied.length) options.log(`applied migrations: ${applied.join(', ')}`)
  const db = createDb(url, 2)
  try {
    const refreshed = await refreshSearchFields(recordRepository(db), { log: options.log })
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
