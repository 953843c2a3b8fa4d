// The catalogue search index against a real database: folded-substring semantics (one and two
// characters, longer words, several words), tenants, ranking, paging, filters, and edits and
// deletions seen at once; and the same answers as the LIKE scan over the demo catalogue.
import { expect } from 'chai'
import { sql } from 'kysely'
import type { Db } from '../../../server/db/database.ts'
import type { MaterialType } from '../../../server/db/schema.ts'
import { deltaSize, markRecordWritten } from '../../../server/db/search-index-repository.ts'
import type { Queryable } from '../../../server/db/search-index-repository.ts'
import { searchRepository } from '../../../server/db/search-repository.ts'
import { foldWords, recordSearchText } from '../../../server/services/search/fold.ts'
import { indexRecords } from '../../../server/services/search/index-build.ts'
import { createSearchEngine } from '../../../server/services/search/search-engine.ts'
import type {
  SearchEngine,
  SearchFilters,
  SearchIdsResult,
  SearchPage,
} from '../../../server/services/search/search-engine.ts'
import { searchService } from '../../../server/services/search/search-service.ts'
import { createTestDatabase, libraryIdOf } from '../../helpers/test-database.ts'

/** The index's answer; it must have one (the library is indexed). */
async function searchIds(
  engine: SearchEngine,
  libraryId: number,
  words: readonly string[],
  page: SearchPage,
): Promise<SearchIdsResult> {
  const found = await engine.searchIds(libraryId, words, page)
  if (!found) throw new Error(`library ${libraryId} has no usable index`)
  return found
}

/** The same search by SQL alone (LIKE scans: db/search-repository.ts), as ids. */
async function likeSearchIds(
  db: Db,
  libraryId: number,
  words: readonly string[],
  page: SearchPage,
): Promise<SearchIdsResult> {
  const f = page.filters ?? {}
  const { total, hits } = await searchRepository(db).search(
    libraryId,
    {
      words: [...words],
      rankText: page.rankText ?? words.join(''),
      materialTypes: f.materialTypes ? [...f.materialTypes] : undefined,
      yearFrom: f.yearFrom,
      yearTo: f.yearTo,
      ndc: f.ndcPrefix,
      branchId: f.branchId,
      availableOnly: f.availableNow,
      isbn: f.isbn,
    },
    'relevance',
    page,
  )
  return { total, ids: hits.map((h) => h.id) }
}

/** Stamps a record written (or deleted) for the index, in the writing transaction. */
const reindexRecord = (trx: Queryable, libraryId: number, recordId: number) =>
  markRecordWritten(trx, libraryId, recordId)
const removeRecord = reindexRecord

interface TestRecord {
  title: string
  title_reading?: string
  author?: string
  author_reading?: string
  publisher?: string
  pub_year?: number | null
  material_type?: MaterialType
  ndc?: string
  isbn?: string | null
  /** Copies: [branch index, status]. */
  copies?: [number, 'available' | 'on_loan'][]
}

let sourceId = 0

async function addLibrary(db: Db, slug: string): Promise<{ id: number; branches: number[] }> {
  const lib = await db
    .insertInto('library')
    .values({ slug, name: slug, rules_preset: 'A', settings_json: '{}' })
    .executeTakeFirstOrThrow()
  const id = Number(lib.insertId)
  await db
    .insertInto('branch')
    .values([
      { library_id: id, code: 'main', name: '本館', sort_order: 1 },
      { library_id: id, code: 'east', name: '東分館', sort_order: 2 },
    ])
    .execute()
  const branches = await db
    .selectFrom('branch')
    .select('id')
    .where('library_id', '=', id)
    .orderBy('sort_order')
    .execute()
  return { id, branches: branches.map((b) => b.id) }
}

async function addRecord(
  db: Db,
  lib: { id: number; branches: number[] },
  r: TestRecord,
): Promise<number> {
  const fields = {
    title: r.title,
    title_reading: r.title_reading ?? '',
    author: r.author ?? '',
    author_reading: r.author_reading ?? '',
    publisher: r.publisher ?? '',
  }
  const inserted = await db
    .insertInto('record')
    .values({
      ...fields,
      library_id: lib.id,
      pub_year: r.pub_year === undefined ? 2000 : r.pub_year,
      material_type: r.material_type ?? 'book',
      ndc: r.ndc ?? '',
      isbn: r.isbn ?? null,
      source: 'test',
      source_id: String(++sourceId),
      search_text: recordSearchText(fields),
    })
    .executeTakeFirstOrThrow()
  const id = Number(inserted.insertId)
  for (const [branch, status] of r.copies ?? [[0, 'available']]) {
    await db
      .insertInto('copy')
      .values({
        library_id: lib.id,
        record_id: id,
        branch_id: lib.branches[branch] ?? 0,
        barcode: `T${sourceId}-${branch}-${status}`,
        call_number: '',
        shelf_location: 'general',
        status,
        acquired_on: '2026-01-01',
      })
      .execute()
  }
  return id
}

