// Ways into the catalogue other than a search (SPEC.md §1): 分類から探す (NDC classes →
// divisions → sections, with counts), 新着資料 (copies acquired within the library's
// newArrivalsDays) and the ベストリーダー / 予約ランキング of a period.
import type { Clock } from '../clock.ts'
import { today } from '../clock.ts'
import type { BrowseRepository, RankedHit } from '../db/browse-repository.ts'
import type { RecordHit } from '../db/record-repository.ts'
import { addDays } from './calendar-service.ts'
import type { LibrarySettings } from './library-settings.ts'
import { ndcChildren } from './ndc.ts'
import type { NdcClass } from './ndc.ts'

export type { RankedHit }

/** Ranking periods patrons can choose, as Japanese OPACs offer them (days back from today). */
export const RANKING_PERIODS = { '1m': 30, '6m': 182, '1y': 365 } as const
export type RankingPeriod = keyof typeof RANKING_PERIODS
export type RankingKind = 'loans' | 'holds'

/** A period named in a request, or null when it is none of them (an own-key lookup). */
export function rankingPeriod(raw: string): RankingPeriod | null {
  return Object.hasOwn(RANKING_PERIODS, raw) ? (raw as RankingPeriod) : null
}

export interface NewArrivalsPage {
  /** The first acquisition day counted (today − newArrivalsDays + 1). */
  since: string
  total: number
  hits: (RecordHit & { acquired_on: string })[]
}

/** Ranks as a ranking prints them: equal counts share a rank, the next one skips (1, 2, 2, 4). */
export function withRanks<T extends { count: number }>(
  hits: readonly T[],
): (T & { rank: number })[] {
  let rank = 0
  let previous: number | null = null
  return hits.map((h, i) => {
    if (h.count !== previous) rank = i + 1
    previous = h.count
    return { ...h, rank }
  })
}

export function browseService(deps: {
  browse: BrowseRepository
  clock: Clock
  /**
   * The same counts from the search index (search-engine.ts ndcCounts), which answers them
   * without a GROUP BY over the catalogue; null (no usable index yet): the repository's.
   */
  indexedNdcCounts?: (libraryId: number, notation: string) => Promise<Map<string, number> | null>
}) {
  const { browse, clock, indexedNdcCounts } = deps
  return {
    /** The classes under a notation ('' → the ten classes) with their record counts. */
    async classes(libraryId: number, notation: string): Promise<(NdcClass & { count: number })[]> {
      const counts =
        (await indexedNdcCounts?.(libraryId, notation)) ??
        (await browse.ndcCounts(libraryId, notation))
      return ndcChildren(notation).map((c) => ({ ...c, count: counts.get(c.notation) ?? 0 }))
    },

    /** Records with a copy acquired within the library's new-arrivals window, newest first. */
    async newArrivals(
      libraryId: number,
      settings: Pick<LibrarySettings, 'newArrivalsDays'>,
      ndcClass: string | null,
      offset: number,
      limit: number,
    ): Promise<NewArrivalsPage> {
      // 「最近30日間」 is today and the 29 days before it.
      const since = addDays(today(clock), -(settings.newArrivalsDays - 1))
      const page = await browse.newArrivals(libraryId, since, ndcClass, offset, limit)
      return { since, ...page }
    },

    /** The most borrowed or most reserved records of the period up to today. */
    async ranking(
      libraryId: number,
      kind: RankingKind,
      period: RankingPeriod,
      limit: number,
    ): Promise<{ from: string; to: string; hits: (RankedHit & { rank: number })[] }> {
      const to = today(clock)
      const from = addDays(to, -(RANKING_PERIODS[period] - 1))
      const hits = await browse.ranking(libraryId, kind, from, to, limit)
      return { from, to, hits: withRanks(hits) }
    },
  }
}

export type BrowseService = ReturnType<typeof browseService>
