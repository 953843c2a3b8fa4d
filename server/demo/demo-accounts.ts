// The demo patrons who show every rule of patron accounts, with known passwords, and the
// loans that make each renewal rule visible. Loaded with each demo library, inside its
// transaction; the README's table of demo patrons is this list (a test keeps them equal).
import type { Transaction } from 'kysely'
import { tokyoInstant, utcDateTime } from '../clock.ts'
import type { Database, MaterialType, Residency } from '../db/schema.ts'
import { MAX_CLOSED_RUN_DAYS, addDays } from '../services/calendar-service.ts'
import type { LibraryCalendar } from '../services/calendar-service.ts'
import { holdFormalAt } from '../services/hold-rules.ts'
import type { LibrarySettings } from '../services/library-settings.ts'
import { hashPassword } from '../services/password-service.ts'
import { placeDemoHolds } from './demo-holds.ts'
import type { DemoHoldKind } from './demo-holds.ts'

/** What a demo loan shows: the renewal rule it exercises. */
export type DemoLoanKind =
  'renewable' | 'due_today' | 'overdue' | 'reserved' | 'already_renewed' | 'audio_visual'

export interface DemoAccount {
  card: string
  /** null: the patron has no password yet. */
  password: string | null
  /** A counter-issued initial password (rules B) the patron may change. */
  initial?: boolean
  fullName: string
  fullNameReading: string
  birthDate: string
  residency: Residency
  disabilityService?: boolean
  email?: string
  loans: DemoLoanKind[]
  /** Holds placed through the hold service (demo-holds.ts). */
  holds?: DemoHoldKind[]
  /** The README's "what it shows". */
  shows: string
}

