// Readings compared loosely, for the search's fallback when a kana query finds nothing
// (ぼちゃん for 坊っちゃん, らしょもん for 羅生門, ぎんがてつどのよる for 銀河鉄道の夜): a
// patron who types a reading by ear drops the small っ and the lengthening of a vowel. The
// loose key of a folded reading (fold.ts has made it hiragana, small kana large, ー the vowel
// it lengthens) leaves out
//  - つ before a kana of the か, さ, た and ぱ rows (a folded っ: ぼつちやん → ぼちやん);
//  - a vowel that lengthens the one before it: the same vowel (ああ, ねえ, おお …), う after an
//    o (どう, しよう, こう) and い after an e (せい, けい).
// Records keep the loose keys of their title reading (or of a title written in kana) and of
// their author reading (or an author written in kana) in reading_key and author_reading_key
// (sql/0091, search-fields.ts); the search service looks a query's key up as a prefix of them.

const ROWS: Record<string, string> = {
  a: 'あかがさざただなはばぱまやらわ',
  i: 'いきぎしじちぢにひびぴみりゐ',
  u: 'うくぐすずつづぬふぶぷむゆるゔ',
  e: 'えけげせぜてでねへべぺめれゑ',
  o: 'おこごそぞとどのほぼぽもよろを',
}
const VOWEL_OF = new Map<string, string>()
for (const [vowel, kana] of Object.entries(ROWS)) for (const k of kana) VOWEL_OF.set(k, vowel)
const VOWEL_KANA = new Map([
  ['あ', 'a'],
  ['い', 'i'],
  ['う', 'u'],
  ['え', 'e'],
  ['お', 'o'],
])
/** Kana that a small っ doubles the consonant of (as folded: っ is つ). */
const GEMINATED = new Set('かきくけこさしすせそたちつてとぱぴぷぺぽ')
const KANA_ONLY = /^[\u3041-\u3096]+$/u

/** Longest key kept (the columns' length). */
export const READING_KEY_MAX_LENGTH = 255

/** The loose key of a folded text, or '' when it is not all hiragana (a folded reading). */
export function looseReading(folded: string): string {
  if (!KANA_ONLY.test(folded)) return ''
  const chars = Array.from(folded)
  let out = ''
  let lastVowel = ''
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] ?? ''
    if (c === 'つ' && GEMINATED.has(chars[i + 1] ?? '')) continue
    const vowel = VOWEL_KANA.get(c)
    if (
      vowel !== undefined &&
      (vowel === lastVowel ||
        (vowel === 'u' && lastVowel === 'o') ||
        (vowel === 'i' && lastVowel === 'e'))
    ) {
      continue
    }
    out += c
    lastVowel = vowel ?? VOWEL_OF.get(c) ?? ''
  }
  return Array.from(out).slice(0, READING_KEY_MAX_LENGTH).join('')
}
