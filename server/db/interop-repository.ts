// What SRU and OAI-PMH read (services/interop/): the records of a page with the branches
// that hold them, the keys to order a set of ids by, and the harvest — records and the
// tombstones of deleted ones (catalogue_tombstone) in (datestamp, id) order, read by keyset
// from a cursor so a harvest of a million records never uses OFFSET (sql/0100 gives the
// index). Datestamps are record.updated_at and tombstone.deleted_at (UTC DATETIME).
import { sql } from 'kysely'
import type { Db } from './database.ts'
import type { MaterialType } from './schema.ts'
import type { SearchableRecord } from './search-layout.ts'

/** The fields a record is described with (Dublin Core, MARCXML). */
export interface InteropRecord extends SearchableRecord {
  id: number
  pub_year: number | null
  isbn: string | null
  ndc: string
  material_type: MaterialType
  extent: string
  note: string
  updated_at: string
  /** Codes of the branches holding a copy, in code order. */
  branches: string[]
}

/**
 * A harvest's restriction to one set: held at a branch (null: at any), or of an NDC class
 * ('': of any — the record has an NDC).
 */
export type HarvestSet = { branchId: number | null } | { ndcClass: string } | null

/** A position in the harvest order: after (datestamp, id). */
export interface HarvestCursor {
  datestamp: string
  id: number
}

export interface HarvestRange {
  /** Inclusive bounds (UTC DATETIME), or null. */
  from: string | null
  until: string | null
  set: HarvestSet
}

export interface Tombstone {
  record_id: number
  deleted_at: string
  /** id of the tombstone row: the order among equal datestamps. */
  id: number
}

const RECORD_COLUMNS = [
  'r.id',
  'r.title',
  'r.title_reading',
  'r.subtitle',
  'r.series_title',
  'r.author',
  'r.author_reading',
  'r.publisher',
  'r.pub_year',
  'r.isbn',
  'r.ndc',
  'r.material_type',
  'r.extent',
  'r.subjects',
  'r.note',
  'r.updated_at',
] as const

/**
 * Rows after the cursor in (datestamp, id) order, written as the OR the optimizer turns into a
 * range of the (library, datestamp, id) index.
 */
const afterCursor = (stamp: string, id: string, after: HarvestCursor) =>
  sql<boolean>`(${sql.ref(stamp)} > ${after.datestamp}
    OR (${sql.ref(stamp)} = ${after.datestamp} AND ${sql.ref(id)} > ${after.id}))`

