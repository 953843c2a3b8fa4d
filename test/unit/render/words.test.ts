// The words for the rule services' codes (server/render/words.ts). These assertions moved here
// with the functions, unchanged, from the services' tests.
import { expect } from 'chai'
import {
  authFieldMessage,
  authFieldMessages,
  eligibilityMessage,
  limitMessage,
  passwordErrorMessage,
  renewalRefusalFor,
  renewalRefusalMessage,
  shelfNameMessage,
} from '../../../server/render/words.ts'
import { PRESETS } from '../../../server/services/library-settings.ts'
import type { RenewalRefusal } from '../../../server/services/renewal-service.ts'

const A = PRESETS.A
const B = PRESETS.B

const ALL_REASONS: RenewalRefusal[] = [
  'overdue',
  'reserved',
  'already_renewed',
  'audio_visual',
  'not_renewable_type',
  'too_early',
  'no_later_due',
]

describe('words', () => {
  describe('passwordErrorMessage', () => {
    it('the messages name the library’s rule', () => {
      expect(passwordErrorMessage(A, 'too_short')).to.equal(
        'パスワードは4文字以上の半角英数字で入力してください。',
      )
      expect(passwordErrorMessage(A, 'not_alphanumeric')).to.equal(
        'パスワードは4文字以上の半角英数字で入力してください。',
      )
      expect(passwordErrorMessage(B, 'too_short')).to.equal(
        'パスワードは6文字以上の半角英数字で入力してください。',
      )
      expect(passwordErrorMessage(B, 'too_long')).to.equal(
        'パスワードは64文字以内の半角英数字で入力してください。',
      )
    })
  })

  describe('eligibilityMessage', () => {
    it('messages', () => {
      expect(eligibilityMessage('disability_service')).to.equal(
        '障がい者サービスをご利用の方は、パスワードを登録できません。',
      )
      expect(eligibilityMessage('under_age')).to.equal(
        'インターネットサービスは小学生以上の方がご利用いただけます。',
      )
    })
  })

  describe('renewalRefusalMessage', () => {
    it('names the rule in plain Japanese', () => {
      expect(renewalRefusalMessage('overdue')).to.equal('返却期限を過ぎているため延長できません。')
      expect(renewalRefusalMessage('reserved')).to.equal('予約中の方がいるため延長できません。')
      expect(renewalRefusalMessage('already_renewed')).to.equal('延長は1回までです。')
      expect(renewalRefusalMessage('audio_visual')).to.equal('視聴覚資料は延長できません。')
      expect(renewalRefusalMessage('not_renewable_type')).to.equal(
        'この種類の資料は延長できません。',
      )
      expect(renewalRefusalMessage('no_later_due')).to.equal(
        '今日延長しても返却予定日は変わりません。',
      )
    })

    it('says from which day a renewal is possible, long (PC) or short (keitai)', () => {
      expect(renewalRefusalMessage('too_early', '2026-11-28')).to.equal(
        '2026年11月28日(土)から延長できます。',
      )
      expect(renewalRefusalMessage('too_early', '2026-11-28', { dateStyle: 'short' })).to.equal(
        '11/28(土)から延長できます。',
      )
      expect(renewalRefusalMessage('too_early')).to.equal('返却予定日が近づいてから延長できます。')
    })

    it('follows maxRenewals', () => {
      expect(renewalRefusalMessage('already_renewed', undefined, { maxRenewals: 2 })).to.equal(
        '延長は2回までです。',
      )
      expect(renewalRefusalMessage('already_renewed', undefined, { maxRenewals: 0 })).to.equal(
        'この資料は延長できません。',
      )
    })

    it('every reason has a short sentence with no code or English in it', () => {
      for (const reason of ALL_REASONS) {
        const message = renewalRefusalMessage(reason, '2026-12-01')
        expect(message, reason).to.match(/。$/)
        expect(message, reason).not.to.match(/[A-Za-z_]/)
        expect(Array.from(message).length, reason).to.be.at.most(30)
      }
    })
  })

  describe('shelfNameMessage', () => {
    it('says what is wrong in Japanese', () => {
      expect(shelfNameMessage('empty')).to.equal('本棚の名前を入力してください。')
      expect(shelfNameMessage('too_long')).to.equal('本棚の名前は30文字以内で入力してください。')
      expect(shelfNameMessage('duplicate')).to.include('同じ名前の本棚がすでにあります。')
      expect(shelfNameMessage('bad_character')).to.include('使えない文字')
    })
  })

  describe('limit messages', () => {
    it('name the rule of the library', () => {
      const s = PRESETS.B
      expect(limitMessage('shelf_limit', s)).to.match(/^本棚は5つまで作れます。/)
      expect(limitMessage('item_limit', s)).to.match(/^1つの本棚に入れられる資料は100件までです。/)
      expect(limitMessage('favourite_limit', s)).to.match(
        /^お気に入りに入れられる資料は500件までです。/,
      )
      expect(limitMessage('shelf_limit', { ...s, maxShelves: 12 })).to.match(/^本棚は12個まで/)
    })
  })
})

describe('words per channel and library', () => {
  it('writes renewal refusals with the channel’s date and the library’s renewal limit', () => {
    const settings = { ...B, maxRenewals: 3 }
    const early = { reason: 'too_early' as const, from: '2026-11-28' }
    expect(renewalRefusalFor('pc', settings, early)).to.equal(
      '2026年11月28日(土)から延長できます。',
    )
    expect(renewalRefusalFor('keitai', settings, early)).to.equal('11/28(土)から延長できます。')
    expect(renewalRefusalFor('keitai', settings, { reason: 'already_renewed' })).to.equal(
      '延長は3回までです。',
    )
  })

  it('has a sentence for every field problem of the account forms, naming the library’s rule', () => {
    const problems = [
      'card_empty',
      'card_not_digits',
      'card_too_long',
      'password_empty',
      'login_failed',
      'new_password_empty',
      'password_too_short',
      'password_not_alphanumeric',
      'password_too_long',
      'confirmation_mismatch',
      'name_empty',
      'name_too_long',
      'birth_date_invalid',
      'current_empty',
      'current_wrong',
      'same_as_current',
    ] as const
    for (const problem of problems) {
      const text = authFieldMessage(problem, A)
      expect(text, problem).to.match(/。$/)
      expect(text, problem).not.to.match(/[a-z_]{4,}/)
    }
    expect(authFieldMessage('password_too_short', B)).to.include('6文字以上')
    expect(authFieldMessage('password_too_long', B)).to.include('64文字以内')
    expect(authFieldMessages({ card: 'card_empty', birth: 'birth_date_invalid' }, A)).to.deep.equal(
      {
        card: '利用者番号を入力してください。',
        birth: '生年月日を正しく入力してください。',
      },
    )
  })
})
