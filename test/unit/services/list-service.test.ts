// The rules of お気に入り and My本棚 against an in-memory store: shelf names, the limits of the
// library's settings, adding twice, moving, and that ids of another patron or library find
// nothing. (The SQL of the real store is exercised by test/integration/routes/lists.test.ts.)
import { expect } from 'chai'
import { fixedClock } from '../../../server/clock.ts'
import type {
  ListEntry,
  ListRecord,
  ListRepository,
  ListStore,
  ShelfSummary,
} from '../../../server/db/list-repository.ts'
import { ALREADY_FAVOURITE, DEFAULT_SHELF_NAME } from '../../../server/render/words.ts'
import { PRESETS } from '../../../server/services/library-settings.ts'
import type { LibrarySettings } from '../../../server/services/library-settings.ts'
import {
  SHELF_NAME_MAX,
  cleanShelfName,
  listService,
  nextStamp,
} from '../../../server/services/list-service.ts'

const LIB = 1
const OTHER_LIB = 2
const ME = 10
const YOU = 11

interface Memory extends ListRepository {
  favourites_: { libraryId: number; patronId: number; recordId: number; at: string }[]
  shelves_: { id: number; libraryId: number; patronId: number; name: string }[]
  items_: { libraryId: number; shelfId: number; recordId: number; at: string }[]
  /** Simulates a concurrent request: the next insertShelf finds the name taken. */
  collideNextInsert: boolean
  locks: number
}

/** The database compares names with utf8mb4_unicode_ci: case-insensitively, among others. */
const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase()

const fieldsOf = (r: ListRecord): ListRecord => ({
  id: r.id,
  title: r.title,
  author: r.author,
  publisher: r.publisher,
  pub_year: r.pub_year,
  material_type: r.material_type,
})

