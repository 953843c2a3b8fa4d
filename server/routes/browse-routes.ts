// 分類から探す (NDC classes → divisions → sections, with counts), 新着資料 (new arrivals by
// class) and the ベストリーダー / 予約ランキング lists, on both channels.
import { Router } from 'express'
import type { Request, Response } from 'express'
import { HttpError } from '../errors.ts'
import { channelOf } from '../middleware/channel.ts'
import { libraryOf } from '../middleware/library.ts'
import { param } from '../middleware/query.ts'
import { routeWithinLibrary, urlFor } from '../paths.ts'
import { redirectTo } from '../render/redirect.ts'
import { normaliseIsbn } from '../services/isbn.ts'
import type { Channel, PathName } from '../paths.ts'
import type { Renderer } from '../render/views.ts'
import { RANKING_PERIOD_LABELS } from '../render/labels.ts'
import type { BrowseService } from '../services/browse-service.ts'
import { rankingPeriod } from '../services/browse-service.ts'
import type { CatalogueService } from '../services/catalogue-service.ts'
import { parsePage } from './search-params.ts'
import { ndcChildren, ndcLabel, ndcPath, parseNdcNotation } from '../services/ndc.ts'
import { pageContext } from '../web.ts'

export function browseRoutes(
  deps: { browse: BrowseService; renderer: Renderer },
  channel: Channel,
): Router {
  const { browse, renderer } = deps
  const router = Router({ mergeParams: true })
  const route = (name: PathName) => routeWithinLibrary(channel, name)
  const perPage = channel === 'keitai' ? 5 : 20
  const render = (res: Response, view: string, data: object, status = 200) =>
    renderer.page(res, channelOf(res), view, data, status)

  const classPage = async (res: Response, notation: string) => {
    const { library } = libraryOf(res)
    const children = await browse.classes(library.id, notation)
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
    const result = await browse.newArrivals(
      library.id,
      settings,
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
      since: result.since,
      ndcClass,
      classes: ndcChildren(''),
      result: { ...result, page, lastPage, perPage },
    })
  })

  router.get(route('ranking'), async (_req, res) => {
    const { library } = libraryOf(res)
    const kind = param(res, 'kind') === 'holds' ? 'holds' : 'loans'
    const period = rankingPeriod(param(res, 'period') ?? '6m')
    if (period === null) throw new HttpError(400, '期間の指定が正しくありません。')
    const { from, to, hits } = await browse.ranking(
      library.id,
      kind,
      period,
      channel === 'keitai' ? 10 : 20,
    )
    render(res, 'ranking', {
      ...pageContext(res, kind === 'loans' ? 'ベストリーダー' : '予約ランキング'),
      kind,
      period,
      periods: RANKING_PERIOD_LABELS,
      from,
      to,
      hits,
    })
  })

  return router
}

/** /isbn/<ISBN-10 or -13>: the stable link aggregators use; one record → its page. */
export function isbnRoutes(
  deps: { catalogue: Pick<CatalogueService, 'recordIdsByIsbn'> },
  channel: Channel,
): Router {
  const router = Router({ mergeParams: true })
  router.get(routeWithinLibrary(channel, 'isbn'), async (req, res) => {
    const { library } = libraryOf(res)
    const isbn = normaliseIsbn(String(req.params.isbn ?? ''))
    if (!isbn) throw new HttpError(404, 'ISBNが正しくありません。')
    const ids = await deps.catalogue.recordIdsByIsbn(library.id, isbn)
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
