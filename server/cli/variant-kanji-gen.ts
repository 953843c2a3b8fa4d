// npx tsx server/cli/variant-kanji-gen.ts [--unihan DIR] [--kanjidic FILE] [--check]
//
// Generates server/services/search/variant-kanji.ts, the table of variant kanji (旧字体・異体字)
// that fold() maps to the form in current use, from real data — for maintainers; the app and
// CI use the generated file and need neither the data nor the network:
//
//  - Unicode's Unihan database (Debian: `apt-get install unicode-data`, /usr/share/unicode/
//    Unihan_Variants.txt and Unihan_OtherMappings.txt, plain or .bz2): kJoyoKanji and
//    kJinmeiyoKanji (the 常用漢字 and 人名用漢字; a 人名用漢字 "2010:U+XXXX" is the 旧字体 of
//    the 常用漢字 U+XXXX), and the variant fields kZVariant, kSemanticVariant,
//    kTraditionalVariant. Licence: Unicode License v3 (https://www.unicode.org/license.txt).
//  - KANJIDIC2 (Debian: `apt-get install kanjidic-xml`, /usr/share/edict/kanjidic2.xml.gz),
//    optional: its JIS X 0208/0212/0213 and UCS variant cross-references. Licence: © the
//    Electronic Dictionary Research and Development Group, CC BY-SA 4.0
//    (https://www.edrdg.org/edrdg/licence.html); the table says so.
//
// What becomes a pair: a character that is not itself a 常用漢字 or 人名用漢字 ("standard") maps
// to the one standard character it is a variant of. The sources are read in order of
// trust — 人名用漢字 旧字体, kZVariant, KANJIDIC2 JIS cross-references, Unihan semantic
// variants that Morohashi marks as z-variants, then other semantic/traditional variants — and
// the first that names exactly one standard character decides; a character with two or more
// candidates at that level (﨑 → 崎 or 埼 by plain semantic variance) is left alone there.
// A variant of a variant (邉 → 邊 → 辺) maps through. Two standard characters are never merged
// by the data (土/士, 己/巳, 大/太/犬 stay apart); the few pairs that Japanese catalogues
// nevertheless treat as one (LIBRARY_PRACTICE below) are added by hand, each reviewed.
// Simplified Chinese forms (kSimplifiedVariant) are not folded: patrons type Japanese forms.
// --check prints the table's size and the must-fold / must-stay-apart pairs without writing.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { gunzipSync } from 'node:zlib'

const OUT = resolve(import.meta.dirname, '..', 'services', 'search', 'variant-kanji.ts')

/**
 * Pairs that Japanese library catalogues fold although Unihan and KANJIDIC2 do not make them
 * variants of one standard character: [variant, standard].
 */
export const LIBRARY_PRACTICE: readonly (readonly [string, string])[] = [
  // 斉 and 斎 are both 常用漢字, but in names (斉藤/斎藤, 齊藤/齋藤) catalogues and NDL's
  // authority data treat them as one; their 旧字体 齊 and 齋 with them.
  ['斉', '斎'],
  ['齊', '斎'],
  ['齋', '斎'],
  // 濹 (永井荷風's 濹東綺譚) is written 墨 in most catalogues and in patrons' input methods.
  ['濹', '墨'],
  // 﨑 (たつさき, U+FA11 — kept by NFKC) is the 崎 of family names.
  ['﨑', '崎'],
  // 髙 (はしごだか) is the 高 of family names.
  ['髙', '高'],
  // 邉 and 邊 are the 辺 of 渡辺.
  ['邉', '辺'],
  ['邊', '辺'],
  // 𠮷 (つちよし, astral) is the 吉 of family names (𠮷田, 𠮷野家).
  ['𠮷', '吉'],
]

/** Pairs that must never be folded together (the generator refuses a table that does). */
export const MUST_STAY_APART: readonly string[] = [
  '土士',
  '末未',
  '己已巳',
  '日曰',
  '大太犬',
  '人入',
  '千干',
  '刀力',
  '天夭',
  '田由甲申',
  '王玉主',
  '会合',
  '雲云',
]

type Source = 'jinmeiyo' | 'zvariant' | 'kanjidic' | 'semantic-z' | 'semantic'
const LEVELS: Source[] = ['jinmeiyo', 'zvariant', 'kanjidic', 'semantic-z', 'semantic']

