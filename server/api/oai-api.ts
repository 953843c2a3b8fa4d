// OAI-PMH 2.0 (https://www.openarchives.org/OAI/openarchivesprotocol.html) at
// <library top>/oai: the six verbs over the library's records, in oai_dc and MARCXML.
//
// - Datestamps are a record's last change (record.updated_at), seconds granularity, UTC; from
//   and until take days or seconds (the same in both).
// - Sets: `branch` and `branch:<code>` (held at a branch), `ndc` and `ndc:<0-9>` (NDC class).
// - Deleted records (deletedRecord: persistent) come from the catalogue's tombstones, after
//   the records, as headers with status="deleted"; having no holdings left, they are reported
//   in every set.
// - A list is read by keyset — (datestamp, id) after the cursor — ListRecords 200 and
//   ListIdentifiers 500 at a time, with a signed stateless resumption token carrying the
//   cursor (services/interop/resumption-token.ts): memory stays one page whatever the size
//   of the catalogue, a restart loses nothing, tokens expire after an hour. A record changed
//   during a harvest moves after the cursor and is sent again, in its new state.
import { utcDateTime } from '../clock.ts'
import type { HarvestSet, HarvestSource, InteropRecord } from '../services/interop/harvest.ts'
import type { LibraryContext } from '../services/library-service.ts'
import { ndcLabel } from '../services/ndc.ts'
import { dcElements, marcRecord, xmlText, DC_NS, MARC_NS } from '../render/interop-records.ts'
import type { HarvestState, ResumptionTokens } from '../services/interop/resumption-token.ts'
import type { InteropParams } from './interop-params.ts'

const OAI_NS = 'http://www.openarchives.org/OAI/2.0/'
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance'
export const PAGE_SIZE = { ListRecords: 200, ListIdentifiers: 500 } as const

export const METADATA_FORMATS = {
  oai_dc: {
    schema: 'http://www.openarchives.org/OAI/2.0/oai_dc.xsd',
    namespace: 'http://www.openarchives.org/OAI/2.0/oai_dc/',
  },
  marcxml: {
    schema: 'http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd',
    namespace: MARC_NS,
  },
} as const
type Prefix = keyof typeof METADATA_FORMATS

type OaiErrorCode =
  | 'badArgument'
  | 'badResumptionToken'
  | 'badVerb'
  | 'cannotDisseminateFormat'
  | 'idDoesNotExist'
  | 'noRecordsMatch'
  | 'noMetadataFormats'
  | 'noSetHierarchy'

class OaiError extends Error {
  constructor(
    readonly code: OaiErrorCode,
    message: string,
  ) {
    super(message)
  }
}

/** Each verb's arguments: required, optional, or exclusive (resumptionToken). */
const VERBS: Record<string, { required: string[]; optional: string[]; exclusive?: string }> = {
  Identify: { required: [], optional: [] },
  ListMetadataFormats: { required: [], optional: ['identifier'] },
  ListSets: { required: [], optional: [], exclusive: 'resumptionToken' },
  GetRecord: { required: ['identifier', 'metadataPrefix'], optional: [] },
  ListIdentifiers: {
    required: ['metadataPrefix'],
    optional: ['from', 'until', 'set'],
    exclusive: 'resumptionToken',
  },
  ListRecords: {
    required: ['metadataPrefix'],
    optional: ['from', 'until', 'set'],
    exclusive: 'resumptionToken',
  },
}

export interface OaiContext {
  lib: LibraryContext
  params: InteropParams
  /** The endpoint's absolute URL (baseURL). */
  baseUrl: string
  recordUrl: (id: number) => string
  now: Date
  tokens: ResumptionTokens
  interop: HarvestSource
}

/** 'YYYY-MM-DD hh:mm:ss' (UTC DATETIME) as an OAI datestamp. */
const datestamp = (stored: string) => `${stored.replace(' ', 'T')}Z`

function identifierPrefix(ctx: OaiContext): string {
  return `oai:${new URL(ctx.baseUrl).hostname}:${ctx.lib.library.slug}/`
}

function recordIdOf(ctx: OaiContext, identifier: string): number | null {
  const prefix = identifierPrefix(ctx)
  if (!identifier.startsWith(prefix)) return null
  const rest = identifier.slice(prefix.length)
  return /^[1-9]\d{0,9}$/.test(rest) && Number(rest) <= 4294967295 ? Number(rest) : null
}

