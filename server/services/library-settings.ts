// The rules of a library system are settings. SPEC.md gives two real rule sets, shipped
// here as presets A and B; a library stores its preset plus any overrides (settings_json).
import type { MaterialType, Residency } from '../db/schema.ts'

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
  renewalPeriodDays: number
  maxRenewals: number
  /** Days before the due date from which renewal is possible; null = any time before it. */
  renewalWindowDays: number | null
  setHoldsEnabled: boolean
  /** Words differ between the manuals: 予約する (A) / 予約申込 (B). */
  holdButtonLabel: string
  /** Weekdays the library is closed every week (0 = Sunday … 6 = Saturday); calendar_day rows override. */
  closedWeekdays: readonly number[]
  /** My本棚 limits. */
  maxShelves: number
  maxShelfItems: number
  maxFavourites: number
  /** 新着資料: copies acquired within this many days. */
  newArrivalsDays: number
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
  renewalPeriodDays: 14,
  maxRenewals: 1,
  renewalWindowDays: null,
  setHoldsEnabled: true,
  holdButtonLabel: '予約カートに入れる',
  closedWeekdays: [1],
  maxShelves: 5,
  maxShelfItems: 100,
  maxFavourites: 500,
  newArrivalsDays: 30,
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
  renewalPeriodDays: 14,
  maxRenewals: 1,
  renewalWindowDays: null,
  setHoldsEnabled: false,
  holdButtonLabel: '予約申込',
  closedWeekdays: [1],
  maxShelves: 5,
  maxShelfItems: 100,
  maxFavourites: 500,
  newArrivalsDays: 30,
}

export const PRESETS: Readonly<Record<'A' | 'B', LibrarySettings>> = { A: PRESET_A, B: PRESET_B }

/** The preset with the library's stored overrides applied; unknown keys are ignored. */
export function resolveSettings(preset: 'A' | 'B', settingsJson: string): LibrarySettings {
  const base = PRESETS[preset]
  let overrides: unknown
  try {
    overrides = settingsJson ? JSON.parse(settingsJson) : {}
  } catch {
    overrides = {}
  }
  const merged: LibrarySettings = { ...base }
  if (overrides && typeof overrides === 'object') {
    for (const [key, value] of Object.entries(overrides)) {
      if (key in base && typeof value === typeof base[key as keyof LibrarySettings]) {
        Object.assign(merged, { [key]: value })
      }
    }
  }
  return merged
}
