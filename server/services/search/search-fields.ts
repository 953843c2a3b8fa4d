// The search columns of a record (search-layout.ts), computed from its fields with the search
// normaliser: the folded text the catalogue search matches, the field keys of the detailed
// search, the 50音 sort keys and the parts' lengths. Record writes receive them from here
// (record-repository's update takes searchFields as its derivation, the demo loader and the
// bench spread them into their inserts); refreshSearchFields() recomputes the rows an older
// SEARCH_VERSION made, at start-up and after a load.
import {
  KEY_GROUPS,
  KEY_SEPARATOR,
  SEARCH_VERSION,
  SORT_KEY_MAX_LENGTH,
} from '../../db/search-layout.ts'
import type { KeyGroup, SearchFields, SearchableRecord } from '../../db/search-layout.ts'
import type { RecordRepository } from '../../db/record-repository.ts'
import { codePointLength, searchParts } from './fold.ts'
import { looseReading } from './loose-reading.ts'

/** Parts already folded, framed by separators: \u0001title\u0001reading\u0001 … */
function frame(parts: string[], max: number): string {
  const inner = parts.filter(Boolean).join(KEY_SEPARATOR)
  return inner ? `${KEY_SEPARATOR}${inner}${KEY_SEPARATOR}`.slice(0, max) : ''
}

/** A field key: the group's parts of the layout, framed. */
const key = (parts: string[], group: KeyGroup) =>
  frame(parts.slice(KEY_GROUPS[group].from, KEY_GROUPS[group].to), KEY_GROUPS[group].maxLength)

export function searchFields(r: SearchableRecord): SearchFields {
  const parts = searchParts(r)
  const [title = '', reading = ''] = parts
  const [author = '', authorReading = ''] = parts.slice(KEY_GROUPS.author.from)
  return {
    search_text: parts.filter(Boolean).join(KEY_SEPARATOR),
    title_key: key(parts, 'title'),
    title_proper_key: key(parts, 'titleProper'),
    author_key: key(parts, 'author'),
    publisher_key: key(parts, 'publisher'),
    subject_key: key(parts, 'subject'),
    sort_title: (r.title_reading ? reading : title).slice(0, SORT_KEY_MAX_LENGTH),
    sort_author: (r.author_reading ? authorReading : author).slice(0, SORT_KEY_MAX_LENGTH),
    reading_key: looseReading(reading) || looseReading(title),
    author_reading_key: looseReading(authorReading) || looseReading(author),
    search_layout: parts.map(codePointLength).join(','),
    search_version: SEARCH_VERSION,
  }
}

/** Recomputes the search fields of records made by an older normaliser; returns how many. */
export async function refreshSearchFields(
  records: Pick<RecordRepository, 'withOldSearchFields' | 'writeSearchFields'>,
  options: { batch?: number; log?: (msg: string) => void } = {},
): Promise<number> {
  const batch = options.batch ?? 2000
  let done = 0
  for (;;) {
    const rows = await records.withOldSearchFields(SEARCH_VERSION, batch)
    if (rows.length === 0) break
    await records.writeSearchFields(rows.map((r) => ({ id: r.id, ...searchFields(r) })))
    done += rows.length
    if (done % 20_000 < batch) options.log?.(`search fields: ${done} records refreshed`)
  }
  return done
}
