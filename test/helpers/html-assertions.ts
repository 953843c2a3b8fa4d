// Page checks every PC and keitai page must pass: valid HTML (PC), a label for every input,
// headings in order, one h1, a title; keitai pages within the byte budget and charset rules.
import { expect } from 'chai'
import * as cheerio from 'cheerio'
import { HtmlValidate } from 'html-validate'

const validator = new HtmlValidate({
  extends: ['html-validate:recommended'],
  rules: {
    // Japanese text is full of characters this rule flags (～, ー …).
    'no-trailing-whitespace': 'off',
    'long-title': 'off',
    'void-style': 'off',
    // A group of checkboxes sharing one name (資料種別) is ordinary HTML.
    'form-dup-name': ['error', { shared: ['radio', 'checkbox', 'button', 'reset', 'submit'] }],
    // role="table" on the account tables that phones show one block per row (display: block):
    // Safari drops a table's semantics with its display unless the role is written out.
    'no-redundant-role': 'off',
  },
})

export async function expectValidHtml(html: string): Promise<void> {
  const report = await validator.validateString(html)
  const messages = report.results.flatMap((r) =>
    r.messages.map((m) => `${m.ruleId} line ${m.line}: ${m.message}`),
  )
  expect(messages, messages.join('\n')).to.deep.equal([])
}

/** Every input/select/textarea that a person fills in has a label. */
export function expectLabelledInputs(html: string): void {
  const $ = cheerio.load(html)
  $('input, select, textarea').each((_, el) => {
    const type = $(el).attr('type') ?? 'text'
    if (['hidden', 'submit', 'button', 'reset', 'image'].includes(type)) return
    const id = $(el).attr('id')
    const labelled =
      (id !== undefined && $(`label[for="${id}"]`).length > 0) ||
      $(el).closest('label').length > 0 ||
      $(el).attr('aria-label') !== undefined
    expect(labelled, `input ${$.html(el)} has no label`).to.equal(true)
  })
}

/** One h1, and no heading skips a level. */
export function expectHeadingsInOrder(html: string): void {
  const $ = cheerio.load(html)
  const levels = $('h1, h2, h3, h4, h5, h6')
    .toArray()
    .map((el) => Number(el.tagName.slice(1)))
  expect(levels[0], 'first heading is h1').to.equal(1)
  expect(levels.filter((l) => l === 1).length, 'exactly one h1').to.equal(1)
  for (let i = 1; i < levels.length; i++) {
    expect(
      levels[i]! - levels[i - 1]!,
      `heading h${levels[i]} after h${levels[i - 1]}`,
    ).to.be.at.most(1)
  }
}

export function titleOf(html: string): string {
  return cheerio.load(html)('title').text()
}

export async function expectGoodPcPage(html: string): Promise<void> {
  await expectValidHtml(html)
  expectLabelledInputs(html)
  expectHeadingsInOrder(html)
  expect(html).to.match(/<html lang="ja">/)
  expect(html).not.to.match(/<script/i)
}

export const KEITAI_BUDGET = 5120

/** Keitai rules: Shift_JIS label, meta on its own line before any non-ASCII, ≤ 5,120 bytes. */
export function expectGoodKeitaiPage(res: { headers: Headers; bytes: Buffer; text: string }): void {
  expect(res.headers.get('content-type')).to.equal('text/html; charset=Shift_JIS')
  expect(res.bytes.length, `keitai page of ${res.bytes.length} bytes`).to.be.at.most(KEITAI_BUDGET)
  const firstNonAscii = res.bytes.findIndex((b) => b >= 0x80)
  const meta = res.bytes.indexOf(
    '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">\n',
  )
  expect(meta, 'meta charset line').to.be.greaterThan(-1)
  if (firstNonAscii !== -1) expect(firstNonAscii).to.be.greaterThan(meta)
  expect(res.text).not.to.include('\ufffd')
  expect(res.text).not.to.match(/<script|<table|<style|\sstyle=/i)
  expectLabelledInputs(res.text)
}
