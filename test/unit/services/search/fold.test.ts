import { expect } from 'chai'
import {
  fold,
  foldWords,
  MAX_QUERY_WORDS,
  recordSearchText,
} from '../../../../server/services/search/fold.ts'

// [input, folded]
const PAIRS: readonly (readonly [string, string])[] = [
  // kana: hiragana = katakana = half-width katakana; spaces ignored
  ['こころ', 'こころ'],
  ['ココロ', 'こころ'],
  ['ｺｺﾛ', 'こころ'],
  ['こ こ ろ', 'こころ'],
  ['こ\u3000こ\tろ\n', 'こころ'],
  ['ｶﾞｯｺｳ', 'がつこう'],
  ['ﾊﾟﾝ', 'ぱん'],
  // full-/half-width letters and digits, case
  ['ＡＢＣ１２３', 'abc123'],
  ['ａｂｃ', 'abc'],
  ['Natsume SOSEKI', 'natsumesoseki'],
  ['ΑΒΓ', 'αβγ'],
  ['①②', '12'],
  ['Ⅲ', 'iii'],
  // Latin diacritics
  ['Les Misérables', 'lesmiserables'],
  ['Tōkyō', 'tokyo'],
  ['Ærø', 'æro'],
  // small kana → large
  ['ぁぃぅぇぉっゃゅょゎ', 'あいうえおつやゆよわ'],
  ['ァィゥェォッャュョヮヵヶ', 'あいうえおつやゆよわかけ'],
  ['きょう', 'きよう'],
  ['ステイク', 'すていく'],
  // spelling variants of one sound
  ['ヂ', 'じ'],
  ['ヅ', 'ず'],
  ['ぢぢ', 'じじ'],
  ['つづみ', 'つずみ'],
  ['ヴァイオリン', 'ばいおりん'],
  ['ヴィーナス', 'びいなす'],
  ['ヴ', 'ぶ'],
  ['ヴェ', 'べ'],
  ['ヴォルテール', 'ぼるてえる'],
  ['ヴュー', 'びゆう'],
  ['ヷヸヹヺ', 'ばびべぼ'],
  // voicing is otherwise kept
  ['ばば', 'ばば'],
  ['ごうどう', 'ごうどう'],
  // NFD and separate voicing marks
  ['カ\u3099', 'が'],
  ['ハ\u309a', 'ぱ'],
  ['か゛', 'が'],
  ['え゛りと', 'えりと'],
  // long vowel: the vowel it lengthens after a kana, dropped elsewhere
  ['ラーメン', 'らあめん'],
  ['ﾗｰﾒﾝ', 'らあめん'],
  ['らーめん', 'らあめん'],
  ['ティー', 'ていい'],
  ['すごーーい', 'すごおい'],
  ['ン', 'ん'],
  ['漢ー字', '漢字'],
  ['Aー', 'a'],
  // dashes: after a katakana a long vowel, otherwise removed; 〜 ～ always removed
  ['シリ-ズ', 'しりいず'],
  ['アンケ－ト', 'あんけえと'],
  ['ラ―メン', 'らあめん'],
  ['ラ‐メン', 'らあめん'],
  ['ブック――少年', 'ぶつく少年'],
  ['こころ―夏目', 'こころ夏目'],
  ['CD-ROM', 'cdrom'],
  ['1992～1993年', '19921993年'],
  ['1950〜1999', '19501999'],
  ['よ〜く', 'よく'],
  // iteration marks
  ['こゝろ', 'こころ'],
  ['みすゞ', 'みすず'],
  ['コヽロ', 'こころ'],
  ['つゞく', 'つずく'],
  ['佐々木', '佐佐木'],
  ['時々', '時時'],
  ['々', ''],
  ['ゝ', ''],
  // punctuation and symbols removed
  ['スリーピー・ホローのでんせつ', 'すりいぴいほろおのでんせつ'],
  ['「坊っちゃん」（新潮文庫）', '坊つちやん新潮文庫'],
  ['『吾輩は猫である』。', '吾輩は猫である'],
  ['Don’t “panic”!?', 'dontpanic'],
  ['Q&A: 100%', 'qa100'],
  ['a_b\\c%d', 'abcd'],
  ['[ほか]; 訳 / 編', 'ほか訳編'],
  ['゛兵庫診断゛', '兵庫診断'],
  ['〓東綺譚', '東綺譚'],
  // + and # after a Latin letter are part of a name; elsewhere symbols
  ['C++', 'c++'],
  ['Ｃ＃', 'c#'],
  ['C♯', 'c#'],
  ['Borland C++ Builder入門', 'borlandc++builder入門'],
  ['1+1=2', '112'],
  ['#5', '5'],
  ['!!', ''],
  // kanji kept, variants folded (more in variant-kanji.test.ts)
  ['濹東綺譚', '墨東綺譚'],
  ['夏目漱石', '夏目漱石'],
  ['𠮷野家', '吉野家'],
  // emoji, private use, variation selectors, format characters dropped
  ['本😀', '本'],
  ['👨‍👩‍👧家族', '家族'],
  ['\ue000外字', '外字'],
  ['葛\u{e0100}飾', '葛飾'],
  ['a\u200db', 'ab'],
  // NFKC compatibility forms
  ['㈱岩波', '株岩波'],
  ['㍻', '平成'],
  ['ﬁle', 'file'],
  // empty
  ['', ''],
  ['ー', ''],
  ['・・・', ''],
  ['　', ''],
]

