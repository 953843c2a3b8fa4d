// Facet counts are the totals their links lead to: with a branch chosen, another branch's count
// is the number of results when that branch is chosen instead (likewise material types and
// decades), and NDC counts drill down class → division → section — through the index and
// through SQL alone, which agree.
import { expect } from 'chai'
import type { Db } from '../../../server/db/database.ts'
import { browseRepository } from '../../../server/db/browse-repository.ts'
import { searchRepository } from '../../../server/db/search-repository.ts'
import type { SearchCriteria } from '../../../server/db/search-repository.ts'
import { foldWords } from '../../../server/services/search/fold.ts'
import { createSearchEngine } from '../../../server/services/search/search-engine.ts'
import { searchService } from '../../../server/services/search/search-service.ts'
import type { SearchService } from '../../../server/services/search/search-service.ts'
import { libraryIdOf, sharedDemoDatabase } from '../../helpers/test-database.ts'

describe('search facets count what their links show', function () {
  this.timeout(300_000)
  let db: Db
  let libraryId: number
  let services: [string, SearchService][]
  let branchIds: number[]
  before(async function () {
    ;({ db } = await sharedDemoDatabase(this))
    libraryId = await libraryIdOf(db, 'minato')
    const engine = createSearchEngine({ db, copySnapshotMaxAgeMs: 0 })
    await engine.build(libraryId)
    services = [
      ['index', searchService({ repository: searchRepository(db), engine })],
      ['sql', searchService({ repository: searchRepository(db) })],
    ]
    branchIds = (
      await db.selectFrom('branch').select('id').where('library_id', '=', libraryId).execute()
    ).map((b) => b.id)
  })

  const total = async (s: SearchService, c: SearchCriteria) =>
    (await s.search(libraryId, c, 'relevance', { offset: 0, limit: 1 })).total

  const words = (q: string): SearchCriteria => {
    const w = foldWords(q)
    return { words: w, rankText: w.join('') }
  }

  it('counts other branches as the results of choosing them instead', async () => {
    for (const [name, s] of services) {
      for (const [q, availableOnly] of [
        ['の', false],
        ['宮沢賢治', false],
        ['の', true],
      ] as const) {
        const chosen = branchIds[1] ?? 0
        const criteria = { ...words(q), branchId: chosen, availableOnly }
        const facets = await s.facets(libraryId, criteria)
        expect(facets.branches.length, `${name} ${q}`).to.be.greaterThan(1)
        for (const b of facets.branches) {
          const shown = await total(s, { ...criteria, branchId: b.id })
          expect(b.count, `${name} ${q} avail=${availableOnly} branch ${b.name}`).to.equal(shown)
        }
      }
    }
  })

  it('counts material types and decades as the results of choosing them instead', async () => {
    for (const [name, s] of services) {
      const criteria: SearchCriteria = {
        ...words('の'),
        materialTypes: ['book'],
        yearFrom: 1990,
        yearTo: 1999,
      }
      const facets = await s.facets(libraryId, criteria)
      expect(facets.materialTypes.length, name).to.be.greaterThan(1)
      for (const t of facets.materialTypes) {
        expect(t.count, `${name} ${t.value}`).to.equal(
          await total(s, { ...criteria, materialTypes: [t.value] }),
        )
      }
      expect(facets.decades.length, name).to.be.greaterThan(1)
      for (const d of facets.decades) {
        expect(d.count, `${name} ${d.value}`).to.equal(
          await total(s, { ...criteria, yearFrom: d.value, yearTo: d.value + 9 }),
        )
      }
    }
  })

  it('drills NDC down from class to division to section', async () => {
    for (const [name, s] of services) {
      const top = await s.facets(libraryId, words('の'))
      expect(
        top.ndcClasses.map((c) => c.value.length),
        name,
      ).to.satisfy((ls: number[]) => ls.every((l) => l === 1))
      const divisions = await s.facets(libraryId, { ...words('の'), ndc: '9' })
      expect(divisions.ndcClasses.length, name).to.be.greaterThan(1)
      for (const c of divisions.ndcClasses) {
        expect(c.value, name).to.match(/^9[0-9]$/)
        expect(c.count, `${name} ${c.value}`).to.equal(
          await total(s, { ...words('の'), ndc: c.value }),
        )
      }
      const sections = await s.facets(libraryId, { ...words('の'), ndc: '91' })
      expect(sections.ndcClasses.length, name).to.be.greaterThan(1)
      for (const c of sections.ndcClasses) expect(c.value, name).to.match(/^91[0-9]$/)
      const below = await s.facets(libraryId, { ...words('の'), ndc: '913' })
      expect(below.ndcClasses, name).to.deep.equal([])
    }
  })

  it('counts 分類から探す from the index as the browse repository does', async () => {
    const engine = createSearchEngine({ db })
    const browse = browseRepository(db)
    for (const notation of ['', '9', '91', '4']) {
      const indexed = await engine.ndcCounts(libraryId, notation)
      expect(indexed, notation).to.deep.equal(await browse.ndcCounts(libraryId, notation))
      expect(indexed?.size ?? 0, notation).to.be.greaterThan(0)
    }
  })

  it('gives the same counts through the index and through SQL', async () => {
    const [[, indexed], [, scanning]] = services as [
      [string, SearchService],
      [string, SearchService],
    ]
    for (const criteria of [
      { ...words('宮沢賢治'), branchId: branchIds[0] },
      { ...words('の'), ndc: '91', availableOnly: true },
      { ...words('こころ'), materialTypes: ['book' as const] },
    ]) {
      expect(await indexed.facets(libraryId, criteria)).to.deep.equal(
        await scanning.facets(libraryId, criteria),
      )
    }
  })
})
