// 分類から探す (NDC classes → divisions → sections, with counts), 新着資料 (new arrivals by
// class) and the ベストリーダー / 予約ランキング lists, on both channels.
import { Router } from 'express'
import type { Request, Response } from 'express'
import type { Clock } from '../clock.ts'
import { today } from '../clock.ts'
import type { BrowseRepository } from '../db/browse-repository.ts'
import { HttpError } from '../errors.ts'
import { channelOf } from '../middleware/channel.ts'
import { libraryOf } from '../middleware/library.ts'
import { param } from '../middleware/query.ts'
import { routeWithinLibrary, urlFor } from '../paths.ts'
import { redirectTo } from '../render/redirect.ts'
import { normaliseIsbn } from '../services/isbn.ts'
import type { Channel, PathName } from '../paths.ts'
import type { Renderer } from '../render/views.ts'
import { addDays } from '../services/calendar-service.ts'
import { parsePage } from './search-params.ts'
import { ndcChildren, ndcLabel, ndcPath, parseNdcNotation } from '../services/ndc.ts'
import { pageContext } from './page-context.ts'

/** Ranking periods patrons can choose, as Japanese OPACs offer them. */
export const RANKING_PERIODS = {
  '1m': { label: '最近1か月', days: 30 },
  '6m': { label: '最近6か月', days: 182 },
  '1y': { label: '最近1年', days: 365 },
} as const
type Period = keyof typeof RANKING_PERIODS

export function browseRoutes(
  deps: { browse: BrowseRepository; renderer: Renderer; clock: Clock },
  channel: Channel,
): Router {
  const { browse, renderer, clock } = deps
  const router = Router({ mergeParams: true })
  const route = (name: PathName) => routeWithinLibrary(channel, name)
  const perPage = channel === 'keitai' ? 5 : 20
  const render = (res: Response, view: string, data: object, status = 200) =>
    renderer.page(res, channelOf(res), view, data, status)

  const classPage = async (res: Response, notation: string) => {
    const { library } = libraryOf(res)
    const counts = await browse.ndcCounts(library.id, notation)
    const children = ndcChildren(notation).map((c) => ({
      ...c,
      count: counts.get(c.notation) ?? 0,
    }))
    const heading = notation ? `${notation} ${ndcLabel(notation) ?? ''}`.trim() : '分類から探す'
    render(res, 'browse', {
      ...pageContext(res, heading, {
        switchTo: notation ? 'browseClass' : 'browse',
        switchParams: notation ? { ndc: notation } : {},
      }),
      notation,
      path: ndcPath(notation),
      children,
    })
  }

  router.get(route('browse'), (_req, res) => classPage(res, ''))
  router.get(route('browseClass'), async (req: Request, res) => {
    const notation = parseNdcNotation(String(req.params.ndc ?? ''))
    if (notation === null || !ndcLabel(notation)) {
      throw new HttpError(404, 'この分類はありません。分類から探すの一覧からお選びください。')
    }
    await classPage(res, notation)
  })

  router.get(route('newArrivals'), async (_req, res) => {
    const { library, settings } = libraryOf(res)
    const rawClass = param(res, 'class')
    const ndcClass = rawClass === undefined || rawClass === '' ? null : rawClass
    if (ndcClass !== null && !/^\d$/.test(ndcClass)) {
      throw new HttpError(400, '分類の指定が正しくありません。')
    }
    const page = parsePage(param(res, 'page'))
    if (page === null) throw new HttpError(400, 'ページの指定が正しくありません。')
    const since = addDays(today(clock), -settings.newArrivalsDays)
    const result = await browse.newArrivals(
      library.id,
      since,
      ndcClass,
      (page - 1) * perPage,
      perPage,
    )
    const lastPage = Math.max(1, Math.ceil(result.total / perPage))
    if (page > lastPage) throw new HttpError(404, 'このページはありません。')
    render(res, 'new-arrivals', {
      ...pageContext(
        res,
        ndcClass ? `新着資料（${ndcClass} ${ndcLabel(ndcClass) ?? ''}）` : '新着資料',
        { page },
      ),
      days: settings.newArrivalsDays,
      since,
      ndcClass,
      classes: ndcChildren(''),
      result: { ...result, page, lastPage, perPage },
    })
  })

  router.get(route('ranking'), async (_req, res) => {
    const { library } = libraryOf(res)
    const kind = param(res, 'kind') === 'holds' ? 'holds' : 'loans'
    const rawPeriod = param(res, 'period') ?? '6m'
    if (!(rawPeriod in RANKING_PERIODS)) throw new HttpError(400, '期間の指定が正しくありません。')
    const period = rawPeriod as Period
    const to = today(clock)
    const from = addDays(to, -RANKING_PERIODS[period].days)
    const hits = await browse.ranking(library.id, kind, from, to, channel === 'keitai' ? 10 : 20)
    render(res, 'ranking', {
      ...pageContext(res, kind === 'loans' ? 'ベストリーダー' : '予約ランキング'),
      kind,
      period,
      periods: RANKING_PERIODS,
      from,
      to,
      hits,
    })
  })

  return router
}

/** /isbn/<ISBN-10 or -13>: the stable link aggregators use; one record → its page. */
export function isbnRoutes(
  deps: { records: { byIsbn(libraryId: number, isbn: string): Promise<number[]> } },
  channel: Channel,
): Router {
  const router = Router({ mergeParams: true })
  router.get(routeWithinLibrary(channel, 'isbn'), async (req, res) => {
    const { library } = libraryOf(res)
    const isbn = normaliseIsbn(String(req.params.isbn ?? ''))
    if (!isbn) throw new HttpError(404, 'ISBNが正しくありません。')
    const ids = await deps.records.byIsbn(library.id, isbn)
    const slug = library.slug
    if (ids.length === 0) {
      throw new HttpError(404, `ISBN ${isbn} の資料は所蔵していません。`, [
        {
          href: urlFor(channelOf(res), 'search', { lib: slug }, { q: isbn }),
          text: 'このISBNで検索する',
        },
      ])
    }
    const target =
      ids.length === 1
        ? urlFor(channelOf(res), 'record', { lib: slug, id: ids[0] ?? 0 })
        : urlFor(channelOf(res), 'search', { lib: slug }, { q: isbn })
    redirectTo(res, target)
  })
  return router
}
