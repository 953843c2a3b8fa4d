// The loose key of a folded reading (loose-reading.ts): what a patron typing by ear leaves out
// (the small っ, a vowel's lengthening) is left out of both sides, nothing else is.
import { expect } from 'chai'
import { fold } from '../../../../server/services/search/fold.ts'
import { looseReading } from '../../../../server/services/search/loose-reading.ts'

const key = (text: string) => looseReading(fold(text))

describe('loose reading keys', () => {
  it('meets what was typed by ear and the reading as catalogued', () => {
    const pairs: [string, string][] = [
      ['ぼちゃん', 'ボッチャン'],
      ['らしょもん', 'ラショウモン'],
      ['ぎんがてつどのよる', 'ギンガテツドウノヨル'],
      ['なつめそせき', 'ナツメソウセキ'],
      ['にんげんしかく', 'ニンゲンシッカク'],
      ['せろひきのごしゅ', 'セロヒキノゴーシュ'],
      ['ちゅもんのおいりょりてん', 'チュウモンノオオイリョウリテン'],
      ['せんせ', 'センセイ'],
      ['らめん', 'ラーメン'],
    ]
    for (const [typed, catalogued] of pairs) {
      expect(key(typed), typed).to.equal(key(catalogued))
      expect(key(typed), typed).to.not.equal('')
    }
  })

  it('keeps what tells readings apart', () => {
    const pairs: [string, string][] = [
      ['ぼちゃん', 'ぼちやま'],
      ['かき', 'かぎ'], // voicing
      ['しお', 'しろ'],
      ['いう', 'い'], // う after an i
      ['おい', 'お'], // い after an o
      ['つなみ', 'なみ'], // つ before a row that is not doubled
    ]
    for (const [a, b] of pairs) {
      expect(key(a), `${a} ${b}`).to.not.equal(key(b))
    }
  })

  it('is empty for anything but kana', () => {
    for (const text of ['坊っちゃん', 'abc', 'ぼっちゃん2', ''])
      expect(key(text), text).to.equal('')
  })
})
