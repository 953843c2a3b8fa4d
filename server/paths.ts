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
  browseClass: { pc: '/:lib/browse/:ndc', keitai: '/:lib/k/browse/:ndc' },
  ranking: { pc: '/:lib/ranking', keitai: '/:lib/k/ranking' },
  isbn: { pc: '/:lib/isbn/:isbn', keitai: '/:lib/k/isbn/:isbn' },
  openSearch: { pc: '/:lib/opensearch.xml', keitai: '/:lib/opensearch.xml' },
  searchFeed: { pc: '/:lib/search.atom', keitai: '/:lib/search.atom' },
  newArrivalsFeed: { pc: '/:lib/new.atom', keitai: '/:lib/new.atom' },
  sru: { pc: '/:lib/sru', keitai: '/:lib/sru' },
  oai: { pc: '/:lib/oai', keitai: '/:lib/oai' },
  account: { pc: '/:lib/account', keitai: '/:lib/k/account' },
  login: { pc: '/:lib/login', keitai: '/:lib/k/login' },
  logout: { pc: '/:lib/logout', keitai: '/:lib/k/logout' },
  loans: { pc: '/:lib/account/loans', keitai: '/:lib/k/account/loans' },
  renew: { pc: '/:lib/account/loans/:id/renew', keitai: '/:lib/k/account/loans/:id/renew' },
  renewAll: { pc: '/:lib/account/loans/renew-all', keitai: '/:lib/k/account/loans/renew-all' },
  renewDone: { pc: '/:lib/account/loans/renewed', keitai: '/:lib/k/account/loans/renewed' },
  passwordRegister: { pc: '/:lib/password/register', keitai: '/:lib/k/password/register' },
  passwordRegisterNew: {
    pc: '/:lib/password/register/new',
    keitai: '/:lib/k/password/register/new',
  },
  passwordChange: { pc: '/:lib/password/change', keitai: '/:lib/k/password/change' },
  passwordChangeConfirm: {
    pc: '/:lib/password/change/confirm',
    keitai: '/:lib/k/password/change/confirm',
  },
  passwordDone: { pc: '/:lib/password/done', keitai: '/:lib/k/password/done' },
  passwordForgot: { pc: '/:lib/password/forgot', keitai: '/:lib/k/password/forgot' },
  favourites: { pc: '/:lib/account/favourites', keitai: '/:lib/k/account/favourites' },
  favouriteAdd: {
    pc: '/:lib/account/favourites/add',
    keitai: '/:lib/k/account/favourites/add',
  },
  favouriteRemove: {
    pc: '/:lib/account/favourites/remove',
    keitai: '/:lib/k/account/favourites/remove',
  },
  shelves: { pc: '/:lib/account/shelves', keitai: '/:lib/k/account/shelves' },
  shelf: { pc: '/:lib/account/shelves/:id', keitai: '/:lib/k/account/shelves/:id' },
  shelfAdd: { pc: '/:lib/account/shelves/add', keitai: '/:lib/k/account/shelves/add' },
  shelfRename: {
    pc: '/:lib/account/shelves/:id/rename',
    keitai: '/:lib/k/account/shelves/:id/rename',
  },
  shelfDelete: {
    pc: '/:lib/account/shelves/:id/delete',
    keitai: '/:lib/k/account/shelves/:id/delete',
  },
  shelfItem: {
    pc: '/:lib/account/shelves/:id/items/:record',
    keitai: '/:lib/k/account/shelves/:id/items/:record',
  },
  shelfItemMove: {
    pc: '/:lib/account/shelves/:id/items/:record/move',
    keitai: '/:lib/k/account/shelves/:id/items/:record/move',
  },
  shelfItemRemove: {
    pc: '/:lib/account/shelves/:id/items/:record/remove',
    keitai: '/:lib/k/account/shelves/:id/items/:record/remove',
  },
  cart: { pc: '/:lib/cart', keitai: '/:lib/k/cart' },
  cartAdd: { pc: '/:lib/cart/add', keitai: '/:lib/k/cart/add' },
  cartRemove: { pc: '/:lib/cart/remove', keitai: '/:lib/k/cart/remove' },
  holdRequest: { pc: '/:lib/holds/new', keitai: '/:lib/k/holds/new' },
  holdConfirm: { pc: '/:lib/holds/confirm', keitai: '/:lib/k/holds/confirm' },
  holdDone: { pc: '/:lib/holds/done/:key', keitai: '/:lib/k/holds/done/:key' },
  holds: { pc: '/:lib/account/holds', keitai: '/:lib/k/account/holds' },
  holdChange: {
    pc: '/:lib/account/holds/:id/change',
    keitai: '/:lib/k/account/holds/:id/change',
  },
  holdCancel: {
    pc: '/:lib/account/holds/:id/cancel',
    keitai: '/:lib/k/account/holds/:id/cancel',
  },
  holdSet: { pc: '/:lib/account/holds/sets/:id', keitai: '/:lib/k/account/holds/sets/:id' },
  holdSetSplit: {
    pc: '/:lib/account/holds/sets/:id/split',
    keitai: '/:lib/k/account/holds/sets/:id/split',
  },
  holdUpdated: { pc: '/:lib/account/holds/updated', keitai: '/:lib/k/account/holds/updated' },
  email: { pc: '/:lib/account/email', keitai: '/:lib/k/account/email' },
  emailSent: { pc: '/:lib/account/email/sent', keitai: '/:lib/k/account/email/sent' },
  emailCode: { pc: '/:lib/account/email/code', keitai: '/:lib/k/account/email/code' },
  emailTest: { pc: '/:lib/account/email/test', keitai: '/:lib/k/account/email/test' },
  emailConfirm: { pc: '/:lib/email/confirm/:token', keitai: '/:lib/k/email/confirm/:token' },
  emailConfirmed: { pc: '/:lib/email/confirmed', keitai: '/:lib/k/email/confirmed' },
  emailHelp: { pc: '/:lib/email/help', keitai: '/:lib/k/email/help' },
  calendar: { pc: '/:lib/calendar', keitai: '/:lib/k/calendar' },
  branch: { pc: '/:lib/branches/:code', keitai: '/:lib/k/branches/:code' },
  notice: { pc: '/:lib/notices/:id', keitai: '/:lib/k/notices/:id' },
  keitaiQr: { pc: '/:lib/keitai-qr.svg', keitai: '/:lib/keitai-qr.svg' },
  webQr: { pc: '/:lib/web-qr.svg', keitai: '/:lib/web-qr.svg' },
  accessibility: { pc: '/:lib/accessibility', keitai: '/:lib/k/accessibility' },
  stylesheet: { pc: '/static/opac.css', keitai: '/static/opac.css' },
} as const satisfies Record<string, Record<Channel, string>>

