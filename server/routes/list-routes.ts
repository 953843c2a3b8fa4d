// お気に入り and My本棚 on both channels (SPEC.md §7), for a logged-in patron: the lists, the
// add pages that the detail page and the result list link to (they survive a detour through
// the login page), and every change as a POST with a CSRF token, answered by a redirect and a
// one-time notice on the next page (PRG). The detail page's own forms get their state from
// recordListActions, which this router puts in res.locals before the catalogue renders it.
import { Router } from 'express'
import type { Request, RequestHandler, Response } from 'express'
import type { PatronRepository } from '../db/patron-repository.ts'
import { HttpError } from '../errors.ts'
import { channelOf } from '../middleware/channel.ts'
import { csrfToken, verifyCsrf } from '../middleware/csrf.ts'
import { formBody, formField } from '../middleware/form-body.ts'
import { libraryOf } from '../middleware/library.ts'
import { param } from '../middleware/query.ts'
import { routeWithinLibrary } from '../paths.ts'
import type { Channel, PathName } from '../paths.ts'
import { clip } from '../render/format.ts'
import { redirectTo } from '../render/redirect.ts'
import type { Renderer } from '../render/views.ts'
import { parsePage, parseRecordId } from './search-params.ts'
import {
  ALREADY_FAVOURITE,
  DEFAULT_SHELF_NAME,
  SHELF_NAME_MAX,
  limitMessage,
  shelfNameMessage,
} from '../services/list-service.ts'
import type { ListRecord, ListService, ShelfSummary } from '../services/list-service.ts'
import { loginRequired, pathFor, patronOf, sessionPatronId } from './account-routes.ts'
import { pageContext } from './page-context.ts'

export interface ListDeps {
  patrons: PatronRepository
  lists: ListService
  renderer: Renderer
  clock: { now(): Date }
}

/** Hits on one page of a list. */
export const LIST_PAGE_SIZE: Record<Channel, number> = { pc: 20, keitai: 5 }

/** Titles and names quoted in notices are cut to this many characters. */
const QUOTE_MAX = 30

/** What the detail page of a record offers a logged-in patron. */
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

/** The detail page's list actions, or null for a visitor who is not logged in. */
export function recordListActionsOf(res: Response): RecordListActions | null {
  return (res.locals.listActions as RecordListActions | undefined) ?? null
}

const RECORD_NOT_FOUND =
  'この資料は見つかりませんでした。資料をさがすからもう一度検索してください。'
const SHELF_NOT_FOUND = 'この本棚は見つかりませんでした。My本棚の一覧からお選びください。'
const ITEM_NOT_FOUND = 'この資料はこの本棚に入っていません。'
const NO_SUCH_PAGE = 'このページはありません。'

const personal: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store, private')
  res.setHeader('Pragma', 'no-cache')
  res.setHeader('Expires', '0')
  next()
}

const quote = (text: string) => `『${clip(text, QUOTE_MAX)}』`

/** Reads and forgets the one-time notice. */
function takeFlash(req: Request): string {
  const s = req.session as Request['session'] | undefined
  const text = s?.flash ?? ''
  if (s && s.flash !== undefined) delete s.flash
  return text
}

function setFlash(req: Request, text: string): void {
  req.session.flash = text
}

