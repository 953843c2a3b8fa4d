// The one place that converts between JavaScript strings and the CP932 ("Shift_JIS" as keitai
// really speak it) bytes of keitai pages and forms, plus the input clean-up shared with the
// UTF-8 pages. See /work/shared/research/keitai.md §4.
//
// Output: iconv-lite (its 'Shift_JIS' codec *is* CP932) silently writes '?' for anything it cannot
// encode, and keitai cannot be trusted with numeric character references, so every string is
// first reduced to characters known to round-trip; the rest becomes a readable stand-in or 〓.
//
// Input: Node's TextDecoder is used rather than iconv-lite because iconv-lite's table stops the
// user-defined area at F940, so docomo's extended emoji (F941–F9FC) come out as U+FFFD plus a
// stray ASCII/kana character that corrupts the neighbouring text.

import iconv from 'iconv-lite'

/** Thrown when request bytes are not valid in the charset the form was served in. */
export class InvalidEncodingError extends Error {
  override readonly name = 'InvalidEncodingError'
  readonly charset: 'shift_jis' | 'utf-8'

  constructor(charset: 'shift_jis' | 'utf-8', options?: { cause?: unknown }) {
    super(`input is not valid ${charset}`, options)
    this.charset = charset
  }
}

/** GETA MARK, the traditional Japanese "missing glyph" sign (CP932 81 AC). */
const GETA = '\u3013'

// JIS-style code points that CP932 spells differently (keitai.md §4.2). Text typed on Macs or
// Linux, or converted with a JIS mapping table, uses the left-hand forms.
const VARIANTS: ReadonlyArray<readonly [string, string]> = [
  ['\u301C', '\uFF5E'], // WAVE DASH → FULLWIDTH TILDE
  ['\u2212', '\uFF0D'], // MINUS SIGN → FULLWIDTH HYPHEN-MINUS
  ['\u2014', '\u2015'], // EM DASH → HORIZONTAL BAR
  ['\u2016', '\u2225'], // DOUBLE VERTICAL LINE → PARALLEL TO
  ['\u00A2', '\uFFE0'], // ¢ → ￠
  ['\u00A3', '\uFFE1'], // £ → ￡
  ['\u00AC', '\uFFE2'], // ¬ → ￢
  ['\u00A0', ' '], // NO-BREAK SPACE
  ['\u203E', '\uFFE3'], // OVERLINE → FULLWIDTH MACRON (iconv-lite would write '~')
  ['\u00A5', '\uFFE5'], // YEN SIGN → FULLWIDTH YEN (iconv-lite would write '\', 0x5C)
  ['\u2028', '\n'], // LINE SEPARATOR
  ['\u2029', '\n'], // PARAGRAPH SEPARATOR
  // NFC moves three CP932 characters out of CP932; their canonical equivalents bring them back.
  ['\u00C5', '\u212B'], // Å → ANGSTROM SIGN (81 F0)
  ['\u51DE', '\uFA15'], // 凞 (FB 58)
  ['\u8612', '\uFA20'], // 蘒 (FB 9F)
]

