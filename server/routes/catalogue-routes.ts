// The catalogue pages of one library on one channel: top, search results, record detail,
// and the functions still to come. PC and keitai share these handlers and differ in their
// views and in how much goes on one page (keitai pages must stay within 5,120 bytes).
import { Router } from 'express'
import type { Request, Response } from 'express'
import { HttpError } from '../errors.ts'
import { libraryOf } from '../middleware/library.ts'
import { param, queryOf } from '../middleware/query.ts'
import type { Params } from '../middleware/query.ts'
import { encodeQueryValue } from '../render/form-decoding.ts'
import type { SearchKeyService } from '../services/search-key-service.ts'
import { routeWithinLibrary, urlFor } from '../paths.ts'
import { ndcLabel } from '../services/ndc.ts'
import type { Channel, PathName } from '../paths.ts'
import type { Renderer } from '../render/views.ts'
import { MAX_QUERY_LENGTH } from '../services/catalogue-service.ts'
import { MATERIAL_TYPE_LABELS } from '../render/labels.ts'
import { SORT_LABELS, TITLE_MODE_LABELS, searchErrorMessages } from '../render/search-words.ts'
import type {
  CatalogueService,
  RecordDetail,
  SearchRequest,
} from '../services/catalogue-service.ts'
import type { AccountService } from '../services/account-service.ts'
import type { ListService, ShelfSummary } from '../services/list-service.ts'
import { SHELF_NAME_MAX } from '../services/list-service.ts'
import { DEFAULT_SHELF_NAME } from '../render/words.ts'
import { holdRefusalMessage } from '../render/hold-words.ts'
import type { HoldService } from '../services/hold-service.ts'
import type { NoticeService } from '../services/notice-service.ts'
import type { OpeningCalendarService } from '../services/opening-calendar-service.ts'
import { criteriaSummary, searchHeading } from '../render/search-summary.ts'
import { currentPatronId, pageContext, publicUrlOf, resultsPageOf, takeFlash } from '../web.ts'
import { csrfToken } from '../middleware/csrf.ts'
import {
  parsePage,
  parseRecordId,
  readSearchPage,
  readSearchRequest,
  searchParams,
} from './search-params.ts'

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
export const COMING_SOON: { name: PathName; heading: string }[] = []

/** What the detail page offers a logged-in patron: the お気に入り and My本棚 forms' state. */
export interface RecordListActions {
  csrf: string
  favourite: boolean
  shelves: ShelfSummary[]
  /** The patron's shelves that already hold the record. */
  holding: ShelfSummary[]
  defaultShelfName: string
  shelfNameMax: number
  /** The one-time notice of the action that led back to the page. */
  notice: string
}

/**
 * What a re-sorted or filtered result list adds to its title: the criteria beyond the one its
 * heading names, and the sort order, e.g. 「所蔵館：東分館・出版年の新しい順」.
 */
function refinementsOf(
  request: SearchRequest,
  branches: readonly { code: string; name: string }[],
): string {
  const parts = criteriaSummary(request, branches)
    .slice(1)
    .map((c) => `${c.label}：${[...c.value].slice(0, 20).join('')}`)
  if (request.sort !== 'relevance') parts.push(SORT_LABELS[request.sort])
  return parts.join('・')
}

