// SRU 1.2 over real HTTP against the demo catalogue: explain, searchRetrieve with the CQL
// subset answered by the same search the pages use (counts compared with the catalogue
// service), or/not as sets, paging, sorting, Dublin Core and MARCXML, packing, POST, and the
// diagnostics — every response valid against schemas/ (srw-types, diagnostic, dc, MARCXML).
import { expect } from 'chai'
import { load } from 'cheerio'
import type { CheerioAPI } from 'cheerio'
import { emptySearchRequest } from '../../../server/services/catalogue-service.ts'
import type { SearchRequest } from '../../../server/services/catalogue-service.ts'
import { sharedDemoDatabase } from '../../helpers/test-database.ts'
import { startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'
import { schemaErrors } from '../../helpers/xml-schema.ts'

describe('SRU 1.2 (/<lib>/sru)', function () {
  this.timeout(60_000)
  let server: TestServer

  before(async function () {
    const t = await sharedDemoDatabase(this)
    server = await startTestServer(t.db, { env: { INTEROP_REQUESTS_PER_MINUTE: '100000' } })
  })
  after(async () => server.close())

  /** The response as XML, after checking it is SRU and valid against the schemas. */
  const sru = async (query: Record<string, string>, init?: RequestInit): Promise<CheerioAPI> => {
    const qs = new URLSearchParams(query).toString()
    const res = await fetch(`${server.baseUrl}/aoba/sru${init ? '' : `?${qs}`}`, init)
    const text = await res.text()
    expect(res.status, text).to.equal(200)
    expect(res.headers.get('content-type')).to.equal('text/xml; charset=utf-8')
    expect(await schemaErrors(text, 'sru-responses.xsd'), text.slice(0, 2000)).to.deep.equal([])
    return load(text, { xml: true })
  }
  const search = (query: string, more: Record<string, string> = {}) =>
    sru({ operation: 'searchRetrieve', version: '1.2', query, ...more })
  const total = ($: CheerioAPI) => Number($('srw\\:numberOfRecords').text())
  const diagnostic = ($: CheerioAPI) => $('diag\\:uri').text().replace('info:srw/diagnostic/1/', '')
  const titles = ($: CheerioAPI) =>
    $('srw_dc\\:dc')
      .map((_i, e) => $(e).find('dc\\:title').first().text())
      .get()
  const ids = ($: CheerioAPI) =>
    $('srw_dc\\:dc')
      .map((_i, e) => {
        const url = $(e)
          .find('dc\\:identifier')
          .filter((_j, x) => $(x).text().includes('/records/'))
          .text()
        return Number(url.split('/').pop())
      })
      .get()
  /** What the pages' search finds for a request (the catalogue service, as the pages call it). */
  const catalogueTotal = async (request: Partial<SearchRequest>) => {
    const lib = await server.deps.services.libraries.bySlug('aoba')
    if (!lib) throw new Error('no aoba')
    const found = await server.deps.services.catalogue.searchIds(
      lib.library.id,
      lib.branches,
      { ...emptySearchRequest(), ...request },
      { offset: 0, limit: 1 },
    )
    if (!found.ok) throw new Error('refused')
    return found.total
  }

  it('explains itself without parameters and with operation=explain', async () => {
    for (const $ of [await sru({}), await sru({ operation: 'explain', version: '1.2' })]) {
      expect($('srw\\:explainResponse srw\\:version').text()).to.equal('1.2')
      const names = $('explain indexInfo index map name')
        .map((_i, e) => `${$(e).attr('set')}.${$(e).text()}`)
        .get()
      expect(names).to.include.members([
        'dc.title',
        'dc.creator',
        'dc.date',
        'bath.isbn',
        'cql.anywhere',
      ])
      expect(
        $('schemaInfo schema')
          .map((_i, e) => $(e).attr('identifier'))
          .get(),
      ).to.deep.equal(['info:srw/schema/1/dc-v1.1', 'info:srw/schema/1/marcxml-v1.1'])
      expect($('databaseInfo title').text()).to.equal('あおば市立図書館')
    }
  })

  it('finds what the pages find, as Dublin Core, and pages by record', async () => {
    const $ = await search('title=こころ', { maximumRecords: '5' })
    expect(total($)).to.equal(await catalogueTotal({ title: 'こころ' }))
    expect(total($)).to.be.greaterThan(5)
    expect(titles($)).to.have.length(5)
    expect(titles($)[0]).to.equal('こころ')
    expect(
      $('srw\\:recordPosition')
        .map((_i, e) => $(e).text())
        .get(),
    ).to.deep.equal(['1', '2', '3', '4', '5'])
    expect($('srw\\:nextRecordPosition').text()).to.equal('6')
    const later = await search('title=こころ', { startRecord: '4', maximumRecords: '2' })
    expect(ids(later)).to.deep.equal(ids($).slice(3, 5))
    expect($('srw\\:recordPosition').first().text()).to.equal('1')
    const author = await search('author=夏目漱石 and title=こころ', { maximumRecords: '50' })
    expect(total(author)).to.equal(await catalogueTotal({ title: 'こころ', author: '夏目漱石' }))
    expect(total(author)).to.be.within(1, total($) - 1)
    author('srw_dc\\:dc').each((_i, e) => {
      expect(author(e).find('dc\\:creator').text()).to.include('夏目漱石')
    })
  })

  it('combines or and not as sets of the same searches', async () => {
    const all = async (query: string) => ids(await search(query, { maximumRecords: '50' }))
    const a = await all('author=夏目漱石 and title=坊っちゃん')
    const b = await all('author=夏目漱石 and title=こころ')
    expect(a.length).to.be.greaterThan(0)
    expect(b.length).to.be.greaterThan(0)
    const either = await all('author=夏目漱石 and (title=坊っちゃん or title=こころ)')
    expect([...either].sort()).to.deep.equal([...new Set([...a, ...b])].sort())
    const any = await all('author=夏目漱石 and title any "坊っちゃん こころ"')
    expect([...any].sort()).to.deep.equal([...either].sort())
    // A not B = A less (A and B)
    const count = async (query: string) => total(await search(query, { maximumRecords: '0' }))
    const kokoro = await count('title=こころ')
    const both = await count('title=こころ and author=夏目漱石')
    expect(both).to.be.greaterThan(0)
    expect(await count('title=こころ not author=夏目漱石')).to.equal(kokoro - both)
    const without = await all('author=夏目漱石 not title=こころ')
    expect(without.some((id) => b.includes(id))).to.equal(false)
    expect(without.some((id) => a.includes(id))).to.equal(true)
    expect(total(await search('title==こころ'))).to.equal(
      await catalogueTotal({ title: 'こころ', titleMode: 'exact' }),
    )
  })

  it('sorts by date and by title either way', async () => {
    const years = async (dir: string) => {
      const $ = await search('title=こころ', { maximumRecords: '20', sortKeys: `date,,${dir}` })
      return $('dc\\:date')
        .map((_i, e) => Number($(e).text()))
        .get()
    }
    const up = await years('1')
    expect(up).to.deep.equal([...up].sort((x, y) => x - y))
    const down = await years('0')
    expect(down).to.deep.equal([...down].sort((x, y) => y - x))
    expect(down[0]).to.be.greaterThan(up[0] ?? 0)
    const byTitle = titles(await search('author=夏目漱石', { sortKeys: 'title,,0' }))
    expect(byTitle.length).to.be.greaterThan(1)
  })

  it('sends MARCXML, and records packed as strings', async () => {
    const $ = await search('author=夏目漱石 and title=こころ', {
      recordSchema: 'marcxml',
      maximumRecords: '1',
    })
    expect($('srw\\:recordSchema').text()).to.equal('info:srw/schema/1/marcxml-v1.1')
    const title = $('marc\\:datafield[tag="245"] marc\\:subfield[code="a"]').text()
    expect(title).to.include('こころ')
    expect($('marc\\:datafield[tag="100"] marc\\:subfield[code="a"]').text()).to.include('夏目漱石')
    expect($('marc\\:leader').text()).to.have.length(24)
    const packed = await search('title=こころ', { recordPacking: 'string', maximumRecords: '1' })
    const data = packed('srw\\:recordData').text()
    expect(data).to.match(/^<srw_dc:dc /)
    expect(packed('srw_dc\\:dc')).to.have.length(0)
  })

  it('answers a POSTed form like a GET', async () => {
    const body = new URLSearchParams({
      operation: 'searchRetrieve',
      version: '1.2',
      query: 'title=こころ',
    })
    const $ = await sru(
      {},
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      },
    )
    expect(total($)).to.equal(await catalogueTotal({ title: 'こころ' }))
  })

  it('answers what it cannot do with the SRU diagnostics', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ query: 'title=(こころ' }, '10'],
      [{ query: '(title=こころ' }, '13'],
      [{ query: 'title="こころ' }, '14'],
      [{ query: 'shelfmark=913' }, '16'],
      [{ query: 'marc.245=こころ' }, '15'],
      [{ query: 'title adj こころ' }, '19'],
      [{ query: 'author==夏目漱石' }, '22'],
      [{ query: 'date=昔' }, '36'],
      [{ query: 'title=こころ prox title=門' }, '37'],
      [{ query: 'title=こころ', startRecord: '100000' }, '61'],
      [{ query: 'title=こころ', startRecord: '0' }, '6'],
      [{ query: 'title=こころ', maximumRecords: 'many' }, '6'],
      [{ query: 'title=こころ', recordSchema: 'mods' }, '66'],
      [{ query: 'title=こころ', recordPacking: 'json' }, '71'],
      [{ query: 'title=こころ', sortKeys: 'subject,,1' }, '88'],
      [{ query: 'title=こころ', sortKeys: 'title,,1 date,,0' }, '84'],
      [{ query: 'title=こころ', frobnicate: '1' }, '8'],
      [{ query: 'title=こころ', stylesheet: '/style.xsl' }, '110'],
      [{}, '7'],
      [{ query: 'の', maximumRecords: '1' }, ''],
      [{ query: 'title=の or title=は' }, '60'],
    ]
    for (const [params, code] of cases) {
      const $ = await search(params.query ?? '', params)
      if (params.query === undefined) {
        const bare = await sru({ operation: 'searchRetrieve', version: '1.2' })
        expect(diagnostic(bare)).to.equal(code)
        continue
      }
      expect(diagnostic($), JSON.stringify(params)).to.equal(code)
    }
    expect(
      diagnostic(await sru({ operation: 'searchRetrieve', version: '2.0', query: 'x' })),
    ).to.equal('5')
    expect(diagnostic(await sru({ operation: 'scan', version: '1.2' }))).to.equal('4')
    const tooMany = await search('title=の or title=は')
    expect(total(tooMany)).to.equal(0)
  })

  it('checks with a validator that does catch invalid responses', async () => {
    const $ = await fetch(
      `${server.baseUrl}/aoba/sru?operation=searchRetrieve&version=1.2&query=title%3D%E3%81%93%E3%81%93%E3%82%8D&recordSchema=marcxml&maximumRecords=1`,
    )
    const text = await $.text()
    expect(await schemaErrors(text, 'sru-responses.xsd')).to.deep.equal([])
    const badLeader = text.replace(/<marc:leader>[^<]*</, '<marc:leader>short<')
    expect(await schemaErrors(badLeader, 'sru-responses.xsd')).to.not.deep.equal([])
    const badDc = (
      await (
        await fetch(`${server.baseUrl}/aoba/sru?operation=searchRetrieve&version=1.2&query=a`)
      ).text()
    ).replace('<dc:title>', '<dc:titel>x</dc:titel><dc:title>')
    expect(await schemaErrors(badDc, 'sru-responses.xsd')).to.not.deep.equal([])
    const misplaced = text.replace(
      '<srw:version>1.2</srw:version>\n<srw:numberOfRecords>',
      '<srw:numberOfRecords>9</srw:numberOfRecords><srw:version>1.2</srw:version>\n<srw:numberOfRecords>',
    )
    expect(await schemaErrors(misplaced, 'sru-responses.xsd')).to.not.deep.equal([])
  })

  it('answers an unknown library 404 in plain text', async () => {
    const res = await fetch(`${server.baseUrl}/nowhere/sru?operation=explain`)
    expect(res.status).to.equal(404)
    expect(await res.text()).to.include('この図書館はありません')
  })
})
