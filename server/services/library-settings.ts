// The rules of a library system are settings. SPEC.md gives two real rule sets, shipped
// here as presets A and B; a library stores its preset plus any overrides (settings_json).
import type { MaterialType, Residency } from '../db/schema.ts'

/**
 * Where the two manuals word the same step differently (SPEC.md §3.1, UI-WRITING.md), each
 * library says it its own way. Words only: the pages choose where they appear.
 */
export interface LibraryWords {
  /** The login page's heading: ログイン (A) / ユーザーログイン (B l.253). */
  loginScreen: string
  /** The logged-in area: 利用者ポータル (A l.34) / ご利用状況参照 (B l.292). */
  portal: string
  /** Its menu heading: 利用照会メニュー (A l.94) / ご利用状況参照 (B). */
  portalMenu: string
  /** 貸出中一覧 (A l.95) / 貸出状況一覧 (B l.493). */
  loansList: string
  /** 予約中一覧 (A l.107) / 予約状況一覧 (B l.308). */
  holdsList: string
  /** The renew link of a loan: 貸出延長 (A l.90) / 延長する (B l.513). */
  renewLink: string
  /** The confirm button of a renewal: 延長する (both). */
  renewButton: string
  /** The hold button of the detail page: カートに入れる (A l.48) / 予約申込 (B l.243). */
  holdButton: string
  /** Cancelling a hold: 取消 (A l.102) / 取消する (B l.349). */
  cancelHold: string
  /** The e-mail page: 利用者情報変更 (A l.36) / メールアドレス変更 (B l.375). */
  emailPage: string
  /** パスワード変更 (A l.118) / パスワードの変更 (B l.129). */
  passwordChange: string
  /** The confirmation mail's subject (B l.459 names it; A l.33 sends a 登録完了メール). */
  emailConfirmSubject: string
  /** The button of the page the mail's link opens: 確定する (ours) / 確定 (B l.433). */
  emailConfirmButton: string
}

export interface LibrarySettings {
  /** How patrons get their first password: self-registration (A) or counter-issued (B). */
  passwordSetup: 'self_registration' | 'counter_issued'
  passwordMinLength: number
  initialPasswordLength: number
  /** Patrons registered for disability services may not have a password (B). */
  disabilityServiceMayHavePassword: boolean
  /** Minimum age (years) for online services; elementary-school age is 6. */
  onlineServiceMinAge: number
  /** Who may place holds: any registered patron, or residents/workers/students only (B). */
  holdEligibleResidency: readonly Residency[]
  holdLimit: number
  notHoldableMaterialTypes: readonly MaterialType[]
  notRenewableMaterialTypes: readonly MaterialType[]
  referenceOnlyHoldable: boolean
  latestMagazineIssueHoldable: boolean
  /** Library A: a cart then 予約する; library B: 予約申込 from the detail page. */
  holdFlow: 'cart' | 'direct'
  /** Web holds wait as 依頼中 until the next opening morning (B). */
  webHoldsWaitForNextOpeningDay: boolean
  /** That morning's time (Asia/Tokyo 'HH:MM', before the counter opens) when they become formal. */
  webHoldsFormalTime: string
  /** Hold shelf period: calendar days after the notice (A) or opening days after securing (B). */
  shelfPeriodDays: number
  shelfPeriodCounts: 'calendar_days' | 'opening_days'
  loanPeriodDays: number
  /** Copies one patron may have on loan at once (counter checkouts; ours: neither seed says). */
  loanLimit: number
  renewalPeriodDays: number
  maxRenewals: number
  /** Days before the due date from which renewal is possible; null = any time before it. */
  renewalWindowDays: number | null
  setHoldsEnabled: boolean
  /**
   * A 受取り可 hold may be cancelled online. Rules B: no — 「予約取消の連絡はお電話で」 (B l.368);
   * rules A states no rule, and takes the same (ours, SPEC.md §4).
   */
  readyHoldsCancellableOnline: boolean
  /** Items a hold cart (予約カート) may hold. */
  maxCartItems: number
  /** Who may register an e-mail address (rules B: residents, workers and students). */
  emailEligibleResidency: readonly Residency[]
  /**
   * The one sender of the library's mail, which keitai users must allow (指定受信). Each library
   * sets its own; the presets' is a placeholder (library A and B's real senders are in SPEC.md).
   */
  mailFrom: string
  /** Opening hours as a line for mails and pages (「9:00〜19:00（土日は17:00まで）」). */
  openingHours: string
  /** The e-mail change has a confirmation step before it is sent (B l.386: 確認 → 送信). */
  emailConfirmStep: boolean
  /** The library's own words for the same steps (SPEC.md §3.1): patrons know their manual's. */
  words: LibraryWords
  /** Weekdays the library is closed every week (0 = Sunday … 6 = Saturday); calendar_day rows override. */
  closedWeekdays: readonly number[]
  /** My本棚 limits. */
  maxShelves: number
  maxShelfItems: number
  maxFavourites: number
  /** 新着資料: copies acquired within this many days. */
  newArrivalsDays: number
  /** Days the staff API's audit lines (staff_audit) are kept; the staff-audit-purge job deletes older ones. */
  staffAuditRetentionDays: number
  /**
   * Days sent mail (mail_outbox: address, subject) and the hold notices put into it are kept
   * after the mail was sent or given up on; the mail-purge job deletes older ones. Personal
   * data is kept only as long as it is needed (to answer 「メールが届かない」).
   */
  mailRetentionDays: number
}

