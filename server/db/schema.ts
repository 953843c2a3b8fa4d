// Kysely's view of the tables in sql/. One interface per table; read rows through the
// Selectable aliases. mysql2 runs with dateStrings, so DATE and DATETIME arrive as strings
// ('2026-11-23', '2026-11-23 05:00:00', UTC for DATETIME).
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely'

type CreatedAt = ColumnType<string, string | undefined, never>
type Flag = ColumnType<number, number | boolean | undefined, number | boolean>

export interface LibraryTable {
  id: Generated<number>
  slug: string
  name: string
  rules_preset: 'A' | 'B'
  settings_json: string
  phone: ColumnType<string, string | undefined, string>
  sort_order: ColumnType<number, number | undefined, number>
  created_at: CreatedAt
}

export interface BranchTable {
  id: Generated<number>
  library_id: number
  code: string
  name: string
  is_pickup: Flag
  sort_order: ColumnType<number, number | undefined, number>
  /** Postal address as patrons read it (sql/0070); '' when not entered. */
  address: ColumnType<string, string | undefined, string>
  phone: ColumnType<string, string | undefined, string>
  /** A line for patrons (e.g. what the branch is for); '' when none. */
  note: ColumnType<string, string | undefined, string>
}

export interface RecordTable {
  id: Generated<number>
  library_id: number
  title: string
  title_reading: ColumnType<string, string | undefined, string>
  subtitle: ColumnType<string, string | undefined, string>
  series_title: ColumnType<string, string | undefined, string>
  author: ColumnType<string, string | undefined, string>
  author_reading: ColumnType<string, string | undefined, string>
  publisher: ColumnType<string, string | undefined, string>
  pub_year: number | null
  isbn: string | null
  ndc: ColumnType<string, string | undefined, string>
  material_type: MaterialType
  extent: ColumnType<string, string | undefined, string>
  subjects: ColumnType<string, string | undefined, string>
  note: ColumnType<string, string | undefined, string>
  source: string
  source_id: string
  search_text: string
  title_key: ColumnType<string, string | undefined, string>
  /** The title and its reading, framed (sql/0061). */
  title_proper_key: ColumnType<string, string | undefined, string>
  author_key: ColumnType<string, string | undefined, string>
  publisher_key: ColumnType<string, string | undefined, string>
  subject_key: ColumnType<string, string | undefined, string>
  sort_title: ColumnType<string, string | undefined, string>
  sort_author: ColumnType<string, string | undefined, string>
  /** Loose keys of the title and author readings (sql/0091, search/loose-reading.ts). */
  reading_key: ColumnType<string, string | undefined, string>
  author_reading_key: ColumnType<string, string | undefined, string>
  search_version: ColumnType<number, number | undefined, number>
  /** Lengths of the folded fields in search_text (sql/0025). */
  search_layout: ColumnType<string, string | undefined, string>
  /** The relevance ranking's measure of demand (sql/0060, services/search/popularity.ts). */
  popularity: ColumnType<number, number | undefined, number>
  title_reading_generated: Flag
  author_reading_generated: Flag
  created_at: CreatedAt
  updated_at: ColumnType<string, string | undefined, string | undefined>
}

export interface CopyTable {
  id: Generated<number>
  library_id: number
  record_id: number
  branch_id: number
  barcode: string
  call_number: string
  shelf_location: ShelfLocation
  status: CopyStatus
  reference_only: Flag
  issue_label: ColumnType<string, string | undefined, string>
  issue_date: string | null
  acquired_on: string
  created_at: CreatedAt
}

