// The demo patrons' holds, placed through the hold service itself (so they can never disagree
// with its rules): one hold in each state a patron meets — 依頼中 (rules B), N位 on a title
// others wait for too, 受取り可 with its deadline, a set hold (rules A) — and a patron at the
// hold limit. Each is placed at the moment it would have been, with the service's clock set to
// that moment: the request, the morning approval, the copy secured at the pickup branch.
import { sql } from 'kysely'
import type { Transaction } from 'kysely'
import type { Clock } from '../clock.ts'
import { tokyoInstant } from '../clock.ts'
import { calendarRepository } from '../db/calendar-repository.ts'
import { holdRepository } from '../db/hold-repository.ts'
import type { Database } from '../db/schema.ts'
import { ACTIVE_HOLD_STATUSES } from '../db/schema.ts'
import { addDays } from '../services/calendar-service.ts'
import type { LibraryCalendar } from '../services/calendar-service.ts'
import { holdService, newRequestKey } from '../services/hold-service.ts'
import type { HoldLibrary } from '../services/hold-service.ts'
import type { LibrarySettings } from '../services/library-settings.ts'

/**
 * - requested: a web hold placed this morning, 依頼中 until the next opening morning (rules B);
 * - waiting: a hold on a title whose copies are all out and that others hold too (N位);
 * - ready: a copy secured at the pickup branch on the last opening day (受取り可, deadline);
 * - set: three titles held as one set, received in order (rules A);
 * - limit: as many holds as the library allows.
 */
export type DemoHoldKind = 'requested' | 'waiting' | 'ready' | 'set' | 'limit'

