// The one normalisation used for the search index (records' search_text) and for queries.
// Records are re-folded from their fields, so the stored search_text always follows this file:
// after any change here the catalogue must be re-loaded (or search_text recomputed).
//
// What fold() does, in order:
//  1. ゛ and ゜ written as separate characters (U+309B/U+309C, "か゛") become the combining
//     marks, then NFKC: full-width letters/digits/symbols → ASCII, half-width katakana →
//     full-width (ｶﾞ → ガ), decomposed kana recomposed (カ + U+3099 → ガ), ①→1, ㈱→(株).
//  2. Lower case (toLowerCase, after NFKC).
//  3. One pass over the characters with a precomputed table:
//     - katakana → hiragana (ァ–ヶ); ヷヸヹヺ → ばびべぼ; the Ainu small katakana ㇰ–ㇿ → large
//       hiragana;
//     - small kana → large: ぁぃぅぇぉっゃゅょゎゕゖ (and ヵヶ) → あいうえおつやゆよわかけ.
//       NDL readings are written that way already (ステイク, キリストキヨウ);
//     - spelling variants of the same sound: ぢ→じ, づ→ず; ゔ/ヴ → ぶ, and ヴァ ヴィ ヴェ ヴォ
//       (ヴ + small vowel) → ば び べ ぼ, ヴャ ヴュ ヴョ → びや びゆ びよ, so that
//       ヴァイオリン = バイオリン. Dakuten are NOT folded away in general: は ≠ ば, こうとう ≠
//       ごうどう — folding them would ruin precision, and a patron types the voicing they hear;
//     - the long-vowel mark ー (also ｰ) after a kana becomes the vowel it lengthens, as in
//       Aozora's ソート用読み: ラーメン = らあめん, ティー = ていい (small ィ enlarged first).
//       ー after anything else (kanji, latin, ん, っ, another ー) is dropped. Replacing rather
//       than dropping makes ラーメン find らあめん and keeps ラメン from matching ラーメン;
//     - a single dash (‐ - ‑ ‒ – — ― − ─) right after a katakana is a long-vowel mark written
//       with the wrong character (NACSIS: シリ-ズ, アンケ-ト; old Shift_JIS data: ―/ー mix-ups)
//       and is treated as ー; any other dash, and a run of two or more (――, a subtitle
//       separator), is removed. The wave dashes 〜 and ～ (ranges, subtitle separators) are
//       always removed;
//     - iteration marks are expanded: ゝ/ヽ repeat the previous kana unvoiced, ゞ/ヾ voiced
//       (こゝろ = こころ, みすゞ = みすず), 々/〻 repeat the previous kanji (佐々木 = 佐佐木);
//       a mark with nothing to repeat is dropped;
//     - variant kanji (旧字体・異体字) become the standard form (variant-kanji.ts, generated from
//       Unihan and KANJIDIC2 by server/cli/variant-kanji-gen.ts): 鷗 = 鴎, 齋 = 齊 = 斎 = 斉,
//       邊 = 邉 = 辺, 髙 = 高, 﨑 = 崎, 櫻 = 桜, 濹 = 墨, 龍 = 竜, 𠮷 = 吉; different characters
//       stay different (土/士, 己/已/巳, 大/太/犬);
//     - Latin letters lose their diacritics (é → e, ō → o; ø → o, đ → d, ł → l), so
//       "Les Misérables" is found by "miserables" and Tōkyō by "tokyo";
//     - + and # (also ♯) right after a Latin letter, or after such a sign, are kept: C++ and C#
//       are names (c++, c#), not "c"; elsewhere (1+1, #5) they are symbols like the rest;
//     - kept: letters of every script (kanji, kana, latin, greek, cyrillic, hangul …), digits,
//       and combining marks other than diacritics/voicing marks/variation selectors;
//     - removed: whitespace of every kind, punctuation and symbols (・、。「」『』（）()[]:;!?
//       “”"'‘’&/=+% …), control and format characters (ZWJ …), variation selectors, emoji and
//       other pictographs, private-use characters (外字 cannot be typed by a patron; the rest of
//       the title still matches), U+FFFD and 〓.
//
// Consequences callers rely on: the result never contains whitespace, \u0001 (the field
// separator in search_text) or the LIKE metacharacters % _ \, so folded words can go into a
// LIKE pattern as they are. A word made only of symbols or marks ("ー", "・", "〜") folds to
// the empty string; foldWords drops it and the search page says 検索語を入力してください.
// fold() is idempotent: fold(fold(x)) === fold(x).
import { KEY_SEPARATOR, SEARCH_PARTS } from '../../db/search-layout.ts'
import type { SearchableRecord } from '../../db/search-layout.ts'
import { VARIANT_KANJI_PAIRS } from './variant-kanji.ts'

