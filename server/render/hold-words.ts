// The patron's words for holds (予約): why a hold cannot be placed, a hold's state in the
// list (依頼中, N位, 受取り可 — UI-WRITING.md), contact methods, and the steps that the two
// libraries name differently (their settings' words).
import type { ContactMethod } from '../services/hold-service.ts'
import type { ItemRefusal } from '../services/hold-service.ts'
import type { LibrarySettings } from '../services/library-settings.ts'
import type { Channel } from '../paths.ts'
import { dateFor } from './words.ts'

/** Why an item cannot be held, naming the rule (UI-WRITING.md). */
export function holdRefusalMessage(refusal: ItemRefusal): string {
  switch (refusal.reason) {
    case 'suspended':
      return 'ただいま予約をお受けできません。図書館へお問い合わせください。'
    case 'not_resident':
      return '予約は市内在住・在勤・在学の方がご利用いただけます。'
    case 'under_age':
      return 'インターネットでの予約は小学生以上の方がご利用いただけます。'
    case 'disability_service':
      return '障がい者サービスをご利用の方は、図書館へご相談ください。'
    case 'no_password':
      return 'インターネットでの予約にはパスワードが必要です。'
    case 'limit_reached':
      return `予約は${refusal.limit}冊までです（現在${refusal.current}冊）。`
    case 'audio_visual':
      return '視聴覚資料（CD・DVDなど）は予約できません。'
    case 'not_holdable_type':
      return 'この種類の資料は予約できません。'
    case 'reference_only':
      return '館内閲覧のみの資料は予約できません。'
    case 'latest_issue':
      return '雑誌の最新号は予約できません。'
    case 'issue_required':
      return '雑誌は号を選んで予約してください。'
    case 'already_held':
      return 'この資料はすでに予約しています。'
    case 'on_loan_to_patron':
      return 'この資料はいまお借りになっています。'
    case 'no_copy':
      return 'ご用意できる資料がないため予約できません。'
    case 'not_found':
      return 'この資料は見つかりませんでした。'
    case 'pickup_invalid':
      return '受取館を選び直してください。'
    case 'email_not_registered':
      return 'E-mailで連絡を受けるには、メールアドレスの登録が必要です。'
  }
}

export const CONTACT_LABELS: Record<ContactMethod, string> = {
  none: '連絡不要',
  email: 'E-mail',
}

/** A hold's state as the list shows it: 依頼中, 2位, 回送中, 受取り可. */
export function holdStatusLabel(hold: { status: string; position: number | null }): string {
  switch (hold.status) {
    case 'requested':
      return '依頼中'
    case 'waiting':
      return `${hold.position ?? ''}位`
    case 'in_transit':
      return '受取館へ回送中'
    case 'ready':
      return '受取り可'
    case 'collected':
      return '貸出済み'
    case 'cancelled':
      return '取消済み'
    default:
      return '期限切れ'
  }
}

/** The steps of placing a hold, in the library's own words (SPEC.md §4). */
export function holdSteps(settings: Pick<LibrarySettings, 'holdFlow'>) {
  return settings.holdFlow === 'cart'
    ? {
        request: '予約する',
        next: '次に進む',
        confirm: '予約内容の確認',
        submit: '予約する',
        done: '予約完了',
      }
    : {
        request: '予約登録',
        next: '予約',
        confirm: '予約確認',
        submit: '送信',
        done: '予約受付',
      }
}

/** When a 依頼中 hold becomes formal: 「11月24日(火) 8:30に正式な予約となります。」 */
export function formalNotice(channel: Channel, formalDay: string, time: string): string {
  return `${dateFor(channel, formalDay)} ${time.replace(/^0/, '')}に正式な予約となります。`
}
