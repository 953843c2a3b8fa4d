// Jobs that work library by library: each library of the deployment with its settings, one
// after another (a library's failure stops the run; the next run starts again from the first),
// counting what was done in each library and in total.
import type { LibraryContext } from '../services/library-service.ts'
import type { JobReport, LibraryJobReport } from './job-registry.ts'
import type { OpacJobContext } from './opac-jobs.ts'

/**
 * Runs work for every library and adds up its counts: `zero` names the counts (and is the
 * total when there is no library); each library's own counts are kept by its slug.
 */
export async function eachLibrary<K extends string>(
  { deps }: OpacJobContext,
  zero: Readonly<Record<K, number>>,
  work: (lib: LibraryContext) => Promise<Readonly<Record<K, number>>>,
): Promise<LibraryJobReport> {
  const total: Record<string, number> = { ...zero }
  const byLibrary: Record<string, JobReport> = {}
  for (const { slug } of await deps.services.libraries.list()) {
    const lib = await deps.services.libraries.bySlug(slug)
    if (!lib) continue
    const counts = await work(lib)
    byLibrary[slug] = { ...counts }
    for (const key of Object.keys(zero) as K[]) total[key] = (total[key] ?? 0) + counts[key]
  }
  return { report: total, byLibrary }
}
