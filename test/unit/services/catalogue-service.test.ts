// The catalogue service validates a typed search request into folded criteria or error codes
// by field (the pages word them: render/search-words.ts), whoever built the request.
import { expect } from 'chai'
import type { RecordRepository } from '../../../server/db/record-repository.ts'
import { searchErrorMessages } from '../../../server/render/search-words.ts'
import {
  catalogueService,
  emptySearchRequest,
  searchCriteria,
} from '../../../server/services/catalogue-service.ts'
import type { SearchRequest } from '../../../server/services/catalogue-service.ts'
import type { SearchService } from '../../../server/services/search/search-service.ts'

const BLANK: SearchRequest = emptySearchRequest()
const BRANCHES = [{ id: 7, code: 'east' }]

describe('catalogue service', () => {
  it('folds a request into criteria', () => {
    const checked = searchCriteria(
      { ...BLANK, q: 'ココロ', from: '１９９０', branch: 'east', ndc: 'c', avail: true },
      BRANCHES,
    )
    expect(checked).to.deep.equal({
      ok: true,
      criteria: {
        words: ['こころ'],
        rankText: 'こころ',
        yearFrom: 1990,
        yearTo: undefined,
        branchId: 7,
        materialTypes: ['kamishibai'],
        availableOnly: true,
      },
    })
  })

  it('returns error codes by field, in the order it finds them, never sentences', () => {
    const checked = searchCriteria(
      {
        ...BLANK,
        title: 'あ'.repeat(201),
        isbn: '123',
        from: '90',
        to: '1980',
        branch: 'nowhere',
        ndc: 'x',
        call: 'P'.repeat(21),
      },
      BRANCHES,
    )
    expect(checked).to.deep.equal({
      ok: false,
      empty: false,
      errors: {
        title: 'too_long',
        isbn: 'isbn_invalid',
        from: 'year_format',
        branch: 'unknown_branch',
        ndc: 'ndc_invalid',
        call: 'too_long',
      },
    })
    if (!checked.ok) {
      expect(Object.keys(checked.errors)).to.deep.equal([
        'title',
        'isbn',
        'from',
        'branch',
        'ndc',
        'call',
      ])
    }
    expect(searchCriteria({ ...BLANK, from: '1990', to: '1980' }, BRANCHES)).to.deep.include({
      errors: { to: 'year_order' },
    })
    expect(searchCriteria({ ...BLANK, q: '・・' }, BRANCHES)).to.deep.equal({
      ok: false,
      empty: true,
      errors: { q: 'empty' },
    })
  })

  it('has a sentence for the codes', () => {
    expect(searchErrorMessages({ q: 'empty', page: 'bad_page' })).to.deep.equal({
      q: '検索語を入力してください。',
      page: 'ページの指定が正しくありません。',
    })
  })

  it('refuses a page outside 1 … MAX_PAGE after the search itself is checked', async () => {
    let searched = 0
    const search = {
      search: () => {
        searched++
        return Promise.resolve({ total: 3, hits: [] })
      },
    } as unknown as SearchService
    const catalogue = catalogueService({ records: {} as RecordRepository, search })
    const request = { ...BLANK, q: 'こころ' }
    for (const page of [0, Number.NaN, 10_001, 1.5]) {
      const outcome = await catalogue.search(1, BRANCHES, request, { page, perPage: 10 })
      expect(outcome).to.deep.include({ ok: false, reason: 'bad_page' })
    }
    const empty = await catalogue.search(1, BRANCHES, BLANK, { page: 0, perPage: 10 })
    expect(empty).to.deep.include({ ok: false, reason: 'empty_query' })
    expect(searched).to.equal(0)
    const beyond = await catalogue.search(1, BRANCHES, request, { page: 2, perPage: 10 })
    expect(beyond).to.deep.include({
      ok: false,
      reason: 'page_out_of_range',
      errors: { page: 'page_out_of_range' },
      lastPage: 1,
    })
  })
})
