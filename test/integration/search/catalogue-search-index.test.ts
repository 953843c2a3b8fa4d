// The catalogue search as the app runs it (the search service's search and facets) with the
// search index, against the same search by SQL alone (no engine), on the demo catalogue:
// free words, readings, field searches in every title mode, filters, every sort, deep pages,
// facets; edits and deletions through the repository seen at once, and after compaction.
import { expect } from 'chai'
import type { Db } from '../../../server/db/database.ts'
import { recordRepository } from '../../../server/db/record-repository.ts'
import type { RecordRepository } from '../../../server/db/record-repository.ts'
import { KEY_SEPARATOR } from '../../../server/db/search-layout.ts'
import { searchRepository } from '../../../server/db/search-repository.ts'
import type { SearchCriteria, SearchSort } from '../../../server/db/search-repository.ts'
import { fold, foldWords } from '../../../server/services/search/fold.ts'
import { createSearchEngine } from '../../../server/services/search/search-engine.ts'
import type { SearchEngine } from '../../../server/services/search/search-engine.ts'
import { searchFields } from '../../../server/services/search/search-fields.ts'
import { searchService } from '../../../server/services/search/search-service.ts'
import type { SearchService } from '../../../server/services/search/search-service.ts'
import { createTestDatabase, libraryIdOf } from '../../helpers/test-database.ts'

const SORTS: SearchSort[] = ['relevance', 'title', 'author', 'year_desc', 'year_asc']