// Readable stand-ins for characters that are common in catalogue data but absent from CP932.
// Every source has been checked to be unencodable and every target to be encodable (the unit
// test re-checks the whole table). The kanji are the JIS X 0213:2004 "print standard" forms
// whose everyday (JIS X 0208) forms CP932 does have, e.g. 森鷗外 → 森鴎外.
const FALLBACKS: ReadonlyArray<readonly [string, string]> = [
  ['\u{20BB7}', '吉'],
  ['\u{20B9F}', '叱'],
  ['剝', '剥'],
  ['頰', '頬'],
  ['鷗', '鴎'],
  ['繫', '繋'],
  ['蠟', '蝋'],
  ['俠', '侠'],
  ['搔', '掻'],
  ['摑', '掴'],
  ['禱', '祷'],
  ['醬', '醤'],
  ['瘦', '痩'],
  ['麴', '麹'],
  ['潑', '溌'],
  ['焰', '焔'],
  ['啞', '唖'],
  ['嚙', '噛'],
  ['屛', '屏'],
  ['倂', '併'],
  ['瀆', '涜'],
  ['蔣', '蒋'],
  ['鹼', '鹸'],
  ['簞', '箪'],
  ['塡', '填'],
  ['蟬', '蝉'],
  ['驒', '騨'],
  ['顚', '顛'],
  ['囊', '嚢'],
  ['ゔ', 'ヴ'], // hiragana VU exists only in JIS X 0213
  ['\u00B7', '・'], // MIDDLE DOT (as in transliterated names)
  ['\u2011', '-'], // NON-BREAKING HYPHEN
  ['\u2012', '-'], // FIGURE DASH
  ['\u2013', '-'], // EN DASH (page and year ranges)
  ['\u00A9', '(C)'],
  ['\u00AE', '(R)'],
  ['\u2122', 'TM'],
  // Latin letters that carry no combining mark, so the NFD rule below cannot reduce them.
  ['ß', 'ss'],
  ['æ', 'ae'],
  ['Æ', 'AE'],
  ['œ', 'oe'],
  ['Œ', 'OE'],
  ['ø', 'o'],
  ['Ø', 'O'],
  ['ł', 'l'],
  ['Ł', 'L'],
  ['đ', 'd'],
  ['Đ', 'D'],
  ['ı', 'i'],
  ['þ', 'th'],
  ['Þ', 'Th'],
]

/** The readable stand-ins applied before encoding (exported so tests can audit the table). */
export const KEITAI_FALLBACKS: ReadonlyMap<string, string> = new Map(FALLBACKS)

const REPLACEMENTS: ReadonlyMap<string, string> = new Map([...VARIANTS, ...FALLBACKS])

let encodable: Uint8Array | undefined

/**
 * A 64K bitmap of the code points CP932 can carry: everything the Shift_JIS decoder yields for a
 * single byte or a double-byte pair that iconv-lite then encodes back to the same character.
 * All of them are in the BMP, so a surrogate code unit is never marked encodable.
 */
function encodableBitmap(): Uint8Array {
  if (encodable) return encodable
  const bitmap = new Uint8Array(0x10000)
  const decoder = new TextDecoder('shift_jis')
  const consider = (bytes: number[]): void => {
    const ch = decoder.decode(Uint8Array.from(bytes))
    if (ch.length !== 1 || ch === '\uFFFD') return
    if (iconv.decode(iconv.encode(ch, 'Shift_JIS'), 'Shift_JIS') === ch) {
      bitmap[ch.charCodeAt(0)] = 1
    }
  }
  for (let b = 0; b <= 0xff; b++) consider([b])
  for (let lead = 0x81; lead <= 0xfc; lead++) {
    if (lead >= 0xa0 && lead <= 0xdf) continue // single-byte half-width katakana
    // F0–F9 is the user-defined area: private-use code points, i.e. carrier emoji, never text.
    if (lead >= 0xf0 && lead <= 0xf9) continue
    for (let trail = 0x40; trail <= 0xfc; trail++) {
      if (trail !== 0x7f) consider([lead, trail])
    }
  }
  encodable = bitmap
  return bitmap
}

function isAllEncodable(s: string, bitmap: Uint8Array): boolean {
  for (let i = 0; i < s.length; i++) {
    if (bitmap[s.charCodeAt(i)] !== 1) return false
  }
  return true
}

// Controls other than TAB, LF and CR: C0, DEL and C1.
function isDroppedControl(cp: number): boolean {
  return (cp < 0x20 && cp !== 0x09 && cp !== 0x0a && cp !== 0x0d) || (cp >= 0x7f && cp <= 0x9f)
}

