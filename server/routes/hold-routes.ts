// The patron's holds on both channels (SPEC.md §4): 予約中一覧 / 予約状況一覧 with each hold's
// state (依頼中, N位 with an estimated wait, 受取り可 with the pickup branch and deadline),
// 変更 of the pickup branch and contact method, 取消 (by telephone once a copy is secured), and
// for set holds 「順番を指定する」 and 「解除」. Every change has a confirmation step and a
// completion page; the completion is kept in the session for one page (PRG).
import { Router } from 'express'
import type { Request, Response } from 'express'
import { HttpError } from '../errors.ts'
import { formField } from '../middleware/form-body.ts'
import { libraryOf } from '../middleware/library.ts'
import { param } from '../middleware/query.ts'
import { routeWithinLibrary } from '../paths.ts'
import type { Channel, PathName } from '../paths.ts'
import { CONTACT_LABELS, holdStatusLabel } from '../render/hold-words.ts'
import { dateFor } from '../render/words.ts'
import type { Renderer } from '../render/views.ts'
import type { AccountService } from '../services/account-service.ts'
import { parsePage, parseRecordId } from './search-params.ts'
import type { OpeningCalendarService } from '../services/opening-calendar-service.ts'
import type { HoldService, HoldView } from '../services/hold-service.ts'
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
import { CONTACTS, contactOf, pickupBranches, quoteTitle } from './hold-pages.ts'

/** Holds on one page of the list (keitai pages it; every patron has at most holdLimit). */
const HOLDS_PER_PAGE: Record<Channel, number> = { pc: 100, keitai: 5 }

const NOT_FOUND = 'この予約は見つかりませんでした。'