export function catalogueRoutes(deps: {
  catalogue: CatalogueService
  lists: ListService
  accounts: AccountService
  holds: HoldService
  searchKeys: SearchKeyService
  renderer: Renderer
  layout: ChannelLayout
  /** お知らせ and today's opening state for the top page. */
  info: { notices: NoticeService; openingCalendar: OpeningCalendarService }
}): Router {
  const { catalogue, lists, accounts, holds, searchKeys, renderer, layout, info } = deps
  const router = Router({ mergeParams: true })
  const render = (res: Response, view: string, data: object, status = 200) =>
    renderer.page(res, layout.channel, view, data, status)

  const topGet = async (_req: Request, res: Response) => {
    const lib = libraryOf(res)
    const [notices, today] = await Promise.all([
      info.notices.current(lib.library.id),
      info.openingCalendar.today(lib),
    ])
    render(res, 'top', {
      ...pageContext(res, 'トップ'),
      maxQueryLength: MAX_QUERY_LENGTH,
      webUrl: `${publicUrlOf(res)}/${lib.library.slug}/`,
      keitaiUrl: `${publicUrlOf(res)}/${lib.library.slug}/k/`,
      notices,
      today,
      openingHours: lib.settings.openingHours,
    })
  }

  /**
   * The request's parameters with a search key (`k`, keitai links of a long search) expanded
   * into the fields it stands for; parameters given beside it win. Null for an unknown key.
   */
  const expandedQuery = async (res: Response): Promise<Params | null> => {
    const query = queryOf(res)
    const key = param(res, 'k')
    if (key === undefined) return query
    const stored = await searchKeys.expand(key)
    if (!stored) return null
    const out: Params = Object.create(null) as Params
    for (const [name, value] of Object.entries(stored)) out[name] = [value]
    for (const [name, values] of Object.entries(query)) if (name !== 'k') out[name] = values
    return out
  }

  /** Parameters for links: on keitai, long text fields go behind a search key. */
  const linkParams = (params: Record<string, string>) =>
    layout.channel === 'keitai'
      ? searchKeys.shorten(params, (v) => encodeQueryValue(v, 'shift_jis').length)
      : Promise.resolve(params)

  const searchGet = async (req: Request, res: Response) => {
    const { library, branches } = libraryOf(res)
    const query = await expandedQuery(res)
    if (!query) {
      throw new HttpError(
        400,
        'この検索の有効期限が切れました。お手数ですが、もう一度検索してください。',
        [{ href: urlFor(layout.channel, 'search', { lib: library.slug }), text: '資料をさがす' }],
        '検索の有効期限切れ',
      )
    }
    const outcome = await catalogue.search(library.id, branches, readSearchRequest(query), {
      page: readSearchPage(query),
      perPage: layout.hitsPerPage,
    })
    const common = {
      maxQueryLength: MAX_QUERY_LENGTH,
      sorts: SORT_LABELS,
      titleModes: TITLE_MODE_LABELS,
      branches,
      materialTypes: MATERIAL_TYPE_LABELS,
      ndcLabel,
    }
    const params = await linkParams(searchParams(outcome.request))
    if (outcome.ok) {
      const refine = layout.channel === 'keitai' && param(res, 'refine') === '1'
      // (records near a kana query's reading: the query's own counts would all be 0)
      const facets =
        (layout.channel === 'pc' || refine) && !outcome.near
          ? await catalogue.facets(library.id, branches, outcome.request)
          : null
      // What a patron just did from this list (お気に入りに入れました) is theirs alone.
      const notice = takeFlash(req)
      if (notice) res.setHeader('Cache-Control', 'no-store, private')
      render(res, refine ? 'search-refine' : 'search', {
        notice,
        ...pageContext(res, searchHeading(outcome.request) + (refine ? '：絞り込み' : ''), {
          page: outcome.page,
          titleDetail: refinementsOf(outcome.request, branches),
          switchTo: 'search',
          switchQuery: { ...params, page: pageOnOtherChannel(outcome.page, layout) },
        }),
        ...common,
        feedUrl: urlFor('pc', 'searchFeed', { lib: library.slug }, searchParams(outcome.request)),
        result: { ...outcome, params },
        request: outcome.request,
        facets,
        criteria: criteriaSummary(outcome.request, branches),
      })
      return
    }
    const status = outcome.reason === 'page_out_of_range' ? 404 : 400
    const { page, ...fieldErrors } = searchErrorMessages(outcome.errors)
    render(
      res,
      outcome.simpleForm === false ? 'advanced' : 'search',
      {
        ...pageContext(res, '資料をさがす', { error: true }),
        ...common,
        result: null,
        request: outcome.request,
        // A page number is no field of the form: say it without a link to a field.
        errors: page ? {} : fieldErrors,
        message: page ?? '',
        lastPage: outcome.reason === 'page_out_of_range' ? outcome.lastPage : 1,
        params,
      },
      status,
    )
  }

  const advancedGet = (_req: Request, res: Response) => {
    const { branches } = libraryOf(res)
    render(res, 'advanced', {
      ...pageContext(res, '詳細検索'),
      maxQueryLength: MAX_QUERY_LENGTH,
      sorts: SORT_LABELS,
      titleModes: TITLE_MODE_LABELS,
      branches,
      materialTypes: MATERIAL_TYPE_LABELS,
      request: readSearchRequest(queryOf(res)),
      errors: {},
    })
  }

  /**
   * The お気に入り / My本棚 forms of the detail page for a logged-in patron, or null for a
   * visitor (no session is started just for viewing a record).
   */
  const listActions = async (
    req: Request,
    res: Response,
    recordId: number,
  ): Promise<RecordListActions | null> => {
    const patronId = currentPatronId(req, res)
    const { library } = libraryOf(res)
    const patron = patronId === null ? undefined : await accounts.patron(library.id, patronId)
    if (!patron) return null
    const state = await lists.recordState(library.id, patron.id, recordId)
    res.setHeader('Cache-Control', 'no-store, private')
    return {
      csrf: csrfToken(req),
      ...state,
      defaultShelfName: DEFAULT_SHELF_NAME,
      shelfNameMax: SHELF_NAME_MAX,
      notice: takeFlash(req),
    }
  }

  /**
   * The hold button of the detail page (「カートに入れる」 / 「予約申込」), per issue for a
   * magazine, or why the title cannot be held whoever asks.
   */
  const holdActions = (
    req: Request,
    res: Response,
    record: RecordDetail['record'],
    copies: RecordDetail['copies'],
  ) => {
    const lib = libraryOf(res)
    const recordId = record.id
    const materialType = record.material_type
    const items =
      materialType === 'magazine'
        ? copies.filter((c) => c.issue_date).map((c) => ({ recordId, copyId: c.id }))
        : [{ recordId }]
    // The record and its copies are those the page already read: no query of its own.
    const checks = holds.describeLoaded(lib, record, copies, items)
    const cart = req.session?.cart
    const inCart = (copyId?: number) =>
      Boolean(
        cart &&
        cart.libraryId === lib.library.id &&
        cart.items.some((i) => i.recordId === recordId && (i.copyId ?? null) === (copyId ?? null)),
      )
    return {
      flow: lib.settings.holdFlow,
      button: lib.settings.words.holdButton,
      perIssue: materialType === 'magazine',
      items: checks.map((c) => ({
        copyId: c.copyId,
        ok: c.check.ok,
        refusal: c.check.ok ? '' : holdRefusalMessage(c.check),
        inCart: inCart(c.copyId),
      })),
    }
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
    const actions = await listActions(req, res, detail.record.id)
    const hold = holdActions(req, res, detail.record, detail.copies)
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
      // お気に入り / My本棚 forms for a logged-in patron, else links.
      listActions: actions,
      hold,
      backToResults: resultsPageOf(req, res),
      latestIssueId:
        detail.record.material_type === 'magazine'
          ? detail.copies.find((c) => c.issue_date)?.id
          : undefined,
    })
  }

  const route = (name: PathName) => routeWithinLibrary(layout.channel, name)
  router.get(route('top'), topGet)
  router.get(route('search'), searchGet)
  router.get(route('advancedSearch'), advancedGet)
  router.get(route('record'), recordGet)
  for (const soon of COMING_SOON) {
    router.get(route(soon.name), (_req, res) => {
      render(res, 'coming-soon', { ...pageContext(res, soon.heading) })
    })
  }
  return router
}