// Invisible characters: format controls (ZWJ, ZWSP, soft hyphen, bidi marks, emoji tags) and
// variation selectors (emoji presentation, ideographic variation sequences).
const INVISIBLE = /[\p{Cf}\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/gu
const COMBINING_MARK = /\p{M}/gu
const SPACE = /^\p{Zs}$/u

/** Best CP932 rendering of one grapheme cluster that is not encodable as it stands. */
function degrade(cluster: string, bitmap: Uint8Array): string {
  // 葛 + an ideographic variation selector, ♂ + U+FE0F, あ + a stray ZWJ: keep the visible part.
  const visible = cluster.replace(INVISIBLE, '')
  if (visible === '') return ''
  if (isAllEncodable(visible, bitmap)) return visible
  if (SPACE.test(visible)) return ' '
  // é → e, ñ → n, か + U+309A → か, 1 + U+20E3 (keycap) → 1.
  const bare = visible.normalize('NFD').replace(COMBINING_MARK, '').normalize('NFC')
  if (bare === '') return ''
  if (isAllEncodable(bare, bitmap)) return bare
  // One geta per cluster, so a ZWJ family or a flag is one 〓 rather than several.
  return GETA
}

/**
 * Rewrites a string so that every character survives CP932: NFC, CP932's spelling of the JIS
 * variant code points, readable stand-ins for common non-CP932 characters, Latin diacritics
 * dropped, and 〓 for whatever is left (emoji, rare kanji, private use, lone surrogates). Control
 * characters other than TAB, LF and CR are removed.
 */
export function toKeitaiText(s: string): string {
  const bitmap = encodableBitmap()
  let mapped = ''
  // NFC first: decomposed kana (カ + U+3099) would otherwise become カ plus a lost mark.
  for (const ch of s.normalize('NFC')) {
    if (isDroppedControl(ch.codePointAt(0) ?? 0)) continue
    mapped += REPLACEMENTS.get(ch) ?? ch
  }
  // Nearly all text is plain Japanese: copy encodable stretches, and run the segmenter only
  // from the start of the cluster holding an unencodable character.
  let out = ''
  let pos = 0 // always on a cluster boundary
  while (pos < mapped.length) {
    const bad = firstUnencodable(mapped, pos, bitmap)
    if (bad < 0) return out + mapped.slice(pos)
    // q + U+0303 or ♂ + U+FE0F: the cluster can begin on encodable characters before `bad`.
    let start = bad - 1
    while (start > pos && !isClusterStartInCp932(mapped, start)) start--
    if (start < pos) start = pos
    out += mapped.slice(pos, start)
    for (const cluster of clustersFrom(mapped, start)) {
      out += isAllEncodable(cluster, bitmap) ? cluster : degrade(cluster, bitmap)
      start += cluster.length
    }
    pos = start
  }
  return out
}

function firstUnencodable(s: string, from: number, bitmap: Uint8Array): number {
  for (let i = from; i < s.length; i++) {
    if (bitmap[s.charCodeAt(i)] !== 1) return i
  }
  return -1
}

// Between two CP932 characters a grapheme cluster boundary falls everywhere except inside CR LF
// and before the half-width sound marks ﾞ and ﾟ (Grapheme_Cluster_Break=Extend); the unit tests
// check this claim against every encodable character.
function isClusterStartInCp932(s: string, i: number): boolean {
  const c = s.charCodeAt(i)
  if (c === 0xff9e || c === 0xff9f) return false
  return !(c === 0x0a && s.charCodeAt(i - 1) === 0x0d)
}

const segmenter = new Intl.Segmenter('ja', { granularity: 'grapheme' })
const SEGMENT_WINDOW = 256

/**
 * The grapheme clusters of one short window of `s` starting at the cluster boundary `from`.
 * Windowed because V8's segment iterator (Node 20) is quadratic in the input length, ~0.5 s for
 * 32K characters. The last cluster may run on past the window, so it is left for the next call
 * (boundary rules only look back within a cluster, so the others are exact); a lone cluster
 * longer than the window (zalgo text) is simply cut there.
 */
function clustersFrom(s: string, from: number): string[] {
  const end = Math.min(s.length, from + SEGMENT_WINDOW)
  const clusters = Array.from(segmenter.segment(s.slice(from, end)), (x) => x.segment)
  if (end < s.length && clusters.length > 1) clusters.pop()
  return clusters
}

/** CP932 bytes for a keitai page or URL; never contains a '?' that was not in the input. */
export function encodeKeitai(s: string): Buffer {
  return iconv.encode(toKeitaiText(s), 'Shift_JIS')
}

const sjisDecoder = new TextDecoder('shift_jis', { fatal: true })
const utf8Decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * Decodes bytes posted from a Shift_JIS page, then {@link cleanInput}. Carrier emoji (the
 * user-defined area) decode to private-use characters and are removed by the clean-up.
 * @throws InvalidEncodingError on any malformed or unmapped byte sequence.
 */
export function decodeKeitai(bytes: Uint8Array): string {
  let text: string
  try {
    text = sjisDecoder.decode(bytes)
  } catch (cause) {
    throw new InvalidEncodingError('shift_jis', { cause })
  }
  return cleanInput(text)
}

/**
 * Decodes bytes posted from a UTF-8 page, then {@link cleanInput}. A leading BOM is dropped.
 * @throws InvalidEncodingError on malformed UTF-8 (including encoded surrogates).
 */
export function decodeUtf8(bytes: Uint8Array): string {
  let text: string
  try {
    text = utf8Decoder.decode(bytes)
  } catch (cause) {
    throw new InvalidEncodingError('utf-8', { cause })
  }
  return cleanInput(text)
}

const PICTOGRAPH = /\p{Extended_Pictographic}/u

/** Whether a code point may not appear in user input (one code point, as `for…of` yields). */
function isInputJunk(ch: string): boolean {
  const cp = ch.codePointAt(0) ?? 0
  if (cp < 0x20) return cp !== 0x09 && cp !== 0x0a // CR is already gone
  if (cp >= 0x7f && cp <= 0x9f) return true // DEL, C1 (Node's decoder never yields U+0080)
  if (cp >= 0xd800 && cp <= 0xdfff) return true // a lone surrogate the caller produced
  if (cp >= 0xe000 && cp <= 0xf8ff) return true // private use, incl. decoded carrier emoji
  if (cp >= 0xf0000) return true // supplementary private-use planes 15 and 16
  if (cp >= 0x1f1e6 && cp <= 0x1f1ff) return true // regional indicators (flags)
  if (cp >= 0x1f3fb && cp <= 0x1f3ff) return true // skin-tone modifiers
  if (cp >= 0xe0020 && cp <= 0xe007f) return true // tag characters (subdivision flags)
  switch (cp) {
    case 0x200d: // ZERO WIDTH JOINER
    case 0x20e3: // COMBINING ENCLOSING KEYCAP: 1 + U+FE0F + U+20E3 is left as plain 1
    case 0xfe0e: // text / emoji presentation selectors
    case 0xfe0f:
    case 0xfffd: // what a lenient decoder left behind
      return true
  }
  // ♂ and ♀ are ordinary JIS X 0208 symbols (CP932 81 89 / 81 8A) that Unicode also counts as
  // pictographic; keep them.
  return cp !== 0x2640 && cp !== 0x2642 && PICTOGRAPH.test(ch)
}

/**
 * Normalises decoded user input: CRLF and CR → LF; removes controls other than TAB and LF,
 * private-use characters, emoji and their joiners/modifiers, U+FFFD and lone surrogates; NFC.
 */
export function cleanInput(s: string): string {
  let out = ''
  for (const ch of s.replace(/\r\n?/g, '\n')) {
    if (!isInputJunk(ch)) out += ch
  }
  return out.normalize('NFC')
}