// Each group folds to one value.
const GROUPS: readonly (readonly string[])[] = [
  ['こころ', 'ココロ', 'ｺｺﾛ', 'こ こ ろ', 'こゝろ', 'コ・コ・ロ'],
  ['ＡＢＣ１２３', 'abc123', 'ABC123', 'ａｂｃ 123'],
  ['ヴァイオリン', 'バイオリン', 'ｳﾞｧｲｵﾘﾝ', 'ウ゛ァイオリン', 'ゔぁいおりん'],
  ['ラーメン', 'らあめん', 'ラアメン', 'ﾗｰﾒﾝ', 'ラ-メン', 'ラ－メン', 'ラ―メン'],
  ['ヂ', 'ジ', 'ぢ', 'じ'],
  ['ヅ', 'ズ', 'づ', 'ず'],
  ['ガ', 'カ\u3099', 'か゛', 'ｶﾞ', 'が'],
  ['きょう', 'キョウ', 'きよう', 'ｷｮｳ'],
  ['1992～1993', '1992〜1993', '1992-1993', '1992－1993', '1992―1993', '1992‐1993'],
  ['ティー', 'テイー', 'ていい'],
]

describe('fold', () => {
  it(`folds the table (${PAIRS.length} pairs)`, () => {
    expect(PAIRS.length).to.be.at.least(50)
    const wrong = PAIRS.filter(([input, folded]) => fold(input) !== folded).map(
      ([input, folded]) =>
        `${JSON.stringify(input)} → ${JSON.stringify(fold(input))}, not ${JSON.stringify(folded)}`,
    )
    expect(wrong).to.deep.equal([])
  })

  for (const group of GROUPS) {
    it(`folds ${group.map((s) => JSON.stringify(s)).join(' = ')}`, () => {
      const first = group[0]!
      for (const s of group) expect(fold(s), s).to.equal(fold(first))
    })
  }

  it('keeps voicing apart (は ≠ ば): folding dakuten away would ruin precision', () => {
    expect(fold('はは')).to.not.equal(fold('ばば'))
    expect(fold('こうとう')).to.not.equal(fold('ごうどう'))
    expect(fold('ハ')).to.not.equal(fold('パ'))
    expect(fold('ふ')).to.not.equal(fold('ぶ'))
  })

  it('does not make ラメン match ラーメン', () => {
    expect(fold('ラーメン')).to.not.include(fold('ラメン'))
  })

  it('is idempotent on the table', () => {
    for (const [input] of PAIRS) expect(fold(fold(input)), input).to.equal(fold(input))
  })

  it('never outputs whitespace, the field separator or LIKE metacharacters', () => {
    const nasty = ' \t\u3000\u0001%_\\％＿＼ a%b_c\\d ' + PAIRS.map(([input]) => input).join(' ')
    expect(fold(nasty)).to.not.match(/[\s%_\\]/)
    expect(fold(nasty)).to.not.include('\u0001')
  })

  it('handles very long input', () => {
    const long = 'あいうえおカキクケコｻｼｽｾｿＡＢＣ―・ ラー〜'.repeat(50_000)
    const folded = fold(long)
    expect(folded.length).to.equal(20 * 50_000)
    expect(folded === 'あいうえおかきくけこさしすせそabcらあ'.repeat(50_000)).to.equal(true)
    expect(fold('ア'.repeat(100_001)) === 'あ'.repeat(100_001)).to.equal(true)
  })

  it('runs well above 5 MB/s on catalogue-like text', () => {
    const samples = [
      '吾輩は猫である',
      'ワガハイ ワ ネコ デ アル',
      'スリーピー・ホローのでんせつ',
      'Kleines japanisches Valenzlexikon = 実例・独訳付き日本語動詞格支配小辞典',
      'ｺﾝﾋﾟｭｰﾀ 入門 第２版',
      '夏目漱石',
      '「鎌と鎚」工場の文学研究会',
    ]
    let bytes = 0
    const start = process.hrtime.bigint()
    for (let i = 0; i < 100_000; i++) {
      const s = samples[i % samples.length]!
      bytes += Buffer.byteLength(s)
      fold(s)
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    expect(bytes / seconds / 1e6).to.be.greaterThan(5)
  })
})

describe('foldWords', () => {
  it('splits on any whitespace, incl. U+3000, and folds each word', () => {
    expect(foldWords('夏目　ソウセキ  ｺｺﾛ\tＡＢＣ')).to.deep.equal([
      '夏目',
      'そうせき',
      'こころ',
      'abc',
    ])
  })

  it('splits before folding, so a separate voicing mark stays with its kana', () => {
    expect(foldWords('か゛っこう')).to.deep.equal(['がつこう'])
  })

  it('drops words that fold to nothing', () => {
    expect(foldWords('ー')).to.deep.equal([])
    expect(foldWords(' ・ 〜 ー 「」 ')).to.deep.equal([])
    expect(foldWords('')).to.deep.equal([])
    expect(foldWords('こころ ー')).to.deep.equal(['こころ'])
  })

  it(`keeps at most ${MAX_QUERY_WORDS} words`, () => {
    const words = foldWords('a b c d e f g h i j k l m')
    expect(words).to.have.length(MAX_QUERY_WORDS)
    expect(words[MAX_QUERY_WORDS - 1]).to.equal('j')
  })
})

describe('recordSearchText', () => {
  it('folds every searchable field and joins them with \\u0001', () => {
    const text = recordSearchText({
      title: 'こゝろ',
      title_reading: 'ココロ',
      subtitle: '',
      series_title: '新潮文庫',
      author: '夏目 漱石',
      author_reading: 'ナツメ, ソウセキ',
      publisher: '新潮社',
      subjects: '小説（日本）',
    })
    expect(text).to.equal(
      ['こころ', 'こころ', '新潮文庫', '夏目漱石', 'なつめそうせき', '新潮社', '小説日本'].join(
        '\u0001',
      ),
    )
  })

  it('is found by the folded forms of the issue examples', () => {
    const text = recordSearchText({ title: 'こころ', author: '夏目漱石' })
    for (const q of ['こころ', 'ココロ', 'ｺｺﾛ', 'こ こ ろ', 'こゝろ'])
      expect(text).to.include(fold(q))
    const bokutou = recordSearchText({ title: '濹東綺譚', title_reading: 'ぼくとうきだん' })
    expect(bokutou).to.include(fold('ボクトウキダン'))
    expect(bokutou).to.include(fold('濹東綺譚'))
  })

  it('skips missing and empty fields', () => {
    expect(recordSearchText({ title: 'A', author: '・', publisher: 'B' })).to.equal('a\u0001b')
  })
})
