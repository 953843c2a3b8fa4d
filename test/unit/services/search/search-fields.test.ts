// The folded search fields are stored; they must be recomputed whenever fold() changes. This
// fingerprint of fold() over a fixed sample fails the build when fold() changes without a new
// SEARCH_VERSION (bump it, then update both constants here).
import { createHash } from 'node:crypto'
import { expect } from 'chai'
import { KEY_SEPARATOR, SEARCH_VERSION } from '../../../../server/db/search-layout.ts'
import { fold } from '../../../../server/services/search/fold.ts'
import { searchFields } from '../../../../server/services/search/search-fields.ts'
import { FOLD_SAMPLE } from './fold-sample.ts'

const KNOWN = { version: 8, fingerprint: 'd38bfb0589ce5b90' }

describe('search fields', () => {
  it('has a SEARCH_VERSION that matches the current fold()', () => {
    const fingerprint = createHash('sha256')
      .update(FOLD_SAMPLE.map(fold).join('\n'))
      .digest('hex')
      .slice(0, 16)
    expect(
      { version: SEARCH_VERSION, fingerprint },
      'fold() changed: bump SEARCH_VERSION in server/db/search-layout.ts and update KNOWN',
    ).to.deep.equal(KNOWN)
  })

  it('folds each field apart, framed by separators, with 50音 sort keys from the readings', () => {
    const f = searchFields({
      title: 'こころ',
      title_reading: 'こころ',
      subtitle: '',
      series_title: '集英社文庫',
      author: '夏目 漱石',
      author_reading: 'なつめ そうせき',
      publisher: '集英社',
      subjects: '小説;日本文学',
    })
    expect(f.title_key).to.equal(
      `${KEY_SEPARATOR}こころ${KEY_SEPARATOR}こころ${KEY_SEPARATOR}集英社文庫${KEY_SEPARATOR}`,
    )
    expect(f.author_key).to.equal(
      `${KEY_SEPARATOR}夏目漱石${KEY_SEPARATOR}なつめそうせき${KEY_SEPARATOR}`,
    )
    expect(f.subject_key).to.equal(`${KEY_SEPARATOR}小説日本文学${KEY_SEPARATOR}`)
    expect(f.sort_author).to.equal('なつめそうせき')
    expect(f.reading_key).to.equal('こころ')
    expect(f.author_reading_key).to.equal('なつめそせき')
    expect(f.search_version).to.equal(SEARCH_VERSION)
  })

  it('keeps loose reading keys from a reading, or from a title or author written in kana', () => {
    const f = (title: string, title_reading: string, author: string, author_reading: string) =>
      searchFields({
        title,
        title_reading,
        subtitle: '',
        series_title: '',
        author,
        author_reading,
        publisher: '',
        subjects: '',
      })
    const kanji = f('坊っちゃん', 'ボッチャン', '夏目漱石', '')
    expect([kanji.reading_key, kanji.author_reading_key]).to.deep.equal(['ぼちやん', ''])
    const kana = f('ごんぎつね', '', 'にいみなんきち', '')
    expect([kana.reading_key, kana.author_reading_key]).to.deep.equal([
      'ごんぎつね',
      'にみなんきち',
    ])
  })
})
