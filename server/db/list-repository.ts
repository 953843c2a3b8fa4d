// お気に入り and My本棚 of one patron: favourites, shelves and the records on them. Every query
// names the library (tenant) and, for shelves, the patron who owns them, so an id from another
// library or another patron finds nothing. Changes that check a limit first run inside
// locked(), which holds the patron's row (SELECT … FOR UPDATE) until the transaction ends, so
// two requests of one patron cannot both pass a count and overshoot it.
import type { Kysely, Transaction } from 'kysely'
import type { Db } from './database.ts'
import type { Database, MaterialType } from './schema.ts'
import { inTransaction } from './transaction.ts'

/** What a list shows of a record. */
export interface ListRecord {
  id: number
  title: string
  author: string
  publisher: string
  pub_year: number | null
  material_type: MaterialType
}

/** A record on a list, with when it was put there (UTC 'YYYY-MM-DD HH:MM:SS'). */
export interface ListEntry extends ListRecord {
  added_at: string
}

export interface ShelfSummary {
  id: number
  name: string
  /** Records on the shelf. */
  items: number
}

export interface ListStore {
  record(libraryId: number, recordId: number): Promise<ListRecord | undefined>

  favouriteCount(libraryId: number, patronId: number): Promise<number>
  /** When the record was made a favourite, or null when it is not one. */
  favouriteAddedAt(libraryId: number, patronId: number, recordId: number): Promise<string | null>
  latestFavouriteAt(libraryId: number, patronId: number): Promise<string | null>
  insertFavourite(libraryId: number, patronId: number, recordId: number, at: string): Promise<void>
  deleteFavourite(libraryId: number, patronId: number, recordId: number): Promise<boolean>
  /** Newest first. */
  favourites(
    libraryId: number,
    patronId: number,
    offset: number,
    limit: number,
  ): Promise<ListEntry[]>

  /** The patron's shelves in the order they were made, with their item counts. */
  shelves(libraryId: number, patronId: number): Promise<ShelfSummary[]>
  shelf(libraryId: number, patronId: number, shelfId: number): Promise<ShelfSummary | undefined>
  /** The shelf whose name equals `name` as the database compares names (its collation). */
  shelfNamed(libraryId: number, patronId: number, name: string): Promise<ShelfSummary | undefined>
  /** The new shelf's id, or 'duplicate' when the patron has a shelf of that name. */
  insertShelf(
    libraryId: number,
    patronId: number,
    name: string,
    at: string,
  ): Promise<number | 'duplicate'>
  renameShelf(
    libraryId: number,
    patronId: number,
    shelfId: number,
    name: string,
  ): Promise<boolean | 'duplicate'>
  deleteShelf(libraryId: number, patronId: number, shelfId: number): Promise<boolean>

  /** Newest first. */
  shelfEntries(
    libraryId: number,
    patronId: number,
    shelfId: number,
    offset: number,
    limit: number,
  ): Promise<ListEntry[]>
  shelfEntry(
    libraryId: number,
    patronId: number,
    shelfId: number,
    recordId: number,
  ): Promise<ListEntry | undefined>
  latestShelfItemAt(libraryId: number, shelfId: number): Promise<string | null>
  insertShelfItem(libraryId: number, shelfId: number, recordId: number, at: string): Promise<void>
  deleteShelfItem(libraryId: number, shelfId: number, recordId: number): Promise<boolean>
  /** Ids of the patron's shelves that hold the record. */
  shelvesHolding(libraryId: number, patronId: number, recordId: number): Promise<number[]>
}

export interface ListRepository extends ListStore {
  /**
   * Runs `work` in a transaction that holds the patron's row until it ends (run again from the
   * start if the transaction is retried after a deadlock).
   */
  locked<T>(libraryId: number, patronId: number, work: (store: ListStore) => Promise<T>): Promise<T>
}

function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown } | null
  return e?.code === 'ER_DUP_ENTRY' || e?.errno === 1062
}

const RECORD_COLUMNS = [
  'r.id',
  'r.title',
  'r.author',
  'r.publisher',
  'r.pub_year',
  'r.material_type',
] as const

