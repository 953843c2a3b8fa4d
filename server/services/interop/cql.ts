// A CQL parser (Contextual Query Language 1.2, the query language of SRU 1.2): the grammar of
// https://www.loc.gov/standards/sru/cql/spec.html without prefix assignments and proximity,
// which the catalogue cannot answer. No npm package parses SRU's CQL (the "cql" packages are
// Cassandra's or the clinical language), hence this small recursive-descent one.
//
//   query        ::= scopedClause
//   scopedClause ::= searchClause (boolean modifiers? searchClause)*   (left to right)
//   searchClause ::= '(' query ')' | index relation term | term
//   relation     ::= comparitor modifiers?
//   comparitor   ::= '=' | '==' | '<' | '>' | '<=' | '>=' | '<>' | a name (all, any, adj …)
//   modifiers    ::= ('/' name (comparitor value)?)+
//   term         ::= word | "quoted string"   (the words and/or/not/prox/sortby also serve)
//
// Errors carry the SRU diagnostic they answer as (info:srw/diagnostic/1/N).

export interface CqlModifier {
  name: string
  comparitor?: string
  value?: string
}

export interface CqlClause {
  type: 'clause'
  /** The index as written ('title', 'dc.title'); 'cql.serverChoice' when none was. */
  index: string
  /** The comparitor, lowercased when it is a name ('all', 'any'). */
  relation: string
  modifiers: CqlModifier[]
  /** The term with its quotes removed; backslash escapes are kept (masking needs them). */
  term: string
}

export interface CqlBoolean {
  type: 'boolean'
  op: 'and' | 'or' | 'not' | 'prox'
  modifiers: CqlModifier[]
  left: CqlNode
  right: CqlNode
}

export type CqlNode = CqlClause | CqlBoolean

/** A query CQL cannot be: the SRU diagnostic number and what was wrong, for its details. */
export class CqlError extends Error {
  constructor(
    readonly diagnostic: number,
    message: string,
  ) {
    super(message)
    this.name = 'CqlError'
  }
}

/** Longest queries parsed (SRU diagnostic 12 beyond). */
export const MAX_CQL_LENGTH = 1000
/** Most boolean operators in one query (SRU diagnostic 38 beyond). */
export const MAX_CQL_BOOLEANS = 16

type Token =
  | { kind: 'open' | 'close' | 'slash' | 'end'; at: number }
  | { kind: 'symbol'; text: string; at: number }
  | { kind: 'word'; text: string; quoted: boolean; at: number }

const SYMBOLS = ['==', '<>', '<=', '>=', '=', '<', '>'] as const
const BOOLEANS = new Set(['and', 'or', 'not', 'prox'])

