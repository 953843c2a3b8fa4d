// OAI-PMH 2.0 over real HTTP: the six verbs on the demo catalogue, whole harvests following
// resumption tokens (every record once, counts by set as in the database), from/until, the
// protocol's errors, tokens that survive a restart of the server, deleted records from the
// staff API's tombstones, and the per-address rate limit — every response valid against
// schemas/ (OAI-PMH, oai_dc, MARCXML).
import { expect } from 'chai'
import { load } from 'cheerio'
import type { CheerioAPI } from 'cheerio'
import { sql } from 'kysely'
import { holdFixture } from '../../helpers/hold-fixture.ts'
import type { FixtureLibrary } from '../../helpers/hold-fixture.ts'
import { staffClient, staffToken } from '../../helpers/staff-client.ts'
import { createTestDatabase, sharedDemoDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'
import { schemaErrors } from '../../helpers/xml-schema.ts'

const UNLIMITED = { INTEROP_REQUESTS_PER_MINUTE: '1000000' }

async function oaiAt(baseUrl: string, slug: string, args: Record<string, string>) {
  const res = await fetch(`${baseUrl}/${slug}/oai?${new URLSearchParams(args).toString()}`)
  const text = await res.text()
  expect(res.status, text).to.equal(200)
  expect(res.headers.get('content-type')).to.equal('text/xml; charset=utf-8')
  expect(await schemaErrors(text, 'oai-responses.xsd'), text.slice(0, 1500)).to.deep.equal([])
  return load(text, { xml: true })
}

const errorCode = ($: CheerioAPI) => $('error').attr('code')

/** Every header of a list, following its resumption tokens. */
async function harvest(baseUrl: string, slug: string, args: Record<string, string>) {
  const headers: { id: string; stamp: string; deleted: boolean; sets: string[] }[] = []
  let next: Record<string, string> | null = args
  let pages = 0
  while (next) {
    const $ = await oaiAt(baseUrl, slug, next)
    if (errorCode($) === 'noRecordsMatch') break
    expect(errorCode($)).to.equal(undefined)
    $('header').each((_i, e) => {
      headers.push({
        id: $(e).find('identifier').text(),
        stamp: $(e).find('datestamp').text(),
        deleted: $(e).attr('status') === 'deleted',
        sets: $(e)
          .find('setSpec')
          .map((_j, s) => $(s).text())
          .get(),
      })
    })
    pages++
    const token = $('resumptionToken').text()
    next = token ? { verb: args.verb ?? '', resumptionToken: token } : null
  }
  return { headers, pages }
}

describe('OAI-PMH 2.0 (/<lib>/oai): the demo catalogue', function () {
  this.timeout(240_000)
  let t: TestDatabase
  let server: TestServer
  let aoba: number
  const oai = (args: Record<string, string>) => oaiAt(server.baseUrl, 'aoba', args)
  const count = async (where = sql`TRUE`) => {
    const { rows } = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM record r
      WHERE r.library_id = ${aoba} AND ${where}`.execute(t.db)
    return Number(rows[0]?.n)
  }

  before(async function () {
    t = await sharedDemoDatabase(this)
    server = await startTestServer(t.db, { env: UNLIMITED })
    const lib = await server.deps.services.libraries.bySlug('aoba')
    aoba = lib?.library.id ?? 0
  })
  after(async () => server.close())

  it('identifies the repository, its formats and its sets', async () => {
    const $ = await oai({ verb: 'Identify' })
    expect($('request').attr('verb')).to.equal('Identify')
    expect($('baseURL').text()).to.equal(`${server.baseUrl}/aoba/oai`)
    expect($('repositoryName').text()).to.include('あおば市立図書館')
    expect($('deletedRecord').text()).to.equal('persistent')
    expect($('granularity').text()).to.equal('YYYY-MM-DDThh:mm:ssZ')
    expect($('earliestDatestamp').text()).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    const formats = await oai({ verb: 'ListMetadataFormats' })
    expect(
      formats('metadataPrefix')
        .map((_i, e) => formats(e).text())
        .get(),
    ).to.deep.equal(['oai_dc', 'marcxml'])
    const sets = await oai({ verb: 'ListSets' })
    const specs = sets('setSpec')
      .map((_i, e) => sets(e).text())
      .get()
    expect(specs).to.include.members(['branch', 'branch:central', 'ndc', 'ndc:0', 'ndc:9'])
    expect(specs.filter((s) => s.startsWith('ndc:'))).to.have.length(10)
    expect(
      sets('set')
        .filter((_i, e) => sets(e).find('setSpec').text() === 'ndc:9')
        .text(),
    ).to.include('文学')
  })

  it('lists every record once over its resumption tokens, and each set as the database has it', async () => {
    const all = await harvest(server.baseUrl, 'aoba', {
      verb: 'ListIdentifiers',
      metadataPrefix: 'oai_dc',
    })
    const total = await count()
    expect(all.headers).to.have.length(total)
    expect(new Set(all.headers.map((h) => h.id)).size).to.equal(total)
    expect(all.pages).to.equal(Math.ceil(total / 500))
    const stamps = all.headers.map((h) => h.stamp)
    expect(stamps).to.deep.equal([...stamps].sort())
    const literature = await harvest(server.baseUrl, 'aoba', {
      verb: 'ListIdentifiers',
      metadataPrefix: 'marcxml',
      set: 'ndc:9',
    })
    expect(literature.headers).to.have.length(await count(sql`r.ndc LIKE '9%'`))
    expect(literature.headers.every((h) => h.sets.includes('ndc:9'))).to.equal(true)
    const east = await harvest(server.baseUrl, 'aoba', {
      verb: 'ListIdentifiers',
      metadataPrefix: 'oai_dc',
      set: 'branch:east',
    })
    const eastCount =
      await count(sql`EXISTS (SELECT 1 FROM copy c JOIN branch b ON b.id = c.branch_id
      WHERE c.record_id = r.id AND b.code = 'east')`)
    expect(east.headers).to.have.length(eastCount)
    expect(eastCount).to.be.within(1, total - 1)
  })

  it('sends records in oai_dc and MARCXML, one by GetRecord', async () => {
    const $ = await oai({ verb: 'ListRecords', metadataPrefix: 'oai_dc', set: 'ndc:9' })
    expect($('record')).to.have.length(200)
    expect($('resumptionToken').attr('cursor')).to.equal('0')
    expect(Date.parse($('resumptionToken').attr('expirationDate') ?? '')).to.equal(
      Date.parse($('responseDate').text()) + 60 * 60 * 1000,
    )
    const first = $('record').first()
    const id = first.find('identifier').text()
    expect(id).to.match(/^oai:127\.0\.0\.1:aoba\/\d+$/)
    expect(first.find('oai_dc\\:dc dc\\:title').text()).to.not.equal('')
    const one = await oai({ verb: 'GetRecord', identifier: id, metadataPrefix: 'marcxml' })
    expect(one('marc\\:controlfield[tag="001"]').text()).to.equal(id.split('/').pop())
    expect(one('marc\\:datafield[tag="245"] marc\\:subfield[code="a"]').text()).to.equal(
      first.find('dc\\:title').text().split(' : ')[0],
    )
    const formats = await oai({ verb: 'ListMetadataFormats', identifier: id })
    expect(formats('metadataFormat')).to.have.length(2)
  })

  it('harvests by datestamp, in days or seconds', async () => {
    const { rows } = await sql<{ at: string }>`SELECT MAX(updated_at) AS at FROM record
      WHERE library_id = ${aoba}`.execute(t.db)
    const latest = `${rows[0]?.at.replace(' ', 'T')}Z`
    const day = latest.slice(0, 10)
    const byDay = await harvest(server.baseUrl, 'aoba', {
      verb: 'ListIdentifiers',
      metadataPrefix: 'oai_dc',
      from: day,
      until: day,
    })
    expect(byDay.headers).to.have.length(
      await count(sql`r.updated_at BETWEEN ${`${day} 00:00:00`} AND ${`${day} 23:59:59`}`),
    )
    const exact = await harvest(server.baseUrl, 'aoba', {
      verb: 'ListIdentifiers',
      metadataPrefix: 'oai_dc',
      from: latest,
    })
    expect(exact.headers.length).to.equal(await count(sql`r.updated_at >= ${rows[0]?.at ?? ''}`))
    expect(exact.headers.every((h) => h.stamp >= latest)).to.equal(true)
    const future = await oai({ verb: 'ListRecords', metadataPrefix: 'oai_dc', from: '2999-01-01' })
    expect(errorCode(future)).to.equal('noRecordsMatch')
  })

  it('answers bad requests with the protocol errors', async () => {
    const cases: [Record<string, string>, string][] = [
      [{}, 'badVerb'],
      [{ verb: 'ListEverything' }, 'badVerb'],
      [{ verb: 'ListRecords' }, 'badArgument'],
      [{ verb: 'Identify', set: 'ndc:9' }, 'badArgument'],
      [
        {
          verb: 'ListRecords',
          metadataPrefix: 'oai_dc',
          from: '2026-11-01',
          until: '2026-12-01T00:00:00Z',
        },
        'badArgument',
      ],
      [{ verb: 'ListRecords', metadataPrefix: 'oai_dc', from: '2026-02-30' }, 'badArgument'],
      [
        { verb: 'ListRecords', metadataPrefix: 'oai_dc', from: '2026-12-01', until: '2026-11-01' },
        'badArgument',
      ],
      [{ verb: 'ListRecords', metadataPrefix: 'oai_dc', set: 'branch:nowhere' }, 'badArgument'],
      [{ verb: 'ListRecords', metadataPrefix: 'mods' }, 'cannotDisseminateFormat'],
      [
        { verb: 'GetRecord', metadataPrefix: 'oai_dc', identifier: 'oai:example.org:aoba/1' },
        'idDoesNotExist',
      ],
      [
        { verb: 'GetRecord', metadataPrefix: 'oai_dc', identifier: 'oai:127.0.0.1:aoba/999999999' },
        'idDoesNotExist',
      ],
      [{ verb: 'ListRecords', resumptionToken: 'abc.def' }, 'badResumptionToken'],
      [{ verb: 'ListSets', resumptionToken: 'x' }, 'badResumptionToken'],
      [{ verb: 'ListRecords', resumptionToken: 'x', metadataPrefix: 'oai_dc' }, 'badArgument'],
    ]
    for (const [args, code] of cases) {
      const $ = await oai(args)
      expect(errorCode($), JSON.stringify(args)).to.equal(code)
      if (code === 'badVerb' || code === 'badArgument') {
        expect($('request').attr('verb'), JSON.stringify(args)).to.equal(undefined)
      }
    }
    const repeated = await fetch(`${server.baseUrl}/aoba/oai?verb=Identify&verb=Identify`)
    expect(load(await repeated.text(), { xml: true })('error').attr('code')).to.equal('badVerb')
    // a token changed by one character, and one of another list
    const first = await oai({ verb: 'ListIdentifiers', metadataPrefix: 'oai_dc' })
    const token = first('resumptionToken').text()
    const flipped = token.slice(0, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11)
    expect(errorCode(await oai({ verb: 'ListIdentifiers', resumptionToken: flipped }))).to.equal(
      'badResumptionToken',
    )
    expect(errorCode(await oai({ verb: 'ListRecords', resumptionToken: token }))).to.equal(
      'badResumptionToken',
    )
  })

  it('continues a harvest across a restart of the server with the same token', async () => {
    const $ = await oai({ verb: 'ListIdentifiers', metadataPrefix: 'oai_dc' })
    const token = $('resumptionToken').text()
    const expected = await oai({ verb: 'ListIdentifiers', resumptionToken: token })
    const again = await startTestServer(t.db, { env: UNLIMITED })
    try {
      const resumed = await oaiAt(again.baseUrl, 'aoba', {
        verb: 'ListIdentifiers',
        resumptionToken: token,
      })
      const ids = (x: CheerioAPI) =>
        x('identifier')
          .map((_i, e) => x(e).text().split('/').pop())
          .get()
      expect(ids(resumed)).to.deep.equal(ids(expected))
      expect(resumed('resumptionToken').attr('cursor')).to.equal('500')
    } finally {
      await again.close()
    }
  })
})

describe('OAI-PMH 2.0: deleted records and the rate limit', function () {
  this.timeout(120_000)
  let server: TestServer
  let lib: FixtureLibrary
  let t: TestDatabase

  before(async () => {
    t = await createTestDatabase({ prefix: 'oai' })
    lib = await holdFixture(t.db, 'A')
    server = await startTestServer(t.db, {
      env: { INTEROP_REQUESTS_PER_MINUTE: '40', TRUST_PROXY: 'true' },
    })
  })
  after(async () => server.close())

  it('reports a record deleted through the staff API as deleted, to incremental harvests too', async () => {
    const call = staffClient(server.baseUrl, await staffToken(server.deps, lib.library.id))
    const created = await call('POST', '/records', {
      title: '消える本',
      author: '著者',
      materialType: 'book',
    })
    expect(created.status).to.equal(201)
    const id = (created.body as { id: number }).id
    const identifier = `oai:127.0.0.1:${lib.slug}/${id}`
    const before = await harvest(server.baseUrl, lib.slug, {
      verb: 'ListIdentifiers',
      metadataPrefix: 'oai_dc',
    })
    expect(before.headers.find((h) => h.id === identifier)?.deleted).to.equal(false)
    expect((await call('DELETE', `/records/${id}`)).body).to.deep.equal({ deleted: true })

    const after = await harvest(server.baseUrl, lib.slug, {
      verb: 'ListRecords',
      metadataPrefix: 'oai_dc',
    })
    expect(after.headers).to.have.length(before.headers.length)
    const gone = after.headers.find((h) => h.id === identifier)
    expect(gone?.deleted).to.equal(true)
    // the test server's clock says 2026-11-23T01:00:00Z: the tombstone's datestamp
    expect(gone?.stamp).to.equal('2026-11-23T01:00:00Z')
    const incremental = await harvest(server.baseUrl, lib.slug, {
      verb: 'ListIdentifiers',
      metadataPrefix: 'oai_dc',
      from: '2026-11-23T00:59:00Z',
      until: '2026-11-23T01:00:00Z',
    })
    expect(incremental.headers).to.deep.equal([
      { id: identifier, stamp: '2026-11-23T01:00:00Z', deleted: true, sets: [] },
    ])
    const $ = await oaiAt(server.baseUrl, lib.slug, {
      verb: 'GetRecord',
      identifier,
      metadataPrefix: 'marcxml',
    })
    expect($('header').attr('status')).to.equal('deleted')
    expect($('metadata')).to.have.length(0)
  })

  it('moves the datestamp of a record when a copy is added, moved or withdrawn (its holdings and sets)', async () => {
    const call = staffClient(server.baseUrl, await staffToken(server.deps, lib.library.id, 'oai-2'))
    const created = await call('POST', '/records', { title: '移る本', materialType: 'book' })
    const id = (created.body as { id: number }).id
    const identifier = `oai:127.0.0.1:${lib.slug}/${id}`
    const backdate = () =>
      sql`UPDATE record SET updated_at = '2026-01-01 00:00:00' WHERE id = ${id}`.execute(t.db)
    const header = async () => {
      const $ = await oaiAt(server.baseUrl, lib.slug, {
        verb: 'GetRecord',
        identifier,
        metadataPrefix: 'oai_dc',
      })
      return {
        stamp: $('datestamp').text(),
        sets: $('setSpec')
          .map((_i, e) => $(e).text())
          .get(),
      }
    }
    await backdate()
    expect(await header()).to.deep.equal({ stamp: '2026-01-01T00:00:00Z', sets: [] })
    const copy = await call('POST', '/copies', {
      recordId: id,
      branchId: lib.branchIds.east,
      barcode: 'OAI00001',
      acquiredOn: '2026-11-20',
    })
    expect(copy.status).to.equal(201)
    const added = await header()
    expect(added.sets).to.deep.equal(['branch:east'])
    expect(added.stamp > '2026-01-01T00:00:00Z').to.equal(true)
    const copyId = (copy.body as { id: number }).id
    await backdate()
    await call('PATCH', `/copies/${copyId}`, { status: 'in_repair' })
    expect((await header()).stamp).to.equal('2026-01-01T00:00:00Z')
    await call('PATCH', `/copies/${copyId}`, { branchId: lib.branchIds.west })
    expect(await header()).to.deep.include({ sets: ['branch:west'] })
    expect((await header()).stamp).to.not.equal('2026-01-01T00:00:00Z')
    await backdate()
    expect((await call('DELETE', `/copies/${copyId}`)).body).to.deep.equal({ deleted: true })
    const withdrawn = await header()
    expect(withdrawn.sets).to.deep.equal([])
    expect(withdrawn.stamp).to.not.equal('2026-01-01T00:00:00Z')
  })

  it('refuses an address past its requests a minute with 503 and Retry-After, not the others', async () => {
    const from = (address: string) =>
      fetch(`${server.baseUrl}/${lib.slug}/oai?verb=Identify`, {
        headers: { 'x-forwarded-for': address },
      })
    const statuses: number[] = []
    for (let i = 0; i < 41; i++) statuses.push((await from('192.0.2.7')).status)
    expect(statuses.slice(0, 40).every((s) => s === 200)).to.equal(true)
    const refused = await from('192.0.2.7')
    expect(refused.status).to.equal(503)
    expect(refused.headers.get('retry-after')).to.equal('60')
    expect(await refused.text()).to.include('1分後にお試しください')
    expect((await from('192.0.2.8')).status).to.equal(200)
    const sru = await fetch(`${server.baseUrl}/${lib.slug}/sru`, {
      headers: { 'x-forwarded-for': '192.0.2.7' },
    })
    expect(sru.status).to.equal(503)
  })
})