/** Queries are cut to this many words (the rest are ignored). */
export const MAX_QUERY_WORDS = 10

// Actions in the table (values ≥ 0 are the code unit to emit).
const DROP = -1
const LONG = -2 // ー
const DASH = -3 // dash variants: ー after a katakana, else dropped
const ITER = -4 // ゝ ヽ
const ITER_VOICED = -5 // ゞ ヾ
const ITER_KANJI = -6 // 々 〻
const VU = -7 // ゔ ヴ
const HIGH_SURROGATE = -8
const LOW_SURROGATE = -9 // unpaired: dropped
const SIGN = -10 // + # ♯: kept after a Latin letter (c++, c#)

const ACTION = new Int32Array(0x10000)
/** Vowel (あいうえお) of a kana after folding, 0 if none (ん, っ) — for ー. */
const VOWEL = new Uint16Array(0x10000)
/** Whether the source character is katakana (for dashes used as ー). */
const IS_KATAKANA = new Uint8Array(0x10000)
/** For iteration marks: the voiced / unvoiced form of a folded hiragana, or 0. */
const VOICED = new Uint16Array(0x10000)
const UNVOICED = new Uint16Array(0x10000)
const IS_KANJI = new Uint8Array(0x10000)
const IS_KANA = new Uint8Array(0x10000)

const code = (s: string, i = 0): number => s.charCodeAt(i)

/** Combining diacritical marks (Latin, Greek …): folded away. */
function isDiacritic(c: number): boolean {
  return (
    (c >= 0x0300 && c <= 0x036f) ||
    (c >= 0x1ab0 && c <= 0x1aff) ||
    (c >= 0x1dc0 && c <= 0x1dff) ||
    (c >= 0x20d0 && c <= 0x20ff) ||
    (c >= 0xfe20 && c <= 0xfe2f)
  )
}