function store(db: Kysely<Database> | Transaction<Database>): ListStore {
  const shelfSummaries = async (
    libraryId: number,
    patronId: number,
    only: { id?: number; name?: string } = {},
  ): Promise<ShelfSummary[]> => {
    let query = db
      .selectFrom('shelf as s')
      .select((eb) => [
        's.id',
        's.name',
        eb
          .selectFrom('shelf_item as i')
          .whereRef('i.library_id', '=', 's.library_id')
          .whereRef('i.shelf_id', '=', 's.id')
          .select(eb.fn.countAll<number>().as('n'))
          .as('items'),
      ])
      .where('s.library_id', '=', libraryId)
      .where('s.patron_id', '=', patronId)
    if (only.id !== undefined) query = query.where('s.id', '=', only.id)
    if (only.name !== undefined) query = query.where('s.name', '=', only.name)
    const rows = await query.orderBy('s.id').execute()
    return rows.map((r) => ({ id: r.id, name: r.name, items: Number(r.items ?? 0) }))
  }

  return {
    async record(libraryId, recordId) {
      return db
        .selectFrom('record as r')
        .select(RECORD_COLUMNS)
        .where('r.library_id', '=', libraryId)
        .where('r.id', '=', recordId)
        .executeTakeFirst()
    },

    async favouriteCount(libraryId, patronId) {
      const row = await db
        .selectFrom('favourite')
        .where('library_id', '=', libraryId)
        .where('patron_id', '=', patronId)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },

    async favouriteAddedAt(libraryId, patronId, recordId) {
      const row = await db
        .selectFrom('favourite')
        .where('library_id', '=', libraryId)
        .where('patron_id', '=', patronId)
        .where('record_id', '=', recordId)
        .select('created_at')
        .executeTakeFirst()
      return row?.created_at ?? null
    },

    async latestFavouriteAt(libraryId, patronId) {
      const row = await db
        .selectFrom('favourite')
        .where('library_id', '=', libraryId)
        .where('patron_id', '=', patronId)
        .select((eb) => eb.fn.max('created_at').as('at'))
        .executeTakeFirst()
      return row?.at ?? null
    },

    async insertFavourite(libraryId, patronId, recordId, at) {
      await db
        .insertInto('favourite')
        .values({ library_id: libraryId, patron_id: patronId, record_id: recordId, created_at: at })
        .onDuplicateKeyUpdate({ record_id: recordId })
        .execute()
    },

    async deleteFavourite(libraryId, patronId, recordId) {
      const result = await db
        .deleteFrom('favourite')
        .where('library_id', '=', libraryId)
        .where('patron_id', '=', patronId)
        .where('record_id', '=', recordId)
        .executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    },

    async favourites(libraryId, patronId, offset, limit) {
      return db
        .selectFrom('favourite as f')
        .innerJoin('record as r', (j) =>
          j.onRef('r.library_id', '=', 'f.library_id').onRef('r.id', '=', 'f.record_id'),
        )
        .select([...RECORD_COLUMNS, 'f.created_at as added_at'])
        .where('f.library_id', '=', libraryId)
        .where('f.patron_id', '=', patronId)
        .orderBy('f.created_at', 'desc')
        .orderBy('f.record_id', 'desc')
        .offset(offset)
        .limit(limit)
        .execute()
    },

    async shelves(libraryId, patronId) {
      return shelfSummaries(libraryId, patronId)
    },

    async shelf(libraryId, patronId, shelfId) {
      const [found] = await shelfSummaries(libraryId, patronId, { id: shelfId })
      return found
    },

    async shelfNamed(libraryId, patronId, name) {
      const [found] = await shelfSummaries(libraryId, patronId, { name })
      return found
    },

    async insertShelf(libraryId, patronId, name, at) {
      try {
        const result = await db
          .insertInto('shelf')
          .values({ library_id: libraryId, patron_id: patronId, name, created_at: at })
          .executeTakeFirstOrThrow()
        return Number(result.insertId)
      } catch (err) {
        if (isDuplicateKey(err)) return 'duplicate'
        throw err
      }
    },

    async renameShelf(libraryId, patronId, shelfId, name) {
      try {
        const result = await db
          .updateTable('shelf')
          .set({ name })
          .where('library_id', '=', libraryId)
          .where('patron_id', '=', patronId)
          .where('id', '=', shelfId)
          .executeTakeFirst()
        return Number(result.numUpdatedRows) > 0
      } catch (err) {
        if (isDuplicateKey(err)) return 'duplicate'
        throw err
      }
    },

    async deleteShelf(libraryId, patronId, shelfId) {
      // shelf_item rows go with the shelf (ON DELETE CASCADE).
      const result = await db
        .deleteFrom('shelf')
        .where('library_id', '=', libraryId)
        .where('patron_id', '=', patronId)
        .where('id', '=', shelfId)
        .executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    },

    async shelfEntries(libraryId, patronId, shelfId, offset, limit) {
      return db
        .selectFrom('shelf_item as i')
        .innerJoin('shelf as s', (j) =>
          j.onRef('s.library_id', '=', 'i.library_id').onRef('s.id', '=', 'i.shelf_id'),
        )
        .innerJoin('record as r', (j) =>
          j.onRef('r.library_id', '=', 'i.library_id').onRef('r.id', '=', 'i.record_id'),
        )
        .select([...RECORD_COLUMNS, 'i.added_at'])
        .where('i.library_id', '=', libraryId)
        .where('i.shelf_id', '=', shelfId)
        .where('s.patron_id', '=', patronId)
        .orderBy('i.added_at', 'desc')
        .orderBy('i.record_id', 'desc')
        .offset(offset)
        .limit(limit)
        .execute()
    },

    async shelfEntry(libraryId, patronId, shelfId, recordId) {
      return db
        .selectFrom('shelf_item as i')
        .innerJoin('shelf as s', (j) =>
          j.onRef('s.library_id', '=', 'i.library_id').onRef('s.id', '=', 'i.shelf_id'),
        )
        .innerJoin('record as r', (j) =>
          j.onRef('r.library_id', '=', 'i.library_id').onRef('r.id', '=', 'i.record_id'),
        )
        .select([...RECORD_COLUMNS, 'i.added_at'])
        .where('i.library_id', '=', libraryId)
        .where('i.shelf_id', '=', shelfId)
        .where('i.record_id', '=', recordId)
        .where('s.patron_id', '=', patronId)
        .executeTakeFirst()
    },

    async latestShelfItemAt(libraryId, shelfId) {
      const row = await db
        .selectFrom('shelf_item')
        .where('library_id', '=', libraryId)
        .where('shelf_id', '=', shelfId)
        .select((eb) => eb.fn.max('added_at').as('at'))
        .executeTakeFirst()
      return row?.at ?? null
    },

    async insertShelfItem(libraryId, shelfId, recordId, at) {
      await db
        .insertInto('shelf_item')
        .values({ library_id: libraryId, shelf_id: shelfId, record_id: recordId, added_at: at })
        .onDuplicateKeyUpdate({ record_id: recordId })
        .execute()
    },

    async deleteShelfItem(libraryId, shelfId, recordId) {
      const result = await db
        .deleteFrom('shelf_item')
        .where('library_id', '=', libraryId)
        .where('shelf_id', '=', shelfId)
        .where('record_id', '=', recordId)
        .executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    },

    async shelvesHolding(libraryId, patronId, recordId) {
      const rows = await db
        .selectFrom('shelf_item as i')
        .innerJoin('shelf as s', (j) =>
          j.onRef('s.library_id', '=', 'i.library_id').onRef('s.id', '=', 'i.shelf_id'),
        )
        .select('s.id')
        .where('i.library_id', '=', libraryId)
        .where('i.record_id', '=', recordId)
        .where('s.patron_id', '=', patronId)
        .orderBy('s.id')
        .execute()
      return rows.map((r) => r.id)
    },
  }
}

export function listRepository(db: Db): ListRepository {
  return {
    ...store(db),
    async locked(libraryId, patronId, work) {
      return inTransaction(db, async (trx) => {
        await trx
          .selectFrom('patron')
          .select('id')
          .where('library_id', '=', libraryId)
          .where('id', '=', patronId)
          .forUpdate()
          .executeTakeFirst()
        return work(store(trx))
      })
    },
  }
}