function tokenize(query: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < query.length) {
    const c = query[i] as string
    if (/\s/.test(c)) {
      i++
      continue
    }
    const at = i
    if (c === '(' || c === ')' || c === '/') {
      tokens.push({ kind: c === '(' ? 'open' : c === ')' ? 'close' : 'slash', at })
      i++
      continue
    }
    const symbol = SYMBOLS.find((s) => query.startsWith(s, i))
    if (symbol) {
      tokens.push({ kind: 'symbol', text: symbol, at })
      i += symbol.length
      continue
    }
    if (c === '"') {
      let text = ''
      i++
      for (;;) {
        if (i >= query.length) throw new CqlError(14, `unterminated quoted term at ${at + 1}`)
        const d = query[i] as string
        if (d === '\\' && i + 1 < query.length) {
          // The escape stays: \" is a quote in the term, \* a literal asterisk.
          text += d === '\\' && query[i + 1] === '"' ? '"' : `\\${query[i + 1]}`
          i += 2
          continue
        }
        if (d === '"') break
        text += d
        i++
      }
      i++
      tokens.push({ kind: 'word', text, quoted: true, at })
      continue
    }
    let text = ''
    while (i < query.length) {
      const d = query[i] as string
      if (/[\s()/"=<>]/.test(d)) break
      text += d
      i++
    }
    tokens.push({ kind: 'word', text, quoted: false, at })
  }
  tokens.push({ kind: 'end', at: query.length })
  return tokens
}

/** Parses a CQL query into its tree, or throws a CqlError. */
export function parseCql(query: string): CqlNode {
  if (Array.from(query).length > MAX_CQL_LENGTH) {
    throw new CqlError(12, `longer than ${MAX_CQL_LENGTH} characters`)
  }
  if (query.trim() === '') throw new CqlError(10, 'the query is empty')
  const tokens = tokenize(query)
  let pos = 0
  let booleans = 0
  const peek = (offset = 0): Token => tokens[Math.min(pos + offset, tokens.length - 1)] as Token
  const next = (): Token => tokens[pos++] as Token
  const where = (t: Token) => (t.kind === 'end' ? 'at the end' : `at ${t.at + 1}`)
  const isBoolean = (t: Token) =>
    t.kind === 'word' && !t.quoted && BOOLEANS.has(t.text.toLowerCase())

  const modifiers = (): CqlModifier[] => {
    const list: CqlModifier[] = []
    while (peek().kind === 'slash') {
      next()
      const name = next()
      if (name.kind !== 'word') throw new CqlError(10, `a modifier name expected ${where(name)}`)
      const modifier: CqlModifier = { name: name.text }
      const symbol = peek()
      if (symbol.kind === 'symbol') {
        next()
        const value = next()
        if (value.kind !== 'word')
          throw new CqlError(10, `a modifier value expected ${where(value)}`)
        modifier.comparitor = symbol.text
        modifier.value = value.text
      }
      list.push(modifier)
    }
    return list
  }

  const searchClause = (): CqlNode => {
    const first = next()
    if (first.kind === 'open') {
      const inner = scopedClause()
      const close = next()
      if (close.kind !== 'close') throw new CqlError(13, `")" expected ${where(close)}`)
      return inner
    }
    if (first.kind === 'close') throw new CqlError(13, `unexpected ")" ${where(first)}`)
    if (first.kind !== 'word') throw new CqlError(10, `a search term expected ${where(first)}`)
    const after = peek()
    const named =
      after.kind === 'word' &&
      !after.quoted &&
      !isBoolean(after) &&
      !first.quoted &&
      (peek(1).kind === 'word' || peek(1).kind === 'slash')
    if (after.kind === 'symbol' || named) {
      if (first.quoted) throw new CqlError(10, `an index cannot be quoted ${where(first)}`)
      next()
      const relation = after.kind === 'symbol' ? after.text : after.text.toLowerCase()
      const relationModifiers = modifiers()
      const term = next()
      if (term.kind !== 'word') throw new CqlError(10, `a search term expected ${where(term)}`)
      return {
        type: 'clause',
        index: first.text,
        relation,
        modifiers: relationModifiers,
        term: term.text,
      }
    }
    return {
      type: 'clause',
      index: 'cql.serverChoice',
      relation: '=',
      modifiers: [],
      term: first.text,
    }
  }

  const scopedClause = (): CqlNode => {
    let left = searchClause()
    while (isBoolean(peek())) {
      const op = (next() as { text: string }).text.toLowerCase() as CqlBoolean['op']
      if (++booleans > MAX_CQL_BOOLEANS) {
        throw new CqlError(38, `more than ${MAX_CQL_BOOLEANS} boolean operators`)
      }
      const booleanModifiers = modifiers()
      const right = searchClause()
      left = { type: 'boolean', op, modifiers: booleanModifiers, left, right }
    }
    return left
  }

  const tree = scopedClause()
  const rest = peek()
  if (rest.kind === 'close') throw new CqlError(13, `unexpected ")" ${where(rest)}`)
  if (rest.kind !== 'end') throw new CqlError(10, `a boolean operator expected ${where(rest)}`)
  return tree
}
