// Library settings: the two presets and a library's stored overrides (settings_json).
import { expect } from 'chai'
import { PRESETS, resolveSettings } from '../../../server/services/library-settings.ts'

describe('library settings', () => {
  it('gives each preset its manual’s words for the same steps (SPEC.md §3.1)', () => {
    expect(PRESETS.A.words).to.include({
      portal: '利用者ポータル',
      loansList: '貸出中一覧',
      holdsList: '予約中一覧',
      renewLink: '貸出延長',
      holdButton: 'カートに入れる',
      cancelHold: '取消',
      passwordChange: 'パスワード変更',
    })
    expect(PRESETS.B.words).to.include({
      loginScreen: 'ユーザーログイン',
      portal: 'ご利用状況参照',
      loansList: '貸出状況一覧',
      holdsList: '予約状況一覧',
      renewLink: '延長する',
      holdButton: '予約申込',
      cancelHold: '取消する',
      passwordChange: 'パスワードの変更',
    })
  })

  it('applies a library’s overrides, word by word, and keeps the rest of its preset', () => {
    const s = resolveSettings(
      'B',
      JSON.stringify({ holdLimit: 8, renewalWindowDays: 3, words: { portal: '利用状況' } }),
    )
    expect(s.holdLimit).to.equal(8)
    expect(s.renewalWindowDays).to.equal(3)
    expect(s.words.portal).to.equal('利用状況')
    expect(s.words.loansList).to.equal('貸出状況一覧')
    expect(PRESETS.B.words.portal).to.equal('ご利用状況参照') // the preset itself is untouched
    expect(s.maxRenewals).to.equal(PRESETS.B.maxRenewals)
  })

  it('ignores unknown keys, values of the wrong kind, inherited names and broken JSON', () => {
    const s = resolveSettings(
      'A',
      JSON.stringify({
        holdLimit: '20',
        notHoldableMaterialTypes: 'cd',
        closedWeekdays: 1,
        maxRenewals: null,
        words: { portal: 5, nosuch: 'x', loansList: '' },
        constructor: { x: 1 },
        toString: 'x',
        nosuch: 1,
      }),
    )
    expect(s).to.deep.equal(PRESETS.A)
    expect(resolveSettings('A', '{"__proto__": {"holdLimit": 99}}').holdLimit).to.equal(10)
    expect(resolveSettings('A', 'not json')).to.deep.equal(PRESETS.A)
    expect(resolveSettings('A', '[1,2]')).to.deep.equal(PRESETS.A)
  })
})
