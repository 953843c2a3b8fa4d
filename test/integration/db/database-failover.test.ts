// A DATABASE_URL naming several servers (the nodes of a cluster): databaseUrls splits it, and
// the pool takes connections from the next server when the one in use cannot be reached, and
// stays there. Two TCP proxies in front of the test server play two nodes.
import { expect } from 'chai'
import { sql } from 'kysely'
import { createDb, databaseUrls, parseDatabaseUrl } from '../../../server/db/database.ts'
import type { Db } from '../../../server/db/database.ts'
import { startTcpProxy } from '../../helpers/tcp-proxy.ts'
import type { TcpProxy } from '../../helpers/tcp-proxy.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'

describe('database failover (several servers in DATABASE_URL)', () => {
  it('splits a URL into one per server, keeping the user, database and options', () => {
    expect(databaseUrls('mysql://u:p@10.0.0.1:3306,10.0.0.2:3307/opac?x=1')).to.deep.equal([
      'mysql://u:p@10.0.0.1:3306/opac?x=1',
      'mysql://u:p@10.0.0.2:3307/opac?x=1',
    ])
    expect(databaseUrls('mysql://root@127.0.0.1:3306/opac')).to.deep.equal([
      'mysql://root@127.0.0.1:3306/opac',
    ])
    expect(parseDatabaseUrl('mysql://u@a:1,b:2/opac')).to.deep.include({
      host: 'a',
      port: 1,
      database: 'opac',
    })
  })

  describe('over two proxies', () => {
    let first: TcpProxy
    let second: TcpProxy
    let db: Db
    const server = () => sql`SELECT 1`.execute(db)
    before(async () => {
      const t = await createTestDatabase({ prefix: 'failover' })
      const target = new URL(t.url)
      const to = { host: target.hostname, port: Number(target.port || 3306) }
      first = await startTcpProxy(to)
      second = await startTcpProxy(to)
      db = createDb(`mysql://root@127.0.0.1:${first.port},127.0.0.1:${second.port}/${t.name}`, 2)
    })
    after(async () => {
      await db.destroy()
      await first.stop()
      await second.stop()
    })

    it('moves to the next server when the one in use is gone, and stays there', async () => {
      await server()
      const before = { first: first.connections, second: second.connections }
      expect(before.first).to.be.above(0)
      expect(before.second).to.equal(0)
      await first.stop()
      // The pooled connection to the first server died with it: that query fails, the next
      // is served by the second server.
      await server().catch(() => undefined)
      await server()
      expect(second.connections).to.be.above(0)
      await first.start()
      await server()
      expect(first.connections, 'not back to the first').to.equal(0)
    })
  })
})
