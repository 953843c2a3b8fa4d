// The app on a three-node MariaDB Galera cluster (test/cluster/galera.sh, ports 4331–4363):
// the migrations run on it; three app instances, each writing to its own node, take holds from
// GALERA_PATRONS patrons (default 200) on the same five titles at once — every patron asks for
// every title twice, through two instances on different nodes, with a limit of 3 holds — and
// node 1 is killed (SIGKILL) a third of the way through. Certification conflicts between nodes
// come back as deadlocks (1213) and are run again by the transaction helper; requests cut off
// by the kill are pressed again with their confirmation key, as a patron would. Afterwards:
// every patron has exactly 3 holds (none lost, none doubled, the limit kept), every hold has its
// confirmation record, every queue is numbered 1…n without a gap, and the instance whose node
// died answers from a survivor. Prints throughput and conflicts retried.
import { expect } from 'chai'
import { sql } from 'kysely'
import { fixedClock } from '../../server/clock.ts'
import { calendarRepository } from '../../server/db/calendar-repository.ts'
import { createDb, dropDatabase, ensureDatabase } from '../../server/db/database.ts'
import type { Db } from '../../server/db/database.ts'
import { holdRepository } from '../../server/db/hold-repository.ts'
import { migrate } from '../../server/db/migrator.ts'
import { transactionRetries } from '../../server/db/transaction.ts'
import { isDatabaseUnavailable } from '../../server/errors.ts'
import { holdService, newRequestKey } from '../../server/services/hold-service.ts'
import type { HoldService } from '../../server/services/hold-service.ts'
import { galera, galeraMissing, galeraUrl } from '../helpers/galera.ts'
import { holdFixture } from '../helpers/hold-fixture.ts'
import type { FixtureLibrary } from '../helpers/hold-fixture.ts'
import { startTestServer } from '../helpers/test-server.ts'
import type { TestServer } from '../helpers/test-server.ts'
import { requireInstalled } from '../helpers/tools.ts'

const PATRONS = Number(process.env.GALERA_PATRONS || 200)
const TITLES = ['book', 'popular', 'volume1', 'volume2', 'volume3']
const LIMIT = 3
const CONCURRENCY = 30

interface Instance {
  node: 1 | 2 | 3
  db: Db
  holds: HoldService
}

/**
 * A request cut off by its node's death (the 503 page for a patron), or sent to a node that is
 * not (yet) part of the cluster's primary component (1047, WSREP not ready).
 */
function cutOff(error: unknown): boolean {
  return isDatabaseUnavailable(error) || (error as { errno?: unknown }).errno === 1047
}

