// The library systems (tenants) a deployment hosts: each with its branches and its settings
// (its preset with the stored overrides applied). Libraries change rarely, so a looked-up
// library is kept for a short while per process.
import type { LibraryRepository } from '../db/library-repository.ts'
import type { Branch, Library } from '../db/schema.ts'
import { resolveSettings } from './library-settings.ts'
import type { LibrarySettings } from './library-settings.ts'

export interface LibraryContext {
  library: Library
  settings: LibrarySettings
  branches: Branch[]
}

const CACHE_MS = 30_000

/** Library slugs in URLs: lower-case letters, digits and hyphens. */
export const LIBRARY_SLUG = /^[a-z0-9-]{1,32}$/

export function libraryService(libraries: LibraryRepository, now: () => number = Date.now) {
  const cache = new Map<string, { at: number; context: LibraryContext }>()

  return {
    /** Every library, in the order the deployment lists them. */
    list(): Promise<Library[]> {
      return libraries.list()
    },

    /** The library with this id (jobs that meet libraries by id), or null. */
    async byId(id: number): Promise<LibraryContext | null> {
      const library = (await libraries.list()).find((l) => l.id === id)
      return library ? this.bySlug(library.slug) : null
    },

    /**
     * Stores setting overrides (merged into those there) and forgets this process's cached
     * copy; other processes see the change within CACHE_MS.
     */
    async updateSettings(slug: string, patch: Record<string, unknown>): Promise<void> {
      const library = await libraries.bySlug(slug)
      if (!library) return
      let stored: unknown
      try {
        stored = library.settings_json ? JSON.parse(library.settings_json) : {}
      } catch {
        stored = {}
      }
      const base =
        typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? stored : {}
      await libraries.setSettingsJson(library.id, JSON.stringify({ ...base, ...patch }))
      cache.delete(slug)
    },

    /** Forgets this process's cached copy (after staff change a library or its branches). */
    forget(slug: string): void {
      cache.delete(slug)
    },

    /** The library with this slug (settings resolved, branches in order), or null. */
    async bySlug(slug: string): Promise<LibraryContext | null> {
      if (!LIBRARY_SLUG.test(slug)) return null
      const hit = cache.get(slug)
      if (hit && now() - hit.at < CACHE_MS) return hit.context
      const library = await libraries.bySlug(slug)
      if (!library) return null
      const context: LibraryContext = {
        library,
        settings: resolveSettings(library.rules_preset, library.settings_json),
        branches: await libraries.branches(library.id),
      }
      cache.set(slug, { at: now(), context })
      return context
    },
  }
}

export type LibraryService = ReturnType<typeof libraryService>