/** setSpec can carry these characters only (OAI-PMH.xsd setSpecType). */
const SET_SPEC_PART = /^[A-Za-z0-9\-_.!~*'()]+$/

function setSpecs(r: InteropRecord): string[] {
  const specs = r.branches.filter((code) => SET_SPEC_PART.test(code)).map((c) => `branch:${c}`)
  const ndcClass = /^\d/.exec(r.ndc)?.[0]
  if (ndcClass) specs.push(`ndc:${ndcClass}`)
  return specs
}

function allSets(lib: LibraryContext): { spec: string; name: string }[] {
  const sets = [{ spec: 'branch', name: '所蔵館別' }]
  for (const b of lib.branches) {
    if (SET_SPEC_PART.test(b.code)) sets.push({ spec: `branch:${b.code}`, name: b.name })
  }
  sets.push({ spec: 'ndc', name: 'NDC分類別' })
  for (let d = 0; d <= 9; d++) {
    sets.push({ spec: `ndc:${d}`, name: `NDC ${d} ${ndcLabel(String(d)) ?? ''}`.trim() })
  }
  return sets
}

function harvestSetOf(lib: LibraryContext, spec: string | null): HarvestSet {
  if (spec === null) return null
  if (spec === 'branch') return { branchId: null }
  if (spec === 'ndc') return { ndcClass: '' }
  const ndc = /^ndc:(\d)$/.exec(spec)
  if (ndc) return { ndcClass: ndc[1] as string }
  const code = /^branch:(.+)$/.exec(spec)?.[1]
  const branch = lib.branches.find((b) => b.code === code)
  if (branch) return { branchId: branch.id }
  throw new OaiError('badArgument', `no set "${spec}" (ListSets lists them)`)
}

/** A from/until argument as a UTC DATETIME bound, and its granularity. */
function parseDate(raw: string, bound: 'from' | 'until'): { at: string; seconds: boolean } {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw)
  const second = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/.exec(raw)
  const iso = day ? `${raw}T${bound === 'from' ? '00:00:00' : '23:59:59'}Z` : second ? raw : null
  const at = iso ? new Date(iso) : null
  if (!at || Number.isNaN(at.getTime()) || at.toISOString().slice(0, 19) + 'Z' !== iso) {
    throw new OaiError(
      'badArgument',
      `${bound} is not a UTC date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)`,
    )
  }
  return { at: utcDateTime(at), seconds: !day }
}

function prefixOf(raw: string): Prefix {
  if (raw === 'oai_dc' || raw === 'marcxml') return raw
  throw new OaiError('cannotDisseminateFormat', `no metadata format "${raw}" (oai_dc, marcxml)`)
}

function header(ctx: OaiContext, id: number, stamp: string, sets: string[], deleted: boolean) {
  const status = deleted ? ' status="deleted"' : ''
  const specs = sets.map((s) => `<setSpec>${xmlText(s)}</setSpec>`).join('')
  return `<header${status}><identifier>${xmlText(identifierPrefix(ctx) + id)}</identifier><datestamp>${datestamp(stamp)}</datestamp>${specs}</header>`
}

function metadata(ctx: OaiContext, prefix: Prefix, r: InteropRecord): string {
  const url = ctx.recordUrl(r.id)
  if (prefix === 'marcxml') {
    return marcRecord(r, url, { name: ctx.lib.library.name, branches: ctx.lib.branches })
  }
  const f = METADATA_FORMATS.oai_dc
  return `<oai_dc:dc xmlns:oai_dc="${f.namespace}" xmlns:dc="${DC_NS}" xmlns:xsi="${XSI_NS}" xsi:schemaLocation="${f.namespace} ${f.schema}">\n${dcElements(r, url)}\n</oai_dc:dc>`
}

function recordXml(ctx: OaiContext, prefix: Prefix, r: InteropRecord): string {
  return `<record>${header(ctx, r.id, r.updated_at, setSpecs(r), false)}\n<metadata>${metadata(ctx, prefix, r)}</metadata></record>`
}

