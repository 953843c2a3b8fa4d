// Holds (予約) and what the hold rules read: the patron and title rows to lock, copies, the
// patron's holds and loans, each title's queue, notices waiting to be mailed and the results
// of confirmations. Storage only: what may be held, in which order and until when is decided
// in services/hold-service.ts. A unit of work (HoldRepository.unit) runs in one transaction,
// retried on deadlock, with every read and write through the same HoldStore.
import { sql } from 'kysely'
import type { Db } from './database.ts'
import { lockPatronRow } from './patron-lock.ts'
import { ACTIVE_HOLD_STATUSES, FORMAL_HOLD_STATUSES } from './schema.ts'
import type { CopyStatus, HoldChannel, HoldStatus, MaterialType, Residency } from './schema.ts'
import { inTransaction } from './transaction.ts'

export type ContactMethod = 'none' | 'email'

export interface HoldRow {
  id: number
  library_id: number
  record_id: number
  copy_id: number | null
  patron_id: number
  pickup_branch_id: number
  status: HoldStatus
  channel: HoldChannel
  contact_method: ContactMethod
  set_id: number | null
  set_order: number | null
  request_key: string | null
  /** UTC 'YYYY-MM-DD HH:MM:SS'. */
  requested_at: string
  formal_at: string | null
  trapped_copy_id: number | null
  trapped_at: string | null
  pickup_deadline: string | null
}

/** What the hold rules need to know about the patron placing or changing a hold. */
export interface HoldPatron {
  id: number
  residency: Residency
  birth_date: string
  disability_service: number
  password_hash: string | null
  email: string | null
  /** 利用停止 (sql/0042), or null. */
  suspended_at: string | null
}

export interface HoldTitle {
  id: number
  title: string
  material_type: MaterialType
}

export interface HoldCopy {
  id: number
  record_id: number
  branch_id: number
  status: CopyStatus
  reference_only: number
  issue_label: string
  issue_date: string | null
}

/** A hold as the patron's list shows it. */
export interface PatronHold extends HoldRow {
  title: string
  author: string
  material_type: MaterialType
  issue_label: string | null
  pickup_branch_name: string
  /** Place among the title's (or issue's) formal holds, 1 = first; null while 依頼中. */
  position: number | null
  /** Copies of the title (or issue) that can supply it: lendable, not lost. */
  supplying_copies: number
}

export interface NewHold {
  library_id: number
  record_id: number
  copy_id: number | null
  patron_id: number
  pickup_branch_id: number
  status: HoldStatus
  channel: HoldChannel
  contact_method: ContactMethod
  request_key: string | null
  requested_at: string
  formal_at: string
}

export type HoldNoticeKind = 'ready' | 'expired'

const HOLD_COLUMNS = [
  'h.id',
  'h.library_id',
  'h.record_id',
  'h.copy_id',
  'h.patron_id',
  'h.pickup_branch_id',
  'h.status',
  'h.channel',
  'h.contact_method',
  'h.set_id',
  'h.set_order',
  'h.request_key',
  'h.requested_at',
  'h.formal_at',
  'h.trapped_copy_id',
  'h.trapped_at',
  'h.pickup_deadline',
] as const

const COPY_COLUMNS = [
  'id',
  'record_id',
  'branch_id',
  'status',
  'reference_only',
  'issue_label',
  'issue_date',
] as const

const PATRON_COLUMNS = [
  'id',
  'residency',
  'birth_date',
  'disability_service',
  'password_hash',
  'email',
  'suspended_at',
] as const

const ids = (list: readonly number[]) => (list.length ? [...list] : [0])

/** The queue order of formal holds: formal first, then requested first, then placed first. */
const QUEUE_ORDER = sql`h.formal_at, h.requested_at, h.id`