describe('Galera cluster: holds written on three nodes, one killed', function () {
  this.timeout(600_000)
  const database = `opac_test_galera_${Math.random().toString(36).slice(2, 8)}`
  let started = false
  const instances: Instance[] = []
  let lib: FixtureLibrary

  before(async function () {
    requireInstalled(this, galeraMissing())
    galera.start()
    started = true
    const url = galeraUrl(database, 1)
    await ensureDatabase(url)
    await migrate(url)
    const clock = fixedClock('2026-11-24T01:00:00Z') // a Tuesday, 10:00 in Tokyo
    for (const node of [1, 2, 3] as const) {
      const db = createDb(galeraUrl(database, node), 8)
      instances.push({
        node,
        db,
        holds: holdService({
          holds: holdRepository(db),
          calendars: calendarRepository(db),
          clock,
        }),
      })
    }
    const fixture = await holdFixture(instances[0]!.db, 'A', {
      patrons: PATRONS,
      popularCopies: 1,
    })
    lib = { ...fixture, settings: { ...fixture.settings, holdLimit: LIMIT } }
  })
  after(async () => {
    for (const i of instances) await i.db.destroy()
    if (started) {
      await dropDatabase(galeraUrl(database, 2)).catch(() => undefined)
      galera.stop()
    }
  })

  it('has migrated: every table InnoDB with a primary key, as Galera needs', async () => {
    const unfit = await sql<{ name: string }>`
      SELECT t.table_name AS name FROM information_schema.tables t
      WHERE t.table_schema = ${database} AND t.table_type = 'BASE TABLE'
        AND (t.engine <> 'InnoDB' OR NOT EXISTS (
          SELECT 1 FROM information_schema.table_constraints c
          WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name
            AND c.constraint_type = 'PRIMARY KEY'))`.execute(instances[2]!.db)
    expect(unfit.rows).to.deep.equal([])
    const tables = await sql<{ n: number }>`
      SELECT COUNT(*) AS n FROM information_schema.tables
      WHERE table_schema = ${database}`.execute(instances[2]!.db)
    expect(Number(tables.rows[0]?.n)).to.be.above(20)
  })

  it('keeps every hold, limit and queue while the nodes conflict and one dies', async () => {
    // Each patron's ten requests come one after another in the queue, so they run at once.
    const jobs = Array.from({ length: PATRONS }, (_, p) =>
      TITLES.flatMap((title, t) =>
        [0, 1].map((k) => ({ patron: `p${p + 1}`, title, instance: (p + t + k) % 3 })),
      ),
    ).flat()
    const retriesBefore = transactionRetries()
    let done = 0
    let cut = 0
    let placed = 0
    let killedAt = 0
    let next = 0
    const killAfter = Math.floor(jobs.length / 3)
    const startedAt = Date.now()
    const worker = async () => {
      for (let job = jobs[next++]; job; job = jobs[next++]) {
        const instance = instances[job.instance]!
        const key = newRequestKey()
        for (let attempt = 1; ; attempt++) {
          try {
            const outcome = await instance.holds.place(lib, lib.patrons[job.patron]!, {
              key,
              items: [
                {
                  recordId: lib.records[job.title]!,
                  pickupBranchId: lib.branchIds.central,
                  contact: 'email',
                },
              ],
            })
            expect(outcome.ok).to.equal(true)
            if (outcome.ok && !outcome.repeated) placed += outcome.result.placed.length
            break
          } catch (error) {
            // Pressed again with the same confirmation: placed at most once.
            if (!cutOff(error) || attempt >= 10) throw error
            cut++
            await new Promise((resolve) => setTimeout(resolve, 200))
          }
        }
        if (++done === killAfter) {
          galera.kill(1)
          killedAt = Date.now()
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    const seconds = (Date.now() - startedAt) / 1000
    const retried = transactionRetries() - retriesBefore

    // The instance that wrote to node 1 serves pages from a survivor.
    const app: TestServer = await startTestServer(instances[0]!.db)
    try {
      const health = await fetch(`${app.baseUrl}/healthz`)
      expect(health.status).to.equal(200)
    } finally {
      await app.close()
    }
    process.stdout.write(
      `      ${jobs.length} hold requests by ${PATRONS} patrons on 3 nodes in ${seconds.toFixed(1)} s ` +
        `(${(jobs.length / seconds).toFixed(0)} requests/s); ${retried} conflicts retried by the ` +
        `transaction helper; node 1 killed after ${((killedAt - startedAt) / 1000).toFixed(1)} s, ` +
        `${cut} requests cut off and pressed again\n`,
    )

    const db = instances[1]!.db
    const holds = await db
      .selectFrom('hold')
      .select(['id', 'patron_id', 'record_id', 'status', 'request_key'])
      .where('library_id', '=', lib.library.id)
      .execute()
    // None lost, none doubled, the limit kept: exactly LIMIT different titles per patron.
    expect(holds).to.have.length(PATRONS * LIMIT)
    expect(placed).to.equal(holds.length)
    const perPatron = new Map<number, Set<number>>()
    for (const h of holds) {
      const titles = perPatron.get(h.patron_id) ?? new Set<number>()
      titles.add(h.record_id)
      perPatron.set(h.patron_id, titles)
    }
    expect(perPatron.size).to.equal(PATRONS)
    for (const titles of perPatron.values()) expect(titles.size).to.equal(LIMIT)
    // Every hold is in the confirmation record written with it.
    const requests = await db
      .selectFrom('hold_request')
      .select(['patron_id', 'request_key', 'result_json'])
      .where('library_id', '=', lib.library.id)
      .execute()
    const recorded = new Set(
      requests.flatMap((r) =>
        (JSON.parse(r.result_json) as { placed: { holdId: number }[] }).placed.map(
          (p) => `${r.patron_id}:${r.request_key}:${p.holdId}`,
        ),
      ),
    )
    for (const h of holds) {
      expect(recorded.has(`${h.patron_id}:${h.request_key}:${h.id}`), `hold ${h.id}`).to.equal(true)
    }
    // Queues numbered 1…n without a gap, as the patrons' pages show them.
    const positions = await sql<{ record_id: number; position: number }>`
      SELECT h.record_id, 1 + (SELECT COUNT(*) FROM hold o WHERE o.library_id = h.library_id
        AND o.record_id = h.record_id AND o.status = 'waiting'
        AND (o.formal_at, o.requested_at, o.id) < (h.formal_at, h.requested_at, h.id)) AS position
      FROM hold h WHERE h.library_id = ${lib.library.id} AND h.status = 'waiting'`.execute(db)
    const byTitle = new Map<number, number[]>()
    for (const row of positions.rows) {
      byTitle.set(row.record_id, [...(byTitle.get(row.record_id) ?? []), Number(row.position)])
    }
    expect(positions.rows).to.have.length(holds.length)
    for (const list of byTitle.values()) {
      expect(list.sort((a, b) => a - b)).to.deep.equal(list.map((_, i) => i + 1))
    }
  })
})
