// Copy filters and counts of the index: held at a branch, available now. Copies change with
// circulation all the time, so the index does not store them. Up to copyLiveLimit candidates
// are checked against the copy table; beyond that, against a per-library snapshot of it
// (bitsets by ordinal, refreshed in the background when older than copySnapshotMaxAgeMs), so
// big result sets filtered by availability may lag circulation by that much. Delta records
// are always checked live.
import * as repo from '../../db/search-index-repository.ts'
import type { CopyFilter, Queryable } from '../../db/search-index-repository.ts'
import type { DocTable } from './doc-table.ts'
import { ordLookup } from './doc-table.ts'
import type { IndexContext } from './index-cache.ts'
import type { DeltaDoc } from './index-delta.ts'
import { filterDocs } from './postings.ts'

/** Copy-filter ids per statement (MariaDB turns IN lists of 1000+ into a slower join). */
const COPY_IN_BATCH = 900

/** Which base documents have copies: bitsets by ordinal, from one read of the copy table. */
export interface CopySnapshot {
  gen: number
  loadedAt: number
  held: Map<number, Uint8Array>
  available: Map<number, Uint8Array>
  availableAny: Uint8Array
}

export function hasCopyFilter(f: CopyFilter): boolean {
  return f.branchId !== undefined || f.availableNow === true
}

async function liveCopyFilter(
  db: Queryable,
  libraryId: number,
  ids: readonly number[],
  filter: CopyFilter,
): Promise<Set<number>> {
  const batches = await inCopyBatches(ids, (batch) =>
    repo.recordsWithCopies(db, libraryId, batch, filter),
  )
  return new Set(batches.flat())
}

/** One statement per COPY_IN_BATCH ids, run together; their results in order. */
export function inCopyBatches<T>(
  ids: readonly number[],
  run: (batch: number[]) => Promise<T>,
): Promise<T[]> {
  const batches: Promise<T>[] = []
  for (let i = 0; i < ids.length; i += COPY_IN_BATCH) {
    batches.push(run(ids.slice(i, i + COPY_IN_BATCH)))
  }
  return Promise.all(batches)
}

async function loadCopySnapshot(
  db: Queryable,
  libraryId: number,
  table: DocTable,
): Promise<CopySnapshot> {
  const loadedAt = Date.now()
  const ordOf = ordLookup(table)
  const bytes = (table.n >> 3) + 1
  const snapshot: CopySnapshot = {
    gen: table.gen,
    loadedAt,
    held: new Map(),
    available: new Map(),
    availableAny: new Uint8Array(bytes),
  }
  const bitsFor = (map: Map<number, Uint8Array>, branch: number) => {
    let bits = map.get(branch)
    if (!bits) {
      bits = new Uint8Array(bytes)
      map.set(branch, bits)
    }
    return bits
  }
  for (const row of await repo.copyFactBlocks(db, libraryId)) {
    const held = bitsFor(snapshot.held, row.branchId)
    const available = row.available === 0 ? null : bitsFor(snapshot.available, row.branchId)
    for (let bits = row.held, i = 0; bits !== 0; bits = Math.floor(bits / 2), i++) {
      if (bits % 2 === 0) continue
      const ord = ordOf(row.block * 32 + i)
      if (ord < 0) continue // not in the base: a delta record, always checked live
      const byte = ord >> 3
      const bit = 1 << (ord & 7)
      held[byte] = (held[byte] ?? 0) | bit
      if (available && Math.floor(row.available / 2 ** i) % 2 === 1) {
        available[byte] = (available[byte] ?? 0) | bit
        snapshot.availableAny[byte] = (snapshot.availableAny[byte] ?? 0) | bit
      }
    }
  }
  return snapshot
}

export function copySnapshot(
  ctx: IndexContext,
  libraryId: number,
  table: DocTable,
): Promise<CopySnapshot> {
  const { cache, db } = ctx
  let entry = cache.copies.get(libraryId)
  if (!entry) {
    entry = {}
    cache.copies.set(libraryId, entry)
  }
  const current = entry
  const reload = () => {
    const loading = loadCopySnapshot(db, libraryId, table).then(
      (snapshot) => {
        if (!current.snapshot || current.snapshot.loadedAt <= snapshot.loadedAt) {
          current.snapshot = snapshot
        }
        if (current.loading === loading) current.loading = undefined
        return snapshot
      },
      (error: unknown) => {
        if (current.loading === loading) current.loading = undefined
        throw error
      },
    )
    current.loading = loading
    return loading
  }
  const snapshot = current.snapshot
  const maxAge = ctx.settings.copySnapshotMaxAgeMs
  if (snapshot && snapshot.gen === table.gen && maxAge > 0) {
    const age = Date.now() - snapshot.loadedAt
    if (age <= maxAge) return Promise.resolve(snapshot)
    if (age <= maxAge * 4) {
      if (!current.loading) reload().catch(() => undefined) // refresh in the background
      return Promise.resolve(snapshot)
    }
  }
  if (maxAge === 0) return reload()
  return current.loading ?? reload()
}

/**
 * Keeps the candidates with a copy passing the filter: few candidates are checked against the
 * copy table; many against the copy snapshot (and the delta records live).
 */
export async function applyCopyFilter(
  ctx: IndexContext,
  libraryId: number,
  table: DocTable,
  base: Uint32Array,
  live: DeltaDoc[],
  filter: CopyFilter,
): Promise<[Uint32Array, DeltaDoc[]]> {
  const candidates = base.length + live.length
  if (candidates === 0) return [base, live]
  const { db } = ctx
  if (candidates <= ctx.settings.copyLiveLimit) {
    const ids: number[] = []
    for (let i = 0; i < base.length; i++) ids.push(table.recordIds[base[i] ?? 0] ?? 0)
    for (const d of live) ids.push(d.id)
    const held = await liveCopyFilter(db, libraryId, ids, filter)
    return [
      filterDocs(base, (o) => held.has(table.recordIds[o] ?? 0)),
      live.filter((d) => held.has(d.id)),
    ]
  }
  const [snapshot, liveHeld] = await Promise.all([
    copySnapshot(ctx, libraryId, table),
    liveCopyFilter(
      db,
      libraryId,
      live.map((d) => d.id),
      filter,
    ),
  ])
  const bits =
    filter.branchId === undefined
      ? snapshot.availableAny
      : (filter.availableNow ? snapshot.available : snapshot.held).get(filter.branchId)
  if (!bits) return [new Uint32Array(0), live.filter((d) => liveHeld.has(d.id))]
  return [
    filterDocs(base, (o) => ((bits[o >> 3] ?? 0) & (1 << (o & 7))) !== 0),
    live.filter((d) => liveHeld.has(d.id)),
  ]
}