/** One page of a list from its state: the items' XML and the state after it, if any. */
async function listPage(
  ctx: OaiContext,
  state: HarvestState,
): Promise<{ items: string[]; next: HarvestState | null }> {
  const limit = PAGE_SIZE[state.verb]
  const prefix = prefixOf(state.metadataPrefix)
  const range = { from: state.from, until: state.until, set: harvestSetOf(ctx.lib, state.set) }
  const libraryId = ctx.lib.library.id
  const items: string[] = []
  let s = state
  if (s.phase === 'r') {
    const rows = await ctx.interop.harvestRecords(libraryId, range, s.after, limit + 1)
    const page = rows.slice(0, limit)
    for (const r of page) {
      items.push(
        state.verb === 'ListRecords'
          ? recordXml(ctx, prefix, r)
          : header(ctx, r.id, r.updated_at, setSpecs(r), false),
      )
    }
    const last = page[page.length - 1]
    if (rows.length > limit && last) {
      const after = { datestamp: last.updated_at, id: last.id }
      return { items, next: { ...s, after, cursor: s.cursor + limit } }
    }
    s = { ...s, phase: 't', after: null }
  }
  const room = limit - items.length
  const tombstones = await ctx.interop.harvestTombstones(libraryId, range, s.after, room + 1)
  const page = tombstones.slice(0, room)
  for (const t of page) {
    const h = header(ctx, t.record_id, t.deleted_at, [], true)
    items.push(state.verb === 'ListRecords' ? `<record>${h}</record>` : h)
  }
  if (tombstones.length > room) {
    const last = page[page.length - 1]
    const after = last ? { datestamp: last.deleted_at, id: last.id } : s.after
    return { items, next: { ...s, after, cursor: state.cursor + limit } }
  }
  return { items, next: null }
}

async function list(ctx: OaiContext, verb: 'ListRecords' | 'ListIdentifiers', args: Args) {
  let state: HarvestState
  const token = args.get('resumptionToken')
  if (token !== undefined) {
    const read = ctx.tokens.read(token, ctx.now)
    if (!read.ok) {
      throw new OaiError('badResumptionToken', `the resumption token is ${read.reason}`)
    }
    state = read.state
    if (state.verb !== verb || state.libraryId !== ctx.lib.library.id) {
      throw new OaiError('badResumptionToken', 'the resumption token is of another list')
    }
  } else {
    const metadataPrefix = prefixOf(args.get('metadataPrefix') ?? '')
    const from = args.has('from') ? parseDate(args.get('from') ?? '', 'from') : null
    const until = args.has('until') ? parseDate(args.get('until') ?? '', 'until') : null
    if (from && until && from.seconds !== until.seconds) {
      throw new OaiError('badArgument', 'from and until have different granularities')
    }
    if (from && until && from.at > until.at)
      throw new OaiError('badArgument', 'from is after until')
    const set = args.get('set') ?? null
    harvestSetOf(ctx.lib, set)
    state = {
      verb,
      libraryId: ctx.lib.library.id,
      metadataPrefix,
      set,
      from: from?.at ?? null,
      until: until?.at ?? null,
      phase: 'r',
      after: null,
      cursor: 0,
    }
  }
  const { items, next } = await listPage(ctx, state)
  if (items.length === 0 && state.cursor === 0) {
    throw new OaiError('noRecordsMatch', 'no records match the arguments')
  }
  let tokenXml = ''
  if (next) {
    const issued = ctx.tokens.issue(next, ctx.now)
    tokenXml = `<resumptionToken expirationDate="${issued.expires.toISOString().slice(0, 19)}Z" cursor="${state.cursor}">${issued.token}</resumptionToken>`
  } else if (token !== undefined) {
    tokenXml = `<resumptionToken cursor="${state.cursor}"/>`
  }
  return `<${verb}>\n${items.join('\n')}\n${tokenXml}</${verb}>`
}

type Args = Map<string, string>

