// The patron's words for what the rule services answer. Services return codes and dates
// (`{ ok: false, reason: 'reserved' }`); this module, and only this module, turns them into
// sentences (UI-WRITING.md: say what is wrong and what to do, name the rule). Where a
// channel writes something differently (dates: 2026年11月28日(土) on PC, 11/28(土) on keitai)
// the caller says which channel. Words that differ between libraries are in their settings
// (LibrarySettings.words); words for search are in search-words.ts.
import type { Channel } from '../paths.ts'
import type { AuthProblem } from '../services/auth-service.ts'
import type { LibrarySettings } from '../services/library-settings.ts'
import type { LimitReason, ShelfNameProblem } from '../services/list-service.ts'
import { SHELF_NAME_MAX } from '../services/list-service.ts'
import type { EligibilityProblem, PasswordProblem } from '../services/password-service.ts'
import { PASSWORD_MAX_LENGTH } from '../services/password-service.ts'
import type { RenewalRefusal } from '../services/renewal-service.ts'
import { longDate, shortDate } from './format.ts'

/** A date as the channel writes it. */
export function dateFor(channel: Channel, day: string | null | undefined): string {
  return channel === 'keitai' ? shortDate(day) : longDate(day)
}

// --- login and passwords ------------------------------------------------------------------

/** One message for every failed login: it never tells whether the card exists. */
export const LOGIN_FAILED = '利用者番号またはパスワードが正しくありません。'

/** 「パスワードは4文字以上の半角英数字で入力してください。」 */
export function passwordRuleText(settings: Pick<LibrarySettings, 'passwordMinLength'>): string {
  return `パスワードは${settings.passwordMinLength}文字以上の半角英数字で入力してください。`
}

export function passwordErrorMessage(
  settings: Pick<LibrarySettings, 'passwordMinLength'>,
  reason: PasswordProblem,
): string {
  if (reason === 'too_long') {
    return `パスワードは${PASSWORD_MAX_LENGTH}文字以内の半角英数字で入力してください。`
  }
  return passwordRuleText(settings)
}

export function eligibilityMessage(reason: EligibilityProblem): string {
  switch (reason) {
    case 'disability_service':
      return '障がい者サービスをご利用の方は、パスワードを登録できません。'
    case 'under_age':
      return 'インターネットサービスは小学生以上の方がご利用いただけます。'
  }
}

/** What is wrong with one field of a login or password form. */
export function authFieldMessage(
  problem: AuthProblem,
  settings: Pick<LibrarySettings, 'passwordMinLength'>,
): string {
  switch (problem) {
    case 'card_empty':
      return '利用者番号を入力してください。'
    case 'card_not_digits':
      return '利用者番号は数字で入力してください。'
    case 'card_too_long':
      return '利用者番号は20桁以内の数字で入力してください。'
    case 'password_empty':
      return 'パスワードを入力してください。'
    case 'login_failed':
      return LOGIN_FAILED
    case 'new_password_empty':
      return '新しいパスワードを入力してください。'
    case 'password_too_short':
      return passwordErrorMessage(settings, 'too_short')
    case 'password_not_alphanumeric':
      return passwordErrorMessage(settings, 'not_alphanumeric')
    case 'password_too_long':
      return passwordErrorMessage(settings, 'too_long')
    case 'confirmation_mismatch':
      return '確認のため、同じパスワードをもう一度入力してください。'
    case 'name_empty':
      return '氏名を入力してください。'
    case 'name_too_long':
      return '氏名は50文字以内で入力してください。'
    case 'birth_date_invalid':
      return '生年月日を正しく入力してください。'
    case 'current_empty':
      return '現在のパスワードを入力してください。'
    case 'current_wrong':
      return '現在のパスワードが正しくありません。'
    case 'same_as_current':
      return '現在のパスワードとは違うパスワードを入力してください。'
    case 'password_is_card':
      return '利用者カードの番号はパスワードにできません。他人に推測されにくいものにしてください。'
    case 'password_is_birth_date':
      return '生年月日（19850412、850412、0412 など）はパスワードにできません。他人に推測されにくいものにしてください。'
    case 'password_repeated':
      return '同じ文字を並べただけのパスワード（1111、aaaa など）はできません。他人に推測されにくいものにしてください。'
  }
}

