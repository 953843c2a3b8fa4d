// Facet counts of a search from the index: the same matched set, counted by material type and
// decade (from the document table), NDC class one level below a prefix (the NDC prefix lists:
// classes, or the divisions of a class, or the sections of a division) and branch (the copy
// table for small sets, the copy snapshot for large ones: those may lag copies added or moved
// by up to SEARCH_COPY_SNAPSHOT_SECONDS).
import * as repo from '../../db/search-index-repository.ts'
import type { FieldTerms } from '../../db/search-repository.ts'
import { copySnapshot, inCopyBatches } from './copy-filter.ts'
import type { IndexContext } from './index-cache.ts'
import { NDC, NULL_YEAR, gkey } from './index-format.ts'
import { match } from './index-match.ts'
import type { Needed, SearchFilters } from './index-match.ts'
import { intersect } from './postings.ts'

/** Counts of a search's records by material type, decade, NDC main class and branch. */
export interface IndexFacets {
  total: number
  materialTypes: Map<string, number>
  /** 1990 → records published 1990–1999. */
  decades: Map<number, number>
  /** '9' → records whose NDC starts with 9 (or '91', '913' a level below a prefix). */
  ndcClasses: Map<string, number>
  /** branch id → records with a copy there (available now, when the filters ask for that). */
  branches: Map<number, number>
}

/** Up to this many records, facet counts by branch come from the copy table itself. */
const FACET_LIVE_LIMIT = 3000
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']

/**
 * The facets of a search (the same words and filters as searchIds), or null when the library
 * has no usable index. Branch counts of large result sets come from the copy snapshot (see
 * above: they may lag copies added or moved by up to SEARCH_COPY_SNAPSHOT_SECONDS).
 */
export async function searchFacets(
  ctx: IndexContext,
  libraryId: number,
  words: readonly string[],
  filters: SearchFilters = {},
  fields: FieldTerms = {},
  /** Count the NDC classes one digit below this ('' : the main classes); null: none. */
  ndcParent: string | null = '',
): Promise<IndexFacets | null> {
  const extra = new Map<string, Needed>()
  const ndcChildren = ndcParent === null ? [] : DIGITS.map((d) => `${ndcParent}${d}`)
  for (const c of ndcChildren) extra.set(`n${c}`, { key: gkey(NDC, c), positional: false })
  const matched = await match(ctx, libraryId, words, filters, extra, fields)
  if (!matched) return null
  const { table, base, live, list } = matched
  const { db } = ctx
  const facets: IndexFacets = {
    total: base.length + live.length,
    materialTypes: new Map(),
    decades: new Map(),
    ndcClasses: new Map(),
    branches: new Map(),
  }
  const add = <K>(map: Map<K, number>, key: K, n = 1) => map.set(key, (map.get(key) ?? 0) + n)
  const materialCounts = new Uint32Array(256)
  const decadeOf = (year: number) => Math.floor(year / 10) * 10
  for (let i = 0; i < base.length; i++) {
    const o = base[i] ?? 0
    const material = table.materials[o] ?? 255
    materialCounts[material] = (materialCounts[material] ?? 0) + 1
    const year = table.years[o] ?? NULL_YEAR
    if (year !== NULL_YEAR) add(facets.decades, decadeOf(year))
  }
  materialCounts.forEach((n, i) => {
    if (n > 0) add(facets.materialTypes, table.materialNames[i] ?? '', n)
  })
  for (const c of ndcChildren) {
    const n = intersect(base, list(`n${c}`).docs).length
    if (n > 0) facets.ndcClasses.set(c, n)
  }
  for (const d of live) {
    add(facets.materialTypes, d.material)
    if (d.year !== null) add(facets.decades, decadeOf(d.year))
    const c = d.ndc.slice(0, (ndcParent ?? '').length + 1)
    if (ndcChildren.includes(c)) add(facets.ndcClasses, c)
  }
  const availableOnly = filters.availableNow === true
  const ids = (docs: Uint32Array) => Array.from(docs, (o) => table.recordIds[o] ?? 0)
  const liveIds = live.map((d) => d.id)
  if (facets.total <= FACET_LIVE_LIMIT) {
    const all = [...ids(base), ...liveIds]
    for (const [branch, n] of await branchCounts(db, libraryId, all, availableOnly)) {
      add(facets.branches, branch, n)
    }
    return facets
  }
  const [snapshot, liveCounts] = await Promise.all([
    copySnapshot(ctx, libraryId, table),
    branchCounts(db, libraryId, liveIds, availableOnly),
  ])
  for (const [branch, bits] of availableOnly ? snapshot.available : snapshot.held) {
    let n = 0
    for (let i = 0; i < base.length; i++) {
      const o = base[i] ?? 0
      if (((bits[o >> 3] ?? 0) & (1 << (o & 7))) !== 0) n++
    }
    if (n > 0) facets.branches.set(branch, n)
  }
  for (const [branch, n] of liveCounts) add(facets.branches, branch, n)
  return facets
}

/** How many of these records have a copy (available now) at each branch (the copy table). */
async function branchCounts(
  db: repo.Queryable,
  libraryId: number,
  ids: readonly number[],
  availableOnly: boolean,
): Promise<Map<number, number>> {
  const counts = new Map<number, number>()
  const batches = await inCopyBatches(ids, (batch) =>
    repo.recordsByBranch(db, libraryId, batch, availableOnly),
  )
  for (const { branchId, n } of batches.flat()) {
    counts.set(branchId, (counts.get(branchId) ?? 0) + n)
  }
  return counts
}

/**
 * Records per NDC class one digit below `parent` ('' → the ten classes, '9' → 90–99, '91' →
 * 910–919) in the whole catalogue, for 分類から探す: the same counts as the browse
 * repository's GROUP BY, from the NDC prefix lists. Null when the library has no usable index.
 */
export async function ndcCounts(
  ctx: IndexContext,
  libraryId: number,
  parent: string,
): Promise<Map<string, number> | null> {
  if (!/^[0-9]{0,2}$/.test(parent)) return new Map()
  return countNdc(ctx, libraryId, parent)
}

async function countNdc(
  ctx: IndexContext,
  libraryId: number,
  parent: string,
): Promise<Map<string, number> | null> {
  const children = DIGITS.map((d) => `${parent}${d}`)
  const extra = new Map<string, Needed>()
  for (const c of children) extra.set(`n${c}`, { key: gkey(NDC, c), positional: false })
  // the parent's list (or, for the classes, every record) is the set to count in
  const scope = parent === '' ? {} : { ndcPrefix: parent }
  const matched = await match(ctx, libraryId, [], scope, extra)
  if (!matched) return null
  const { base, live, list } = matched
  const counts = new Map<string, number>()
  for (const c of children) {
    const n = intersect(base, list(`n${c}`).docs).length
    if (n > 0) counts.set(c, n)
  }
  for (const d of live) {
    const c = d.ndc.slice(0, parent.length + 1)
    if (children.includes(c)) counts.set(c, (counts.get(c) ?? 0) + 1)
  }
  return counts
}
