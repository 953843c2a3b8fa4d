// The catalogue search index engine: folded-substring search over record.search_text at a
// million records per library, with the index in MySQL/MariaDB (so several app instances share
// it) and only a bounded cache of it in each process. deps.ts builds one engine
// (createSearchEngine) for the app's database; the search service (search-service.ts) decides
// when to ask it and when to ask SQL.
//
// Index (index-format.ts, index-build.ts). Documents are a library's records numbered 0…n−1
// ("ordinals") in ranking order: newest pub_year first, records without a year last, then by
// id. For every character of the folded texts there is a list of the ordinals containing it,
// and for every pair of adjacent characters (bigram) a list with the positions where it occurs;
// also lists of the records whose title starts with a character or a pair, whose title reading
// starts with a pair, of NDC prefixes, of the characters within each field group (title,
// author, publisher) and of the first characters of the title group's parts; and a document
// table (doc-table.ts: by ordinal record id, year, title and reading lengths, the eight part
// lengths of search_layout, the places in the 50音 title and author orders, material type).
// Lists are packed (postings.ts) in rows of search_posting, one per segment of ordinals,
// stamped with a generation number.
//
// Query (index-match.ts). Words are looked up in their lists and intersected, checked with
// positions, rarest first; field words are placed in their fields with the part lengths; the
// filters narrow the set (copy filters: copy-filter.ts). Because ordinals are in ranking order
// the matched set is already sorted (index-ranking.ts: ranked pages are slices, sorted pages a
// bounded heap); facet counts come from the same set (index-facets.ts). Lists and longer words'
// results are kept in an LRU cache bounded in bytes (index-cache.ts; SEARCH_CACHE_MB).
//
// Writes (index-delta.ts). A record write stamps a search_delta row in its own transaction
// (record-repository). Every search reads the state row together with new delta rows in one
// statement; the index ignores delta records' old postings and matches them from their live
// rows instead, so an edit or deletion is visible at once. A rebuild (build, compaction) makes
// a new generation and switches to it atomically; maintain() does what is due.
//
// The same answers as the SQL search (db/search-repository.ts), which a library without a
// usable index gets instead: the engine answers null then.
import * as repo from '../../db/search-index-repository.ts'
import type { Queryable } from '../../db/search-index-repository.ts'
import type { FieldTerms } from '../../db/search-repository.ts'
import { indexRecords } from './index-build.ts'
import type { IndexBuildOptions, IndexBuildResult } from './index-build.ts'
import { newEngineCache } from './index-cache.ts'
import type { IndexContext } from './index-cache.ts'
import { ndcCounts, searchFacets } from './index-facets.ts'
import type { IndexFacets } from './index-facets.ts'
import { FORMAT, HEADER, gkey } from './index-format.ts'
import type { SearchFilters } from './index-match.ts'
import { matchedSet, searchIds } from './index-ranking.ts'
import type { MatchedSet, SearchIdsResult, SearchPage } from './index-ranking.ts'

export type { IndexBuildOptions, IndexBuildResult, IndexFacets, MatchedSet, SearchFilters }
export type { SearchIdsResult, SearchPage }

export interface SearchEngineOptions {
  /** The app's pool (searches, builds and maintenance run on it). */
  db: Queryable
  /** Memory the posting-list cache may use; default 128 MB (SEARCH_CACHE_MB). */
  cacheBytes?: number
  /** Up to this many candidates, copy filters query the copy table; default 50. */
  copyLiveLimit?: number
  /**
   * Beyond that, copy filters use a snapshot of the copy table no older than this (refreshed
   * in the background after maxAge, waited for after 4 × maxAge; 0: always read afresh);
   * default 60 s (SEARCH_COPY_SNAPSHOT_SECONDS).
   */
  copySnapshotMaxAgeMs?: number
}

export type IndexStatus = 'missing' | 'outdated' | 'current'

/** Whether the library's index is there and of this version's format. */
async function indexStatus(db: Queryable, libraryId: number): Promise<IndexStatus> {
  const state = await repo.readState(db, libraryId)
  if (!state || state.gen === 0) return 'missing'
  const rows = await repo.fetchPostings(db, libraryId, state.gen, [gkey(HEADER, '')])
  const header = rows[0]
  if (!header) return 'missing'
  const { format } = JSON.parse(header.data.toString('utf8')) as { format: number }
  return format === FORMAT ? 'current' : 'outdated'
}

