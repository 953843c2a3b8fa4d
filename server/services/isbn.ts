// ISBNs: ISBN-10 and ISBN-13 forms of one book are the same book. Records store 13 digits.

function isbn13CheckDigit(first12: string): string {
  let sum = 0
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 === 0 ? 1 : 3)
  return String((10 - (sum % 10)) % 10)
}

/** ISBN-10 or -13 (hyphens, spaces, full-width digits allowed) → 13 digits; null if invalid. */
export function normaliseIsbn(raw: string): string | null {
  const s = raw
    .normalize('NFKC')
    .replace(/[\s\-‐‑–—－]/g, '')
    .toUpperCase()
  if (/^\d{13}$/.test(s)) {
    if (!/^97[89]/.test(s)) return null
    return isbn13CheckDigit(s.slice(0, 12)) === s[12] ? s : null
  }
  if (/^\d{9}[\dX]$/.test(s)) {
    let sum = 0
    for (let i = 0; i < 10; i++) sum += (s[i] === 'X' ? 10 : Number(s[i])) * (10 - i)
    if (sum % 11 !== 0) return null
    const first12 = `978${s.slice(0, 9)}`
    return first12 + isbn13CheckDigit(first12)
  }
  return null
}

/** True when a query looks like an ISBN a patron typed (so search by ISBN, not by words). */
export function looksLikeIsbn(query: string): boolean {
  return /^[\d\s\-‐－０-９Xx]{10,17}$/.test(query.normalize('NFKC').trim())
}
