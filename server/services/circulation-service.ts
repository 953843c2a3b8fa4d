// The counter (SPEC.md §9): checking copies out and in, renewing at the counter, holds placed
// at the counter or by telephone, and cancelling a ready hold on the patron's telephone
// request. A checkout and a check-in are each one transaction with the hold changes they
// cause: a copy trapped for the borrower fulfils the hold, a returned copy is secured for the
// first hold that may take it (hold-service.copyReturned) or sent where it belongs.
import type { Clock } from '../clock.ts'
import { today as todayOf, utcDateTime } from '../clock.ts'
import type { CalendarRepository } from '../db/calendar-repository.ts'
import type { CirculationRepository, CounterCopy } from '../db/circulation-repository.ts'
import type { Branch } from '../db/schema.ts'
import { addDays, calendarSource, dayNumber } from './calendar-service.ts'
import { holdService, newRequestKey } from './hold-service.ts'
import type {
  CancelOutcome,
  ContactMethod,
  HoldLibrary,
  HoldService,
  ItemRefusal,
  PlacedHold,
} from './hold-service.ts'
import type { LoanService, RenewResult } from './loan-service.ts'

export interface CounterLibrary extends HoldLibrary {
  branches: readonly Pick<Branch, 'id' | 'is_pickup' | 'name'>[]
}

export interface CopyInfo {
  id: number
  barcode: string
  recordId: number
  title: string
  homeBranchId: number
}

export type CheckoutRefusal =
  | 'suspended'
  | 'reference_only'
  | 'on_loan'
  | 'already_borrowed'
  | 'trapped_for_other'
  | 'in_repair'
  | 'limit'

export type CheckoutOutcome =
  | {
      ok: true
      loan: { id: number; loanedOn: string; dueOn: string }
      copy: CopyInfo
      /** The hold this checkout fulfilled (the copy was trapped for the patron), or null. */
      fulfilledHoldId: number | null
    }
  | { ok: false; reason: 'patron_not_found' | 'copy_not_found' }
  | { ok: false; reason: CheckoutRefusal; copy: CopyInfo; limit?: number; holdId?: number }

/** What to do with a copy just checked in. */
export type CheckinAction =
  | { action: 'shelve'; branchId: number }
  | { action: 'hold_shelf'; holdId: number; pickupBranchId: number }
  | { action: 'send'; holdId: number; toBranchId: number }
  | { action: 'send_home'; toBranchId: number }

export type CheckinOutcome =
  | {
      ok: true
      copy: CopyInfo
      /** The loan this return closed (null: the copy was not on loan, e.g. an arrival). */
      loan: { id: number; patronId: number; dueOn: string; overdueDays: number } | null
      next: CheckinAction
    }
  | { ok: false; reason: 'copy_not_found' | 'branch_not_found' }

export type CounterHoldOutcome =
  | { ok: true; hold: PlacedHold }
  | { ok: false; reason: 'patron_not_found' | 'suspended' }
  | { ok: false; reason: 'refused'; refusal: ItemRefusal }

const copyInfo = (c: CounterCopy): CopyInfo => ({
  id: c.id,
  barcode: c.barcode,
  recordId: c.record_id,
  title: c.title,
  homeBranchId: c.branch_id,
})

