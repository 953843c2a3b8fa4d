// npm run eval:search [-- --database URL] [--library SLUG] [--sql] [--verbose] [--json]
//
// How well the catalogue search finds what people mean: runs the judged query set
// (search-judgements.ts) through the simple search as a patron sends it (the request read as
// the web pages read it, the catalogue service's criteria, the search service with the index
// engine; --sql: without the engine, the SQL reference) in 適合順, and prints
//   success@1  — share of queries whose first hit is a judged record,
//   success@5  — … with a judged record among the first five,
//   nDCG@10    — graded gain of the first ten hits against the best possible order of the
//                judged records the library holds (mean over the queries),
// overall and by kind of query; --verbose adds each query's first hits. Without --database it
// makes a schema of its own, loads the demo catalogue as the tests do (today 2026-11-23),
// builds the search index, and drops the schema at the end.
import { randomBytes } from 'node:crypto'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createDb, dropDatabase, ensureDatabase } from '../../server/db/database.ts'
import type { Db } from '../../server/db/database.ts'
import { migrate } from '../../server/db/migrator.ts'
import { searchRepository } from '../../server/db/search-repository.ts'
import { loadDemo } from '../../server/demo/demo-loader.ts'
import { readSearchRequest } from '../../server/routes/search-params.ts'
import { searchCriteria } from '../../server/services/catalogue-service.ts'
import { fold } from '../../server/services/search/fold.ts'
import { createSearchEngine } from '../../server/services/search/search-engine.ts'
import { searchService } from '../../server/services/search/search-service.ts'
import type { SearchService } from '../../server/services/search/search-service.ts'
import { JUDGED_QUERIES } from './search-judgements.ts'
import type { Judged, JudgedQuery, QueryKind } from './search-judgements.ts'

export const DEPTH = 10

interface Described {
  id: number
  title: string
  author: string
  isbn: string | null
}

/** The grade of a record for a query's judgements (0: not judged relevant). */
export function gradeOf(record: Described, relevant: readonly Judged[]): number {
  let best = 0
  for (const j of relevant) {
    const ok =
      (j.isbn === undefined || record.isbn === j.isbn) &&
      (j.title === undefined || fold(record.title) === fold(j.title)) &&
      (j.author === undefined || fold(record.author).includes(fold(j.author)))
    if (ok) best = Math.max(best, j.grade ?? 2)
  }
  return best
}

/** Discounted cumulative gain of grades in order (gain 2^g − 1, log2 discount). */
export function dcg(grades: readonly number[]): number {
  return grades.reduce((sum, g, i) => sum + (2 ** g - 1) / Math.log2(i + 2), 0)
}

export interface QueryResult {
  q: string
  kind: QueryKind
  /** How many judged records the library holds (0: the query cannot be answered there). */
  held: number
  total: number
  /** 1-based rank of the first judged record in the first DEPTH hits, or null. */
  firstRelevant: number | null
  ndcg: number
  /** The first hits: title / author (grade). */
  top: string[]
}

export interface EvalSummary {
  queries: number
  success1: number
  success5: number
  ndcg10: number
  byKind: Record<string, { queries: number; success1: number; success5: number; ndcg10: number }>
  results: QueryResult[]
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0)

function summarise(results: QueryResult[]): Omit<EvalSummary, 'byKind' | 'results'> {
  return {
    queries: results.length,
    success1: mean(results.map((r) => (r.firstRelevant === 1 ? 1 : 0))),
    success5: mean(results.map((r) => (r.firstRelevant !== null && r.firstRelevant <= 5 ? 1 : 0))),
    ndcg10: mean(results.map((r) => r.ndcg)),
  }
}