export const DEMO_ACCOUNTS: Readonly<Record<string, readonly DemoAccount[]>> = {
  aoba: [
    {
      card: '1101900001',
      password: 'aoba1234',
      fullName: '青葉 一郎',
      fullNameReading: 'アオバ イチロウ',
      birthDate: '1978-05-20',
      residency: 'resident',
      email: 'ichiro@example.jp',
      loans: ['renewable', 'renewable', 'due_today'],
      shows: 'normal adult; three renewable loans (one due today): 延長 and まとめて延長',
    },
    {
      card: '1101900002',
      password: null,
      fullName: '青葉 花子',
      fullNameReading: 'アオバ ハナコ',
      birthDate: '1985-04-12',
      residency: 'resident',
      loans: [],
      shows: 'no password yet: 新規パスワード登録 with name 青葉 花子 and birth date 1985-04-12',
    },
    {
      card: '1101900003',
      password: 'kasi5678',
      fullName: '延滞 次郎',
      fullNameReading: 'エンタイ ジロウ',
      birthDate: '1969-10-01',
      residency: 'resident',
      loans: ['overdue', 'renewable'],
      shows: 'an overdue loan (not renewable) and a renewable one',
    },
    {
      card: '1101900004',
      password: 'yoyk4321',
      fullName: '予約 三郎',
      fullNameReading: 'ヨヤク サブロウ',
      birthDate: '1990-02-14',
      residency: 'resident',
      loans: ['reserved', 'already_renewed'],
      shows: 'a loan another patron has reserved, and an already-renewed loan',
    },
    {
      card: '1101900005',
      password: 'cd2468',
      fullName: '視聴 四郎',
      fullNameReading: 'シチョウ シロウ',
      birthDate: '2001-07-07',
      residency: 'non_resident',
      loans: ['audio_visual', 'renewable'],
      shows: 'non-resident with an AV loan: renewable under rules A',
    },
    {
      card: '1101900006',
      password: 'help1357',
      fullName: '支援 五子',
      fullNameReading: 'シエン イツコ',
      birthDate: '1958-03-03',
      residency: 'resident',
      disabilityService: true,
      loans: ['renewable'],
      shows: 'disability-service patron: rules A let them have a password',
    },
    {
      card: '1101900007',
      password: 'yoyk7777',
      fullName: '予約 七海',
      fullNameReading: 'ヨヤク ナナミ',
      birthDate: '1983-07-07',
      residency: 'resident',
      email: 'nanami@example.jp',
      loans: [],
      holds: ['waiting', 'ready', 'set'],
      shows:
        'holds: N位 on a popular title, 受取り可 with its deadline, a set hold of three (順番を指定する, 解除)',
    },
    {
      card: '1101900008',
      password: 'full8888',
      fullName: '上限 八郎',
      fullNameReading: 'ジョウゲン ハチロウ',
      birthDate: '1972-08-08',
      residency: 'resident',
      loans: [],
      holds: ['limit'],
      shows: 'at the hold limit (10): another hold is refused with the rule',
    },
  ],
  minato: [
    {
      card: '2201900001',
      password: 'minato123',
      fullName: '港 一郎',
      fullNameReading: 'ミナト イチロウ',
      birthDate: '1975-09-30',
      residency: 'resident',
      email: 'minato-ichiro@example.jp',
      loans: ['renewable', 'renewable', 'due_today'],
      shows: 'normal adult; three renewable loans (one due today): 延長 and まとめて延長',
    },
    {
      card: '2201900002',
      password: 'Ab3dEf7h',
      initial: true,
      fullName: '港 初子',
      fullNameReading: 'ミナト ハツコ',
      birthDate: '1988-01-08',
      residency: 'resident',
      loans: ['renewable'],
      shows: 'counter-issued initial password only: change it (パスワード変更)',
    },
    {
      card: '2201900003',
      password: null,
      fullName: '港 支援',
      fullNameReading: 'ミナト シエン',
      birthDate: '1962-11-11',
      residency: 'resident',
      disabilityService: true,
      loans: [],
      shows: 'disability-service patron: cannot have a password under rules B',
    },
    {
      card: '2201900004',
      password: 'kids1234',
      fullName: '港 ちいさ',
      fullNameReading: 'ミナト チイサ',
      birthDate: '2021-06-01',
      residency: 'resident',
      loans: [],
      shows: 'under elementary-school age: online services refused',
    },
    {
      card: '2201900005',
      password: 'visit123',
      fullName: '市外 住人',
      fullNameReading: 'シガイ スミト',
      birthDate: '1980-08-08',
      residency: 'non_resident',
      loans: ['renewable'],
      shows:
        'non-resident: may log in and renew; holds are refused (residents, workers and students only)',
    },
    {
      card: '2201900006',
      password: 'late1234',
      fullName: '延滞 花子',
      fullNameReading: 'エンタイ ハナコ',
      birthDate: '1970-12-24',
      residency: 'resident',
      loans: ['overdue', 'renewable'],
      shows: 'an overdue loan (not renewable) and a renewable one',
    },
    {
      card: '2201900007',
      password: 'hold1234',
      fullName: '予約 待子',
      fullNameReading: 'ヨヤク マチコ',
      birthDate: '1995-05-05',
      residency: 'worker',
      loans: ['reserved', 'already_renewed'],
      shows: 'a loan another patron has reserved, and an already-renewed loan',
    },
    {
      card: '2201900008',
      password: 'disc1234',
      fullName: '視聴 覚',
      fullNameReading: 'シチョウ サトル',
      birthDate: '1999-03-21',
      residency: 'student',
      loans: ['audio_visual', 'renewable'],
      shows: 'an AV loan: not renewable under rules B',
    },
    {
      card: '2201900009',
      password: 'yoyk9999',
      fullName: '予約 九美',
      fullNameReading: 'ヨヤク クミ',
      birthDate: '1986-09-09',
      residency: 'resident',
      email: 'kumi@example.jp',
      loans: [],
      holds: ['requested', 'waiting', 'ready'],
      shows: 'holds: 依頼中 until the next opening morning, N位, 受取り可 (cancel by telephone)',
    },
    {
      card: '2201900010',
      password: 'full1010',
      fullName: '上限 十子',
      fullNameReading: 'ジョウゲン トオコ',
      birthDate: '1979-10-10',
      residency: 'student',
      loans: [],
      holds: ['limit'],
      shows: 'at the hold limit (5, counter and web together): another hold is refused',
    },
  ],
}

/** Loan dates for each kind, relative to today. */
const LOAN_SHAPE: Record<DemoLoanKind, { loanedAgo: number; dueIn: number; renewals: number }> = {
  renewable: { loanedAgo: 7, dueIn: 7, renewals: 0 },
  due_today: { loanedAgo: 14, dueIn: 0, renewals: 0 },
  overdue: { loanedAgo: 20, dueIn: -6, renewals: 0 },
  reserved: { loanedAgo: 5, dueIn: 9, renewals: 0 },
  already_renewed: { loanedAgo: 20, dueIn: 8, renewals: 1 },
  audio_visual: { loanedAgo: 3, dueIn: 11, renewals: 0 },
}

/** Closed days beyond the weekly pattern: 年末年始 (Dec 29 – Jan 3), this year and next. */
export function demoClosedDays(today: string): string[] {
  const year = Number(today.slice(0, 4))
  const days: string[] = []
  for (const y of [year - 1, year, year + 1]) {
    for (const d of ['12-29', '12-30', '12-31']) days.push(`${y}-${d}`)
    for (const d of ['01-01', '01-02', '01-03']) days.push(`${y + 1}-${d}`)
  }
  return days
}

/** The last opening day on or before day (when the counter last took a request). */
export function lastOpeningDay(calendar: LibraryCalendar, day: string): string {
  for (let d = day, tries = 0; tries <= MAX_CLOSED_RUN_DAYS; d = addDays(d, -1), tries++) {
    if (calendar.isOpen(d)) return d
  }
  throw new Error(`library calendar has no opening day before ${day}`)
}

