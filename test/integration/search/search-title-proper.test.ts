// タイトルの前方一致・完全一致 compare the title proper (and its reading), not the subtitle or
// series — unless the form asks for those too — through the index and through SQL alone.
import { expect } from 'chai'
import type { Db } from '../../../server/db/database.ts'
import { searchRepository } from '../../../server/db/search-repository.ts'
import type { SearchCriteria, TitleMode } from '../../../server/db/search-repository.ts'
import { foldWords } from '../../../server/services/search/fold.ts'
import { createSearchEngine } from '../../../server/services/search/search-engine.ts'
import { searchService } from '../../../server/services/search/search-service.ts'
import type { SearchService } from '../../../server/services/search/search-service.ts'
import { libraryIdOf, sharedDemoDatabase } from '../../helpers/test-database.ts'

describe('title 前方一致・完全一致 on the title proper', function () {
  this.timeout(300_000)
  let db: Db
  let libraryId: number
  let services: [string, SearchService][]
  before(async function () {
    ;({ db } = await sharedDemoDatabase(this))
    libraryId = await libraryIdOf(db, 'minato')
    const engine = createSearchEngine({ db })
    await engine.build(libraryId)
    services = [
      ['index', searchService({ repository: searchRepository(db), engine })],
      ['sql', searchService({ repository: searchRepository(db) })],
    ]
  })

  const titles = async (s: SearchService, text: string, mode: TitleMode, subtitles = false) => {
    const words = foldWords(text)
    const criteria: SearchCriteria = {
      words: [],
      rankText: words.join(''),
      title: { words, mode, ...(subtitles ? { subtitles } : {}) },
    }
    const found = await s.search(libraryId, criteria, 'relevance', { offset: 0, limit: 500 })
    return found.hits.map((h) => h.title)
  }

  it('does not take a subtitle starting with the text for a title starting with it', async () => {
    for (const [name, s] of services) {
      const prefix = await titles(s, 'こころ', 'prefix')
      expect(prefix, name).to.include('こころ')
      expect(prefix, name).to.not.include('記憶と地域をつなぐアートプロジェクト')
      expect(prefix[0], name).to.equal('こころ')
      const withSubtitles = await titles(s, 'こころ', 'prefix', true)
      expect(withSubtitles, name).to.include('記憶と地域をつなぐアートプロジェクト')
    }
  })

  it('matches the title or its reading whole in exact mode, one character too', async () => {
    for (const [name, s] of services) {
      const exact = await titles(s, 'こころ', 'exact')
      expect(exact, name).to.include('こころ')
      expect(exact, name).to.not.include('記憶と地域をつなぐアートプロジェクト')
      expect(
        exact.filter((t) => t.startsWith('こころ') && t !== 'こころ'),
        name,
      ).to.deep.equal([])
      expect(await titles(s, 'ぎんがてつどうのよる', 'exact'), name).to.include('銀河鉄道の夜')
      expect(await titles(s, '鼻', 'exact'), name).to.satisfy(
        (ts: string[]) => ts.length > 0 && ts.every((t) => t === '鼻'),
      )
    }
  })

  it('gives the same records through the index and SQL in every mode', async () => {
    const [[, indexed], [, scanning]] = services as [
      [string, SearchService],
      [string, SearchService],
    ]
    for (const text of ['こころ', 'こ', '銀河', 'ぎんが', '夜']) {
      for (const mode of ['prefix', 'exact', 'contains'] as const) {
        for (const subtitles of [false, true]) {
          expect(
            await titles(indexed, text, mode, subtitles),
            `${text} ${mode} ${subtitles}`,
          ).to.deep.equal(await titles(scanning, text, mode, subtitles))
        }
      }
    }
  })
})
