// Holds (予約, SPEC.md §4): placing them (one title, a cart, a set), the patron's list with
// queue positions and an estimated wait, changes and cancellation, and the life of a hold
// after it is placed — the morning approval of 依頼中 web holds, trapping a copy that comes
// back or is found on the shelf, a copy's arrival at the pickup branch, collection at the
// counter, and expiry of an uncollected hold, which passes the copy on. Patron pages, jobs and
// the staff API all call these; the rules themselves are in hold-eligibility.ts (who, what,
// how many) and hold-rules.ts (when: formal time, pickup deadline).
//
// Every change runs as one unit of work (HoldRepository.unit: a transaction retried on
// deadlock) that first locks the patron's row and then the titles' rows in id order, so that
// a limit holds and a queue is never read half-changed, whatever runs at the same time.
import { randomBytes } from 'node:crypto'
import type { Clock } from '../clock.ts'
import { today as todayOf, utcDateTime } from '../clock.ts'
import type {
  ContactMethod,
  HoldCopy,
  HoldRepository,
  HoldRow,
  HoldStore,
  HoldTitle,
  PatronHold,
} from '../db/hold-repository.ts'
import type { Branch, HoldChannel, HoldStatus } from '../db/schema.ts'
import { branchCalendarSource } from './calendar-service.ts'
import type { CalendarRepository } from '../db/calendar-repository.ts'
import type { BranchCalendars } from './calendar-service.ts'
import { checkHold, checkItem, estimatedWaitWeeks } from './hold-eligibility.ts'
import type { HoldEligibility } from './hold-eligibility.ts'
import { holdFormalAt, pickupDeadline } from './hold-rules.ts'
import type { LibrarySettings } from './library-settings.ts'

export type { ContactMethod, PatronHold }

/** The library a hold belongs to, as the pages and jobs have it. */
export interface HoldLibrary {
  library: { id: number }
  settings: LibrarySettings
  branches: readonly Pick<Branch, 'id' | 'is_pickup'>[]
}

/** A title (or one magazine issue) a patron asks to hold. */
export interface HoldItem {
  recordId: number
  copyId?: number
}

export interface HoldChoice extends HoldItem {
  pickupBranchId: number
  contact: ContactMethod
}

/** Why one item of a request cannot be held. */
export type ItemRefusal =
  | Exclude<HoldEligibility, { ok: true }>
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'pickup_invalid' }
  | { ok: false; reason: 'email_not_registered' }

export interface ItemCheck extends HoldItem {
  title: string
  issueLabel: string
  check: { ok: true } | ItemRefusal
}

export interface PlacedHold extends HoldItem {
  holdId: number
  title: string
  issueLabel: string
  status: 'requested' | 'waiting'
  /** When it becomes (or became) formal, UTC DATETIME. */
  formalAt: string
  pickupBranchId: number
  contact: ContactMethod
}

export interface RefusedHold extends HoldItem {
  title: string
  issueLabel: string
  refusal: ItemRefusal
}

/** What one confirmation did; kept, so that pressing its button again shows the same. */
export interface PlaceResult {
  key: string
  placed: PlacedHold[]
  refused: RefusedHold[]
  /** The set the placed holds make (セット予約), or null. */
  setId: number | null
  /** UTC DATETIME of the placement. */
  at: string
}

export type PlaceOutcome =
  | { ok: true; result: PlaceResult; repeated: boolean }
  | { ok: false; reason: 'patron_not_found' | 'empty' }

/** A hold as the patron's list shows it, with what may be done with it. */
export interface HoldView extends PatronHold {
  /** 「約N週間」 while waiting (an estimate), or null. */
  waitWeeks: number | null
  cancellable: boolean
  /** The pickup branch can still be changed (not once a copy is on its way or ready). */
  pickupChangeable: boolean
}

export type ChangeOutcome =
  | { ok: true; hold: HoldRow; changed: boolean }
  | { ok: false; reason: 'not_found' | 'not_active' | 'pickup_locked' }
  | { ok: false; reason: 'pickup_invalid' | 'email_not_registered' }

export type CancelOutcome =
  | { ok: true; hold: HoldRow; alreadyCancelled: boolean }
  | { ok: false; reason: 'not_found' | 'not_active' }
  /** 受取り可 (or on its way): the library must be called (SPEC.md §3.2, §4). */
  | { ok: false; reason: 'ready'; pickupBranchId: number }

