import { expect } from 'chai'
import iconv from 'iconv-lite'
import {
  InvalidEncodingError,
  KEITAI_FALLBACKS,
  cleanInput,
  decodeKeitai,
  decodeUtf8,
  encodeKeitai,
  toKeitaiText,
} from '../../../server/render/cp932.ts'

const GETA = '〓'

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ')
}

function bytes(hexString: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hexString.replace(/\s+/g, ''), 'hex'))
}

function countByte(buf: Uint8Array, value: number): number {
  return buf.reduce((n, b) => (b === value ? n + 1 : n), 0)
}

/** Deterministic PRNG (mulberry32) so a failing fuzz case can be reproduced. */
function prng(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Every character the Shift_JIS decoder yields for a valid pair outside the user-defined area. */
function allCp932Characters(): string[] {
  const decoder = new TextDecoder('shift_jis', { fatal: true })
  const chars: string[] = []
  for (let lead = 0x81; lead <= 0xfc; lead++) {
    if ((lead >= 0xa0 && lead <= 0xdf) || (lead >= 0xf0 && lead <= 0xf9)) continue
    for (let trail = 0x40; trail <= 0xfc; trail++) {
      try {
        chars.push(decoder.decode(Uint8Array.of(lead, trail)))
      } catch {
        // unassigned pair
      }
    }
  }
  for (let b = 0xa1; b <= 0xdf; b++) chars.push(decoder.decode(Uint8Array.of(b)))
  return chars
}

describe('cp932', () => {
  describe('encodeKeitai / decodeKeitai round trips', () => {
    // [input, CP932 form that comes back, bytes]
    const cases: [string, string, string][] = [
      ['\u301C', '～', '81 60'], // WAVE DASH
      ['～', '～', '81 60'],
      ['\u2212', '－', '81 7C'], // MINUS SIGN
      ['－', '－', '81 7C'],
      ['\u2014', '―', '81 5C'], // EM DASH
      ['―', '―', '81 5C'],
      ['\u2016', '∥', '81 61'], // DOUBLE VERTICAL LINE
      ['∥', '∥', '81 61'],
      ['¢', '￠', '81 91'],
      ['£', '￡', '81 92'],
      ['¬', '￢', '81 CA'],
      ['\u203E', '￣', '81 50'], // OVERLINE (iconv-lite alone would write '~')
      ['¥', '￥', '81 8F'], // YEN SIGN (iconv-lite alone would write '\')
      ['\u00A0', ' ', '20'],
      ['①', '①', '87 40'],
      ['Ⅰ', 'Ⅰ', '87 54'],
      ['№', '№', '87 82'],
      ['髙', '髙', 'FB FC'],
      ['﨑', '﨑', 'FA B1'],
      ['螽', '螽', 'E5 A8'], // JIS X 0208 level 2: encodable, unlike 濹
      ['ｶﾞ', 'ｶﾞ', 'B6 DE'],
      ['?', '?', '3F'],
    ]
    for (const [input, expected, expectedBytes] of cases) {
      it(`${JSON.stringify(input)} → ${expectedBytes} → ${expected}`, () => {
        const encoded = encodeKeitai(input)
        expect(hex(encoded)).to.equal(expectedBytes)
        expect(decodeKeitai(encoded)).to.equal(expected)
      })
    }

    it('replaces an unencodable kanji with 〓 (81 AC)', () => {
      const encoded = encodeKeitai('濹東綺譚')
      expect(hex(encoded)).to.equal('81 AC 93 8C E3 59 E6 9D')
      expect(decodeKeitai(encoded)).to.equal('〓東綺譚')
    })

    it('uses the everyday forms of JIS X 0213 kanji', () => {
      expect(toKeitaiText('𠮷野家')).to.equal('吉野家')
      expect(toKeitaiText('森鷗外')).to.equal('森鴎外')
      expect(toKeitaiText('剝製・頰・𠮟る')).to.equal('剥製・頬・叱る')
      expect(decodeKeitai(encodeKeitai('森鷗外『舞姫』'))).to.equal('森鴎外『舞姫』')
    })

    it('turns every emoji cluster into a single 〓, never 0x3F', () => {
      for (const emoji of ['😀', '👍🏽', '👨‍👩‍👧', '❤️', '🇯🇵', '🏴󠁧󠁢󠁥󠁮󠁧󠁿']) {
        const encoded = encodeKeitai(`a${emoji}b`)
        expect(hex(encoded), emoji).to.equal('61 81 AC 62')
        expect(countByte(encoded, 0x3f), emoji).to.equal(0)
      }
      expect(toKeitaiText('😀😀')).to.equal('〓〓')
      expect(toKeitaiText('🇯🇵🇺🇸')).to.equal('〓〓')
    })

    it('keeps the CP932 part of emoji-styled symbols and keycaps', () => {
      expect(toKeitaiText('♂\uFE0F')).to.equal('♂')
      expect(toKeitaiText('1\uFE0F\u20E3')).to.equal('1')
      expect(toKeitaiText('葛\u{E0100}飾')).to.equal('葛飾') // ideographic variation sequence
    })

    it('drops Latin diacritics and spells out letters without a base form', () => {
      expect(toKeitaiText('é à ü Ç ñ Ø')).to.equal('e a u C n O')
      expect(toKeitaiText('Łódź, Straße, Søren, Œuvre')).to.equal('Lodz, Strasse, Soren, OEuvre')
      expect(toKeitaiText('e\u0301')).to.equal('e') // decomposed input
      expect(toKeitaiText('q\u0303')).to.equal('q') // no precomposed form at all
    })

    it('normalises to NFC before encoding', () => {
      const encoded = encodeKeitai('カ\u3099')
      expect(hex(encoded)).to.equal('83 4B')
      expect(decodeKeitai(encoded)).to.equal('ガ')
      expect(toKeitaiText('ゔ')).to.equal('ヴ')
    })

    it('replaces other unencodable characters with 〓', () => {
      expect(toKeitaiText('\uE000')).to.equal(GETA) // private use
      expect(toKeitaiText('\u{F0000}')).to.equal(GETA)
      expect(toKeitaiText('\uD800x\uDC00')).to.equal(`${GETA}x${GETA}`) // lone surrogates
      expect(toKeitaiText('𩸽')).to.equal(GETA) // non-BMP kanji without a fallback
      expect(toKeitaiText('♥€')).to.equal(GETA + GETA)
      expect(toKeitaiText('한국')).to.equal(GETA + GETA)
    })

    it('maps odd spaces and drops invisible characters', () => {
      expect(toKeitaiText('a\u2003b\u200Bc\u00ADd')).to.equal('a bcd')
      expect(toKeitaiText('あ\u200Dい')).to.equal('あい')
      expect(toKeitaiText('a\u2028b')).to.equal('a\nb')
    })

    it('removes control characters except TAB, LF and CR', () => {
      expect(toKeitaiText('a\u0000b\u0007c\u007Fd\u0085e')).to.equal('abcde')
      expect(hex(encodeKeitai('a\tb\r\nc'))).to.equal('61 09 62 0D 0A 63')
    })

    it('gives the same result when an emoji straddles the segmenter window', () => {
      // The module segments in 256-code-unit windows; slide a cluster across the edge.
      for (let n = 240; n <= 270; n++) {
        const prefix = 'あ'.repeat(n)
        expect(toKeitaiText(`${prefix}👨‍👩‍👧い`), `n=${n}`).to.equal(`${prefix}${GETA}い`)
        expect(toKeitaiText(`${prefix}🇯🇵🇯🇵`), `n=${n}`).to.equal(`${prefix}${GETA}${GETA}`)
        expect(toKeitaiText(`${prefix}ｶﾞ\u0301`), `n=${n}`).to.equal(`${prefix}ｶﾞ`)
      }
    })

    it('encodes long text quickly', () => {
      const text = 'あいうえお漢字テスト😀'.repeat(10_000)
      const started = performance.now()
      const encoded = encodeKeitai(text)
      expect(performance.now() - started).to.be.below(2000)
      expect(encoded.length).to.equal(10_000 * 22)
    })

    it('never writes 0x3F for anything but "?" and always writes decodable bytes (fuzz)', () => {
      const random = prng(20261123)
      const ranges: [number, number][] = [
        [0x20, 0x7e],
        [0x80, 0x24f], // Latin-1 and Latin Extended
        [0x2000, 0x27ff], // punctuation, symbols, dingbats
        [0x3000, 0x30ff], // CJK punctuation and kana
        [0x4e00, 0x9fff], // CJK unified ideographs
        [0xd800, 0xdfff], // lone surrogates
        [0xe000, 0xf8ff], // private use
        [0xf900, 0xffff], // compatibility ideographs, half/full width, specials
        [0x1f300, 0x1faff], // emoji
        [0x20000, 0x2a6df], // CJK extension B
        [0x300, 0x36f], // combining marks
      ]
      for (let round = 0; round < 500; round++) {
        let input = ''
        const length = 1 + Math.floor(random() * 40)
        for (let i = 0; i < length; i++) {
          const [lo, hi] = ranges[Math.floor(random() * ranges.length)]!
          input += String.fromCodePoint(lo + Math.floor(random() * (hi - lo + 1)))
        }
        const text = toKeitaiText(input)
        const encoded = encodeKeitai(input)
        const questionMarks = input.normalize('NFC').split('?').length - 1
        expect(countByte(encoded, 0x3f), JSON.stringify(input)).to.equal(questionMarks)
        expect(decodeKeitai(encoded), JSON.stringify(input)).to.equal(cleanInput(text))
      }
    })

    it('carries every CP932 character through, up to canonical equivalence', () => {
      const chars = allCp932Characters()
      expect(chars.length).to.be.above(7000)
      for (const ch of chars) {
        const label = `U+${ch.codePointAt(0)!.toString(16)}`
        expect(decodeKeitai(encodeKeitai(ch)), label).to.equal(ch.normalize('NFC'))
      }
      // NFC alone would turn these into non-CP932 code points (Å → U+00C5, 凞 → U+51DE …).
      expect(hex(encodeKeitai('\u212B\uFA15\uFA20'))).to.equal('81 F0 FB 58 FB 9F')
      expect(hex(encodeKeitai('\u00C5\u51DE\u8612'))).to.equal('81 F0 FB 58 FB 9F')
    })

    it('encodes kana, common kanji and full-width symbols without 〓', () => {
      let kana = ''
      for (let cp = 0x3041; cp <= 0x3093; cp++) kana += String.fromCodePoint(cp)
      for (let cp = 0x30a1; cp <= 0x30f6; cp++) kana += String.fromCodePoint(cp)
      const text =
        kana +
        'ｱｲｳｴｵｧｨｩｪｫｯｬｭｮｰﾞﾟ' +
        '亜唖娃阿哀愛挨姶逢葵茜穐悪握渥旭葦芦鯵梓圧斡扱宛姐虻飴絢綾鮎或粟袷安庵按暗案闇鞍杏' +
        '弌丐丕个丱丶丼丿乂乖乘亂亅豫亊舒弍于亞亟' +
        '図書館の本を予約・貸出延長できます。利用者番号とパスワードを入力してください。' +
        'ＡＢＣａｂｃ０１２！＃＄％＆（）＊＋，－．／：；＜＝＞？＠［＼］＾＿｀｛｜｝～「」『』【】〒※→←↑↓'
      const encoded = encodeKeitai(text)
      expect(toKeitaiText(text)).to.equal(text)
      expect(decodeKeitai(encoded)).to.equal(text)
    })
  })

  describe('KEITAI_FALLBACKS', () => {
    it('maps only unencodable characters, to encodable text', () => {
      for (const [from, to] of KEITAI_FALLBACKS) {
        expect(iconv.encode(from, 'Shift_JIS').includes(0x3f), `${from} is encodable`).to.equal(
          true,
        )
        expect(toKeitaiText(to), `${to} is not encodable`).to.equal(to)
        expect(iconv.encode(to, 'Shift_JIS').includes(0x3f), `${to} is not encodable`).to.equal(
          false,
        )
        expect(toKeitaiText(from)).to.equal(to)
      }
    })
  })

  describe('grapheme boundaries inside CP932 text', () => {
    // toKeitaiText only segments from the cluster holding an unencodable character, relying on
    // this: between CP932 characters clusters break everywhere except CR LF and before ﾞ ﾟ.
    it('join only CR LF and the half-width sound marks', () => {
      const segmenter = new Intl.Segmenter('ja', { granularity: 'grapheme' })
      const count = (s: string) => Array.from(segmenter.segment(s)).length
      const chars = [
        ...allCp932Characters(),
        ...Array.from({ length: 0x80 }, (_, i) => String.fromCharCode(i)),
      ]
      const extenders = chars.filter((c) => count(`a${c}`) === 1 || count(`あ${c}`) === 1)
      const prependers = chars.filter(
        (c) => c !== '\r' && (count(`${c}a`) === 1 || count(`${c}あ`) === 1),
      )
      expect(extenders).to.have.members(['ﾞ', 'ﾟ'])
      expect(prependers).to.deep.equal([])
      expect(count('\r\n')).to.equal(1)
    })
  })

  describe('decodeKeitai', () => {
    it('strips docomo emoji (user-defined area) without corrupting neighbours', () => {
      expect(decodeKeitai(bytes('F9 41'))).to.equal('')
      expect(decodeKeitai(bytes('F9 87'))).to.equal('') // keycap 1, extended emoji
      expect(decodeKeitai(bytes('41 F9 41 42'))).to.equal('AB')
      expect(decodeKeitai(bytes('82 A0 F8 9F 82 A2'))).to.equal('あい') // 晴れ
      expect(decodeKeitai(bytes('41 F9 B1 42'))).not.to.include('\uFFFD')
    })

    it('decodes half-width katakana and IBM/NEC extensions', () => {
      expect(decodeKeitai(bytes('B1 B2 B3'))).to.equal('ｱｲｳ')
      expect(decodeKeitai(bytes('ED 40'))).to.equal('纊') // NEC-selected IBM row, decode-only
      expect(decodeKeitai(bytes('FA 40'))).to.equal('ⅰ')
    })

    // Node's decoder (ICU) also rejects 0x80, which the WHATWG spec maps to U+0080.
    const invalid: [string, string][] = [
      ['81 20', 'lead byte followed by a space'],
      ['41 82', 'lone lead byte at the end'],
      ['82', 'only a lead byte'],
      ['FF', '0xFF'],
      ['FD', '0xFD'],
      ['A0', '0xA0'],
      ['80', '0x80'],
      ['85 40', 'unassigned row'],
      ['EB 40', 'unassigned lead byte EB (au emoji area in other tables)'],
    ]
    for (const [input, why] of invalid) {
      it(`rejects ${input} (${why})`, () => {
        expect(() => decodeKeitai(bytes(input)))
          .to.throw(InvalidEncodingError)
          .with.property('charset', 'shift_jis')
      })
    }

    it('strips NUL and other controls, and normalises newlines', () => {
      expect(decodeKeitai(bytes('41 00 42 07 43'))).to.equal('ABC')
      expect(decodeKeitai(bytes('41 0D 0A 42 0D 43 0A 44 09 45'))).to.equal('A\nB\nC\nD\tE')
    })
  })

  describe('decodeUtf8', () => {
    it('decodes, drops a BOM and normalises to NFC', () => {
      expect(decodeUtf8(Buffer.from('こころ'))).to.equal('こころ')
      expect(decodeUtf8(Buffer.from('\uFEFFabc'))).to.equal('abc')
      expect(decodeUtf8(Buffer.from('カ\u3099'))).to.equal('ガ')
    })

    it('strips emoji, private use and controls', () => {
      expect(decodeUtf8(Buffer.from('本😀👍🏽👨‍👩‍👧❤️🇯🇵\uE000\u{F0001}を\u0000読む'))).to.equal(
        '本を読む',
      )
    })

    for (const [input, why] of [
      ['C3 28', 'bad continuation byte'],
      ['80', 'lone continuation byte'],
      ['C0 AF', 'overlong encoding'],
      ['ED A0 80', 'encoded surrogate'],
      ['E3 81', 'truncated sequence'],
      ['F4 90 80 80', 'beyond U+10FFFF'],
    ] as const) {
      it(`rejects ${input} (${why})`, () => {
        expect(() => decodeUtf8(bytes(input)))
          .to.throw(InvalidEncodingError)
          .with.property('charset', 'utf-8')
      })
    }
  })

  describe('cleanInput', () => {
    it('normalises newlines and strips controls but keeps TAB', () => {
      expect(cleanInput('a\r\nb\rc\nd\te\u0000f\u001Bg\u007Fh\u0085i')).to.equal(
        'a\nb\nc\nd\tefghi',
      )
    })

    it('strips emoji and their glue, private use, U+FFFD and lone surrogates', () => {
      expect(cleanInput('a😀b👍🏽c👨‍👩‍👧d❤️e🇯🇵f\uE000g\u{10FFFD}h\uFFFDi\uD800j')).to.equal('abcdefghij')
      expect(cleanInput('1\uFE0F\u20E3')).to.equal('1')
    })

    it('keeps the JIS symbols ♂ ♀ ★ ♪ and applies NFC', () => {
      expect(cleanInput('♂♀★♪〒')).to.equal('♂♀★♪〒')
      expect(cleanInput('ﾊﾟ カ\u3099 e\u0301')).to.equal('ﾊﾟ ガ é')
    })
  })
})
