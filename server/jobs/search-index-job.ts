// Keeps every library's search index usable: builds the ones that are missing or of an older
// format and compacts those with many edits since their build (search-index-rebuild: rebuilds
// them all, as after a change of the normaliser). Both hold one lock, so they never overlap.
// maintainIndexes is the one call into the search engine's maintenance (deps.searchEngine).
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
