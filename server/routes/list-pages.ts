// What the お気に入り and My本棚 journeys (favourite-routes.ts, shelf-routes.ts) have in common:
// page sizes, the page context with the one-time notice and the limits in words, loading a
// record or a page number from a request, and where an "add" goes back to.
import type { Request, Response } from 'express'
import { HttpError } from '../errors.ts'
import { formField } from '../middleware/form-body.ts'
import { libraryOf } from '../middleware/library.ts'
import { param } from '../middleware/query.ts'
import type { Channel, PathName } from '../paths.ts'
import { clip } from '../render/format.ts'
import { limitMessage } from '../render/words.ts'
import { parsePage, parseRecordId } from './search-params.ts'
import { SHELF_NAME_MAX } from '../services/list-service.ts'
import type { ListRecord, ListService } from '../services/list-service.ts'
import { formPageContext, pathFor, patronOf, redirectToPage, takeFlash } from '../web.ts'
import type { PageOptions, PathParams } from '../web.ts'

/** Hits on one page of a list. */
export const LIST_PAGE_SIZE: Record<Channel, number> = { pc: 20, keitai: 5 }

/** Titles and names quoted in notices are cut to this many characters. */
const QUOTE_MAX = 30

export const RECORD_NOT_FOUND =
  'この資料は見つかりませんでした。資料をさがすからもう一度検索してください。'

/** 『title』, cut to QUOTE_MAX characters. */
export const quote = (text: string) => `『${clip(text, QUOTE_MAX)}』`

/** The page context of a list page: forms, the notice of the previous step, the limits. */
export function listPageContext(
  req: Request,
  res: Response,
  heading: string,
  options: PageOptions = {},
) {
  const context = formPageContext(req, res, heading, options)
  const { settings } = libraryOf(res)
  return {
    ...context,
    notice: req.method === 'GET' ? takeFlash(req) : '',
    errors: {},
    message: '',
    shelfNameMax: SHELF_NAME_MAX,
    limits: {
      favourites: limitMessage('favourite_limit', settings),
      shelves: limitMessage('shelf_limit', settings),
      items: limitMessage('item_limit', settings),
    },
  }
}

/** The library, its settings and the logged-in patron of a list request. */
export function listOwner(res: Response) {
  const { library, settings } = libraryOf(res)
  return { libraryId: library.id, settings, patronId: patronOf(res).id }
}

/** The record named by a request (a form field or a query parameter), or a 404. */
export async function loadRecord(
  lists: ListService,
  res: Response,
  raw: string | undefined,
): Promise<ListRecord> {
  const id = parseRecordId(raw)
  const record = id === null ? undefined : await lists.record(libraryOf(res).library.id, id)
  if (!record) throw new HttpError(404, RECORD_NOT_FOUND)
  return record
}

export function noSuchPage(req: Request, res: Response, name: PathName, params: PathParams = {}) {
  return new HttpError(404, 'このページはありません。', [
    { href: pathFor(req, res, name, params), text: '1ページ目へ' },
  ])
}

/** ?page= of a list, or a 404 that links to its first page. */
export function pageParam(req: Request, res: Response, name: PathName, params: PathParams = {}) {
  const page = parsePage(param(res, 'page'))
  if (page === null) throw noSuchPage(req, res, name, params)
  return page
}

/** A page number posted back with a change, kept when the list still has that page. */
export function postedPage(res: Response, lastPage: number): number | undefined {
  const page = parsePage(formField(res, 'page')) ?? 1
  const kept = Math.min(page, lastPage)
  return kept > 1 ? kept : undefined
}

/** After adding from the detail page, back to it; otherwise to the list. */
export function backFromAdd(
  req: Request,
  res: Response,
  fallback: PathName,
  params: PathParams = {},
): void {
  const record = parseRecordId(formField(res, 'record'))
  if (formField(res, 'from') === 'record' && record !== null) {
    redirectToPage(req, res, 'record', { id: record })
  } else redirectToPage(req, res, fallback, params)
}
