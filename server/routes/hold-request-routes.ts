// Placing holds on both channels (SPEC.md §4): the request form — from the cart (rules A:
// 「予約する」 → 受け取る順番, 受取場所, ご連絡方法 → 「次に進む」) or from one title's
// 「予約申込」 (rules B: 予約登録 → 連絡方法 and 受取館 → 「予約」) —, the confirmation (予約確認:
// 「予約する」 / 「送信」) and the completion (予約完了 / 予約受付), listing what was placed and
// what was refused and why. Each item's eligibility is shown before the patron confirms and
// checked again when the holds are written. A second press of the confirmation shows the
// same completion.
import { Router } from 'express'
import type { Request, Response } from 'express'
import type { Clock } from '../clock.ts'
import { fromUtcDateTime, tokyoDay } from '../clock.ts'
import { HttpError } from '../errors.ts'
import { channelOf } from '../middleware/channel.ts'
import { formField } from '../middleware/form-body.ts'
import { libraryOf } from '../middleware/library.ts'
import { param } from '../middleware/query.ts'
import { routeWithinLibrary } from '../paths.ts'
import type { Channel, PathName } from '../paths.ts'
import {
  CONTACT_LABELS,
  formalNotice,
  holdRefusalMessage,
  holdSteps,
} from '../render/hold-words.ts'
import type { Renderer } from '../render/views.ts'
import type { AccountService } from '../services/account-service.ts'
import type { HoldChoice, HoldItem, HoldService, ItemCheck } from '../services/hold-service.ts'
import { REQUEST_KEY, newRequestKey } from '../services/hold-service.ts'
import {
  formPageContext,
  loginRequired,
  pathFor,
  patronOf,
  personal,
  postChain,
  redirectToPage,
  renderPage,
} from '../web.ts'
import {
  CONTACTS,
  contactOf,
  holdItemOf,
  itemsField,
  itemsFromField,
  pickupBranches,
  sameItem,
} from './hold-pages.ts'

/** How long a chosen request waits for its confirmation. */
const DRAFT_MINUTES = 30

export interface HoldRequestDeps {
  holds: HoldService
  accounts: AccountService
  renderer: Renderer
  clock: Clock
}