async function identify(ctx: OaiContext): Promise<string> {
  const earliest = await ctx.interop.earliestDatestamp(ctx.lib.library.id)
  const mail = /[^\s<>"]+@[^\s<>"]+\.[^\s<>"]+/.exec(ctx.lib.settings.mailFrom)?.[0]
  return `<Identify>
<repositoryName>${xmlText(`${ctx.lib.library.name} 蔵書目録`)}</repositoryName>
<baseURL>${xmlText(ctx.baseUrl)}</baseURL>
<protocolVersion>2.0</protocolVersion>
<adminEmail>${xmlText(mail ?? 'opac@library.example.jp')}</adminEmail>
<earliestDatestamp>${earliest ? datestamp(earliest) : `${utcDateTime(ctx.now).replace(' ', 'T')}Z`}</earliestDatestamp>
<deletedRecord>persistent</deletedRecord>
<granularity>YYYY-MM-DDThh:mm:ssZ</granularity>
</Identify>`
}

async function existing(ctx: OaiContext, identifier: string) {
  const id = recordIdOf(ctx, identifier)
  const [record] = id === null ? [] : await ctx.interop.records(ctx.lib.library.id, [id])
  if (record) return { record, tombstone: undefined }
  const tombstone = id === null ? undefined : await ctx.interop.tombstone(ctx.lib.library.id, id)
  if (tombstone) return { record: undefined, tombstone }
  throw new OaiError('idDoesNotExist', `no record "${identifier}" in this repository`)
}

async function verbBody(ctx: OaiContext, verb: string, args: Args): Promise<string> {
  switch (verb) {
    case 'Identify':
      return identify(ctx)
    case 'ListMetadataFormats': {
      const identifier = args.get('identifier')
      if (identifier !== undefined) await existing(ctx, identifier)
      const formats = Object.entries(METADATA_FORMATS).map(
        ([prefix, f]) =>
          `<metadataFormat><metadataPrefix>${prefix}</metadataPrefix><schema>${f.schema}</schema><metadataNamespace>${f.namespace}</metadataNamespace></metadataFormat>`,
      )
      return `<ListMetadataFormats>\n${formats.join('\n')}\n</ListMetadataFormats>`
    }
    case 'ListSets': {
      if (args.has('resumptionToken')) {
        throw new OaiError('badResumptionToken', 'ListSets is answered whole, without tokens')
      }
      const sets = allSets(ctx.lib).map(
        (s) =>
          `<set><setSpec>${xmlText(s.spec)}</setSpec><setName>${xmlText(s.name)}</setName></set>`,
      )
      return `<ListSets>\n${sets.join('\n')}\n</ListSets>`
    }
    case 'GetRecord': {
      const prefix = prefixOf(args.get('metadataPrefix') ?? '')
      const { record, tombstone } = await existing(ctx, args.get('identifier') ?? '')
      const xml = record
        ? recordXml(ctx, prefix, record)
        : `<record>${header(ctx, tombstone.record_id, tombstone.deleted_at, [], true)}</record>`
      return `<GetRecord>${xml}</GetRecord>`
    }
    default:
      return list(ctx, verb as 'ListRecords' | 'ListIdentifiers', args)
  }
}

/** The verb and its arguments checked against the protocol, or a badVerb/badArgument error. */
function checkedArguments(params: InteropParams): { verb: string; args: Args } {
  const verbs = params.get('verb') ?? []
  const verb = verbs[0]
  if (verbs.length !== 1 || verb === undefined || !VERBS[verb]) {
    throw new OaiError('badVerb', verbs.length > 1 ? 'verb given more than once' : 'no such verb')
  }
  const spec = VERBS[verb]
  const args: Args = new Map()
  for (const [name, values] of params) {
    if (name === 'verb') continue
    if (values.length > 1) throw new OaiError('badArgument', `${name} given more than once`)
    const allowed = [...spec.required, ...spec.optional, spec.exclusive]
    if (!allowed.includes(name)) throw new OaiError('badArgument', `${verb} takes no ${name}`)
    args.set(name, values[0] ?? '')
  }
  if (spec.exclusive && args.has(spec.exclusive)) {
    if (args.size > 1) throw new OaiError('badArgument', `${spec.exclusive} goes alone`)
  } else {
    for (const name of spec.required) {
      if (!args.has(name)) throw new OaiError('badArgument', `${verb} needs ${name}`)
    }
  }
  return { verb, args }
}

/** The response to one OAI-PMH request: always an OAI-PMH document (errors included). */
export async function oaiResponse(ctx: OaiContext): Promise<string> {
  let request = `<request>${xmlText(ctx.baseUrl)}</request>`
  let body: string
  try {
    const { verb, args } = checkedArguments(ctx.params)
    const attributes = [['verb', verb], ...args]
      .map(([name, value]) => ` ${name}="${xmlText(value ?? '')}"`)
      .join('')
    request = `<request${attributes}>${xmlText(ctx.baseUrl)}</request>`
    body = await verbBody(ctx, verb, args)
  } catch (err) {
    if (!(err instanceof OaiError)) throw err
    // The arguments are echoed only when they were acceptable (OAI-PMH 3.2).
    if (err.code === 'badVerb' || err.code === 'badArgument') {
      request = `<request>${xmlText(ctx.baseUrl)}</request>`
    }
    body = `<error code="${err.code}">${xmlText(err.message)}</error>`
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="${OAI_NS}" xmlns:xsi="${XSI_NS}" xsi:schemaLocation="${OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">
<responseDate>${ctx.now.toISOString().slice(0, 19)}Z</responseDate>
${request}
${body}
</OAI-PMH>
`
}