describe('search index', function () {
  this.timeout(60_000)
  let db: Db
  let a: { id: number; branches: number[] }
  let b: { id: number; branches: number[] }
  const ids: Record<string, number> = {}
  // copy filters from the copy table up to 0 candidates (always the snapshot), read afresh
  let engine: SearchEngine
  const search = (words: string[], page: { offset?: number; limit?: number } = {}, f = {}) =>
    searchIds(engine, a.id, words, {
      offset: page.offset ?? 0,
      limit: page.limit ?? 100,
      filters: f,
    })
  const titlesOf = async (found: { ids: number[] }) => {
    const byId = new Map(Object.entries(ids).map(([k, v]) => [v, k]))
    return found.ids.map((id) => byId.get(id) ?? String(id))
  }

  before(async () => {
    ;({ db } = await createTestDatabase({ prefix: 'sidx' }))
    engine = createSearchEngine({ db, copyLiveLimit: 0, copySnapshotMaxAgeMs: 0 })
    a = await addLibrary(db, 'a')
    b = await addLibrary(db, 'b')
    const add = async (key: string, r: TestRecord) => {
      ids[key] = await addRecord(db, a, r)
    }
    await add('kokoro1914', {
      title: 'こころ',
      title_reading: 'ココロ',
      author: '夏目漱石',
      publisher: '岩波書店',
      pub_year: 1914,
      ndc: '913.6',
      isbn: '9784003101087',
    })
    await add('kokoro1990', { title: 'こころ', author: '夏目漱石', pub_year: 1990, ndc: '913.6' })
    await add('kokoroTabi', {
      title: 'こころの旅',
      pub_year: 1980,
      copies: [[1, 'on_loan']],
    })
    await add('kokoroKagaku', {
      title: '心の科学',
      title_reading: 'ココロノカガク',
      pub_year: 2001,
    })
    await add('ginga', {
      title: '銀河鉄道の夜',
      author: '宮沢賢治',
      pub_year: 1934,
      ndc: '913.6',
      copies: [[0, 'on_loan']],
    })
    await add('yoruGinga', { title: '夜の銀河', pub_year: 2010, material_type: 'cd', ndc: '767' })
    await add('nihonRekishi', { title: '日本の歴史', pub_year: null, ndc: '210' })
    await add('rekishiNihon', { title: '歴史の日本', pub_year: 2015, ndc: '210.1' })
    await add('hahaha', { title: 'ははは', pub_year: 2000 })
    await add('steak', { title: 'Ｓｔｅａｋ', title_reading: 'ステイク', pub_year: 2010 })
    await add('wagahai', { title: '吾輩は猫である', author: '夏目漱石', pub_year: 1905 })
    await add('ab', { title: 'ab', author: 'cd', pub_year: 2000 })
    ids.other = await addRecord(db, b, { title: 'こころ', pub_year: 2020 })
    await indexRecords(db, a.id, { graceMs: 0 })
    await indexRecords(db, b.id, { graceMs: 0 })
  })

  it('finds a one-character word anywhere in the folded text', async () => {
    const found = await search(['の'])
    expect(await titlesOf(found)).to.have.members([
      'kokoroTabi',
      'kokoroKagaku',
      'ginga',
      'yoruGinga',
      'nihonRekishi',
      'rekishiNihon',
    ])
    expect(found.total).to.equal(6)
    expect(await titlesOf(await search(['猫']))).to.deep.equal(['wagahai'])
  })

  it('finds two-character and longer words as substrings, not as scattered bigrams', async () => {
    expect(await titlesOf(await search(['銀河']))).to.have.members(['ginga', 'yoruGinga'])
    expect(await titlesOf(await search(['銀河鉄道の夜']))).to.deep.equal(['ginga'])
    // 夜の銀河 has の and 夜 and both bigrams of "の夜" nowhere: 夜の, の銀
    expect(await titlesOf(await search(['の夜']))).to.deep.equal(['ginga'])
    expect(await titlesOf(await search(['はは']))).to.deep.equal(['hahaha'])
    expect(await titlesOf(await search(['ははは']))).to.deep.equal(['hahaha'])
    expect((await search(['はははは'])).total).to.equal(0)
    expect(await titlesOf(await search(['日本の歴史']))).to.deep.equal(['nihonRekishi'])
    expect((await search(['歴史の日本の'])).total).to.equal(0)
  })

  it('matches the folded forms: katakana, half-width kana, full-width letters', async () => {
    for (const q of ['ココロ', 'ｺｺﾛ', 'こころ']) {
      expect((await search(foldWords(q))).total, q).to.equal(4) // 3 titles + 心の科学's reading
    }
    expect(await titlesOf(await search(foldWords('STEAK')))).to.deep.equal(['steak'])
    expect(await titlesOf(await search(foldWords('ｽﾃｲｸ')))).to.deep.equal(['steak'])
  })

  it('ANDs several words, and never matches across two fields', async () => {
    expect(await titlesOf(await search(['こころ', '夏目']))).to.have.members([
      'kokoro1914',
      'kokoro1990',
    ])
    expect(await titlesOf(await search(['夏目漱石', '猫']))).to.deep.equal(['wagahai'])
    expect((await search(['こころ', '宮沢'])).total).to.equal(0)
    expect(await titlesOf(await search(['ab']))).to.deep.equal(['ab'])
    expect((await search(['bc'])).total).to.equal(0) // "ab" + separator + "cd"
  })

  it('keeps libraries apart', async () => {
    const inB = await searchIds(engine, b.id, ['こころ'], { offset: 0, limit: 10 })
    expect(inB).to.deep.equal({ total: 1, ids: [ids.other] })
    expect((await search(['こころ'])).ids).not.to.include(ids.other)
  })

  it('ranks exact titles, then titles starting with the query, then the rest; newest first', async () => {
    expect(await titlesOf(await search(['こころ']))).to.deep.equal([
      'kokoro1990',
      'kokoro1914',
      'kokoroTabi',
      'kokoroKagaku',
    ])
    expect(await titlesOf(await search(['の']))).to.deep.equal([
      'rekishiNihon', // 2015
      'yoruGinga', // 2010
      'kokoroKagaku', // 2001
      'kokoroTabi', // 1980
      'ginga', // 1934
      'nihonRekishi', // no year: last
    ])
    expect(await titlesOf(await search(['日本']))).to.deep.equal(['nihonRekishi', 'rekishiNihon'])
    // two words: the title is compared with the words joined
    expect((await titlesOf(await search(['こころ', 'の旅'])))[0]).to.equal('kokoroTabi')
  })

  it('pages through the ranked list', async () => {
    const all = (await search(['の'])).ids
    for (const [offset, limit] of [
      [0, 2],
      [2, 2],
      [4, 2],
      [5, 10],
      [6, 10],
    ] as const) {
      const page = await search(['の'], { offset, limit })
      expect(page.total).to.equal(6)
      expect(page.ids).to.deep.equal(all.slice(offset, offset + limit))
    }
  })

  it('applies the filters like the LIKE scan does', async () => {
    const cases: SearchFilters[] = [
      { yearFrom: 1950 },
      { yearTo: 1950 },
      { yearFrom: 1980, yearTo: 2001 },
      { materialTypes: ['cd'] },
      { materialTypes: ['book', 'cd'] },
      { materialTypes: [] },
      { ndcPrefix: '9' },
      { ndcPrefix: '913.6' },
      { ndcPrefix: '21' },
      { isbn: '9784003101087' },
      { branchId: a.branches[1] },
      { availableNow: true },
      { availableNow: true, branchId: a.branches[0] },
      { availableNow: true, ndcPrefix: '9', yearFrom: 1900 },
    ]
    for (const copyLiveLimit of [1000, 0]) {
      const filtering = createSearchEngine({ db, copyLiveLimit, copySnapshotMaxAgeMs: 0 })
      for (const filters of cases) {
        for (const words of [['の'], ['こころ'], [], ['夏目漱石']]) {
          if (words.length === 0 && filters.isbn === undefined && !filters.ndcPrefix) continue
          const page = { offset: 0, limit: 50, filters }
          const expected = await likeSearchIds(db, a.id, words, page)
          expect(await searchIds(filtering, a.id, words, page), JSON.stringify(page)).to.deep.equal(
            expected,
          )
        }
      }
    }
  })

  it('sees an edit, an insertion and a deletion at once, and not before the commit', async () => {
    // edit: こころの旅 becomes 星の旅
    const editing = db.transaction().execute(async (trx) => {
      await trx
        .updateTable('record')
        .set({ title: '星の旅', search_text: recordSearchText({ title: '星の旅' }) })
        .where('id', '=', ids.kokoroTabi ?? 0)
        .execute()
      await reindexRecord(trx, a.id, ids.kokoroTabi ?? 0)
      // not committed yet: other connections still find the old title
      expect(await titlesOf(await search(['こころの旅']))).to.deep.equal(['kokoroTabi'])
      expect((await search(['星の旅'])).total).to.equal(0)
    })
    await editing
    expect((await search(['こころの旅'])).total).to.equal(0)
    expect(await titlesOf(await search(['星の旅']))).to.deep.equal(['kokoroTabi'])
    expect(await titlesOf(await search(['こころ']))).to.deep.equal([
      'kokoro1990',
      'kokoro1914',
      'kokoroKagaku',
    ])

    // insertion: ranked among the indexed records (2001 < 2005 < 2010)
    const added = await db.transaction().execute(async (trx) => {
      const id = await addRecord(trx, a, { title: '月の夜', pub_year: 2005 })
      await reindexRecord(trx, a.id, id)
      return id
    })
    ids.tsuki = added
    expect(await titlesOf(await search(['の']))).to.deep.equal([
      'rekishiNihon',
      'yoruGinga',
      'tsuki',
      'kokoroKagaku',
      'kokoroTabi',
      'ginga',
      'nihonRekishi',
    ])
    expect(await titlesOf(await search(['の'], { offset: 2, limit: 2 }))).to.deep.equal([
      'tsuki',
      'kokoroKagaku',
    ])
    expect(await titlesOf(await search(['の夜']))).to.deep.equal(['tsuki', 'ginga'])

    // deletion
    await db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('copy')
        .where('record_id', '=', ids.ginga ?? 0)
        .execute()
      await trx
        .deleteFrom('record')
        .where('id', '=', ids.ginga ?? 0)
        .execute()
      await removeRecord(trx, a.id, ids.ginga ?? 0)
    })
    expect(await titlesOf(await search(['銀河']))).to.deep.equal(['yoruGinga'])
    expect((await search(['の'])).total).to.equal(6)

    // every answer still equals the LIKE scan's, with filters too
    for (const words of [['の'], ['旅'], ['夜'], ['こころ']]) {
      for (const filters of [
        {},
        { yearFrom: 2002 },
        { availableNow: true },
        { branchId: a.branches[0] },
      ]) {
        const page = { offset: 0, limit: 50, filters }
        expect(await searchIds(engine, a.id, words, page)).to.deep.equal(
          await likeSearchIds(db, a.id, words, page),
        )
      }
    }
  })

  it('takes the delta in when rebuilt, with the same answers', async () => {
    const before = await search(['の'])
    expect(await deltaSize(db, a.id)).to.be.greaterThan(0)
    const built = await indexRecords(db, a.id, { graceMs: 0 })
    expect(built.gen).to.be.greaterThan(1)
    expect(await deltaSize(db, a.id)).to.equal(0)
    expect(await search(['の'])).to.deep.equal(before)
    expect(await titlesOf(await search(['星の旅']))).to.deep.equal(['kokoroTabi'])
    const rows = await db
      .selectFrom('search_posting')
      .select((eb) => eb.fn.count<number>('gen').distinct().as('n'))
      .where('library_id', '=', a.id)
      .executeTakeFirstOrThrow()
    expect(Number(rows.n)).to.equal(1) // the old generation is gone
  })

  it('builds inside a loader’s transaction, visible when it commits', async () => {
    const d = await db.transaction().execute(async (trx) => {
      const lib = await addLibrary(trx, 'd')
      await addRecord(trx, lib, { title: '読み込み中の本', pub_year: 2001 })
      await addRecord(trx, lib, { title: '読み込み', pub_year: 1999 })
      const built = await indexRecords(trx, lib.id)
      expect(built.docs).to.equal(2)
      return lib
    })
    const found = await searchIds(engine, d.id, ['読み込み'], { offset: 0, limit: 10 })
    expect(found.total).to.equal(2)
    expect(found).to.deep.equal(
      await likeSearchIds(db, d.id, ['読み込み'], { offset: 0, limit: 10 }),
    )
    const state = await db
      .selectFrom('search_state')
      .select('gen')
      .where('library_id', '=', d.id)
      .executeTakeFirstOrThrow()
    expect(state.gen).to.equal(1)
  })

  it('falls back to the LIKE scan for a library without an index', async () => {
    const c = await addLibrary(db, 'c')
    const id = await addRecord(db, c, { title: '索引なし' })
    expect(await engine.searchIds(c.id, ['索引'], { offset: 0, limit: 10 })).to.equal(null)
    const service = searchService({ repository: searchRepository(db), engine })
    const criteria = { words: ['索引'], rankText: '索引' }
    const { total, hits } = await service.search(c.id, criteria, 'relevance', {
      offset: 0,
      limit: 10,
    })
    expect({ total, ids: hits.map((h) => h.id) }).to.deep.equal({
      total: 1,
      ids: [id],
    })
  })
})

