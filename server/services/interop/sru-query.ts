// What a CQL query asks of the catalogue: its tree (cql.ts) checked against the indexes and
// relations SRU offers here, and rewritten as an OR of ANDs (disjunctive normal form) whose
// terms are the catalogue's own search requests — so the search service answers every part
// the way the pages' search does. A query that is one AND of terms that fit one request (the
// usual 「title=こころ and author=夏目漱石」) becomes that one request and is paged by the
// search service itself; the sru service combines the others as sets of record ids.
//
// Indexes (with or without the dc. or cql. prefix): title, author / creator, subject,
// publisher, date, isbn, anywhere / cql.anywhere, and a bare term (cql.serverChoice), which
// searches like the pages' free-word box. Relations: = and all (every word, as the pages
// search), any (some word), == (exact: the whole title, the ISBN, the year); date also takes
// < > <= >=. A title term ending in an unescaped * is a title prefix (前方一致).
import { emptySearchRequest } from '../catalogue-service.ts'
import type { SearchRequest } from '../catalogue-service.ts'
import { looksLikeIsbn, normaliseIsbn } from '../isbn.ts'
import { CqlError } from './cql.ts'
import type { CqlClause, CqlNode } from './cql.ts'

export type SruIndex = 'anywhere' | 'title' | 'author' | 'subject' | 'publisher' | 'date' | 'isbn'

/** The indexes explain lists, with the names they answer to (the first is the one listed). */
export const SRU_INDEXES: readonly { index: SruIndex; names: readonly string[]; title: string }[] =
  [
    { index: 'title', names: ['dc.title', 'title'], title: 'タイトル' },
    { index: 'author', names: ['dc.creator', 'creator', 'author', 'dc.author'], title: '著者' },
    { index: 'subject', names: ['dc.subject', 'subject'], title: '件名' },
    { index: 'publisher', names: ['dc.publisher', 'publisher'], title: '出版者' },
    { index: 'date', names: ['dc.date', 'date'], title: '出版年' },
    { index: 'isbn', names: ['bath.isbn', 'isbn', 'dc.identifier'], title: 'ISBN' },
    {
      index: 'anywhere',
      names: ['cql.anywhere', 'anywhere', 'cql.serverchoice', 'cql.keywords'],
      title: 'すべての項目',
    },
  ]

const CONTEXT_SETS = new Set(['cql', 'dc', 'bath'])
const TEXT_RELATIONS = new Set(['=', 'all', 'any', '==', 'exact'])
const DATE_RELATIONS = new Set(['=', '==', 'exact', '<', '>', '<=', '>=', 'any'])
/** Most ANDs a query may come to once written as an OR of them. */
export const MAX_CONJUNCTIONS = 32

/** One term of a conjunction: a search request, or its complement (`not`). */
export interface SruTerm {
  request: SearchRequest
  negated: boolean
}

/** An AND of terms; every conjunction has at least one term that is not negated. */
export type Conjunction = SruTerm[]

function indexOf(name: string): SruIndex {
  const lower = name.toLowerCase()
  const found = SRU_INDEXES.find((i) => i.names.includes(lower))
  if (found) return found.index
  const dot = lower.indexOf('.')
  if (dot > 0 && !CONTEXT_SETS.has(lower.slice(0, dot))) {
    throw new CqlError(15, name.slice(0, dot))
  }
  throw new CqlError(16, name)
}

/** The term without CQL's escapes; an unescaped * or ? (masking) is refused but at a title's end. */
function unmask(term: string, allowTrailingStar: boolean): { text: string; prefix: boolean } {
  let text = ''
  let prefix = false
  const chars = Array.from(term)
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string
    if (c === '\\' && i + 1 < chars.length) {
      text += chars[++i] as string
      continue
    }
    if (c === '*' && allowTrailingStar && i === chars.length - 1 && text.trim() !== '') {
      prefix = true
      continue
    }
    if (c === '*' || c === '?') throw new CqlError(28, term)
    if (c === '^') throw new CqlError(31, term)
    text += c
  }
  return { text, prefix }
}

const YEAR = /^\d{4}$/

/** The search request of one clause and one word group of its term. */
function clauseRequest(index: SruIndex, relation: string, text: string, prefix: boolean) {
  const r = emptySearchRequest()
  const exact = relation === '==' || relation === 'exact'
  switch (index) {
    case 'title':
      r.title = text
      r.titleMode = exact ? 'exact' : prefix ? 'prefix' : 'contains'
      break
    case 'author':
    case 'subject':
    case 'publisher':
    case 'anywhere':
      if (exact) throw new CqlError(22, `${relation} on ${index}`)
      if (index === 'anywhere' && looksLikeIsbn(text)) r.isbn = text
      else r[index === 'anywhere' ? 'q' : index] = text
      break
    case 'isbn':
      if (!normaliseIsbn(text)) throw new CqlError(36, text)
      r.isbn = text
      break
    case 'date': {
      const year = text.normalize('NFKC').trim()
      if (!YEAR.test(year)) throw new CqlError(36, text)
      const y = Number(year)
      if (relation === '<') r.to = String(y - 1).padStart(4, '0')
      else if (relation === '<=') r.to = year
      else if (relation === '>') r.from = String(y + 1).padStart(4, '0')
      else if (relation === '>=') r.from = year
      else {
        r.from = year
        r.to = year
      }
      break
    }
  }
  return r
}