function buildTables(): void {
  const keep = /^[\p{L}\p{N}\p{M}]$/u
  const han = /^\p{Script=Han}$/u
  for (let c = 0; c < 0x10000; c++) {
    const ch = String.fromCharCode(c)
    if (c >= 0xd800 && c <= 0xdbff) ACTION[c] = HIGH_SURROGATE
    else if (c >= 0xdc00 && c <= 0xdfff) ACTION[c] = LOW_SURROGATE
    else if (c >= 0xe000 && c <= 0xf8ff)
      ACTION[c] = DROP // private use
    else if (c >= 0xfe00 && c <= 0xfe0f)
      ACTION[c] = DROP // variation selectors
    else if (c === 0x3099 || c === 0x309a || isDiacritic(c)) ACTION[c] = DROP
    else ACTION[c] = keep.test(ch) ? c : DROP
    if (han.test(ch)) IS_KANJI[c] = 1
  }

  // Latin letters with diacritics → the base letter (the text is lower case by now, but upper
  // case forms are mapped too so the table does not depend on that).
  for (let c = 0x00c0; c <= 0x024f; c++) {
    const nfd = String.fromCharCode(c).normalize('NFD')
    let marksOnly = nfd.length > 1
    for (let i = 1; i < nfd.length; i++) marksOnly &&= isDiacritic(code(nfd, i))
    if (marksOnly && /^[a-z]$/i.test(nfd.charAt(0))) ACTION[c] = code(nfd.charAt(0).toLowerCase())
  }
  for (const pair of ['øo', 'Øo', 'đd', 'Đd', 'łl', 'Łl', 'ħh', 'Ħh', 'ıi']) {
    ACTION[code(pair, 0)] = code(pair, 1)
  }

  // Kana. Hiragana U+3041–U+3096 and katakana U+30A1–U+30F6 are parallel (offset 0x60).
  const small = 'ぁあぃいぅうぇえぉおっつゃやゅゆょよゎわゕかゖけ'
  const large = new Map<number, number>()
  for (let i = 0; i < small.length; i += 2) large.set(code(small, i), code(small, i + 1))
  const variant = new Map<number, number>([
    [code('ぢ'), code('じ')],
    [code('づ'), code('ず')],
  ])
  const vowels = 'あいうえお'
  const rows = [
    'あかさたなはまやらわがざだばぱぁゃゎゕ',
    'いきしちにひみりゐぎじぢびぴぃ',
    'うくすつぬふむゆるぐずづぶぷぅゅゔ',
    'えけせてねへめれゑげぜでべぺぇゖ',
    'おこそとのほもよろをごぞどぼぽぉょ',
  ]
  const vowelOf = new Map<number, number>()
  rows.forEach((row, i) => {
    for (const ch of row) vowelOf.set(code(ch), code(vowels, i))
  })

  for (let h = 0x3041; h <= 0x3096; h++) {
    const folded = variant.get(h) ?? large.get(h) ?? h
    const vowel = vowelOf.get(h) ?? 0 // ん, っ: none
    for (const c of [h, h + 0x60]) {
      ACTION[c] = folded
      IS_KANA[c] = 1
      VOWEL[c] = vowel
    }
    IS_KATAKANA[h + 0x60] = 1
  }
  ACTION[code('ゔ')] = VU
  ACTION[code('ヴ')] = VU
  const addKatakana = (c: number, hiragana: number): void => {
    ACTION[c] = hiragana
    IS_KATAKANA[c] = 1
    IS_KANA[c] = 1
    VOWEL[c] = vowelOf.get(hiragana) ?? 0
  }
  for (const pair of ['ヷば', 'ヸび', 'ヹべ', 'ヺぼ']) addKatakana(code(pair, 0), code(pair, 1))
  // Small katakana for Ainu (ㇰ ㇱ ㇲ …).
  const ainu = 'くしすとぬはひふへほむらりるれろ'
  for (let i = 0; i < ainu.length; i++) addKatakana(0x31f0 + i, code(ainu, i))

  for (let h = 0x3041; h <= 0x3096; h++) {
    const voiced = (String.fromCharCode(h) + '\u3099').normalize('NFC')
    if (voiced.length === 1) {
      VOICED[h] = code(voiced)
      UNVOICED[code(voiced)] = h
    }
  }

  ACTION[0x30fc] = LONG // ー (ｰ becomes ー under NFKC)
  for (const ch of '-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2500\u2501') {
    ACTION[code(ch)] = DASH
  }
  ACTION[code('ゝ')] = ITER
  ACTION[code('ヽ')] = ITER
  ACTION[code('ゞ')] = ITER_VOICED
  ACTION[code('ヾ')] = ITER_VOICED
  ACTION[code('々')] = ITER_KANJI
  ACTION[code('〻')] = ITER_KANJI
  for (const ch of '+#\u266f') ACTION[code(ch)] = SIGN

  // Variant kanji → the standard form (astral variants: ASTRAL_VARIANT).
  for (const chunk of VARIANT_KANJI_PAIRS) {
    const chars = Array.from(chunk)
    for (let i = 0; i + 1 < chars.length; i += 2) {
      const variant = chars[i]?.codePointAt(0) ?? 0
      const standard = chars[i + 1] ?? ''
      if (standard.length !== 1) continue // an astral standard form: none in the table
      if (variant < 0x10000) ACTION[variant] = code(standard)
      else ASTRAL_VARIANT.set(variant, code(standard))
    }
  }
}
/** Astral variant kanji (𠮷 …) → the code unit of their standard form. */
const ASTRAL_VARIANT = new Map<number, number>()
buildTables()

