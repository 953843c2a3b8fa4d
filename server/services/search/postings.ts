// Posting lists of the catalogue search index: sorted document ordinals packed as
// delta + varint (LEB128) bytes, optionally with the code-point positions at which a bigram
// occurs in each document. A list is stored in segments (one per range of ordinals) and
// decoded into typed arrays; the sorted-array helpers here intersect and search them.
//
// Plain format (unigrams, first characters, NDC prefixes):  per document  gap
// Positional format (bigrams):  per document  gap, count, first position, position gaps…
// where gap = ordinal − previous ordinal, and the "previous" ordinal of a segment's first
// document is segmentBase − 1 (so every gap is ≥ 1).

/** A growable byte buffer for building one list. */
export class ByteWriter {
  bytes: Uint8Array
  length = 0

  constructor(capacity = 16) {
    this.bytes = new Uint8Array(capacity)
  }

  varint(value: number): void {
    if (this.length + 8 > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + 16))
      grown.set(this.bytes.subarray(0, this.length))
      this.bytes = grown
    }
    let v = value
    while (v >= 0x80) {
      this.bytes[this.length++] = (v & 0x7f) | 0x80
      v = Math.floor(v / 128)
    }
    this.bytes[this.length++] = v
  }

  result(): Uint8Array {
    return this.bytes.subarray(0, this.length)
  }
}

/**
 * Memory for many small growing byte lists (a segment's lists under construction): blocks
 * cut from large chunks, each ending in the 4-byte offset of the list's next block. A list's
 * blocks double in size from 16 bytes, so a list of one document costs 16 bytes, not a typed
 * array of its own.
 */
export class ByteSlab {
  private readonly chunks: Uint8Array[] = []
  private used = 0

  constructor(private readonly chunkSize = 1 << 22) {}

  /** A new block of `size` bytes (≤ the chunk size); its global offset. */
  alloc(size: number): number {
    let chunk = this.chunks.length - 1
    if (chunk < 0 || this.used + size > this.chunkSize) {
      this.chunks.push(new Uint8Array(this.chunkSize))
      chunk++
      this.used = 0
    }
    const offset = chunk * this.chunkSize + this.used
    this.used += size
    return offset
  }

  chunkOf(offset: number): Uint8Array {
    return this.chunks[Math.floor(offset / this.chunkSize)] ?? new Uint8Array(0)
  }

  at(offset: number): number {
    return offset % this.chunkSize
  }

  /** Bytes allocated (whole chunks). */
  get size(): number {
    return this.chunks.length * this.chunkSize
  }
}

const FIRST_BLOCK = 16
const MAX_BLOCK = 8192

/** One list under construction within a segment, its bytes in a slab. */
export class ListBuilder {
  count = 0
  /** Bytes written. */
  length = 0
  private last: number
  private head = -1
  private pos = 0
  private end = 0
  private blockSize = 0

  constructor(
    segmentBase: number,
    private readonly slab = new ByteSlab(1 << 12),
  ) {
    this.last = segmentBase - 1
  }

  /** Adds a document (ordinals must rise); positions for a positional list. */
  add(ord: number, positions?: ArrayLike<number>, from = 0, to = positions?.length ?? 0): void {
    this.varint(ord - this.last)
    this.last = ord
    this.count++
    if (positions === undefined) return
    this.varint(to - from)
    let previous = 0
    for (let i = from; i < to; i++) {
      const p = positions[i] ?? 0
      this.varint(p - previous)
      previous = p
    }
  }

  private varint(value: number): void {
    let v = value
    while (v >= 0x80) {
      this.byte((v & 0x7f) | 0x80)
      v = Math.floor(v / 128)
    }
    this.byte(v)
  }

  private byte(b: number): void {
    if (this.pos === this.end) this.grow()
    const chunk = this.slab.chunkOf(this.pos)
    chunk[this.slab.at(this.pos)] = b
    this.pos++
    this.length++
  }

