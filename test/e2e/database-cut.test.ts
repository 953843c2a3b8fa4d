// The database disappears during a load run and comes back. Patrons logged in on the PC site
// place holds on the same titles, renew a loan and ask for an e-mail change while reading their
// pages; the connection to MariaDB (the project's TCP proxy) is cut for a few seconds in the
// middle. While it is gone every request gets the 503 page; within 5 s of its return pages are
// served again; each patron, pressing the button again as a person would, finishes — and the
// database holds nothing half written: every hold has its confirmation record and a place in a
// gap-free queue, no hold is doubled, every renewal moved its loan once, every address change
// has exactly its one confirmation mail in the outbox.
import { expect } from 'chai'
import { sql } from 'kysely'
import { createDb } from '../../server/db/database.ts'
import type { Db } from '../../server/db/database.ts'
import { holdRepository } from '../../server/db/hold-repository.ts'
import { addDays } from '../../server/services/calendar-service.ts'
import { FormClient, formOf } from '../helpers/form-client.ts'
import type { Page } from '../helpers/form-client.ts'
import { startTcpProxy } from '../helpers/tcp-proxy.ts'
import type { TcpProxy } from '../helpers/tcp-proxy.ts'
import { createTestDatabase } from '../helpers/test-database.ts'
import type { TestDatabase } from '../helpers/test-database.ts'
import { startTestServer } from '../helpers/test-server.ts'
import type { TestServer } from '../helpers/test-server.ts'

const PATRONS = 12
const TODAY = '2026-11-23' // the test server's clock
const OUTAGE_MS = 3_000
const UNAVAILABLE = 'ただいまシステムを利用できません'

class Unavailable extends Error {}

interface Patron {
  id: number
  card: string
  loanId: number
  dueOn: string
  address: string
}

interface Stats {
  requests: number
  unavailable: number
  /** When each 503 and each other answer came (ms since the epoch). */
  unavailableAt: number[]
  answeredAt: number[]
}