export function holdRoutes(
  deps: {
    holds: HoldService
    accounts: AccountService
    renderer: Renderer
    openingCalendar: OpeningCalendarService
  },
  channel: Channel,
): Router {
  const { holds, accounts, renderer, openingCalendar } = deps
  const router = Router({ mergeParams: true })
  const route = (name: PathName) => routeWithinLibrary(channel, name)
  const requireLogin = loginRequired(accounts)
  const post = [...postChain, requireLogin]

  /** One hold of the logged-in patron, as the list shows it, or a 404. */
  const holdOf = async (req: Request, res: Response): Promise<HoldView> => {
    const id = parseRecordId(String(req.params.id ?? ''))
    const hold =
      id === null
        ? undefined
        : (await holds.list(libraryOf(res), patronOf(res).id)).find((h) => h.id === id)
    if (!hold) {
      throw new HttpError(404, NOT_FOUND, [
        { href: pathFor(req, res, 'holds'), text: `${libraryOf(res).settings.words.holdsList}へ` },
      ])
    }
    return hold
  }

  /** What the list and the change pages show of a hold. */
  const shown = (res: Response, h: HoldView) => ({
    ...h,
    label: holdStatusLabel(h),
    contactLabel: CONTACT_LABELS[h.contact_method],
    deadline: dateFor(channel, h.pickup_deadline),
    titleText: h.issue_label ? `${h.title} ${h.issue_label}` : h.title,
    phone: libraryOf(res).library.phone,
  })

  const done = (
    req: Request,
    res: Response,
    kind: NonNullable<Request['session']['holdUpdated']>['kind'],
    title: string,
  ) => {
    req.session.holdUpdated = { libraryId: libraryOf(res).library.id, kind, title }
    redirectToPage(req, res, 'holdUpdated')
  }

  // --- the list --------------------------------------------------------------------------------

  router.get(route('holds'), personal, requireLogin, async (req, res) => {
    const lib = libraryOf(res)
    const all = await holds.list(lib, patronOf(res).id)
    const perPage = HOLDS_PER_PAGE[channel]
    const page = parsePage(param(res, 'page'))
    const lastPage = Math.max(1, Math.ceil(all.length / perPage))
    if (page === null || page > lastPage) throw new HttpError(404, 'このページはありません。')
    const list = all.slice((page - 1) * perPage, page * perPage)
    const ready = all.filter((h) => h.status === 'ready')
    const pickupBranches = new Set(ready.map((h) => h.pickup_branch_id))
    const sets = new Map<number, HoldView[]>()
    for (const h of all)
      if (h.set_id !== null) sets.set(h.set_id, [...(sets.get(h.set_id) ?? []), h])
    renderPage(renderer, res, 'holds', {
      ...formPageContext(req, res, lib.settings.words.holdsList, { page }),
      holds: list.map((h) => shown(res, h)),
      total: all.length,
      limit: lib.settings.holdLimit,
      page,
      lastPage,
      setIds: [...sets.keys()],
      readyCount: ready.length,
      // Beside the 受取期限: whether the pickup branch is open today (its own days count),
      // else its next opening day; the library's when ready holds wait at several branches.
      openingToday: await openingCalendar.today(
        lib,
        pickupBranches.size === 1 ? ([...pickupBranches][0] ?? null) : null,
      ),
      openingHours: lib.settings.openingHours,
    })
  })

  // --- 変更: pickup branch and contact method -----------------------------------------------------

  const changePage = async (
    req: Request,
    res: Response,
    hold: HoldView,
    data: {
      pickup?: number
      contact?: string
      confirming?: boolean
      errors?: Record<string, string>
    },
    status = 200,
  ) => {
    const patron = patronOf(res)
    renderPage(
      renderer,
      res,
      'hold-change',
      {
        ...formPageContext(req, res, data.confirming ? '予約内容の変更の確認' : '予約内容の変更', {
          error: status >= 400,
        }),
        hold: shown(res, hold),
        pickups: pickupBranches(res),
        contacts: CONTACTS,
        hasEmail: Boolean(patron.email),
        pickup: data.pickup ?? hold.pickup_branch_id,
        contact: data.contact ?? hold.contact_method,
        pickupName:
          libraryOf(res).branches.find((b) => b.id === (data.pickup ?? hold.pickup_branch_id))
            ?.name ?? '',
        contactName: CONTACT_LABELS[contactOf(data.contact) ?? hold.contact_method],
        confirming: Boolean(data.confirming),
        errors: data.errors ?? {},
      },
      status,
    )
  }

  router.get(route('holdChange'), personal, requireLogin, async (req, res) => {
    await changePage(req, res, await holdOf(req, res), {})
  })

  router.post(route('holdChange'), ...post, async (req, res) => {
    const hold = await holdOf(req, res)
    const pickupRaw = formField(res, 'pickup')
    const pickup =
      pickupRaw === undefined || !hold.pickupChangeable ? hold.pickup_branch_id : Number(pickupRaw)
    const contact = contactOf(formField(res, 'contact')) ?? hold.contact_method
    const errors: Record<string, string> = {}
    if (!pickupBranches(res).some((b) => b.id === pickup))
      errors.pickup = '受取館を選んでください。'
    if (contact === 'email' && !patronOf(res).email) {
      errors.contact = 'E-mailで連絡を受けるには、メールアドレスの登録が必要です。'
    }
    if (Object.keys(errors).length) {
      await changePage(req, res, hold, { pickup, contact, errors }, 400)
      return
    }
    if (formField(res, 'confirmed') !== '1') {
      await changePage(req, res, hold, { pickup, contact, confirming: true })
      return
    }
    const outcome = await holds.change(libraryOf(res), patronOf(res).id, hold.id, {
      pickupBranchId: pickup,
      contact,
    })
    if (!outcome.ok) {
      if (outcome.reason === 'not_found' || outcome.reason === 'not_active')
        throw new HttpError(404, NOT_FOUND)
      const message =
        outcome.reason === 'pickup_locked'
          ? '資料の用意が始まったため、受取館は変更できません。'
          : outcome.reason === 'pickup_invalid'
            ? '受取館を選んでください。'
            : 'E-mailで連絡を受けるには、メールアドレスの登録が必要です。'
      await changePage(req, res, hold, { pickup, contact, errors: { pickup: message } }, 409)
      return
    }
    done(
      req,
      res,
      outcome.changed ? 'changed' : 'unchanged',
      quoteTitle({ title: hold.title, issueLabel: hold.issue_label ?? '' }),
    )
  })

  // --- 取消 --------------------------------------------------------------------------------------

  router.get(route('holdCancel'), personal, requireLogin, async (req, res) => {
    const hold = await holdOf(req, res)
    renderPage(
      renderer,
      res,
      'hold-cancel',
      { ...formPageContext(req, res, '予約取消の確認'), hold: shown(res, hold) },
      hold.cancellable ? 200 : 409,
    )
  })

  router.post(route('holdCancel'), ...post, async (req, res) => {
    const lib = libraryOf(res)
    const id = parseRecordId(String(req.params.id ?? ''))
    const outcome = id === null ? null : await holds.cancel(lib, patronOf(res).id, id)
    if (!outcome || (!outcome.ok && outcome.reason !== 'ready')) throw new HttpError(404, NOT_FOUND)
    if (!outcome.ok) {
      const hold = await holdOf(req, res)
      renderPage(
        renderer,
        res,
        'hold-cancel',
        { ...formPageContext(req, res, '予約取消の確認', { error: true }), hold: shown(res, hold) },
        409,
      )
      return
    }
    const titles = await holds.describe(lib, [
      {
        recordId: outcome.hold.record_id,
        ...(outcome.hold.copy_id === null ? {} : { copyId: outcome.hold.copy_id }),
      },
    ])
    done(req, res, 'cancelled', titles[0] ? quoteTitle(titles[0]) : '')
  })

  // --- セット予約: 順番を指定する and 解除 --------------------------------------------------------

  const setOf = async (req: Request, res: Response) => {
    const id = parseRecordId(String(req.params.id ?? ''))
    const all = await holds.list(libraryOf(res), patronOf(res).id)
    const members = all
      .filter((h) => h.set_id !== null && h.set_id === id)
      .sort((a, b) => (a.set_order ?? 0) - (b.set_order ?? 0))
    const setId = members[0]?.set_id
    if (!setId) throw new HttpError(404, 'このセット予約は見つかりませんでした。')
    return { id: setId, members }
  }
  const movable = (h: HoldView) => h.status === 'requested' || h.status === 'waiting'

  const setPage = (
    req: Request,
    res: Response,
    set: { id: number; members: HoldView[] },
    data: { order?: number[]; confirming?: boolean; errors?: Record<string, string> },
    status = 200,
  ) => {
    const order = data.order ?? set.members.filter(movable).map((m) => m.id)
    renderPage(
      renderer,
      res,
      'hold-set',
      {
        ...formPageContext(
          req,
          res,
          data.confirming ? '受け取る順番の確認' : '受け取る順番を指定する',
          {
            error: status >= 400,
          },
        ),
        setId: set.id,
        fixed: set.members.filter((m) => !movable(m)).map((h) => shown(res, h)),
        movable: order.flatMap((id) =>
          set.members.flatMap((m) => (m.id === id ? [shown(res, m)] : [])),
        ),
        confirming: Boolean(data.confirming),
        errors: data.errors ?? {},
      },
      status,
    )
  }

  router.get(route('holdSet'), personal, requireLogin, async (req, res) => {
    setPage(req, res, await setOf(req, res), {})
  })

  router.post(route('holdSet'), ...post, async (req, res) => {
    const set = await setOf(req, res)
    const members = set.members.filter(movable)
    const ranks = members.map((m) => ({ id: m.id, rank: Number(formField(res, `order-${m.id}`)) }))
    const valid =
      ranks
        .map((r) => r.rank)
        .sort((a, b) => a - b)
        .join() === members.map((_, i) => i + 1).join()
    if (!valid) {
      const first = members[0]?.id ?? 0
      setPage(
        req,
        res,
        set,
        { errors: { [`order-${first}`]: '順番は1から重ならないように選んでください。' } },
        400,
      )
      return
    }
    const order = ranks.sort((a, b) => a.rank - b.rank).map((r) => r.id)
    if (formField(res, 'confirmed') !== '1') {
      setPage(req, res, set, { order, confirming: true })
      return
    }
    const outcome = await holds.reorderSet(libraryOf(res), patronOf(res).id, set.id, order)
    if (!outcome.ok)
      throw new HttpError(
        409,
        '受け取る順番を変えられませんでした。予約状況が変わった可能性があります。もう一度お試しください。',
      )
    done(req, res, 'reordered', '')
  })

  router.get(route('holdSetSplit'), personal, requireLogin, async (req, res) => {
    const set = await setOf(req, res)
    renderPage(renderer, res, 'hold-split', {
      ...formPageContext(req, res, 'セット予約の解除の確認'),
      setId: set.id,
      members: set.members.map((h) => shown(res, h)),
    })
  })

  router.post(route('holdSetSplit'), ...post, async (req, res) => {
    const set = await setOf(req, res)
    const outcome = await holds.splitSet(libraryOf(res), patronOf(res).id, set.id)
    if (!outcome.ok) throw new HttpError(404, 'このセット予約は見つかりませんでした。')
    done(req, res, 'split', '')
  })

  // --- completion --------------------------------------------------------------------------------

  router.get(route('holdUpdated'), personal, requireLogin, (req, res) => {
    const updated = req.session.holdUpdated
    if (!updated || updated.libraryId !== libraryOf(res).library.id) {
      redirectToPage(req, res, 'holds')
      return
    }
    const headings = {
      changed: '予約内容の変更の完了',
      unchanged: '予約内容の変更',
      cancelled: '予約取消の完了',
      reordered: '受け取る順番の変更の完了',
      split: 'セット予約の解除の完了',
    } as const
    renderPage(renderer, res, 'hold-updated', {
      ...formPageContext(req, res, headings[updated.kind]),
      updated,
    })
  })

  return router
}
