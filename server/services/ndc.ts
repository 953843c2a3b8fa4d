// The Nippon Decimal Classification (NDC, 10th ed.) summary: 10 classes, 100 divisions and
// the 3-digit sections, from sql/reference/ndc10-lod.csv (CC BY-SA 3.0, see README). Labels
// are shown up to the first "（"; a parent is derived from the notation itself (the file's
// `broader` column follows Wikipedia's layout, not the NDC hierarchy).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export const NDC_FILE = join(import.meta.dirname, '..', '..', 'sql', 'reference', 'ndc10-lod.csv')

export interface NdcClass {
  notation: string
  label: string
}

let table: Map<string, string> | undefined

function load(): Map<string, string> {
  if (table) return table
  const map = new Map<string, string>()
  for (const line of readFileSync(NDC_FILE, 'utf8').split('\n').slice(1)) {
    const first = line.indexOf(',')
    const last = line.lastIndexOf(',')
    if (first <= 0 || last <= first) continue
    const notation = line.slice(0, first)
    if (!/^\d{1,3}$/.test(notation)) continue
    const label =
      line
        .slice(first + 1, last)
        .split('（')[0]
        ?.trim() ?? ''
    if (label) map.set(notation, label)
  }
  table = map
  return map
}

/** A notation of 1–3 digits (class, division or section), or null. */
export function parseNdcNotation(raw: string | undefined): string | null {
  return raw !== undefined && /^\d{1,3}$/.test(raw) ? raw : null
}

export function ndcLabel(notation: string): string | undefined {
  return load().get(notation)
}

/** The classes under a notation: '' → 0–9, '9' → 90–99, '91' → 910–919 (labelled ones). */
export function ndcChildren(notation: string): NdcClass[] {
  if (notation.length >= 3) return []
  const children: NdcClass[] = []
  for (let digit = 0; digit <= 9; digit++) {
    const child = `${notation}${digit}`
    const label = load().get(child)
    if (label) children.push({ notation: child, label })
  }
  return children
}

/** The chain from the class down to the notation: '913' → [9, 91, 913]. */
export function ndcPath(notation: string): NdcClass[] {
  const path: NdcClass[] = []
  for (let i = 1; i <= notation.length; i++) {
    const n = notation.slice(0, i)
    path.push({ notation: n, label: load().get(n) ?? '' })
  }
  return path
}
