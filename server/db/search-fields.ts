// The folded columns a record is searched and sorted by, all derived from its fields with the
// search normaliser. They carry search_version: when the normaliser changes, SEARCH_VERSION
// goes up (a unit test notices a changed fold() that forgot to) and refreshSearchFields()
// recomputes the stale rows, at start-up and after a load.
import { sql } from 'kysely'
import type { Db } from './database.ts'
import { codePointLength, fold, searchParts } from '../services/search/fold.ts'

/** Bump with every change to fold() or to the fields below. */
export const SEARCH_VERSION = 3

/** Separates the parts of a key, so a word cannot match across two fields. */
export const KEY_SEPARATOR = '\u0001'

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

export interface SearchFields {
  search_text: string
  title_key: string
  author_key: string
  publisher_key: string
  subject_key: string
  sort_title: string
  sort_author: string
  search_layout: string
  search_version: number
}

/** Parts already folded, framed by separators: \u0001title\u0001reading\u0001 … */
function frame(parts: string[], max: number): string {
  const inner = parts.filter(Boolean).join(KEY_SEPARATOR)
  return inner ? `${KEY_SEPARATOR}${inner}${KEY_SEPARATOR}`.slice(0, max) : ''
}

export function searchFields(r: SearchableRecord): SearchFields {
  const parts = searchParts(r)
  const [title = '', reading = '', subtitle = '', series = ''] = parts
  const [author = '', authorReading = '', publisher = ''] = parts.slice(4)
  return {
    search_text: parts.filter(Boolean).join(KEY_SEPARATOR),
    title_key: frame([title, reading, subtitle, series], 1200),
    author_key: frame([author, authorReading], 1000),
    publisher_key: frame([publisher], 255),
    subject_key: frame(r.subjects.split(/[;；／/]/).map(fold), 500),
    sort_title: (r.title_reading ? reading : title).slice(0, 255),
    sort_author: (r.author_reading ? authorReading : author).slice(0, 255),
    search_layout: parts.map(codePointLength).join(','),
    search_version: SEARCH_VERSION,
  }
}

/** Recomputes the search fields of records made by an older normaliser; returns how many. */
export async function refreshSearchFields(
  db: Db,
  options: { batch?: number; log?: (msg: string) => void } = {},
): Promise<number> {
  const batch = options.batch ?? 2000
  let done = 0
  for (;;) {
    const rows = await db
      .selectFrom('record')
      .select([
        'id',
        'title',
        'title_reading',
        'subtitle',
        'series_title',
        'author',
        'author_reading',
        'publisher',
        'subjects',
      ])
      .where('search_version', '<', SEARCH_VERSION)
      .orderBy('search_version')
      .limit(batch)
      .execute()
    if (rows.length === 0) break
    // One multi-row statement per batch: a CASE per column keyed by id.
    const fields = rows.map((r) => ({ id: r.id, ...searchFields(r) }))
    const column = (name: keyof SearchFields) =>
      sql`CASE id ${sql.join(
        fields.map((f) => sql`WHEN ${f.id} THEN ${f[name]}`),
        sql` `,
      )} END`
    await sql`UPDATE record SET
        search_text = ${column('search_text')},
        title_key = ${column('title_key')},
        author_key = ${column('author_key')},
        publisher_key = ${column('publisher_key')},
        subject_key = ${column('subject_key')},
        sort_title = ${column('sort_title')},
        sort_author = ${column('sort_author')},
        search_layout = ${column('search_layout')},
        search_version = ${SEARCH_VERSION}
      WHERE id IN (${sql.join(fields.map((f) => f.id))})`.execute(db)
    done += rows.length
    if (done % 20_000 < batch) options.log?.(`search fields: ${done} records refreshed`)
  }
  return done
}
