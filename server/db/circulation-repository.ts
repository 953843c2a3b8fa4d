// Loans at the counter (staff API): checking a copy out and in, in one transaction with the
// hold changes they cause (the hold repository bound to the same transaction).
import type { Db } from './database.ts'
import { lockPatronRow } from './patron-lock.ts'
import { holdRepository } from './hold-repository.ts'
import type { HoldRepository } from './hold-repository.ts'
import type { CopyStatus, MaterialType } from './schema.ts'
import { inTransaction } from './transaction.ts'

export interface CounterCopy {
  id: number
  record_id: number
  branch_id: number
  barcode: string
  status: CopyStatus
  reference_only: number
  title: string
  material_type: MaterialType
}

export interface CounterPatron {
  id: number
  card_number: string
  suspended_at: string | null
}

export interface OpenLoan {
  id: number
  patron_id: number
  copy_id: number
  loaned_on: string
  due_on: string
}

function store(db: Db) {
  const copyQuery = (libraryId: number) =>
    db
      .selectFrom('copy as c')
      .innerJoin('record as r', (j) =>
        j.onRef('r.library_id', '=', 'c.library_id').onRef('r.id', '=', 'c.record_id'),
      )
      .select([
        'c.id',
        'c.record_id',
        'c.branch_id',
        'c.barcode',
        'c.status',
        'c.reference_only',
        'r.title',
        'r.material_type',
      ])
      .where('c.library_id', '=', libraryId)

  return {
    async lockPatron(libraryId: number, patronId: number): Promise<CounterPatron | undefined> {
      if (!(await lockPatronRow(db, libraryId, patronId))) return undefined
      return db
        .selectFrom('patron')
        .select(['id', 'card_number', 'suspended_at'])
        .where('library_id', '=', libraryId)
        .where('id', '=', patronId)
        .forUpdate()
        .executeTakeFirst()
    },

    /** A copy by barcode without locking it (to learn which title to lock first). */
    async copyByBarcode(libraryId: number, barcode: string): Promise<CounterCopy | undefined> {
      return copyQuery(libraryId).where('c.barcode', '=', barcode).executeTakeFirst()
    },

    async lockTitle(libraryId: number, recordId: number): Promise<void> {
      await db
        .selectFrom('record')
        .select('id')
        .where('library_id', '=', libraryId)
        .where('id', '=', recordId)
        .forUpdate()
        .execute()
    },

    async lockCopy(libraryId: number, copyId: number): Promise<CounterCopy | undefined> {
      return copyQuery(libraryId).where('c.id', '=', copyId).forUpdate().executeTakeFirst()
    },

    async openLoanOfCopy(libraryId: number, copyId: number): Promise<OpenLoan | undefined> {
      return db
        .selectFrom('loan')
        .select(['id', 'patron_id', 'copy_id', 'loaned_on', 'due_on'])
        .where('library_id', '=', libraryId)
        .where('copy_id', '=', copyId)
        .where('returned_at', 'is', null)
        .forUpdate()
        .$narrowType<{ copy_id: number }>()
        .executeTakeFirst()
    },

    async openLoanCount(libraryId: number, patronId: number): Promise<number> {
      const row = await db
        .selectFrom('loan')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('library_id', '=', libraryId)
        .where('patron_id', '=', patronId)
        .where('returned_at', 'is', null)
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },

    async insertLoan(loan: {
      library_id: number
      copy_id: number
      patron_id: number
      loaned_on: string
      due_on: string
    }): Promise<number> {
      const result = await db.insertInto('loan').values(loan).executeTakeFirstOrThrow()
      return Number(result.insertId)
    },

    async closeLoan(libraryId: number, loanId: number, now: string): Promise<void> {
      await db
        .updateTable('loan')
        .set({ returned_at: now })
        .where('library_id', '=', libraryId)
        .where('id', '=', loanId)
        .execute()
    },

    async setCopyStatus(libraryId: number, copyId: number, status: CopyStatus): Promise<void> {
      await db
        .updateTable('copy')
        .set({ status })
        .where('library_id', '=', libraryId)
        .where('id', '=', copyId)
        .execute()
    },

    async loanPatron(libraryId: number, loanId: number): Promise<number | undefined> {
      const row = await db
        .selectFrom('loan')
        .select('patron_id')
        .where('library_id', '=', libraryId)
        .where('id', '=', loanId)
        .executeTakeFirst()
      return row?.patron_id
    },

    async holdPatron(libraryId: number, holdId: number): Promise<number | undefined> {
      const row = await db
        .selectFrom('hold')
        .select('patron_id')
        .where('library_id', '=', libraryId)
        .where('id', '=', holdId)
        .executeTakeFirst()
      return row?.patron_id
    },
  }
}

export type CirculationStore = ReturnType<typeof store>

export function circulationRepository(db: Db) {
  return {
    ...store(db),
    /** One transaction (retried on deadlock) with this store and the hold repository in it. */
    unit<T>(work: (store: CirculationStore, holds: HoldRepository) => Promise<T>): Promise<T> {
      return inTransaction(db, (trx) => work(store(trx), holdRepository(trx)))
    },
  }
}

export type CirculationRepository = ReturnType<typeof circulationRepository>
