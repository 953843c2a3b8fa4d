// npm run bench:holds [-- --patrons N]
//
// Contention through HTTP: N patrons (default 200) of a rules-B library (limit 5 holds; web
// holds formal at once, so they queue) place holds on the same 5 titles at once, each title
// in a session of its own, through the real HTTP server — a login, the hold form, its
// confirmation page and 「予約する」, as a browser does, 250 of the N × 5 journeys in flight at
// any moment (each patron's 5 side by side).
// A quarter of the patrons already hold 3 other titles at the counter: of their 5 attempts,
// exactly 2 may succeed. Checked afterwards, on the pages the patrons see (予約状況一覧) and
// in the database: no patron over the limit, limited patrons got exactly 2 and the others 5, no
// title held twice by one patron, each title's queue positions 1…n without gaps or repeats.
// Prints the p95 of the confirmation (the contended write) and of the whole hold journey,
// then one JSON line last:
// {"patrons","titles","holds","refused","confirm_p95_ms","journey_p95_ms","seconds","violations"}
import { createHmac, randomBytes, scryptSync } from 'node:crypto'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as cheerio from 'cheerio'
import { sql } from 'kysely'
import type { Db } from '../../server/db/database.ts'
import { FormClient } from '../helpers/form-client.ts'
import { holdFixture } from '../helpers/hold-fixture.ts'
import { startTestServer } from '../helpers/test-server.ts'

export interface ContentionResult {
  patrons: number
  titles: number
  holds: number
  refused: number
  confirm_p95_ms: number
  journey_p95_ms: number
  seconds: number
  /** What broke an invariant (empty when every limit held and every queue is gap-free). */
  violations: string[]
}

const TITLES = ['book', 'popular', 'shelf', 'volume1', 'volume2']
const LIMIT = 5
const PASSWORD = 'Kyoso2026'

/**
 * The login password's hash at scrypt's lowest cost the app accepts (N = 2^10; production
 * hashes use 2^15), so that N × 5 logins cost little: the hash format and the verification
 * are the app's own (stored hashes carry their parameters).
 */
function cheapHash(password: string, pepper: string): string {
  const salt = randomBytes(16)
  const peppered = createHmac('sha256', pepper).update(password, 'utf8').digest()
  const key = scryptSync(peppered, salt, 32, { N: 1024, r: 8, p: 1 })
  return ['scrypt', 10, 8, 1, salt.toString('base64'), key.toString('base64')].join('$')
}

/**
 * At most `limit` of the calls in flight: a thousand connections opened at the same instant
 * overflow the listen backlog of one Node server (connections reset), so the bench keeps 250
 * journeys going at once — each patron's 5 sessions side by side.
 */
async function inParallel<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>) {
  const results: R[] = new Array<R>(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]!, i)
    }),
  )
  return results
}
const IN_FLIGHT = 250

const p95 = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? 0
}

