// What a search engine keeps in memory between searches: posting lists and longer words'
// results in an LRU bounded in bytes (SEARCH_CACHE_MB), and per library the document table of
// the current generation, the view of the delta and the copy snapshot; and the engine's
// settings. An engine (search-engine.ts) owns one of each, for its one database.
import type { Queryable } from '../../db/search-index-repository.ts'
import type { CopySnapshot } from './copy-filter.ts'
import type { DocTable } from './doc-table.ts'
import type { DeltaView } from './index-delta.ts'
import type { PostingList } from './postings.ts'

/** Posting lists by name, the least recently used dropped first when over maxBytes. */
export class Lru {
  private readonly map = new Map<string, PostingList>()
  bytes = 0
  constructor(public maxBytes: number) {}

  get(key: string): PostingList | undefined {
    const value = this.map.get(key)
    if (value !== undefined) {
      this.map.delete(key)
      this.map.set(key, value)
    }
    return value
  }

  set(key: string, value: PostingList): void {
    const old = this.map.get(key)
    if (old) {
      this.bytes -= old.size + 100
      this.map.delete(key)
    }
    if (value.size > this.maxBytes / 4) return // too big to keep: serve it uncached
    this.map.set(key, value)
    this.bytes += value.size + 100
    this.trim()
  }

  trim(): void {
    while (this.bytes > this.maxBytes) {
      const oldest = this.map.keys().next()
      if (oldest.done) break
      const evicted = this.map.get(oldest.value)
      this.map.delete(oldest.value)
      this.bytes -= (evicted?.size ?? 0) + 100
    }
  }

  get entries(): number {
    return this.map.size
  }

  clear(): void {
    this.map.clear()
    this.bytes = 0
  }
}

export interface EngineSettings {
  /** Up to this many candidates, copy filters (branch, available now) query the copy table. */
  copyLiveLimit: number
  /**
   * Beyond that, they use a snapshot of the copy table no older than this (refreshed in the
   * background after maxAge, waited for after 4 × maxAge; 0: always read afresh).
   */
  copySnapshotMaxAgeMs: number
}

export interface EngineCache {
  /** Lists and words' results by "library/generation/name". */
  lists: Lru
  docTables: Map<number, { gen: number; table: Promise<DocTable | null> }>
  deltas: Map<number, DeltaView>
  copies: Map<number, { snapshot?: CopySnapshot; loading?: Promise<CopySnapshot> }>
}

/** What the engine's functions work with: its database, its cache, its settings. */
export interface IndexContext {
  db: Queryable
  cache: EngineCache
  settings: Readonly<EngineSettings>
}

export function newEngineCache(maxBytes: number): EngineCache {
  return { lists: new Lru(maxBytes), docTables: new Map(), deltas: new Map(), copies: new Map() }
}
