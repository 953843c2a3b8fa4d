// Who may hold what (SPEC.md §4 "Eligibility"): one pure function that answers, for a patron
// and a title (or one magazine issue), whether a hold may be placed and, if not, the one rule
// that refuses it. Pages show the answer before the patron confirms; the hold service asks
// it again inside the transaction that writes the hold, with the rows it has locked; the
// staff API asks it for counter and telephone holds.
//
// The rules are settings (library-settings.ts): who (holdEligibleResidency, the online-service
// age), what (notHoldableMaterialTypes — rules B's 視聴覚資料 —, referenceOnlyHoldable,
// latestMagazineIssueHoldable) and how many (holdLimit, counting holds placed at the counter,
// by telephone and online alike).
import type { CopyStatus, HoldChannel, MaterialType, Residency } from '../db/schema.ts'
import { AUDIO_VISUAL_TYPES } from '../db/schema.ts'
import type { LibrarySettings } from './library-settings.ts'
import { onlineServiceEligibility } from './password-service.ts'

export type HoldRefusal =
  /** The library suspended the patron (利用停止, staff API): no new holds, whatever the channel. */
  | 'suspended'
  /** Rules B: only those who live, work or study in the city (市内在住・在勤・在学). */
  | 'not_resident'
  /** Online services start at elementary-school age (rules B). */
  | 'under_age'
  /** Patrons registered for disability services have no password under rules B. */
  | 'disability_service'
  /** A web hold needs a password; counter and telephone holds do not. */
  | 'no_password'
  /** holdLimit active holds already (all channels). */
  | 'limit_reached'
  /** 視聴覚資料 under rules B. */
  | 'audio_visual'
  /** Another material type the library does not let be held. */
  | 'not_holdable_type'
  /** Every copy is for use in the library only (館内閲覧のみ). */
  | 'reference_only'
  /** The newest issue of a magazine (雑誌の最新号). */
  | 'latest_issue'
  /** A magazine is held issue by issue: the issue must be chosen. */
  | 'issue_required'
  /** The patron already holds this title (or this issue). */
  | 'already_held'
  /** The patron has this title (or this issue) on loan now. */
  | 'on_loan_to_patron'
  /** No copy could ever be supplied (none, or every one lost). */
  | 'no_copy'

export type HoldEligibility =
  | { ok: true }
  | { ok: false; reason: Exclude<HoldRefusal, 'limit_reached'> }
  | { ok: false; reason: 'limit_reached'; limit: number; current: number }

export interface HoldCandidate {
  patron: {
    residency: Residency
    birth_date: string
    disability_service: boolean | number
    password_hash: string | null
    suspended_at?: string | null
  }
  record: { material_type: MaterialType }
  /** Every copy of the record, with its issue date for magazines. */
  copies: readonly {
    id: number
    status: CopyStatus
    reference_only: boolean | number
    issue_date: string | null
  }[]
  /** The issue (copy) asked for, for a magazine; undefined for any copy of the title. */
  copyId?: number
  /** The patron's active holds (依頼中, N位, 受取り可 …) on every title, all channels. */
  activeHolds: number
  /** Holds already accepted in the same request (a cart placed at once) and not yet counted. */
  alsoPlacing?: number
  /** The patron holds this title (or, for an issue, this issue) already. */
  holdsThis: boolean
  /** The patron has a copy of this title (or this issue) on loan. */
  borrowsThis: boolean
  channel: HoldChannel
}

/** Copies that can never be supplied for a hold. */
const GONE: readonly CopyStatus[] = ['missing']

/** The newest issue of a magazine among its copies (by issue date), or undefined. */
export function latestIssueId(copies: HoldCandidate['copies']): number | undefined {
  let latest: { id: number; issue_date: string } | undefined
  for (const c of copies) {
    if (c.issue_date && (!latest || c.issue_date > latest.issue_date)) {
      latest = { id: c.id, issue_date: c.issue_date }
    }
  }
  return latest?.id
}

export type ItemProblem = Extract<
  HoldRefusal,
  | 'audio_visual'
  | 'not_holdable_type'
  | 'reference_only'
  | 'latest_issue'
  | 'issue_required'
  | 'no_copy'
>

