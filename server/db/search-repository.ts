// The catalogue search in SQL, written once: LIKE '%word%' scans over the folded columns of
// `record` (search-layout.ts), the detailed search's field keys, the filters, the relevance
// ranking and the four sorts, facet counts, and the result rows of a page. The search service
// (services/search/search-service.ts) runs it alone when a library has no usable index yet,
// hands it the index's candidates for what the index cannot answer by itself, and fetches
// the rows of the index's pages here; the index is tested and benchmarked against it. Every
// statement works the same on MariaDB 10.11 and MySQL 8.
import { sql } from 'kysely'
import type { RawBuilder } from 'kysely'
import type { Db } from './database.ts'
import { HIT_COLUMNS, availableNow } from './record-repository.ts'
import type { RecordHit } from './record-repository.ts'
import type { MaterialType } from './schema.ts'
import { KEY_GROUPS, KEY_SEPARATOR, RELEVANCE, rankedReading } from './search-layout.ts'
import type { KeyGroup } from './search-layout.ts'
import { preparedQuery } from './prepared-query.ts'

export type TitleMode = 'prefix' | 'contains' | 'exact'

export type SearchSort = 'relevance' | 'title' | 'author' | 'year_desc' | 'year_asc'

/**
 * Folded words of a detailed search that must occur within one field group: the title group
 * (title, reading, subtitle, series: title_key), the author group (author and its reading:
 * author_key), the publisher (publisher_key). Title words match anywhere in one of its parts
 * (contains), or their joined text starts (prefix) or is (exact) one of its parts. Words
 * that folded to nothing ask for nothing.
 */
export interface FieldTerms {
  /**
   * Prefix and exact compare the title proper and its reading (title_proper_key), or with
   * `subtitles` every part of the title group.
   */
  title?: { words: readonly string[]; mode: TitleMode; subtitles?: boolean }
  author?: readonly string[]
  publisher?: readonly string[]
  /** Words within the subject headings (subject_key). */
  subject?: readonly string[]
}

/** What a search asks for (all ANDed); text is already folded (services/search/fold.ts). */
export interface SearchCriteria {
  /** Free words, each anywhere in title, readings, authors, publisher, subjects. */
  words: string[]
  /** The whole free query folded, for ranking exact and prefix title matches first. */
  rankText: string
  title?: { words: string[]; mode: TitleMode; subtitles?: boolean }
  author?: string[]
  publisher?: string[]
  subject?: string[]
  /** This ISBN-13 (as stored in record.isbn). */
  isbn?: string
  /** pub_year ≥ yearFrom (records without a year are left out); yearTo likewise. */
  yearFrom?: number
  yearTo?: number
  /** Any of these material types (an empty list matches nothing). */
  materialTypes?: MaterialType[]
  /** Held at this branch: a copy there (with availableOnly: an available copy there). */
  branchId?: number
  /** NDC starting with this. */
  ndc?: string
  /** A copy whose call number starts with this. */
  callNumberPrefix?: string
  /** A copy on the shelf now: status available and not reference-only. */
  availableOnly?: boolean
}

export interface Facets {
  branches: { id: number; name: string; count: number }[]
  materialTypes: { value: MaterialType; count: number }[]
  decades: { value: number; count: number }[]
  ndcClasses: { value: string; count: number }[]
}