/** Field problems → field messages, for the forms' error summaries and fields. */
export function authFieldMessages(
  problems: Partial<Record<string, AuthProblem>>,
  settings: Pick<LibrarySettings, 'passwordMinLength'>,
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [field, problem] of Object.entries(problems)) {
    if (problem) out[field] = authFieldMessage(problem, settings)
  }
  return out
}

/** A card locked after too many failures, until `until`. */
export function lockedMessage(until: Date, now: Date): string {
  const minutes = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60_000))
  return `しばらくの間ログインできません。約${minutes}分後にもう一度お試しいただくか、図書館のカウンターでおたずねください。`
}

// --- renewals ----------------------------------------------------------------------------

/**
 * Why a loan cannot be renewed. from is the first day a too_early renewal becomes possible;
 * dates are written 2026年11月28日(土) on PC and 11/28(土) on keitai (dateStyle 'short');
 * maxRenewals is the library's setting.
 */
export function renewalRefusalMessage(
  reason: RenewalRefusal,
  from?: string,
  options: { maxRenewals?: number; dateStyle?: 'long' | 'short' } = {},
): string {
  switch (reason) {
    case 'overdue':
      return '返却期限を過ぎているため延長できません。'
    case 'reserved':
      return '予約中の方がいるため延長できません。'
    case 'already_renewed': {
      const max = options.maxRenewals ?? 1
      return max > 0 ? `延長は${max}回までです。` : 'この資料は延長できません。'
    }
    case 'audio_visual':
      return '視聴覚資料は延長できません。'
    case 'not_renewable_type':
      return 'この種類の資料は延長できません。'
    case 'too_early': {
      if (!from) return '返却予定日が近づいてから延長できます。'
      const date = options.dateStyle === 'short' ? shortDate(from) : longDate(from)
      return `${date}から延長できます。`
    }
    case 'no_later_due':
      return '今日延長しても返却予定日は変わりません。'
  }
}

/** renewalRefusalMessage for a channel and a library (its maxRenewals). */
export function renewalRefusalFor(
  channel: Channel,
  settings: Pick<LibrarySettings, 'maxRenewals'>,
  refusal: { reason: RenewalRefusal; from?: string },
): string {
  return renewalRefusalMessage(refusal.reason, refusal.from, {
    maxRenewals: settings.maxRenewals,
    dateStyle: channel === 'keitai' ? 'short' : 'long',
  })
}

// --- お気に入り and My本棚 ---------------------------------------------------------------------

/** The name offered when a patron's first shelf is made while adding a record. */
export const DEFAULT_SHELF_NAME = '本棚1'

export const ALREADY_FAVOURITE = 'すでにお気に入りに入っています。'

export function shelfNameMessage(problem: ShelfNameProblem): string {
  switch (problem) {
    case 'empty':
      return '本棚の名前を入力してください。'
    case 'too_long':
      return `本棚の名前は${SHELF_NAME_MAX}文字以内で入力してください。`
    case 'bad_character':
      return '本棚の名前に使えない文字（改行や制御文字など）が含まれています。'
    case 'duplicate':
      return '同じ名前の本棚がすでにあります。別の名前を入力してください。'
  }
}

/** 5つ, but 10個: つ counts only up to nine. */
function countOf(n: number): string {
  return n < 10 ? `${n}つ` : `${n}個`
}

/** The refusal of a limit, naming the rule and what to do. */
export function limitMessage(reason: LimitReason, settings: LibrarySettings): string {
  switch (reason) {
    case 'favourite_limit':
      return `お気に入りに入れられる資料は${settings.maxFavourites}件までです。不要なものを削除してから入れてください。`
    case 'shelf_limit':
      return `本棚は${countOf(settings.maxShelves)}まで作れます。不要な本棚を削除してから作ってください。`
    case 'item_limit':
      return `1つの本棚に入れられる資料は${settings.maxShelfItems}件までです。別の本棚をお使いください。`
  }
}