export function circulationService(deps: {
  circulation: CirculationRepository
  calendars: CalendarRepository
  holds: HoldService
  loans: LoanService
  clock: Clock
}) {
  const { circulation, calendars, clock } = deps
  const calendarFor = calendarSource(calendars)
  const holdsIn = (repository: Parameters<typeof holdService>[0]['holds']) =>
    holdService({ holds: repository, calendars, clock })

  return {
    async checkout(
      lib: CounterLibrary,
      request: { patronId: number; barcode: string },
    ): Promise<CheckoutOutcome> {
      const libraryId = lib.library.id
      const day = todayOf(clock)
      const calendar = await calendarFor(libraryId, lib.settings, day)
      const dueOn = calendar.openingDayOnOrAfter(addDays(day, lib.settings.loanPeriodDays))
      return circulation.unit(async (store, holdRepository): Promise<CheckoutOutcome> => {
        const patron = await store.lockPatron(libraryId, request.patronId)
        if (!patron) return { ok: false, reason: 'patron_not_found' }
        const peek = await store.copyByBarcode(libraryId, request.barcode)
        if (!peek) return { ok: false, reason: 'copy_not_found' }
        await store.lockTitle(libraryId, peek.record_id)
        const copy = await store.lockCopy(libraryId, peek.id)
        if (!copy) return { ok: false, reason: 'copy_not_found' }
        const info = copyInfo(copy)
        const refuse = (reason: CheckoutRefusal, more: { limit?: number; holdId?: number } = {}) =>
          ({ ok: false, reason, copy: info, ...more }) as const
        if (patron.suspended_at) return refuse('suspended')
        if (Number(copy.reference_only)) return refuse('reference_only')
        const open = await store.openLoanOfCopy(libraryId, copy.id)
        if (open) return refuse(open.patron_id === patron.id ? 'already_borrowed' : 'on_loan')
        if (copy.status === 'in_repair') return refuse('in_repair')
        const trapped = await holdRepository.trappedFor(libraryId, copy.id)
        if (trapped && trapped.patron_id !== patron.id) {
          return refuse('trapped_for_other', { holdId: trapped.id })
        }
        const limit = lib.settings.loanLimit
        if ((await store.openLoanCount(libraryId, patron.id)) >= limit) {
          return refuse('limit', { limit })
        }
        const loanId = await store.insertLoan({
          library_id: libraryId,
          copy_id: copy.id,
          patron_id: patron.id,
          loaned_on: day,
          due_on: dueOn,
        })
        const collected = await holdsIn(holdRepository).copyCheckedOut(lib, copy.id, patron.id)
        await store.setCopyStatus(libraryId, copy.id, 'on_loan')
        return {
          ok: true,
          loan: { id: loanId, loanedOn: day, dueOn },
          copy: info,
          fulfilledHoldId: collected.ok ? collected.holdId : null,
        }
      })
    },

    async checkin(
      lib: CounterLibrary,
      request: { barcode: string; branchId: number },
    ): Promise<CheckinOutcome> {
      const libraryId = lib.library.id
      if (!lib.branches.some((b) => b.id === request.branchId)) {
        return { ok: false, reason: 'branch_not_found' }
      }
      const day = todayOf(clock)
      const now = utcDateTime(clock.now())
      return circulation.unit(async (store, holdRepository): Promise<CheckinOutcome> => {
        const peek = await store.copyByBarcode(libraryId, request.barcode)
        if (!peek) return { ok: false, reason: 'copy_not_found' }
        await store.lockTitle(libraryId, peek.record_id)
        const copy = await store.lockCopy(libraryId, peek.id)
        if (!copy) return { ok: false, reason: 'copy_not_found' }
        const open = await store.openLoanOfCopy(libraryId, copy.id)
        if (open) await store.closeLoan(libraryId, open.id, now)
        if (open || copy.status === 'missing' || copy.status === 'in_repair') {
          // Back in hand: the hold rules decide where it goes from here.
          await store.setCopyStatus(libraryId, copy.id, 'available')
        }
        const destination = await holdsIn(holdRepository).copyReturned(
          lib,
          copy.id,
          request.branchId,
        )
        let next: CheckinAction
        if (!destination || destination.action === 'shelve') {
          if (copy.branch_id !== request.branchId) {
            await store.setCopyStatus(libraryId, copy.id, 'in_transit')
            next = { action: 'send_home', toBranchId: copy.branch_id }
          } else {
            next = { action: 'shelve', branchId: copy.branch_id }
          }
        } else if (destination.action === 'hold_shelf') {
          next = {
            action: 'hold_shelf',
            holdId: destination.holdId,
            pickupBranchId: destination.pickupBranchId,
          }
        } else {
          next = { action: 'send', holdId: destination.holdId, toBranchId: destination.toBranchId }
        }
        return {
          ok: true,
          copy: copyInfo(copy),
          loan: open
            ? {
                id: open.id,
                patronId: open.patron_id,
                dueOn: open.due_on,
                overdueDays: Math.max(0, dayNumber(day) - dayNumber(open.due_on)),
              }
            : null,
          next,
        }
      })
    },

    /** Renewal at the counter: the same rules as on the site. */
    async renew(
      lib: CounterLibrary,
      loanId: number,
    ): Promise<{ ok: true; result: RenewResult } | { ok: false; reason: 'not_found' }> {
      const patronId = await circulation.loanPatron(lib.library.id, loanId)
      if (patronId === undefined) return { ok: false, reason: 'not_found' }
      const [result] = await deps.loans.renew(lib.library.id, lib.settings, patronId, [loanId])
      if (!result) return { ok: false, reason: 'not_found' }
      return { ok: true, result }
    },

    /**
     * A hold taken at the counter or by telephone: formal at once (ahead of the web holds that
     * become formal next morning), counted against the same limit as every channel.
     */
    async placeHold(
      lib: CounterLibrary,
      request: {
        patronId: number
        recordId: number
        copyId?: number
        pickupBranchId: number
        contact: ContactMethod
        channel: 'counter' | 'phone'
      },
    ): Promise<CounterHoldOutcome> {
      const patron = await circulation.lockPatron(lib.library.id, request.patronId)
      if (!patron) return { ok: false, reason: 'patron_not_found' }
      if (patron.suspended_at) return { ok: false, reason: 'suspended' }
      const outcome = await deps.holds.place(lib, request.patronId, {
        key: newRequestKey(),
        channel: request.channel,
        items: [
          {
            recordId: request.recordId,
            ...(request.copyId === undefined ? {} : { copyId: request.copyId }),
            pickupBranchId: request.pickupBranchId,
            contact: request.contact,
          },
        ],
      })
      if (!outcome.ok) return { ok: false, reason: 'patron_not_found' }
      const placed = outcome.result.placed[0]
      if (placed) return { ok: true, hold: placed }
      const refused = outcome.result.refused[0]
      return {
        ok: false,
        reason: 'refused',
        refusal: refused?.refusal ?? { ok: false, reason: 'not_found' },
      }
    },

    /**
     * Cancels a hold on the patron's request at the counter or by telephone — a 受取り可 one
     * too (which patrons cannot cancel online); its copy passes to the next hold.
     */
    async cancelHold(lib: CounterLibrary, holdId: number): Promise<CancelOutcome> {
      const patronId = await circulation.holdPatron(lib.library.id, holdId)
      if (patronId === undefined) return { ok: false, reason: 'not_found' }
      const staffLib = { ...lib, settings: { ...lib.settings, readyHoldsCancellableOnline: true } }
      return deps.holds.cancel(staffLib, patronId, holdId)
    },
  }
}

export type CirculationService = ReturnType<typeof circulationService>
