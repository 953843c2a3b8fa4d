// The renderer's path memory (production, template cache on): Eta's resolution of a template
// name to its file runs once per (including file, name); renders and errors are as without it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { Eta } from 'eta'
import { rememberPaths } from '../../../server/render/views.ts'

describe('renderer: template paths resolved once', () => {
  let dir = ''
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'opac-views-'))
    writeFileSync(join(dir, 'page.eta'), '<p><%= it.n %></p><%~ include("./part", it) %>')
    writeFileSync(join(dir, 'part.eta'), '<i><%= it.n %></i>')
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  const etaWithCount = () => {
    const eta = new Eta({ views: dir, cache: true, autoEscape: true })
    const resolve = eta.resolvePath!
    const calls: string[] = []
    const counted: NonNullable<Eta['resolvePath']> = function (template, options) {
      calls.push(template)
      return resolve.call(this, template, options)
    }
    eta.resolvePath = counted
    rememberPaths(eta)
    return { eta, calls }
  }

  it('renders as Eta does, asking Eta once per template and including file', () => {
    const { eta, calls } = etaWithCount()
    const plain = new Eta({ views: dir, cache: true, autoEscape: true })
    for (const n of [1, 2, 3]) {
      expect(eta.render('./page', { n })).to.equal(plain.render('./page', { n }))
    }
    expect(eta.render('./page', { n: '<&>' })).to.equal('<p>&lt;&amp;&gt;</p><i>&lt;&amp;&gt;</i>')
    expect(calls).to.deep.equal(['./page', './part'])
  })

  it('keeps no answer for a template that is missing or outside the views', () => {
    const { eta, calls } = etaWithCount()
    expect(() => eta.render('./missing', {})).to.throw(/Could not find template/)
    expect(() => eta.render('./missing', {})).to.throw(/Could not find template/)
    expect(() => eta.render('../outside', {})).to.throw(/not in the views directory/)
    expect(() => eta.render('../outside', {})).to.throw(/not in the views directory/)
    // The missing file resolves to a path (Eta reads it afterwards); the outside one never does.
    expect(calls).to.deep.equal(['./missing', '../outside', '../outside'])
  })
})
