import { expect } from 'chai'
import {
  ByteSlab,
  ByteWriter,
  ListBuilder,
  decodeList,
  gallop,
  intersect,
  lowerBound,
  readPositions,
  sliceRange,
} from '../../../../server/services/search/postings.ts'

const u32 = (...values: number[]) => Uint32Array.from(values)

describe('posting lists', () => {
  it('writes LEB128 varints', () => {
    const w = new ByteWriter(1)
    for (const v of [0, 1, 127, 128, 300, 2 ** 32 - 1, 2 ** 40]) w.varint(v)
    expect([...w.result()]).to.deep.equal([
      0, 1, 127, 0x80, 1, 0xac, 2, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20,
    ])
  })

  it('round-trips plain lists over several segments', () => {
    const size = 1000
    const docs = [0, 1, 5, 999, 1000, 1001, 2500, 2999]
    const segments = [0, 1, 2].map((seg) => {
      const b = new ListBuilder(seg * size)
      for (const d of docs.filter((x) => Math.floor(x / size) === seg)) b.add(d)
      return { seg, docCount: b.count, data: b.result() }
    })
    const list = decodeList(segments, size, false)
    expect([...list.docs]).to.deep.equal(docs)
    expect(list.posOff).to.equal(undefined)
  })

  it('round-trips positional lists and reads each document’s positions', () => {
    const size = 100
    const entries: [number, number[]][] = [
      [3, [0]],
      [4, [2, 7, 300]],
      [150, [65_535]],
      [199, [1, 2, 3]],
    ]
    const segments = [0, 1].map((seg) => {
      const b = new ListBuilder(seg * size)
      for (const [d, p] of entries.filter(([x]) => Math.floor(x / size) === seg)) b.add(d, p)
      return { seg, docCount: b.count, data: b.result() }
    })
    const list = decodeList(segments, size, true)
    expect([...list.docs]).to.deep.equal(entries.map(([d]) => d))
    const out: number[] = []
    entries.forEach(([, positions], i) => {
      const n = readPositions(list, i, out)
      expect(out.slice(0, n)).to.deep.equal(positions)
    })
  })

  it('keeps many interleaved lists apart in one slab, across blocks and chunks', () => {
    const slab = new ByteSlab(1 << 13) // small chunks: blocks start new chunks often
    const lists = Array.from({ length: 50 }, () => ({
      builder: new ListBuilder(0, slab),
      expected: new ByteWriter(),
    }))
    let seed = 3
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed / 4294967296
    }
    const last = lists.map(() => -1)
    for (let ord = 0; ord < 20_000; ord++) {
      // list i gets a document with probability falling with i: lengths from 1 byte to ~60 KB
      lists.forEach((l, i) => {
        if (rnd() > 1 / (i + 1)) return
        const positions = Array.from({ length: 1 + Math.floor(rnd() * 3) }, (_v, k) => k * 40)
        l.builder.add(ord, positions)
        l.expected.varint(ord - last[i]!)
        l.expected.varint(positions.length)
        let previous = 0
        for (const p of positions) {
          l.expected.varint(p - previous)
          previous = p
        }
        last[i] = ord
      })
    }
    for (const l of lists) expect(l.builder.result()).to.deep.equal(l.expected.result())
    expect(lists[0]!.builder.length).to.be.greaterThan(40_000)
    expect(slab.size).to.be.greaterThan(1 << 16)
  })

  it('decodes no segments as an empty list', () => {
    expect(decodeList([], 10, true).docs.length).to.equal(0)
  })

  it('searches, gallops, intersects and slices sorted lists', () => {
    const a = u32(1, 3, 5, 7, 9, 11)
    expect(lowerBound(a, 0)).to.equal(0)
    expect(lowerBound(a, 6)).to.equal(3)
    expect(lowerBound(a, 12)).to.equal(6)
    expect(gallop(a, 9, 1)).to.equal(4)
    expect(gallop(a, 100, 0)).to.equal(6)
    expect([...intersect(a, u32(0, 3, 4, 9, 12))]).to.deep.equal([3, 9])
    const big = Uint32Array.from({ length: 1000 }, (_v, i) => i * 2)
    expect([...intersect(u32(4, 5, 1998, 3000), big)]).to.deep.equal([4, 1998])
    expect([...intersect(big, u32())]).to.deep.equal([])
    expect([...sliceRange(a, 3, 9)]).to.deep.equal([3, 5, 7])
    expect(sliceRange(a, 0, 100)).to.equal(a)
  })

  it('intersects like a set intersection on random lists', () => {
    let seed = 1
    const rnd = () => {
      seed = (Math.imul(seed, 48271) + 11) >>> 0
      return seed / 4294967296
    }
    for (let round = 0; round < 50; round++) {
      const make = (n: number, range: number) =>
        Uint32Array.from(new Set(Array.from({ length: n }, () => Math.floor(rnd() * range)))).sort()
      const x = make(Math.floor(rnd() * 300), 2000)
      const y = make(Math.floor(rnd() * 3000), 2000)
      const ys = new Set(y)
      expect([...intersect(x, y)]).to.deep.equal([...x].filter((v) => ys.has(v)))
    }
  })
})