export interface PatronTable {
  id: Generated<number>
  library_id: number
  card_number: string
  full_name: string
  full_name_reading: ColumnType<string, string | undefined, string>
  birth_date: string
  residency: Residency
  disability_service: Flag
  email: string | null
  /** 'pc' or 'mobile' (rules B's アドレスの種類; sql/0030). */
  email_kind: ColumnType<EmailKind, EmailKind | undefined, EmailKind>
  password_hash: ColumnType<string | null, string | null | undefined, string | null>
  password_is_initial: Flag
  password_changed_at: ColumnType<string | null, string | null | undefined, string | null>
  /** 一般 / ヤング / 児童 as registered (sql/0042). */
  age_group: ColumnType<AgeGroup, AgeGroup | undefined, AgeGroup>
  /** 利用停止 by staff (sql/0042): no loans or holds while set. */
  suspended_at: ColumnType<string | null, string | null | undefined, string | null>
  suspended_reason: ColumnType<string, string | undefined, string>
  /** Raised by every unit that locks the patron (sql/0121, server/db/patron-lock.ts). */
  lock_serial: ColumnType<number, number | undefined, number>
  created_at: CreatedAt
}

export const AGE_GROUPS = ['adult', 'young_adult', 'child'] as const
export type AgeGroup = (typeof AGE_GROUPS)[number]

/** Staff API tokens (sql/0040): only a hash of the token is kept. */
export interface StaffTokenTable {
  id: Generated<number>
  library_id: number
  name: string
  token_hash: string
  created_at: string
  last_used_at: ColumnType<string | null, string | null | undefined, string | null>
  revoked_at: ColumnType<string | null, string | null | undefined, string | null>
}

/** One line per staff API call (sql/0041): token, route pattern, status; no personal data. */
export interface StaffAuditTable {
  id: Generated<number>
  library_id: number
  token_id: number
  token_name: string
  method: string
  route: string
  status: number
  created_at: string
}

/** お知らせ (sql/0043). */
export interface LibraryNoticeTable {
  id: Generated<number>
  library_id: number
  title: string
  body: string
  show_from: string
  show_until: string | null
  created_at: string
  withdrawn_at: ColumnType<string | null, string | null | undefined, string | null>
}

/** Deleted records and copies, for interoperation (sql/0045). */
export interface CatalogueTombstoneTable {
  id: Generated<number>
  library_id: number
  kind: 'record' | 'copy'
  item_id: number
  record_id: number
  source: ColumnType<string, string | undefined, string>
  source_id: ColumnType<string, string | undefined, string>
  barcode: ColumnType<string, string | undefined, string>
  deleted_at: string
}

/** A branch's own exceptions to the library's calendar (sql/0044). */
export interface BranchCalendarDayTable {
  library_id: number
  branch_id: number
  day: string
  is_open: Flag
  note: ColumnType<string, string | undefined, string>
}

export interface LoanTable {
  id: Generated<number>
  library_id: number
  /** NULL once the copy was deleted (its past loans stay, sql/0080). */
  copy_id: ColumnType<number | null, number, number | null>
  /** The deleted copy's record (NULL while copy_id names a copy: the copy's record is the loan's). */
  record_id: ColumnType<number | null, number | null | undefined, number | null>
  patron_id: number
  loaned_on: string
  due_on: string
  renewal_count: ColumnType<number, number | undefined, number>
  renewed_at: ColumnType<string | null, string | null | undefined, string | null>
  returned_at: string | null
  created_at: CreatedAt
}

export interface HoldTable {
  id: Generated<number>
  library_id: number
  record_id: number
  /** The issue asked for when a magazine is held issue by issue; null: any copy (sql/0027). */
  copy_id: ColumnType<number | null, number | null | undefined, number | null>
  patron_id: number
  pickup_branch_id: number
  status: HoldStatus
  channel: HoldChannel
  contact_method: ColumnType<'none' | 'email', 'none' | 'email' | undefined, 'none' | 'email'>
  /** セット予約: the id of the set's first hold, and this hold's place in the receiving order. */
  set_id: ColumnType<number | null, number | null | undefined, number | null>
  set_order: ColumnType<number | null, number | null | undefined, number | null>
  /** The confirmation that placed the hold (hold_request). */
  request_key: ColumnType<string | null, string | null | undefined, string | null>
  requested_at: string
  /** When the hold is (or becomes, while 依頼中) formal: counted in the queue. */
  formal_at: string | null
  trapped_copy_id: number | null
  /** When the trapped copy was secured for this hold (UTC); null until then. */
  trapped_at: ColumnType<string | null, string | null | undefined, string | null>
  pickup_deadline: string | null
  created_at: CreatedAt
  updated_at: ColumnType<string | null, string | null | undefined, string | null>
}

