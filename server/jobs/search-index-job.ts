// Keeps every library's search index usable: builds the ones that are missing or of an older
// format and compacts those with many edits since their build (search-index-rebuild: rebuilds
// them all, as after a change of the normaliser). Both hold one lock, so they never overlap.
// search-popularity recomputes, once a day, the popularity the relevance ranking adds to a
// record's score (copies, loans and holds of the last year), stamping the changed records for
// the index in the same transaction. new-arrivals rebuilds, once a day, the precomputed 新着
// list (new_arrival) that catalogue writes keep in line, in case something wrote the copy
// table around them (a bulk load, a hand-made fix).
// maintainIndexes is the one call into the search engine's maintenance (deps.searchEngine).
import { tokyoDay } from '../clock.ts'
import { rebuildNewArrivals } from '../db/new-arrival-repository.ts'
import { refreshPopularity } from '../db/search-index-repository.ts'
import { eachLibrary } from './each-library.ts'
import type { JobReport } from './job-registry.ts'
import type { OpacJob, OpacJobContext } from './opac-jobs.ts'

async function maintainIndexes(
  { deps, log }: OpacJobContext,
  rebuild: boolean,
): Promise<JobReport> {
  const { built, compacted } = await deps.searchEngine.maintain({ rebuild, log })
  return { built, compacted }
}

export const searchIndexJob: OpacJob = {
  name: 'search-index',
  description: 'builds missing or outdated search indexes, compacts those with many edits',
  run: (context) => maintainIndexes(context, false),
}

export const searchIndexRebuildJob: OpacJob = {
  name: 'search-index-rebuild',
  description: 'rebuilds every library’s search index',
  lock: 'search-index',
  run: (context) => maintainIndexes(context, true),
}

export const searchPopularityJob: OpacJob = {
  name: 'search-popularity',
  description: 'recomputes the popularity (copies, loans, holds of the last year) of 適合順',
  run(context) {
    const { deps, log } = context
    const today = tokyoDay(deps.clock.now())
    return eachLibrary(context, { changed: 0 }, async (lib) => {
      const { id, slug } = lib.library
      const n = await deps.db.transaction().execute((trx) => refreshPopularity(trx, id, today))
      if (n) log(`popularity of ${slug}: ${n} records changed`)
      return { changed: n }
    })
  },
}

export const newArrivalsJob: OpacJob = {
  name: 'new-arrivals',
  description: 'rebuilds the 新着 list (each record’s newest acquisition) from the copies',
  run(context) {
    const { deps, log } = context
    return eachLibrary(context, { records: 0 }, async (lib) => {
      const { id, slug } = lib.library
      const n = await deps.db.transaction().execute((trx) => rebuildNewArrivals(trx, id))
      log(`new arrivals of ${slug}: ${n} records`)
      return { records: n }
    })
  },
}