describe('search index and LIKE scan on the demo catalogue', function () {
  this.timeout(300_000)
  let db: Db
  let engine: SearchEngine

  before(async () => {
    ;({ db } = await createTestDatabase({ demo: true, prefix: 'sidxdemo' }))
    const libraries = await db.selectFrom('library').select('id').execute()
    for (const l of libraries) await indexRecords(db, l.id, { graceMs: 0 })
    engine = createSearchEngine({ db, copySnapshotMaxAgeMs: 0 })
  })

  it('gives identical totals and pages for 300 random queries, before and after edits', async () => {
    const aoba = await libraryIdOf(db, 'aoba')
    const branches = (
      await db.selectFrom('branch').select('id').where('library_id', '=', aoba).execute()
    ).map((r) => r.id)
    const texts = (
      await db
        .selectFrom('record')
        .select(['id', 'title', 'search_text'])
        .where('library_id', '=', aoba)
        .orderBy('id')
        .execute()
    ).map((r) => ({ id: r.id, title: r.title, text: r.search_text.split('\u0001').join('') }))
    let seed = 7
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed / 4294967296
    }
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T
    const word = () => {
      const chars = Array.from(pick(texts).text)
      const len = 1 + Math.floor(rnd() * 5)
      const start = Math.floor(rnd() * Math.max(1, chars.length - len))
      return chars.slice(start, start + len).join('')
    }
    const queries = Array.from({ length: 150 }, () => {
      const words = Array.from({ length: 1 + Math.floor(rnd() * 2) }, word).filter(Boolean)
      const filters: SearchFilters = {}
      const r = rnd()
      if (r < 0.15) filters.yearFrom = 1900 + Math.floor(rnd() * 120)
      else if (r < 0.3) filters.availableNow = true
      else if (r < 0.4) filters.branchId = pick(branches)
      else if (r < 0.5) filters.ndcPrefix = String(Math.floor(rnd() * 10))
      else if (r < 0.55) filters.materialTypes = ['book']
      return { words, filters, offset: rnd() < 0.8 ? 0 : Math.floor(rnd() * 50) }
    })
    const compare = async () => {
      for (const q of queries) {
        const page = { offset: q.offset, limit: 20, filters: q.filters }
        const expected = await likeSearchIds(db, aoba, q.words, page)
        expect(await searchIds(engine, aoba, q.words, page), JSON.stringify(q)).to.deep.equal(
          expected,
        )
      }
    }
    await compare()
    // edit 20 titles, delete 10 records, add 10: the delta must keep the answers identical
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < 20; i++) {
        const r = pick(texts)
        const title = `${word()}${r.title}`
        await trx
          .updateTable('record')
          .set({ title, search_text: recordSearchText({ title }), pub_year: 1990 + i })
          .where('id', '=', r.id)
          .execute()
        await reindexRecord(trx, aoba, r.id)
      }
      // records nothing else refers to (no holds, loans, lists)
      const free = await sql<{ id: number }>`SELECT r.id FROM record r
        WHERE r.library_id = ${aoba}
          AND NOT EXISTS (SELECT 1 FROM hold h WHERE h.record_id = r.id)
          AND NOT EXISTS (SELECT 1 FROM favourite f WHERE f.record_id = r.id)
          AND NOT EXISTS (SELECT 1 FROM shelf_item s WHERE s.record_id = r.id)
          AND NOT EXISTS (SELECT 1 FROM copy c JOIN loan l ON l.copy_id = c.id
            WHERE c.record_id = r.id)
        ORDER BY r.id LIMIT 2000`.execute(trx)
      for (let i = 0; i < 10; i++) {
        const id = pick(free.rows).id
        await trx.deleteFrom('copy').where('record_id', '=', id).execute()
        await trx.deleteFrom('record').where('id', '=', id).execute()
        await removeRecord(trx, aoba, id)
      }
      for (let i = 0; i < 10; i++) {
        const title = `${word()}${word()}`
        const inserted = await trx
          .insertInto('record')
          .values({
            library_id: aoba,
            title,
            pub_year: 1950 + i * 5,
            material_type: 'book',
            source: 'test',
            source_id: `new${i}`,
            search_text: recordSearchText({ title }),
          })
          .executeTakeFirstOrThrow()
        await reindexRecord(trx, aoba, Number(inserted.insertId))
      }
    })
    await compare()
  })
})
