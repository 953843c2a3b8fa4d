import { expect } from 'chai'
import iconv from 'iconv-lite'
import { InvalidEncodingError, cleanInput, toKeitaiText } from '../../../server/render/cp932.ts'
import {
  TooManyParametersError,
  encodeQueryValue,
  firstParam,
  parseUrlEncoded,
} from '../../../server/render/form-decoding.ts'

/** Deterministic PRNG (mulberry32) so a failing case can be reproduced. */
function prng(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function randomString(random: () => number, alphabet: string[], maxLength: number): string {
  let s = ''
  const length = Math.floor(random() * (maxLength + 1))
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(random() * alphabet.length)]
  return s
}

describe('form-decoding', () => {
  describe('parseUrlEncoded (shift_jis)', () => {
    it('decodes percent-encoded Shift_JIS', () => {
      const params = parseUrlEncoded('q=%82%B1%82%B1%82%EB', 'shift_jis')
      expect(params['q']).to.deep.equal(['こころ'])
    })

    it('decodes names as well as values', () => {
      const name = encodeQueryValue('検索語', 'shift_jis')
      expect(parseUrlEncoded(`${name}=x`, 'shift_jis')['検索語']).to.deep.equal(['x'])
    })

    it("turns '+' into a space and %2B into '+'", () => {
      const params = parseUrlEncoded('a=%82%A0+%82%A2&b=1%2B1&c=%20', 'shift_jis')
      expect(params['a']).to.deep.equal(['あ い'])
      expect(params['b']).to.deep.equal(['1+1'])
      expect(params['c']).to.deep.equal([' '])
    })

    it('accepts raw (unescaped) Shift_JIS bytes in a body', () => {
      const body = Buffer.concat([
        Buffer.from('q='),
        iconv.encode('夏目漱石', 'Shift_JIS'),
        Buffer.from('&page=2'),
      ])
      const params = parseUrlEncoded(body, 'shift_jis')
      expect(params['q']).to.deep.equal(['夏目漱石'])
      expect(params['page']).to.deep.equal(['2'])
    })

    it('decodes the CP932 extensions and strips carrier emoji', () => {
      const params = parseUrlEncoded(
        'q=%83e%83X%83g%81%60%87%40%FB%FC+x%2By&e=A%F9%41B',
        'shift_jis',
      )
      expect(params['q']).to.deep.equal(['テスト～①髙 x+y'])
      expect(params['e']).to.deep.equal(['AB'])
    })

    it('treats literal non-ASCII characters in a string as themselves', () => {
      expect(parseUrlEncoded('q=こころ', 'shift_jis')['q']).to.deep.equal(['こころ'])
    })

    it('throws InvalidEncodingError for bytes that are not Shift_JIS', () => {
      expect(() => parseUrlEncoded('q=%81%20', 'shift_jis')).to.throw(InvalidEncodingError)
      expect(() => parseUrlEncoded('q=%82', 'shift_jis')).to.throw(InvalidEncodingError)
    })
  })

  describe('parseUrlEncoded (utf-8)', () => {
    it('decodes percent-encoded UTF-8', () => {
      const params = parseUrlEncoded('q=%E3%81%93%E3%81%93%E3%82%8D&r=a+b%2Bc', 'utf-8')
      expect(params['q']).to.deep.equal(['こころ'])
      expect(params['r']).to.deep.equal(['a b+c'])
    })

    it('accepts a Buffer and literal non-ASCII text', () => {
      expect(parseUrlEncoded(Buffer.from('q=%E6%9C%AC'), 'utf-8')['q']).to.deep.equal(['本'])
      expect(parseUrlEncoded('q=本', 'utf-8')['q']).to.deep.equal(['本'])
    })

    it('cleans the decoded text', () => {
      const params = parseUrlEncoded('q=a%0D%0Ab%00c%F0%9F%98%80d&n=%E3%82%AB%E3%82%99', 'utf-8')
      expect(params['q']).to.deep.equal(['a\nbcd'])
      expect(params['n']).to.deep.equal(['ガ'])
    })

    it('throws InvalidEncodingError for bytes that are not UTF-8', () => {
      expect(() => parseUrlEncoded('q=%C3%28', 'utf-8')).to.throw(InvalidEncodingError)
      expect(() => parseUrlEncoded('q=%82%B1', 'utf-8')).to.throw(InvalidEncodingError)
    })
  })

  describe('parseUrlEncoded (structure)', () => {
    it('keeps malformed escapes as literal text', () => {
      const params = parseUrlEncoded('a=%G1&b=100%&c=%4&d=%%41&e=%zz%41', 'utf-8')
      expect(params['a']).to.deep.equal(['%G1'])
      expect(params['b']).to.deep.equal(['100%'])
      expect(params['c']).to.deep.equal(['%4'])
      expect(params['d']).to.deep.equal(['%A'])
      expect(params['e']).to.deep.equal(['%zzA'])
    })

    it('collects repeated names, skips empty pairs and allows names without "="', () => {
      const params = parseUrlEncoded('&a=1&&a=2&flag&b=x=y&=v&', 'utf-8')
      expect(params['a']).to.deep.equal(['1', '2'])
      expect(params['flag']).to.deep.equal([''])
      expect(params['b']).to.deep.equal(['x=y'])
      expect(params['']).to.deep.equal(['v'])
      expect(Object.keys(params)).to.deep.equal(['a', 'flag', 'b', ''])
    })

    it('returns an empty object for empty input', () => {
      expect(Object.keys(parseUrlEncoded('', 'utf-8'))).to.deep.equal([])
      expect(Object.keys(parseUrlEncoded(Buffer.alloc(0), 'shift_jis'))).to.deep.equal([])
    })

    it('makes __proto__ and other Object.prototype names ordinary keys', () => {
      const params = parseUrlEncoded(
        '__proto__=x&constructor=y&__proto__%5Bpolluted%5D=1&toString=z',
        'utf-8',
      )
      expect(Object.getPrototypeOf(params)).to.equal(null)
      expect(params['__proto__']).to.deep.equal(['x'])
      expect(params['constructor']).to.deep.equal(['y'])
      expect(params['__proto__[polluted]']).to.deep.equal(['1'])
      expect(firstParam(params, '__proto__')).to.equal('x')
      expect(firstParam(params, 'toString')).to.equal('z')
      expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined)
      expect(Object.prototype).not.to.have.property('x')
    })

    it('allows 100 pairs and rejects 101', () => {
      const pairs = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=v`).join('&')
      expect(Object.keys(parseUrlEncoded(pairs(100), 'utf-8'))).to.have.length(100)
      expect(() => parseUrlEncoded(pairs(101), 'utf-8')).to.throw(TooManyParametersError)
      expect(() => parseUrlEncoded(Array(101).fill('a=1').join('&'), 'shift_jis')).to.throw(
        TooManyParametersError,
      )
      // Empty pairs are not pairs.
      expect(parseUrlEncoded(`${'&'.repeat(500)}a=1`, 'utf-8')['a']).to.deep.equal(['1'])
    })
  })

  describe('firstParam', () => {
    it('returns the first value or undefined', () => {
      const params = parseUrlEncoded('a=1&a=2&b=', 'utf-8')
      expect(firstParam(params, 'a')).to.equal('1')
      expect(firstParam(params, 'b')).to.equal('')
      expect(firstParam(params, 'c')).to.equal(undefined)
    })

    it('ignores inherited properties of an ordinary object', () => {
      expect(firstParam({}, 'constructor')).to.equal(undefined)
      expect(firstParam({}, 'toString')).to.equal(undefined)
    })
  })

  describe('encodeQueryValue', () => {
    it('encodes Shift_JIS bytes', () => {
      expect(encodeQueryValue('こころ', 'shift_jis')).to.equal('%82%B1%82%B1%82%EB')
      expect(encodeQueryValue('〜①髙', 'shift_jis')).to.equal('%81%60%87%40%FB%FC')
    })

    it('encodes UTF-8 bytes', () => {
      expect(encodeQueryValue('こころ', 'utf-8')).to.equal('%E3%81%93%E3%81%93%E3%82%8D')
    })

    it('leaves [A-Za-z0-9*-._] alone and writes a space as "+"', () => {
      for (const charset of ['shift_jis', 'utf-8'] as const) {
        expect(encodeQueryValue('Az09*-._ ~!&=+%?#/', charset)).to.equal(
          'Az09*-._+%7E%21%26%3D%2B%25%3F%23%2F',
        )
      }
    })

    it('writes 〓 rather than "?" for characters Shift_JIS lacks', () => {
      expect(encodeQueryValue('😀濹', 'shift_jis')).to.equal('%81%AC%81%AC')
    })

    it('round-trips through parseUrlEncoded in both charsets', () => {
      const random = prng(7)
      const safe = [
        ...'あいうえおがぱゃっーアイウエオヴヵヶｱｲｳﾞﾟ漢字図書館夏目漱石森鴎外髙﨑①Ⅰ№～－',
        ...'abcXYZ019 !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
        '\n',
        '\u3000',
      ]
      const awkward = [...safe, '〜', '−', '—', '鷗', '𠮷', '😀', '👨‍👩‍👧', 'é', 'カ\u3099', '\r\n']
      for (let round = 0; round < 300; round++) {
        const plain = randomString(random, safe, 20)
        const mixed = randomString(random, awkward, 20)
        for (const charset of ['shift_jis', 'utf-8'] as const) {
          const parse = (s: string) =>
            firstParam(parseUrlEncoded(`x=1&q=${encodeQueryValue(s, charset)}&y=2`, charset), 'q')
          expect(parse(plain), `${charset} ${JSON.stringify(plain)}`).to.equal(plain)
          const expected = cleanInput(charset === 'shift_jis' ? toKeitaiText(mixed) : mixed)
          expect(parse(mixed), `${charset} ${JSON.stringify(mixed)}`).to.equal(expected)
        }
      }
    })
  })
})