export type SetOutcome =
  | { ok: true; members: HoldRow[] }
  | { ok: false; reason: 'not_found' | 'bad_order' | 'not_enabled' }

/** What to do with a copy at the counter (staff API) or that a job found on the shelf. */
export type CopyDestination =
  | { action: 'shelve' }
  | { action: 'hold_shelf'; holdId: number; patronId: number; pickupBranchId: number }
  | { action: 'send'; holdId: number; patronId: number; toBranchId: number }

export type CollectOutcome =
  { ok: true; holdId: number | null } | { ok: false; reason: 'trapped_for_other'; holdId: number }

/** Holds that no longer take part in a set's receiving order. */
/** What describe reads of a copy: enough for the eligibility rule and the issue's label. */
type DescribedCopy = Pick<
  HoldCopy,
  'id' | 'record_id' | 'status' | 'issue_label' | 'issue_date'
> & {
  reference_only: boolean | number
}

const DONE: readonly HoldStatus[] = ['collected', 'cancelled', 'expired']

/** A fresh confirmation key: 128 random bits, base64url (22 characters). */
export function newRequestKey(): string {
  return randomBytes(16).toString('base64url')
}

export const REQUEST_KEY = /^[A-Za-z0-9_-]{22}$/

const itemKey = (i: HoldItem) => `${i.recordId}:${i.copyId ?? ''}`