/** Escapes LIKE wildcards so a word matches literally. */
const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`)
const contains = (word: string) => `%${likeEscape(word)}%`

/** The SQL conditions of field terms, on the keys of `record as r`. */
function fieldConditions(fields: FieldTerms): RawBuilder<boolean>[] {
  const like = (group: KeyGroup, pattern: string) =>
    sql<boolean>`${sql.ref(`r.${KEY_GROUPS[group].column}`)} LIKE ${pattern}`
  const out: RawBuilder<boolean>[] = []
  if (fields.title) {
    const { words, mode, subtitles } = fields.title
    if (mode === 'contains') for (const word of words) out.push(like('title', contains(word)))
    else if (words.join('') !== '') {
      // Prefix and exact compare the title proper or its reading as a whole (with
      // `subtitles`: also the subtitle and series).
      const text = likeEscape(words.join(''))
      const S = KEY_SEPARATOR
      const group = subtitles ? 'title' : 'titleProper'
      out.push(like(group, mode === 'exact' ? `%${S}${text}${S}%` : `%${S}${text}%`))
    }
  }
  for (const word of fields.author ?? []) out.push(like('author', contains(word)))
  for (const word of fields.publisher ?? []) out.push(like('publisher', contains(word)))
  for (const word of fields.subject ?? []) out.push(like('subject', contains(word)))
  return out
}

/**
 * The ranking tiers of a folded text, for `record as r`: (title or reading equal to it, title
 * or reading starting with it), each 1 or 0. The title is the first part of search_text;
 * readings (rankedReading) count from two characters. The index ranks the same way.
 */
function titleRankTiers(rank: string): [RawBuilder<number>, RawBuilder<number>] {
  const title = sql`SUBSTRING_INDEX(r.search_text, ${KEY_SEPARATOR}, 1)`
  const starts = `${likeEscape(rank)}%`
  if (Array.from(rank).length < 2) {
    return [sql<number>`(${title} = ${rank})`, sql<number>`(${title} LIKE ${starts})`]
  }
  const reading = rankedReading('r')
  return [
    sql<number>`(${title} = ${rank} OR ${reading} = ${rank})`,
    sql<number>`(${title} LIKE ${starts} OR ${reading} LIKE ${starts})`,
  ]
}

/** author_key LIKE this: an author field (or its reading) is the text (2+ characters). */
const authorExactPattern = (rank: string) =>
  Array.from(rank).length >= 2 ? `%${KEY_SEPARATOR}${likeEscape(rank)}${KEY_SEPARATOR}%` : null

/**
 * The relevance score of `record as r` for criteria (search-layout.ts RELEVANCE): the first
 * signal it meets plus its popularity; `namesAuthor`: the ranking text is the author of some
 * matched record (titles about the author then score below the author's works). The index
 * computes the same.
 */
function relevanceScore(c: SearchCriteria, namesAuthor: boolean): RawBuilder<number> {
  const cases: RawBuilder<unknown>[] = []
  const rank = c.rankText
  if (rank) {
    const [exact, starts] = titleRankTiers(rank)
    const exactScore = namesAuthor ? RELEVANCE.aboutAuthorExact : RELEVANCE.exactTitle
    const prefixScore = namesAuthor ? RELEVANCE.aboutAuthorPrefix : RELEVANCE.titlePrefix
    const framed = authorExactPattern(rank)
    // (without namesAuthor no matched record's author is the text)
    if (framed && namesAuthor) {
      cases.push(sql`WHEN r.author_key LIKE ${framed} THEN ${sql.lit(RELEVANCE.authorExact)}`)
    }
    cases.push(sql`WHEN ${exact} THEN ${sql.lit(exactScore)}`)
    cases.push(sql`WHEN ${starts} THEN ${sql.lit(prefixScore)}`)
  }
  const words = c.words.filter((w) => w !== '')
  if (words.length) {
    const all = (column: 'r.title_key' | 'r.author_key') =>
      sql.join(
        words.map((w) => sql`${sql.ref(column)} LIKE ${contains(w)}`),
        sql` AND `,
      )
    cases.push(sql`WHEN ${all('r.title_key')} THEN ${sql.lit(RELEVANCE.allInTitle)}`)
    cases.push(sql`WHEN ${all('r.author_key')} THEN ${sql.lit(RELEVANCE.allInAuthor)}`)
    if (words.length >= 2) {
      const either = sql.join(
        words.map(
          (w) => sql`(r.title_key LIKE ${contains(w)} OR r.author_key LIKE ${contains(w)})`,
        ),
        sql` AND `,
      )
      cases.push(sql`WHEN ${either} THEN ${sql.lit(RELEVANCE.titleAndAuthor)}`)
    }
  }
  if (cases.length === 0) return sql<number>`r.popularity`
  return sql<number>`(CASE ${sql.join(cases, sql` `)} ELSE 0 END + r.popularity)`
}

/** Most frequent first; ties in a fixed order. */
export function byCount<T extends { value: string; count: number }>(items: T[]): T[] {
  return items.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1))
}

// Asked by every results page with facets: built once.
const branchNames = preparedQuery((db, libraryId: number) =>
  db
    .selectFrom('branch')
    .select(['id', 'name'])
    .where('library_id', '=', libraryId)
    .orderBy('sort_order'),
)

export function searchRepository(db: Db) {
  /** A copy of the record (outer alias r) that meets a condition on copy c. */
  const copyExists = (condition: RawBuilder<unknown>) =>
    sql<boolean>`EXISTS (SELECT 1 FROM copy c WHERE c.library_id = r.library_id
      AND c.record_id = r.id AND ${condition})`

  /** The matching records; `ids`: only among these (candidates from the index). */
  const matching = (libraryId: number, c: SearchCriteria, ids?: readonly number[]) => {
    let q = db.selectFrom('record as r').where('r.library_id', '=', libraryId)
    if (ids) q = q.where('r.id', 'in', ids.length ? ids : [0])
    for (const word of c.words) q = q.where('r.search_text', 'like', contains(word))
    const fields = { title: c.title, author: c.author, publisher: c.publisher, subject: c.subject }
    for (const condition of fieldConditions(fields)) q = q.where(condition)
    if (c.isbn !== undefined) q = q.where('r.isbn', '=', c.isbn)
    if (c.yearFrom !== undefined) q = q.where('r.pub_year', '>=', c.yearFrom)
    if (c.yearTo !== undefined) q = q.where('r.pub_year', '<=', c.yearTo)
    if (c.materialTypes) {
      q =
        c.materialTypes.length === 0
          ? q.where(sql<boolean>`FALSE`)
          : q.where('r.material_type', 'in', c.materialTypes)
    }
    if (c.ndc !== undefined) q = q.where('r.ndc', 'like', `${likeEscape(c.ndc)}%`)
    // Held at the branch and on the shelf now: one copy that is both.
    const copy: RawBuilder<unknown>[] = []
    if (c.branchId !== undefined) copy.push(sql`c.branch_id = ${c.branchId}`)
    if (c.availableOnly) copy.push(sql`c.status = 'available' AND c.reference_only = 0`)
    if (copy.length) q = q.where(copyExists(sql.join(copy, sql` AND `)))
    if (c.callNumberPrefix) {
      const prefix = `${likeEscape(c.callNumberPrefix)}%`
      q = q.where(copyExists(sql`c.call_number LIKE ${prefix}`))
    }
    return q
  }

  return {
    /**
     * Matching records, ranked or sorted, with the total for paging. Relevance: by score
     * (relevanceScore: search-layout.ts RELEVANCE and popularity), then, as for year_desc,
     * newest first (no year last), then by id. `within`: only among these records, whose number may be known already.
     */
    async search(
      libraryId: number,
      criteria: SearchCriteria,
      sort: SearchSort,
      page: { offset: number; limit: number },
      within?: { ids: readonly number[]; total?: number },
    ): Promise<{ total: number; hits: RecordHit[] }> {
      const { offset, limit } = page
      const ids = within?.ids
      let total = within?.total
      if (total === undefined) {
        const countRow = await matching(libraryId, criteria, ids)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
        total = Number(countRow.n)
      }
      if (total === 0 || offset >= total) return { total, hits: [] }
      let q = matching(libraryId, criteria, ids)
        .select(HIT_COLUMNS)
        .select(availableNow.as('available'))
      if (sort === 'relevance') {
        const framed = authorExactPattern(criteria.rankText)
        const namesAuthor =
          framed !== null &&
          (await matching(libraryId, criteria, ids)
            .where('r.author_key', 'like', framed)
            .select('r.id')
            .limit(1)
            .executeTakeFirst()) !== undefined
        q = q.orderBy(relevanceScore(criteria, namesAuthor), 'desc')
      }
      if (sort === 'title') q = q.orderBy('r.sort_title').orderBy('r.id')
      if (sort === 'author') q = q.orderBy(sql`r.sort_author = ''`).orderBy('r.sort_author')
      if (sort === 'year_asc') q = q.orderBy(sql`r.pub_year IS NULL`).orderBy('r.pub_year')
      else q = q.orderBy(sql`r.pub_year IS NULL`).orderBy('r.pub_year', 'desc')
      const rows = await q.orderBy('r.id').offset(offset).limit(limit).execute()
      return { total, hits: rows.map((r) => ({ ...r, available: Number(r.available) === 1 })) }
    },

    /**
     * Counts of the matching records by branch (a copy there — available now, with
     * availableOnly), material type, decade and NDC class one digit below `ndcParent` (''
     * the main classes, '9' its divisions, '91' its sections; null: none).
     */
    async facets(
      libraryId: number,
      criteria: SearchCriteria,
      ids?: readonly number[],
      ndcParent: string | null = '',
    ): Promise<Facets> {
      const matched = () => matching(libraryId, criteria, ids)
      let copies = db
        .selectFrom('copy as c')
        .innerJoin('branch as b', (j) =>
          j.onRef('b.library_id', '=', 'c.library_id').onRef('b.id', '=', 'c.branch_id'),
        )
        .where('c.library_id', '=', libraryId)
      if (criteria.availableOnly) {
        copies = copies.where('c.status', '=', 'available').where('c.reference_only', '=', 0)
      }
      const depth = (ndcParent ?? '').length + 1
      const [branches, types, decades, classes] = await Promise.all([
        copies
          .where('c.record_id', 'in', matched().select('r.id'))
          .groupBy(['b.id', 'b.name', 'b.sort_order'])
          .select(['b.id', 'b.name', sql<number>`COUNT(DISTINCT c.record_id)`.as('n')])
          .orderBy('b.sort_order')
          .execute(),
        matched()
          .groupBy('r.material_type')
          .select(['r.material_type as value', (eb) => eb.fn.countAll<number>().as('n')])
          .execute(),
        matched()
          .where('r.pub_year', 'is not', null)
          .groupBy(sql`FLOOR(r.pub_year / 10)`)
          .select([
            sql<number>`FLOOR(r.pub_year / 10) * 10`.as('value'),
            (eb) => eb.fn.countAll<number>().as('n'),
          ])
          .orderBy('value', 'desc')
          .execute(),
        ndcParent === null || !/^[0-9]*$/.test(ndcParent)
          ? []
          : matched()
              .where(sql<boolean>`r.ndc REGEXP ${`^${ndcParent}[0-9]`}`)
              .groupBy(sql`LEFT(r.ndc, ${sql.lit(depth)})`)
              .select([
                sql<string>`LEFT(r.ndc, ${sql.lit(depth)})`.as('value'),
                (eb) => eb.fn.countAll<number>().as('n'),
              ])
              .orderBy('value')
              .execute(),
      ])
      return {
        branches: branches.map((b) => ({ id: b.id, name: b.name, count: Number(b.n) })),
        materialTypes: byCount(types.map((t) => ({ value: t.value, count: Number(t.n) }))),
        decades: decades.map((d) => ({ value: Number(d.value), count: Number(d.n) })),
        ndcClasses: classes.map((c) => ({ value: String(c.value), count: Number(c.n) })),
      }
    },

    /**
     * The records whose title reading or author reading (their loose keys: sql/0091,
     * services/search/loose-reading.ts) starts with a loose key, within the criteria's
     * filters and fields but without its words: the search's fallback when a kana query
     * finds nothing. Keys equal to it first, then by popularity, newest first, by id; with
     * what the first of them are (a title whose reading matched, else an author) for
     * 「もしかして」.
     */
    async nearReadings(
      libraryId: number,
      criteria: SearchCriteria,
      key: string,
      page: { offset: number; limit: number },
      suggestionCount: number,
    ): Promise<{ total: number; hits: RecordHit[]; suggestions: string[] }> {
      const starts = `${likeEscape(key)}%`
      const near = () =>
        matching(libraryId, { ...criteria, words: [] }).where((eb) =>
          eb.or([eb('r.reading_key', 'like', starts), eb('r.author_reading_key', 'like', starts)]),
        )
      const countRow = await near()
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      const total = Number(countRow.n)
      if (total === 0) return { total, hits: [], suggestions: [] }
      const ordered = <T extends ReturnType<typeof near>>(q: T) =>
        q
          .orderBy(sql`(r.reading_key = ${key} OR r.author_reading_key = ${key})`, 'desc')
          .orderBy('r.popularity', 'desc')
          .orderBy(sql`r.pub_year IS NULL`)
          .orderBy('r.pub_year', 'desc')
          .orderBy('r.id')
      const [rows, first] = await Promise.all([
        ordered(near())
          .select(HIT_COLUMNS)
          .select(availableNow.as('available'))
          .offset(page.offset)
          .limit(page.limit)
          .execute(),
        ordered(near())
          .select(['r.title', 'r.author', 'r.reading_key'])
          .limit(suggestionCount * 4)
          .execute(),
      ])
      const suggestions: string[] = []
      for (const r of first) {
        const text = r.reading_key.startsWith(key) ? r.title : r.author
        if (text && !suggestions.includes(text)) suggestions.push(text)
      }
      return {
        total,
        hits: rows.map((r) => ({ ...r, available: Number(r.available) === 1 })),
        suggestions: suggestions.slice(0, suggestionCount),
      }
    },

    /** The result rows of these records, in this order (a page the index picked). */
    async hitsByIds(libraryId: number, ids: readonly number[]): Promise<RecordHit[]> {
      if (ids.length === 0) return []
      const rows = await db
        .selectFrom('record as r')
        .select(HIT_COLUMNS)
        .select(availableNow.as('available'))
        .where('r.library_id', '=', libraryId)
        .where('r.id', 'in', ids)
        .execute()
      const byId = new Map(rows.map((r) => [r.id, { ...r, available: Number(r.available) === 1 }]))
      return ids.flatMap((id) => byId.get(id) ?? [])
    },

    /** The library's branches in their order (to name the index's branch counts). */
    async branches(libraryId: number): Promise<{ id: number; name: string }[]> {
      return branchNames(db, libraryId)
    },
  }
}

export type SearchRepository = ReturnType<typeof searchRepository>