export function holdRequestRoutes(deps: HoldRequestDeps, channel: Channel): Router {
  const { holds, accounts, renderer, clock } = deps
  const router = Router({ mergeParams: true })
  const route = (name: PathName) => routeWithinLibrary(channel, name)
  const requireLogin = loginRequired(accounts)

  const withRefusals = (checks: ItemCheck[]) =>
    checks.map((c) => ({ ...c, refusal: c.check.ok ? '' : holdRefusalMessage(c.check) }))

  /** The request form: the items, each holdable one with its choices. */
  const requestPage = async (
    req: Request,
    res: Response,
    items: HoldItem[],
    data: {
      from: string
      choices?: Record<string, string>
      errors?: Record<string, string>
      message?: string
    },
    status = 200,
  ) => {
    const lib = libraryOf(res)
    const patron = patronOf(res)
    const checks = withRefusals(await holds.preview(lib, patron.id, items))
    const holdable = checks.filter((c) => c.check.ok).length
    const steps = holdSteps(lib.settings)
    renderPage(
      renderer,
      res,
      'hold-request',
      {
        ...formPageContext(req, res, steps.request, { error: status >= 400 }),
        steps,
        items: checks,
        itemsField: itemsField(items),
        from: data.from,
        holdable,
        offerSet: lib.settings.setHoldsEnabled && holdable >= 2,
        pickups: pickupBranches(res),
        contacts: CONTACTS,
        hasEmail: Boolean(patron.email),
        defaultContact: patron.email ? 'email' : 'none',
        choices: data.choices ?? {},
        errors: data.errors ?? {},
        message: data.message ?? '',
      },
      status,
    )
  }

  router.get(route('holdRequest'), personal, requireLogin, async (req, res) => {
    const lib = libraryOf(res)
    if (param(res, 'cart') === '1') {
      const cart = req.session?.cart
      const items = cart && cart.libraryId === lib.library.id ? cart.items : []
      if (items.length === 0) {
        redirectToPage(req, res, lib.settings.holdFlow === 'cart' ? 'cart' : 'top')
        return
      }
      await requestPage(req, res, items, { from: 'cart' })
      return
    }
    const item = holdItemOf(param(res, 'record'), param(res, 'copy'))
    if (!item || (await holds.describe(lib, [item])).length === 0) {
      throw new HttpError(
        404,
        'この資料は見つかりませんでした。資料をさがすからもう一度お選びください。',
      )
    }
    await requestPage(req, res, [item], { from: 'record' })
  })

  router.post(route('holdRequest'), ...postChain, requireLogin, async (req, res) => {
    const lib = libraryOf(res)
    const patron = patronOf(res)
    const from = formField(res, 'from') === 'cart' ? 'cart' : 'record'
    const items = itemsFromField(formField(res, 'items') ?? '', lib.settings.maxCartItems)
    if (items.length === 0) throw new HttpError(400, '予約する資料が選ばれていません。')
    const posted: Record<string, string> = {}
    const read = (name: string) => {
      const value = formField(res, name) ?? ''
      posted[name] = value
      return value
    }
    const errors: Record<string, string> = {}
    // PC asks per item (pickup-0, contact-0 …); keitai once for all (pickup, contact).
    const choiceFor = (i: number): { pickupBranchId: number; contact: HoldChoice['contact'] } => {
      const pickupName = channel === 'pc' ? `pickup-${i}` : 'pickup'
      const contactName = channel === 'pc' ? `contact-${i}` : 'contact'
      const pickup = Number(read(pickupName))
      if (!pickupBranches(res).some((b) => b.id === pickup)) {
        errors[pickupName] = '受取館を選んでください。'
      }
      const contact = contactOf(read(contactName))
      if (!contact) errors[contactName] = 'ご連絡方法を選んでください。'
      else if (contact === 'email' && !patron.email) {
        errors[contactName] = 'E-mailで連絡を受けるには、メールアドレスの登録が必要です。'
      }
      return { pickupBranchId: pickup, contact: contact ?? 'none' }
    }
    const checks = await holds.preview(lib, patron.id, items)
    const chosen = checks.flatMap((c, i) => {
      const item = items[i]
      return c.check.ok && item ? [{ i, item }] : []
    })
    if (chosen.length === 0) {
      await requestPage(req, res, items, { from, message: 'いま予約できる資料がありません。' }, 409)
      return
    }
    let choices = chosen.map(({ i, item }): HoldChoice => ({ ...item, ...choiceFor(i) }))
    const asSet = lib.settings.setHoldsEnabled && chosen.length >= 2 && read('asSet') === '1'
    if (asSet && channel === 'pc') {
      const orders = chosen.map(({ i }) => Number(read(`order-${i}`)))
      const expected = chosen.map((_, n) => n + 1)
      if ([...orders].sort((a, b) => a - b).join() !== expected.join()) {
        errors[`order-${chosen[0]?.i ?? 0}`] =
          '受け取る順番は、1から順に重ならないように選んでください。'
      } else {
        choices = choices
          .map((c, n) => ({ c, order: orders[n] ?? 0 }))
          .sort((a, b) => a.order - b.order)
          .map(({ c }) => c)
      }
    }
    if (Object.keys(errors).length) {
      await requestPage(req, res, items, { from, choices: posted, errors }, 400)
      return
    }
    req.session.holdDraft = {
      libraryId: lib.library.id,
      key: newRequestKey(),
      items: choices,
      asSet,
      fromCart: from === 'cart',
      at: clock.now().getTime(),
    }
    redirectToPage(req, res, 'holdConfirm')
  })

  const draftOf = (req: Request, res: Response) => {
    const d = req.session?.holdDraft
    const fresh = d && clock.now().getTime() - d.at < DRAFT_MINUTES * 60_000
    return d && fresh && d.libraryId === libraryOf(res).library.id ? d : null
  }

  router.get(route('holdConfirm'), personal, requireLogin, async (req, res) => {
    const draft = draftOf(req, res)
    if (!draft) {
      redirectToPage(req, res, 'holds')
      return
    }
    const lib = libraryOf(res)
    const checks = withRefusals(await holds.preview(lib, patronOf(res).id, draft.items))
    const steps = holdSteps(lib.settings)
    renderPage(renderer, res, 'hold-confirm', {
      ...formPageContext(req, res, steps.confirm),
      steps,
      key: draft.key,
      asSet: draft.asSet,
      items: checks.map((c, i) => {
        const choice = draft.items[i]
        return {
          ...c,
          pickup: lib.branches.find((b) => b.id === choice?.pickupBranchId)?.name ?? '',
          contact: CONTACT_LABELS[choice?.contact ?? 'none'],
        }
      }),
      holdable: checks.filter((c) => c.check.ok).length,
    })
  })

  router.post(route('holdConfirm'), ...postChain, requireLogin, async (req, res) => {
    const lib = libraryOf(res)
    const patron = patronOf(res)
    const key = formField(res, 'key') ?? ''
    const draft = draftOf(req, res)
    if (!draft || draft.key !== key) {
      // A second press after the first finished, or a confirmation page left open too long.
      if (REQUEST_KEY.test(key) && (await holds.placed(lib, patron.id, key))) {
        redirectToPage(req, res, 'holdDone', { key })
        return
      }
      throw new HttpError(
        400,
        'この確認画面は古くなっています。お手数ですが、もう一度予約してください。',
        [{ href: pathFor(req, res, 'holds'), text: `${lib.settings.words.holdsList}へ` }],
      )
    }
    const outcome = await holds.place(lib, patron.id, {
      key: draft.key,
      items: draft.items,
      asSet: draft.asSet,
    })
    if (!outcome.ok) throw new HttpError(400, '予約する資料が選ばれていません。')
    delete req.session.holdDraft
    const cart = req.session.cart
    if (draft.fromCart && cart && cart.libraryId === lib.library.id) {
      const placed = outcome.result.placed
      cart.items = cart.items.filter((i) => !placed.some((p) => sameItem(p, i)))
    }
    redirectToPage(req, res, 'holdDone', { key: draft.key })
  })

  router.get(route('holdDone'), personal, requireLogin, async (req, res) => {
    const lib = libraryOf(res)
    const result = await holds.placed(lib, patronOf(res).id, String(req.params.key ?? ''))
    if (!result) throw new HttpError(404, 'この予約の記録は見つかりませんでした。')
    const steps = holdSteps(lib.settings)
    const branchName = (id: number) => lib.branches.find((b) => b.id === id)?.name ?? ''
    renderPage(renderer, res, 'hold-done', {
      ...formPageContext(req, res, steps.done),
      steps,
      setId: result.setId,
      placed: result.placed.map((p) => ({
        ...p,
        pickup: branchName(p.pickupBranchId),
        contact: CONTACT_LABELS[p.contact],
        formal:
          p.status === 'requested'
            ? formalNotice(
                channelOf(res),
                tokyoDay(fromUtcDateTime(p.formalAt)),
                lib.settings.webHoldsFormalTime,
              )
            : '',
      })),
      refused: result.refused.map((r) => ({ ...r, message: holdRefusalMessage(r.refusal) })),
    })
  })

  return router
}