const PRESET_A: LibrarySettings = {
  passwordSetup: 'self_registration',
  passwordMinLength: 4,
  initialPasswordLength: 8,
  disabilityServiceMayHavePassword: true,
  onlineServiceMinAge: 0,
  holdEligibleResidency: ['resident', 'worker', 'student', 'non_resident'],
  holdLimit: 10,
  notHoldableMaterialTypes: [],
  notRenewableMaterialTypes: [],
  referenceOnlyHoldable: false,
  latestMagazineIssueHoldable: false,
  holdFlow: 'cart',
  webHoldsWaitForNextOpeningDay: false,
  webHoldsFormalTime: '08:30',
  shelfPeriodDays: 8,
  shelfPeriodCounts: 'calendar_days',
  loanPeriodDays: 14,
  loanLimit: 10,
  renewalPeriodDays: 14,
  maxRenewals: 1,
  renewalWindowDays: null,
  setHoldsEnabled: true,
  readyHoldsCancellableOnline: false,
  maxCartItems: 20,
  emailEligibleResidency: ['resident', 'worker', 'student', 'non_resident'],
  mailFrom: 'opac@library.example.jp',
  openingHours: '',
  emailConfirmStep: false,
  words: {
    loginScreen: 'ログイン',
    portal: '利用者ポータル',
    portalMenu: '利用照会メニュー',
    loansList: '貸出中一覧',
    holdsList: '予約中一覧',
    renewLink: '貸出延長',
    renewButton: '延長する',
    holdButton: 'カートに入れる',
    cancelHold: '取消',
    emailPage: '利用者情報変更',
    passwordChange: 'パスワード変更',
    emailConfirmSubject: 'メールアドレス登録確認のお知らせ',
    emailConfirmButton: '確定する',
  },
  closedWeekdays: [1],
  maxShelves: 5,
  maxShelfItems: 100,
  maxFavourites: 500,
  newArrivalsDays: 30,
  staffAuditRetentionDays: 365,
  mailRetentionDays: 90,
}

const PRESET_B: LibrarySettings = {
  passwordSetup: 'counter_issued',
  passwordMinLength: 6,
  initialPasswordLength: 8,
  disabilityServiceMayHavePassword: false,
  onlineServiceMinAge: 6,
  holdEligibleResidency: ['resident', 'worker', 'student'],
  holdLimit: 5,
  notHoldableMaterialTypes: ['cd', 'dvd', 'video', 'cassette'],
  notRenewableMaterialTypes: ['cd', 'dvd', 'video', 'cassette'],
  referenceOnlyHoldable: false,
  latestMagazineIssueHoldable: false,
  holdFlow: 'direct',
  webHoldsWaitForNextOpeningDay: true,
  webHoldsFormalTime: '08:30',
  shelfPeriodDays: 7,
  shelfPeriodCounts: 'opening_days',
  loanPeriodDays: 14,
  loanLimit: 10,
  renewalPeriodDays: 14,
  maxRenewals: 1,
  renewalWindowDays: null,
  setHoldsEnabled: false,
  readyHoldsCancellableOnline: false,
  maxCartItems: 20,
  emailEligibleResidency: ['resident', 'worker', 'student'],
  mailFrom: 'opac@library.example.jp',
  openingHours: '',
  emailConfirmStep: true,
  words: {
    loginScreen: 'ユーザーログイン',
    portal: 'ご利用状況参照',
    portalMenu: 'ご利用状況参照',
    loansList: '貸出状況一覧',
    holdsList: '予約状況一覧',
    renewLink: '延長する',
    renewButton: '延長する',
    holdButton: '予約申込',
    cancelHold: '取消する',
    emailPage: 'メールアドレス変更',
    passwordChange: 'パスワードの変更',
    emailConfirmSubject: 'メールアドレス変更確認のお知らせ',
    emailConfirmButton: '確定',
  },
  closedWeekdays: [1],
  maxShelves: 5,
  maxShelfItems: 100,
  maxFavourites: 500,
  newArrivalsDays: 30,
  staffAuditRetentionDays: 365,
  mailRetentionDays: 90,
}

export const PRESETS: Readonly<Record<'A' | 'B', LibrarySettings>> = { A: PRESET_A, B: PRESET_B }

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** An override must be of the setting's kind (a nullable number such as renewalWindowDays). */
function sameKind(current: unknown, value: unknown): boolean {
  if (Array.isArray(current)) return Array.isArray(value)
  if (current === null) return value === null || typeof value === 'number'
  return typeof value === typeof current && !Array.isArray(value) && value !== null
}

/**
 * The preset with the library's stored overrides applied. Unknown keys and values of the
 * wrong type are ignored; `words` is overridden word by word.
 */
export function resolveSettings(preset: 'A' | 'B', settingsJson: string): LibrarySettings {
  const base = PRESETS[preset]
  let overrides: unknown
  try {
    overrides = settingsJson ? JSON.parse(settingsJson) : {}
  } catch {
    overrides = {}
  }
  const merged: LibrarySettings = { ...base, words: { ...base.words } }
  if (!isObject(overrides)) return merged
  for (const [key, value] of Object.entries(overrides)) {
    if (!Object.hasOwn(base, key)) continue
    const current: unknown = base[key as keyof LibrarySettings]
    if (key === 'words') {
      if (!isObject(value)) continue
      for (const [word, text] of Object.entries(value)) {
        if (Object.hasOwn(base.words, word) && typeof text === 'string' && text !== '') {
          merged.words[word as keyof LibraryWords] = text
        }
      }
    } else if (sameKind(current, value)) {
      Object.assign(merged, { [key]: value })
    }
  }
  return merged
}
