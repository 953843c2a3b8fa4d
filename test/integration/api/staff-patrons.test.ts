// The staff API's ground and its patron endpoints over real HTTP on MariaDB: tokens (none,
// wrong, revoked, another library's), JSON errors naming the field, the OpenAPI document, the
// audit without personal data, and patron registration, changes, suspension, passwords,
// unlocking and ending sessions under both presets.
import { expect } from 'chai'
import { holdFixture } from '../../helpers/hold-fixture.ts'
import type { FixtureLibrary } from '../../helpers/hold-fixture.ts'
import { staffClient, staffToken } from '../../helpers/staff-client.ts'
import type { StaffCall } from '../../helpers/staff-client.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { startTestServer } from '../../helpers/test-server.ts'
import type { TestServer } from '../../helpers/test-server.ts'

type Json = Record<string, unknown>

describe('staff API: auth, errors and patrons', function () {
  this.timeout(60_000)
  let t: TestDatabase
  let server: TestServer
  let a: FixtureLibrary
  let b: FixtureLibrary
  let callA: StaffCall
  let callB: StaffCall
  let tokenB: string

  before(async () => {
    t = await createTestDatabase({ prefix: 'staffpat' })
    a = await holdFixture(t.db, 'A', { patrons: 2 })
    b = await holdFixture(t.db, 'B', { patrons: 2 })
    server = await startTestServer(t.db)
    callA = staffClient(server.baseUrl, await staffToken(server.deps, a.library.id, 'counter-a'))
    tokenB = await staffToken(server.deps, b.library.id, 'counter-b')
    callB = staffClient(server.baseUrl, tokenB)
  })
  after(async () => server.close())

  const newPatron = (card: string, over: Json = {}) => ({
    cardNumber: card,
    fullName: '湊 太郎',
    fullNameReading: 'ミナト タロウ',
    birthDate: '1990-04-01',
    residency: 'resident',
    ...over,
  })

  it('answers 401 in JSON without a token, with a wrong or a revoked one', async () => {
    for (const token of [null, 'opst_wrong', `opst_${'x'.repeat(43)}`]) {
      const res = await staffClient(server.baseUrl, token)('GET', '/patrons/1')
      expect(res.status).to.equal(401)
      expect(res.headers.get('www-authenticate')).to.match(/^Bearer/)
      expect(res.body).to.deep.equal({
        error: { code: 'unauthorized', message: 'a valid Bearer token is required' },
      })
    }
    const token = await staffToken(server.deps, a.library.id, 'short-lived')
    expect(
      (await staffClient(server.baseUrl, token)('GET', `/patrons/${a.patrons.p1}`)).status,
    ).to.equal(200)
    expect(await server.deps.services.staffTokens.revoke(a.library.id, 'short-lived')).to.equal(
      true,
    )
    expect(
      (await staffClient(server.baseUrl, token)('GET', `/patrons/${a.patrons.p1}`)).status,
    ).to.equal(401)
  })

  it('stores only a hash of a token, and refuses a second token of the same name', async () => {
    const token = await staffToken(server.deps, a.library.id, 'hashed')
    const rows = await t.db.selectFrom('staff_token').select('token_hash').execute()
    expect(rows.map((r) => r.token_hash)).to.not.include(token)
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash))).to.equal(true)
    const again = await server.deps.services.staffTokens.create(a.library.id, 'hashed')
    expect(again).to.deep.equal({ ok: false, reason: 'name_taken' })
  })

  it('serves the OpenAPI document generated from the request schemas', async () => {
    const res = await fetch(`${server.baseUrl}/api/staff/v1/openapi.json`)
    expect(res.status).to.equal(200)
    const doc = (await res.json()) as {
      openapi: string
      paths: Record<string, Record<string, unknown>>
      components: { securitySchemes: Json; schemas: Json }
    }
    expect(doc.openapi).to.equal('3.1.0')
    expect(doc.paths).to.have.property('/api/staff/v1/patrons/{id}').that.has.keys('get', 'patch')
    expect(doc.paths['/api/staff/v1/patrons/{id}/password']).to.have.property('post')
    expect(doc.components.securitySchemes).to.have.property('bearerAuth')
    expect(doc.components.schemas).to.include.keys('Patron', 'PatronInput', 'Error')
  })

  it('registers a patron, finds them by card, changes them; a taken card is 409', async () => {
    const created = await callB('POST', '/patrons', newPatron('２２０１－９９００１'))
    expect(created.status).to.equal(201)
    expect(created.body).to.include({
      cardNumber: '220199001',
      fullName: '湊 太郎',
      birthDate: '1990-04-01',
      hasPassword: false,
      ageGroup: 'adult',
      suspended: null,
    })
    const id = (created.body as Json).id as number
    const found = await callB('GET', '/patrons?card=220199001')
    expect(found.status).to.equal(200)
    expect((found.body as Json).id).to.equal(id)
    const changed = await callB('PATCH', `/patrons/${id}`, {
      residency: 'worker',
      ageGroup: 'young_adult',
    })
    expect(changed.status).to.equal(200)
    expect(changed.body).to.include({
      residency: 'worker',
      ageGroup: 'young_adult',
      fullName: '湊 太郎',
    })
    const taken = await callB('POST', '/patrons', newPatron('220199001'))
    expect(taken.status).to.equal(409)
    expect((taken.body as { error: Json }).error.code).to.equal('card_taken')
  })

  it('answers 400 naming the field for invalid bodies, and for malformed JSON', async () => {
    const cases: [unknown, RegExp][] = [
      [newPatron('220199002', { birthDate: '1990-02-30' }), /^birthDate: /],
      [newPatron('220199002', { residency: 'martian' }), /^residency: /],
      [{ ...newPatron('220199002'), fullName: undefined }, /^fullName: /],
      [newPatron('220199002', { extra: 1 }), /extra/],
      [newPatron('abc'), /^cardNumber: /],
      ['{"cardNumber": ', /./],
    ]
    for (const [body, message] of cases) {
      const res = await callB('POST', '/patrons', body)
      expect(res.status, JSON.stringify(body)).to.equal(400)
      const error = (res.body as { error: { code: string; message: string } }).error
      expect(error.code).to.equal('invalid_request')
      expect(error.message).to.match(message)
    }
    expect((await callB('GET', '/patrons/abc')).status).to.equal(400)
    const headers = { authorization: `Bearer ${tokenB}` }
    const form = await fetch(`${server.baseUrl}/api/staff/v1/patrons`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'cardNumber=1',
    })
    expect(form.status).to.equal(415)
    expect(((await form.json()) as { error: { code: string } }).error.code).to.equal(
      'invalid_request',
    )
    const huge = await fetch(`${server.baseUrl}/api/staff/v1/patrons`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ fullName: 'x'.repeat(2 * 1024 * 1024) }),
    })
    expect(huge.status).to.equal(413)
    expect(((await huge.json()) as { error: { code: string } }).error.code).to.equal('too_large')
    expect((await callB('GET', '/no-such-endpoint')).body).to.deep.equal({
      error: { code: 'not_found', message: 'no such endpoint' },
    })
  })

  it('answers 404 for another library’s patron, whatever the call', async () => {
    const other = a.patrons.p1!
    for (const [method, path, body] of [
      ['GET', `/patrons/${other}`],
      ['PATCH', `/patrons/${other}`, { fullName: 'x' }],
      ['PUT', `/patrons/${other}/suspension`, { reason: 'x' }],
      ['POST', `/patrons/${other}/password`],
      ['POST', `/patrons/${other}/unlock`],
      ['POST', `/patrons/${other}/end-sessions`],
    ] as [string, string, unknown][]) {
      const res = await callB(method, path, body)
      expect(res.status, `${method} ${path}`).to.equal(404)
      expect(JSON.stringify(res.body)).to.not.include('p1')
    }
    await t.db
      .updateTable('patron')
      .set({ card_number: '8000001' })
      .where('id', '=', other)
      .execute()
    expect((await callB('GET', '/patrons?card=8000001')).status).to.equal(404)
    expect((await callA('GET', '/patrons?card=8000001')).status).to.equal(200)
    const row = await t.db
      .selectFrom('patron')
      .select(['full_name', 'suspended_at'])
      .where('id', '=', other)
      .executeTakeFirstOrThrow()
    expect(row).to.deep.equal({ full_name: 'p1', suspended_at: null })
  })

  it('suspends a patron and lifts it', async () => {
    const id = b.patrons.p1!
    const on = await callB('PUT', `/patrons/${id}/suspension`, { reason: '長期延滞' })
    expect(on.status).to.equal(200)
    expect((on.body as { suspended: Json }).suspended).to.include({ reason: '長期延滞' })
    const off = await callB('DELETE', `/patrons/${id}/suspension`)
    expect((off.body as Json).suspended).to.equal(null)
  })

  it('rules B: issues an 8-character initial password once; the patron can log in with it', async () => {
    const created = await callB('POST', '/patrons', newPatron('220199010'))
    const id = (created.body as Json).id as number
    const res = await callB('POST', `/patrons/${id}/password`)
    expect(res.status).to.equal(200)
    expect(res.headers.get('cache-control')).to.equal('no-store')
    const body = res.body as { kind: string; password: string; patron: Json }
    expect(body.kind).to.equal('issued')
    expect(body.password).to.match(/^[A-Za-z0-9]{8}$/)
    expect(body.patron).to.include({ hasPassword: true, passwordIsInitial: true })
    const login = await server.deps.services.auth.login(b.library.id, b.settings, {
      card: '220199010',
      password: body.password,
      address: '127.0.0.9',
    })
    expect(login.ok).to.equal(true)
    const child = await callB(
      'POST',
      '/patrons',
      newPatron('220199011', { birthDate: '2022-01-01' }),
    )
    const refused = await callB('POST', `/patrons/${(child.body as Json).id as number}/password`)
    expect(refused.status).to.equal(409)
    expect((refused.body as { error: Json }).error.code).to.equal('ineligible_under_age')
  })

  it('rules A: clears a forgotten password so that the patron registers again', async () => {
    const res = await callA('POST', `/patrons/${a.patrons.p2}/password`)
    expect(res.status).to.equal(200)
    expect(res.body).to.not.have.property('password')
    expect((res.body as { kind: string }).kind).to.equal('cleared')
    expect((res.body as { patron: Json }).patron).to.include({ hasPassword: false })
  })

  it('unlocks a card locked by failed logins, and ends a patron’s sessions', async () => {
    const id = b.patrons.p2!
    const card = (
      await t.db
        .selectFrom('patron')
        .select('card_number')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).card_number
    for (let i = 0; i < 5; i++) {
      await server.deps.services.auth.login(b.library.id, b.settings, {
        card,
        password: 'wrong1',
        address: `10.0.0.${i}`,
      })
    }
    expect((await callB('GET', `/patrons/${id}`)).body)
      .to.have.property('lockedUntil')
      .that.is.a('string')
    const unlocked = await callB('POST', `/patrons/${id}/unlock`)
    expect((unlocked.body as Json).lockedUntil).to.equal(null)

    await t.db
      .insertInto('session')
      .values([
        {
          sid: 's1',
          expires_at: '2030-01-01 00:00:00',
          data: JSON.stringify({ patronId: id, libraryId: b.library.id }),
        },
        {
          sid: 's2',
          expires_at: '2030-01-01 00:00:00',
          data: JSON.stringify({ patronId: id, libraryId: a.library.id }),
        },
        { sid: 's3', expires_at: '2030-01-01 00:00:00', data: JSON.stringify({ csrfToken: 'x' }) },
      ])
      .execute()
    const ended = await callB('POST', `/patrons/${id}/end-sessions`)
    expect(ended.body).to.deep.equal({ ended: 1 })
    const left = await t.db.selectFrom('session').select('sid').orderBy('sid').execute()
    expect(left.map((r) => r.sid)).to.deep.equal(['s2', 's3'])
  })

  it('audits every authenticated call with the token’s name and the route pattern, no personal data', async () => {
    await callB('GET', '/patrons?card=220199001')
    const lines = await t.db
      .selectFrom('staff_audit')
      .select(['token_name', 'method', 'route', 'status'])
      .where('library_id', '=', b.library.id)
      .orderBy('id')
      .execute()
    expect(lines.length).to.be.greaterThan(10)
    expect(lines).to.deep.include({
      token_name: 'counter-b',
      method: 'GET',
      route: '/api/staff/v1/patrons/:id',
      status: 404,
    })
    expect(lines).to.deep.include({
      token_name: 'counter-b',
      method: 'POST',
      route: '/api/staff/v1/patrons',
      status: 201,
    })
    const all = JSON.stringify(lines)
    expect(all).to.not.match(/220199001|湊|card=/)
  })
})
