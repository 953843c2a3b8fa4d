// The catalogue pages of one library on one channel: top, search results, record detail,
// and the functions still to come. PC and keitai share these handlers and differ in their
// views and in how much goes on one page (keitai pages must stay within 5,120 bytes).
import { Router } from 'express'
import type { Request, Response } from 'express'
import { HttpError } from '../errors.ts'
import { libraryOf } from '../middleware/library.ts'
import { param } from '../middleware/query.ts'
import { routeWithinLibrary, urlFor } from '../paths.ts'
import { ndcLabel } from '../services/ndc.ts'
import type { Channel, PathName } from '../paths.ts'
import type { Renderer } from '../render/views.ts'
import { MAX_QUERY_LENGTH, parsePage, parseRecordId } from '../services/catalogue-service.ts'
import type { CatalogueService } from '../services/catalogue-service.ts'
import { recordListActionsOf } from './list-routes.ts'
import { pageContext } from './page-context.ts'

export interface ChannelLayout {
  channel: Channel
  /** Hits on one result page. */
  hitsPerPage: number
  /** Copies on one detail page (keitai pages the holdings). */
  copiesPerPage: number
}

export const PC_LAYOUT: ChannelLayout = { channel: 'pc', hitsPerPage: 10, copiesPerPage: 1000 }
export const KEITAI_LAYOUT: ChannelLayout = { channel: 'keitai', hitsPerPage: 5, copiesPerPage: 5 }

/** The page of the other channel that starts with the first hit of this one. */
function pageOnOtherChannel(page: number, layout: ChannelLayout): number | undefined {
  const other = layout.channel === 'pc' ? KEITAI_LAYOUT : PC_LAYOUT
  const otherPage = Math.floor(((page - 1) * layout.hitsPerPage) / other.hitsPerPage) + 1
  return otherPage > 1 ? otherPage : undefined
}

/** Functions that later work delivers; their links exist now and say so politely. */
export const COMING_SOON: { name: PathName; heading: string }[] = [
  { name: 'advancedSearch', heading: '詳細検索' },
]

export function catalogueRoutes(deps: {
  catalogue: CatalogueService
  renderer: Renderer
  layout: ChannelLayout
}): Router {
  const { catalogue, renderer, layout } = deps
  const router = Router({ mergeParams: true })
  const render = (res: Response, view: string, data: object, status = 200) =>
    renderer.page(res, layout.channel, view, data, status)

  const topGet = (_req: Request, res: Response) => {
    const { library } = libraryOf(res)
    render(res, 'top', {
      ...pageContext(res, 'トップ'),
      maxQueryLength: MAX_QUERY_LENGTH,
      keitaiUrl: `${res.locals.publicUrl as string}/${library.slug}/k/`,
    })
  }

  const searchGet = async (_req: Request, res: Response) => {
    const { library } = libraryOf(res)
    const outcome = await catalogue.search(library.id, {
      query: param(res, 'q'),
      page: param(res, 'page'),
      perPage: layout.hitsPerPage,
      ndc: param(res, 'ndc'),
    })
    if (outcome.ok) {
      const ndc = outcome.filters.ndc
      const heading = outcome.query
        ? `「${outcome.query}」の検索結果${ndc ? `（分類${ndc}）` : ''}`
        : `分類${ndc ?? ''} ${ndcLabel(ndc ?? '') ?? ''}の資料`.replace(/ の/, 'の')
      render(res, 'search', {
        ...pageContext(res, heading, {
          page: outcome.page,
          switchTo: 'search',
          switchQuery: { ...outcome.params, page: pageOnOtherChannel(outcome.page, layout) },
        }),
        feedUrl: urlFor('pc', 'searchFeed', { lib: libraryOf(res).library.slug }, outcome.params),
        result: outcome,
        maxQueryLength: MAX_QUERY_LENGTH,
      })
      return
    }
    const errors = {
      empty_query: { status: 400, text: '検索語を入力してください。' },
      query_too_long: {
        status: 400,
        text: `検索語は${MAX_QUERY_LENGTH}文字以内で入力してください。`,
      },
      bad_page: { status: 400, text: 'ページの指定が正しくありません。' },
      bad_filter: { status: 400, text: '分類の指定が正しくありません。' },
      page_out_of_range: { status: 404, text: 'このページはありません。' },
    }[outcome.reason]
    const lastPage = outcome.reason === 'page_out_of_range' ? outcome.lastPage : 1
    render(
      res,
      'search',
      {
        ...pageContext(res, '資料をさがす', { error: true }),
        result: null,
        query: outcome.query,
        error: errors.text,
        lastPage,
        maxQueryLength: MAX_QUERY_LENGTH,
      },
      errors.status,
    )
  }

  const recordGet = async (req: Request, res: Response) => {
    const { library } = libraryOf(res)
    const id = parseRecordId(String(req.params.id))
    const detail = id === null ? null : await catalogue.record(library.id, id)
    if (!detail) {
      throw new HttpError(
        404,
        'この資料は見つかりませんでした。資料をさがすからもう一度検索してください。',
      )
    }
    const copyPage = parsePage(param(res, 'cp'))
    const lastCopyPage = Math.max(1, Math.ceil(detail.copies.length / layout.copiesPerPage))
    if (copyPage === null || copyPage > lastCopyPage) {
      throw new HttpError(404, '所蔵のこのページはありません。', [
        {
          href: pageContext(res, '').url('record', { id: detail.record.id }),
          text: '資料の詳細へ',
        },
      ])
    }
    const start = (copyPage - 1) * layout.copiesPerPage
    render(res, 'record', {
      ...pageContext(res, detail.record.title, {
        page: copyPage,
        switchTo: 'record',
        switchParams: { id: detail.record.id },
      }),
      detail,
      copies: detail.copies.slice(start, start + layout.copiesPerPage),
      copyPage,
      lastCopyPage,
      copiesPerPage: layout.copiesPerPage,
      // お気に入り / My本棚 forms for a logged-in patron (set by listRoutes), else links.
      listActions: recordListActionsOf(res),
      latestIssueId:
        detail.record.material_type === 'magazine'
          ? detail.copies.find((c) => c.issue_date)?.id
          : undefined,
    })
  }

  const route = (name: PathName) => routeWithinLibrary(layout.channel, name)
  router.get(route('top'), topGet)
  router.get(route('search'), searchGet)
  router.get(route('record'), recordGet)
  for (const soon of COMING_SOON) {
    router.get(route(soon.name), (_req, res) => {
      render(res, 'coming-soon', { ...pageContext(res, soon.heading) })
    })
  }
  return router
}