/** Astral code points: letters and digits (CJK extension kanji …) kept, the rest dropped. */
const astralKeep = new Map<number, boolean>()
function keepAstral(cp: number): boolean {
  let keep = astralKeep.get(cp)
  if (keep === undefined) {
    keep = /^[\p{L}\p{N}]$/u.test(String.fromCodePoint(cp))
    if (astralKeep.size < 10_000) astralKeep.set(cp, keep)
  }
  return keep
}

const SMALL_VOWEL_AFTER_VU = new Map<number, number>([
  [code('ぁ'), code('ば')],
  [code('ぃ'), code('び')],
  [code('ぅ'), code('ぶ')],
  [code('ぇ'), code('べ')],
  [code('ぉ'), code('ぼ')],
  [code('ァ'), code('ば')],
  [code('ィ'), code('び')],
  [code('ゥ'), code('ぶ')],
  [code('ェ'), code('べ')],
  [code('ォ'), code('ぼ')],
])
const BI = code('び')
const BU = code('ぶ')
const KATAKANA_VU = code('ヴ')
const SMALL_Y = new Set([...'ゃゅょャュョ'].map((ch) => code(ch)))

const SEPARATE_MARKS = /[\u309b\u309c]/g

let out = new Uint16Array(1024)

export function fold(text: string): string {
  const s = text
    .replace(SEPARATE_MARKS, (m) => (m === '\u309b' ? '\u3099' : '\u309a'))
    .normalize('NFKC')
    .toLowerCase()
  const n = s.length
  if (out.length < n) out = new Uint16Array(n * 2)
  let len = 0
  let vowel = 0 // vowel of the last kana emitted, for ー
  let lastKana = 0 // last (folded) kana emitted, for ゝゞ
  let lastKanji = 0 // last kanji emitted, for 々
  let afterKatakana = false // the previous source character was katakana, for dashes
  let afterLatin = false // the last character emitted is a Latin letter or a kept + #, for signs

  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    const action = ACTION[c] ?? DROP
    if (action >= 0) {
      out[len++] = action
      vowel = VOWEL[c] ?? 0
      lastKana = IS_KANA[c] ? action : 0
      lastKanji = IS_KANJI[c] ? action : 0
      afterKatakana = IS_KATAKANA[c] === 1
      afterLatin = action >= 0x61 && action <= 0x7a
      continue
    }
    if (action === SIGN) {
      if (afterLatin) out[len++] = c === 0x266f ? 0x23 : c
      continue
    }
    afterLatin = false
    switch (action) {
      case LONG:
      case DASH: {
        const next = i + 1 < n ? (ACTION[s.charCodeAt(i + 1)] ?? DROP) : 0
        const isLong =
          action === LONG || (afterKatakana && next !== DASH && next !== LONG && next !== DROP)
        if (isLong && vowel !== 0) out[len++] = vowel
        vowel = 0
        lastKanji = 0
        if (action === DASH) afterKatakana = false
        break
      }
      case ITER:
      case ITER_VOICED: {
        if (lastKana !== 0) {
          const base = UNVOICED[lastKana] || lastKana
          const repeated = action === ITER_VOICED ? VOICED[base] || base : base
          const folded = ACTION[repeated] ?? DROP
          out[len++] = folded >= 0 ? folded : repeated
          vowel = VOWEL[repeated] ?? 0
        }
        lastKanji = 0
        break
      }
      case ITER_KANJI:
        if (lastKanji !== 0) out[len++] = lastKanji
        vowel = 0
        lastKana = 0
        break
      case VU: {
        const next = i + 1 < n ? s.charCodeAt(i + 1) : 0
        const merged = SMALL_VOWEL_AFTER_VU.get(next)
        let emitted: number
        if (merged !== undefined) {
          emitted = merged
          i++
        } else {
          emitted = SMALL_Y.has(next) ? BI : BU
        }
        out[len++] = emitted
        vowel = VOWEL[emitted] ?? 0
        lastKana = emitted
        lastKanji = 0
        afterKatakana = c === KATAKANA_VU
        break
      }
      case HIGH_SURROGATE: {
        const low = i + 1 < n ? s.charCodeAt(i + 1) : 0
        if (low >= 0xdc00 && low <= 0xdfff) {
          i++
          const cp = ((c - 0xd800) << 10) + (low - 0xdc00) + 0x10000
          const standard = ASTRAL_VARIANT.get(cp)
          if (standard !== undefined) {
            out[len++] = standard
            vowel = 0
            lastKana = 0
            lastKanji = standard
            afterKatakana = false
            break
          } else if (keepAstral(cp)) {
            out[len++] = c
            out[len++] = low
          }
        }
        vowel = 0
        lastKana = 0
        lastKanji = 0
        afterKatakana = false
        break
      }
      default:
        // DROP (whitespace, punctuation, symbols …) and unpaired low surrogates. Spaces and
        // punctuation between a kana and ー do not happen in real text; keep the state so that
        // "ラ ー メン" folds like ラーメン.
        break
    }
  }
  return decode(len)
}