function memory(records: (ListRecord & { libraryId: number })[]): Memory {
  let nextShelf = 100
  const m = {
    favourites_: [],
    shelves_: [],
    items_: [],
    collideNextInsert: false,
    locks: 0,
  } as unknown as Memory
  const rec = (libraryId: number, id: number) =>
    records.find((r) => r.libraryId === libraryId && r.id === id)
  const entry = (libraryId: number, recordId: number, at: string): ListEntry => {
    const r = rec(libraryId, recordId)
    if (!r) throw new Error('foreign key: no such record')
    return { ...fieldsOf(r), added_at: at }
  }
  const summary = (s: Memory['shelves_'][number]): ShelfSummary => ({
    id: s.id,
    name: s.name,
    items: m.items_.filter((i) => i.libraryId === s.libraryId && i.shelfId === s.id).length,
  })
  const newestFirst = <T extends { at: string; recordId: number }>(a: T, b: T) =>
    a.at === b.at ? b.recordId - a.recordId : a.at < b.at ? 1 : -1
  const mine = (libraryId: number, patronId: number) =>
    m.shelves_.filter((s) => s.libraryId === libraryId && s.patronId === patronId)
  const store: ListStore = {
    async record(libraryId, recordId) {
      const r = rec(libraryId, recordId)
      return r && fieldsOf(r)
    },
    async favouriteCount(libraryId, patronId) {
      return m.favourites_.filter((f) => f.libraryId === libraryId && f.patronId === patronId)
        .length
    },
    async favouriteAddedAt(libraryId, patronId, recordId) {
      return (
        m.favourites_.find(
          (f) => f.libraryId === libraryId && f.patronId === patronId && f.recordId === recordId,
        )?.at ?? null
      )
    },
    async latestFavouriteAt(libraryId, patronId) {
      const ats = m.favourites_
        .filter((f) => f.libraryId === libraryId && f.patronId === patronId)
        .map((f) => f.at)
        .sort()
      return ats.at(-1) ?? null
    },
    async insertFavourite(libraryId, patronId, recordId, at) {
      entry(libraryId, recordId, at) // the foreign key
      if ((await store.favouriteAddedAt(libraryId, patronId, recordId)) !== null) return
      m.favourites_.push({ libraryId, patronId, recordId, at })
    },
    async deleteFavourite(libraryId, patronId, recordId) {
      const before = m.favourites_.length
      m.favourites_ = m.favourites_.filter(
        (f) => !(f.libraryId === libraryId && f.patronId === patronId && f.recordId === recordId),
      )
      return m.favourites_.length < before
    },
    async favourites(libraryId, patronId, offset, limit) {
      return m.favourites_
        .filter((f) => f.libraryId === libraryId && f.patronId === patronId)
        .sort(newestFirst)
        .slice(offset, offset + limit)
        .map((f) => entry(libraryId, f.recordId, f.at))
    },
    async shelves(libraryId, patronId) {
      return mine(libraryId, patronId).map(summary)
    },
    async shelf(libraryId, patronId, shelfId) {
      const s = mine(libraryId, patronId).find((x) => x.id === shelfId)
      return s && summary(s)
    },
    async shelfNamed(libraryId, patronId, name) {
      const s = mine(libraryId, patronId).find((x) => sameName(x.name, name))
      return s && summary(s)
    },
    async insertShelf(libraryId, patronId, name) {
      if (m.collideNextInsert) {
        m.collideNextInsert = false
        return 'duplicate'
      }
      if (mine(libraryId, patronId).some((x) => sameName(x.name, name))) return 'duplicate'
      const id = nextShelf++
      m.shelves_.push({ id, libraryId, patronId, name })
      return id
    },
    async renameShelf(libraryId, patronId, shelfId, name) {
      const s = mine(libraryId, patronId).find((x) => x.id === shelfId)
      if (!s) return false
      if (mine(libraryId, patronId).some((x) => x.id !== shelfId && sameName(x.name, name)))
        return 'duplicate'
      s.name = name
      return true
    },
    async deleteShelf(libraryId, patronId, shelfId) {
      const s = mine(libraryId, patronId).find((x) => x.id === shelfId)
      if (!s) return false
      m.shelves_ = m.shelves_.filter((x) => x !== s)
      m.items_ = m.items_.filter((i) => !(i.libraryId === libraryId && i.shelfId === shelfId))
      return true
    },
    async shelfEntries(libraryId, patronId, shelfId, offset, limit) {
      if (!(await store.shelf(libraryId, patronId, shelfId))) return []
      return m.items_
        .filter((i) => i.libraryId === libraryId && i.shelfId === shelfId)
        .sort(newestFirst)
        .slice(offset, offset + limit)
        .map((i) => entry(libraryId, i.recordId, i.at))
    },
    async shelfEntry(libraryId, patronId, shelfId, recordId) {
      if (!(await store.shelf(libraryId, patronId, shelfId))) return undefined
      const i = m.items_.find(
        (x) => x.libraryId === libraryId && x.shelfId === shelfId && x.recordId === recordId,
      )
      return i && entry(libraryId, i.recordId, i.at)
    },
    async latestShelfItemAt(libraryId, shelfId) {
      const ats = m.items_
        .filter((i) => i.libraryId === libraryId && i.shelfId === shelfId)
        .map((i) => i.at)
        .sort()
      return ats.at(-1) ?? null
    },
    async insertShelfItem(libraryId, shelfId, recordId, at) {
      entry(libraryId, recordId, at)
      if (
        m.items_.some(
          (x) => x.libraryId === libraryId && x.shelfId === shelfId && x.recordId === recordId,
        )
      )
        return
      m.items_.push({ libraryId, shelfId, recordId, at })
    },
    async deleteShelfItem(libraryId, shelfId, recordId) {
      const before = m.items_.length
      m.items_ = m.items_.filter(
        (x) => !(x.libraryId === libraryId && x.shelfId === shelfId && x.recordId === recordId),
      )
      return m.items_.length < before
    },
    async shelvesHolding(libraryId, patronId, recordId) {
      return mine(libraryId, patronId)
        .filter((s) =>
          m.items_.some(
            (i) => i.libraryId === libraryId && i.shelfId === s.id && i.recordId === recordId,
          ),
        )
        .map((s) => s.id)
    },
  }
  Object.assign(m, store, {
    async locked<T>(_l: number, _p: number, work: (s: ListStore) => Promise<T>): Promise<T> {
      m.locks++
      return work(store)
    },
  })
  return m
}

const book = (libraryId: number, id: number, title = `本${id}`) => ({
  libraryId,
  id,
  title,
  author: '著者',
  publisher: '出版社',
  pub_year: 2000,
  material_type: 'book' as const,
})

const RECORDS = [
  ...Array.from({ length: 12 }, (_, i) => book(LIB, i + 1)),
  book(OTHER_LIB, 500, 'よその図書館の本'),
]

function setup(overrides: Partial<LibrarySettings> = {}) {
  const store = memory(RECORDS)
  const settings: LibrarySettings = { ...PRESETS.A, ...overrides }
  const lists = listService({ lists: store, clock: fixedClock('2026-11-23T01:00:00Z') })
  return { store, settings, lists }
}