export async function runHoldContention(
  db: Db,
  options: { patrons?: number; log?: (line: string) => void } = {},
): Promise<ContentionResult> {
  const patronCount = options.patrons ?? 200
  const log = options.log ?? (() => undefined)
  const lib = await holdFixture(db, 'B', { patrons: patronCount, popularCopies: 2 })
  await db
    .updateTable('library')
    .set({ settings_json: JSON.stringify({ webHoldsWaitForNextOpeningDay: false }) })
    .where('id', '=', lib.library.id)
    .execute()
  // All clients come from 127.0.0.1 and each card logs in 5 times at once: the login throttle
  // (which reserves an attempt before verifying) would take that for guessing.
  const app = await startTestServer(db, {
    env: { LOGIN_MAX_FAILURES: '100', ADDRESS_MAX_FAILURES: '10000' },
  })
  try {
    const pepper = app.deps.config.passwordPepper
    const patrons = Array.from({ length: patronCount }, (_, i) => `p${i + 1}`)
    const cards = new Map<string, string>()
    for (const name of patrons) {
      const id = lib.patrons[name]!
      await db
        .updateTable('patron')
        .set({ password_hash: cheapHash(PASSWORD, pepper) })
        .where('id', '=', id)
        .execute()
      const row = await db
        .selectFrom('patron')
        .select('card_number')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
      cards.set(name, row.card_number)
    }
    // A quarter already hold 3 titles of their own at the counter (formal, in the queue).
    const limited = new Set(patrons.filter((_, i) => i % 4 === 3))
    const others: number[] = []
    for (let k = 0; k < 3; k++) {
      const r = await db
        .insertInto('record')
        .values({
          library_id: lib.library.id,
          title: `counter${k}`,
          material_type: 'book',
          source: 'test',
          source_id: `counter${k}`,
          search_text: '',
        })
        .executeTakeFirstOrThrow()
      others.push(Number(r.insertId))
    }
    for (const name of limited) {
      for (const recordId of others) {
        await db
          .insertInto('hold')
          .values({
            library_id: lib.library.id,
            record_id: recordId,
            patron_id: lib.patrons[name]!,
            pickup_branch_id: lib.branchIds.central,
            status: 'waiting',
            channel: 'counter',
            requested_at: '2026-11-20 01:00:00',
            formal_at: '2026-11-20 01:00:00',
            trapped_copy_id: null,
            pickup_deadline: null,
          })
          .execute()
      }
    }

    // Every (patron, title) pair logs in a session of its own first (not measured).
    log(`logging in ${patronCount} patrons × ${TITLES.length} sessions`)
    const journeys = patrons.flatMap((name) => TITLES.map((title) => ({ name, title })))
    const clients = await inParallel(journeys, IN_FLIGHT, async ({ name }) => {
      const c = new FormClient(app.baseUrl)
      const form = await c.get(`/${lib.slug}/login`)
      const done = await c.submit(form, { card: cards.get(name)!, password: PASSWORD })
      if (done.status !== 303) throw new Error(`login of ${name}: ${done.status}`)
      return c
    })

    log(`${journeys.length} hold journeys at once`)
    const confirmTimes: number[] = []
    const journeyTimes: number[] = []
    let placed = 0
    let refused = 0
    const violations: string[] = []
    const started = performance.now()
    await inParallel(journeys, IN_FLIGHT, async ({ name, title }, i) => {
      const c = clients[i]!
      const t0 = performance.now()
      const form = await c.get(`/${lib.slug}/holds/new?record=${lib.records[title]}`)
      const $ = cheerio.load(form.text)
      const pickup = $('#pickup-0 option').first().attr('value')
      if (!pickup) {
        // Refused on the form already (the limit reached by this patron's other sessions).
        refused++
        journeyTimes.push(performance.now() - t0)
        return
      }
      const chosen = await c.submit(form, { 'pickup-0': pickup, 'contact-0': 'none' })
      const confirm = chosen.status === 303 ? await c.follow(chosen) : chosen
      if (confirm.status !== 200 || !cheerio.load(confirm.text)('input[name=key]').length) {
        refused++
        journeyTimes.push(performance.now() - t0)
        return
      }
      const t1 = performance.now()
      const done = await c.submit(confirm)
      confirmTimes.push(performance.now() - t1)
      journeyTimes.push(performance.now() - t0)
      if (done.status === 303 && /\/holds\/done\//.test(done.location ?? '')) {
        const page = await c.follow(done)
        if (/件の予約を受け付けました/.test(page.text)) placed++
        else refused++
      } else if (done.status === 200 || done.status === 409) {
        refused++
      } else {
        violations.push(`${name} ${title}: confirmation answered ${done.status}`)
      }
    })
    const seconds = (performance.now() - started) / 1000

    // What the patrons see: each one's 予約状況一覧, with the queue positions (N位).
    const positions = new Map<string, number[]>(TITLES.map((t) => [t, []]))
    for (const name of patrons) {
      const c = clients[patrons.indexOf(name) * TITLES.length]!
      const page = await c.get(`/${lib.slug}/account/holds`)
      const $ = cheerio.load(page.text)
      const mine: string[] = []
      $('table.holds tbody tr').each((_, tr) => {
        const cells = $(tr).find('td')
        const title = cells.eq(0).find('a').first().text().trim()
        const position = /(\d+)位/.exec(cells.eq(1).text())
        if (!TITLES.includes(title)) return
        mine.push(title)
        if (position) positions.get(title)?.push(Number(position[1]))
        else violations.push(`${name} ${title}: no queue position shown`)
      })
      const total = mine.length + (limited.has(name) ? 3 : 0)
      if (total > LIMIT) violations.push(`${name}: ${total} holds, over the limit of ${LIMIT}`)
      const expected = limited.has(name) ? LIMIT - 3 : TITLES.length
      if (mine.length !== expected) {
        violations.push(`${name}: ${mine.length} of the titles held, ${expected} expected`)
      }
      if (new Set(mine).size !== mine.length) violations.push(`${name}: a title held twice`)
    }
    for (const [title, list] of positions) {
      const sorted = [...list].sort((a, b) => a - b)
      if (!sorted.every((p, i) => p === i + 1)) {
        violations.push(`${title}: positions ${sorted.join(',')} are not 1…${sorted.length}`)
      }
    }
    // And in the database: active holds per patron within the limit, per title one each.
    const rows = await sql<{ patron_id: number; n: number; titles: number }>`
      SELECT patron_id, COUNT(*) AS n, COUNT(DISTINCT record_id) AS titles FROM hold
      WHERE library_id = ${lib.library.id} AND status IN ('requested', 'waiting')
      GROUP BY patron_id`.execute(db)
    for (const r of rows.rows) {
      if (Number(r.n) > LIMIT) violations.push(`patron ${r.patron_id}: ${r.n} holds in the table`)
      if (Number(r.titles) !== Number(r.n)) violations.push(`patron ${r.patron_id}: a title twice`)
    }
    const holds = [...positions.values()].reduce((n, l) => n + l.length, 0)
    if (holds !== placed) violations.push(`${placed} placed but ${holds} on the patrons' lists`)
    return {
      patrons: patronCount,
      titles: TITLES.length,
      holds,
      refused,
      confirm_p95_ms: Number(p95(confirmTimes).toFixed(1)),
      journey_p95_ms: Number(p95(journeyTimes).toFixed(1)),
      seconds: Number(seconds.toFixed(1)),
      violations,
    }
  } finally {
    await app.close()
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { createTestDatabase, dropAllTestDatabases } = await import('../helpers/test-database.ts')
  const at = process.argv.indexOf('--patrons')
  const patrons = at >= 0 ? Number(process.argv[at + 1]) : 200
  const t = await createTestDatabase({ prefix: 'holds' })
  try {
    const result = await runHoldContention(t.db, {
      patrons,
      log: (line) => process.stderr.write(`${line}\n`),
    })
    for (const v of result.violations) process.stderr.write(`VIOLATION ${v}\n`)
    process.stderr.write(
      `${result.holds} holds placed, ${result.refused} refused in ${result.seconds} s; ` +
        `confirmation p95 ${result.confirm_p95_ms} ms, whole journey p95 ${result.journey_p95_ms} ms\n`,
    )
    process.stdout.write(`${JSON.stringify({ ...result, violations: result.violations.length })}\n`)
    process.exitCode = result.violations.length ? 1 : 0
  } finally {
    await dropAllTestDatabases()
  }
}
