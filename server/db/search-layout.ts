// The layout of the folded search columns of `record`, defined here once: the order of the
// eight parts that search_text joins (search_layout stores their lengths), the separator
// between parts, which parts each field key frames and how long the keys are, and
// SEARCH_VERSION, the version of all of it together with the normaliser that folds the parts
// (services/search/fold.ts). The columns are computed by services/search/search-fields.ts,
// matched by SQL in search-repository.ts and placed by the index (services/search/), so all
// three read their format from here. The key lengths are those of the columns in
// sql/0022_alter_record_add_search_fields.sql.
import { sql } from 'kysely'

/**
 * Bump with every change to fold() or to the layout below: rows of an older version are
 * recomputed at start-up (refreshSearchFields) and the indexes rebuilt. A unit test notices a
 * changed fold() that forgot to.
 */
export const SEARCH_VERSION = 8

/** Separates the parts of search_text and of a key, so a word cannot match across two. */
export const KEY_SEPARATOR = '\u0001'

/** The record fields search_text is made of, in their order there (and in search_layout). */
export const SEARCH_PARTS = [
  'title',
  'title_reading',
  'subtitle',
  'series_title',
  'author',
  'author_reading',
  'publisher',
  'subjects',
] as const

/**
 * The field keys of the detailed search: parts [from, to) of SEARCH_PARTS, framed by
 * separators (\u0001title\u0001reading\u0001…) and cut at maxLength characters.
 */
export const KEY_GROUPS = {
  title: { column: 'title_key', from: 0, to: 4, maxLength: 1200 },
  /** The title proper and its reading: 前方一致・完全一致 on the title (sql/0061). */
  titleProper: { column: 'title_proper_key', from: 0, to: 2, maxLength: 600 },
  author: { column: 'author_key', from: 4, to: 6, maxLength: 1000 },
  publisher: { column: 'publisher_key', from: 6, to: 7, maxLength: 255 },
  /** The subject headings (件名), folded as one part: a word must lie within them. */
  subject: { column: 'subject_key', from: 7, to: 8, maxLength: 500 },
} as const

export type KeyGroup = keyof typeof KEY_GROUPS

/** subject_key's length (KEY_GROUPS.subject). */
export const SUBJECT_KEY_MAX_LENGTH = KEY_GROUPS.subject.maxLength

/** sort_title and sort_author (50音 sort keys) are cut at this many characters. */
export const SORT_KEY_MAX_LENGTH = 255

/** The fields of a record its search columns are computed from. */
export interface SearchableRecord {
  title: string
  title_reading: string
  subtitle: string
  series_title: string
  author: string
  author_reading: string
  publisher: string
  subjects: string
}

/** The search columns of a record. */
export interface SearchFields {
  search_text: string
  title_key: string
  title_proper_key: string
  author_key: string
  publisher_key: string
  subject_key: string
  sort_title: string
  sort_author: string
  /** Loose keys of the title and author readings (services/search/loose-reading.ts). */
  reading_key: string
  author_reading_key: string
  /** The lengths (in code points) of the eight folded parts, comma-separated. */
  search_layout: string
  search_version: number
}

/**
 * The folded title reading a title-ranked search compares with, or '' (SQL over `record` as
 * `alias`): sort_title when the record has a reading and sort_title holds all of it (it is cut
 * at SORT_KEY_MAX_LENGTH). Then it is also the second part of search_text. The index and the
 * LIKE scan both rank by it.
 */
export const rankedReading = (alias: 'r' | 'record') =>
  sql<string>`CASE WHEN ${sql.ref(`${alias}.title_reading`)} <> ''
    AND CHAR_LENGTH(${sql.ref(`${alias}.sort_title`)}) BETWEEN 1 AND ${sql.lit(SORT_KEY_MAX_LENGTH - 1)}
    THEN ${sql.ref(`${alias}.sort_title`)} ELSE '' END`

/**
 * The relevance ranking (適合順) of the catalogue search, shared by the SQL search and the index
 * so that both order alike: each record scores the first of these that it meets, plus its
 * popularity (record.popularity, 0 … ~500: 100 × ln(1 + 2 × copies + loans and holds of
 * the last year)); higher first, then newest first (no year last), then by id. `rank` is the whole
 * free query folded (or the title field's text), `words` the free query's words.
 *  - exactTitle: the title, or (for 2+ characters) its reading, is `rank`;
 *  - titlePrefix: … starts with `rank`;
 *  - authorExact: (2+ characters) an author field or its reading is `rank` (author_key);
 *  - allInTitle: every word is in the title group (title_key) — a known item by its title;
 *  - allInAuthor: every word is in the author group (author_key) — a known item by its author;
 *  - titleAndAuthor: (2+ words) every word is in the title or the author group — a known item
 *    by title and author words (こころ 漱石).
 * When `rank` names an author (some matched record's author field or its reading is `rank`),
 * a patron typing it wants that author's works: exact titles and title prefixes then score
 * below authorExact (aboutAuthorExact, aboutAuthorPrefix), so 芥川竜之介 opens with 羅生門
 * and the books titled 芥川竜之介 or 芥川竜之介の世界 follow as popularity places them.
 * The gaps are such that popularity reorders neighbours (a much-borrowed work of the author
 * above a little-read book whose title starts with the author's name) but never an exact
 * title below a prefix.
 */
export const RELEVANCE = {
  exactTitle: 1000,
  titlePrefix: 650,
  authorExact: 600,
  aboutAuthorExact: 550,
  aboutAuthorPrefix: 500,
  allInTitle: 400,
  allInAuthor: 300,
  titleAndAuthor: 200,
} as const
