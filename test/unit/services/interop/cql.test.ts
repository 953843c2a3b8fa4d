import { expect } from 'chai'
import { CqlError, MAX_CQL_BOOLEANS, parseCql } from '../../../../server/services/interop/cql.ts'
import type { CqlNode } from '../../../../server/services/interop/cql.ts'

/** The tree as a short string: (left op right), index relation "term". */
function show(node: CqlNode): string {
  if (node.type === 'clause') return `${node.index} ${node.relation} "${node.term}"`
  return `(${show(node.left)} ${node.op} ${show(node.right)})`
}

function diagnosticOf(query: string): number {
  try {
    parseCql(query)
  } catch (err) {
    if (err instanceof CqlError) return err.diagnostic
    throw err
  }
  throw new Error(`parsed: ${query}`)
}

describe('CQL parser', () => {
  it('reads a bare term as a server-choice search', () => {
    expect(show(parseCql('こころ'))).to.equal('cql.serverChoice = "こころ"')
    expect(show(parseCql('"吾輩は 猫である"'))).to.equal('cql.serverChoice = "吾輩は 猫である"')
  })

  it('reads index, symbol relation and term, with or without spaces', () => {
    expect(show(parseCql('title=こころ'))).to.equal('title = "こころ"')
    expect(show(parseCql('dc.title == "こころ"'))).to.equal('dc.title == "こころ"')
    expect(show(parseCql('date>=1900'))).to.equal('date >= "1900"')
    expect(show(parseCql('date <> 1900'))).to.equal('date <> "1900"')
  })

  it('reads named relations, lowercased, and their modifiers', () => {
    expect(show(parseCql('title ANY "こころ 坊っちゃん"'))).to.equal(
      'title any "こころ 坊っちゃん"',
    )
    const tree = parseCql('title all/cql.unmasked こころ')
    expect(tree).to.deep.include({ relation: 'all', term: 'こころ' })
    expect(tree.type === 'clause' && tree.modifiers).to.deep.equal([{ name: 'cql.unmasked' }])
    const withValue = parseCql('title =/locale=ja こころ')
    expect(withValue.type === 'clause' && withValue.modifiers).to.deep.equal([
      { name: 'locale', comparitor: '=', value: 'ja' },
    ])
  })

  it('combines left to right at one precedence, parentheses first', () => {
    expect(show(parseCql('a and b or c'))).to.equal(
      '((cql.serverChoice = "a" and cql.serverChoice = "b") or cql.serverChoice = "c")',
    )
    expect(show(parseCql('a and (b or c)'))).to.equal(
      '(cql.serverChoice = "a" and (cql.serverChoice = "b" or cql.serverChoice = "c"))',
    )
    expect(show(parseCql('author=夏目漱石 NOT title=こころ'))).to.equal(
      '(author = "夏目漱石" not title = "こころ")',
    )
  })

  it('takes boolean words as terms when quoted or after a relation', () => {
    expect(show(parseCql('title="and"'))).to.equal('title = "and"')
    expect(show(parseCql('title = or'))).to.equal('title = "or"')
  })

  it('keeps escapes but the escaped quote', () => {
    expect(show(parseCql('title="a \\"b\\" c\\*"'))).to.equal('title = "a "b" c\\*"')
  })

  it('refuses what is not CQL with the SRU diagnostic', () => {
    expect(diagnosticOf('')).to.equal(10)
    expect(diagnosticOf('title=')).to.equal(10)
    expect(diagnosticOf('a b')).to.equal(10)
    expect(diagnosticOf('a and')).to.equal(10)
    expect(diagnosticOf('"title"=a')).to.equal(10)
    expect(diagnosticOf('(a or b')).to.equal(13)
    expect(diagnosticOf('a or b)')).to.equal(13)
    expect(diagnosticOf('()')).to.equal(13)
    expect(diagnosticOf('title="こころ')).to.equal(14)
    expect(diagnosticOf('x'.repeat(1001))).to.equal(12)
    const many = Array.from({ length: MAX_CQL_BOOLEANS + 2 }, (_, i) => `w${i}`).join(' or ')
    expect(diagnosticOf(many)).to.equal(38)
  })
})
