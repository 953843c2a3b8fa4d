// Short keys for long searches on keitai (issue 9, item 10). A keitai result page links to
// the next page, other sort orders and refinements; percent-encoded in Shift_JIS, a long
// query repeated in each link made pages of 25–51 KB. Instead, the long text fields of a
// search (the words, title, author, publisher, subject, call number) are stored once under a
// key derived from them, and the links carry `k=<key>` (16 characters) with the short
// parameters (sort, page, branch, type …) beside it.
import { createHash } from 'node:crypto'
import type { Clock } from '../clock.ts'
import { utcDateTime } from '../clock.ts'
import type { KeitaiSearchKeyRepository } from '../db/keitai-search-key-repository.ts'

/** The parameters that may be long; the others are short codes and stay in the links. */
export const LONG_SEARCH_FIELDS = ['q', 'title', 'mode', 'author', 'publisher', 'subject', 'call']

/** Links carry the text itself while it is this short (in encoded bytes). */
const INLINE_BYTES = 60

const KEY = /^[A-Za-z0-9_-]{16}$/

/** How long an unused key is kept (a keitai user may come back to a page the next day). */
export const SEARCH_KEY_DAYS = 7

export function searchKeyService(deps: { keys: KeitaiSearchKeyRepository; clock: Clock }) {
  const { keys, clock } = deps
  return {
    /**
     * The parameters for links: unchanged when the long fields are short; otherwise the long
     * fields are stored and replaced by `k`.
     */
    async shorten(
      params: Record<string, string>,
      encodedLength: (value: string) => number,
    ): Promise<Record<string, string>> {
      const long: Record<string, string> = {}
      const rest: Record<string, string> = {}
      let bytes = 0
      for (const [name, value] of Object.entries(params)) {
        if (LONG_SEARCH_FIELDS.includes(name)) {
          long[name] = value
          bytes += encodedLength(value)
        } else rest[name] = value
      }
      if (bytes <= INLINE_BYTES) return params
      const json = JSON.stringify(
        Object.fromEntries(Object.entries(long).sort(([a], [b]) => (a < b ? -1 : 1))),
      )
      const key = createHash('sha256').update(json, 'utf8').digest('base64url').slice(0, 16)
      await keys.store(key, json, utcDateTime(clock.now()))
      return { k: key, ...rest }
    },

    /** The long fields stored under a key, or null when the key is unknown or expired. */
    async expand(key: string): Promise<Record<string, string> | null> {
      if (!KEY.test(key)) return null
      const json = await keys.load(key)
      if (json === undefined) return null
      try {
        const value: unknown = JSON.parse(json)
        if (!value || typeof value !== 'object') return null
        const out: Record<string, string> = Object.create(null) as Record<string, string>
        for (const [name, v] of Object.entries(value)) {
          if (LONG_SEARCH_FIELDS.includes(name) && typeof v === 'string') out[name] = v
        }
        return out
      } catch {
        return null
      }
    },

    /** Deletes keys unused for SEARCH_KEY_DAYS (housekeeping); returns how many. */
    async purge(): Promise<number> {
      const before = new Date(clock.now().getTime() - SEARCH_KEY_DAYS * 24 * 3600_000)
      return keys.purge(utcDateTime(before))
    },
  }
}

export type SearchKeyService = ReturnType<typeof searchKeyService>
