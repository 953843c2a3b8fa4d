// The patron's words for e-mail registration (SPEC.md §6): what is wrong with an address,
// who may not register one, and what became of a confirmation link.
import type {
  AddressProblem,
  EmailIneligibility,
  LinkProblem,
} from '../services/mail-verification-service.ts'

export function addressMessage(problem: AddressProblem): string {
  switch (problem) {
    case 'empty':
      return 'メールアドレスを入力してください。'
    case 'too_long':
      return 'メールアドレスは254文字以内で入力してください。'
    case 'full_width':
      return 'メールアドレスは半角英数字で入力してください。'
    case 'invalid':
      return 'メールアドレスの形が正しくありません（例：tosho@example.jp）。'
    case 'mismatch':
      return '確認のため、同じメールアドレスをもう一度入力してください。'
    case 'same':
      return 'いま登録されているメールアドレスと同じです。'
  }
}

export function emailIneligibleMessage(reason: EmailIneligibility): string {
  switch (reason) {
    case 'not_resident':
      return 'メールアドレスの登録は、市内在住・在勤・在学の方がご利用いただけます。'
    case 'under_age':
      return 'メールアドレスの登録は、小学生以上の方がご利用いただけます。'
    case 'disability_service':
      return '障がい者サービスをご利用の方は、図書館へご相談ください。'
  }
}

export function linkProblemMessage(problem: LinkProblem): string {
  switch (problem) {
    case 'invalid':
      return 'このURLは正しくありません。メールに書かれたURLを、途中で切れないように開いてください。'
    case 'used':
      return 'このURLの手続きは、すでに完了しています。'
    case 'expired':
      return 'このURLの有効期限が切れています。お手数ですが、もう一度メールアドレスの手続きをしてください。'
    case 'superseded':
      return 'あとから別の手続きをされたため、このURLは使えなくなりました。最後に届いたメールのURLを開いてください。'
  }
}
