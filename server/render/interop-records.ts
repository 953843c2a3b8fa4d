// A catalogue record as the library world exchanges it: simple Dublin Core (SRU's
// info:srw/schema/1/dc-v1.1 and OAI-PMH's oai_dc share the elements, not the wrapper) and
// MARC 21 in MARCXML (the fields a municipal catalogue has: ISBN, NDC, author, title,
// publication, extent, series, note, subjects, holdings by branch, the record's page).
import type { InteropRecord } from '../db/interop-repository.ts'
import type { MaterialType } from '../db/schema.ts'
import { MATERIAL_TYPE_LABELS } from './labels.ts'

/** Text (or attribute value) as XML 1.0: escaped, characters XML cannot carry dropped. */
export function xmlText(text: string): string {
  return text
    .replace(
      // eslint-disable-next-line no-control-regex
      /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      '',
    )
    .replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

export const DC_NS = 'http://purl.org/dc/elements/1.1/'
export const MARC_NS = 'http://www.loc.gov/MARC21/slim'

/** Subject headings as stored (one string, headings separated by ; or ；). */
function subjectHeadings(subjects: string): string[] {
  return subjects
    .split(/[;；]/)
    .map((s) => s.trim())
    .filter(Boolean)
}

function fullTitle(r: InteropRecord): string {
  return r.subtitle ? `${r.title} : ${r.subtitle}` : r.title
}

/** The Dublin Core elements of a record (without a wrapper), one per line. */
export function dcElements(r: InteropRecord, recordUrl: string): string {
  const out: string[] = []
  const el = (name: string, value: string | null | undefined) => {
    if (value) out.push(`<dc:${name}>${xmlText(value)}</dc:${name}>`)
  }
  el('title', fullTitle(r))
  el('creator', r.author)
  for (const s of subjectHeadings(r.subjects)) el('subject', s)
  if (r.ndc) el('subject', `NDC10:${r.ndc}`)
  el('description', r.note)
  el('publisher', r.publisher)
  el('date', r.pub_year === null ? null : String(r.pub_year))
  el('type', MATERIAL_TYPE_LABELS[r.material_type])
  el('format', r.extent)
  el('identifier', recordUrl)
  el('identifier', r.isbn ? `urn:isbn:${r.isbn}` : null)
  el('relation', r.series_title)
  return out.join('\n')
}

/** MARC leader type of record (06) and bibliographic level (07) of a material type. */
const LEADER_TYPE: Record<MaterialType, string> = {
  book: 'am',
  magazine: 'as',
  kamishibai: 'km',
  cd: 'jm',
  dvd: 'gm',
  video: 'gm',
  cassette: 'jm',
}

interface Subfield {
  code: string
  value: string
}

/** One MARCXML record, with the namespace declared on it when `declare` (its own document). */
export function marcRecord(
  r: InteropRecord,
  recordUrl: string,
  library: { name: string; branches: readonly { code: string; name: string }[] },
): string {
  const out: string[] = []
  const control = (tag: string, value: string) =>
    out.push(`<marc:controlfield tag="${tag}">${xmlText(value)}</marc:controlfield>`)
  const data = (tag: string, ind: string, subfields: Subfield[]) => {
    const present = subfields.filter((s) => s.value)
    if (present.length === 0) return
    const subs = present
      .map((s) => `<marc:subfield code="${s.code}">${xmlText(s.value)}</marc:subfield>`)
      .join('')
    out.push(
      `<marc:datafield tag="${tag}" ind1="${ind[0]}" ind2="${ind[1]}">${subs}</marc:datafield>`,
    )
  }
  const stamp = r.updated_at.replace(/\D/g, '').slice(0, 14)
  const year = r.pub_year === null ? null : String(r.pub_year).padStart(4, '0')
  control('001', String(r.id))
  control('005', `${stamp}.0`)
  // 008: entered (YYMMDD), single date or none, Japan, Japanese
  const f008 = `${stamp.slice(2, 8)}${year ? `s${year}` : 'nuuuu'}    ja ${' '.repeat(17)}jpn d`
  control('008', f008)
  data('020', '  ', [{ code: 'a', value: r.isbn ?? '' }])
  data('084', '  ', [
    { code: 'a', value: r.ndc },
    { code: '2', value: r.ndc ? 'njb/10' : '' },
  ])
  data('100', '1 ', [{ code: 'a', value: r.author }])
  data('245', r.author ? '10' : '00', [
    { code: 'a', value: r.title },
    { code: 'b', value: r.subtitle },
    { code: 'c', value: r.author },
  ])
  data('246', '3 ', [{ code: 'a', value: r.title_reading }])
  data('264', ' 1', [
    { code: 'b', value: r.publisher },
    { code: 'c', value: year ?? '' },
  ])
  data('300', '  ', [{ code: 'a', value: r.extent }])
  data('490', '0 ', [{ code: 'a', value: r.series_title }])
  data('500', '  ', [{ code: 'a', value: r.note }])
  for (const s of subjectHeadings(r.subjects)) data('650', ' 4', [{ code: 'a', value: s }])
  for (const code of r.branches) {
    const branch = library.branches.find((b) => b.code === code)
    data('852', '  ', [
      { code: 'a', value: library.name },
      { code: 'b', value: branch?.name ?? code },
    ])
  }
  data('856', '40', [{ code: 'u', value: recordUrl }])
  const leader = `00000n${LEADER_TYPE[r.material_type]} a2200000 u 4500`
  return `<marc:record xmlns:marc="${MARC_NS}">\n<marc:leader>${leader}</marc:leader>\n${out.join('\n')}\n</marc:record>`
}