export async function placeDemoHolds(
  trx: Transaction<Database>,
  options: {
    libraryId: number
    today: string
    settings: LibrarySettings
    calendar: LibraryCalendar
    patrons: { patronId: number; holds: readonly DemoHoldKind[] }[]
    /** The last opening day on or before a day. */
    lastOpeningDay: (day: string) => string
  },
): Promise<number> {
  const { libraryId, today, settings, calendar } = options
  let now = tokyoInstant(today, '10:00')
  const clock: Clock = { now: () => now }
  const at = (day: string, time: string) => {
    now = tokyoInstant(day, time)
  }
  const holds = holdService({
    holds: holdRepository(trx),
    calendars: calendarRepository(trx),
    clock,
  })
  const branches = await trx
    .selectFrom('branch')
    .select(['id', 'is_pickup'])
    .where('library_id', '=', libraryId)
    .orderBy('sort_order')
    .orderBy('id')
    .execute()
  const lib: HoldLibrary = { library: { id: libraryId }, settings, branches }
  const pickup = branches.find((b) => Number(b.is_pickup))?.id ?? 0
  const used = new Set<number>()

  /** Record r has an active hold. */
  const held = sql<boolean>`EXISTS (SELECT 1 FROM hold h WHERE h.library_id = r.library_id
    AND h.record_id = r.id AND h.status IN (${sql.join(ACTIVE_HOLD_STATUSES)}))`

  /** Books no one has chosen here yet whose copies are all out, and which others hold too. */
  const titlesOut = async (count: number) => {
    const rows = await trx
      .selectFrom('record as r')
      .innerJoin('copy as c', (j) =>
        j.onRef('c.library_id', '=', 'r.library_id').onRef('c.record_id', '=', 'r.id'),
      )
      .where('r.library_id', '=', libraryId)
      .where('r.material_type', '=', 'book')
      .where('r.source', 'in', ['aozora', 'ndl'])
      .where('c.reference_only', '=', 0)
      .where(held)
      .groupBy('r.id')
      .having((eb) =>
        eb.and([
          eb(
            eb.fn.sum<number>(eb.case().when('c.status', '=', 'available').then(1).else(0).end()),
            '=',
            0,
          ),
          eb(
            eb.fn.sum<number>(eb.case().when('c.status', '=', 'on_loan').then(1).else(0).end()),
            '>',
            0,
          ),
        ]),
      )
      .select('r.id')
      .orderBy('r.id')
      .limit(count + used.size + 20)
      .execute()
    const picked = rows.filter((r) => !used.has(r.id)).slice(0, count)
    if (picked.length < count) throw new Error('demo holds: not enough titles out on loan')
    for (const r of picked) used.add(r.id)
    return picked.map((r) => ({ recordId: r.id }))
  }

  /** A copy on the shelf of a book nobody holds: its record, id and branch. */
  const copyOnShelf = async () => {
    const rows = await trx
      .selectFrom('copy as c')
      .innerJoin('record as r', (j) =>
        j.onRef('r.library_id', '=', 'c.library_id').onRef('r.id', '=', 'c.record_id'),
      )
      .where('c.library_id', '=', libraryId)
      .where('c.status', '=', 'available')
      .where('c.reference_only', '=', 0)
      .where('r.material_type', '=', 'book')
      .where('r.source', 'in', ['aozora', 'ndl'])
      .where(sql<boolean>`NOT ${held}`)
      // Nobody borrows the title either: a hold on it would make someone's loan unrenewable.
      .where(
        sql<boolean>`NOT EXISTS (SELECT 1 FROM copy lc JOIN loan l ON l.library_id = lc.library_id
          AND l.copy_id = lc.id AND l.returned_at IS NULL
          WHERE lc.library_id = r.library_id AND lc.record_id = r.id)`,
      )
      .select(['c.id', 'c.record_id', 'c.branch_id'])
      .orderBy('c.id')
      .limit(used.size + 20)
      .execute()
    const copy = rows.find((r) => !used.has(r.record_id))
    if (!copy) throw new Error('demo holds: no copy on the shelf')
    used.add(copy.record_id)
    return { recordId: copy.record_id, copyId: copy.id, branchId: copy.branch_id }
  }

  const place = async (
    patronId: number,
    items: { recordId: number; pickupBranchId?: number }[],
    asSet = false,
  ) => {
    const outcome = await holds.place(lib, patronId, {
      key: newRequestKey(),
      asSet,
      items: items.map((i) => ({
        recordId: i.recordId,
        pickupBranchId: i.pickupBranchId ?? pickup,
        contact: 'none',
      })),
    })
    if (!outcome.ok || outcome.result.refused.length) {
      throw new Error(`demo holds: refused ${JSON.stringify(outcome)}`)
    }
    return outcome.result
  }

  /** The morning after a request, as the hold-approval job does it. */
  const approveBy = async (day: string) => {
    at(calendar.nextOpeningDay(day), settings.webHoldsFormalTime)
    await holds.approveDue(lib)
  }

  let placed = 0
  const earlier = options.lastOpeningDay(addDays(today, -3))
  const yesterday = options.lastOpeningDay(addDays(today, -1))
  for (const { patronId, holds: kinds } of options.patrons) {
    for (const kind of kinds) {
      if (kind === 'waiting' || kind === 'set' || kind === 'limit') {
        const count =
          kind === 'waiting'
            ? 1
            : kind === 'set'
              ? 3
              : settings.holdLimit - (await activeCount(trx, libraryId, patronId))
        at(earlier, '11:00')
        await place(patronId, await titlesOut(count), kind === 'set')
        await approveBy(earlier)
        placed += count
      } else if (kind === 'ready') {
        const title = await copyOnShelf()
        at(options.lastOpeningDay(addDays(yesterday, -1)), '11:00')
        await place(patronId, [{ recordId: title.recordId, pickupBranchId: title.branchId }])
        await approveBy(options.lastOpeningDay(addDays(yesterday, -1)))
        // Secured on the last opening day, at the branch where it stands.
        at(yesterday, '09:00')
        await holds.copyReturned(lib, title.copyId, title.branchId)
        placed++
      } else {
        at(today, '10:00')
        await place(patronId, await titlesOut(1))
        placed++
      }
    }
  }
  return placed
}

async function activeCount(trx: Transaction<Database>, libraryId: number, patronId: number) {
  const row = await trx
    .selectFrom('hold')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('library_id', '=', libraryId)
    .where('patron_id', '=', patronId)
    .where('status', 'in', ACTIVE_HOLD_STATUSES)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}
