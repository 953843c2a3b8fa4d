// The judged query set (test/eval/search-judgements.ts) on the demo catalogue: the figures
// `npm run eval:search` prints must not fall below a floor, through the index and through
// SQL alone, and both must rank every judged query the same way.
import { expect } from 'chai'
import type { Db } from '../../../server/db/database.ts'
import { searchRepository } from '../../../server/db/search-repository.ts'
import { createSearchEngine } from '../../../server/services/search/search-engine.ts'
import { searchService } from '../../../server/services/search/search-service.ts'
import { evaluateSearch, formatSummary } from '../../eval/search-eval.ts'
import type { EvalSummary } from '../../eval/search-eval.ts'
import { JUDGED_QUERIES } from '../../eval/search-judgements.ts'
import { libraryIdOf, sharedDemoDatabase } from '../../helpers/test-database.ts'

/** The figures measured when the floor was set, less a small margin. */
const FLOOR = { success1: 0.93, success5: 0.95, ndcg10: 0.88 }

describe('search quality on the judged query set', function () {
  this.timeout(300_000)
  let db: Db
  let libraryId: number
  let indexed: EvalSummary
  let scanning: EvalSummary
  before(async function () {
    ;({ db } = await sharedDemoDatabase(this))
    libraryId = await libraryIdOf(db, 'minato')
    const engine = createSearchEngine({ db })
    await engine.build(libraryId)
    indexed = await evaluateSearch(
      db,
      libraryId,
      searchService({ repository: searchRepository(db), engine }),
    )
    scanning = await evaluateSearch(
      db,
      libraryId,
      searchService({ repository: searchRepository(db) }),
    )
  })

  it('has at least 40 queries of every kind, each answerable in the library', () => {
    expect(JUDGED_QUERIES.length).to.be.at.least(40)
    const kinds = new Set(JUDGED_QUERIES.map((q) => q.kind))
    for (const kind of ['title', 'author', 'reading', 'partial', 'isbn', 'typo', 'variant']) {
      expect(kinds, kind).to.include(kind)
    }
    const unheld = indexed.results.filter((r) => r.held === 0).map((r) => r.q)
    expect(unheld, 'queries whose judged records the library does not hold').to.deep.equal([])
  })

  it('finds what people mean at least as well as when the floor was set', () => {
    const figures = formatSummary(indexed)
    expect(indexed.success1, figures).to.be.at.least(FLOOR.success1)
    expect(indexed.success5, figures).to.be.at.least(FLOOR.success5)
    expect(indexed.ndcg10, figures).to.be.at.least(FLOOR.ndcg10)
  })

  it('ranks the same through the index and through SQL alone', () => {
    for (const [i, r] of indexed.results.entries()) {
      const s = scanning.results[i]
      expect(s?.top, r.q).to.deep.equal(r.top)
      expect(s?.total, r.q).to.equal(r.total)
    }
  })
})