export function createSearchEngine(options: SearchEngineOptions) {
  const ctx: IndexContext = {
    db: options.db,
    cache: newEngineCache(options.cacheBytes ?? 128 * 1024 * 1024),
    settings: {
      copyLiveLimit: options.copyLiveLimit ?? 50,
      copySnapshotMaxAgeMs: options.copySnapshotMaxAgeMs ?? 60 * 1000,
    },
  }
  const { db } = ctx

  /** Rebuilds the library's index when its delta has more than `maxDelta` records. */
  const compactIfNeeded = async (
    libraryId: number,
    build: IndexBuildOptions & { maxDelta?: number } = {},
  ): Promise<IndexBuildResult | null> => {
    const size = await repo.deltaSize(db, libraryId)
    return size > (build.maxDelta ?? 2000) ? indexRecords(db, libraryId, build) : null
  }

  return {
    /**
     * The library's records matching every word (a folded substring of search_text), the
     * fields and the filters: how many, and the ids of one page in relevance order (the
     * score of search-layout.ts RELEVANCE with popularity, then newest first, then by id) or,
     * with page.newestFirst, newest first. Null when the library has no usable index.
     */
    searchIds(
      libraryId: number,
      words: readonly string[],
      page: SearchPage,
    ): Promise<SearchIdsResult | null> {
      return searchIds(ctx, libraryId, words, page)
    },

    /** All the records of such a search, to read in another order; null without an index. */
    matchedSet(
      libraryId: number,
      words: readonly string[],
      query: { filters?: SearchFilters; fields?: FieldTerms },
    ): Promise<MatchedSet | null> {
      return matchedSet(ctx, libraryId, words, query)
    },

    /**
     * The facet counts of such a search (NDC: the classes one digit below ndcParent, default
     * the main classes; null: none); null without an index.
     */
    facets(
      libraryId: number,
      words: readonly string[],
      query: { filters?: SearchFilters; fields?: FieldTerms; ndcParent?: string | null },
    ): Promise<IndexFacets | null> {
      const { filters, fields, ndcParent } = query
      return searchFacets(ctx, libraryId, words, filters, fields, ndcParent)
    },

    /** Records per NDC class below a notation, for 分類から探す; null without an index. */
    ndcCounts(libraryId: number, parent: string): Promise<Map<string, number> | null> {
      return ndcCounts(ctx, libraryId, parent)
    },

    /** Builds the library's index from its records as they are now (index-build.ts). */
    build(libraryId: number, build: IndexBuildOptions = {}): Promise<IndexBuildResult> {
      return indexRecords(db, libraryId, build)
    },

    status(libraryId: number): Promise<IndexStatus> {
      return indexStatus(db, libraryId)
    },

    /** How big the delta is: a rebuild (compaction) is due when it grows. */
    deltaSize(libraryId: number): Promise<number> {
      return repo.deltaSize(db, libraryId)
    },

    compactIfNeeded,

    /**
     * Builds the index of every library that has none, or one of an older format, or
     * (rebuild) all of them; compacts those whose delta has grown. Run at start-up, every few
     * minutes by the server, and by `npm run db:reindex`.
     */
    async maintain(
      maintenance: { rebuild?: boolean; maxDelta?: number; log?: (msg: string) => void } = {},
    ): Promise<{ built: number; compacted: number }> {
      const log = maintenance.log ?? (() => undefined)
      let built = 0
      let compacted = 0
      for (const { id, slug } of await repo.listLibraries(db)) {
        const status = maintenance.rebuild ? 'rebuild' : await indexStatus(db, id)
        if (status !== 'current') {
          const r = await indexRecords(db, id)
          log(`search index of ${slug} (${status}): ${r.docs} records in ${r.seconds.toFixed(1)} s`)
          built++
        } else if (await compactIfNeeded(id, { maxDelta: maintenance.maxDelta })) {
          log(`search index of ${slug} compacted`)
          compacted++
        }
      }
      return { built, compacted }
    },

    /** The posting-list cache: bytes held, entries, the bound. */
    cacheInfo(): { bytes: number; entries: number; maxBytes: number } {
      const { lists } = ctx.cache
      return { bytes: lists.bytes, entries: lists.entries, maxBytes: lists.maxBytes }
    },
  }
}

export type SearchEngine = ReturnType<typeof createSearchEngine>
