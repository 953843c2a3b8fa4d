// Mail storage: the outbox (mail_outbox) with claims for the senders, the e-mail address
// changes waiting for their confirmation (email_change), and the hold notices waiting to be
// put into mails (hold_notice); and their deletion once a library's retention is over.
// Storage only: what a mail says, who may register an address and when a link expires are
// decided in services/mail-verification-service.ts and server/mail/.
import { sql } from 'kysely'
import type { Db } from './database.ts'
import { lockPatronRow } from './patron-lock.ts'
import type { ExpressionBuilder, Insertable, Selectable } from 'kysely'
import type { Database, EmailKind, MailOutboxTable } from './schema.ts'
import { inTransaction } from './transaction.ts'
import type { TransactionOptions } from './transaction.ts'

/** A mail to queue: what it says and to whom; the sender's columns start empty. */
export type NewMail = Omit<
  Insertable<MailOutboxTable>,
  | 'id'
  | 'attempts'
  | 'claim'
  | 'claimed_until'
  | 'sending_at'
  | 'sent_at'
  | 'failed_at'
  | 'last_error'
>

export type OutboxMail = Selectable<
  Pick<MailOutboxTable, 'id' | 'attempts' | 'sending_at' | (keyof NewMail & keyof MailOutboxTable)>
>

export interface EmailChangeRow {
  id: number
  library_id: number
  patron_id: number
  address: string
  address_kind: EmailKind
  code_hash: string
  code_failures: number
  created_at: string
  expires_at: string
  confirmed_at: string | null
  ended_at: string | null
}

/** A hold notice waiting for its mail, with what the mail says about the hold. */
export interface NoticeRow {
  id: number
  library_id: number
  patron_id: number
  hold_id: number
  kind: 'ready' | 'expired'
  title: string
  issue_label: string | null
  pickup_branch_name: string
  pickup_deadline: string | null
  email: string | null
  email_kind: EmailKind
  full_name: string
}

const CHANGE_COLUMNS = [
  'id',
  'library_id',
  'patron_id',
  'address',
  'address_kind',
  'code_hash',
  'code_failures',
  'created_at',
  'expires_at',
  'confirmed_at',
  'ended_at',
] as const

function patronQuery(db: Db, libraryId: number, patronId: number) {
  return db
    .selectFrom('patron')
    .select([
      'id',
      'email',
      'email_kind',
      'full_name',
      'residency',
      'birth_date',
      'disability_service',
    ])
    .where('library_id', '=', libraryId)
    .where('id', '=', patronId)
}

/**
 * Deletes rows batch by batch without locking the rows that stay (the sender works on the same
 * tables every minute): each batch's ids are read by a plain read, which takes no locks, then
 * deleted by primary key with the condition checked again.
 */
async function deleteInBatches(
  batch: number,
  pick: () => Promise<{ id: number }[]>,
  remove: (ids: number[]) => Promise<{ numDeletedRows: bigint }>,
): Promise<number> {
  let deleted = 0
  for (;;) {
    const ids = (await pick()).map((row) => row.id)
    if (ids.length === 0) return deleted
    const n = Number((await remove(ids)).numDeletedRows)
    deleted += n
    if (ids.length < batch || n === 0) return deleted
  }
}

