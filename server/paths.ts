// The named URL table for both channels. Handlers and views build every link with urlFor;
// no path is written twice. Keitai links encode query values in Shift_JIS, because that is
// what a keitai sends back when it follows them.
import { encodeQueryValue } from './render/form-decoding.ts'

export type Channel = 'pc' | 'keitai'

const TABLE = {
  libraries: { pc: '/', keitai: '/k/' },
  top: { pc: '/:lib/', keitai: '/:lib/k/' },
  search: { pc: '/:lib/search', keitai: '/:lib/k/search' },
  record: { pc: '/:lib/records/:id', keitai: '/:lib/k/records/:id' },
  advancedSearch: { pc: '/:lib/advanced', keitai: '/:lib/k/advanced' },
  browse: { pc: '/:lib/browse', keitai: '/:lib/k/browse' },
  newArrivals: { pc: '/:lib/new', keitai: '/:lib/k/new' },
  account: { pc: '/:lib/account', keitai: '/:lib/k/account' },
  keitaiQr: { pc: '/:lib/keitai-qr.svg', keitai: '/:lib/keitai-qr.svg' },
  stylesheet: { pc: '/static/opac.css', keitai: '/static/opac.css' },
} as const satisfies Record<string, Record<Channel, string>>

export type PathName = keyof typeof TABLE

export type Query = Record<string, string | number | undefined>

export function charsetOf(channel: Channel): 'utf-8' | 'shift_jis' {
  return channel === 'keitai' ? 'shift_jis' : 'utf-8'
}

/** The path (with query) of a named page; parameters are slugs or numeric ids. */
export function urlFor(
  channel: Channel,
  name: PathName,
  params: Record<string, string | number> = {},
  query: Query = {},
): string {
  const path = TABLE[name][channel].replace(/:([a-z]+)/g, (_, key: string) => {
    const value = params[key]
    if (value === undefined) throw new Error(`urlFor(${name}) needs :${key}`)
    return encodeURIComponent(String(value))
  })
  const pairs = Object.entries(query)
    .filter(
      (entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== '',
    )
    .map(([k, v]) => `${k}=${encodeQueryValue(String(v), charsetOf(channel))}`)
  return pairs.length ? `${path}?${pairs.join('&')}` : path
}

/** The same page on the other channel (each channel links to the other). */
export function otherChannel(channel: Channel): Channel {
  return channel === 'pc' ? 'keitai' : 'pc'
}

/** Where each channel's library router is mounted. */
export const LIBRARY_MOUNT: Record<Channel, string> = { pc: '/:lib', keitai: '/:lib/k' }

/** The route of a library page relative to its channel's mount point, for Router.get. */
export function routeWithinLibrary(channel: Channel, name: PathName): string {
  const template: string = TABLE[name][channel]
  const mount = LIBRARY_MOUNT[channel]
  if (!template.startsWith(`${mount}/`)) throw new Error(`${name} is not a library page`)
  return template.slice(mount.length)
}