/** Runs the judged queries against one library through a search service. */
export async function evaluateSearch(
  db: Db,
  libraryId: number,
  search: SearchService,
  queries: readonly JudgedQuery[] = JUDGED_QUERIES,
): Promise<EvalSummary> {
  const branches = await db
    .selectFrom('branch')
    .select(['id', 'code'])
    .where('library_id', '=', libraryId)
    .execute()
  const describe = async (ids: readonly number[]): Promise<Map<number, Described>> => {
    if (ids.length === 0) return new Map()
    const rows = await db
      .selectFrom('record')
      .select(['id', 'title', 'author', 'isbn'])
      .where('library_id', '=', libraryId)
      .where('id', 'in', ids)
      .execute()
    return new Map(rows.map((r) => [r.id, r]))
  }
  // The judged records the library holds, for the ideal order: by ISBN, or by title, or (for
  // an author alone) every record whose author contains it.
  const held = async (relevant: readonly Judged[]): Promise<number[]> => {
    const grades: number[] = []
    const seen = new Set<number>()
    for (const j of relevant) {
      let q = db
        .selectFrom('record')
        .select(['id', 'title', 'author', 'isbn'])
        .where('library_id', '=', libraryId)
      if (j.isbn !== undefined) q = q.where('isbn', '=', j.isbn)
      else if (j.title !== undefined) q = q.where('title', '=', j.title)
      else if (j.author !== undefined) q = q.where('author', 'like', `%${j.author}%`)
      for (const r of await q.execute()) {
        if (seen.has(r.id)) continue
        const g = gradeOf(r, relevant)
        if (g > 0) {
          seen.add(r.id)
          grades.push(g)
        }
      }
    }
    return grades.sort((a, b) => b - a).slice(0, DEPTH)
  }

  const results: QueryResult[] = []
  for (const judged of queries) {
    const request = readSearchRequest({ q: [judged.q] })
    const checked = searchCriteria(request, branches)
    let total = 0
    let grades: number[] = []
    const top: string[] = []
    if (checked.ok) {
      const found = await search.search(libraryId, checked.criteria, 'relevance', {
        offset: 0,
        limit: DEPTH,
      })
      total = found.total
      const described = await describe(found.hits.map((h) => h.id))
      grades = found.hits.map((h) => {
        const r = described.get(h.id)
        const g = r ? gradeOf(r, judged.relevant) : 0
        top.push(`${h.title} / ${h.author} (${g})`)
        return g
      })
    }
    const heldGrades = await held(judged.relevant)
    const ideal = dcg(heldGrades)
    const first = grades.findIndex((g) => g > 0)
    results.push({
      q: judged.q,
      kind: judged.kind,
      held: heldGrades.length,
      total,
      firstRelevant: first < 0 ? null : first + 1,
      ndcg: ideal > 0 ? dcg(grades) / ideal : 0,
      top,
    })
  }
  const byKind: EvalSummary['byKind'] = {}
  for (const kind of new Set(results.map((r) => r.kind))) {
    byKind[kind] = summarise(results.filter((r) => r.kind === kind))
  }
  return { ...summarise(results), byKind, results }
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7)

export function formatSummary(s: EvalSummary, verbose = false): string {
  const lines: string[] = []
  if (verbose) {
    for (const r of s.results) {
      const at = r.firstRelevant === null ? '  -' : String(r.firstRelevant).padStart(3)
      lines.push(`${at}  nDCG ${r.ndcg.toFixed(3)}  ${r.q}  (${r.total} hits)`)
      for (const t of r.top.slice(0, 5)) lines.push(`        ${t}`)
    }
    lines.push('')
  }
  const unheld = s.results.filter((r) => r.held === 0).map((r) => r.q)
  if (unheld.length) lines.push(`judged records not held by the library: ${unheld.join(', ')}`)
  lines.push('kind           queries  success@1  success@5  nDCG@10')
  const row = (name: string, k: Omit<EvalSummary, 'byKind' | 'results'>) =>
    `${name.padEnd(14)} ${String(k.queries).padStart(7)}  ${pct(k.success1)}    ${pct(k.success5)}    ${k.ndcg10.toFixed(3)}`
  for (const [kind, k] of Object.entries(s.byKind)) lines.push(row(kind, k))
  lines.push(row('all', s))
  return lines.join('\n')
}

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const option = (name: string) => {
    const i = args.indexOf(name)
    return i >= 0 ? args[i + 1] : undefined
  }
  const slug = option('--library') ?? 'minato'
  let url = option('--database')
  let own = false
  if (!url) {
    url = `mysql://root@127.0.0.1:3306/opac_eval_${randomBytes(4).toString('hex')}`
    own = true
    process.stderr.write(`loading the demo catalogue into ${url} …\n`)
    await ensureDatabase(url)
    await migrate(url)
  }
  const db = createDb(url, 4)
  try {
    if (own) await loadDemo(db, { today: '2026-11-23' })
    const library = await db
      .selectFrom('library')
      .select('id')
      .where('slug', '=', slug)
      .executeTakeFirstOrThrow()
    const engine = createSearchEngine({ db })
    await engine.maintain()
    const search = searchService({
      repository: searchRepository(db),
      engine: args.includes('--sql') ? undefined : engine,
    })
    const summary = await evaluateSearch(db, library.id, search)
    if (args.includes('--json')) {
      const { queries, success1, success5, ndcg10, byKind } = summary
      process.stdout.write(`${JSON.stringify({ queries, success1, success5, ndcg10, byKind })}\n`)
    } else process.stdout.write(`${formatSummary(summary, args.includes('--verbose'))}\n`)
  } finally {
    await db.destroy()
    if (own) await dropDatabase(url)
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exitCode = 1
  })
}