function decode(len: number): string {
  if (len <= 4096)
    return String.fromCharCode.apply(null, out.subarray(0, len) as unknown as number[])
  let result = ''
  for (let i = 0; i < len; i += 4096) {
    result += String.fromCharCode.apply(
      null,
      out.subarray(i, Math.min(len, i + 4096)) as unknown as number[],
    )
  }
  return result
}

/**
 * Splits a query into folded words (ANDed): the split is on whitespace (any, incl. U+3000)
 * before folding, words that fold to nothing ("ー", "・") are dropped, and at most
 * MAX_QUERY_WORDS words are returned.
 */
export function foldWords(query: string): string[] {
  const words: string[] = []
  for (const raw of query.split(/\s+/)) {
    if (raw === '') continue
    const word = fold(raw)
    if (word === '') continue
    words.push(word)
    if (words.length === MAX_QUERY_WORDS) break
  }
  return words
}

/**
 * How many code points `text` has, counted as Array.from and codePointAt iteration do (a
 * surrogate pair is one, a lone surrogate one): the unit of search_layout and the index's
 * positions.
 */
export function codePointLength(text: string): number {
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) i++
    }
    n++
  }
  return n
}

/** The fields of a record that search_text is made of (SEARCH_PARTS); only the title is required. */
export type SearchTextFields = Pick<SearchableRecord, 'title'> & Partial<SearchableRecord>

/**
 * The eight fields of search_text folded, in their order (SEARCH_PARTS): title, title reading,
 * subtitle, series, author, author reading, publisher, subjects ('' where a field is empty or
 * folds to nothing).
 */
export function searchParts(r: SearchTextFields): string[] {
  return SEARCH_PARTS.map((name) => {
    const s = r[name]
    return s ? fold(s) : ''
  })
}

/**
 * The folded text a record is found by: title, title reading, subtitle, series, author,
 * author reading, publisher and subjects, each folded, joined by \u0001 so that a query word
 * never matches across two fields. (ISBNs are searched separately.)
 */
export function recordSearchText(r: SearchTextFields): string {
  return searchParts(r)
    .filter((s) => s !== '')
    .join(KEY_SEPARATOR)
}
