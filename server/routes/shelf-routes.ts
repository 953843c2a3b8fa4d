// My本棚 on both channels (SPEC.md §7): up to maxShelves named shelves of up to maxShelfItems
// records each — create, rename and delete a shelf (with confirmation), add a record choosing
// the shelf (the first shelf can be made in the same step), move and remove. Every change is
// a POST with a CSRF token, answered by a redirect and a one-time notice (PRG).
import { Router } from 'express'
import type { Request, Response } from 'express'
import { HttpError } from '../errors.ts'
import { formField } from '../middleware/form-body.ts'
import { param } from '../middleware/query.ts'
import { routeWithinLibrary } from '../paths.ts'
import type { Channel, PathName } from '../paths.ts'
import type { Renderer } from '../render/views.ts'
import { DEFAULT_SHELF_NAME, limitMessage, shelfNameMessage } from '../render/words.ts'
import { parseRecordId } from './search-params.ts'
import type { AccountService } from '../services/account-service.ts'
import type { ListRecord, ListService, ShelfSummary } from '../services/list-service.ts'
import {
  loginRequired,
  pathFor,
  personal,
  postChain,
  redirectToPage,
  renderPage,
  setFlash,
} from '../web.ts'
import {
  LIST_PAGE_SIZE,
  backFromAdd,
  listOwner,
  listPageContext,
  loadRecord,
  noSuchPage,
  pageParam,
  postedPage,
  quote,
} from './list-pages.ts'

const SHELF_NOT_FOUND = 'この本棚は見つかりませんでした。My本棚の一覧からお選びください。'
const ITEM_NOT_FOUND = 'この資料はこの本棚に入っていません。'