describe('list-service', () => {
  describe('shelf names', () => {
    it('trims (also full-width spaces) and normalises to NFC', () => {
      expect(cleanShelfName('  読みたい本\u3000')).to.deep.equal({ ok: true, name: '読みたい本' })
      expect(cleanShelfName('か\u3099いこく')).to.deep.equal({ ok: true, name: 'がいこく' })
    })

    it('refuses an empty name', () => {
      for (const raw of ['', '   ', '\u3000\u3000'])
        expect(cleanShelfName(raw)).to.deep.equal({ ok: false, problem: 'empty' })
    })

    it(`allows ${SHELF_NAME_MAX} characters, counting code points, and refuses more`, () => {
      expect(cleanShelfName('あ'.repeat(30))).to.deep.equal({ ok: true, name: 'あ'.repeat(30) })
      expect(cleanShelfName('𠮷'.repeat(30)).ok).to.equal(true)
      expect(cleanShelfName('あ'.repeat(31))).to.deep.equal({ ok: false, problem: 'too_long' })
      expect(cleanShelfName(` ${'a'.repeat(30)} `).ok).to.equal(true)
    })

    it('refuses control characters, line breaks and direction overrides', () => {
      for (const raw of [
        '本\t棚',
        '本\n棚',
        '本\u0007棚',
        '本\u007f棚',
        '本\u0085棚',
        'a\u202Eb',
        'x\u2028y',
      ])
        expect(cleanShelfName(raw), JSON.stringify(raw)).to.deep.equal({
          ok: false,
          problem: 'bad_character',
        })
    })
  })

  describe('nextStamp', () => {
    const now = new Date('2026-11-23T01:00:00.700Z')
    it('is now (whole seconds) when the list is empty or older', () => {
      expect(nextStamp(null, now)).to.equal('2026-11-23 01:00:00')
      expect(nextStamp('2026-11-22 23:59:59', now)).to.equal('2026-11-23 01:00:00')
    })
    it('is one second after the newest entry when that is not earlier than now', () => {
      expect(nextStamp('2026-11-23 01:00:00', now)).to.equal('2026-11-23 01:00:01')
      expect(nextStamp('2026-11-23 01:00:59', now)).to.equal('2026-11-23 01:01:00')
    })
  })

  describe('favourites', () => {
    it('adds a record once; adding it again is harmless', async () => {
      const { store, settings, lists } = setup()
      expect(await lists.addFavourite(LIB, settings, ME, 1)).to.deep.equal({
        ok: true,
        added: true,
      })
      expect(await lists.addFavourite(LIB, settings, ME, 1)).to.deep.equal({
        ok: true,
        added: false,
      })
      expect(store.favourites_).to.have.length(1)
      expect(ALREADY_FAVOURITE).to.equal('すでにお気に入りに入っています。')
    })

    it('lists newest first with the Tokyo day, paged, even under a stopped clock', async () => {
      const { settings, lists } = setup()
      for (const id of [3, 1, 2]) await lists.addFavourite(LIB, settings, ME, id)
      const page = await lists.favourites(LIB, ME, 1, 2)
      expect(page?.items.map((i) => i.id)).to.deep.equal([2, 1])
      expect(page?.items[0]?.added_on).to.equal('2026-11-23')
      expect(page).to.include({ total: 3, page: 1, lastPage: 2, perPage: 2 })
      expect((await lists.favourites(LIB, ME, 2, 2))?.items.map((i) => i.id)).to.deep.equal([3])
      expect(await lists.favourites(LIB, ME, 3, 2)).to.equal(null)
      expect(await lists.favourites(LIB, YOU, 1, 2)).to.deep.include({ total: 0, lastPage: 1 })
    })

    it(`refuses past maxFavourites, but a record already in stays harmless`, async () => {
      const { store, settings, lists } = setup({ maxFavourites: 2 })
      await lists.addFavourite(LIB, settings, ME, 1)
      await lists.addFavourite(LIB, settings, ME, 2)
      expect(await lists.addFavourite(LIB, settings, ME, 3)).to.deep.equal({
        ok: false,
        reason: 'favourite_limit',
      })
      expect(await lists.addFavourite(LIB, settings, ME, 2)).to.deep.equal({
        ok: true,
        added: false,
      })
      expect(store.favourites_).to.have.length(2)
      // Another patron has a limit of their own.
      expect((await lists.addFavourite(LIB, settings, YOU, 3)).ok).to.equal(true)
    })

    it('runs the check and the insert under the patron lock', async () => {
      const { store, settings, lists } = setup()
      await lists.addFavourite(LIB, settings, ME, 1)
      expect(store.locks).to.equal(1)
    })

    it('removes, and removing twice is harmless', async () => {
      const { settings, lists } = setup()
      await lists.addFavourite(LIB, settings, ME, 1)
      expect(await lists.removeFavourite(LIB, YOU, 1)).to.equal(false)
      expect(await lists.removeFavourite(LIB, ME, 1)).to.equal(true)
      expect(await lists.removeFavourite(LIB, ME, 1)).to.equal(false)
    })

    it('finds records of its own library only', async () => {
      const { lists } = setup()
      expect(await lists.record(LIB, 500)).to.equal(undefined)
      expect((await lists.record(OTHER_LIB, 500))?.title).to.equal('よその図書館の本')
    })
  })

  describe('shelves', () => {
    it('creates a shelf with a clean name', async () => {
      const { settings, lists } = setup()
      const made = await lists.createShelf(LIB, settings, ME, ' 読みたい本 ')
      expect(made).to.deep.include({ ok: true })
      expect(made.ok && made.shelf).to.deep.include({ name: '読みたい本', items: 0 })
    })

    it('refuses a bad name before touching the store', async () => {
      const { store, settings, lists } = setup()
      expect(await lists.createShelf(LIB, settings, ME, '')).to.deep.equal({
        ok: false,
        reason: 'name',
        problem: 'empty',
      })
      expect(store.locks).to.equal(0)
    })

    it('refuses a name the patron already uses (as the database compares names)', async () => {
      const { settings, lists } = setup()
      await lists.createShelf(LIB, settings, ME, 'Picture books')
      expect(await lists.createShelf(LIB, settings, ME, 'picture BOOKS')).to.deep.equal({
        ok: false,
        reason: 'name',
        problem: 'duplicate',
      })
      // Another patron, or the same patron id in another library, may use it.
      expect((await lists.createShelf(LIB, settings, YOU, 'Picture books')).ok).to.equal(true)
      expect((await lists.createShelf(OTHER_LIB, settings, ME, 'Picture books')).ok).to.equal(true)
    })

    it('reports a duplicate that a concurrent request created first', async () => {
      const { store, settings, lists } = setup()
      store.collideNextInsert = true
      expect(await lists.createShelf(LIB, settings, ME, '本棚A')).to.deep.equal({
        ok: false,
        reason: 'name',
        problem: 'duplicate',
      })
    })

    it('makes at most maxShelves shelves', async () => {
      const { settings, lists } = setup()
      for (let i = 1; i <= 5; i++)
        expect((await lists.createShelf(LIB, settings, ME, `本棚${i}`)).ok).to.equal(true)
      expect(await lists.createShelf(LIB, settings, ME, '本棚6')).to.deep.equal({
        ok: false,
        reason: 'shelf_limit',
      })
      expect(await lists.shelves(LIB, ME)).to.have.length(5)
    })

    it('renames; keeping the own name is fine, taking another shelf’s is not', async () => {
      const { settings, lists } = setup()
      const a = await lists.createShelf(LIB, settings, ME, 'あ')
      await lists.createShelf(LIB, settings, ME, 'い')
      if (!a.ok) throw new Error('not created')
      const renamed = await lists.renameShelf(LIB, ME, a.shelf.id, ' う ')
      expect(renamed).to.deep.include({ ok: true, previousName: 'あ' })
      expect((await lists.renameShelf(LIB, ME, a.shelf.id, 'う')).ok).to.equal(true)
      expect(await lists.renameShelf(LIB, ME, a.shelf.id, 'い')).to.deep.equal({
        ok: false,
        reason: 'name',
        problem: 'duplicate',
      })
      expect(await lists.renameShelf(LIB, ME, a.shelf.id, 'x'.repeat(31))).to.deep.equal({
        ok: false,
        reason: 'name',
        problem: 'too_long',
      })
      expect(await lists.renameShelf(LIB, YOU, a.shelf.id, 'え')).to.deep.equal({
        ok: false,
        reason: 'not_found',
      })
      expect((await lists.shelf(LIB, ME, a.shelf.id))?.name).to.equal('う')
    })

    it('deletes a shelf with its records, only the patron’s own', async () => {
      const { store, settings, lists } = setup()
      const a = await lists.createShelf(LIB, settings, ME, 'あ')
      if (!a.ok) throw new Error('not created')
      await lists.addToShelf(LIB, settings, ME, 1, { shelfId: a.shelf.id })
      expect(await lists.deleteShelf(LIB, YOU, a.shelf.id)).to.equal(undefined)
      expect(await lists.deleteShelf(OTHER_LIB, ME, a.shelf.id)).to.equal(undefined)
      expect(await lists.deleteShelf(LIB, ME, a.shelf.id)).to.deep.include({ name: 'あ', items: 1 })
      expect(store.items_).to.have.length(0)
    })
  })

  describe('adding to a shelf', () => {
    it(`makes the first shelf (${DEFAULT_SHELF_NAME}) in the same step, and adding again is harmless`, async () => {
      const { store, settings, lists } = setup()
      const first = await lists.addToShelf(LIB, settings, ME, 1, { name: DEFAULT_SHELF_NAME })
      expect(first).to.deep.include({ ok: true, added: true, created: true })
      const again = await lists.addToShelf(LIB, settings, ME, 1, { name: DEFAULT_SHELF_NAME })
      expect(again).to.deep.include({ ok: true, added: false, created: false })
      if (!first.ok) throw new Error('not added')
      const byId = await lists.addToShelf(LIB, settings, ME, 1, { shelfId: first.shelf.id })
      expect(byId).to.deep.include({ ok: true, added: false })
      expect(store.shelves_).to.have.length(1)
      expect(store.items_).to.have.length(1)
    })

    it('refuses a bad new-shelf name, and another patron’s shelf is not found', async () => {
      const { settings, lists } = setup()
      expect(await lists.addToShelf(LIB, settings, ME, 1, { name: ' ' })).to.deep.equal({
        ok: false,
        reason: 'name',
        problem: 'empty',
      })
      const yours = await lists.createShelf(LIB, settings, YOU, 'あなたの本棚')
      if (!yours.ok) throw new Error('not created')
      expect(
        await lists.addToShelf(LIB, settings, ME, 1, { shelfId: yours.shelf.id }),
      ).to.deep.equal({ ok: false, reason: 'not_found' })
      expect(
        await lists.addToShelf(OTHER_LIB, settings, YOU, 500, { shelfId: yours.shelf.id }),
      ).to.deep.equal({ ok: false, reason: 'not_found' })
    })

    it('puts at most maxShelfItems records on one shelf', async () => {
      const { settings, lists } = setup({ maxShelfItems: 3 })
      const s = await lists.createShelf(LIB, settings, ME, 'あ')
      if (!s.ok) throw new Error('not created')
      for (const id of [1, 2, 3])
        expect(
          await lists.addToShelf(LIB, settings, ME, id, { shelfId: s.shelf.id }),
        ).to.deep.include({ ok: true, added: true })
      expect(await lists.addToShelf(LIB, settings, ME, 4, { shelfId: s.shelf.id })).to.deep.equal({
        ok: false,
        reason: 'item_limit',
      })
      // Already there: harmless, even on a full shelf.
      expect(await lists.addToShelf(LIB, settings, ME, 3, { shelfId: s.shelf.id })).to.deep.include(
        {
          ok: true,
          added: false,
        },
      )
    })

    it('does not make a shelf past maxShelves in the add step', async () => {
      const { settings, lists } = setup({ maxShelves: 1 })
      await lists.createShelf(LIB, settings, ME, 'あ')
      expect(await lists.addToShelf(LIB, settings, ME, 1, { name: 'い' })).to.deep.equal({
        ok: false,
        reason: 'shelf_limit',
      })
    })

    it('tells the detail page what is where', async () => {
      const { settings, lists } = setup()
      const a = await lists.addToShelf(LIB, settings, ME, 1, { name: 'あ' })
      await lists.createShelf(LIB, settings, ME, 'い')
      await lists.addFavourite(LIB, settings, ME, 1)
      const state = await lists.recordState(LIB, ME, 1)
      expect(state.favourite).to.equal(true)
      expect(state.shelves.map((s) => s.name)).to.deep.equal(['あ', 'い'])
      expect(state.holding.map((s) => s.id)).to.deep.equal([a.ok ? a.shelf.id : -1])
      expect(await lists.recordState(LIB, YOU, 1)).to.deep.equal({
        favourite: false,
        shelves: [],
        holding: [],
      })
    })
  })

  describe('moving and removing', () => {
    async function twoShelves(overrides: Partial<LibrarySettings> = {}) {
      const s = setup(overrides)
      const a = await s.lists.createShelf(LIB, s.settings, ME, 'あ')
      const b = await s.lists.createShelf(LIB, s.settings, ME, 'い')
      if (!a.ok || !b.ok) throw new Error('not created')
      return { ...s, a: a.shelf.id, b: b.shelf.id }
    }

    it('moves a record to another shelf, newest first there', async () => {
      const { settings, lists, a, b } = await twoShelves()
      await lists.addToShelf(LIB, settings, ME, 1, { shelfId: a })
      await lists.addToShelf(LIB, settings, ME, 2, { shelfId: b })
      const moved = await lists.moveItem(LIB, settings, ME, a, 1, b)
      expect(moved).to.deep.include({ ok: true, alreadyThere: false })
      const onB = await lists.shelf(LIB, ME, b)
      if (!onB) throw new Error('no shelf')
      expect((await lists.shelfItems(LIB, ME, onB, 1, 20))?.items.map((i) => i.id)).to.deep.equal([
        1, 2,
      ])
      expect((await lists.shelf(LIB, ME, a))?.items).to.equal(0)
    })

    it('only takes it off the first shelf when the target has it already', async () => {
      const { store, settings, lists, a, b } = await twoShelves()
      await lists.addToShelf(LIB, settings, ME, 1, { shelfId: a })
      await lists.addToShelf(LIB, settings, ME, 1, { shelfId: b })
      expect(await lists.moveItem(LIB, settings, ME, a, 1, b)).to.deep.include({
        ok: true,
        alreadyThere: true,
      })
      expect(store.items_).to.have.length(1)
    })

    it('refuses to move onto a full shelf and changes nothing', async () => {
      const { store, settings, lists, a, b } = await twoShelves({ maxShelfItems: 1 })
      await lists.addToShelf(LIB, settings, ME, 1, { shelfId: a })
      await lists.addToShelf(LIB, settings, ME, 2, { shelfId: b })
      const refused = await lists.moveItem(LIB, settings, ME, a, 1, b)
      expect(refused).to.deep.include({ ok: false, reason: 'item_limit' })
      expect(store.items_).to.have.length(2)
    })

    it('does not find a record that is not on the shelf, or another patron’s shelf', async () => {
      const { settings, lists, a, b } = await twoShelves()
      const yours = await lists.createShelf(LIB, settings, YOU, 'う')
      if (!yours.ok) throw new Error('not created')
      await lists.addToShelf(LIB, settings, ME, 1, { shelfId: a })
      expect(await lists.moveItem(LIB, settings, ME, a, 2, b)).to.deep.equal({
        ok: false,
        reason: 'not_found',
      })
      expect(await lists.moveItem(LIB, settings, ME, a, 1, yours.shelf.id)).to.deep.equal({
        ok: false,
        reason: 'not_found',
      })
      expect(await lists.moveItem(LIB, settings, YOU, a, 1, yours.shelf.id)).to.deep.equal({
        ok: false,
        reason: 'not_found',
      })
    })

    it('removes a record from a shelf; twice is harmless; others’ shelves are not found', async () => {
      const { settings, lists, a } = await twoShelves()
      await lists.addToShelf(LIB, settings, ME, 1, { shelfId: a })
      expect(await lists.removeShelfItem(LIB, YOU, a, 1)).to.deep.equal({ ok: false })
      expect(await lists.removeShelfItem(LIB, ME, a, 1)).to.deep.include({
        ok: true,
        removed: true,
      })
      expect(await lists.removeShelfItem(LIB, ME, a, 1)).to.deep.include({
        ok: true,
        removed: false,
      })
    })

    it('shows one record of a shelf with the other shelves to move it to', async () => {
      const { settings, lists, a, b } = await twoShelves()
      await lists.addToShelf(LIB, settings, ME, 1, { shelfId: a })
      const found = await lists.shelfItem(LIB, ME, a, 1)
      expect(found?.item.title).to.equal('本1')
      expect(found?.others.map((s) => s.id)).to.deep.equal([b])
      expect(await lists.shelfItem(LIB, ME, a, 2)).to.equal(undefined)
      expect(await lists.shelfItem(LIB, YOU, a, 1)).to.equal(undefined)
    })
  })
})
