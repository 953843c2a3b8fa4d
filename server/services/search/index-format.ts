// The stored format of the catalogue search index (see search-engine.ts for the whole): the
// kinds of lists and their keys in search_posting, the format number, the ranking key that
// numbers the documents, how a year and a missing layout are coded, the field groups as the
// index places field words in them (from the search columns' layout, db/search-layout.ts),
// and the material types' numbers. Build and query read these from here only.
import { MATERIAL_TYPES } from '../../db/schema.ts'
import { KEY_GROUPS, KEY_SEPARATOR, SEARCH_PARTS, SEARCH_VERSION } from '../../db/search-layout.ts'

// Kinds of lists (the first byte of search_posting.gkey).
export const UNI = 0x75 // 'u' one character
export const BI = 0x62 // 'b' two characters, positional
export const FIRST = 0x66 // 'f' first character of the title
export const TITLE2 = 0x74 // 't' first two characters of the title
export const NDC = 0x6e // 'n' NDC prefix
export const READ2 = 0x72 // 'r' first two characters of the title reading (when ranked by it)
export const TITLE_CHAR = 0x54 // 'T' one character within the title group (title_key)
export const AUTHOR_CHAR = 0x41 // 'A' one character within the author group (author_key)
export const PUBLISHER_CHAR = 0x50 // 'P' one character within the publisher (publisher_key)
export const PART_FIRST = 0x53 // 'S' first character of a part of the title group
export const PROPER_FIRST = 0x70 // 'p' first character of the title proper or its reading
export const TITLE_ONE = 0x45 // 'E' a part of the title group that is this one character
export const PROPER_ONE = 0x65 // 'e' a title proper or reading that is this one character
export const SUBJECT_CHAR = 0x4a // 'J' one character within the subject headings (subject_key)
export const DOCS = 0x44 // 'D' document table
export const HEADER = 0x48 // 'H' format, segment size, document count

/** Bump when what the index stores changes: an index of another format is rebuilt. */
const INDEX_LAYOUT = 8
/**
 * The format an index is stamped with: its layout and the normaliser's version (SEARCH_VERSION),
 * so that an index of texts folded another way is rebuilt too.
 */
export const FORMAT = INDEX_LAYOUT * 1000 + SEARCH_VERSION
export const DEFAULT_SEGMENT_SIZE = 1 << 17
/** The part separator of search_text, as a code point. */
export const SEP = KEY_SEPARATOR.codePointAt(0) ?? 1
export const NULL_YEAR = -2147483648
export const TWO32 = 4294967296
export const MAX_POSITIONS = 65535
/** search_layout missing or malformed: field searches cannot place matches in this record. */
export const UNKNOWN_LAYOUT = 65535
/** The folded parts whose lengths search_layout gives (and the document table keeps). */
export const LAYOUT_PARTS = SEARCH_PARTS.length

/**
 * The field groups of the detailed search: the parts of the layout each key frames, the key's
 * length, and the index's lists of a one-character word: the characters within the group
 * (部分一致) and, for the title groups, the first characters of their parts (前方一致) and the
 * parts that are one character (完全一致).
 */
export const GROUPS = {
  title: {
    from: KEY_GROUPS.title.from,
    to: KEY_GROUPS.title.to,
    keyMax: KEY_GROUPS.title.maxLength,
    kind: TITLE_CHAR,
    firstKind: PART_FIRST,
    oneKind: TITLE_ONE,
  },
  titleProper: {
    from: KEY_GROUPS.titleProper.from,
    to: KEY_GROUPS.titleProper.to,
    keyMax: KEY_GROUPS.titleProper.maxLength,
    kind: TITLE_CHAR, // 部分一致 is on the whole title group
    firstKind: PROPER_FIRST,
    oneKind: PROPER_ONE,
  },
  author: {
    from: KEY_GROUPS.author.from,
    to: KEY_GROUPS.author.to,
    keyMax: KEY_GROUPS.author.maxLength,
    kind: AUTHOR_CHAR,
  },
  publisher: {
    from: KEY_GROUPS.publisher.from,
    to: KEY_GROUPS.publisher.to,
    keyMax: KEY_GROUPS.publisher.maxLength,
    kind: PUBLISHER_CHAR,
  },
  subject: {
    from: KEY_GROUPS.subject.from,
    to: KEY_GROUPS.subject.to,
    keyMax: KEY_GROUPS.subject.maxLength,
    kind: SUBJECT_CHAR,
  },
} as const

/** The header row of a generation (kind HEADER). */
export interface IndexHeader {
  format: number
  segmentSize: number
  docs: number
  /** Material type by number. */
  materials: string[]
}

export function gkey(kind: number, text: string): Buffer {
  const body = Buffer.from(text, 'utf8')
  const key = Buffer.allocUnsafe(body.length + 1)
  key[0] = kind
  body.copy(key, 1)
  return key
}

/** Ranking key: newest year first, no year last, then id (smaller is earlier). */
export function rankKey(id: number, year: number | null): number {
  return (year === null ? 99_999 : 40_000 - year) * TWO32 + id
}

export const zigzag = (v: number) => (v >= 0 ? v * 2 : -v * 2 - 1)
export const unzigzag = (v: number) => (v % 2 === 0 ? v / 2 : -(v + 1) / 2)

/** Material types numbered as in the index's header (the numbers are the index's own). */
export class MaterialNumbers {
  readonly names: string[] = [...MATERIAL_TYPES]
  private readonly numbers = new Map(this.names.map((m, i) => [m, i]))

  of(name: string): number {
    let n = this.numbers.get(name)
    if (n === undefined) {
      n = this.names.length
      if (n > 254) return 255
      this.names.push(name)
      this.numbers.set(name, n)
    }
    return n
  }
}
