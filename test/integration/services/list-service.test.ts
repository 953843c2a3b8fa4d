// The rules of お気に入り and My本棚 against the real store (list-repository on a database of
// its own): the limits of the library's settings, adding twice, moving, names as the database
// compares them, two requests at once, and that ids of another patron or library find nothing.
import { expect } from 'chai'
import { fixedClock } from '../../../server/clock.ts'
import { listRepository } from '../../../server/db/list-repository.ts'
import { ALREADY_FAVOURITE, DEFAULT_SHELF_NAME } from '../../../server/render/words.ts'
import { PRESETS } from '../../../server/services/library-settings.ts'
import type { LibrarySettings } from '../../../server/services/library-settings.ts'
import { listService } from '../../../server/services/list-service.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'

const LIB = 1
const OTHER_LIB = 2
const ME = 10
const YOU = 11
/** A patron of the other library. */
const THEIRS = 20

describe('list-service (real database)', () => {
  let t: TestDatabase

  before(async () => {
    t = await createTestDatabase({ prefix: 'lists' })
    await t.db
      .insertInto('library')
      .values([
        { id: LIB, slug: 'lib-one', name: '一の図書館', rules_preset: 'A', settings_json: '{}' },
        {
          id: OTHER_LIB,
          slug: 'lib-two',
          name: '二の図書館',
          rules_preset: 'B',
          settings_json: '{}',
        },
      ])
      .execute()
    await t.db
      .insertInto('patron')
      .values(
        [
          [ME, LIB],
          [YOU, LIB],
          [THEIRS, OTHER_LIB],
        ].map(([id, library_id]) => ({
          id: id!,
          library_id: library_id!,
          card_number: `90000000${id}`,
          full_name: `利用者${id}`,
          birth_date: '1980-01-01',
          residency: 'resident' as const,
          disability_service: 0,
          password_is_initial: 0,
        })),
      )
      .execute()
    const book = (library_id: number, id: number, title = `本${id}`) => ({
      id,
      library_id,
      title,
      author: '著者',
      publisher: '出版社',
      pub_year: 2000,
      material_type: 'book' as const,
      source: 'test',
      source_id: String(id),
      search_text: title,
      title_reading_generated: 0,
      author_reading_generated: 0,
    })
    await t.db
      .insertInto('record')
      .values([
        ...Array.from({ length: 12 }, (_, i) => book(LIB, i + 1)),
        book(OTHER_LIB, 500, 'よその図書館の本'),
      ])
      .execute()
  })

  beforeEach(async () => {
    await t.db.deleteFrom('shelf_item').execute()
    await t.db.deleteFrom('shelf').execute()
    await t.db.deleteFrom('favourite').execute()
  })

  const count = async (table: 'favourite' | 'shelf' | 'shelf_item') =>
    Number(
      (
        await t.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )

  function setup(overrides: Partial<LibrarySettings> = {}) {
    const settings: LibrarySettings = { ...PRESETS.A, ...overrides }
    const lists = listService({
      lists: listRepository(t.db),
      clock: fixedClock('2026-11-23T01:00:00Z'),
    })
    return { settings, lists }
  }

  describe('favourites', () => {
    it('adds a record once; adding it again is harmless', async () => {
      const { settings, lists } = setup()
      expect(await lists.addFavourite(LIB, settings, ME, 1)).to.deep.equal({
        ok: true,
        added: true,
      })
      expect(await lists.addFavourite(LIB, settings, ME, 1)).to.deep.equal({
        ok: true,
        added: false,
      })
      expect(await count('favourite')).to.equal(1)
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
      const { settings, lists } = setup({ maxFavourites: 2 })
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
      expect(await count('favourite')).to.equal(2)
      // Another patron has a limit of their own.
      expect((await lists.addFavourite(LIB, settings, YOU, 3)).ok).to.equal(true)
    })

    it('runs the check and the insert under the patron lock: two at once stay within the limit', async () => {
      const { settings, lists } = setup({ maxFavourites: 1 })
      const results = await Promise.all([
        lists.addFavourite(LIB, settings, ME, 1),
        lists.addFavourite(LIB, settings, ME, 2),
      ])
      expect(results.filter((r) => r.ok)).to.have.length(1)
      expect(results.filter((r) => !r.ok)).to.deep.equal([{ ok: false, reason: 'favourite_limit' }])
      expect(await count('favourite')).to.equal(1)
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
      const { settings, lists } = setup()
      expect(await lists.createShelf(LIB, settings, ME, '')).to.deep.equal({
        ok: false,
        reason: 'name',
        problem: 'empty',
      })
      expect(await count('shelf')).to.equal(0)
    })

    it('refuses a name the patron already uses (as the database compares names)', async () => {
      const { settings, lists } = setup()
      await lists.createShelf(LIB, settings, ME, 'Picture books')
      expect(await lists.createShelf(LIB, settings, ME, 'picture BOOKS')).to.deep.equal({
        ok: false,
        reason: 'name',
        problem: 'duplicate',
      })
      // Another patron, or a patron of another library, may use it.
      expect((await lists.createShelf(LIB, settings, YOU, 'Picture books')).ok).to.equal(true)
      expect((await lists.createShelf(OTHER_LIB, settings, THEIRS, 'Picture books')).ok).to.equal(
        true,
      )
    })

    it('reports a duplicate that a concurrent request created first', async () => {
      const { settings, lists } = setup()
      const results = await Promise.all([
        lists.createShelf(LIB, settings, ME, '本棚A'),
        lists.createShelf(LIB, settings, ME, '本棚a'),
      ])
      expect(results.filter((r) => r.ok)).to.have.length(1)
      expect(results.filter((r) => !r.ok)).to.deep.equal([
        { ok: false, reason: 'name', problem: 'duplicate' },
      ])
      expect(await count('shelf')).to.equal(1)
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
      const { settings, lists } = setup()
      const a = await lists.createShelf(LIB, settings, ME, 'あ')
      if (!a.ok) throw new Error('not created')
      await lists.addToShelf(LIB, settings, ME, 1, { shelfId: a.shelf.id })
      expect(await lists.deleteShelf(LIB, YOU, a.shelf.id)).to.equal(undefined)
      expect(await lists.deleteShelf(OTHER_LIB, ME, a.shelf.id)).to.equal(undefined)
      expect(await lists.deleteShelf(LIB, ME, a.shelf.id)).to.deep.include({ name: 'あ', items: 1 })
      expect(await count('shelf_item')).to.equal(0)
    })
  })

  describe('adding to a shelf', () => {
    it(`makes the first shelf (${DEFAULT_SHELF_NAME}) in the same step, and adding again is harmless`, async () => {
      const { settings, lists } = setup()
      const first = await lists.addToShelf(LIB, settings, ME, 1, { name: DEFAULT_SHELF_NAME })
      expect(first).to.deep.include({ ok: true, added: true, created: true })
      const again = await lists.addToShelf(LIB, settings, ME, 1, { name: DEFAULT_SHELF_NAME })
      expect(again).to.deep.include({ ok: true, added: false, created: false })
      if (!first.ok) throw new Error('not added')
      const byId = await lists.addToShelf(LIB, settings, ME, 1, { shelfId: first.shelf.id })
      expect(byId).to.deep.include({ ok: true, added: false })
      expect(await count('shelf')).to.equal(1)
      expect(await count('shelf_item')).to.equal(1)
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
        await lists.addToShelf(OTHER_LIB, settings, THEIRS, 500, { shelfId: yours.shelf.id }),
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
      const { settings, lists, a, b } = await twoShelves()
      await lists.addToShelf(LIB, settings, ME, 1, { shelfId: a })
      await lists.addToShelf(LIB, settings, ME, 1, { shelfId: b })
      expect(await lists.moveItem(LIB, settings, ME, a, 1, b)).to.deep.include({
        ok: true,
        alreadyThere: true,
      })
      expect(await count('shelf_item')).to.equal(1)
    })

    it('refuses to move onto a full shelf and changes nothing', async () => {
      const { settings, lists, a, b } = await twoShelves({ maxShelfItems: 1 })
      await lists.addToShelf(LIB, settings, ME, 1, { shelfId: a })
      await lists.addToShelf(LIB, settings, ME, 2, { shelfId: b })
      const refused = await lists.moveItem(LIB, settings, ME, a, 1, b)
      expect(refused).to.deep.include({ ok: false, reason: 'item_limit' })
      expect(await count('shelf_item')).to.equal(2)
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