export type EmailKind = 'pc' | 'mobile'

export interface EmailChangeTable {
  id: Generated<number>
  library_id: number
  patron_id: number
  address: string
  address_kind: EmailKind
  token_hash: string
  code_hash: string
  code_failures: ColumnType<number, number | undefined, number>
  created_at: string
  expires_at: string
  confirmed_at: ColumnType<string | null, string | null | undefined, string | null>
  ended_at: ColumnType<string | null, string | null | undefined, string | null>
}

export interface MailOutboxTable {
  id: Generated<number>
  library_id: number
  patron_id: number | null
  kind: string
  to_address: string
  from_address: string
  subject: string
  body: string
  message_id: string
  created_at: string
  next_attempt_at: string
  attempts: ColumnType<number, number | undefined, number>
  claim: ColumnType<string | null, string | null | undefined, string | null>
  claimed_until: ColumnType<string | null, string | null | undefined, string | null>
  sending_at: ColumnType<string | null, string | null | undefined, string | null>
  sent_at: ColumnType<string | null, string | null | undefined, string | null>
  failed_at: ColumnType<string | null, string | null | undefined, string | null>
  last_error: ColumnType<string | null, string | null | undefined, string | null>
}

export interface HoldRequestTable {
  library_id: number
  patron_id: number
  request_key: string
  result_json: string
  created_at: string
}

export interface HoldNoticeTable {
  id: Generated<number>
  library_id: number
  patron_id: number
  hold_id: number
  kind: 'ready' | 'expired'
  created_at: string
  mail_id: ColumnType<number | null, number | null | undefined, number | null>
}

export interface CalendarDayTable {
  library_id: number
  day: string
  is_open: Flag
  note: ColumnType<string, string | undefined, string>
}

export interface SessionTable {
  sid: string
  expires_at: string
  /** The logged-in patron (SessionData.patronId), NULL for a visitor's session. */
  patron_id: ColumnType<number | null, number | null | undefined, number | null>
  data: string
}

export interface KeitaiSearchKeyTable {
  search_key: string
  params: string
  used_at: string
}

export interface ThrottleTable {
  scope: ThrottleScope
  subject: string
  window_start: string
  failures: number
  locked_until: string | null
}

export interface FavouriteTable {
  library_id: number
  patron_id: number
  record_id: number
  created_at: CreatedAt
}

export interface ShelfTable {
  id: Generated<number>
  library_id: number
  patron_id: number
  name: string
  created_at: CreatedAt
}

export interface ShelfItemTable {
  library_id: number
  shelf_id: number
  record_id: number
  added_at: CreatedAt
}

/** The catalogue search index of a library (server/services/search/search-engine.ts). */
export interface SearchStateTable {
  library_id: number
  gen: ColumnType<number, number | undefined, number>
  doc_count: ColumnType<number, number | undefined, number>
  delta_seq: ColumnType<number, number | undefined, number>
  built_at: ColumnType<string | null, string | null | undefined, string | null>
}

export interface SearchPostingTable {
  library_id: number
  gen: number
  gkey: Buffer
  seg: number
  doc_count: number
  data: Buffer
}

/** 新着資料: each record with copies, the day its newest copy came (sql/0090). */
export interface NewArrivalTable {
  library_id: number
  record_id: number
  acquired_on: string
  /** The first digit of record.ndc, '' without one. */
  ndc_class: string
}

export interface SearchDeltaTable {
  library_id: number
  record_id: number
  seq: number
}

