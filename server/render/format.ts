// How data is written on screens (UI-WRITING.md): dates 2026年11月28日(土) on PC and
// 11/28(土) on keitai, half-width digits.

const WEEKDAYS = ['日', '月', '火', '水', '木', '金', '土'] as const

function parts(day: string): { y: number; m: number; d: number; w: string } | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(day)
  if (!match) return null
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const w = WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()] ?? ''
  return { y, m, d, w }
}

/** 2026年11月28日(土) */
export function longDate(day: string | null | undefined): string {
  const p = day ? parts(day) : null
  return p ? `${p.y}年${p.m}月${p.d}日(${p.w})` : ''
}

/** 11/28(土) */
export function shortDate(day: string | null | undefined): string {
  const p = day ? parts(day) : null
  return p ? `${p.m}/${p.d}(${p.w})` : ''
}

/** Cuts a string to at most max characters (code points), ending with … when cut. */
export function clip(text: string, max: number): string {
  const chars = Array.from(text)
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`
}

/**
 * A telephone number as link text on PC pages: hyphens that never break the number across
 * lines (U+2011). Keitai pages keep ASCII hyphens: CP932 has no U+2011.
 */
export function phoneText(phone: string): string {
  return phone.replace(/-/g, '\u2011')
}

/** A tel: link target: digits and + only. */
export function telHref(phone: string): string {
  return `tel:${phone.replace(/[^\d+]/g, '')}`
}