  /** The next block: its offset goes into the last 4 bytes of the current one. */
  private grow(): void {
    const size = this.head < 0 ? FIRST_BLOCK : Math.min(this.blockSize * 2, MAX_BLOCK)
    const block = this.slab.alloc(size)
    if (this.head < 0) this.head = block
    else {
      const chunk = this.slab.chunkOf(this.end)
      const at = this.slab.at(this.end)
      chunk[at] = block & 0xff
      chunk[at + 1] = (block >>> 8) & 0xff
      chunk[at + 2] = (block >>> 16) & 0xff
      chunk[at + 3] = Math.floor(block / 0x1000000) & 0xff
    }
    this.blockSize = size
    this.pos = block
    this.end = block + size - 4
  }

  /** The list's bytes, contiguous. */
  result(): Uint8Array {
    const out = new Uint8Array(this.length)
    let written = 0
    let block = this.head
    let size = FIRST_BLOCK
    while (written < this.length) {
      const usable = Math.min(size - 4, this.length - written)
      const chunk = this.slab.chunkOf(block)
      const at = this.slab.at(block)
      out.set(chunk.subarray(at, at + usable), written)
      written += usable
      if (written >= this.length) break
      const next = at + size - 4
      block =
        (chunk[next] ?? 0) +
        (chunk[next + 1] ?? 0) * 0x100 +
        (chunk[next + 2] ?? 0) * 0x10000 +
        (chunk[next + 3] ?? 0) * 0x1000000
      size = Math.min(size * 2, MAX_BLOCK)
    }
    return out
  }
}

/** A decoded posting list: document ordinals ascending and, when positional, where each
 * document's positions start in `bytes`. */
export interface PostingList {
  docs: Uint32Array
  posOff?: Uint32Array
  bytes?: Uint8Array
  /** Memory held (for the cache's accounting). */
  size: number
}

export const EMPTY_LIST: PostingList = { docs: new Uint32Array(0), size: 0 }

export interface StoredSegment {
  seg: number
  docCount: number
  data: Uint8Array
}

/** Decodes the stored segments of one list (in segment order) into one PostingList. */
export function decodeList(
  segments: readonly StoredSegment[],
  segmentSize: number,
  positional: boolean,
): PostingList {
  let total = 0
  let byteTotal = 0
  for (const s of segments) {
    total += s.docCount
    byteTotal += s.data.length
  }
  if (total === 0) return EMPTY_LIST
  const docs = new Uint32Array(total)
  let n = 0
  if (!positional) {
    for (const s of segments) {
      const data = s.data
      let last = s.seg * segmentSize - 1
      let i = 0
      while (i < data.length) {
        let b = data[i++] ?? 0
        let v = b & 0x7f
        let mul = 128
        while (b >= 0x80) {
          b = data[i++] ?? 0
          v += (b & 0x7f) * mul
          mul *= 128
        }
        last += v
        docs[n++] = last
      }
    }
    return { docs: n === total ? docs : docs.subarray(0, n), size: docs.byteLength }
  }
  const posOff = new Uint32Array(total)
  const bytes = new Uint8Array(byteTotal)
  let offset = 0
  for (const s of segments) {
    const data = s.data
    bytes.set(data, offset)
    let last = s.seg * segmentSize - 1
    let i = 0
    while (i < data.length) {
      let b = data[i++] ?? 0
      let v = b & 0x7f
      let mul = 128
      while (b >= 0x80) {
        b = data[i++] ?? 0
        v += (b & 0x7f) * mul
        mul *= 128
      }
      last += v
      docs[n] = last
      posOff[n++] = offset + i
      // count, then that many position varints: skip them
      b = data[i++] ?? 0
      let count = b & 0x7f
      mul = 128
      while (b >= 0x80) {
        b = data[i++] ?? 0
        count += (b & 0x7f) * mul
        mul *= 128
      }
      for (let k = 0; k < count; k++) while ((data[i++] ?? 0) >= 0x80);
    }
    offset += data.length
  }
  return {
    docs: docs.subarray(0, n),
    posOff: posOff.subarray(0, n),
    bytes,
    size: docs.byteLength + posOff.byteLength + bytes.byteLength,
  }
}

