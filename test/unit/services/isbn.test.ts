import { expect } from 'chai'
import { normaliseIsbn as normalizeIsbn } from '../../../server/services/isbn.ts'

describe('ISBN', () => {
  it('normalises ISBN-10 and ISBN-13 to the 13 digits records store', () => {
    expect(normalizeIsbn('978-4-00-310108-7')).to.equal('9784003101087')
    expect(normalizeIsbn('4-00-310108-1')).to.equal('9784003101087')
    expect(normalizeIsbn('4003101081')).to.equal('9784003101087')
    expect(normalizeIsbn('4-00-000008-X')).to.equal('9784000000086')
    expect(normalizeIsbn('4-00-310108-X')).to.equal(null) // wrong check digit
    expect(normalizeIsbn('9784003101088')).to.equal(null)
    expect(normalizeIsbn(' 9784003101087 ')).to.equal('9784003101087')
    expect(normalizeIsbn('400310108')).to.equal(null)
    expect(normalizeIsbn('こころ')).to.equal(null)
  })
})