export interface Database {
  library: LibraryTable
  branch: BranchTable
  record: RecordTable
  copy: CopyTable
  patron: PatronTable
  loan: LoanTable
  hold: HoldTable
  hold_request: HoldRequestTable
  hold_notice: HoldNoticeTable
  email_change: EmailChangeTable
  mail_outbox: MailOutboxTable
  calendar_day: CalendarDayTable
  session: SessionTable
  keitai_search_key: KeitaiSearchKeyTable
  throttle: ThrottleTable
  favourite: FavouriteTable
  shelf: ShelfTable
  shelf_item: ShelfItemTable
  search_state: SearchStateTable
  search_posting: SearchPostingTable
  search_delta: SearchDeltaTable
  staff_token: StaffTokenTable
  staff_audit: StaffAuditTable
  library_notice: LibraryNoticeTable
  branch_calendar_day: BranchCalendarDayTable
  catalogue_tombstone: CatalogueTombstoneTable
  new_arrival: NewArrivalTable
}

/** login: per card; address: per client address; verify: identity checks (name + birth date). */
export type ThrottleScope =
  | 'login'
  | 'address'
  | 'verify'
  | 'mail_patron'
  | 'mail_address'
  /** SRU and OAI-PMH requests per client address (rate limit). */
  | 'interop'

/** 資料種別. cd, dvd, video and cassette are audio-visual (視聴覚資料). */
export const MATERIAL_TYPES = [
  'book',
  'magazine',
  'kamishibai',
  'cd',
  'dvd',
  'video',
  'cassette',
] as const
export type MaterialType = (typeof MATERIAL_TYPES)[number]
export const AUDIO_VISUAL_TYPES: readonly MaterialType[] = ['cd', 'dvd', 'video', 'cassette']

/** 配架場所. */
export const SHELF_LOCATIONS = [
  'general',
  'children',
  'young_adult',
  'reference',
  'stacks',
  'magazine',
  'audio_visual',
  'kamishibai',
] as const
export type ShelfLocation = (typeof SHELF_LOCATIONS)[number]

/** A copy's circulation state; reference_only is separate (館内のみ). */
export const COPY_STATUSES = [
  'available',
  'on_loan',
  'on_hold_shelf',
  'in_transit',
  'in_repair',
  'missing',
] as const
export type CopyStatus = (typeof COPY_STATUSES)[number]

export type Residency = 'resident' | 'worker' | 'student' | 'non_resident'
/**
 * requested (依頼中: a web hold waiting for the next opening morning) → waiting (N位) →
 * in_transit (a copy is secured and on its way to the pickup branch) → ready (受取り可), then
 * collected, cancelled or expired (not collected by the pickup deadline).
 */
export type HoldStatus =
  'requested' | 'waiting' | 'in_transit' | 'ready' | 'collected' | 'cancelled' | 'expired'
/** Holds that count: against the limit, for renewals ("another patron holds it"), in lists. */
export const ACTIVE_HOLD_STATUSES: readonly HoldStatus[] = [
  'requested',
  'waiting',
  'in_transit',
  'ready',
]
/** Holds in a title's queue (formal holds): N位 is the place among these. */
export const FORMAL_HOLD_STATUSES: readonly HoldStatus[] = ['waiting', 'in_transit', 'ready']
export type HoldChannel = 'counter' | 'phone' | 'web'

export type Library = Selectable<LibraryTable>
export type Branch = Selectable<BranchTable>
export type BibRecord = Selectable<RecordTable>
export type NewBibRecord = Insertable<RecordTable>
export type Copy = Selectable<CopyTable>
export type NewCopy = Insertable<CopyTable>
export type Patron = Selectable<PatronTable>
export type Loan = Selectable<LoanTable>
export type Hold = Selectable<HoldTable>
export type CalendarDay = Selectable<CalendarDayTable>
export type Shelf = Selectable<ShelfTable>
