// Catalogue maintenance through the staff API over real HTTP on MariaDB: records and copies
// created, changed and deleted, the search following at once, tombstones left for harvesters,
// refusals (copies left, holds, loans, taken barcodes) and another library's ids → 404.
import { expect } from 'chai'
import { load } from 'cheerio'
import { opacJobRunner } from '../../../server/jobs/opac-jobs.ts'
import { textOf } from '../../helpers/form-client.ts'
import { holdFixture } from '../../helpers/hold-fixture.ts'
import type { FixtureLibrary } from '../../helpers/hold-fixture.ts'
import { staffClient, staffToken } from '../../helpers/staff-client.ts'
import type { StaffCall } from '../../helpers/staff-client.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { get, startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'

type Json = Record<string, unknown>
type ErrorJson = { error: { code: string; message: string } }

describe('staff API: catalogue', function () {
  this.timeout(60_000)
  let server: TestServer
  let a: FixtureLibrary
  let b: FixtureLibrary
  let callA: StaffCall
  let callB: StaffCall

  let t: TestDatabase

  before(async () => {
    t = await createTestDatabase({ prefix: 'staffcat' })
    a = await holdFixture(t.db, 'A', { patrons: 1 })
    b = await holdFixture(t.db, 'B', { patrons: 2 })
    server = await startTestServer(t.db)
    callA = staffClient(server.baseUrl, await staffToken(server.deps, a.library.id))
    callB = staffClient(server.baseUrl, await staffToken(server.deps, b.library.id))
  })
  after(async () => server.close())

  const titles = async (q: string) => {
    const res = await get(server.baseUrl, `/${b.slug}/search?q=${encodeURIComponent(q)}`)
    const $ = load(res.text)
    return $('main h2 a, main h3 a, main li a')
      .map((_i, e) => $(e).text())
      .get()
      .join('\n')
  }

  it('creates, changes and deletes a record and its copy; the search follows; tombstones stay', async () => {
    const created = await callB('POST', '/records', {
      title: '吾輩は猫である',
      titleReading: 'ワガハイ ワ ネコ デ アル',
      author: '夏目漱石 著',
      publisher: '岩波書店',
      pubYear: 1990,
      isbn: '4-00-310101-4',
      ndc: '913.6',
      materialType: 'book',
    })
    expect(created.status, JSON.stringify(created.body)).to.equal(201)
    const record = created.body as Json
    expect(record).to.include({ title: '吾輩は猫である', isbn: '9784003101018', source: 'staff' })
    const id = record.id as number
    expect(await titles('吾輩は猫')).to.include('吾輩は猫である')

    const copy = await callB('POST', '/copies', {
      recordId: id,
      branchId: b.branchIds.east,
      barcode: 'B0000001',
      callNumber: '913.6/ナ',
      acquiredOn: '2026-11-20',
    })
    expect(copy.status).to.equal(201)
    expect(copy.body).to.include({
      status: 'available',
      referenceOnly: false,
      branchId: b.branchIds.east,
    })
    const copyId = (copy.body as Json).id as number
    const taken = await callB('POST', '/copies', {
      recordId: id,
      branchId: b.branchIds.east,
      barcode: 'B0000001',
      acquiredOn: '2026-11-20',
    })
    expect((taken.body as ErrorJson).error.code).to.equal('barcode_taken')

    const changed = await callB('PATCH', `/records/${id}`, { title: '吾輩ハ猫デアル' })
    expect(changed.body).to.include({ title: '吾輩ハ猫デアル', author: '夏目漱石 著' })
    expect(await titles('吾輩ハ猫デアル')).to.include('吾輩ハ猫デアル')
    expect((await callB('PATCH', `/records/${id}`, { isbn: '123' })).status).to.equal(400)

    expect((await callB('PATCH', `/copies/${copyId}`, { status: 'in_repair' })).body).to.include({
      status: 'in_repair',
    })
    const busy = await callB('DELETE', `/records/${id}`)
    expect((busy.body as ErrorJson).error.code).to.equal('has_copies')
    expect((await callB('DELETE', `/copies/${copyId}`)).body).to.deep.equal({ deleted: true })
    expect((await callB('DELETE', `/records/${id}`)).body).to.deep.equal({ deleted: true })
    expect((await callB('GET', `/records/${id}`)).status).to.equal(404)
    expect(await titles('吾輩ハ猫デアル')).to.not.include('吾輩ハ猫デアル')
    const tombstones = await callB('GET', '/tombstones?since=2026-01-01')
    const rows = (tombstones.body as { tombstones: Json[] }).tombstones
    expect(rows.map((r) => [r.kind, r.id])).to.deep.equal([
      ['copy', copyId],
      ['record', id],
    ])
    expect(rows[0]).to.include({ barcode: 'B0000001', recordId: id })
    expect(
      ((await callA('GET', '/tombstones?since=2026-01-01')).body as { tombstones: Json[] })
        .tombstones,
    ).to.have.length(0)
  })

  it('refuses to delete a held title, a lent copy; identifies records by source', async () => {
    await callB('POST', '/holds', {
      patronId: b.patrons.p1,
      recordId: b.records.popular,
      pickupBranchId: b.branchIds.east,
      channel: 'counter',
    })
    expect(
      ((await callB('DELETE', `/records/${b.records.popular}`)).body as ErrorJson).error.code,
    ).to.equal('has_holds')
    const shelfCopy = b.copies.shelf![0]!
    const barcode = ((await callB('GET', `/copies/${shelfCopy}`)).body as Json).barcode as string
    await callB('POST', '/checkouts', { patronId: b.patrons.p2, barcode })
    expect(((await callB('DELETE', `/copies/${shelfCopy}`)).body as ErrorJson).error.code).to.equal(
      'on_loan',
    )
    expect(
      ((await callB('PATCH', `/copies/${shelfCopy}`, { status: 'missing' })).body as ErrorJson)
        .error.code,
    ).to.equal('copy_busy')
    const input = { title: 'x', materialType: 'book', source: 'ndl', sourceId: 'R100-I1' }
    expect((await callB('POST', '/records', input)).status).to.equal(201)
    expect((await callB('POST', '/records', input)).status).to.equal(409)
    expect((await callA('POST', '/records', input)).status).to.equal(201)
  })

  it('deletes a withdrawn title whose holds are all over (cancelled), with those holds', async () => {
    const placed = await callB('POST', '/holds', {
      patronId: b.patrons.p2,
      recordId: b.records.volume3,
      pickupBranchId: b.branchIds.central,
      channel: 'counter',
    })
    expect(placed.status, JSON.stringify(placed.body)).to.equal(201)
    const holdId = (placed.body as { holdId: number }).holdId
    expect((await callB('POST', `/holds/${holdId}/cancel`)).status).to.equal(200)
    // A notice of the hold still waiting for the mail job, and one already mailed.
    const notice = (mailId: number | null) => ({
      library_id: b.library.id,
      patron_id: b.patrons.p2!,
      hold_id: holdId,
      kind: 'expired' as const,
      created_at: '2026-11-20 09:00:00',
      mail_id: mailId,
    })
    await server.deps.db
      .insertInto('hold_notice')
      .values([notice(null), notice(0)])
      .execute()
    for (const copyId of b.copies.volume3 ?? []) {
      expect((await callB('DELETE', `/copies/${copyId}`)).body).to.deep.equal({ deleted: true })
    }
    const deleted = await callB('DELETE', `/records/${b.records.volume3}`)
    expect(deleted.body).to.deep.equal({ deleted: true })
    expect((await callB('GET', `/records/${b.records.volume3}`)).status).to.equal(404)
    const left = await server.deps.db
      .selectFrom('hold')
      .select('id')
      .where('record_id', '=', b.records.volume3!)
      .execute()
    expect(left).to.deep.equal([])
    // The waiting notice would name a title that is gone: it goes; the mailed one stays until
    // the mail retention.
    const notices = await server.deps.db
      .selectFrom('hold_notice')
      .select('mail_id')
      .where('hold_id', '=', holdId)
      .execute()
    expect(notices).to.deep.equal([{ mail_id: 0 }])
  })

  it('deleting a copy keeps its returned loans: the patron’s, the ranking’s and popularity’s', async () => {
    const copyId = a.copies.shelf![0]!
    const barcode = ((await callA('GET', `/copies/${copyId}`)).body as Json).barcode as string
    expect(
      (await callA('POST', '/checkouts', { patronId: a.patrons.p1, barcode })).status,
    ).to.equal(201)
    await callA('POST', '/checkins', { barcode, branchId: a.branchIds.central })
    const ranked = async () =>
      textOf((await get(server.baseUrl, `/${a.slug}/ranking?kind=loans&period=1m`)).text)
    expect(await ranked()).to.match(/shelf[^]*期間中の貸出 1件/)

    expect((await callA('DELETE', `/copies/${copyId}`)).body).to.deep.equal({ deleted: true })
    const loans = await t.db
      .selectFrom('loan')
      .select(['patron_id', 'copy_id', 'record_id', 'loaned_on', 'returned_at'])
      .where('library_id', '=', a.library.id)
      .where('patron_id', '=', a.patrons.p1!)
      .execute()
    expect(loans).to.have.length(1)
    expect(loans[0]).to.include({
      copy_id: null,
      record_id: a.records.shelf,
      loaned_on: '2026-11-23',
    })
    expect(loans[0]!.returned_at).to.be.a('string')
    // The title still ranks with its loan, and its popularity (for 適合順) counts it:
    // ROUND(100 × ln(1 + 2 × 0 copies + 1 loan)) = 69.
    expect(await ranked()).to.match(/shelf[^]*期間中の貸出 1件/)
    const run = await opacJobRunner(server.deps).run('search-popularity')
    expect(run.ok).to.equal(true)
    const record = await t.db
      .selectFrom('record')
      .select('popularity')
      .where('id', '=', a.records.shelf!)
      .executeTakeFirstOrThrow()
    expect(record.popularity).to.equal(69)
  })

  it('answers 404 for another library’s records, copies and branches', async () => {
    const cases: [string, string, unknown][] = [
      ['GET', `/records/${a.records.book}`, undefined],
      ['PATCH', `/records/${a.records.book}`, { title: 'x' }],
      ['DELETE', `/records/${a.records.lost}`, undefined],
      ['GET', `/copies/${a.copies.book![0]}`, undefined],
      ['DELETE', `/copies/${a.copies.lost![0]}`, undefined],
      [
        'POST',
        '/copies',
        {
          recordId: a.records.book,
          branchId: b.branchIds.east,
          barcode: 'X1',
          acquiredOn: '2026-11-01',
        },
      ],
      [
        'POST',
        '/copies',
        {
          recordId: b.records.book,
          branchId: a.branchIds.east,
          barcode: 'X2',
          acquiredOn: '2026-11-01',
        },
      ],
    ]
    for (const [method, path, body] of cases) {
      expect((await callB(method, path, body)).status, `${method} ${path}`).to.equal(404)
    }
    const bad = await callB('POST', '/records', { title: '', materialType: 'scroll' })
    expect((bad.body as ErrorJson).error.message).to.match(/^title: /)
  })
})
