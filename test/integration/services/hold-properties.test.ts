// A property test of the life of holds: seeded random sequences of placing, cancelling,
// returning and lending copies, transit, the morning approval, shelf trapping and expiry, with
// the invariants checked after every step:
// - positions on every queue are 1 … n, without gaps or duplicates;
// - a copy is secured for at most one hold, and the copy's state matches the hold's;
// - nobody holds more than the limit, or one title (issue) twice;
// - a set's member is never on its way or ready while an earlier member is not done;
// - after the shelf job, no lendable copy on the shelf has a formal hold waiting for it.
import { expect } from 'chai'
import type { Clock } from '../../../server/clock.ts'
import { calendarRepository } from '../../../server/db/calendar-repository.ts'
import { holdRepository } from '../../../server/db/hold-repository.ts'
import { FORMAL_HOLD_STATUSES } from '../../../server/db/schema.ts'
import { holdService, newRequestKey } from '../../../server/services/hold-service.ts'
import type { HoldChoice, HoldService } from '../../../server/services/hold-service.ts'
import { holdFixture } from '../../helpers/hold-fixture.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'

/** mulberry32: a small seeded PRNG, so that a failing sequence can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = a
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

const STEPS = 150
const SEEDS = [1, 2, 3, 4]

describe('hold life: properties over random sequences', function () {
  this.timeout(300_000)
  let t: TestDatabase

  before(async () => {
    t = await createTestDatabase({ prefix: 'holdprop' })
  })

  for (const seed of SEEDS) {
    const preset = seed % 2 === 0 ? 'B' : 'A'
    it(`keeps every invariant (seed ${seed}, rules ${preset}, ${STEPS} steps)`, async () => {
      const random = prng(seed)
      const pick = <T>(list: readonly T[]): T | undefined =>
        list.length ? list[Math.floor(random() * list.length)] : undefined
      let now = new Date('2026-11-21T01:00:00Z')
      const clock: Clock = { now: () => now }
      const holds: HoldService = holdService({
        holds: holdRepository(t.db),
        calendars: calendarRepository(t.db),
        clock,
      })
      const lib = await holdFixture(t.db, preset, { patrons: 8, popularCopies: 3 })
      const libraryId = lib.library.id
      const branches = Object.values(lib.branchIds)
      const patrons = Object.keys(lib.patrons).filter((p) => /^p\d+$/.test(p))
      const titles = [
        'book',
        'popular',
        'shelf',
        'volume1',
        'volume2',
        'volume3',
        'magazine',
        'dvd',
      ]
      const log: string[] = []

      const copies = () =>
        t.db.selectFrom('copy').selectAll().where('library_id', '=', libraryId).execute()
      const allHolds = () =>
        t.db.selectFrom('hold').selectAll().where('library_id', '=', libraryId).execute()

      const choice = (title: string): HoldChoice => {
        const magazineIssue = title === 'magazine' ? pick(lib.copies.magazine ?? []) : undefined
        return {
          recordId: lib.records[title]!,
          ...(magazineIssue === undefined ? {} : { copyId: magazineIssue }),
          pickupBranchId: pick(branches)!,
          contact: random() < 0.5 ? 'email' : 'none',
        }
      }

      const steps: Record<string, () => Promise<void>> = {
        async place() {
          const patron = pick(patrons)!
          const set = random() < 0.3
          const items = set
            ? ['volume1', 'volume2', 'volume3'].map(choice)
            : [choice(pick(titles)!)]
          const channel = pick(['web', 'web', 'counter', 'phone'] as const)!
          await holds.place(lib, lib.patrons[patron]!, {
            key: newRequestKey(),
            items,
            asSet: set,
            channel,
          })
        },
        async cancel() {
          const patron = pick(patrons)!
          const hold = pick(await holds.list(lib, lib.patrons[patron]!))
          if (hold) await holds.cancel(lib, lib.patrons[patron]!, hold.id)
        },
        async returnCopy() {
          const copy = pick((await copies()).filter((c) => c.status === 'on_loan'))
          if (!copy) return
          // The oracle: the first formal hold in queue order that may take this copy.
          const hs = await allHolds()
          const first = hs
            .filter(
              (h) =>
                h.status === 'waiting' &&
                h.record_id === copy.record_id &&
                (h.copy_id === null || h.copy_id === copy.id) &&
                (h.set_id === null ||
                  hs
                    .filter((m) => m.set_id === h.set_id && (m.set_order ?? 0) < (h.set_order ?? 0))
                    .every((m) => ['collected', 'cancelled', 'expired'].includes(m.status))),
            )
            .sort(
              (x, y) =>
                x.formal_at!.localeCompare(y.formal_at!) ||
                x.requested_at.localeCompare(y.requested_at) ||
                x.id - y.id,
            )[0]
          const at = pick(branches)!
          const out = await holds.copyReturned(lib, copy.id, at)
          if (!first || copy.reference_only)
            expect(out, log.join('\n')).to.deep.equal({ action: 'shelve' })
          else {
            expect(out && out.action !== 'shelve' && out.holdId, log.join('\n')).to.equal(first.id)
            expect(out?.action).to.equal(at === first.pickup_branch_id ? 'hold_shelf' : 'send')
          }
        },
        async arrive() {
          const hold = pick((await allHolds()).filter((h) => h.status === 'in_transit'))
          if (hold?.trapped_copy_id) {
            await holds.copyReturned(lib, hold.trapped_copy_id, hold.pickup_branch_id)
          }
        },
        async collect() {
          const hold = pick((await allHolds()).filter((h) => h.status === 'ready'))
          if (!hold?.trapped_copy_id) return
          const out = await holds.copyCheckedOut(lib, hold.trapped_copy_id, hold.patron_id)
          expect(out.ok).to.equal(true)
          await t.db
            .updateTable('copy')
            .set({ status: 'on_loan' })
            .where('id', '=', hold.trapped_copy_id)
            .execute()
        },
        async walkIn() {
          // A visitor borrows a copy from the shelf (walk-ins first).
          const copy = pick(
            (await copies()).filter((c) => c.status === 'available' && !c.reference_only),
          )
          if (!copy) return
          const out = await holds.copyCheckedOut(lib, copy.id, lib.patrons.visitor!)
          expect(out.ok).to.equal(true)
          await t.db
            .updateTable('copy')
            .set({ status: 'on_loan' })
            .where('id', '=', copy.id)
            .execute()
        },
        async time() {
          now = new Date(now.getTime() + Math.floor(random() * 36) * 3_600_000)
          await holds.approveDue(lib)
          await holds.expireUncollected(lib)
        },
        async shelf() {
          await holds.trapShelfCopies(lib)
          await expectNoWantedCopyOnShelf()
        },
      }
      const names = Object.keys(steps)

      async function expectNoWantedCopyOnShelf(): Promise<void> {
        const [cs, hs] = [await copies(), await allHolds()]
        for (const c of cs.filter((x) => x.status === 'available' && !x.reference_only)) {
          const waiting = hs.filter(
            (h) =>
              h.status === 'waiting' &&
              h.record_id === c.record_id &&
              (h.copy_id === null || h.copy_id === c.id) &&
              (h.set_id === null ||
                hs
                  .filter((m) => m.set_id === h.set_id && (m.set_order ?? 0) < (h.set_order ?? 0))
                  .every((m) => ['collected', 'cancelled', 'expired'].includes(m.status))),
          )
          expect(
            waiting,
            `copy ${c.id} on the shelf while holds wait\n${log.join('\n')}`,
          ).to.deep.equal([])
        }
      }

      async function checkInvariants(): Promise<void> {
        const [hs, cs] = [await allHolds(), await copies()]
        const context = `seed ${seed}\n${log.join('\n')}`
        // Positions: per patron list, every queue numbered 1 … n.
        const queues = new Map<string, number[]>()
        for (const p of [...patrons, 'visitor']) {
          for (const h of await holds.list(lib, lib.patrons[p]!)) {
            if (h.position === null) continue
            const key = `${h.record_id}:${h.copy_id ?? ''}`
            queues.set(key, [...(queues.get(key) ?? []), h.position])
          }
        }
        for (const [key, list] of queues) {
          const expected = Array.from({ length: list.length }, (_, i) => i + 1)
          expect(
            list.sort((a, b) => a - b),
            `queue ${key}: ${context}`,
          ).to.deep.equal(expected)
          const formal = hs.filter(
            (h) =>
              `${h.record_id}:${h.copy_id ?? ''}` === key &&
              FORMAL_HOLD_STATUSES.includes(h.status),
          )
          expect(formal.length, `queue ${key} size`).to.equal(list.length)
        }
        // Copies secured: at most one hold each, states in step.
        const trapped = hs.filter((h) => h.status === 'in_transit' || h.status === 'ready')
        const byCopy = new Map<number, number>()
        for (const h of trapped) {
          expect(h.trapped_copy_id, `hold ${h.id} without copy: ${context}`).to.be.a('number')
          byCopy.set(h.trapped_copy_id!, (byCopy.get(h.trapped_copy_id!) ?? 0) + 1)
          const copy = cs.find((c) => c.id === h.trapped_copy_id)!
          expect(copy.status, `copy of hold ${h.id}: ${context}`).to.equal(
            h.status === 'ready' ? 'on_hold_shelf' : 'in_transit',
          )
          expect(copy.record_id).to.equal(h.record_id)
          if (h.status === 'ready') expect(h.pickup_deadline, 'deadline').to.be.a('string')
        }
        for (const [copy, n] of byCopy)
          expect(n, `copy ${copy} secured twice: ${context}`).to.equal(1)
        for (const c of cs.filter(
          (x) => x.status === 'on_hold_shelf' || x.status === 'in_transit',
        )) {
          expect(byCopy.get(c.id), `copy ${c.id} ${c.status} for no hold: ${context}`).to.equal(1)
        }
        // Limits and duplicates.
        const active = hs.filter((h) =>
          ['requested', 'waiting', 'in_transit', 'ready'].includes(h.status),
        )
        for (const p of patrons) {
          const mine = active.filter((h) => h.patron_id === lib.patrons[p])
          expect(mine.length, `${p} over the limit: ${context}`).to.be.at.most(
            lib.settings.holdLimit,
          )
          const keys = mine.map((h) => `${h.record_id}:${h.copy_id ?? ''}`)
          expect(new Set(keys).size, `${p} holds a title twice: ${context}`).to.equal(keys.length)
        }
        // Sets: a later member is never served before an earlier one is done.
        for (const h of hs.filter(
          (x) => x.set_id !== null && ['in_transit', 'ready', 'collected'].includes(x.status),
        )) {
          const earlier = hs.filter(
            (m) => m.set_id === h.set_id && (m.set_order ?? 0) < (h.set_order ?? 0),
          )
          for (const m of earlier) {
            expect(
              ['collected', 'cancelled', 'expired'].includes(m.status),
              `set ${h.set_id}: hold ${h.id} served before ${m.id} (${m.status}): ${context}`,
            ).to.equal(true)
          }
        }
      }

      for (let i = 0; i < STEPS; i++) {
        const name = pick(names)!
        log.push(`${i}: ${name} @${now.toISOString()}`)
        await steps[name]!()
        await checkInvariants()
      }
      await steps.shelf!()
      const final = await allHolds()
      // The sequence did something worth checking.
      expect(final.length).to.be.greaterThan(10)
      expect(final.some((h) => h.status === 'ready' || h.status === 'collected')).to.equal(true)
    })
  }
})