const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`)

export function interopRepository(db: Db) {
  /** The branch codes of each record's copies. */
  const holdings = async (libraryId: number, ids: readonly number[]) => {
    const map = new Map<number, string[]>()
    if (ids.length === 0) return map
    const rows = await db
      .selectFrom('copy as c')
      .innerJoin('branch as b', (j) => j.onRef('b.id', '=', 'c.branch_id'))
      .select(['c.record_id', 'b.code'])
      .distinct()
      .where('c.library_id', '=', libraryId)
      .where('c.record_id', 'in', ids)
      .orderBy('b.code')
      .execute()
    for (const row of rows) {
      const list = map.get(row.record_id) ?? []
      list.push(row.code)
      map.set(row.record_id, list)
    }
    return map
  }

  const withHoldings = async (
    libraryId: number,
    rows: Omit<InteropRecord, 'branches'>[],
  ): Promise<InteropRecord[]> => {
    const map = await holdings(
      libraryId,
      rows.map((r) => r.id),
    )
    return rows.map((r) => ({ ...r, branches: map.get(r.id) ?? [] }))
  }

  return {
    /** The records of these ids, in the order given (ids not found are left out). */
    async records(libraryId: number, ids: readonly number[]): Promise<InteropRecord[]> {
      if (ids.length === 0) return []
      const rows = await db
        .selectFrom('record as r')
        .select(RECORD_COLUMNS)
        .where('r.library_id', '=', libraryId)
        .where('r.id', 'in', ids)
        .execute()
      const byId = new Map(rows.map((r) => [r.id, r]))
      const ordered = ids.flatMap((id) => byId.get(id) ?? [])
      return withHoldings(libraryId, ordered)
    },

    /** The 50音 title key and the year of each id, for ordering a set of them. */
    async sortKeys(libraryId: number, ids: readonly number[]) {
      if (ids.length === 0) return []
      return db
        .selectFrom('record as r')
        .select(['r.id', 'r.sort_title', 'r.pub_year'])
        .where('r.library_id', '=', libraryId)
        .where('r.id', 'in', ids)
        .execute()
    },

    /** Records in (updated_at, id) order after the cursor, within the range: at most limit. */
    async harvestRecords(
      libraryId: number,
      range: HarvestRange,
      after: HarvestCursor | null,
      limit: number,
    ): Promise<InteropRecord[]> {
      let q = db
        .selectFrom('record as r')
        .select(RECORD_COLUMNS)
        .where('r.library_id', '=', libraryId)
      if (range.from) q = q.where('r.updated_at', '>=', range.from)
      if (range.until) q = q.where('r.updated_at', '<=', range.until)
      if (after) q = q.where(afterCursor('r.updated_at', 'r.id', after))
      const set = range.set
      if (set && 'ndcClass' in set) {
        q = set.ndcClass
          ? q.where('r.ndc', 'like', `${likeEscape(set.ndcClass)}%`)
          : q.where('r.ndc', '!=', '')
      }
      if (set && 'branchId' in set) {
        const branch = set.branchId === null ? sql`` : sql`AND c.branch_id = ${set.branchId}`
        q = q.where(
          sql<boolean>`EXISTS (SELECT 1 FROM copy c WHERE c.library_id = r.library_id
            AND c.record_id = r.id ${branch})`,
        )
      }
      const rows = await q.orderBy('r.updated_at').orderBy('r.id').limit(limit).execute()
      return withHoldings(libraryId, rows)
    },

    /**
     * Deleted records in (deleted_at, id) order after the cursor, within the dates: at most
     * limit. A record that was deleted carries no set any more; it is reported in every set.
     */
    async harvestTombstones(
      libraryId: number,
      range: Pick<HarvestRange, 'from' | 'until'>,
      after: HarvestCursor | null,
      limit: number,
    ): Promise<Tombstone[]> {
      let q = db
        .selectFrom('catalogue_tombstone as t')
        .select(['t.id', 't.record_id', 't.deleted_at'])
        .where('t.library_id', '=', libraryId)
        .where('t.kind', '=', 'record')
      if (range.from) q = q.where('t.deleted_at', '>=', range.from)
      if (range.until) q = q.where('t.deleted_at', '<=', range.until)
      if (after) q = q.where(afterCursor('t.deleted_at', 't.id', after))
      return q.orderBy('t.deleted_at').orderBy('t.id').limit(limit).execute()
    },

    /** The record's tombstone (its latest), or undefined. */
    async tombstone(libraryId: number, recordId: number): Promise<Tombstone | undefined> {
      return db
        .selectFrom('catalogue_tombstone as t')
        .select(['t.id', 't.record_id', 't.deleted_at'])
        .where('t.library_id', '=', libraryId)
        .where('t.kind', '=', 'record')
        .where('t.record_id', '=', recordId)
        .orderBy('t.id', 'desc')
        .limit(1)
        .executeTakeFirst()
    },

    /** The oldest datestamp of the library's records and tombstones, or null when none. */
    async earliestDatestamp(libraryId: number): Promise<string | null> {
      const [record, tombstone] = await Promise.all([
        db
          .selectFrom('record')
          .select((eb) => eb.fn.min('updated_at').as('at'))
          .where('library_id', '=', libraryId)
          .executeTakeFirst(),
        db
          .selectFrom('catalogue_tombstone')
          .select((eb) => eb.fn.min('deleted_at').as('at'))
          .where('library_id', '=', libraryId)
          .where('kind', '=', 'record')
          .executeTakeFirst(),
      ])
      const stamps = [record?.at, tombstone?.at].filter((s): s is string => !!s)
      return stamps.sort()[0] ?? null
    },
  }
}

export type InteropRepository = ReturnType<typeof interopRepository>
