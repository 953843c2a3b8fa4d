// The search benchmark (npm run bench:search, not part of npm test at full size) runs end to end
// on 1,000 records: it loads, indexes, measures and reports every field of its JSON line.
import { expect } from 'chai'
import { runSearchBench } from '../../bench/search-bench.ts'
import { reserveTestDatabase } from '../../helpers/test-database.ts'

describe('search benchmark (1,000-record smoke run)', function () {
  this.timeout(180_000)

  it('loads, indexes, measures and reports the JSON fields', async () => {
    const { url } = reserveTestDatabase('bench')
    const details = await runSearchBench({ records: 1000, databaseUrl: url })
    const result = details.result
    expect(Object.keys(result)).to.deep.equal([
      'records',
      'queries',
      'p50_ms',
      'p95_ms',
      'p99_ms',
      'qps',
      'pk_lookup_p95_ms',
      'like_scan_p95_ms',
      'load_s',
      'rss_mb',
    ])
    for (const [key, value] of Object.entries(result)) {
      expect(value, key).to.be.a('number')
      expect(Number.isFinite(value), key).to.equal(true)
      expect(value, key).to.be.at.least(0)
    }
    expect(result.records).to.equal(1000)
    expect(result.queries).to.be.at.least(2000)
    expect(result.p50_ms).to.be.at.most(result.p95_ms)
    expect(result.p95_ms).to.be.at.most(result.p99_ms)
    expect(result.qps).to.be.greaterThan(0)
    expect(result.pk_lookup_p95_ms).to.be.greaterThan(0)
    expect(result.like_scan_p95_ms).to.be.greaterThan(0)
    expect(result.load_s).to.be.greaterThan(0)
    expect(result.rss_mb).to.be.greaterThan(0)
    // the sampled LIKE scans gave the same answers as the index
    expect(details.mismatches).to.equal(0)
    // subject and call-number searches, and the browse counts, are kinds of their own
    expect(Object.keys(details.byKind)).to.include.members([
      'subject',
      'call',
      'browse:ndc',
      'browse:ndc-class',
      'browse:new',
      'browse:new-class',
    ])
    expect(JSON.parse(JSON.stringify(result))).to.deep.equal(result)
  })
})
