import { expect } from 'chai'
import { withRanks } from '../../../server/services/browse-service.ts'

describe('browse service: ranking numbers', () => {
  it('gives equal counts the same rank and skips the ranks they take (1, 2, 2, 4)', () => {
    const ranks = withRanks([9, 5, 5, 3, 3, 3, 1].map((count) => ({ count }))).map((h) => h.rank)
    expect(ranks).to.deep.equal([1, 2, 2, 4, 4, 4, 7])
  })

  it('ranks an empty list and a single entry', () => {
    expect(withRanks([])).to.deep.equal([])
    expect(withRanks([{ count: 2 }])).to.deep.equal([{ count: 2, rank: 1 }])
  })
})
