// The README's table of demo patrons is the list the loader uses: a reader can try each rule.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'chai'
import { DEMO_ACCOUNTS } from '../../../server/demo/demo-accounts.ts'

describe('README demo patrons', () => {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8')
  const rows = readme.split('\n').filter((line) => /^\| (aoba|minato) \| \d{10} \|/.test(line))
  for (const [slug, accounts] of Object.entries(DEMO_ACCOUNTS)) {
    for (const a of accounts) {
      it(`lists ${slug} ${a.card} with its password`, () => {
        const row = rows.find((r) => r.startsWith(`| ${slug} | ${a.card} |`))
        expect(row, `README row for ${a.card}`).to.be.a('string')
        const password = row!.split('|')[3]!.trim()
        if (a.password) expect(password).to.match(new RegExp(`^\`${a.password}\``))
        else expect(password).to.equal('(none)')
      })
    }
  }
})
