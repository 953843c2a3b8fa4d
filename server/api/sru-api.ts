// SRU 1.2 (https://www.loc.gov/standards/sru/) at <library top>/sru: explain (a ZeeRex record:
// the indexes, relations, schemas and limits) and searchRetrieve (CQL, records in Dublin Core
// or MARCXML, packed as XML or as a string), with the protocol's diagnostics
// (info:srw/diagnostic/1/N) in a 200 response, as SRU clients expect. Responses follow the
// schemas in sql/reference/xsd (srw-types.xsd, diagnostic.xsd; tests validate them).
import type { InteropRecord } from '../services/interop/harvest.ts'
import type { LibraryContext } from '../services/library-service.ts'
import { dcElements, marcRecord, xmlText, DC_NS } from '../render/interop-records.ts'
import { SRU_INDEXES } from '../services/interop/sru-query.ts'
import type { SruService, SruSort } from '../services/interop/sru-service.ts'
import type { InteropParams } from './interop-params.ts'

const SRW_NS = 'http://www.loc.gov/zing/srw/'
const DIAG_NS = 'http://www.loc.gov/zing/srw/diagnostic/'
const ZEEREX_NS = 'http://explain.z3950.org/dtd/2.0/'
export const DEFAULT_RECORDS = 10
export const MAX_RECORDS = 50

/** The record schemas, by their identifier and the short names clients use. */
const SCHEMAS = {
  dc: { id: 'info:srw/schema/1/dc-v1.1', names: ['dc', 'info:srw/schema/1/dc-v1.1'] },
  marcxml: {
    id: 'info:srw/schema/1/marcxml-v1.1',
    names: [
      'marcxml',
      'marc21',
      'info:srw/schema/1/marcxml-v1.1',
      'http://www.loc.gov/marc21/slim',
    ],
  },
} as const
type SchemaName = keyof typeof SCHEMAS

/** The messages of the diagnostics this server sends (the SRU diagnostics list). */
const DIAGNOSTICS: Record<number, string> = {
  1: 'General system error',
  4: 'Unsupported operation',
  5: 'Unsupported version',
  6: 'Unsupported parameter value',
  7: 'Mandatory parameter not supplied',
  8: 'Unsupported parameter',
  10: 'Query syntax error',
  12: 'Too many characters in query',
  13: 'Invalid or unsupported use of parentheses',
  14: 'Invalid or unsupported use of quotes',
  15: 'Unsupported context set',
  16: 'Unsupported index',
  19: 'Unsupported relation',
  20: 'Unsupported relation modifier',
  22: 'Unsupported combination of relation and index',
  23: 'Too many characters in term',
  27: 'Empty term unsupported',
  28: 'Masking character not supported',
  31: 'Anchoring character not supported',
  36: 'Term in invalid format for index or relation',
  37: 'Unsupported boolean operator',
  38: 'Too many boolean operators in query',
  60: 'Result set not created: too many matching records',
  61: 'First record position out of range',
  66: 'Unknown schema for retrieval',
  71: 'Unsupported record packing',
  80: 'Sort not supported',
  84: 'Too many sort keys to sort',
  88: 'Unsupported path for sort',
  110: 'Stylesheets not supported',
}

/** Parameters of each operation (others: diagnostic 8; x- extensions are ignored). */
const KNOWN_PARAMETERS: Record<string, readonly string[]> = {
  explain: ['operation', 'version', 'recordPacking', 'stylesheet'],
  searchRetrieve: [
    'operation',
    'version',
    'query',
    'startRecord',
    'maximumRecords',
    'recordPacking',
    'recordSchema',
    'sortKeys',
    'resultSetTTL',
    'stylesheet',
  ],
}

class SruDiagnostic extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
  ) {
    super(`${code}: ${details}`)
  }
}

function diagnosticsXml(code: number, details: string): string {
  return `<srw:diagnostics><diag:diagnostic xmlns:diag="${DIAG_NS}"><diag:uri>info:srw/diagnostic/1/${code}</diag:uri><diag:details>${xmlText(details)}</diag:details><diag:message>${xmlText(DIAGNOSTICS[code] ?? 'Diagnostic')}</diag:message></diag:diagnostic></srw:diagnostics>`
}