/** Reads the positions of the i-th document of a positional list into `out`; returns count. */
export function readPositions(list: PostingList, i: number, out: number[]): number {
  const bytes = list.bytes
  const posOff = list.posOff
  if (!bytes || !posOff) return 0
  let at = posOff[i] ?? 0
  let b = bytes[at++] ?? 0
  let count = b & 0x7f
  let mul = 128
  while (b >= 0x80) {
    b = bytes[at++] ?? 0
    count += (b & 0x7f) * mul
    mul *= 128
  }
  let pos = 0
  for (let k = 0; k < count; k++) {
    b = bytes[at++] ?? 0
    let v = b & 0x7f
    mul = 128
    while (b >= 0x80) {
      b = bytes[at++] ?? 0
      v += (b & 0x7f) * mul
      mul *= 128
    }
    pos += v
    out[k] = pos
  }
  return count
}

// ---------------------------------------------------------------------------------------------
// Sorted Uint32Array helpers
// ---------------------------------------------------------------------------------------------

/** First index in a[from..to) whose value is ≥ x. */
export function lowerBound(a: ArrayLike<number>, x: number, from = 0, to = a.length): number {
  let lo = from
  let hi = to
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((a[mid] ?? 0) < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** First index ≥ from whose value is ≥ x, found by galloping (for ascending probes). */
export function gallop(a: Uint32Array, x: number, from: number): number {
  const n = a.length
  if (from >= n || (a[from] ?? 0) >= x) return from
  let step = 1
  let lo = from
  let hi = from + 1
  while (hi < n && (a[hi] ?? 0) < x) {
    lo = hi
    step *= 2
    hi = from + step
  }
  return lowerBound(a, x, lo + 1, Math.min(hi, n))
}

/** The sorted intersection of two sorted lists. */
export function intersect(a: Uint32Array, b: Uint32Array): Uint32Array {
  const [small, large] = a.length <= b.length ? [a, b] : [b, a]
  const out = new Uint32Array(small.length)
  let n = 0
  if (small.length === 0) return out
  if (small.length * 8 < large.length) {
    let j = 0
    for (let i = 0; i < small.length; i++) {
      const x = small[i] ?? 0
      j = gallop(large, x, j)
      if (j >= large.length) break
      if (large[j] === x) out[n++] = x
    }
  } else {
    let i = 0
    let j = 0
    while (i < small.length && j < large.length) {
      const x = small[i] ?? 0
      const y = large[j] ?? 0
      if (x < y) i++
      else if (x > y) j++
      else {
        out[n++] = x
        i++
        j++
      }
    }
  }
  return out.subarray(0, n)
}

/** The part of a sorted list within [lo, hi). */
export function sliceRange(a: Uint32Array, lo: number, hi: number): Uint32Array {
  const from = lo <= 0 ? 0 : lowerBound(a, lo)
  const to = lowerBound(a, hi, from)
  return from === 0 && to === a.length ? a : a.subarray(from, to)
}

/** a ∪ b, both sorted ascending. */
export function union(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (b.length === 0) return a
  if (a.length === 0) return b
  const out = new Uint32Array(a.length + b.length)
  let i = 0
  let j = 0
  let n = 0
  while (i < a.length || j < b.length) {
    const x = i < a.length ? (a[i] ?? 0) : Infinity
    const y = j < b.length ? (b[j] ?? 0) : Infinity
    if (x <= y) {
      out[n++] = x
      i++
      if (x === y) j++
    } else {
      out[n++] = y
      j++
    }
  }
  return out.subarray(0, n)
}

/** a without the elements of b (both sorted ascending). */
export function difference(a: Uint32Array, b: Uint32Array): Uint32Array {
  let j = 0
  return filterDocs(a, (o) => {
    j = gallop(b, o, j)
    return b[j] !== o
  })
}

/** The elements of a sorted list that `keep` accepts (the list itself if all). */
export function filterDocs(docs: Uint32Array, keep: (ord: number) => boolean): Uint32Array {
  const out = new Uint32Array(docs.length)
  let n = 0
  for (let i = 0; i < docs.length; i++) {
    const o = docs[i] ?? 0
    if (keep(o)) out[n++] = o
  }
  return n === docs.length ? docs : out.subarray(0, n)
}