describe('database cut during a load run', function () {
  this.timeout(300_000)
  let t: TestDatabase
  let proxy: TcpProxy
  let db: Db
  let app: TestServer
  let libraryId: number
  const titles: number[] = []
  const patrons: Patron[] = []
  const stats: Stats = { requests: 0, unavailable: 0, unavailableAt: [], answeredAt: [] }

  before(async function () {
    t = await createTestDatabase({ demo: true, prefix: 'cut' })
    const lib = await t.db
      .selectFrom('library')
      .select('id')
      .where('slug', '=', 'aoba')
      .executeTakeFirstOrThrow()
    libraryId = lib.id
    // Three titles nobody holds, every copy out on loan: everyone queues for them.
    const unheld = await sql<{ id: number }>`
      SELECT r.id FROM record r
      WHERE r.library_id = ${libraryId} AND r.material_type = 'book'
        AND EXISTS (SELECT 1 FROM copy c WHERE c.library_id = r.library_id
          AND c.record_id = r.id AND c.reference_only = 0 AND c.status <> 'missing')
        AND NOT EXISTS (SELECT 1 FROM hold h WHERE h.library_id = r.library_id
          AND h.record_id = r.id)
      ORDER BY r.id LIMIT 3 OFFSET 300`.execute(t.db)
    for (const { id } of unheld.rows) {
      titles.push(id)
      await t.db
        .updateTable('copy')
        .set({ status: 'on_loan' })
        .where('library_id', '=', libraryId)
        .where('record_id', '=', id)
        .execute()
    }
    // Patrons with the demo password aoba1234 (the same hash), each with a renewable loan of a
    // title nobody holds.
    const { password_hash } = await t.db
      .selectFrom('patron')
      .select('password_hash')
      .where('library_id', '=', libraryId)
      .where('card_number', '=', '1101900001')
      .executeTakeFirstOrThrow()
    const free = await sql<{ id: number }>`
      SELECT c.id FROM copy c JOIN record r ON r.library_id = c.library_id AND r.id = c.record_id
      WHERE c.library_id = ${libraryId} AND c.status = 'available' AND c.reference_only = 0
        AND r.material_type = 'book'
        AND NOT EXISTS (SELECT 1 FROM hold h WHERE h.library_id = r.library_id
          AND h.record_id = r.id)
      ORDER BY c.id LIMIT ${PATRONS}`.execute(t.db)
    for (let i = 0; i < PATRONS; i++) {
      const card = String(1101980000 + i)
      const inserted = await t.db
        .insertInto('patron')
        .values({
          library_id: libraryId,
          card_number: card,
          full_name: `負荷 ${i}`,
          birth_date: '1980-05-01',
          residency: 'resident',
          email: `load${i}@example.jp`,
          password_hash,
          password_changed_at: '2026-10-01 01:00:00',
        })
        .executeTakeFirstOrThrow()
      const copyId = free.rows[i]!.id
      await t.db.updateTable('copy').set({ status: 'on_loan' }).where('id', '=', copyId).execute()
      const dueOn = addDays(TODAY, 7)
      const loan = await t.db
        .insertInto('loan')
        .values({
          library_id: libraryId,
          copy_id: copyId,
          patron_id: Number(inserted.insertId),
          loaned_on: addDays(TODAY, -7),
          due_on: dueOn,
        })
        .executeTakeFirstOrThrow()
      patrons.push({
        id: Number(inserted.insertId),
        card,
        loanId: Number(loan.insertId),
        dueOn,
        address: `moved${i}@example.jp`,
      })
    }
    const target = new URL(t.url)
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 3306) })
    target.port = String(proxy.port)
    db = createDb(target.toString(), 10, 5_000)
    app = await startTestServer(db)
  })
  after(async () => {
    await app?.close()
    await db?.destroy()
    await proxy?.stop()
  })

  /** One request's answer: a 503 must be the unavailable page; other statuses as expected. */
  function answer(page: Page, expected: number[]): Page {
    stats.requests++
    if (page.status === 503) {
      expect(page.text).to.include(UNAVAILABLE)
      stats.unavailable++
      stats.unavailableAt.push(Date.now())
      throw new Unavailable()
    }
    stats.answeredAt.push(Date.now())
    expect(expected, `status ${page.status}: ${page.text.slice(0, 300)}`).to.include(page.status)
    return page
  }

  /** Runs a step again while the site is unavailable, as a patron presses again (60 s at most). */
  async function again<T>(step: () => Promise<T>): Promise<T> {
    const until = Date.now() + 60_000
    for (;;) {
      try {
        return await step()
      } catch (err) {
        if (!(err instanceof Unavailable) || Date.now() > until) throw err
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
  }

  async function login(c: FormClient, card: string): Promise<void> {
    const form = answer(await c.get('/aoba/login'), [200])
    answer(await c.submit(form, { card, password: 'aoba1234' }), [303])
  }

  /** 予約する: the request page, its form as the browser sends it, then the confirmation. */
  async function hold(c: FormClient, recordId: number): Promise<void> {
    const confirm = await again(async () => {
      const form = answer(await c.get(`/aoba/holds/new?record=${recordId}`), [200])
      const { action, defaults } = formOf(form.text)
      const chosen = answer(await c.post(action, defaults), [303])
      return answer(await c.follow(chosen), [200])
    })
    // The same confirmation pressed again until it is answered: never a second hold.
    const done = await again(async () => answer(await c.submit(confirm), [303]))
    expect(done.location).to.match(/\/holds\/done/)
  }

  async function renew(c: FormClient, loanId: number): Promise<void> {
    const confirm = await again(async () =>
      answer(await c.get(`/aoba/account/loans/${loanId}/renew`), [200]),
    )
    await again(async () => answer(await c.submit(confirm), [303]))
  }

  async function changeEmail(c: FormClient, address: string): Promise<void> {
    await again(async () => {
      const form = answer(await c.get('/aoba/account/email'), [200])
      answer(await c.submit(form, { address }), [303])
    })
  }

  async function read(c: FormClient): Promise<void> {
    try {
      answer(await c.get('/aoba/account/holds'), [200])
      answer(await c.get(`/aoba/records/${titles[0]}`), [200])
    } catch (err) {
      if (!(err instanceof Unavailable)) throw err
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  it('answers 503 while the database is gone, recovers within 5 s, and leaves nothing half written', async () => {
    const clients = patrons.map(() => new FormClient(app.baseUrl))
    await Promise.all(patrons.map((p, i) => login(clients[i]!, p.card)))

    let stop = false
    const journeys = patrons.map(async (p, i) => {
      const c = clients[i]!
      for (const recordId of titles) {
        await hold(c, recordId)
        await read(c)
      }
      await renew(c, p.loanId)
      await changeEmail(c, p.address)
      while (!stop) await read(c)
    })
    const started = Date.now()
    // Cut once the run is under way: the first writes are done, most are still to come.
    while (stats.answeredAt.length < PATRONS * 4) await new Promise((r) => setTimeout(r, 20))
    const cutAt = Date.now()
    await proxy.stop()
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS))
    await proxy.start()
    const backAt = Date.now()
    let healthyAt = 0
    while (!healthyAt) {
      if ((await fetch(`${app.baseUrl}/healthz`)).status === 200) healthyAt = Date.now()
      else await new Promise((resolve) => setTimeout(resolve, 50))
    }
    // Let the patrons finish, then stop their reading.
    const finished = Promise.all(journeys)
    const firstServed = () => stats.answeredAt.find((at) => at >= backAt) ?? 0
    while (!firstServed()) await new Promise((r) => setTimeout(r, 20))
    stop = true
    await finished
    const seconds = (Date.now() - started) / 1000

    const during = stats.unavailableAt.filter((at) => at >= cutAt && at <= backAt + 200).length
    const recovery = { healthz: healthyAt - backAt, page: firstServed() - backAt }
    process.stdout.write(
      `      ${stats.requests} requests in ${seconds.toFixed(1)} s by ${PATRONS} patrons; ` +
        `${stats.unavailable} answered 503 during a ${OUTAGE_MS / 1000} s cut; ` +
        `back ${recovery.healthz} ms (/healthz) and ${recovery.page} ms (a patron's page) after the database returned\n`,
    )
    expect(during, '503 pages while the database was gone').to.be.above(0)
    expect(recovery.healthz).to.be.below(5_000)
    expect(recovery.page).to.be.below(5_000)

    // Holds: one per patron and title, each with its confirmation record; queues gap-free.
    const holds = await t.db
      .selectFrom('hold')
      .select(['id', 'patron_id', 'record_id', 'status', 'formal_at', 'request_key'])
      .where('library_id', '=', libraryId)
      .where('record_id', 'in', titles)
      .execute()
    expect(holds).to.have.length(PATRONS * titles.length)
    const pairs = new Set(holds.map((h) => `${h.patron_id}:${h.record_id}`))
    expect(pairs.size, 'no hold doubled').to.equal(holds.length)
    expect(holds.every((h) => h.status === 'waiting' && h.formal_at !== null)).to.equal(true)
    const requests = await t.db
      .selectFrom('hold_request')
      .select(['patron_id', 'request_key', 'result_json'])
      .where('library_id', '=', libraryId)
      .execute()
    const placedBy = new Map<string, number[]>()
    for (const r of requests) {
      const result = JSON.parse(r.result_json) as { placed: { holdId: number }[] }
      placedBy.set(
        `${r.patron_id}:${r.request_key}`,
        result.placed.map((p) => p.holdId),
      )
    }
    for (const h of holds) {
      expect(placedBy.get(`${h.patron_id}:${h.request_key}`), `hold ${h.id}`).to.include(h.id)
    }
    const repo = holdRepository(t.db)
    const positions = new Map<number, number[]>(titles.map((id) => [id, []]))
    for (const p of patrons) {
      for (const h of await repo.patronHolds(libraryId, p.id)) {
        positions.get(h.record_id)?.push(h.position ?? 0)
      }
    }
    for (const [, list] of positions) {
      expect(list.sort((a, b) => a - b)).to.deep.equal(
        Array.from({ length: PATRONS }, (_, i) => i + 1),
      )
    }

    // Renewals: each loan renewed exactly once, its due date moved on.
    const loans = await t.db
      .selectFrom('loan')
      .select(['id', 'due_on', 'renewal_count', 'renewed_at'])
      .where(
        'id',
        'in',
        patrons.map((p) => p.loanId),
      )
      .execute()
    for (const loan of loans) {
      expect(loan.renewal_count, `loan ${loan.id}`).to.equal(1)
      expect(loan.renewed_at).to.not.equal(null)
      expect(loan.due_on > addDays(TODAY, 7)).to.equal(true)
    }

    // Address changes: each request has exactly its confirmation mail; one is still open.
    for (const p of patrons) {
      const changes = await t.db
        .selectFrom('email_change')
        .select(['address', 'created_at', 'ended_at'])
        .where('patron_id', '=', p.id)
        .execute()
      const mails = await t.db
        .selectFrom('mail_outbox')
        .select(['to_address', 'created_at'])
        .where('patron_id', '=', p.id)
        .where('kind', '=', 'email_confirm')
        .execute()
      expect(changes.length, `changes of patron ${p.id}`).to.be.at.least(1)
      expect(changes.filter((c) => c.ended_at === null)).to.have.length(1)
      expect(mails.map((m) => `${m.to_address} ${m.created_at}`).sort()).to.deep.equal(
        changes.map((c) => `${c.address} ${c.created_at}`).sort(),
      )
    }
  })
})
