// The pure rules of お気に入り and My本棚: shelf names and the stamps that keep lists newest
// first. The rules that read and write lists run against a real database in
// test/integration/services/list-service.test.ts.
import { expect } from 'chai'
import { SHELF_NAME_MAX, cleanShelfName, nextStamp } from '../../../server/services/list-service.ts'

describe('list-service', () => {
  describe('shelf names', () => {
    it('trims (also full-width spaces) and normalises to NFC', () => {
      expect(cleanShelfName('  読みたい本\u3000')).to.deep.equal({ ok: true, name: '読みたい本' })
      expect(cleanShelfName('か\u3099いこく')).to.deep.equal({ ok: true, name: 'がいこく' })
    })

    it('refuses an empty name', () => {
      for (const raw of ['', '   ', '\u3000\u3000'])
        expect(cleanShelfName(raw)).to.deep.equal({ ok: false, problem: 'empty' })
    })

    it(`allows ${SHELF_NAME_MAX} characters, counting code points, and refuses more`, () => {
      expect(cleanShelfName('あ'.repeat(30))).to.deep.equal({ ok: true, name: 'あ'.repeat(30) })
      expect(cleanShelfName('𠮷'.repeat(30)).ok).to.equal(true)
      expect(cleanShelfName('あ'.repeat(31))).to.deep.equal({ ok: false, problem: 'too_long' })
      expect(cleanShelfName(` ${'a'.repeat(30)} `).ok).to.equal(true)
    })

    it('refuses control characters, line breaks and direction overrides', () => {
      for (const raw of [
        '本\t棚',
        '本\n棚',
        '本\u0007棚',
        '本\u007f棚',
        '本\u0085棚',
        'a\u202Eb',
        'x\u2028y',
      ])
        expect(cleanShelfName(raw), JSON.stringify(raw)).to.deep.equal({
          ok: false,
          problem: 'bad_character',
        })
    })
  })

  describe('nextStamp', () => {
    const now = new Date('2026-11-23T01:00:00.700Z')
    it('is now (whole seconds) when the list is empty or older', () => {
      expect(nextStamp(null, now)).to.equal('2026-11-23 01:00:00')
      expect(nextStamp('2026-11-22 23:59:59', now)).to.equal('2026-11-23 01:00:00')
    })
    it('is one second after the newest entry when that is not earlier than now', () => {
      expect(nextStamp('2026-11-23 01:00:00', now)).to.equal('2026-11-23 01:00:01')
      expect(nextStamp('2026-11-23 01:00:59', now)).to.equal('2026-11-23 01:01:00')
    })
  })
})