export function listRoutes(deps: ListDeps, channel: Channel): Router {
  const { patrons, lists, renderer } = deps
  const router = Router({ mergeParams: true })
  const perPage = LIST_PAGE_SIZE[channel]
  const route = (name: PathName) => routeWithinLibrary(channel, name)
  const requireLogin = loginRequired(patrons)
  const post = [personal, formBody(), verifyCsrf, requireLogin]
  const render = (res: Response, view: string, data: object, status = 200) =>
    renderer.page(res, channelOf(res), view, data, status)
  const go = (
    req: Request,
    res: Response,
    name: PathName,
    params: Record<string, string | number> = {},
    query: Record<string, string | number | undefined> = {},
  ) => redirectTo(res, pathFor(req, res, name, params, query))

  const context = (
    req: Request,
    res: Response,
    heading: string,
    options: Parameters<typeof pageContext>[2] = {},
  ) => {
    const csrf = csrfToken(req) // first: the keitai links carry the session it keeps
    const page = pageContext(res, heading, options)
    const { settings } = libraryOf(res)
    return {
      ...page,
      csrf,
      path: page.url,
      settings,
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

  const ids = (res: Response) => ({
    libraryId: libraryOf(res).library.id,
    settings: libraryOf(res).settings,
    patronId: patronOf(res).id,
  })

  const loadRecord = async (res: Response, raw: string | undefined): Promise<ListRecord> => {
    const id = parseRecordId(raw)
    const record = id === null ? undefined : await lists.record(libraryOf(res).library.id, id)
    if (!record) throw new HttpError(404, RECORD_NOT_FOUND)
    return record
  }

  const shelfNotFound = (req: Request, res: Response) =>
    new HttpError(404, SHELF_NOT_FOUND, [{ href: pathFor(req, res, 'shelves'), text: 'My本棚へ' }])

  const loadShelf = async (req: Request, res: Response): Promise<ShelfSummary> => {
    const { libraryId, patronId } = ids(res)
    const id = parseRecordId(String(req.params.id ?? ''))
    const shelf = id === null ? undefined : await lists.shelf(libraryId, patronId, id)
    if (!shelf) throw shelfNotFound(req, res)
    return shelf
  }

  const itemNotFound = (req: Request, res: Response, shelfId: number) =>
    new HttpError(404, ITEM_NOT_FOUND, [
      { href: pathFor(req, res, 'shelf', { id: shelfId }), text: '本棚へ戻る' },
    ])

  const pageParam = (req: Request, res: Response, name: PathName, params = {}): number => {
    const page = parsePage(param(res, 'page'))
    if (page === null) throw noSuchPage(req, res, name, params)
    return page
  }
  const noSuchPage = (req: Request, res: Response, name: PathName, params = {}) =>
    new HttpError(404, NO_SUCH_PAGE, [
      { href: pathFor(req, res, name, params), text: '1ページ目へ' },
    ])

  /** A page number posted back with a change, kept when the list still has that page. */
  const postedPage = (res: Response, lastPage: number): number | undefined => {
    const page = parsePage(formField(res, 'page')) ?? 1
    const kept = Math.min(page, lastPage)
    return kept > 1 ? kept : undefined
  }

  // --- the detail page ----------------------------------------------------------------

  // Runs before the catalogue's detail page: a logged-in patron gets the forms' state. A visitor
  // who is not logged in is left alone (no session is started just for viewing a record).
  router.get(route('record'), async (req, res, next) => {
    const patronId = sessionPatronId(req, res)
    const recordId = parseRecordId(String(req.params.id ?? ''))
    const { library } = libraryOf(res)
    const patron = patronId === null ? undefined : await patrons.byId(library.id, patronId)
    if (patron && recordId !== null) {
      const state = await lists.recordState(library.id, patron.id, recordId)
      res.setHeader('Cache-Control', 'no-store, private')
      const actions: RecordListActions = {
        csrf: csrfToken(req),
        ...state,
        defaultShelfName: DEFAULT_SHELF_NAME,
        shelfNameMax: SHELF_NAME_MAX,
        notice: takeFlash(req),
      }
      res.locals.listActions = actions
    }
    next()
  })

  const backFromAdd = (req: Request, res: Response, fallback: PathName, params = {}) => {
    const record = parseRecordId(formField(res, 'record'))
    if (formField(res, 'from') === 'record' && record !== null)
      go(req, res, 'record', { id: record })
    else go(req, res, fallback, params)
  }

  // --- お気に入り ----------------------------------------------------------------------

  router.get(route('favourites'), personal, requireLogin, async (req, res) => {
    const { libraryId, patronId } = ids(res)
    const page = pageParam(req, res, 'favourites')
    const list = await lists.favourites(libraryId, patronId, page, perPage)
    if (!list) throw noSuchPage(req, res, 'favourites')
    render(res, 'favourites', { ...context(req, res, 'お気に入り一覧', { page }), list })
  })

  const favouriteAddPage = async (
    req: Request,
    res: Response,
    record: ListRecord,
    data: object = {},
    status = 200,
  ) => {
    const { libraryId, patronId } = ids(res)
    const state = await lists.recordState(libraryId, patronId, record.id)
    render(
      res,
      'list-add',
      {
        ...context(req, res, 'お気に入りに入れる', { error: status >= 400 }),
        kind: 'favourite',
        record,
        already: state.favourite,
        ...data,
      },
      status,
    )
  }

  router.get(route('favouriteAdd'), personal, requireLogin, async (req, res) => {
    await favouriteAddPage(req, res, await loadRecord(res, param(res, 'record')))
  })

  router.post(route('favouriteAdd'), ...post, async (req, res) => {
    const { libraryId, settings, patronId } = ids(res)
    const record = await loadRecord(res, formField(res, 'record'))
    const outcome = await lists.addFavourite(libraryId, settings, patronId, record.id)
    if (!outcome.ok) {
      const message = limitMessage(outcome.reason, settings)
      await favouriteAddPage(req, res, record, { message }, 409)
      return
    }
    setFlash(
      req,
      outcome.added ? `${quote(record.title)}をお気に入りに入れました。` : ALREADY_FAVOURITE,
    )
    backFromAdd(req, res, 'favourites')
  })

  router.post(route('favouriteRemove'), ...post, async (req, res) => {
    const { libraryId, patronId } = ids(res)
    const record = await loadRecord(res, formField(res, 'record'))
    const removed = await lists.removeFavourite(libraryId, patronId, record.id)
    setFlash(
      req,
      removed
        ? `${quote(record.title)}をお気に入りから削除しました。`
        : 'この資料はお気に入りに入っていません。',
    )
    const first = await lists.favourites(libraryId, patronId, 1, perPage)
    go(req, res, 'favourites', {}, { page: postedPage(res, first?.lastPage ?? 1) })
  })

  // --- My本棚: the shelves ------------------------------------------------------------------

  const shelvesPage = async (req: Request, res: Response, data: object = {}, status = 200) => {
    const { libraryId, patronId } = ids(res)
    const shelves = await lists.shelves(libraryId, patronId)
    render(
      res,
      'shelves',
      {
        ...context(req, res, 'My本棚', { error: status >= 400 }),
        shelves,
        name: '',
        ...data,
      },
      status,
    )
  }

  router.get(route('shelves'), personal, requireLogin, (req, res) => shelvesPage(req, res))

  router.post(route('shelves'), ...post, async (req, res) => {
    const { libraryId, settings, patronId } = ids(res)
    const raw = formField(res, 'name') ?? ''
    const outcome = await lists.createShelf(libraryId, settings, patronId, raw)
    if (!outcome.ok) {
      const shown = { name: raw.slice(0, 60) }
      if (outcome.reason === 'name') {
        await shelvesPage(
          req,
          res,
          { ...shown, errors: { name: shelfNameMessage(outcome.problem) } },
          400,
        )
      } else {
        await shelvesPage(
          req,
          res,
          { ...shown, message: limitMessage(outcome.reason, settings) },
          409,
        )
      }
      return
    }
    setFlash(req, `本棚${quote(outcome.shelf.name)}を作りました。`)
    go(req, res, 'shelves')
  })

  // --- adding a record to a shelf -------------------------------------------------------------

  const shelfAddPage = async (
    req: Request,
    res: Response,
    record: ListRecord,
    data: object = {},
    status = 200,
  ) => {
    const { libraryId, patronId } = ids(res)
    const state = await lists.recordState(libraryId, patronId, record.id)
    render(
      res,
      'list-add',
      {
        ...context(req, res, 'My本棚に追加する', { error: status >= 400 }),
        kind: 'shelf',
        record,
        shelves: state.shelves,
        holding: state.holding,
        name: DEFAULT_SHELF_NAME,
        selected: undefined,
        ...data,
      },
      status,
    )
  }

  router.get(route('shelfAdd'), personal, requireLogin, async (req, res) => {
    await shelfAddPage(req, res, await loadRecord(res, param(res, 'record')))
  })

  router.post(route('shelfAdd'), ...post, async (req, res) => {
    const { libraryId, settings, patronId } = ids(res)
    const record = await loadRecord(res, formField(res, 'record'))
    const rawShelf = formField(res, 'shelf') ?? ''
    const rawName = formField(res, 'name') ?? ''
    let target: { shelfId: number } | { name: string }
    if (rawShelf !== '') {
      const shelfId = parseRecordId(rawShelf)
      if (shelfId === null) throw shelfNotFound(req, res)
      target = { shelfId }
    } else {
      target = { name: rawName }
    }
    const outcome = await lists.addToShelf(libraryId, settings, patronId, record.id, target)
    if (!outcome.ok) {
      if (outcome.reason === 'not_found') throw shelfNotFound(req, res)
      const shown = {
        name: rawName.slice(0, 60),
        selected: 'shelfId' in target ? target.shelfId : undefined,
      }
      if (outcome.reason === 'name') {
        const errors = { name: shelfNameMessage(outcome.problem) }
        await shelfAddPage(req, res, record, { ...shown, errors }, 400)
      } else {
        const message = limitMessage(outcome.reason, settings)
        await shelfAddPage(req, res, record, { ...shown, message }, 409)
      }
      return
    }
    const shelf = quote(outcome.shelf.name)
    setFlash(
      req,
      !outcome.added
        ? `すでに本棚${shelf}に入っています。`
        : outcome.created
          ? `本棚${shelf}を作り、${quote(record.title)}を追加しました。`
          : `${quote(record.title)}を本棚${shelf}に追加しました。`,
    )
    backFromAdd(req, res, 'shelf', { id: outcome.shelf.id })
  })

  // --- one shelf ------------------------------------------------------------------------

  router.get(route('shelf'), personal, requireLogin, async (req, res) => {
    const { libraryId, patronId } = ids(res)
    const shelf = await loadShelf(req, res)
    const page = pageParam(req, res, 'shelf', { id: shelf.id })
    const list = await lists.shelfItems(libraryId, patronId, shelf, page, perPage)
    if (!list) throw noSuchPage(req, res, 'shelf', { id: shelf.id })
    const others = (await lists.shelves(libraryId, patronId)).filter((s) => s.id !== shelf.id)
    render(res, 'shelf', {
      ...context(req, res, `My本棚：${shelf.name}`, { page }),
      shelf,
      list,
      others,
    })
  })

  const renamePage = (req: Request, res: Response, shelf: ShelfSummary, data = {}, status = 200) =>
    render(
      res,
      'shelf-rename',
      {
        ...context(req, res, '本棚の名前を変更', { error: status >= 400 }),
        shelf,
        name: shelf.name,
        ...data,
      },
      status,
    )

  router.get(route('shelfRename'), personal, requireLogin, async (req, res) => {
    renamePage(req, res, await loadShelf(req, res))
  })

  router.post(route('shelfRename'), ...post, async (req, res) => {
    const { libraryId, patronId } = ids(res)
    const shelf = await loadShelf(req, res)
    const raw = formField(res, 'name') ?? ''
    const outcome = await lists.renameShelf(libraryId, patronId, shelf.id, raw)
    if (!outcome.ok) {
      if (outcome.reason === 'not_found') throw shelfNotFound(req, res)
      const errors = { name: shelfNameMessage(outcome.problem) }
      renamePage(req, res, shelf, { name: raw.slice(0, 60), errors }, 400)
      return
    }
    setFlash(
      req,
      outcome.previousName === outcome.shelf.name
        ? '本棚の名前は変わっていません。'
        : `本棚の名前を${quote(outcome.shelf.name)}に変更しました。`,
    )
    go(req, res, 'shelf', { id: shelf.id })
  })

  router.get(route('shelfDelete'), personal, requireLogin, async (req, res) => {
    const shelf = await loadShelf(req, res)
    render(res, 'shelf-delete', { ...context(req, res, '本棚の削除'), shelf })
  })

  router.post(route('shelfDelete'), ...post, async (req, res) => {
    const { libraryId, patronId } = ids(res)
    const shelf = await loadShelf(req, res)
    const deleted = await lists.deleteShelf(libraryId, patronId, shelf.id)
    if (!deleted) throw shelfNotFound(req, res)
    setFlash(req, `本棚${quote(deleted.name)}を削除しました。`)
    go(req, res, 'shelves')
  })

  // --- one record on a shelf ------------------------------------------------------------

  const itemPage = async (req: Request, res: Response, data: object = {}, status = 200) => {
    const { libraryId, patronId } = ids(res)
    const shelfId = parseRecordId(String(req.params.id ?? ''))
    const recordId = parseRecordId(String(req.params.record ?? ''))
    const found =
      shelfId === null || recordId === null
        ? undefined
        : await lists.shelfItem(libraryId, patronId, shelfId, recordId)
    if (!found) {
      if (shelfId === null || !(await lists.shelf(libraryId, patronId, shelfId))) {
        throw shelfNotFound(req, res)
      }
      throw itemNotFound(req, res, shelfId)
    }
    render(
      res,
      'shelf-item',
      { ...context(req, res, '本棚の資料', { error: status >= 400 }), ...found, ...data },
      status,
    )
  }

  router.get(route('shelfItem'), personal, requireLogin, (req, res) => itemPage(req, res))

  router.post(route('shelfItemMove'), ...post, async (req, res) => {
    const { libraryId, settings, patronId } = ids(res)
    const shelf = await loadShelf(req, res)
    const record = await loadRecord(res, String(req.params.record ?? ''))
    const to = parseRecordId(formField(res, 'to'))
    if (to === null) throw shelfNotFound(req, res)
    const outcome = await lists.moveItem(libraryId, settings, patronId, shelf.id, record.id, to)
    if (!outcome.ok) {
      if (outcome.reason === 'not_found') {
        // Either the record is not on this shelf, or the target is not one of the patron's.
        if (await lists.shelfItem(libraryId, patronId, shelf.id, record.id)) {
          throw shelfNotFound(req, res)
        }
        throw itemNotFound(req, res, shelf.id)
      }
      await itemPage(req, res, { message: limitMessage(outcome.reason, settings) }, 409)
      return
    }
    const title = quote(record.title)
    const target = quote(outcome.to.name)
    setFlash(
      req,
      outcome.from.id === outcome.to.id
        ? `すでに本棚${target}に入っています。`
        : outcome.alreadyThere
          ? `${title}はすでに本棚${target}に入っていたため、この本棚から削除しました。`
          : `${title}を本棚${target}に移しました。`,
    )
    const after = await lists.shelf(libraryId, patronId, shelf.id)
    const lastPage = Math.max(1, Math.ceil((after?.items ?? 0) / perPage))
    go(req, res, 'shelf', { id: shelf.id }, { page: postedPage(res, lastPage) })
  })

  router.post(route('shelfItemRemove'), ...post, async (req, res) => {
    const { libraryId, patronId } = ids(res)
    const shelf = await loadShelf(req, res)
    const record = await loadRecord(res, String(req.params.record ?? ''))
    const outcome = await lists.removeShelfItem(libraryId, patronId, shelf.id, record.id)
    if (!outcome.ok) throw shelfNotFound(req, res)
    setFlash(
      req,
      outcome.removed
        ? `${quote(record.title)}を本棚${quote(shelf.name)}から削除しました。`
        : ITEM_NOT_FOUND,
    )
    const lastPage = Math.max(1, Math.ceil((shelf.items - (outcome.removed ? 1 : 0)) / perPage))
    go(req, res, 'shelf', { id: shelf.id }, { page: postedPage(res, lastPage) })
  })

  return router
}
