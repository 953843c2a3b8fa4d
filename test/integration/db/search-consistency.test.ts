// Index consistency: a record edited or deleted is found, or not found, at once.
import { expect } from 'chai'
import { createTestDatabase, libraryIdOf } from '../../helpers/test-database.ts'
import type { TestDatabase } from '../../helpers/test-database.ts'
import { recordRepository } from '../../../server/db/record-repository.ts'
import { searchRepository } from '../../../server/db/search-repository.ts'
import { readSearchRequest } from '../../../server/routes/search-params.ts'
import { catalogueService } from '../../../server/services/catalogue-service.ts'
import { createSearchEngine } from '../../../server/services/search/search-engine.ts'
import { searchFields } from '../../../server/services/search/search-fields.ts'
import { searchService } from '../../../server/services/search/search-service.ts'

describe('search consistency on edits', function () {
  this.timeout(120_000)
  let t: TestDatabase
  before(async () => {
    t = await createTestDatabase({ demo: true, prefix: 'edit' })
  })

  it('finds an edited record by its new title at once, and no longer by the old one', async () => {
    const records = recordRepository(t.db)
    const engine = createSearchEngine({ db: t.db })
    const searching = searchService({ repository: searchRepository(t.db), engine })
    const catalogue = catalogueService({ records, search: searching })
    const libraryId = await libraryIdOf(t.db, 'aoba')
    const branches = await t.db
      .selectFrom('branch')
      .select(['id', 'code'])
      .where('library_id', '=', libraryId)
      .execute()
    const search = async (q: string) => {
      const request = readSearchRequest({ q: [q] })
      const outcome = await catalogue.search(libraryId, branches, request, { page: 1, perPage: 50 })
      // A refused or failed search is an error here, never "not found".
      if (!outcome.ok) throw new Error(`search for ${q} failed: ${JSON.stringify(outcome)}`)
      return outcome.hits.map((h) => h.id)
    }
    const target = await t.db
      .selectFrom('record')
      .select(['id'])
      .where('library_id', '=', libraryId)
      .where('source', '=', 'aozora')
      .where('source_id', '=', '052016') // 濹東綺譚
      .executeTakeFirstOrThrow()
    expect(await search('ぼくとうきだん')).to.include(target.id)
    expect(
      await records.update(
        libraryId,
        target.id,
        { title: '墨東奇譚（改題）', title_reading: 'ぼくとうきたんかいだい' },
        searchFields,
      ),
    ).to.equal(true)
    expect(await search('墨東奇譚')).to.include(target.id)
    expect(await search('ボクトウキタンカイダイ')).to.include(target.id)
    expect(await search('ぼくとうきだん')).not.to.include(target.id)

    // A record with copies is not deleted; once its copies are gone it is, and not found.
    expect(await records.remove(libraryId, target.id)).to.equal(false)
    const copies = await t.db
      .selectFrom('copy')
      .select('id')
      .where('record_id', '=', target.id)
      .execute()
    for (const c of copies) {
      await t.db.deleteFrom('loan').where('copy_id', '=', c.id).execute()
      await t.db
        .updateTable('hold')
        .set({ trapped_copy_id: null })
        .where('trapped_copy_id', '=', c.id)
        .execute()
    }
    await t.db.deleteFrom('hold').where('record_id', '=', target.id).execute()
    await t.db.deleteFrom('copy').where('record_id', '=', target.id).execute()
    expect(await records.remove(libraryId, target.id)).to.equal(true)
    expect(await search('墨東奇譚')).not.to.include(target.id)
  })
})
