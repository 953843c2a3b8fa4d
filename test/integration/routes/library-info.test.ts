// What patrons see of the calendar and the お知らせ staff keep through the API: today's state
// and the next opening day on the top page, the 開館日カレンダー (a month table with caption
// and header cells on PC, the next closed days on keitai within 5,120 bytes), and notices
// listed on both channels' top pages until withdrawn.
import { expect } from 'chai'
import { load } from 'cheerio'
import { expectGoodKeitaiPage, expectGoodPcPage } from '../../helpers/html-assertions.ts'
import { holdFixture } from '../../helpers/hold-fixture.ts'
import type { FixtureLibrary } from '../../helpers/hold-fixture.ts'
import { staffClient, staffToken } from '../../helpers/staff-client.ts'
import type { StaffCall } from '../../helpers/staff-client.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import { KEITAI_UA, get, startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'

describe('calendar and notices on the patron pages', function () {
  this.timeout(60_000)
  let server: TestServer
  let b: FixtureLibrary
  let call: StaffCall

  before(async () => {
    const t = await createTestDatabase({ prefix: 'libinfo' })
    b = await holdFixture(t.db, 'B', { patrons: 1 })
    server = await startTestServer(t.db) // Mon 2026-11-23 10:00 in Tokyo
    call = staffClient(server.baseUrl, await staffToken(server.deps, b.library.id))
    await call('PUT', '/calendar/weekly', { openingHours: '9:00〜19:00' })
  })
  after(async () => server.close())

  it('shows today closed and the next opening day on both top pages', async () => {
    const pc = await get(server.baseUrl, `/${b.slug}/`)
    expect(pc.status).to.equal(200)
    await expectGoodPcPage(pc.text)
    const $ = load(pc.text)
    expect($('p.today').text()).to.include(
      '本日2026年11月23日(月)は休館日です。次の開館日は2026年11月24日(火)です。',
    )
    expect($('p.today').text()).to.include('開館時間：9:00〜19:00')
    expect($(`a[href="/${b.slug}/calendar"]`).length).to.be.greaterThan(0)
    const k = await get(server.baseUrl, `/${b.slug}/k/`, { 'user-agent': KEITAI_UA })
    expectGoodKeitaiPage(k)
    expect(k.text).to.include('本日休館 次の開館日11/24(火)')
    expect(k.text).to.include(`<a href="/${b.slug}/k/calendar" accesskey="6">開館日カレンダー</a>`)
  })

  it('PC: a month table with caption and header cells, closed days marked and listed', async () => {
    const res = await get(server.baseUrl, `/${b.slug}/calendar?month=2026-12`)
    expect(res.status).to.equal(200)
    await expectGoodPcPage(res.text)
    const $ = load(res.text)
    expect($('table.calendar caption').text()).to.equal('2026年12月の開館日（全館）')
    expect(
      $('table.calendar thead th[scope="col"]')
        .map((_i, e) => $(e).text())
        .get(),
    ).to.deep.equal(['日', '月', '火', '水', '木', '金', '土'])
    const cells = $('table.calendar tbody td')
    expect(cells.length % 7).to.equal(0)
    // 2026-12-01 is a Tuesday: two empty cells first.
    expect($(cells[0]).text()).to.equal('')
    expect($(cells[2]).text()).to.equal('1開館')
    expect($(cells[3]).text()).to.equal('2開館')
    const dec29 = cells.filter((_i, e) => $(e).text().startsWith('29'))
    expect(dec29.attr('class')).to.equal('closed')
    expect(dec29.text()).to.equal('29休館年末年始')
    const list = $('ul.closed-days li')
      .map((_i, e) => $(e).text())
      .get()
    expect(list).to.include('2026年12月7日(月) 休館日')
    expect(list).to.include('2026年12月31日(木) 年末年始')
    expect(
      $('p.pager a')
        .map((_i, e) => $(e).attr('href'))
        .get(),
    ).to.deep.equal([`/${b.slug}/calendar?month=2026-11`, `/${b.slug}/calendar?month=2027-01`])
    for (const month of ['2026-13', '2024-01', 'x']) {
      expect(
        (await get(server.baseUrl, `/${b.slug}/calendar?month=${month}`)).status,
        month,
      ).to.equal(404)
    }
  })

  it('shows a branch’s own closures on its calendar', async () => {
    await call('PUT', '/calendar/days', {
      branchId: b.branchIds.east,
      days: [{ day: '2026-12-02', open: false, note: '館内整理' }],
    })
    const res = await get(
      server.baseUrl,
      `/${b.slug}/calendar?month=2026-12&branch=${b.branchIds.east}`,
    )
    const $ = load(res.text)
    expect($('table.calendar caption').text()).to.equal('2026年12月の開館日（東分館）')
    expect($('ul.closed-days').text()).to.include('2026年12月2日(水) 館内整理')
    const all = load((await get(server.baseUrl, `/${b.slug}/calendar?month=2026-12`)).text)
    expect(all('ul.closed-days').text()).to.not.include('館内整理')
    expect((await get(server.baseUrl, `/${b.slug}/calendar?branch=999999`)).status).to.equal(404)
  })

  it('keitai: today, the next opening day and the next closed days, within budget', async () => {
    const res = await get(server.baseUrl, `/${b.slug}/k/calendar`, { 'user-agent': KEITAI_UA })
    expectGoodKeitaiPage(res)
    expect(res.text).to.include('本日11/23(月)休館<br>')
    expect(res.text).to.include('次の開館日11/24(火)')
    expect(res.text).to.match(/開館時間9:00[〜～]19:00/)
    const closed = res.text.slice(res.text.indexOf('休館日<br>'))
    expect(closed).to.match(/11\/23\(月\)<br>\s*11\/30\(月\)<br>\s*12\/7\(月\)<br>/)
    expect(closed).to.include('12/29(火) 年末年始')
  })

  it('lists current notices on both top pages, shows them, and drops withdrawn ones', async () => {
    const posted = await call('POST', '/notices', {
      title: '年末年始の休館について',
      body: '12月29日から1月3日まで休館します。\n\n返却はブックポストへ。',
    })
    const id = (posted.body as { id: number }).id
    await call('POST', '/notices', { title: '来月のおはなし会', body: '…', showFrom: '2026-12-01' })
    const pc = load((await get(server.baseUrl, `/${b.slug}/`)).text)
    expect(
      pc('ul.notices li')
        .map((_i, e) => pc(e).text())
        .get(),
    ).to.deep.equal(['2026年11月23日(月) 年末年始の休館について'])
    const page = await get(server.baseUrl, `/${b.slug}/notices/${id}`)
    await expectGoodPcPage(page.text)
    expect(load(page.text)('main p, p').text()).to.include('返却はブックポストへ。')
    const k = await get(server.baseUrl, `/${b.slug}/k/`, { 'user-agent': KEITAI_UA })
    expectGoodKeitaiPage(k)
    expect(k.text).to.include(`・<a href="/${b.slug}/k/notices/${id}">年末年始の休館について</a>`)
    const kNotice = await get(server.baseUrl, `/${b.slug}/k/notices/${id}`, {
      'user-agent': KEITAI_UA,
    })
    expectGoodKeitaiPage(kNotice)

    const long = await call('POST', '/notices', { title: '長いお知らせ', body: 'あ'.repeat(4000) })
    const kLong = await get(
      server.baseUrl,
      `/${b.slug}/k/notices/${(long.body as { id: number }).id}`,
      { 'user-agent': KEITAI_UA },
    )
    expectGoodKeitaiPage(kLong)
    expect(kLong.text).to.include('続きはPC版でご覧ください。')

    await call('DELETE', `/notices/${id}`)
    expect(
      load((await get(server.baseUrl, `/${b.slug}/`)).text)('ul.notices').text(),
    ).to.not.include('年末年始')
    expect((await get(server.baseUrl, `/${b.slug}/notices/${id}`)).status).to.equal(404)
    expect((await get(server.baseUrl, `/${b.slug}/notices/abc`)).status).to.equal(404)
  })
})