/**
 * Inserts the demo accounts of one library with their loans, the holds that make a loan
 * "reserved by another patron", and the library's closed days.
 */
export async function loadDemoAccounts(
  trx: Transaction<Database>,
  options: {
    libraryId: number
    slug: string
    today: string
    pepper: string
    settings: LibrarySettings
    /** The library's opening days, as built from the closed days inserted here. */
    calendar: LibraryCalendar
  },
): Promise<number> {
  const { libraryId, today, settings, calendar } = options
  const accounts = DEMO_ACCOUNTS[options.slug] ?? []

  await trx
    .insertInto('calendar_day')
    .values(
      demoClosedDays(today).map((day) => ({
        library_id: libraryId,
        day,
        is_open: 0,
        note: '年末年始',
      })),
    )
    .execute()

  const used = new Set<number>()
  // An available, lendable copy of a record nobody holds or borrows, of the wanted types.
  const freeCopy = async (types: readonly MaterialType[]) => {
    const rows = await trx
      .selectFrom('copy as c')
      .innerJoin('record as r', (j) =>
        j.onRef('r.library_id', '=', 'c.library_id').onRef('r.id', '=', 'c.record_id'),
      )
      .where('c.library_id', '=', libraryId)
      .where('c.status', '=', 'available')
      .where('c.reference_only', '=', 0)
      .where('r.material_type', 'in', types)
      .where('r.source', 'in', ['aozora', 'ndl'])
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('hold as h')
              .select('h.id')
              .whereRef('h.library_id', '=', 'c.library_id')
              .whereRef('h.record_id', '=', 'c.record_id')
              .where('h.status', 'in', ['requested', 'waiting', 'ready']),
          ),
        ),
      )
      .select(['c.id', 'c.record_id'])
      .orderBy('c.id')
      .limit(200)
      .execute()
    const copy = rows.find((r) => !used.has(r.record_id))
    if (!copy) throw new Error(`demo accounts: no free copy of ${types.join('/')}`)
    used.add(copy.record_id)
    return copy
  }
  const someoneElse = await trx
    .selectFrom('patron')
    .select('id')
    .where('library_id', '=', libraryId)
    .orderBy('id')
    .executeTakeFirstOrThrow()
  const pickup = await trx
    .selectFrom('branch')
    .select('id')
    .where('library_id', '=', libraryId)
    .orderBy('sort_order')
    .executeTakeFirstOrThrow()

  const withHolds: { patronId: number; holds: readonly DemoHoldKind[] }[] = []
  for (const account of accounts) {
    const inserted = await trx
      .insertInto('patron')
      .values({
        library_id: libraryId,
        card_number: account.card,
        full_name: account.fullName,
        full_name_reading: account.fullNameReading,
        birth_date: account.birthDate,
        residency: account.residency,
        disability_service: account.disabilityService ? 1 : 0,
        email: account.email ?? null,
        password_hash: account.password
          ? await hashPassword(account.password, options.pepper)
          : null,
        password_is_initial: account.initial ? 1 : 0,
        password_changed_at: account.password ? `${addDays(today, -30)} 01:00:00` : null,
      })
      .executeTakeFirstOrThrow()
    const patronId = Number(inserted.insertId)
    if (account.holds?.length) withHolds.push({ patronId, holds: account.holds })
    for (const kind of account.loans) {
      const copy = await freeCopy(kind === 'audio_visual' ? ['cd', 'dvd'] : ['book'])
      const shape = LOAN_SHAPE[kind]
      await trx.updateTable('copy').set({ status: 'on_loan' }).where('id', '=', copy.id).execute()
      await trx
        .insertInto('loan')
        .values({
          library_id: libraryId,
          copy_id: copy.id,
          patron_id: patronId,
          loaned_on: addDays(today, -shape.loanedAgo),
          due_on: addDays(today, shape.dueIn),
          renewal_count: shape.renewals,
        })
        .execute()
      if (kind === 'reserved') {
        // Placed at the counter two days ago (the last opening day by then): formal at once.
        const requestedAt = tokyoInstant(lastOpeningDay(calendar, addDays(today, -2)), '11:00')
        const formalAt = holdFormalAt(settings, calendar, { channel: 'counter', requestedAt })
        await trx
          .insertInto('hold')
          .values({
            library_id: libraryId,
            record_id: copy.record_id,
            patron_id: someoneElse.id,
            pickup_branch_id: pickup.id,
            status: 'waiting',
            channel: 'counter',
            requested_at: utcDateTime(requestedAt),
            formal_at: utcDateTime(formalAt),
          })
          .execute()
      }
    }
  }
  await placeDemoHolds(trx, {
    libraryId,
    today,
    settings,
    calendar,
    patrons: withHolds,
    lastOpeningDay: (day) => lastOpeningDay(calendar, day),
  })
  return accounts.length
}