function readText(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8')
  if (existsSync(`${path}.bz2`)) {
    return execFileSync('bzip2', ['-dc', `${path}.bz2`], { maxBuffer: 1 << 28 }).toString('utf8')
  }
  throw new Error(`${path} (or .bz2) not found: install Debian's unicode-data package`)
}

const fromU = (u: string) => String.fromCodePoint(parseInt(u.replace(/^U\+/, ''), 16))

function main(): void {
  const args = process.argv.slice(2)
  const option = (name: string, fallback: string) => {
    const i = args.indexOf(name)
    return i >= 0 ? (args[i + 1] ?? fallback) : fallback
  }
  const unihan = option('--unihan', '/usr/share/unicode')
  const kanjidicPath = option('--kanjidic', '/usr/share/edict/kanjidic2.xml.gz')

  const standard = new Set<string>()
  /** candidates[level] : variant → set of related characters */
  const related = new Map<Source, Map<string, Set<string>>>(LEVELS.map((l) => [l, new Map()]))
  const relate = (level: Source, a: string, b: string) => {
    if (a === b) return
    const m = related.get(level) ?? new Map<string, Set<string>>()
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      const set = m.get(x) ?? new Set<string>()
      set.add(y)
      m.set(x, set)
    }
  }

  for (const line of readText(join(unihan, 'Unihan_OtherMappings.txt')).split('\n')) {
    const [cp, field, value] = line.split('\t')
    if (!cp || !value || (field !== 'kJoyoKanji' && field !== 'kJinmeiyoKanji')) continue
    const target = /U\+([0-9A-F]+)/.exec(value)
    if (target?.[1]) relate('jinmeiyo', fromU(cp), fromU(target[1]))
    else standard.add(fromU(cp))
  }
  for (const line of readText(join(unihan, 'Unihan_Variants.txt')).split('\n')) {
    const [cp, field, value] = line.split('\t')
    if (!cp || !value) continue
    const level: Source | null =
      field === 'kZVariant'
        ? 'zvariant'
        : field === 'kSemanticVariant' || field === 'kTraditionalVariant'
          ? 'semantic'
          : null
    if (!level) continue
    for (const item of value.split(' ')) {
      const m = /^U\+([0-9A-F]+)(?:<(.*))?$/.exec(item)
      if (!m?.[1]) continue
      const z = level === 'semantic' && /:Z\b/.test(m[2] ?? '')
      relate(z ? 'semantic-z' : level, fromU(cp), fromU(m[1]))
    }
  }
  /** Characters of JIS X 0208 (KANJIDIC2's cp_value jis208): what Japanese text is written in. */
  const jis208 = new Set<string>()
  let kanjidic = false
  if (existsSync(kanjidicPath)) {
    kanjidic = true
    const xml = gunzipSync(readFileSync(kanjidicPath)).toString('utf8')
    const byCode = new Map<string, string>()
    const entries: { literal: string; variants: string[] }[] = []
    for (const block of xml.split('<character>').slice(1)) {
      const literal = /<literal>(.+?)<\/literal>/.exec(block)?.[1]
      if (!literal) continue
      for (const m of block.matchAll(/<cp_value cp_type="(\w+)">([^<]+)<\/cp_value>/g)) {
        byCode.set(`${m[1]}:${m[2]}`, literal)
        if (m[1] === 'jis208') jis208.add(literal)
      }
      const variants = [
        ...block.matchAll(/<variant var_type="(jis208|jis212|jis213|ucs)">([^<]+)<\/variant>/g),
      ].map((m) => `${m[1]}:${m[2]}`)
      entries.push({ literal, variants })
    }
    for (const { literal, variants } of entries) {
      for (const v of variants) {
        const other = byCode.get(v)
        if (other) relate('kanjidic', literal, other)
      }
    }
  }

  // Each non-standard character: the first level naming exactly one standard character.
  const table = new Map<string, { to: string; source: Source | 'library' }>()
  for (const [variant, to] of LIBRARY_PRACTICE) table.set(variant, { to, source: 'library' })
  const nonStandard = new Set<string>()
  for (const m of related.values())
    for (const c of m.keys()) if (!standard.has(c)) nonStandard.add(c)
  for (const c of nonStandard) {
    if (table.has(c)) continue
    for (const level of LEVELS) {
      // A JIS X 0208 character is a character of its own in Japanese unless a Japanese source
      // (人名用漢字, KANJIDIC2, a z-variant) says otherwise: 愈 is not 愉.
      if (level === 'semantic' && jis208.has(c)) break
      const targets = [...(related.get(level)?.get(c) ?? [])].filter((t) => standard.has(t))
      if (targets.length === 1 && targets[0]) {
        table.set(c, { to: targets[0], source: level })
        break
      }
      if (targets.length > 1) break
    }
  }
  // Variants of variants (邉 → 邊 → 辺): a character related to mapped variants of one target.
  for (let round = 0; round < 2; round++) {
    for (const c of nonStandard) {
      if (table.has(c)) continue
      for (const level of LEVELS) {
        const via = new Set(
          [...(related.get(level)?.get(c) ?? [])].flatMap((t) => table.get(t)?.to ?? []),
        )
        if (via.size === 1) {
          const [to] = via
          if (to) table.set(c, { to, source: level })
          break
        }
        if (via.size > 1) break
      }
    }
  }
  // Standard characters mapped by LIBRARY_PRACTICE are targets no more: resolve chains.
  for (const [c, entry] of table) {
    const seen = new Set([c])
    for (let hop = table.get(entry.to); hop && !seen.has(entry.to); hop = table.get(entry.to)) {
      seen.add(entry.to)
      entry.to = hop.to
    }
    if (entry.to === c) throw new Error(`${c} would map to itself through a cycle`)
  }

  // fold() works on the code units of the BMP: a group whose standard form is astral (𠮟, the
  // 常用漢字 form of 叱) folds to its BMP variant instead.
  for (const [c, entry] of [...table]) {
    if (entry.to.length === 1 || c.length !== 1) continue
    const astral = entry.to
    table.delete(c)
    table.set(astral, { to: c, source: entry.source })
    for (const other of table.values()) if (other.to === astral) other.to = c
  }

  const foldOf = (c: string) => table.get(c)?.to ?? c
  const merged = MUST_STAY_APART.flatMap((group) => {
    const chars = Array.from(group)
    return chars.flatMap((a, i) =>
      chars.slice(i + 1).flatMap((b) => (foldOf(a) === foldOf(b) ? [`${a}=${b}`] : [])),
    )
  })
  if (merged.length) throw new Error(`the table would fold together: ${merged.join(', ')}`)

  const bySource = new Map<string, number>()
  for (const { source } of table.values()) bySource.set(source, (bySource.get(source) ?? 0) + 1)
  const summary = [...bySource].map(([s, n]) => `${s} ${n}`).join(', ')
  if (args.includes('--check')) {
    process.stdout.write(`${table.size} pairs (${summary}); kanjidic: ${kanjidic}\n`)
    for (const [variant, to] of LIBRARY_PRACTICE) process.stdout.write(`${variant}→${to} `)
    process.stdout.write('\n')
    return
  }
  const pairs = [...table]
    .sort(([a], [b]) => (a.codePointAt(0) ?? 0) - (b.codePointAt(0) ?? 0))
    .map(([variant, { to }]) => `${variant}${to}`)
  const lines: string[] = []
  for (let i = 0; i < pairs.length; i += 32) lines.push(`  '${pairs.slice(i, i + 32).join('')}',`)
  const text = `// GENERATED by server/cli/variant-kanji-gen.ts — do not edit; run it again instead.
//
// Variant kanji (旧字体・異体字) and the standard character fold() maps each to: ${table.size} pairs
// (by source: ${summary}).
// Sources: the Unihan database of Unicode 15 (Unihan_OtherMappings.txt kJoyoKanji,
// kJinmeiyoKanji; Unihan_Variants.txt kZVariant, kSemanticVariant, kTraditionalVariant),
// © Unicode, Inc., Unicode License v3 (https://www.unicode.org/license.txt)${
    kanjidic
      ? `;
// KANJIDIC2 (JIS variant cross-references), © the Electronic Dictionary Research and
// Development Group, used under CC BY-SA 4.0 (https://www.edrdg.org/edrdg/licence.html).
// This table, as a derived database, is likewise available under CC BY-SA 4.0`
      : ''
  };
// and a reviewed list of pairs Japanese catalogues treat as one (LIBRARY_PRACTICE in the
// generator).

/** Concatenated pairs: a variant, then its standard form (code points; some are astral). */
export const VARIANT_KANJI_PAIRS: readonly string[] = [
${lines.join('\n')}
]
`
  writeFileSync(OUT, text)
  process.stdout.write(`wrote ${OUT}: ${table.size} pairs (${summary})\n`)
}

main()