function document(root: string, version: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<srw:${root} xmlns:srw="${SRW_NS}">\n<srw:version>${version}</srw:version>\n${body}\n</srw:${root}>\n`
}

export interface SruContext {
  lib: LibraryContext
  params: InteropParams
  /** The endpoint's absolute URL. */
  baseUrl: string
  recordUrl: (id: number) => string
}

function single(params: InteropParams, name: string): string | undefined {
  const values = params.get(name)
  if (values && values.length > 1) throw new SruDiagnostic(6, `${name} given more than once`)
  return values?.[0]
}

function positiveInteger(params: InteropParams, name: string, fallback: number, min: number) {
  const raw = single(params, name)
  if (raw === undefined || raw === '') return fallback
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < min) throw new SruDiagnostic(6, name)
  return Number(raw)
}

/** sortKeys (SRU 1.2: "path,schema,ascending,caseSensitive,missingValue"; one key). */
function sortOf(raw: string | undefined): SruSort {
  if (raw === undefined || raw.trim() === '') return 'relevance'
  const keys = raw.trim().split(/\s+/)
  if (keys.length > 1) throw new SruDiagnostic(84, 'one sort key at most')
  const [path = '', , ascending = '1'] = (keys[0] ?? '').split(',')
  const field = path.toLowerCase().replace(/^dc\./, '')
  if (field !== 'title' && field !== 'date') throw new SruDiagnostic(88, path)
  if (ascending !== '1' && ascending !== '0')
    throw new SruDiagnostic(6, `sortKeys ascending: ${ascending}`)
  const descending = ascending === '0'
  return field === 'title'
    ? descending
      ? 'title_desc'
      : 'title'
    : descending
      ? 'date_desc'
      : 'date'
}

function schemaOf(raw: string | undefined): SchemaName {
  if (raw === undefined || raw === '') return 'dc'
  const lower = raw.toLowerCase()
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    if ((schema.names as readonly string[]).includes(lower)) return name as SchemaName
  }
  throw new SruDiagnostic(66, raw)
}

function recordXml(ctx: SruContext, schema: SchemaName, r: InteropRecord): string {
  const url = ctx.recordUrl(r.id)
  if (schema === 'marcxml')
    return marcRecord(r, url, { ...ctx.lib.library, branches: ctx.lib.branches })
  return `<srw_dc:dc xmlns:srw_dc="info:srw/schema/1/dc-schema" xmlns:dc="${DC_NS}">\n${dcElements(r, url)}\n</srw_dc:dc>`
}

function explainRecord(ctx: SruContext): string {
  const url = new URL(ctx.baseUrl)
  const port = url.port || (url.protocol === 'https:' ? '443' : '80')
  const indexes = SRU_INDEXES.map((i) => {
    const [set = '', name = ''] = (i.names[0] ?? '').split('.')
    return `<index search="true" scan="false" sort="${i.index === 'title' || i.index === 'date'}"><title lang="ja">${xmlText(i.title)}</title><map><name set="${set}">${xmlText(name)}</name></map></index>`
  }).join('\n')
  const schemas = Object.entries(SCHEMAS)
    .map(
      ([name, s]) =>
        `<schema identifier="${s.id}" name="${name}" retrieve="true" sort="false"><title>${name === 'dc' ? 'Dublin Core' : 'MARCXML'}</title></schema>`,
    )
    .join('\n')
  return `<explain xmlns="${ZEEREX_NS}">
<serverInfo protocol="SRU" version="1.2" transport="${url.protocol.replace(':', '')}" method="GET POST">
<host>${xmlText(url.hostname)}</host><port>${port}</port><database>${xmlText(url.pathname.replace(/^\//, ''))}</database>
</serverInfo>
<databaseInfo><title lang="ja" primary="true">${xmlText(ctx.lib.library.name)}</title><description lang="ja">${xmlText(`${ctx.lib.library.name}の蔵書（書誌）。CQL で検索でき、Dublin Core と MARCXML で返します。`)}</description></databaseInfo>
<indexInfo>
<set name="cql" identifier="info:srw/cql-context-set/1/cql-v1.2"/>
<set name="dc" identifier="info:srw/cql-context-set/1/dc-v1.1"/>
<set name="bath" identifier="http://zing.z3950.org/cql/bath/2.0/"/>
${indexes}
</indexInfo>
<schemaInfo>
${schemas}
</schemaInfo>
<configInfo>
<default type="numberOfRecords">${DEFAULT_RECORDS}</default>
<setting type="maximumRecords">${MAX_RECORDS}</setting>
<supports type="relation">=</supports><supports type="relation">==</supports><supports type="relation">all</supports><supports type="relation">any</supports>
<supports type="relation">&lt;</supports><supports type="relation">&gt;</supports><supports type="relation">&lt;=</supports><supports type="relation">&gt;=</supports>
<supports type="booleanModifier">and</supports><supports type="booleanModifier">or</supports><supports type="booleanModifier">not</supports>
<supports type="maskingCharacter">*</supports>
<supports type="sort">title</supports><supports type="sort">date</supports>
</configInfo>
</explain>`
}

function explain(ctx: SruContext, version: string, packing: 'xml' | 'string'): string {
  const record = explainRecord(ctx)
  const data = packing === 'xml' ? record : xmlText(record)
  return document(
    'explainResponse',
    version,
    `<srw:record><srw:recordSchema>http://explain.z3950.org/dtd/2.0/</srw:recordSchema><srw:recordPacking>${packing}</srw:recordPacking><srw:recordData>${data}</srw:recordData></srw:record>`,
  )
}

function packingOf(params: InteropParams): 'xml' | 'string' {
  const raw = single(params, 'recordPacking') ?? 'xml'
  if (raw !== 'xml' && raw !== 'string') throw new SruDiagnostic(71, raw)
  return raw
}

/** The response to one SRU request: always XML, with a diagnostic when it cannot be answered. */
export async function sruResponse(ctx: SruContext, sru: SruService): Promise<string> {
  const { params } = ctx
  const operation = params.get('operation')?.[0] ?? (params.size === 0 ? 'explain' : undefined)
  const requested = params.get('version')?.[0] ?? '1.2'
  const version = requested === '1.1' ? '1.1' : '1.2'
  const root = operation === 'explain' ? 'explainResponse' : 'searchRetrieveResponse'
  const failed = (d: SruDiagnostic) =>
    document(
      root,
      version,
      `${root === 'searchRetrieveResponse' ? '<srw:numberOfRecords>0</srw:numberOfRecords>\n' : '<srw:record><srw:recordSchema>http://explain.z3950.org/dtd/2.0/</srw:recordSchema><srw:recordPacking>xml</srw:recordPacking><srw:recordData/></srw:record>\n'}${diagnosticsXml(d.code, d.details)}`,
    )
  try {
    if (requested !== '1.1' && requested !== '1.2') throw new SruDiagnostic(5, '1.2')
    if (operation === undefined) throw new SruDiagnostic(7, 'operation')
    const known = KNOWN_PARAMETERS[operation]
    if (!known) throw new SruDiagnostic(4, operation)
    for (const name of params.keys()) {
      if (!known.includes(name) && !name.startsWith('x-')) throw new SruDiagnostic(8, name)
    }
    if (single(params, 'stylesheet')) throw new SruDiagnostic(110, 'stylesheet')
    const packing = packingOf(params)
    if (operation === 'explain') return explain(ctx, version, packing)

    const query = single(params, 'query')
    if (query === undefined) throw new SruDiagnostic(7, 'query')
    const startRecord = positiveInteger(params, 'startRecord', 1, 1)
    const maximumRecords = Math.min(
      positiveInteger(params, 'maximumRecords', DEFAULT_RECORDS, 0),
      MAX_RECORDS,
    )
    const schema = schemaOf(single(params, 'recordSchema'))
    const sort = sortOf(single(params, 'sortKeys'))
    const outcome = await sru.search(ctx.lib, { query, startRecord, maximumRecords, sort })
    if (!outcome.ok) throw new SruDiagnostic(outcome.diagnostic, outcome.details)
    const { total, records } = outcome
    if (total > 0 && startRecord > total && maximumRecords > 0) {
      return document(
        root,
        version,
        `<srw:numberOfRecords>${total}</srw:numberOfRecords>\n${diagnosticsXml(61, String(startRecord))}`,
      )
    }
    const items = records.map((r, i) => {
      const xml = recordXml(ctx, schema, r)
      const data = packing === 'xml' ? xml : xmlText(xml)
      return `<srw:record><srw:recordSchema>${SCHEMAS[schema].id}</srw:recordSchema><srw:recordPacking>${packing}</srw:recordPacking><srw:recordData>${data}</srw:recordData><srw:recordPosition>${startRecord + i}</srw:recordPosition></srw:record>`
    })
    const next = startRecord + records.length
    return document(
      root,
      version,
      [
        `<srw:numberOfRecords>${total}</srw:numberOfRecords>`,
        items.length ? `<srw:records>\n${items.join('\n')}\n</srw:records>` : '',
        records.length && next <= total
          ? `<srw:nextRecordPosition>${next}</srw:nextRecordPosition>`
          : '',
      ]
        .filter(Boolean)
        .join('\n'),
    )
  } catch (err) {
    if (err instanceof SruDiagnostic) return failed(err)
    throw err
  }
}