describe('catalogue search through the index, against SQL alone', function () {
  this.timeout(300_000)
  let db: Db
  let engine: SearchEngine
  let indexed: SearchService
  let scanning: SearchService
  let records: RecordRepository
  let libraryId: number
  let branches: number[]
  let rows: {
    id: number
    title: string
    title_reading: string
    author: string
    publisher: string
    subjects: string
    search_text: string
    title_key: string
    author_key: string
    publisher_key: string
    subject_key: string
  }[]
  before(async () => {
    ;({ db } = await createTestDatabase({ demo: true, prefix: 'catidx' }))
    // copy snapshots always read afresh: edits below must show in copy filters and facets
    engine = createSearchEngine({ db, copySnapshotMaxAgeMs: 0 })
    indexed = searchService({ repository: searchRepository(db), engine })
    scanning = searchService({ repository: searchRepository(db) })
    records = recordRepository(db)
    libraryId = await libraryIdOf(db, 'minato')
    branches = (
      await db.selectFrom('branch').select('id').where('library_id', '=', libraryId).execute()
    ).map((b) => b.id)
    rows = await db
      .selectFrom('record')
      .select([
        'id',
        'title',
        'title_reading',
        'author',
        'publisher',
        'subjects',
        'search_text',
        'title_key',
        'author_key',
        'publisher_key',
        'subject_key',
      ])
      .where('library_id', '=', libraryId)
      .orderBy('id')
      .execute()
  })

  it('has the index the demo loader built, current', async () => {
    for (const l of await db.selectFrom('library').select('id').execute()) {
      expect(await engine.status(l.id)).to.equal('current')
    }
  })

  it('holds every field key part inside search_text (so index candidates are a superset)', () => {
    let parts = 0
    for (const r of rows) {
      for (const key of [r.title_key, r.author_key, r.publisher_key, r.subject_key]) {
        for (const part of key.split(KEY_SEPARATOR).filter(Boolean)) {
          parts++
          expect(r.search_text.includes(part), `${r.id}: ${part}`).to.equal(true)
        }
      }
    }
    expect(parts).to.be.greaterThan(rows.length * 3)
  })

  it('ranks a title typed as its reading like the title itself', async () => {
    // a kanji title whose reading is not shared by a title that ranks before it
    const r = rows.find((x) => x.title === '濹東綺譚')
    expect(r, '濹東綺譚 in the demo catalogue').to.not.equal(undefined)
    for (const query of ['ぼくとうきだん', 'ボクトウキダン', 'ﾎﾞｸﾄｳｷﾀﾞﾝ', 'ぼくとう']) {
      const words = foldWords(query)
      const criteria = { words, rankText: words.join('') }
      const result = await indexed.search(libraryId, criteria, 'relevance', { offset: 0, limit: 5 })
      expect(result.hits[0]?.title, query).to.equal('濹東綺譚')
      expect(result).to.deep.equal(
        await scanning.search(libraryId, criteria, 'relevance', { offset: 0, limit: 5 }),
      )
    }
  })

  it('ranks an author’s works above books titled with the author’s name, edited ones too', async () => {
    const words = foldWords('芥川竜之介')
    const criteria = { words, rankText: words.join('') }
    const page = { offset: 0, limit: 30 }
    const byAuthor = (hit: { author: string }) => fold(hit.author) === words.join('')
    const about = rows.find((r) => r.title === '芥川竜之介')
    expect(about, 'a book titled 芥川竜之介 in the demo catalogue').to.not.equal(undefined)
    const check = async () => {
      const result = await indexed.search(libraryId, criteria, 'relevance', page)
      expect(result).to.deep.equal(await scanning.search(libraryId, criteria, 'relevance', page))
      expect(result.hits.slice(0, 3).every(byAuthor), 'the first three by the author').to.equal(
        true,
      )
      expect(result.hits[0]?.id).to.not.equal(about?.id)
      return result
    }
    await check()
    // an edited record (matched from its row, not the index) is ranked alike
    const other = rows.find((r) => r.title === '濹東綺譚')
    if (!other) throw new Error('no 濹東綺譚')
    const edit = { title: '芥川竜之介の生涯', title_reading: '' }
    expect(await records.update(libraryId, other.id, edit, searchFields)).to.equal(true)
    try {
      const result = await check()
      expect(result.hits.map((h) => h.id).slice(0, 3)).to.not.include(other.id)
    } finally {
      const { title, title_reading } = other
      await records.update(libraryId, other.id, { title, title_reading }, searchFields)
    }
    // a title that names no author still opens with the exact title
    const title = foldWords('羅生門')
    const ranked = await indexed.search(
      libraryId,
      { words: title, rankText: title.join('') },
      'relevance',
      { offset: 0, limit: 1 },
    )
    expect(ranked.hits[0]?.title).to.equal('羅生門')
  })
  it('gives the same totals, pages and facets as SQL for 400 random searches', async () => {
    let seed = 11
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed / 4294967296
    }
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T
    const piece = (text: string, max = 4) => {
      const chars = Array.from(text.normalize('NFKC').replace(/\s+/g, ''))
      const len = 1 + Math.floor(rnd() * max)
      const start = Math.floor(rnd() * Math.max(1, chars.length - len))
      return chars.slice(start, start + len).join('')
    }
    let checked = 0
    let nonEmpty = 0
    for (let i = 0; i < 400; i++) {
      const r = pick(rows)
      const c: SearchCriteria = { words: [], rankText: '' }
      const shape = rnd()
      if (shape < 0.35) c.words = foldWords(piece(r.title))
      else if (shape < 0.45) c.words = foldWords(r.title_reading || r.title)
      else if (shape < 0.55) c.words = foldWords(`${piece(r.title, 2)} ${piece(r.author, 2)}`)
      else if (shape < 0.7) {
        const mode = pick(['contains', 'prefix', 'exact'] as const)
        const text = mode === 'contains' ? piece(r.title) : pick([r.title, r.title_reading])
        c.title = { words: foldWords(text), mode }
      } else if (shape < 0.8) c.author = foldWords(piece(r.author, 3))
      else if (shape < 0.87) c.publisher = foldWords(piece(r.publisher, 3))
      else if (shape < 0.92) c.subject = foldWords(piece(r.subjects, 3))
      else c.words = foldWords(piece(r.title, 1))
      c.rankText = c.words.join('') || (c.title?.words.join('') ?? '')
      const f = rnd()
      if (f < 0.1) c.yearFrom = 1900 + Math.floor(rnd() * 120)
      else if (f < 0.2) c.availableOnly = true
      else if (f < 0.3) c.branchId = pick(branches)
      else if (f < 0.38) c.ndc = String(Math.floor(rnd() * 10))
      else if (f < 0.42) c.materialTypes = ['book']
      else if (f < 0.45) c.callNumberPrefix = pick(['9', '91', 'E', 'C'])
      const sort = rnd() < 0.6 ? 'relevance' : pick(SORTS)
      const offset = rnd() < 0.8 ? 0 : Math.floor(rnd() * 40)
      const label = JSON.stringify({ c, sort, offset })
      const expected = await scanning.search(libraryId, c, sort, { offset, limit: 10 })
      expect(await indexed.search(libraryId, c, sort, { offset, limit: 10 }), label).to.deep.equal(
        expected,
      )
      if (i % 4 === 0) {
        expect(await indexed.facets(libraryId, c), label).to.deep.equal(
          await scanning.facets(libraryId, c),
        )
      }
      checked++
      if (expected.total > 0) nonEmpty++
    }
    expect(checked).to.equal(400)
    expect(nonEmpty).to.be.greaterThan(300)
  })

  it('gives the same facets for a word in most records (the copy snapshot path)', async () => {
    for (const word of ['ノ', 'ア', '1']) {
      const c = { words: [fold(word)], rankText: fold(word) }
      const facets = await indexed.facets(libraryId, c)
      expect(facets, word).to.deep.equal(await scanning.facets(libraryId, c))
      expect(facets.branches.length, word).to.be.greaterThan(1)
    }
  })

  it('reads sorted pages of large results in the sort key order, as SQL sorts them', async () => {
    let large = 0
    for (const text of ['の', 'ア', 'ン']) {
      const words = [fold(text)]
      const c: SearchCriteria = { words, rankText: words.join('') }
      for (const sort of ['title', 'author', 'year_asc'] as const) {
        for (const offset of [0, 37, 4990]) {
          const label = `${text} ${sort} ${offset}`
          const expected = await scanning.search(libraryId, c, sort, { offset, limit: 10 })
          expect(
            await indexed.search(libraryId, c, sort, { offset, limit: 10 }),
            label,
          ).to.deep.equal(expected)
          if (expected.total > 5000) large++
        }
      }
      // with a field word and a filter too
      const detailed: SearchCriteria = {
        ...c,
        author: [fold('作')],
        availableOnly: true,
      }
      expect(
        await indexed.search(libraryId, detailed, 'author', { offset: 3, limit: 10 }),
      ).to.deep.equal(
        await scanning.search(libraryId, detailed, 'author', { offset: 3, limit: 10 }),
      )
    }
    expect(large, 'results over the candidate limit').to.be.greaterThan(3)
  })

  it('finds an edited record by its new title at once and not by the old one; a deleted one is gone', async () => {
    const criteria = (text: string): SearchCriteria => {
      const words = foldWords(text)
      return { words, rankText: words.join('') }
    }
    const target = rows.find((r) => r.title === '濹東綺譚') ?? rows[0]
    if (!target) throw new Error('no rows')
    const before = await indexed.search(libraryId, criteria('濹東綺譚'), 'relevance', {
      offset: 0,
      limit: 50,
    })
    expect(before.hits.map((h) => h.id)).to.include(target.id)

    expect(
      await records.update(libraryId, target.id, { title: '墨田川夜話索引試験' }, searchFields),
    ).to.equal(true)
    const renamed = await indexed.search(libraryId, criteria('夜話索引'), 'relevance', {
      offset: 0,
      limit: 10,
    })
    expect(renamed.hits.map((h) => h.id)).to.deep.equal([target.id])
    const old = await indexed.search(libraryId, criteria('濹東綺譚'), 'relevance', {
      offset: 0,
      limit: 50,
    })
    expect(old.hits.map((h) => h.id)).to.not.include(target.id)
    expect(old.total).to.equal(before.total - 1)
    // in a field search, a facet and a sort the index does not keep, too
    const byTitle = { words: [], rankText: '', title: { words: ['夜話索引'], mode: 'contains' } }
    expect(
      (
        await indexed.search(libraryId, byTitle as SearchCriteria, 'title', {
          offset: 0,
          limit: 10,
        })
      ).total,
    ).to.equal(1)
    expect((await indexed.facets(libraryId, criteria('夜話索引'))).materialTypes).to.have.length(1)

    // a record without copies can be deleted: make one
    const bare = rows.find((r) => r.id !== target.id)
    if (!bare) throw new Error('no rows')
    await db
      .deleteFrom('loan')
      .where('library_id', '=', libraryId)
      .where('copy_id', 'in', (eb) =>
        eb.selectFrom('copy').select('id').where('record_id', '=', bare.id),
      )
      .execute()
    await db
      .deleteFrom('hold')
      .where('library_id', '=', libraryId)
      .where('record_id', '=', bare.id)
      .execute()
    await db
      .deleteFrom('copy')
      .where('library_id', '=', libraryId)
      .where('record_id', '=', bare.id)
      .execute()
    expect(
      await records.update(libraryId, bare.id, { title: '削除予定索引試験' }, searchFields),
    ).to.equal(true)
    expect(
      (
        await indexed.search(libraryId, criteria('削除予定索引'), 'relevance', {
          offset: 0,
          limit: 5,
        })
      ).total,
    ).to.equal(1)
    expect(await records.remove(libraryId, bare.id)).to.equal(true)
    expect(
      (
        await indexed.search(libraryId, criteria('削除予定索引'), 'relevance', {
          offset: 0,
          limit: 5,
        })
      ).total,
    ).to.equal(0)

    // compaction takes the edits in: same answers, empty delta
    expect(await engine.deltaSize(libraryId)).to.equal(2)
    const result = await engine.maintain({ maxDelta: 0 })
    expect(result.compacted).to.be.at.least(1)
    expect(await engine.deltaSize(libraryId)).to.equal(0)
    const after = await indexed.search(libraryId, criteria('夜話索引'), 'relevance', {
      offset: 0,
      limit: 10,
    })
    expect(after.hits.map((h) => h.id)).to.deep.equal([target.id])
    expect(
      (
        await indexed.search(libraryId, criteria('削除予定索引'), 'relevance', {
          offset: 0,
          limit: 5,
        })
      ).total,
    ).to.equal(0)
  })

  it('agrees with SQL after edits, for ranked and sorted pages (edited records placed by SQL)', async () => {
    // edit a few records so that they land at both ends of the sort orders, then compare
    const ids = rows.slice(100, 106).map((r) => r.id)
    const titles = [
      'あああ索引試験',
      'んんん索引試験',
      'アイウ索引試験',
      '一二三索引試験',
      'ａｂｃ索引試験',
      '〇索引試験',
    ]
    for (const [i, id] of ids.entries()) {
      await records.update(
        libraryId,
        id,
        {
          title: titles[i] ?? '',
          title_reading: '',
          author: i % 2 ? '' : 'ああ索引試験',
          author_reading: '',
          pub_year: i % 3 ? null : 1800 + i,
        },
        searchFields,
      )
    }
    expect(await engine.deltaSize(libraryId)).to.be.at.least(6)
    for (const text of ['の', 'ア', '索引試験', '索']) {
      const words = [fold(text)]
      const c: SearchCriteria = { words, rankText: words.join('') }
      for (const sort of SORTS) {
        for (const offset of [0, 15]) {
          const label = `${text} ${sort} ${offset}`
          expect(
            await indexed.search(libraryId, c, sort, { offset, limit: 10 }),
            label,
          ).to.deep.equal(await scanning.search(libraryId, c, sort, { offset, limit: 10 }))
        }
      }
      expect(await indexed.facets(libraryId, c), text).to.deep.equal(
        await scanning.facets(libraryId, c),
      )
    }
  })
})