function store(db: Db) {
  return {
    async queueMail(mail: NewMail): Promise<number> {
      const result = await db.insertInto('mail_outbox').values(mail).executeTakeFirstOrThrow()
      return Number(result.insertId)
    },

    /** Locks the patron's row (changes of one patron's address run one at a time). */
    async lockPatron(libraryId: number, patronId: number) {
      if (!(await lockPatronRow(db, libraryId, patronId))) return undefined
      return patronQuery(db, libraryId, patronId).forUpdate().executeTakeFirst()
    },

    async patron(libraryId: number, patronId: number) {
      return patronQuery(db, libraryId, patronId).executeTakeFirst()
    },

    async tokenHash(changeId: number): Promise<string> {
      const row = await db
        .selectFrom('email_change')
        .select('token_hash')
        .where('id', '=', changeId)
        .executeTakeFirstOrThrow()
      return row.token_hash
    },

    async setEmail(libraryId: number, patronId: number, email: string | null, kind: EmailKind) {
      await db
        .updateTable('patron')
        .set({ email, email_kind: kind })
        .where('library_id', '=', libraryId)
        .where('id', '=', patronId)
        .execute()
    },

    /** Ends every open change of the patron (a newer request supersedes them). */
    async endOpenChanges(libraryId: number, patronId: number, now: string): Promise<number> {
      const result = await db
        .updateTable('email_change')
        .set({ ended_at: now })
        .where('library_id', '=', libraryId)
        .where('patron_id', '=', patronId)
        .where('confirmed_at', 'is', null)
        .where('ended_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows)
    },

    async insertChange(change: {
      library_id: number
      patron_id: number
      address: string
      address_kind: EmailKind
      token_hash: string
      code_hash: string
      created_at: string
      expires_at: string
    }): Promise<number> {
      const result = await db.insertInto('email_change').values(change).executeTakeFirstOrThrow()
      return Number(result.insertId)
    },

    async setCodeHash(id: number, codeHash: string): Promise<void> {
      await db
        .updateTable('email_change')
        .set({ code_hash: codeHash })
        .where('id', '=', id)
        .execute()
    },

    /** The change a link's token belongs to (in this library), locked. */
    async changeByToken(libraryId: number, tokenHash: string): Promise<EmailChangeRow | undefined> {
      return db
        .selectFrom('email_change')
        .select(CHANGE_COLUMNS)
        .where('library_id', '=', libraryId)
        .where('token_hash', '=', tokenHash)
        .forUpdate()
        .executeTakeFirst()
    },

    /** The patron's newest change that is neither done nor ended, locked. */
    async openChange(libraryId: number, patronId: number): Promise<EmailChangeRow | undefined> {
      return db
        .selectFrom('email_change')
        .select(CHANGE_COLUMNS)
        .where('library_id', '=', libraryId)
        .where('patron_id', '=', patronId)
        .where('confirmed_at', 'is', null)
        .where('ended_at', 'is', null)
        .orderBy('id', 'desc')
        .forUpdate()
        .executeTakeFirst()
    },

    /** Deletes changes that expired before a moment (done, ended or never confirmed). */
    async purgeChanges(before: string): Promise<number> {
      const result = await db
        .deleteFrom('email_change')
        .where('expires_at', '<', before)
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },

    async updateChange(
      id: number,
      changes: Partial<Pick<EmailChangeRow, 'confirmed_at' | 'ended_at' | 'code_failures'>>,
    ): Promise<void> {
      await db.updateTable('email_change').set(changes).where('id', '=', id).execute()
    },

    /**
     * Up to `limit` hold notices not yet in a mail, locked (SKIP LOCKED: two senders take
     * different notices), oldest first: with what their mail says, and apart the ids of those
     * whose hold (or its title or pickup branch) is gone — nothing left to tell, and, left
     * unmailed, they would stay first in line and hold back every notice after them.
     */
    async unmailedNotices(limit: number): Promise<{ notices: NoticeRow[]; gone: number[] }> {
      // Lock the notices alone (MariaDB has no FOR UPDATE OF), then read what the mail says.
      const locked = await db
        .selectFrom('hold_notice')
        .select('id')
        .where('mail_id', 'is', null)
        .orderBy('id')
        .limit(limit)
        .forUpdate()
        .skipLocked()
        .execute()
      if (locked.length === 0) return { notices: [], gone: [] }
      const rows = await sql<NoticeRow>`
        SELECT n.id, n.library_id, n.patron_id, n.hold_id, n.kind, r.title, c.issue_label,
          b.name AS pickup_branch_name, h.pickup_deadline, p.email, p.email_kind, p.full_name
        FROM hold_notice n
        JOIN hold h ON h.library_id = n.library_id AND h.id = n.hold_id
        JOIN record r ON r.library_id = h.library_id AND r.id = h.record_id
        JOIN branch b ON b.library_id = h.library_id AND b.id = h.pickup_branch_id
        JOIN patron p ON p.library_id = n.library_id AND p.id = n.patron_id
        LEFT JOIN copy c ON c.library_id = h.library_id AND c.id = h.copy_id
        WHERE n.id IN (${sql.join(locked.map((l) => l.id))})
        ORDER BY n.id
      `.execute(db)
      const found = new Set(rows.rows.map((r) => r.id))
      return { notices: rows.rows, gone: locked.map((l) => l.id).filter((id) => !found.has(id)) }
    },

    async markNotices(ids: readonly number[], mailId: number): Promise<void> {
      if (ids.length === 0) return
      await db
        .updateTable('hold_notice')
        .set({ mail_id: mailId })
        .where('id', 'in', [...ids])
        .execute()
    },

    /**
     * Claims up to `limit` due mails for this sender until `until` (SKIP LOCKED: a row another
     * sender is claiming is passed over; a claim that ran out may be taken again).
     */
    async claimDue(
      now: string,
      until: string,
      claim: string,
      limit: number,
    ): Promise<OutboxMail[]> {
      const due = await db
        .selectFrom('mail_outbox')
        .select('id')
        .where('sent_at', 'is', null)
        .where('failed_at', 'is', null)
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]))
        .orderBy('id')
        .limit(limit)
        .forUpdate()
        .skipLocked()
        .execute()
      if (due.length === 0) return []
      const ids = due.map((d) => d.id)
      await db
        .updateTable('mail_outbox')
        .set({ claim, claimed_until: until })
        .where('id', 'in', ids)
        .execute()
      return db
        .selectFrom('mail_outbox')
        .select([
          'id',
          'library_id',
          'patron_id',
          'kind',
          'to_address',
          'from_address',
          'subject',
          'body',
          'message_id',
          'created_at',
          'next_attempt_at',
          'attempts',
          'sending_at',
        ])
        .where('id', 'in', ids)
        .orderBy('id')
        .execute()
    },

    /**
     * About to hand the mail to the SMTP server: stamps sending_at and renews the claim until
     * `until`, committed before the conversation starts. False when the claim was lost (it ran
     * out and another sender took the mail, or the mail is sent already): do not send it.
     */
    async markSending(id: number, claim: string, now: string, until: string): Promise<boolean> {
      const result = await db
        .updateTable('mail_outbox')
        .set({ sending_at: now, claimed_until: until })
        .where('id', '=', id)
        .where('claim', '=', claim)
        .where('sent_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    /** Sent: the body (it may hold a confirmation link) is cleared. Only the claim's holder. */
    async markSent(id: number, claim: string, now: string): Promise<boolean> {
      const result = await db
        .updateTable('mail_outbox')
        .set({
          sent_at: now,
          body: '',
          claim: null,
          claimed_until: null,
          sending_at: null,
          last_error: null,
        })
        .where('id', '=', id)
        .where('claim', '=', claim)
        .where('sent_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    async markFailed(
      id: number,
      claim: string,
      outcome: { error: string; attempts: number; retryAt: string | null; now: string },
    ): Promise<void> {
      await db
        .updateTable('mail_outbox')
        .set({
          attempts: outcome.attempts,
          last_error: outcome.error.slice(0, 500),
          claim: null,
          claimed_until: null,
          sending_at: null,
          ...(outcome.retryAt === null
            ? { failed_at: outcome.now }
            : { next_attempt_at: outcome.retryAt }),
        })
        .where('id', '=', id)
        .where('claim', '=', claim)
        .execute()
    },

    /** Mails a patron had queued since `since` (rate limits of test mails, pages). */
    async countMails(
      libraryId: number,
      patronId: number,
      kind: string,
      since: string,
    ): Promise<number> {
      const row = await db
        .selectFrom('mail_outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('library_id', '=', libraryId)
        .where('patron_id', '=', patronId)
        .where('kind', '=', kind)
        .where('created_at', '>=', since)
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },

    /**
     * Deletes the library's mails sent or given up on before `before` (their to_address and
     * subject are personal data), `batch` rows at a time. A mail still due, retrying or being
     * sent has neither sent_at nor failed_at and is never touched.
     */
    async purgeMails(libraryId: number, before: string, batch = 1000): Promise<number> {
      const done = (eb: ExpressionBuilder<Database, 'mail_outbox'>) =>
        eb.and([
          eb('library_id', '=', libraryId),
          eb.or([eb('sent_at', '<', before), eb('failed_at', '<', before)]),
        ])
      return deleteInBatches(
        batch,
        () =>
          db
            .selectFrom('mail_outbox')
            .select('id')
            .where(done)
            .orderBy('id')
            .limit(batch)
            .execute(),
        (ids) => db.deleteFrom('mail_outbox').where('id', 'in', ids).where(done).executeTakeFirst(),
      )
    },

    /**
     * Deletes the library's hold notices created before `before` that are done with: put into
     * a mail (mail_id) or set aside for a patron without an address (mail_id 0), `batch` rows
     * at a time. A notice not yet in a mail (mail_id NULL) is still due and kept however old,
     * and so is one whose mail is still waiting to be sent.
     */
    async purgeNotices(libraryId: number, before: string, batch = 1000): Promise<number> {
      const done = (eb: ExpressionBuilder<Database, 'hold_notice'>) =>
        eb.and([
          eb('library_id', '=', libraryId),
          eb('mail_id', 'is not', null),
          eb('created_at', '<', before),
          eb.not(
            eb.exists(
              eb
                .selectFrom('mail_outbox')
                .select(sql<number>`1`.as('x'))
                .whereRef('mail_outbox.id', '=', 'hold_notice.mail_id')
                .where('mail_outbox.sent_at', 'is', null)
                .where('mail_outbox.failed_at', 'is', null),
            ),
          ),
        ])
      return deleteInBatches(
        batch,
        () =>
          db
            .selectFrom('hold_notice')
            .select('id')
            .where(done)
            .orderBy('id')
            .limit(batch)
            .execute(),
        (ids) => db.deleteFrom('hold_notice').where('id', 'in', ids).where(done).executeTakeFirst(),
      )
    },

    /** Mails given up on (staff see them), newest first. */
    async failed(libraryId: number, limit: number) {
      return db
        .selectFrom('mail_outbox')
        .select([
          'id',
          'patron_id',
          'kind',
          'to_address',
          'subject',
          'created_at',
          'failed_at',
          'attempts',
          'last_error',
        ])
        .where('library_id', '=', libraryId)
        .where('failed_at', 'is not', null)
        .orderBy('failed_at', 'desc')
        .limit(limit)
        .execute()
    },
  }
}

export type MailStore = ReturnType<typeof store>

export function mailRepository(db: Db) {
  return {
    ...store(db),
    /** Runs work in one transaction (retried on deadlock) with a store bound to it. */
    unit<T>(work: (store: MailStore) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
      return inTransaction(db, (trx) => work(store(trx)), options)
    },
  }
}

export type MailRepository = ReturnType<typeof mailRepository>