function store(db: Db) {
  const holds = () => db.selectFrom('hold as h').select(HOLD_COLUMNS)
  const patron = (libraryId: number, patronId: number, lock = false) =>
    db
      .selectFrom('patron')
      .select(PATRON_COLUMNS)
      .where('library_id', '=', libraryId)
      .where('id', '=', patronId)
      .$if(lock, (q) => q.forUpdate())
      .executeTakeFirst()

  return {
    /** Locks the patron's row (every change to a patron's holds takes this lock first). */
    async lockPatron(libraryId: number, patronId: number): Promise<HoldPatron | undefined> {
      if (!(await lockPatronRow(db, libraryId, patronId))) return undefined
      return patron(libraryId, patronId, true)
    },

    /** Locks titles' rows (their queues), in id order so that two units never deadlock. */
    async lockTitles(libraryId: number, recordIds: readonly number[]): Promise<HoldTitle[]> {
      return db
        .selectFrom('record')
        .select(['id', 'title', 'material_type'])
        .where('library_id', '=', libraryId)
        .where('id', 'in', ids(recordIds))
        .orderBy('id')
        .forUpdate()
        .execute()
    },

    /** Titles without locking them (pages that only show what would happen). */
    async titles(libraryId: number, recordIds: readonly number[]): Promise<HoldTitle[]> {
      return db
        .selectFrom('record')
        .select(['id', 'title', 'material_type'])
        .where('library_id', '=', libraryId)
        .where('id', 'in', ids(recordIds))
        .execute()
    },

    /** The patron as the hold rules see them, unlocked (pages). */
    patron: (libraryId: number, patronId: number): Promise<HoldPatron | undefined> =>
      patron(libraryId, patronId),

    async copies(libraryId: number, recordIds: readonly number[]): Promise<HoldCopy[]> {
      return db
        .selectFrom('copy')
        .select(COPY_COLUMNS)
        .where('library_id', '=', libraryId)
        .where('record_id', 'in', ids(recordIds))
        .orderBy('id')
        .execute()
    },

    /** The patron's active holds, all channels (what the hold limit counts). */
    async activeHoldCount(libraryId: number, patronId: number): Promise<number> {
      const row = await db
        .selectFrom('hold')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('library_id', '=', libraryId)
        .where('patron_id', '=', patronId)
        .where('status', 'in', ACTIVE_HOLD_STATUSES)
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },

    /** Titles (and issues) the patron holds now, among these. */
    async heldBy(
      libraryId: number,
      patronId: number,
      recordIds: readonly number[],
    ): Promise<{ record_id: number; copy_id: number | null }[]> {
      return db
        .selectFrom('hold')
        .select(['record_id', 'copy_id'])
        .where('library_id', '=', libraryId)
        .where('patron_id', '=', patronId)
        .where('record_id', 'in', ids(recordIds))
        .where('status', 'in', ACTIVE_HOLD_STATUSES)
        .execute()
    },

    /** Copies of these titles the patron has on loan now. */
    async borrowedBy(
      libraryId: number,
      patronId: number,
      recordIds: readonly number[],
    ): Promise<{ record_id: number; copy_id: number }[]> {
      return db
        .selectFrom('loan as l')
        .innerJoin('copy as c', (j) =>
          j.onRef('c.library_id', '=', 'l.library_id').onRef('c.id', '=', 'l.copy_id'),
        )
        .select(['c.record_id', 'c.id as copy_id'])
        .where('l.library_id', '=', libraryId)
        .where('l.patron_id', '=', patronId)
        .where('l.returned_at', 'is', null)
        .where('c.record_id', 'in', ids(recordIds))
        .execute()
    },

    async insertHold(hold: NewHold): Promise<number> {
      const result = await db.insertInto('hold').values(hold).executeTakeFirstOrThrow()
      return Number(result.insertId)
    },

    /** Makes holds one set, received in the given order (ids in receiving order). */
    async makeSet(libraryId: number, holdIds: readonly number[], now: string): Promise<void> {
      const setId = holdIds[0]
      for (const [i, id] of holdIds.entries()) {
        await db
          .updateTable('hold')
          .set({ set_id: setId ?? null, set_order: i + 1, updated_at: now })
          .where('library_id', '=', libraryId)
          .where('id', '=', id)
          .execute()
      }
    },

    async findRequest(
      libraryId: number,
      patronId: number,
      key: string,
    ): Promise<string | undefined> {
      const row = await db
        .selectFrom('hold_request')
        .select('result_json')
        .where('library_id', '=', libraryId)
        .where('patron_id', '=', patronId)
        .where('request_key', '=', key)
        .executeTakeFirst()
      return row?.result_json
    },

    async saveRequest(
      libraryId: number,
      patronId: number,
      key: string,
      resultJson: string,
      now: string,
    ): Promise<void> {
      await db
        .insertInto('hold_request')
        .values({
          library_id: libraryId,
          patron_id: patronId,
          request_key: key,
          result_json: resultJson,
          created_at: now,
        })
        .execute()
    },

    /** The patron's active holds with their titles, pickup branches and queue positions. */
    async patronHolds(libraryId: number, patronId: number): Promise<PatronHold[]> {
      const rows = await holds()
        .innerJoin('record as r', (j) =>
          j.onRef('r.library_id', '=', 'h.library_id').onRef('r.id', '=', 'h.record_id'),
        )
        .innerJoin('branch as b', (j) =>
          j.onRef('b.library_id', '=', 'h.library_id').onRef('b.id', '=', 'h.pickup_branch_id'),
        )
        .leftJoin('copy as ic', (j) =>
          j.onRef('ic.library_id', '=', 'h.library_id').onRef('ic.id', '=', 'h.copy_id'),
        )
        .select([
          'r.title',
          'r.author',
          'r.material_type',
          'ic.issue_label',
          'b.name as pickup_branch_name',
        ])
        .select(
          sql<number | null>`CASE WHEN h.status IN (${sql.join(FORMAL_HOLD_STATUSES)}) THEN 1 + (
            SELECT COUNT(*) FROM hold o WHERE o.library_id = h.library_id
              AND o.record_id = h.record_id AND o.copy_id <=> h.copy_id
              AND o.status IN (${sql.join(FORMAL_HOLD_STATUSES)})
              AND (o.formal_at, o.requested_at, o.id) < (h.formal_at, h.requested_at, h.id)
          ) END`.as('position'),
        )
        .select(
          sql<number>`(SELECT COUNT(*) FROM copy s WHERE s.library_id = h.library_id
            AND s.record_id = h.record_id AND (h.copy_id IS NULL OR s.id = h.copy_id)
            AND s.reference_only = 0 AND s.status <> 'missing')`.as('supplying_copies'),
        )
        .where('h.library_id', '=', libraryId)
        .where('h.patron_id', '=', patronId)
        .where('h.status', 'in', ACTIVE_HOLD_STATUSES)
        .orderBy('h.requested_at')
        .orderBy('h.id')
        .execute()
      return rows.map((r) => ({
        ...r,
        position: r.position === null ? null : Number(r.position),
        supplying_copies: Number(r.supplying_copies),
      }))
    },

    /** One hold of the patron, locked (lock: false only to learn which title to lock first). */
    async patronHold(
      libraryId: number,
      patronId: number,
      holdId: number,
      lock = true,
    ): Promise<HoldRow | undefined> {
      return holds()
        .where('h.library_id', '=', libraryId)
        .where('h.patron_id', '=', patronId)
        .where('h.id', '=', holdId)
        .$if(lock, (q) => q.forUpdate())
        .executeTakeFirst()
    },

    /** One hold, locked (staff and jobs). */
    async hold(libraryId: number, holdId: number): Promise<HoldRow | undefined> {
      return holds()
        .where('h.library_id', '=', libraryId)
        .where('h.id', '=', holdId)
        .forUpdate()
        .executeTakeFirst()
    },

    /** The holds of a set, locked, in receiving order. */
    async setMembers(libraryId: number, setId: number): Promise<HoldRow[]> {
      return holds()
        .where('h.library_id', '=', libraryId)
        .where('h.set_id', '=', setId)
        .orderBy('h.set_order')
        .orderBy('h.id')
        .forUpdate()
        .execute()
    },

    async updateHold(
      libraryId: number,
      holdId: number,
      changes: Partial<
        Pick<
          HoldRow,
          | 'status'
          | 'pickup_branch_id'
          | 'contact_method'
          | 'set_id'
          | 'set_order'
          | 'formal_at'
          | 'trapped_copy_id'
          | 'trapped_at'
          | 'pickup_deadline'
        >
      >,
      now: string,
    ): Promise<void> {
      await db
        .updateTable('hold')
        .set({ ...changes, updated_at: now })
        .where('library_id', '=', libraryId)
        .where('id', '=', holdId)
        .execute()
    },

    /**
     * The formal holds a copy of this title could go to, in queue order, locked: waiting for
     * a copy (not yet trapped), and asking for any copy of the title or for this very copy.
     */
    async queueFor(libraryId: number, recordId: number, copyId: number): Promise<HoldRow[]> {
      return holds()
        .where('h.library_id', '=', libraryId)
        .where('h.record_id', '=', recordId)
        .where('h.status', '=', 'waiting')
        .where((eb) => eb.or([eb('h.copy_id', 'is', null), eb('h.copy_id', '=', copyId)]))
        .orderBy(QUEUE_ORDER)
        .forUpdate()
        .execute()
    },

    /** A copy, locked (lock: false only to learn which title to lock first). */
    async copy(libraryId: number, copyId: number, lock = true): Promise<HoldCopy | undefined> {
      return db
        .selectFrom('copy')
        .select(COPY_COLUMNS)
        .where('library_id', '=', libraryId)
        .where('id', '=', copyId)
        .$if(lock, (q) => q.forUpdate())
        .executeTakeFirst()
    },

    async setCopyStatus(libraryId: number, copyId: number, status: CopyStatus): Promise<void> {
      await db
        .updateTable('copy')
        .set({ status })
        .where('library_id', '=', libraryId)
        .where('id', '=', copyId)
        .execute()
    },

    /** The active hold a copy is trapped for, if any. */
    async trappedFor(libraryId: number, copyId: number): Promise<HoldRow | undefined> {
      return holds()
        .where('h.library_id', '=', libraryId)
        .where('h.trapped_copy_id', '=', copyId)
        .where('h.status', 'in', ['in_transit', 'ready'])
        .forUpdate()
        .executeTakeFirst()
    },

    /** Web holds still 依頼中 whose formal time has come, in the order they were requested. */
    async dueForApproval(libraryId: number, now: string): Promise<HoldRow[]> {
      return holds()
        .where('h.library_id', '=', libraryId)
        .where('h.status', '=', 'requested')
        .where('h.formal_at', '<=', now)
        .orderBy('h.requested_at')
        .orderBy('h.id')
        .forUpdate()
        .execute()
    },

    /** Ready holds whose pickup deadline has passed (deadline before today). */
    async pastDeadline(libraryId: number, today: string): Promise<HoldRow[]> {
      return holds()
        .where('h.library_id', '=', libraryId)
        .where('h.status', '=', 'ready')
        .where('h.pickup_deadline', '<', today)
        .orderBy('h.id')
        .forUpdate()
        .execute()
    },

    /**
     * Copies on the shelf that a waiting hold could take: lendable, available, of a title
     * (or the very issue) with a formal hold waiting. At most `limit`, oldest holds first.
     */
    async shelfCopiesWanted(libraryId: number, limit: number): Promise<HoldCopy[]> {
      return db
        .selectFrom('copy as c')
        .select(COPY_COLUMNS.map((c) => `c.${c}` as const))
        .where('c.library_id', '=', libraryId)
        .where('c.status', '=', 'available')
        .where('c.reference_only', '=', 0)
        .where(({ exists, selectFrom }) =>
          exists(
            selectFrom('hold as h')
              .select(sql`1`.as('x'))
              .whereRef('h.library_id', '=', 'c.library_id')
              .whereRef('h.record_id', '=', 'c.record_id')
              .where('h.status', '=', 'waiting')
              .where((eb) =>
                eb.or([eb('h.copy_id', 'is', null), eb('h.copy_id', '=', eb.ref('c.id'))]),
              ),
          ),
        )
        .orderBy('c.record_id')
        .orderBy('c.id')
        .limit(limit)
        .execute()
    },

    async insertNotice(
      libraryId: number,
      patronId: number,
      holdId: number,
      kind: HoldNoticeKind,
      now: string,
    ): Promise<void> {
      await db
        .insertInto('hold_notice')
        .values({
          library_id: libraryId,
          patron_id: patronId,
          hold_id: holdId,
          kind,
          created_at: now,
        })
        .execute()
    },

    /** Holds of a library in a state (tests, the staff API). */
    async byStatus(libraryId: number, statuses: readonly HoldStatus[]): Promise<HoldRow[]> {
      return holds()
        .where('h.library_id', '=', libraryId)
        .where('h.status', 'in', [...statuses])
        .orderBy('h.id')
        .execute()
    },
  }
}

export type HoldStore = ReturnType<typeof store>

export function holdRepository(db: Db) {
  return {
    ...store(db),
    /** Runs work in one transaction (retried on deadlock) with a store bound to it. */
    unit<T>(work: (store: HoldStore) => Promise<T>): Promise<T> {
      return inTransaction(db, (trx) => work(store(trx)))
    },
  }
}

export type HoldRepository = ReturnType<typeof holdRepository>