export function shelfRoutes(
  deps: { lists: ListService; accounts: AccountService; renderer: Renderer },
  channel: Channel,
): Router {
  const { lists, accounts, renderer } = deps
  const router = Router({ mergeParams: true })
  const perPage = LIST_PAGE_SIZE[channel]
  const route = (name: PathName) => routeWithinLibrary(channel, name)
  const requireLogin = loginRequired(accounts)
  const post = [...postChain, requireLogin]

  const shelfNotFound = (req: Request, res: Response) =>
    new HttpError(404, SHELF_NOT_FOUND, [{ href: pathFor(req, res, 'shelves'), text: 'My本棚へ' }])

  const loadShelf = async (req: Request, res: Response): Promise<ShelfSummary> => {
    const { libraryId, patronId } = listOwner(res)
    const id = parseRecordId(String(req.params.id ?? ''))
    const shelf = id === null ? undefined : await lists.shelf(libraryId, patronId, id)
    if (!shelf) throw shelfNotFound(req, res)
    return shelf
  }

  const itemNotFound = (req: Request, res: Response, shelfId: number) =>
    new HttpError(404, ITEM_NOT_FOUND, [
      { href: pathFor(req, res, 'shelf', { id: shelfId }), text: '本棚へ戻る' },
    ])

  // --- My本棚: the shelves ------------------------------------------------------------------

  const shelvesPage = async (req: Request, res: Response, data: object = {}, status = 200) => {
    const { libraryId, patronId } = listOwner(res)
    const shelves = await lists.shelves(libraryId, patronId)
    renderPage(
      renderer,
      res,
      'shelves',
      {
        ...listPageContext(req, res, 'My本棚', { error: status >= 400 }),
        shelves,
        name: '',
        ...data,
      },
      status,
    )
  }

  router.get(route('shelves'), personal, requireLogin, (req, res) => shelvesPage(req, res))

  router.post(route('shelves'), ...post, async (req, res) => {
    const { libraryId, settings, patronId } = listOwner(res)
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
    redirectToPage(req, res, 'shelves')
  })

  // --- adding a record to a shelf -------------------------------------------------------------

  const shelfAddPage = async (
    req: Request,
    res: Response,
    record: ListRecord,
    data: object = {},
    status = 200,
  ) => {
    const { libraryId, patronId } = listOwner(res)
    const state = await lists.recordState(libraryId, patronId, record.id)
    renderPage(
      renderer,
      res,
      'list-add',
      {
        ...listPageContext(req, res, 'My本棚に追加する', { error: status >= 400 }),
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
    await shelfAddPage(req, res, await loadRecord(lists, res, param(res, 'record')))
  })

  router.post(route('shelfAdd'), ...post, async (req, res) => {
    const { libraryId, settings, patronId } = listOwner(res)
    const record = await loadRecord(lists, res, formField(res, 'record'))
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
    const { libraryId, patronId } = listOwner(res)
    const shelf = await loadShelf(req, res)
    const page = pageParam(req, res, 'shelf', { id: shelf.id })
    const list = await lists.shelfItems(libraryId, patronId, shelf, page, perPage)
    if (!list) throw noSuchPage(req, res, 'shelf', { id: shelf.id })
    const others = (await lists.shelves(libraryId, patronId)).filter((s) => s.id !== shelf.id)
    renderPage(renderer, res, 'shelf', {
      ...listPageContext(req, res, `My本棚：${shelf.name}`, { page }),
      shelf,
      list,
      others,
    })
  })

  const renamePage = (req: Request, res: Response, shelf: ShelfSummary, data = {}, status = 200) =>
    renderPage(
      renderer,
      res,
      'shelf-rename',
      {
        ...listPageContext(req, res, '本棚の名前を変更', {
          error: status >= 400,
          titleDetail: shelf.name,
        }),
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
    const { libraryId, patronId } = listOwner(res)
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
    redirectToPage(req, res, 'shelf', { id: shelf.id })
  })

  router.get(route('shelfDelete'), personal, requireLogin, async (req, res) => {
    const shelf = await loadShelf(req, res)
    renderPage(renderer, res, 'shelf-delete', {
      ...listPageContext(req, res, '本棚の削除', { titleDetail: shelf.name }),
      shelf,
    })
  })

  router.post(route('shelfDelete'), ...post, async (req, res) => {
    const { libraryId, patronId } = listOwner(res)
    const shelf = await loadShelf(req, res)
    const deleted = await lists.deleteShelf(libraryId, patronId, shelf.id)
    if (!deleted) throw shelfNotFound(req, res)
    setFlash(req, `本棚${quote(deleted.name)}を削除しました。`)
    redirectToPage(req, res, 'shelves')
  })

  // --- one record on a shelf ------------------------------------------------------------

  const itemPage = async (req: Request, res: Response, data: object = {}, status = 200) => {
    const { libraryId, patronId } = listOwner(res)
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
    renderPage(
      renderer,
      res,
      'shelf-item',
      { ...listPageContext(req, res, '本棚の資料', { error: status >= 400 }), ...found, ...data },
      status,
    )
  }

  router.get(route('shelfItem'), personal, requireLogin, (req, res) => itemPage(req, res))

  router.post(route('shelfItemMove'), ...post, async (req, res) => {
    const { libraryId, settings, patronId } = listOwner(res)
    const shelf = await loadShelf(req, res)
    const record = await loadRecord(lists, res, String(req.params.record ?? ''))
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
    redirectToPage(req, res, 'shelf', { id: shelf.id }, { page: postedPage(res, lastPage) })
  })

  router.post(route('shelfItemRemove'), ...post, async (req, res) => {
    const { libraryId, patronId } = listOwner(res)
    const shelf = await loadShelf(req, res)
    const record = await loadRecord(lists, res, String(req.params.record ?? ''))
    const outcome = await lists.removeShelfItem(libraryId, patronId, shelf.id, record.id)
    if (!outcome.ok) throw shelfNotFound(req, res)
    setFlash(
      req,
      outcome.removed
        ? `${quote(record.title)}を本棚${quote(shelf.name)}から削除しました。`
        : ITEM_NOT_FOUND,
    )
    const lastPage = Math.max(1, Math.ceil((shelf.items - (outcome.removed ? 1 : 0)) / perPage))
    redirectToPage(req, res, 'shelf', { id: shelf.id }, { page: postedPage(res, lastPage) })
  })

  return router
}
