// `npm run import` as a process on MariaDB: the sample of the shared NACSIS-CAT TSV and an NDL
// OpenSearch response (XML inside a TypeScript fixture) are imported with progress lines and a
// summary; rejected rows are named with their line and reason; a second run changes nothing;
// the search finds the imported titles; a changed row is updated.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'chai'
import { load } from 'cheerio'
import { delimitedItems, rssItems } from '../../../server/services/catalogue-import.ts'
import { holdFixture } from '../../helpers/hold-fixture.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import { get, startTestServer } from '../../helpers/test-server.ts'

const run = promisify(execFile)
const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'bib')

describe('catalogue import (npm run import)', function () {
  this.timeout(180_000)

  it('reads NACSIS-CAT TSV rows and NDL RSS items', async () => {
    const tsv = delimitedItems(await readFile(join(FIXTURES, 'cat-sample.tsv'), 'utf8'), '\t')
    expect(tsv).to.have.length(60)
    const second = tsv[1]!
    expect(second.at).to.equal('line 3')
    expect(second.record).to.include({
      title: '視る : 阪神・淡路大震災の人と街',
      author: '「視る」編集委員会企画・製作',
      pubYear: 2004,
      ndc: '369.31',
      source: 'ncid',
      sourceId: 'BA65868702',
    })
    const rss = rssItems(await readFile(join(FIXTURES, 'ndl-response1.xml'), 'utf8'))
    expect(rss).to.have.length(1)
    expect(rss[0]!.record).to.include({
      title: 'Clean Architecture : 達人に学ぶソフトウェアの構造と設計',
      isbn: '9784048930659',
      pubYear: 2018,
      source: 'ndl',
      sourceId: 'R100000002-I029096886',
    })
    expect(rss[0]!.record?.titleReading).to.match(/^クリーン アーキテクチャ/)
  })

  it('imports with progress and a summary, names rejected rows, and changes nothing the second time', async () => {
    const t = await createTestDatabase({ prefix: 'import' })
    const lib = await holdFixture(t.db, 'B', { patrons: 1 })
    const dir = await mkdtemp(join(tmpdir(), 'opac-import-'))
    const bad = join(dir, 'bad.csv')
    await writeFile(
      bad,
      'title,creator,ncid,isbn\n"Good, with a comma",著者,BX0001,\n,no title,BX0002,\nBad ISBN,x,BX0003,978-0-00-000000-1\nNo id,x,,\n',
    )
    const env = { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: 'silent' }
    const args = ['tsx', 'server/cli/import-cli.ts', '--library', lib.slug, FIXTURES, bad]
    const first = await run('npx', args, { env })
    expect(first.stderr).to.include('cat-sample.tsv: 60/60')
    expect(first.stdout).to.include('cat-sample.tsv: 60 added, 0 updated, 0 unchanged, 0 rejected')
    expect(first.stdout).to.include('ndl-response1.xml')
    expect(first.stdout).to.include('bad.csv: 1 added, 0 updated, 0 unchanged, 3 rejected')
    expect(first.stdout).to.include('rejected line 3: title missing')
    expect(first.stdout).to.include('rejected line 4: not an ISBN: 978-0-00-000000-1')
    expect(first.stdout).to.include('rejected line 5: no identifier (ncid, id or isbn)')
    expect(first.stdout).to.include(`${lib.slug}: 62 added, 0 updated, 0 unchanged, 3 rejected`)
    const count = async () =>
      Number(
        (
          await t.db
            .selectFrom('record')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('library_id', '=', lib.library.id)
            .executeTakeFirstOrThrow()
        ).n,
      )
    const afterFirst = await count()

    const second = await run('npx', args, { env })
    expect(second.stdout).to.include(`${lib.slug}: 0 added, 0 updated, 62 unchanged, 3 rejected`)
    expect(await count()).to.equal(afterFirst)

    await writeFile(bad, 'title,creator,ncid\n"Good, with a comma",改訂者,BX0001\n')
    const third = await run(
      'npx',
      ['tsx', 'server/cli/import-cli.ts', '--library', lib.slug, bad],
      { env },
    )
    expect(third.stdout).to.include('bad.csv: 0 added, 1 updated, 0 unchanged, 0 rejected')

    const server = await startTestServer(t.db)
    try {
      const res = await get(
        server.baseUrl,
        `/${lib.slug}/search?q=${encodeURIComponent('阪神・淡路大震災')}`,
      )
      expect(load(res.text)('main').text()).to.include('視る : 阪神・淡路大震災の人と街')
    } finally {
      await server.close()
    }
    const usage = await run('npx', ['tsx', 'server/cli/import-cli.ts'], { env }).catch(
      (e: { code: number; stderr: string }) => e,
    )
    expect(usage).to.include({ code: 2 })
  })
})