export type PathName = keyof typeof TABLE

export type Query = Record<string, string | number | undefined>

export function charsetOf(channel: Channel): 'utf-8' | 'shift_jis' {
  return channel === 'keitai' ? 'shift_jis' : 'utf-8'
}

/** A path template split into its text and its :parameters, once per template. */
type PathPart = string | { key: string }
const templateParts = new Map<string, PathPart[]>()

function partsOf(template: string): PathPart[] {
  let parts = templateParts.get(template)
  if (!parts) {
    parts = []
    let from = 0
    for (const found of template.matchAll(/:([a-z]+)/g)) {
      parts.push(template.slice(from, found.index), { key: found[1] ?? '' })
      from = found.index + found[0].length
    }
    parts.push(template.slice(from))
    templateParts.set(template, parts)
  }
  return parts
}

/**
 * The path (with query) of a named page; parameters are slugs or numeric ids. A logged-in
 * keitai carries its session in the path (/aoba/k/s/<token>/…), never in a cookie and never in
 * a query parameter (SoftBank reserves `sid`).
 */
export function urlFor(
  channel: Channel,
  name: PathName,
  params: Record<string, string | number> = {},
  query: Query = {},
  keitaiSession?: string,
): string {
  let template: string = TABLE[name][channel]
  let values = params
  if (channel === 'keitai' && keitaiSession && template.startsWith('/:lib/k/')) {
    template = `${KEITAI_SESSION_MOUNT}${template.slice('/:lib/k'.length)}`
    values = { ...params, ksid: keitaiSession }
  }
  let path = ''
  for (const part of partsOf(template)) {
    if (typeof part === 'string') {
      path += part
      continue
    }
    const value = values[part.key]
    if (value === undefined) throw new Error(`urlFor(${name}) needs :${part.key}`)
    path += encodeURIComponent(String(value))
  }
  // Most links have no query: no entries to walk.
  let empty = true
  for (const key in query) {
    if (query[key] !== undefined) {
      empty = false
      break
    }
  }
  if (empty) return path
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

/** Where each channel's library router is mounted (keitai also at KEITAI_SESSION_MOUNT). */
export const LIBRARY_MOUNT: Record<Channel, string> = { pc: '/:lib', keitai: '/:lib/k' }
export const KEITAI_SESSION_MOUNT = '/:lib/k/s/:ksid'

/** The route of a library page relative to its channel's mount point, for Router.get. */
export function routeWithinLibrary(channel: Channel, name: PathName): string {
  const template: string = TABLE[name][channel]
  const mount = LIBRARY_MOUNT[channel]
  if (!template.startsWith(`${mount}/`)) throw new Error(`${name} is not a library page`)
  return template.slice(mount.length)
}

/**
 * The path of a place inside a library, from a router-relative path (req.path within the
 * library router, e.g. '/account/loans'), for returning there after login.
 */
export function libraryPath(
  channel: Channel,
  slug: string,
  relative: string,
  keitaiSession?: string,
): string {
  const mount =
    channel === 'keitai'
      ? keitaiSession
        ? `/${slug}/k/s/${encodeURIComponent(keitaiSession)}`
        : `/${slug}/k`
      : `/${slug}`
  return `${mount}${relative}`
}

/**
 * A return path is only ever a plain local path inside the library, with at most a simple
 * ASCII query (no scheme, no //, no keitai session segment).
 */
export function isSafeReturnPath(path: string): boolean {
  return (
    /^\/[A-Za-z0-9/_-]{0,200}(\?[A-Za-z0-9=&_-]{1,100})?$/.test(path) &&
    !path.startsWith('//') &&
    !/\/s\//.test(path)
  )
}

/** Every named page of both channels (the security fuzz walks it). */
export const ROUTE_TABLE: Readonly<Record<PathName, Readonly<Record<Channel, string>>>> = TABLE
