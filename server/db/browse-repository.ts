// Ways into the catalogue other than a search: counts per NDC class, new arrivals and the
// most-borrowed / most-reserved rankings. Always within one library.
import { sql } from 'kysely'
import type { Db } from './database.ts'
import { HIT_COLUMNS, availableNow } from './record-repository.ts'
import type { RecordHit } from './record-repository.ts'

export interface RankedHit extends RecordHit {
  count: number
}

export function browseRepository(db: Db) {
  return {
    /** Records per next NDC digit under a prefix ('' → per class, '9' → 90–99 …). */
    async ndcCounts(libraryId: number, prefix: string): Promise<Map<string, number>> {
      const length = prefix.length + 1
      const rows = await db
        .selectFrom('record')
        .where('library_id', '=', libraryId)
        .where('ndc', 'like', `${prefix}%`)
        .where(sql<boolean>`ndc REGEXP ${`^[0-9]{${length}}`}`)
        .select([
          sql<string>`LEFT(ndc, ${length})`.as('n'),
          (eb) => eb.fn.countAll<number>().as('c'),
        ])
        .groupBy(sql`LEFT(ndc, ${length})`)
        .execute()
      return new Map(rows.map((r) => [r.n, Number(r.c)]))
    },

    /**
     * Records with a copy acquired on or after `since`, newest first, optionally one class:
     * read from new_arrival (sql/0090), which keeps each record's newest acquisition.
     */
    async newArrivals(
      libraryId: number,
      since: string,
      ndcClass: string | null,
      offset: number,
      limit: number,
    ): Promise<{ total: number; hits: (RecordHit & { acquired_on: string })[] }> {
      const base = db
        .selectFrom('new_arrival as n')
        .where('n.library_id', '=', libraryId)
        .where('n.acquired_on', '>=', since)
        .$if(ndcClass !== null, (q) => q.where('n.ndc_class', '=', ndcClass ?? ''))
      const [count, page] = await Promise.all([
        base.select((eb) => eb.fn.countAll<number>().as('c')).executeTakeFirstOrThrow(),
        base
          .select(['n.record_id', 'n.acquired_on'])
          .orderBy('n.acquired_on', 'desc')
          .orderBy('n.record_id', 'desc')
          .offset(offset)
          .limit(limit)
          .execute(),
      ])
      const rows =
        page.length === 0
          ? []
          : await db
              .selectFrom('record as r')
              .select(HIT_COLUMNS)
              .select(availableNow.as('available'))
              .where('r.library_id', '=', libraryId)
              .where(
                'r.id',
                'in',
                page.map((p) => p.record_id),
              )
              .execute()
      const byId = new Map(rows.map((r) => [r.id, r]))
      return {
        total: Number(count.c),
        hits: page.flatMap((p) => {
          const r = byId.get(p.record_id)
          return r
            ? [{ ...r, acquired_on: String(p.acquired_on), available: Number(r.available) === 1 }]
            : []
        }),
      }
    },

    /** The most borrowed (loans) or most reserved (holds) records between two days. */
    async ranking(
      libraryId: number,
      kind: 'loans' | 'holds',
      from: string,
      to: string,
      limit: number,
    ): Promise<RankedHit[]> {
      const counted =
        kind === 'loans'
          ? db
              .selectFrom('loan as l')
              // A deleted copy's loans still count, for the record they kept (sql/0080).
              .leftJoin('copy as c', (j) =>
                j.onRef('c.library_id', '=', 'l.library_id').onRef('c.id', '=', 'l.copy_id'),
              )
              .where('l.library_id', '=', libraryId)
              .where('l.loaned_on', '>=', from)
              .where('l.loaned_on', '<=', to)
              .groupBy(sql`COALESCE(c.record_id, l.record_id)`)
              .select([
                sql<number>`COALESCE(c.record_id, l.record_id)`.as('record_id'),
                (e) => e.fn.countAll<number>().as('n'),
              ])
          : db
              .selectFrom('hold as h')
              .where('h.library_id', '=', libraryId)
              .where(sql<string>`DATE(h.requested_at)`, '>=', from)
              .where(sql<string>`DATE(h.requested_at)`, '<=', to)
              .groupBy('h.record_id')
              .select(['h.record_id as record_id', (e) => e.fn.countAll<number>().as('n')])
      const rows = await db
        .selectFrom(counted.as('k'))
        .innerJoin('record as r', (j) =>
          j.onRef('r.id', '=', 'k.record_id').on('r.library_id', '=', libraryId),
        )
        .select([...HIT_COLUMNS, 'k.n'])
        .select(availableNow.as('available'))
        .orderBy('k.n', 'desc')
        .orderBy('r.id')
        .limit(limit)
        .execute()
      return rows.map((r) => ({ ...r, count: Number(r.n), available: Number(r.available) === 1 }))
    },
  }
}

export type BrowseRepository = ReturnType<typeof browseRepository>