export function holdService(deps: {
  holds: HoldRepository
  calendars: CalendarRepository
  clock: Clock
}) {
  const { holds, clock } = deps
  const calendarFor = branchCalendarSource(deps.calendars)

  /**
   * Checks items in order against the rules, as one request: an item counts against the limit
   * once an earlier one was accepted. Reads through `store` (locked rows inside a unit).
   */
  async function checkItems(
    store: HoldStore,
    lib: HoldLibrary,
    patronId: number,
    items: readonly (HoldItem & Partial<Pick<HoldChoice, 'pickupBranchId' | 'contact'>>)[],
    channel: HoldChannel,
    titles: readonly HoldTitle[],
  ): Promise<{ checks: ItemCheck[]; patronFound: boolean }> {
    const libraryId = lib.library.id
    const patron = await store.patron(libraryId, patronId)
    if (!patron) return { checks: [], patronFound: false }
    const recordIds = [...new Set(items.map((i) => i.recordId))]
    const [copies, active, held, borrowed] = await Promise.all([
      store.copies(libraryId, recordIds),
      store.activeHoldCount(libraryId, patronId),
      store.heldBy(libraryId, patronId, recordIds),
      store.borrowedBy(libraryId, patronId, recordIds),
    ])
    const day = todayOf(clock)
    let accepted = 0
    const seen = new Set<string>()
    const checks = items.map((item): ItemCheck => {
      const title = titles.find((t) => t.id === item.recordId)
      const own = copies.filter((c) => c.record_id === item.recordId)
      const issue = item.copyId === undefined ? undefined : own.find((c) => c.id === item.copyId)
      const base = {
        recordId: item.recordId,
        ...(item.copyId === undefined ? {} : { copyId: item.copyId }),
        title: title?.title ?? '',
        issueLabel: issue?.issue_label ?? '',
      }
      if (!title) return { ...base, check: { ok: false, reason: 'not_found' } }
      const forIssue = (x: { copy_id: number | null }) =>
        item.copyId === undefined || x.copy_id === null || x.copy_id === item.copyId
      const check = checkHold(lib.settings, day, {
        patron,
        record: title,
        copies: own,
        copyId: item.copyId,
        activeHolds: active,
        alsoPlacing: accepted,
        holdsThis:
          seen.has(itemKey(item)) || held.some((h) => h.record_id === item.recordId && forIssue(h)),
        borrowsThis: borrowed.some((b) => b.record_id === item.recordId && forIssue(b)),
        channel,
      })
      if (!check.ok) return { ...base, check }
      if (item.pickupBranchId !== undefined) {
        const branch = lib.branches.find((b) => b.id === item.pickupBranchId)
        if (!branch || !Number(branch.is_pickup)) {
          return { ...base, check: { ok: false, reason: 'pickup_invalid' } }
        }
      }
      if (item.contact === 'email' && !patron.email) {
        return { ...base, check: { ok: false, reason: 'email_not_registered' } }
      }
      accepted++
      seen.add(itemKey(item))
      return { ...base, check }
    })
    return { checks, patronFound: true }
  }

  /**
   * The first formal hold in the copy's queue that may take it — for a set hold only once the
   * earlier members are done — made ready at `atBranchId` or sent there; else the copy is
   * shelved. The caller holds the title's lock.
   */
  async function assignCopy(
    store: HoldStore,
    lib: HoldLibrary,
    calendars: BranchCalendars,
    copy: HoldCopy,
    atBranchId: number,
  ): Promise<CopyDestination> {
    const libraryId = lib.library.id
    const now = utcDateTime(clock.now())
    if (Number(copy.reference_only) || copy.status === 'missing') return { action: 'shelve' }
    for (const hold of await store.queueFor(libraryId, copy.record_id, copy.id)) {
      if (hold.set_id !== null && hold.set_order !== null) {
        const members = await store.setMembers(libraryId, hold.set_id)
        const order = hold.set_order
        const earlier = members.filter((m) => m.set_order !== null && m.set_order < order)
        if (earlier.some((m) => !DONE.includes(m.status))) continue
      }
      if (atBranchId === hold.pickup_branch_id) {
        await makeReady(store, lib, calendars, hold, copy.id, now)
        return {
          action: 'hold_shelf',
          holdId: hold.id,
          patronId: hold.patron_id,
          pickupBranchId: hold.pickup_branch_id,
        }
      }
      await store.updateHold(
        libraryId,
        hold.id,
        { status: 'in_transit', trapped_copy_id: copy.id },
        now,
      )
      await store.setCopyStatus(libraryId, copy.id, 'in_transit')
      return {
        action: 'send',
        holdId: hold.id,
        patronId: hold.patron_id,
        toBranchId: hold.pickup_branch_id,
      }
    }
    await store.setCopyStatus(libraryId, copy.id, 'available')
    return { action: 'shelve' }
  }

  /** 受取り可: the copy on the hold shelf, the deadline set, the notice queued. */
  async function makeReady(
    store: HoldStore,
    lib: HoldLibrary,
    calendars: BranchCalendars,
    hold: HoldRow,
    copyId: number,
    now: string,
  ): Promise<void> {
    const day = todayOf(clock)
    // The deadline counts the pickup branch's opening days (its own closures included).
    const calendar = calendars.branch(hold.pickup_branch_id)
    const deadline = pickupDeadline(lib.settings, calendar, { securedOn: day, noticeOn: day })
    await store.updateHold(
      lib.library.id,
      hold.id,
      {
        status: 'ready',
        trapped_copy_id: copyId,
        trapped_at: now,
        pickup_deadline: deadline,
      },
      now,
    )
    await store.setCopyStatus(lib.library.id, copyId, 'on_hold_shelf')
    if (hold.contact_method === 'email') {
      await store.insertNotice(lib.library.id, hold.patron_id, hold.id, 'ready', now)
    }
  }

  /** A copy freed from a hold (cancelled, expired) goes to the next hold, or to the shelf. */
  async function passOn(
    store: HoldStore,
    lib: HoldLibrary,
    calendars: BranchCalendars,
    copyId: number,
    atBranchId: number,
  ): Promise<CopyDestination> {
    const copy = await store.copy(lib.library.id, copyId)
    if (!copy) return { action: 'shelve' }
    return assignCopy(store, lib, calendars, copy, atBranchId)
  }

  /** The titles (and issues) of items with whether they could be held at all. */
  function describeItems(
    lib: HoldLibrary,
    items: readonly HoldItem[],
    titles: readonly HoldTitle[],
    copies: readonly DescribedCopy[],
  ): ItemCheck[] {
    return items.flatMap((item) => {
      const title = titles.find((t) => t.id === item.recordId)
      if (!title) return []
      const own = copies.filter((c) => c.record_id === item.recordId)
      const issue = item.copyId === undefined ? undefined : own.find((c) => c.id === item.copyId)
      if (item.copyId !== undefined && !issue) return []
      return [
        {
          recordId: item.recordId,
          ...(item.copyId === undefined ? {} : { copyId: item.copyId }),
          title: title.title,
          issueLabel: issue?.issue_label ?? '',
          check: checkItem(lib.settings, title, own, item.copyId),
        },
      ]
    })
  }

  const calendarToday = (lib: HoldLibrary) =>
    calendarFor(lib.library.id, lib.settings, todayOf(clock))

  return {
    /**
     * The titles (and issues) of items with whether they could be held at all, whoever asks
     * (the cart and the detail page before login); unknown items are left out.
     */
    async describe(lib: HoldLibrary, items: readonly HoldItem[]): Promise<ItemCheck[]> {
      const recordIds = [...new Set(items.map((i) => i.recordId))]
      const [titles, copies] = await Promise.all([
        holds.titles(lib.library.id, recordIds),
        holds.copies(lib.library.id, recordIds),
      ])
      return describeItems(lib, items, titles, copies)
    },

    /**
     * describe for one record whose row and copies the caller has already read (the detail
     * page), so that its hold button costs no query of its own.
     */
    describeLoaded(
      lib: HoldLibrary,
      record: HoldTitle,
      copies: readonly Omit<DescribedCopy, 'record_id'>[],
      items: readonly HoldItem[],
    ): ItemCheck[] {
      const own = copies.map((c) => ({ ...c, record_id: record.id }))
      return describeItems(lib, items, [record], own)
    },

    /** Whether each item could be held now, before the patron confirms (no locks taken). */
    async preview(
      lib: HoldLibrary,
      patronId: number,
      items: readonly (HoldItem & Partial<Pick<HoldChoice, 'pickupBranchId' | 'contact'>>)[],
      channel: HoldChannel = 'web',
    ): Promise<ItemCheck[]> {
      const titles = await holds.titles(lib.library.id, [...new Set(items.map((i) => i.recordId))])
      return (await checkItems(holds, lib, patronId, items, channel, titles)).checks
    },

    /**
     * Places the holds of one confirmation. The rules are checked again under the locks;
     * what passes is placed (依頼中 until the next opening morning where the rules say so,
     * else formal at once), what does not is listed with its reason. Several placed holds
     * become one set when asked and the library has set holds. The same key again (a second
     * press) answers what the first press did.
     */
    async place(
      lib: HoldLibrary,
      patronId: number,
      request: {
        key: string
        items: readonly HoldChoice[]
        asSet?: boolean
        channel?: HoldChannel
      },
    ): Promise<PlaceOutcome> {
      if (request.items.length === 0) return { ok: false, reason: 'empty' }
      const libraryId = lib.library.id
      const channel = request.channel ?? 'web'
      const calendars = await calendarToday(lib)
      return holds.unit(async (store) => {
        const patron = await store.lockPatron(libraryId, patronId)
        if (!patron) return { ok: false, reason: 'patron_not_found' }
        const earlier = await store.findRequest(libraryId, patronId, request.key)
        if (earlier !== undefined) {
          return { ok: true, result: JSON.parse(earlier) as PlaceResult, repeated: true }
        }
        const recordIds = [...new Set(request.items.map((i) => i.recordId))]
        const titles = await store.lockTitles(libraryId, recordIds)
        const { checks } = await checkItems(store, lib, patronId, request.items, channel, titles)
        const now = clock.now()
        const at = utcDateTime(now)
        const formalAt = holdFormalAt(lib.settings, calendars.library, {
          channel,
          requestedAt: now,
        })
        const status = formalAt.getTime() > now.getTime() ? 'requested' : 'waiting'
        const placed: PlacedHold[] = []
        const refused: RefusedHold[] = []
        for (const [i, item] of request.items.entries()) {
          const checked = checks[i]
          if (!checked) continue
          const { check, ...shown } = checked
          if (!check.ok) {
            refused.push({ ...shown, refusal: check })
            continue
          }
          const holdId = await store.insertHold({
            library_id: libraryId,
            record_id: item.recordId,
            copy_id: item.copyId ?? null,
            patron_id: patronId,
            pickup_branch_id: item.pickupBranchId,
            status,
            channel,
            contact_method: item.contact,
            request_key: request.key,
            requested_at: at,
            formal_at: utcDateTime(formalAt),
          })
          placed.push({
            ...shown,
            holdId,
            status,
            formalAt: utcDateTime(formalAt),
            pickupBranchId: item.pickupBranchId,
            contact: item.contact,
          })
        }
        let setId: number | null = null
        if (request.asSet && lib.settings.setHoldsEnabled && placed.length >= 2) {
          await store.makeSet(
            libraryId,
            placed.map((p) => p.holdId),
            at,
          )
          setId = placed[0]?.holdId ?? null
        }
        const result: PlaceResult = { key: request.key, placed, refused, setId, at }
        await store.saveRequest(libraryId, patronId, request.key, JSON.stringify(result), at)
        return { ok: true, result, repeated: false }
      })
    },

    /** What a confirmation did (the completion page), for this patron only. */
    async placed(lib: HoldLibrary, patronId: number, key: string): Promise<PlaceResult | null> {
      if (!REQUEST_KEY.test(key)) return null
      const json = await holds.findRequest(lib.library.id, patronId, key)
      return json === undefined ? null : (JSON.parse(json) as PlaceResult)
    },

    /** The patron's active holds, oldest request first, with positions and what they allow. */
    async list(lib: HoldLibrary, patronId: number): Promise<HoldView[]> {
      const rows = await holds.patronHolds(lib.library.id, patronId)
      return rows.map((h) => ({
        ...h,
        waitWeeks:
          h.status === 'waiting' && h.position !== null
            ? estimatedWaitWeeks(h.position, h.supplying_copies, lib.settings.loanPeriodDays)
            : null,
        cancellable:
          lib.settings.readyHoldsCancellableOnline || !['in_transit', 'ready'].includes(h.status),
        pickupChangeable: h.status === 'requested' || h.status === 'waiting',
      }))
    },

    /** 変更: the pickup branch (until a copy is on its way) and the contact method. */
    async change(
      lib: HoldLibrary,
      patronId: number,
      holdId: number,
      changes: { pickupBranchId?: number; contact?: ContactMethod },
    ): Promise<ChangeOutcome> {
      const libraryId = lib.library.id
      return holds.unit(async (store) => {
        const patron = await store.lockPatron(libraryId, patronId)
        const hold = patron ? await store.patronHold(libraryId, patronId, holdId) : undefined
        if (!patron || !hold) return { ok: false, reason: 'not_found' }
        if (DONE.includes(hold.status)) return { ok: false, reason: 'not_active' }
        const update: Parameters<HoldStore['updateHold']>[2] = {}
        if (
          changes.pickupBranchId !== undefined &&
          changes.pickupBranchId !== hold.pickup_branch_id
        ) {
          if (hold.status !== 'requested' && hold.status !== 'waiting') {
            return { ok: false, reason: 'pickup_locked' }
          }
          const branch = lib.branches.find((b) => b.id === changes.pickupBranchId)
          if (!branch || !Number(branch.is_pickup)) return { ok: false, reason: 'pickup_invalid' }
          update.pickup_branch_id = changes.pickupBranchId
        }
        if (changes.contact !== undefined && changes.contact !== hold.contact_method) {
          if (changes.contact === 'email' && !patron.email) {
            return { ok: false, reason: 'email_not_registered' }
          }
          update.contact_method = changes.contact
        }
        if (Object.keys(update).length === 0) return { ok: true, hold, changed: false }
        await store.updateHold(libraryId, hold.id, update, utcDateTime(clock.now()))
        return { ok: true, hold: { ...hold, ...update }, changed: true }
      })
    },

    /**
     * 取消. A hold with a copy on its way or on the hold shelf is cancelled by telephone, where
     * the rules say so; a second cancel of the same hold is harmless.
     */
    async cancel(lib: HoldLibrary, patronId: number, holdId: number): Promise<CancelOutcome> {
      const libraryId = lib.library.id
      const calendars = await calendarToday(lib)
      return holds.unit(async (store) => {
        const patron = await store.lockPatron(libraryId, patronId)
        // Locks in the order every unit takes them: patron, title, then the hold itself.
        const peek = patron ? await store.patronHold(libraryId, patronId, holdId, false) : undefined
        if (!patron || !peek) return { ok: false, reason: 'not_found' }
        await store.lockTitles(libraryId, [peek.record_id])
        const hold = await store.patronHold(libraryId, patronId, holdId)
        if (!hold) return { ok: false, reason: 'not_found' }
        if (hold.status === 'cancelled') return { ok: true, hold, alreadyCancelled: true }
        if (DONE.includes(hold.status)) return { ok: false, reason: 'not_active' }
        const trapped = hold.status === 'in_transit' || hold.status === 'ready'
        if (trapped && !lib.settings.readyHoldsCancellableOnline) {
          return { ok: false, reason: 'ready', pickupBranchId: hold.pickup_branch_id }
        }
        await store.updateHold(
          libraryId,
          hold.id,
          { status: 'cancelled' },
          utcDateTime(clock.now()),
        )
        if (trapped && hold.trapped_copy_id !== null) {
          await passOn(store, lib, calendars, hold.trapped_copy_id, hold.pickup_branch_id)
        }
        return { ok: true, hold: { ...hold, status: 'cancelled' }, alreadyCancelled: false }
      })
    },

    /**
     * 順番を指定する: a new receiving order for the members of a set not yet on their way
     * (those already trapped or done keep their places, first).
     */
    async reorderSet(
      lib: HoldLibrary,
      patronId: number,
      setId: number,
      order: readonly number[],
    ): Promise<SetOutcome> {
      if (!lib.settings.setHoldsEnabled) return { ok: false, reason: 'not_enabled' }
      const libraryId = lib.library.id
      return holds.unit(async (store) => {
        if (!(await store.lockPatron(libraryId, patronId)))
          return { ok: false, reason: 'not_found' }
        const members = await store.setMembers(libraryId, setId)
        if (members.length === 0 || members.some((m) => m.patron_id !== patronId)) {
          return { ok: false, reason: 'not_found' }
        }
        const movable = members.filter((m) => m.status === 'requested' || m.status === 'waiting')
        const fixed = members.filter((m) => !movable.includes(m))
        const wanted = [...order]
        const sameSet =
          wanted.length === movable.length &&
          new Set(wanted).size === wanted.length &&
          wanted.every((id) => movable.some((m) => m.id === id))
        if (!sameSet) return { ok: false, reason: 'bad_order' }
        const now = utcDateTime(clock.now())
        const sequence = [...fixed.map((m) => m.id), ...wanted]
        for (const [i, id] of sequence.entries()) {
          await store.updateHold(libraryId, id, { set_order: i + 1 }, now)
        }
        return { ok: true, members: await store.setMembers(libraryId, setId) }
      })
    },

    /** 解除: the set's holds become independent holds, each keeping its place in its queue. */
    async splitSet(lib: HoldLibrary, patronId: number, setId: number): Promise<SetOutcome> {
      const libraryId = lib.library.id
      return holds.unit(async (store) => {
        if (!(await store.lockPatron(libraryId, patronId)))
          return { ok: false, reason: 'not_found' }
        const members = await store.setMembers(libraryId, setId)
        if (members.length === 0 || members.some((m) => m.patron_id !== patronId)) {
          return { ok: false, reason: 'not_found' }
        }
        const now = utcDateTime(clock.now())
        for (const m of members) {
          await store.updateHold(libraryId, m.id, { set_id: null, set_order: null }, now)
        }
        return { ok: true, members }
      })
    },

    // --- the life of a hold: jobs and the counter ---------------------------------------------

    /**
     * The morning approval (rules B 「翌開館日の朝に正式な予約」): 依頼中 holds whose formal
     * time has come become formal, in the order they were requested. Idempotent.
     */
    async approveDue(lib: HoldLibrary): Promise<number> {
      const now = utcDateTime(clock.now())
      return holds.unit(async (store) => {
        const due = await store.dueForApproval(lib.library.id, now)
        for (const hold of due) {
          await store.updateHold(lib.library.id, hold.id, { status: 'waiting' }, now)
        }
        return due.length
      })
    },

    /**
     * Copies on the shelf that a formal hold waits for are secured for it (ready at their own
     * branch, or sent to the pickup branch). Idempotent: a copy once trapped is no longer on
     * the shelf. Returns what happened to each copy taken.
     */
    async trapShelfCopies(lib: HoldLibrary, limit = 500): Promise<CopyDestination[]> {
      const libraryId = lib.library.id
      const calendars = await calendarToday(lib)
      const done: CopyDestination[] = []
      for (const wanted of await holds.shelfCopiesWanted(libraryId, limit)) {
        const outcome = await holds.unit(async (store) => {
          await store.lockTitles(libraryId, [wanted.record_id])
          const copy = await store.copy(libraryId, wanted.id)
          if (!copy || copy.status !== 'available') return null
          return assignCopy(store, lib, calendars, copy, copy.branch_id)
        })
        if (outcome && outcome.action !== 'shelve') done.push(outcome)
      }
      return done
    },

    /**
     * A copy checked in at a branch (its loan already closed): secured for the first hold
     * that may take it, or back to the shelf. The staff API answers with this.
     */
    async copyReturned(
      lib: HoldLibrary,
      copyId: number,
      atBranchId: number,
    ): Promise<CopyDestination | null> {
      const libraryId = lib.library.id
      const calendars = await calendarToday(lib)
      return holds.unit(async (store) => {
        // The title's lock first, then the copy (the order of every unit that traps).
        const peek = await store.copy(libraryId, copyId, false)
        if (!peek) return null
        await store.lockTitles(libraryId, [peek.record_id])
        const copy = await store.copy(libraryId, copyId)
        if (!copy) return null
        const trapped = await store.trappedFor(libraryId, copyId)
        if (trapped) {
          // Already secured for a hold: arriving at its pickup branch makes it ready.
          if (trapped.status === 'in_transit' && atBranchId === trapped.pickup_branch_id) {
            await makeReady(store, lib, calendars, trapped, copyId, utcDateTime(clock.now()))
            return {
              action: 'hold_shelf',
              holdId: trapped.id,
              patronId: trapped.patron_id,
              pickupBranchId: trapped.pickup_branch_id,
            }
          }
          if (trapped.status === 'ready') {
            return {
              action: 'hold_shelf',
              holdId: trapped.id,
              patronId: trapped.patron_id,
              pickupBranchId: trapped.pickup_branch_id,
            }
          }
          return {
            action: 'send',
            holdId: trapped.id,
            patronId: trapped.patron_id,
            toBranchId: trapped.pickup_branch_id,
          }
        }
        return assignCopy(store, lib, calendars, copy, atBranchId)
      })
    },

    /**
     * A copy checked out at the counter: a ready hold of this patron on it is fulfilled
     * (collected); a copy secured for another patron may not be lent. A copy of a title the
     * patron holds without this copy trapped fulfils nothing (the hold stays).
     */
    async copyCheckedOut(
      lib: HoldLibrary,
      copyId: number,
      patronId: number,
    ): Promise<CollectOutcome> {
      const libraryId = lib.library.id
      return holds.unit(async (store) => {
        const trapped = await store.trappedFor(libraryId, copyId)
        if (!trapped) return { ok: true, holdId: null }
        if (trapped.patron_id !== patronId) {
          return { ok: false, reason: 'trapped_for_other', holdId: trapped.id }
        }
        await store.updateHold(
          libraryId,
          trapped.id,
          { status: 'collected' },
          utcDateTime(clock.now()),
        )
        return { ok: true, holdId: trapped.id }
      })
    },

    /**
     * Ready holds not collected by their deadline are cancelled (rules B 「期間を過ぎた場合は
     * 予約をキャンセルします」, A the same, ours); each copy passes to the next hold. Idempotent.
     */
    async expireUncollected(
      lib: HoldLibrary,
    ): Promise<{ expired: number; passedOn: CopyDestination[] }> {
      const libraryId = lib.library.id
      const day = todayOf(clock)
      const calendars = await calendarToday(lib)
      const candidates = await holds.pastDeadline(libraryId, day)
      const passedOn: CopyDestination[] = []
      let expired = 0
      for (const candidate of candidates) {
        await holds.unit(async (store) => {
          await store.lockPatron(libraryId, candidate.patron_id)
          await store.lockTitles(libraryId, [candidate.record_id])
          const hold = await store.hold(libraryId, candidate.id)
          if (
            !hold ||
            hold.status !== 'ready' ||
            !hold.pickup_deadline ||
            hold.pickup_deadline >= day
          )
            return
          const now = utcDateTime(clock.now())
          await store.updateHold(libraryId, hold.id, { status: 'expired' }, now)
          if (hold.contact_method === 'email') {
            await store.insertNotice(libraryId, hold.patron_id, hold.id, 'expired', now)
          }
          expired++
          if (hold.trapped_copy_id !== null) {
            passedOn.push(
              await passOn(store, lib, calendars, hold.trapped_copy_id, hold.pickup_branch_id),
            )
          }
        })
      }
      return { expired, passedOn }
    },
  }
}

export type HoldService = ReturnType<typeof holdService>
