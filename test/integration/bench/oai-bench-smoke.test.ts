// The OAI-PMH benchmark (npm run bench:oai, not part of npm test at full size) runs end to end
// on 1,500 records: it loads, starts the server as its own process, harvests every record
// once over the resumption tokens and reports every field of its JSON line.
import { expect } from 'chai'
import { runOaiBench } from '../../bench/oai-bench.ts'
import { reserveTestDatabase } from '../../helpers/test-database.ts'

describe('OAI-PMH benchmark (1,500-record smoke run)', function () {
  this.timeout(180_000)

  it('harvests every record and reports the JSON fields', async () => {
    const { url } = reserveTestDatabase('oaibench')
    const result = await runOaiBench({ records: 1500, databaseUrl: url, prefix: 'marcxml' })
    expect(result).to.include({ records: 1500, prefix: 'marcxml', pages: 8 })
    for (const key of ['seconds', 'records_per_s', 'mb_sent', 'server_rss_peak_mb'] as const) {
      expect(result[key], key).to.be.greaterThan(0)
    }
    expect(result.server_rss_peak_mb).to.be.at.least(result.server_rss_start_mb)
  })
})
