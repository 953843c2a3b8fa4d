// The one normalisation used for the search index and for queries: NFKC (full-width
// letters and digits, half-width katakana), lower case, katakana → hiragana, and no
// spaces. The catalogue-search issue extends it (long vowels, small kana, dakuten …);
// records are re-folded from their fields, so the stored search_text follows it.

const KATAKANA = /[\u30a1-\u30f6]/g

export function fold(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(KATAKANA, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0x60))
    .replace(/[\s\u3000]+/g, '')
}

/** Splits a query into folded words (ANDed), dropping empties. */
export function foldWords(query: string): string[] {
  return query
    .normalize('NFKC')
    .split(/[\s\u3000]+/)
    .map(fold)
    .filter((w) => w.length > 0)
}

/** The folded text a record is found by. */
export function recordSearchText(r: {
  title: string
  title_reading?: string
  subtitle?: string
  series_title?: string
  author?: string
  author_reading?: string
  publisher?: string
}): string {
  return [
    r.title,
    r.title_reading,
    r.subtitle,
    r.series_title,
    r.author,
    r.author_reading,
    r.publisher,
  ]
    .filter((s): s is string => Boolean(s))
    .map(fold)
    .join('\u0001')
}
