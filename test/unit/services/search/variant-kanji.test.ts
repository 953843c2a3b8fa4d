// Variant kanji (旧字体・異体字) in the search normaliser: what patrons type with whichever form
// their input method gives must find the record, and characters that only look alike must not.
import { expect } from 'chai'
import { fold, foldWords } from '../../../../server/services/search/fold.ts'
import { VARIANT_KANJI_PAIRS } from '../../../../server/services/search/variant-kanji.ts'

/** Groups whose members fold the same: [forms…]. */
const SAME: readonly string[][] = [
  ['鷗', '鴎'],
  ['齋', '齊', '斎', '斉'],
  ['邊', '邉', '辺'],
  ['髙', '高'],
  ['﨑', '崎'],
  ['櫻', '桜'],
  ['濹', '墨'],
  ['龍', '竜'],
  ['澤', '沢'],
  ['廣', '広'],
  ['國', '国'],
  ['嶋', '島'],
  ['峯', '峰'],
  ['檜', '桧'],
  ['冨', '富'],
  ['眞', '真'],
  ['德', '徳'],
  ['萬', '万'],
  ['藝', '芸'],
  ['瀧', '滝'],
  ['籠', '篭'],
  ['壽', '寿'],
  ['鐵', '鉄'],
  ['實', '実'],
  ['體', '体'],
  ['學', '学'],
  ['會', '会'],
  ['發', '発'],
  ['驛', '駅'],
  ['圓', '円'],
  ['團', '団'],
  ['戀', '恋'],
  ['兒', '児'],
  ['𠮷', '吉'],
  ['惠', '恵'],
  ['槇', '槙'],
  ['淵', '渕'],
  ['嶌', '島'],
]

/** Characters that look alike or share a reading but are different characters. */
const APART: readonly string[] = [
  '土士',
  '末未',
  '己已巳',
  '日曰',
  '大太犬',
  '人入',
  '千干',
  '刀力',
  '天夭',
  '田由甲申',
  '王玉主',
  '会合',
  '雲云',
  '崎埼',
  '斎済',
  '沢択',
  '辺迄',
]

describe('variant kanji folding', () => {
  it(`folds the variants patrons type alike (${SAME.length} groups)`, () => {
    const pairs = SAME.reduce((n, g) => n + g.length - 1, 0)
    expect(pairs).to.be.at.least(30)
    const wrong = SAME.filter((group) => new Set(group.map(fold)).size !== 1).map((g) =>
      g.map((c) => `${c}→${fold(c)}`).join(' '),
    )
    expect(wrong).to.deep.equal([])
  })

  it(`keeps apart characters that are not variants (${APART.length} groups)`, () => {
    const pairs = APART.reduce(
      (n, g) => n + (Array.from(g).length * (Array.from(g).length - 1)) / 2,
      0,
    )
    expect(pairs).to.be.at.least(10)
    const merged = APART.flatMap((group) => {
      const chars = Array.from(group)
      return chars.flatMap((a, i) =>
        chars.slice(i + 1).flatMap((b) => (fold(a) === fold(b) ? [`${a}=${b}`] : [])),
      )
    })
    expect(merged).to.deep.equal([])
  })

  it('folds names and titles as written in either form', () => {
    expect(fold('森鷗外')).to.equal(fold('森鴎外'))
    expect(fold('齋藤茂吉')).to.equal(fold('斎藤茂吉'))
    expect(fold('渡邊')).to.equal(fold('渡辺'))
    expect(fold('渡邉')).to.equal(fold('渡辺'))
    expect(fold('濹東綺譚')).to.equal(fold('墨東綺譚'))
    expect(fold('芥川龍之介')).to.equal(fold('芥川竜之介'))
    expect(fold('𠮷野家')).to.equal(fold('吉野家'))
    expect(foldWords('髙橋 山﨑')).to.deep.equal(foldWords('高橋 山崎'))
  })

  it('repeats the folded kanji for 々 and keeps folding idempotent', () => {
    expect(fold('﨑々')).to.equal(fold('崎崎'))
    for (const chunk of VARIANT_KANJI_PAIRS) {
      const chars = Array.from(chunk)
      for (let i = 0; i + 1 < chars.length; i += 2) {
        const folded = fold(chars[i] ?? '')
        expect(fold(folded), chars[i]).to.equal(folded)
      }
    }
  })

  it('maps every variant of the generated table to a character that is not itself mapped', () => {
    let n = 0
    for (const chunk of VARIANT_KANJI_PAIRS) {
      const chars = Array.from(chunk)
      expect(chars.length % 2, chunk).to.equal(0)
      for (let i = 0; i + 1 < chars.length; i += 2) {
        const [variant, standard] = [chars[i] ?? '', chars[i + 1] ?? '']
        expect(fold(variant), variant).to.equal(fold(standard))
        expect(fold(standard), standard).to.equal(standard)
        n++
      }
    }
    expect(n).to.be.greaterThan(1000)
  })
})
