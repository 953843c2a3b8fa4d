// Jobs that work library by library: each library of the deployment with its settings, one
// after another (a library's failure stops the run; the next run starts again from the first).
import type { LibraryContext } from '../services/library-service.ts'
import type { OpacJobContext } from './opac-jobs.ts'

/** Runs work for every library; answers how many libraries there were. */
export async function eachLibrary(
  { deps }: OpacJobContext,
  work: (lib: LibraryContext) => Promise<void>,
): Promise<number> {
  const libraries = await deps.services.libraries.list()
  for (const { slug } of libraries) {
    const lib = await deps.services.libraries.bySlug(slug)
    if (lib) await work(lib)
  }
  return libraries.length
}
