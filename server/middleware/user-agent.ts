// Legacy Japanese carrier detection (keitai.md §1), used only to choose markup and encoding —
// never for security: a User-Agent is trivially spoofed, and since the 3G shutdowns these
// strings come mostly from emulators, crawlers and test tools. Smartphones, 4G feature phones
// (Android-based), PCs and text browsers all get the ordinary UTF-8 pages.

export type Carrier = 'docomo' | 'au' | 'softbank' | 'willcom'

// Anchored at the start, as jpmobile does: SoftBank/Vodafone UAs can contain 'UP.Browser' in
// the middle, and crawlers mention carriers anywhere in theirs.
const CARRIER_RULES: ReadonlyArray<readonly [RegExp, Carrier]> = [
  [/^DoCoMo\//, 'docomo'],
  [/^(?:KDDI-|UP\.Browser\/)/, 'au'],
  // J-PHONE and MOT- are pre-3G SoftBank and the Motorola-made Vodafone 3G phones; the
  // emulators are the carriers' own development tools.
  [/^(?:SoftBank|Semulator|Vodafone|Vemulator|J-PHONE|MOT-)/, 'softbank'],
  [/^Mozilla\/3\.0\((?:WILLCOM|DDIPOCKET)/, 'willcom'], // DDI Pocket was WILLCOM's old name
]

/** The legacy keitai carrier a User-Agent claims, or null for everything else. */
export function keitaiCarrier(userAgent: string | undefined): Carrier | null {
  if (!userAgent) return null
  for (const [pattern, carrier] of CARRIER_RULES) {
    if (pattern.test(userAgent)) return carrier
  }
  return null
}

/**
 * Whether the browser keeps cookies, following jpmobile's `supports_cookie?`:
 * i-mode browser 1.0 has none. That is every `DoCoMo/1.0/…` (mova) UA, and a `DoCoMo/2.0`
 * (FOMA) UA unless its cache token says c500 or more (i-mode browser 2.0, 2009 onwards).
 * au keeps https cookies in the handset and http cookies in the gateway, two unrelated jars,
 * so jpmobile treats au over https as cookie-less; pass `{ https: true }` to get that answer.
 */
export function supportsCookies(
  userAgent: string | undefined,
  options: { https?: boolean } = {},
): boolean {
  const carrier = keitaiCarrier(userAgent)
  if (carrier === 'au') return !options.https
  if (carrier !== 'docomo' || userAgent === undefined) return true
  if (userAgent.startsWith('DoCoMo/1.0/')) return false
  if (userAgent.startsWith('DoCoMo/2.0 ')) {
    // e.g. 'DoCoMo/2.0 P903i(c100;TB;W24H12)'; a missing token means an old FOMA model.
    const cache = /\(c(\d+)[;)]/.exec(userAgent)?.[1]
    return cache !== undefined && Number(cache) >= 500
  }
  return true // later versions ("DoCoMo/3.0" …) are not browser 1.0
}
