// Records edited or deleted since the index was built (search_delta): each search reads the
// new delta rows with the state row, and the engine keeps per library a view of them — the
// base ordinals whose postings are stale (left out of every result) and the live records,
// which are matched from their rows here, with the same field semantics as LIKE on the keys.
import type { DeltaRow } from '../../db/search-index-repository.ts'
import { KEY_SEPARATOR } from '../../db/search-layout.ts'
import type { FieldTerms } from '../../db/search-repository.ts'
import type { DocTable } from './doc-table.ts'
import { ordLookup } from './doc-table.ts'
import { rankKey } from './index-format.ts'
import { filterDocs, lowerBound } from './postings.ts'

/** The field keys of a record (search-layout.ts KEY_GROUPS). */
export interface FieldKeys {
  title_key: string
  title_proper_key: string
  author_key: string
  publisher_key: string
  subject_key: string
}

export interface DeltaDoc {
  id: number
  text: string
  title: string
  reading: string
  keys: FieldKeys
  year: number | null
  key: number
  material: string
  ndc: string
  popularity: number
}

export interface DeltaView {
  gen: number
  seq: number
  /** record id → live document, or null when deleted. */
  entries: Map<number, { seq: number; doc: DeltaDoc | null }>
  /** Base ordinals of the delta records (their postings are stale), sorted. */
  stale: Uint32Array
  live: DeltaDoc[]
}

function toDeltaDoc(row: DeltaRow): DeltaDoc | null {
  const r = row.record
  if (!r) return null
  const sep = r.search_text.indexOf(KEY_SEPARATOR)
  return {
    id: row.recordId,
    text: r.search_text,
    title: sep < 0 ? r.search_text : r.search_text.slice(0, sep),
    reading: r.reading,
    keys: {
      title_key: r.title_key,
      title_proper_key: r.title_proper_key,
      author_key: r.author_key,
      publisher_key: r.publisher_key,
      subject_key: r.subject_key,
    },
    year: r.pub_year,
    key: rankKey(row.recordId, r.pub_year),
    material: r.material_type,
    ndc: r.ndc,
    popularity: r.popularity,
  }
}

export function applyDelta(view: DeltaView, rows: readonly DeltaRow[], table: DocTable): void {
  let changed = false
  for (const row of rows) {
    // Concurrent searches may bring the same rows, or older ones late: newest stamp wins.
    const known = view.entries.get(row.recordId)
    if (known && known.seq >= row.seq) continue
    view.entries.set(row.recordId, { seq: row.seq, doc: toDeltaDoc(row) })
    changed = true
  }
  if (!changed) return
  const ordOf = ordLookup(table)
  const stale: number[] = []
  const live: DeltaDoc[] = []
  for (const [id, { doc }] of view.entries) {
    const ord = ordOf(id)
    if (ord >= 0) stale.push(ord)
    if (doc) live.push(doc)
  }
  view.stale = Uint32Array.from(stale).sort()
  view.live = live.sort((a, b) => a.key - b.key)
}

/** The same test as the field keys' LIKE conditions (search-repository.ts), on one record. */
export function fieldsMatch(fields: FieldTerms, keys: FieldKeys): boolean {
  const S = KEY_SEPARATOR
  if (fields.title) {
    const { words, mode, subtitles } = fields.title
    const text = words.join('')
    const key = subtitles ? keys.title_key : keys.title_proper_key
    const ok =
      mode === 'contains' || text === ''
        ? words.every((w) => keys.title_key.includes(w))
        : key.includes(mode === 'exact' ? `${S}${text}${S}` : `${S}${text}`)
    if (!ok) return false
  }
  return (
    (fields.author ?? []).every((w) => keys.author_key.includes(w)) &&
    (fields.publisher ?? []).every((w) => keys.publisher_key.includes(w)) &&
    (fields.subject ?? []).every((w) => keys.subject_key.includes(w))
  )
}

export function withoutStale(docs: Uint32Array, stale: Uint32Array): Uint32Array {
  if (stale.length === 0 || docs.length === 0) return docs
  let hit = false
  for (let i = 0; i < stale.length && !hit; i++) {
    const s = stale[i] ?? 0
    const at = lowerBound(docs, s)
    hit = docs[at] === s
  }
  if (!hit) return docs
  const staleSet = new Set(stale)
  return filterDocs(docs, (o) => !staleSet.has(o))
}
