// 予約カート (rules A, SPEC.md §4): 「カートに入れる」 on the result list and the detail page
// puts a title (or a magazine issue) in the cart — before login too; the cart survives the
// login — and 「予約する」 takes the cart to the hold request. The cart is not a hold, and the
// page says so. A visitor reaches the add step by a link (no session is started for viewing
// a record); adding is a POST with a CSRF token, answered by a redirect and a notice.
import { Router } from 'express'
import type { Request, Response } from 'express'
import { HttpError } from '../errors.ts'
import { formField, formOf } from '../middleware/form-body.ts'
import { libraryOf } from '../middleware/library.ts'
import { param } from '../middleware/query.ts'
import { routeWithinLibrary } from '../paths.ts'
import type { Channel, PathName } from '../paths.ts'
import { holdRefusalMessage } from '../render/hold-words.ts'
import type { Renderer } from '../render/views.ts'
import type { HoldItem, HoldService } from '../services/hold-service.ts'
import {
  currentPatronId,
  formPageContext,
  personal,
  postChain,
  redirectToPage,
  renderPage,
  setFlash,
  takeFlash,
} from '../web.ts'
import { holdItemOf, itemsField, itemsFromField, quoteTitle, sameItem } from './hold-pages.ts'

export function cartRoutes(
  deps: { holds: HoldService; renderer: Renderer },
  channel: Channel,
): Router {
  const { holds, renderer } = deps
  const router = Router({ mergeParams: true })
  const route = (name: PathName) => routeWithinLibrary(channel, name)

  const cartOf = (req: Request, res: Response): HoldItem[] => {
    const cart = req.session?.cart
    return cart && cart.libraryId === libraryOf(res).library.id ? cart.items : []
  }

  /** Only libraries whose holds go through a cart have one. */
  const cartLibrary = (res: Response) => {
    if (libraryOf(res).settings.holdFlow !== 'cart') {
      throw new HttpError(404, 'この図書館では、資料の詳細画面の「予約申込」から予約します。')
    }
  }

  router.get(route('cart'), personal, async (req, res) => {
    cartLibrary(res)
    const lib = libraryOf(res)
    const items = await holds.describe(lib, cartOf(req, res))
    renderPage(renderer, res, 'cart', {
      ...formPageContext(req, res, '予約カート'),
      notice: takeFlash(req),
      items: items.map((i) => ({
        ...i,
        field: itemsField([i]),
        refusal: i.check.ok ? '' : holdRefusalMessage(i.check),
      })),
      holdable: items.filter((i) => i.check.ok).length,
      loggedIn: currentPatronId(req, res) !== null,
    })
  })

  router.get(route('cartAdd'), personal, async (req, res) => {
    cartLibrary(res)
    const item = holdItemOf(param(res, 'record'), param(res, 'copy'))
    const [found] = item ? await holds.describe(libraryOf(res), [item]) : []
    if (!found) throw new HttpError(404, 'この資料は見つかりませんでした。')
    renderPage(renderer, res, 'cart-add', {
      ...formPageContext(req, res, '予約カートに入れる'),
      item: found,
      refusal: found.check.ok ? '' : holdRefusalMessage(found.check),
      already: cartOf(req, res).some((i) => sameItem(i, found)),
    })
  })

  router.post(route('cartAdd'), ...postChain, async (req, res) => {
    cartLibrary(res)
    const lib = libraryOf(res)
    const item = holdItemOf(formField(res, 'record'), formField(res, 'copy'))
    const [found] = item ? await holds.describe(lib, [item]) : []
    if (!item || !found) throw new HttpError(404, 'この資料は見つかりませんでした。')
    const items = cartOf(req, res)
    if (!found.check.ok) {
      setFlash(
        req,
        `${quoteTitle(found)}は予約カートに入れられません。${holdRefusalMessage(found.check)}`,
      )
    } else if (items.some((i) => sameItem(i, item))) {
      setFlash(req, `${quoteTitle(found)}はすでに予約カートに入っています。`)
    } else if (items.length >= lib.settings.maxCartItems) {
      setFlash(
        req,
        `予約カートに入れられるのは${lib.settings.maxCartItems}件までです。予約するか削除してから入れてください。`,
      )
    } else {
      req.session.cart = { libraryId: lib.library.id, items: [...items, item] }
      setFlash(req, `${quoteTitle(found)}を予約カートに入れました。まだ予約は完了していません。`)
    }
    if (formField(res, 'from') === 'record')
      redirectToPage(req, res, 'record', { id: item.recordId })
    else redirectToPage(req, res, 'cart')
  })

  // One title (record, copy) from a PC row's button, or the ticked titles (item=12:301 …) of
  // the keitai page's one form.
  router.post(route('cartRemove'), ...postChain, async (req, res) => {
    cartLibrary(res)
    const lib = libraryOf(res)
    const ticked = itemsFromField((formOf(res).item ?? []).join(','), lib.settings.maxCartItems)
    const one = holdItemOf(formField(res, 'record'), formField(res, 'copy'))
    const removing = one ? [one] : ticked
    const items = cartOf(req, res)
    const kept = items.filter((i) => !removing.some((r) => sameItem(i, r)))
    if (kept.length < items.length) {
      req.session.cart = { libraryId: lib.library.id, items: kept }
      const [found] = removing.length === 1 ? await holds.describe(lib, removing) : []
      setFlash(
        req,
        found
          ? `${quoteTitle(found)}を予約カートから削除しました。`
          : `${items.length - kept.length}件を予約カートから削除しました。`,
      )
    }
    redirectToPage(req, res, 'cart')
  })

  return router
}
