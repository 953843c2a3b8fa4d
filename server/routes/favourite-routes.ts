// お気に入り on both channels (SPEC.md §7): the list, the add page the detail page and the
// result list link to (it survives a detour through the login page), and removing. Every
// change is a POST with a CSRF token, answered by a redirect and a one-time notice (PRG).
import { Router } from 'express'
import type { Request, Response } from 'express'
import { formField } from '../middleware/form-body.ts'
import { param } from '../middleware/query.ts'
import { routeWithinLibrary } from '../paths.ts'
import type { Channel, PathName } from '../paths.ts'
import type { Renderer } from '../render/views.ts'
import { ALREADY_FAVOURITE, limitMessage } from '../render/words.ts'
import type { AccountService } from '../services/account-service.ts'
import type { ListRecord, ListService } from '../services/list-service.ts'
import {
  loginRequired,
  personal,
  postChain,
  redirectToPage,
  renderPage,
  resultsPageOf,
  resultsPath,
  setFlash,
} from '../web.ts'
import { redirectTo } from '../render/redirect.ts'
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

export function favouriteRoutes(
  deps: { lists: ListService; accounts: AccountService; renderer: Renderer },
  channel: Channel,
): Router {
  const { lists, accounts, renderer } = deps
  const router = Router({ mergeParams: true })
  const perPage = LIST_PAGE_SIZE[channel]
  const route = (name: PathName) => routeWithinLibrary(channel, name)
  const requireLogin = loginRequired(accounts)
  const post = [...postChain, requireLogin]

  router.get(route('favourites'), personal, requireLogin, async (req, res) => {
    const { libraryId, patronId } = listOwner(res)
    const page = pageParam(req, res, 'favourites')
    const list = await lists.favourites(libraryId, patronId, page, perPage)
    if (!list) throw noSuchPage(req, res, 'favourites')
    renderPage(renderer, res, 'favourites', {
      ...listPageContext(req, res, 'お気に入り一覧', { page }),
      list,
    })
  })

  const addPage = async (
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
        ...listPageContext(req, res, 'お気に入りに入れる', { error: status >= 400 }),
        kind: 'favourite',
        record,
        already: state.favourite,
        ...data,
      },
      status,
    )
  }

  router.get(route('favouriteAdd'), personal, requireLogin, async (req, res) => {
    const record = await loadRecord(lists, res, param(res, 'record'))
    await addPage(req, res, record, { back: resultsPageOf(req, res) })
  })

  router.post(route('favouriteAdd'), ...post, async (req, res) => {
    const { libraryId, settings, patronId } = listOwner(res)
    const record = await loadRecord(lists, res, formField(res, 'record'))
    const outcome = await lists.addFavourite(libraryId, settings, patronId, record.id)
    if (!outcome.ok) {
      await addPage(req, res, record, { message: limitMessage(outcome.reason, settings) }, 409)
      return
    }
    setFlash(
      req,
      outcome.added ? `${quote(record.title)}をお気に入りに入れました。` : ALREADY_FAVOURITE,
    )
    // Added from a result list: back to that list, where the search goes on.
    const results = resultsPath(req, res, formField(res, 'back'))
    if (results) redirectTo(res, results)
    else backFromAdd(req, res, 'favourites')
  })

  router.post(route('favouriteRemove'), ...post, async (req, res) => {
    const { libraryId, patronId } = listOwner(res)
    const record = await loadRecord(lists, res, formField(res, 'record'))
    const removed = await lists.removeFavourite(libraryId, patronId, record.id)
    setFlash(
      req,
      removed
        ? `${quote(record.title)}をお気に入りから削除しました。`
        : 'この資料はお気に入りに入っていません。',
    )
    const first = await lists.favourites(libraryId, patronId, 1, perPage)
    redirectToPage(req, res, 'favourites', {}, { page: postedPage(res, first?.lastPage ?? 1) })
  })

  return router
}
