import { expect } from 'chai'
import { CqlError, parseCql } from '../../../../server/services/interop/cql.ts'
import {
  mergeTerms,
  sruConjunctions,
  matchesNothing,
} from '../../../../server/services/interop/sru-query.ts'
import type { Conjunction } from '../../../../server/services/interop/sru-query.ts'
import type { SearchRequest } from '../../../../server/services/catalogue-service.ts'

/** A request as its non-empty fields (mode only with a title). */
function fields(r: SearchRequest): Record<string, string> {
  const out: Record<string, string> = {}
  for (const key of [
    'q',
    'title',
    'author',
    'publisher',
    'subject',
    'isbn',
    'from',
    'to',
  ] as const) {
    if (r[key]) out[key] = r[key]
  }
  if (r.title) out.mode = r.titleMode
  return out
}

function dnf(query: string): { not: boolean; fields: Record<string, string> }[][] {
  return sruConjunctions(parseCql(query)).map((c: Conjunction) =>
    c.map((t) => ({ not: t.negated, fields: fields(t.request) })),
  )
}

function diagnosticOf(query: string): number {
  try {
    sruConjunctions(parseCql(query))
  } catch (err) {
    if (err instanceof CqlError) return err.diagnostic
    throw err
  }
  throw new Error(`accepted: ${query}`)
}

describe('SRU query: CQL as the catalogue search requests', () => {
  it('maps each index, with or without its context set, to its search field', () => {
    expect(dnf('title=こころ')).to.deep.equal([
      [{ not: false, fields: { title: 'こころ', mode: 'contains' } }],
    ])
    expect(dnf('dc.creator all 夏目')[0]?.[0]?.fields).to.deep.equal({ author: '夏目' })
    expect(dnf('author=夏目')[0]?.[0]?.fields).to.deep.equal({ author: '夏目' })
    expect(dnf('subject=小説')[0]?.[0]?.fields).to.deep.equal({ subject: '小説' })
    expect(dnf('publisher=新潮社')[0]?.[0]?.fields).to.deep.equal({ publisher: '新潮社' })
    expect(dnf('cql.anywhere=猫')[0]?.[0]?.fields).to.deep.equal({ q: '猫' })
    expect(dnf('猫')[0]?.[0]?.fields).to.deep.equal({ q: '猫' })
    expect(dnf('isbn=978-4-10-101013-7')[0]?.[0]?.fields).to.deep.equal({
      isbn: '978-4-10-101013-7',
    })
    // a free word that is an ISBN searches the ISBN
    expect(dnf('anywhere=9784101010137')[0]?.[0]?.fields).to.deep.equal({ isbn: '9784101010137' })
  })

  it('reads == as exact, a trailing * on a title as its prefix', () => {
    expect(dnf('title=="こころ"')[0]?.[0]?.fields).to.deep.equal({ title: 'こころ', mode: 'exact' })
    expect(dnf('title=こころ*')[0]?.[0]?.fields).to.deep.equal({ title: 'こころ', mode: 'prefix' })
    expect(dnf('title="100\\*"')[0]?.[0]?.fields).to.deep.equal({
      title: '100*',
      mode: 'contains',
    })
  })

  it('reads dates as years and their relations as ranges', () => {
    expect(dnf('date=1914')[0]?.[0]?.fields).to.deep.equal({ from: '1914', to: '1914' })
    expect(dnf('date<1914')[0]?.[0]?.fields).to.deep.equal({ to: '1913' })
    expect(dnf('date<=1914')[0]?.[0]?.fields).to.deep.equal({ to: '1914' })
    expect(dnf('date>1914')[0]?.[0]?.fields).to.deep.equal({ from: '1915' })
    expect(dnf('date>=1914')[0]?.[0]?.fields).to.deep.equal({ from: '1914' })
  })

  it('makes any an OR of its words and all one request of them', () => {
    expect(dnf('title any "こころ 門"')).to.deep.equal([
      [{ not: false, fields: { title: 'こころ', mode: 'contains' } }],
      [{ not: false, fields: { title: '門', mode: 'contains' } }],
    ])
    expect(dnf('title all "こころ 門"')).to.have.length(1)
  })

  it('distributes and over or, and pushes not inwards', () => {
    const out = dnf('(a or b) and c')
    expect(out.map((c) => c.map((t) => t.fields.q))).to.deep.equal([
      ['a', 'c'],
      ['b', 'c'],
    ])
    // x not (a not b) = (x and not a) or (x and b)
    const nested = dnf('x not (a not b)')
    expect(nested.map((c) => c.map((t) => `${t.not ? '-' : ''}${t.fields.q}`))).to.deep.equal([
      ['x', '-a'],
      ['x', 'b'],
    ])
    // not (a or b) = not a and not b
    expect(dnf('x not title any "a b"')).to.deep.equal([
      [
        { not: false, fields: { q: 'x' } },
        { not: true, fields: { title: 'a', mode: 'contains' } },
        { not: true, fields: { title: 'b', mode: 'contains' } },
      ],
    ])
  })

  it('merges the terms of an AND into one request where one can say them', () => {
    const [conjunction] = sruConjunctions(
      parseCql('author=夏目漱石 and title=こころ and date>=1900'),
    )
    const merged = mergeTerms((conjunction ?? []).map((t) => t.request))
    expect(merged.map(fields)).to.deep.equal([
      { author: '夏目漱石', title: 'こころ', mode: 'contains', from: '1900' },
    ])
    const [two] = sruConjunctions(parseCql('title==こころ and title=門'))
    expect(mergeTerms((two ?? []).map((t) => t.request))).to.have.length(2)
    const [years] = sruConjunctions(parseCql('date>2000 and date<1990'))
    const [range] = mergeTerms((years ?? []).map((t) => t.request))
    expect(range && matchesNothing(range)).to.equal(true)
  })

  it('answers what it cannot search with the SRU diagnostic', () => {
    expect(diagnosticOf('foo=bar')).to.equal(16)
    expect(diagnosticOf('marc.245=bar')).to.equal(15)
    expect(diagnosticOf('title adj こころ')).to.equal(19)
    expect(diagnosticOf('title within こころ')).to.equal(19)
    expect(diagnosticOf('title < こころ')).to.equal(22)
    expect(diagnosticOf('title frobs こころ')).to.equal(19)
    expect(diagnosticOf('author==夏目漱石')).to.equal(22)
    expect(diagnosticOf('title=/fuzzy こころ')).to.equal(20)
    expect(diagnosticOf('title=""')).to.equal(27)
    expect(diagnosticOf('title=*ころ')).to.equal(28)
    expect(diagnosticOf('author=夏*')).to.equal(28)
    expect(diagnosticOf('title=^こころ')).to.equal(31)
    expect(diagnosticOf('date=明治')).to.equal(36)
    expect(diagnosticOf('isbn=123')).to.equal(36)
    expect(diagnosticOf('a prox b')).to.equal(37)
    const wide = Array.from({ length: 6 }, (_, i) => `(a${i} or b${i})`).join(' and ')
    expect(diagnosticOf(wide)).to.equal(38)
  })
})