/**
 * May this title (or this magazine issue) be held at all, whoever asks? The part of checkHold
 * that depends on the item only: what the detail page can say before anybody logs in.
 */
export function checkItem(
  settings: Pick<
    LibrarySettings,
    'notHoldableMaterialTypes' | 'referenceOnlyHoldable' | 'latestMagazineIssueHoldable'
  >,
  record: HoldCandidate['record'],
  copies: HoldCandidate['copies'],
  copyId?: number,
): { ok: true } | { ok: false; reason: ItemProblem } {
  const type = record.material_type
  if (settings.notHoldableMaterialTypes.includes(type)) {
    return {
      ok: false,
      reason: AUDIO_VISUAL_TYPES.includes(type) ? 'audio_visual' : 'not_holdable_type',
    }
  }
  const isMagazine = type === 'magazine'
  if (isMagazine && copyId === undefined) return { ok: false, reason: 'issue_required' }
  const wanted = copyId === undefined ? copies : copies.filter((x) => x.id === copyId)
  if (wanted.length === 0) return { ok: false, reason: 'no_copy' }
  if (isMagazine && !settings.latestMagazineIssueHoldable && copyId === latestIssueId(copies)) {
    return { ok: false, reason: 'latest_issue' }
  }
  const lendable = wanted.filter((x) => settings.referenceOnlyHoldable || !Number(x.reference_only))
  if (lendable.length === 0) return { ok: false, reason: 'reference_only' }
  if (lendable.every((x) => GONE.includes(x.status))) return { ok: false, reason: 'no_copy' }
  return { ok: true }
}

/**
 * May this hold be placed? When several rules refuse it, the answer is the one the patron can
 * do least about, so that a page never suggests waiting for something that will not help:
 * who the patron is, then what the item is, then what the patron already has, then the limit.
 */
export function checkHold(
  settings: Pick<
    LibrarySettings,
    | 'holdEligibleResidency'
    | 'holdLimit'
    | 'notHoldableMaterialTypes'
    | 'referenceOnlyHoldable'
    | 'latestMagazineIssueHoldable'
    | 'onlineServiceMinAge'
    | 'disabilityServiceMayHavePassword'
  >,
  today: string,
  c: HoldCandidate,
): HoldEligibility {
  if (c.patron.suspended_at) return { ok: false, reason: 'suspended' }
  if (!settings.holdEligibleResidency.includes(c.patron.residency)) {
    return { ok: false, reason: 'not_resident' }
  }
  if (c.channel === 'web') {
    const online = onlineServiceEligibility(c.patron, settings, today)
    if (!online.ok) return { ok: false, reason: online.reason }
    if (!c.patron.password_hash) return { ok: false, reason: 'no_password' }
  }

  const item = checkItem(settings, c.record, c.copies, c.copyId)
  if (!item.ok) return item

  if (c.holdsThis) return { ok: false, reason: 'already_held' }
  if (c.borrowsThis) return { ok: false, reason: 'on_loan_to_patron' }

  const current = c.activeHolds + (c.alsoPlacing ?? 0)
  if (current >= settings.holdLimit) {
    return { ok: false, reason: 'limit_reached', limit: settings.holdLimit, current }
  }
  return { ok: true }
}

/** The copies that can supply a hold on the title (or the issue): lendable and not lost. */
export function supplyingCopies(
  settings: Pick<LibrarySettings, 'referenceOnlyHoldable'>,
  copies: HoldCandidate['copies'],
  copyId?: number,
): number {
  return copies.filter(
    (x) =>
      (copyId === undefined || x.id === copyId) &&
      (settings.referenceOnlyHoldable || !Number(x.reference_only)) &&
      !GONE.includes(x.status),
  ).length
}

/**
 * A rough wait for a hold at `position` in the queue (beyond both manuals, labelled as an
 * estimate on the page): each round of the queue takes one loan period per supplying copy.
 * Weeks, at least 1; null when no copy can supply it.
 */
export function estimatedWaitWeeks(
  position: number,
  copies: number,
  loanPeriodDays: number,
): number | null {
  if (copies <= 0 || position <= 0) return null
  const rounds = Math.ceil(position / copies)
  return Math.max(1, Math.ceil((rounds * loanPeriodDays) / 7))
}