/** A clause as an OR of requests (`any` gives one per word, the rest one in all). */
function clauseRequests(clause: CqlClause): SearchRequest[] {
  const index = indexOf(clause.index)
  const relation = clause.relation
  const allowed = index === 'date' ? DATE_RELATIONS : TEXT_RELATIONS
  if (!allowed.has(relation)) {
    // a relation some other index takes: 22; one no index takes: 19
    const elsewhere = TEXT_RELATIONS.has(relation) || DATE_RELATIONS.has(relation)
    throw new CqlError(elsewhere ? 22 : 19, `${relation} on ${index}`)
  }
  const modifier = clause.modifiers[0]
  if (modifier) throw new CqlError(20, modifier.name)
  const { text, prefix } = unmask(clause.term, index === 'title' && relation !== '==')
  if (text.trim() === '') throw new CqlError(27, clause.index)
  const words = relation === 'any' ? text.split(/\s+/).filter(Boolean) : [text]
  return words.map((w) => clauseRequest(index, relation, w, prefix))
}

const cross = (a: Conjunction[], b: Conjunction[]): Conjunction[] => {
  if (a.length * b.length > MAX_CONJUNCTIONS) {
    throw new CqlError(38, `more than ${MAX_CONJUNCTIONS} combinations of terms`)
  }
  return a.flatMap((x) => b.map((y) => [...x, ...y]))
}

const union = (a: Conjunction[], b: Conjunction[]): Conjunction[] => {
  if (a.length + b.length > MAX_CONJUNCTIONS) {
    throw new CqlError(38, `more than ${MAX_CONJUNCTIONS} combinations of terms`)
  }
  return [...a, ...b]
}

/** The query (negated: its complement) as an OR of ANDs. */
function normalForm(node: CqlNode, negated: boolean): Conjunction[] {
  if (node.type === 'clause') {
    const requests = clauseRequests(node)
    // not (a or b) = not a and not b
    return negated
      ? [requests.map((request) => ({ request, negated: true }))]
      : requests.map((request) => [{ request, negated: false }])
  }
  if (node.modifiers[0]) throw new CqlError(20, node.modifiers[0].name)
  if (node.op === 'prox') throw new CqlError(37, 'prox')
  const left = normalForm(node.left, negated)
  if (node.op === 'and') {
    const right = normalForm(node.right, negated)
    return negated ? union(left, right) : cross(left, right)
  }
  if (node.op === 'or') {
    const right = normalForm(node.right, negated)
    return negated ? cross(left, right) : union(left, right)
  }
  // a not b = a and (not b); negated: (not a) or b
  const right = normalForm(node.right, !negated)
  return negated ? union(left, right) : cross(left, right)
}

/** The query as an OR of ANDs of search requests; throws CqlError for what SRU refuses. */
export function sruConjunctions(tree: CqlNode): Conjunction[] {
  const conjunctions = normalForm(tree, false)
  if (conjunctions.some((c) => c.every((t) => t.negated))) {
    throw new CqlError(37, 'not without a term to take from')
  }
  return conjunctions
}

/**
 * Two requests as one that asks both, or null when one request cannot say it (two different
 * title modes, two ISBNs): words add up, years narrow.
 */
export function mergeRequests(a: SearchRequest, b: SearchRequest): SearchRequest | null {
  const words = (x: string, y: string) => (x && y ? `${x} ${y}` : x || y)
  if (a.title && b.title && a.titleMode !== b.titleMode) return null
  if (a.title && b.title && a.titleMode !== 'contains' && a.title !== b.title) return null
  if (a.isbn && b.isbn && a.isbn !== b.isbn) return null
  const from = [a.from, b.from].filter(Boolean).sort().pop() ?? ''
  const to = [a.to, b.to].filter(Boolean).sort()[0] ?? ''
  return {
    ...a,
    q: words(a.q, b.q),
    title: a.title && b.title && a.titleMode !== 'contains' ? a.title : words(a.title, b.title),
    titleMode: a.title ? a.titleMode : b.titleMode,
    author: words(a.author, b.author),
    publisher: words(a.publisher, b.publisher),
    subject: words(a.subject, b.subject),
    isbn: a.isbn || b.isbn,
    from,
    to,
  }
}

/** True when a request can match nothing (its years are the wrong way round). */
export function matchesNothing(r: SearchRequest): boolean {
  return r.from !== '' && r.to !== '' && r.from > r.to
}

/** The terms of a conjunction merged into as few requests as can say them (all ANDed). */
export function mergeTerms(requests: readonly SearchRequest[]): SearchRequest[] {
  const groups: SearchRequest[] = []
  for (const request of requests) {
    let placed = false
    for (let i = 0; i < groups.length && !placed; i++) {
      const merged = mergeRequests(groups[i] as SearchRequest, request)
      if (merged) {
        groups[i] = merged
        placed = true
      }
    }
    if (!placed) groups.push(request)
  }
  return groups
}
