// お気に入り and My本棚 (SPEC.md §7): a flat list of favourite records, and up to maxShelves
// named shelves of up to maxShelfItems records each. The rules live here: shelf names, the
// limits of the library's settings, and "adding twice is harmless". Changes run under the
// patron's lock (ListRepository.locked), so a limit holds even for two requests at once.
import { fromUtcDateTime, tokyoDay, utcDateTime } from '../clock.ts'
import type { Clock } from '../clock.ts'
import type {
  ListEntry,
  ListRecord,
  ListRepository,
  ListStore,
  ShelfSummary,
} from '../db/list-repository.ts'
import type { LibrarySettings } from './library-settings.ts'

export type { ListEntry, ListRecord, ShelfSummary }

/** Longest shelf name, in characters (code points) after NFC. */
export const SHELF_NAME_MAX = 30

export type ShelfNameProblem = 'empty' | 'too_long' | 'bad_character' | 'duplicate'

export type LimitReason = 'favourite_limit' | 'shelf_limit' | 'item_limit'

/** A record on a list, with the Asia/Tokyo day it was put there. */
export interface ListItem extends ListEntry {
  added_on: string
}

export interface ListPage {
  items: ListItem[]
  total: number
  page: number
  lastPage: number
  perPage: number
}

// Controls (C0 including TAB and LF, DEL, C1), line/paragraph separators, bidirectional
// overrides and isolates, zero-width characters and BOM, private use, lone surrogates.
const BAD_CHARACTER =
  /[\p{Cc}\p{Co}\p{Cs}\u2028\u2029\u202A-\u202E\u2066-\u2069\u200B-\u200F\u2060\uFEFF]/u

/** A shelf name as typed → the name to store, or what is wrong with it. */
export function cleanShelfName(
  raw: string,
): { ok: true; name: string } | { ok: false; problem: Exclude<ShelfNameProblem, 'duplicate'> } {
  const name = raw.normalize('NFC').trim()
  if (name === '') return { ok: false, problem: 'empty' }
  if (BAD_CHARACTER.test(name)) return { ok: false, problem: 'bad_character' }
  if (Array.from(name).length > SHELF_NAME_MAX) return { ok: false, problem: 'too_long' }
  return { ok: true, name }
}

/**
 * The time to stamp a new entry with: now, or one second after the newest entry of the list
 * when that is not earlier (DATETIME keeps whole seconds, and "newest first" must hold even
 * for entries added within one second or under a stopped clock).
 */
export function nextStamp(latest: string | null, now: Date): string {
  const stamp = utcDateTime(now)
  if (latest === null || latest < stamp) return stamp
  return utcDateTime(new Date(fromUtcDateTime(latest).getTime() + 1000))
}

/** The Asia/Tokyo day of a stored UTC DATETIME. */
function dayOf(stored: string): string {
  const at = fromUtcDateTime(stored)
  return Number.isNaN(at.getTime()) ? stored.slice(0, 10) : tokyoDay(at)
}

function withDay(entry: ListEntry): ListItem {
  return { ...entry, added_on: dayOf(entry.added_at) }
}

export type CreateShelfOutcome =
  | { ok: true; shelf: ShelfSummary }
  | { ok: false; reason: 'name'; problem: ShelfNameProblem }
  | { ok: false; reason: 'shelf_limit' }

export type RenameShelfOutcome =
  | { ok: true; shelf: ShelfSummary; previousName: string }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'name'; problem: ShelfNameProblem }

export type AddToShelfOutcome =
  | { ok: true; shelf: ShelfSummary; added: boolean; created: boolean }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'name'; problem: ShelfNameProblem }
  | { ok: false; reason: 'shelf_limit' | 'item_limit' }

export type MoveOutcome =
  | { ok: true; from: ShelfSummary; to: ShelfSummary; alreadyThere: boolean }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'item_limit'; to: ShelfSummary }

export function listService(deps: { lists: ListRepository; clock: Clock }) {
  const { lists, clock } = deps

  /** A page of a list, or null when the page does not exist (page 1 always does). */
  const paged = async (
    total: number,
    page: number,
    perPage: number,
    load: (offset: number) => Promise<ListEntry[]>,
  ): Promise<ListPage | null> => {
    const lastPage = Math.max(1, Math.ceil(total / perPage))
    if (page < 1 || page > lastPage) return null
    const items = total === 0 ? [] : (await load((page - 1) * perPage)).map(withDay)
    return { items, total, page, lastPage, perPage }
  }

  /** Makes a shelf inside a locked transaction: the limit, then the name. */
  const makeShelf = async (
    s: ListStore,
    libraryId: number,
    settings: LibrarySettings,
    patronId: number,
    name: string,
  ): Promise<CreateShelfOutcome> => {
    const shelves = await s.shelves(libraryId, patronId)
    if (shelves.length >= settings.maxShelves) return { ok: false, reason: 'shelf_limit' }
    if (await s.shelfNamed(libraryId, patronId, name)) {
      return { ok: false, reason: 'name', problem: 'duplicate' }
    }
    const id = await s.insertShelf(libraryId, patronId, name, utcDateTime(clock.now()))
    if (id === 'duplicate') return { ok: false, reason: 'name', problem: 'duplicate' }
    return { ok: true, shelf: { id, name, items: 0 } }
  }

  return {
    /** A record of this library, or undefined. */
    record(libraryId: number, recordId: number): Promise<ListRecord | undefined> {
      return lists.record(libraryId, recordId)
    },

    // --- お気に入り ----------------------------------------------------------------------

    async favourites(
      libraryId: number,
      patronId: number,
      page: number,
      perPage: number,
    ): Promise<ListPage | null> {
      const total = await lists.favouriteCount(libraryId, patronId)
      return paged(total, page, perPage, (offset) =>
        lists.favourites(libraryId, patronId, offset, perPage),
      )
    },

    /** Adds a record (which must be of this library). Adding it again changes nothing. */
    async addFavourite(
      libraryId: number,
      settings: LibrarySettings,
      patronId: number,
      recordId: number,
    ): Promise<{ ok: true; added: boolean } | { ok: false; reason: 'favourite_limit' }> {
      return lists.locked(libraryId, patronId, async (s) => {
        if ((await s.favouriteAddedAt(libraryId, patronId, recordId)) !== null) {
          return { ok: true, added: false }
        }
        if ((await s.favouriteCount(libraryId, patronId)) >= settings.maxFavourites) {
          return { ok: false, reason: 'favourite_limit' }
        }
        const at = nextStamp(await s.latestFavouriteAt(libraryId, patronId), clock.now())
        await s.insertFavourite(libraryId, patronId, recordId, at)
        return { ok: true, added: true }
      })
    },

    /** True when the record was a favourite (removing it twice is harmless). */
    removeFavourite(libraryId: number, patronId: number, recordId: number): Promise<boolean> {
      return lists.deleteFavourite(libraryId, patronId, recordId)
    },

    // --- My本棚 --------------------------------------------------------------------------

    shelves(libraryId: number, patronId: number): Promise<ShelfSummary[]> {
      return lists.shelves(libraryId, patronId)
    },

    /** One of the patron's shelves; undefined for another patron's or library's. */
    shelf(libraryId: number, patronId: number, shelfId: number): Promise<ShelfSummary | undefined> {
      return lists.shelf(libraryId, patronId, shelfId)
    },

    async createShelf(
      libraryId: number,
      settings: LibrarySettings,
      patronId: number,
      rawName: string,
    ): Promise<CreateShelfOutcome> {
      const cleaned = cleanShelfName(rawName)
      if (!cleaned.ok) return { ok: false, reason: 'name', problem: cleaned.problem }
      return lists.locked(libraryId, patronId, (s) =>
        makeShelf(s, libraryId, settings, patronId, cleaned.name),
      )
    },

    async renameShelf(
      libraryId: number,
      patronId: number,
      shelfId: number,
      rawName: string,
    ): Promise<RenameShelfOutcome> {
      const cleaned = cleanShelfName(rawName)
      return lists.locked(libraryId, patronId, async (s) => {
        const shelf = await s.shelf(libraryId, patronId, shelfId)
        if (!shelf) return { ok: false, reason: 'not_found' }
        if (!cleaned.ok) return { ok: false, reason: 'name', problem: cleaned.problem }
        const same = await s.shelfNamed(libraryId, patronId, cleaned.name)
        if (same && same.id !== shelfId) return { ok: false, reason: 'name', problem: 'duplicate' }
        const renamed = await s.renameShelf(libraryId, patronId, shelfId, cleaned.name)
        if (renamed === 'duplicate') return { ok: false, reason: 'name', problem: 'duplicate' }
        return { ok: true, shelf: { ...shelf, name: cleaned.name }, previousName: shelf.name }
      })
    },

    /** Deletes a shelf and what is on it; the deleted shelf, or undefined when not found. */
    async deleteShelf(
      libraryId: number,
      patronId: number,
      shelfId: number,
    ): Promise<ShelfSummary | undefined> {
      return lists.locked(libraryId, patronId, async (s) => {
        const shelf = await s.shelf(libraryId, patronId, shelfId)
        if (!shelf) return undefined
        await s.deleteShelf(libraryId, patronId, shelfId)
        return shelf
      })
    },

    async shelfItems(
      libraryId: number,
      patronId: number,
      shelf: ShelfSummary,
      page: number,
      perPage: number,
    ): Promise<ListPage | null> {
      return paged(shelf.items, page, perPage, (offset) =>
        lists.shelfEntries(libraryId, patronId, shelf.id, offset, perPage),
      )
    },

    async shelfItem(
      libraryId: number,
      patronId: number,
      shelfId: number,
      recordId: number,
    ): Promise<{ shelf: ShelfSummary; item: ListItem; others: ShelfSummary[] } | undefined> {
      const shelves = await lists.shelves(libraryId, patronId)
      const shelf = shelves.find((s) => s.id === shelfId)
      if (!shelf) return undefined
      const entry = await lists.shelfEntry(libraryId, patronId, shelfId, recordId)
      if (!entry) return undefined
      return { shelf, item: withDay(entry), others: shelves.filter((s) => s.id !== shelfId) }
    },

    /**
     * Adds a record to one of the patron's shelves, or to a new shelf of the given name (a
     * shelf of that name that exists already is used). Adding it again changes nothing.
     */
    async addToShelf(
      libraryId: number,
      settings: LibrarySettings,
      patronId: number,
      recordId: number,
      target: { shelfId: number } | { name: string },
    ): Promise<AddToShelfOutcome> {
      let cleanName: string | undefined
      if ('name' in target) {
        const cleaned = cleanShelfName(target.name)
        if (!cleaned.ok) return { ok: false, reason: 'name', problem: cleaned.problem }
        cleanName = cleaned.name
      }
      return lists.locked(libraryId, patronId, async (s): Promise<AddToShelfOutcome> => {
        let shelf: ShelfSummary | undefined
        let created = false
        if (cleanName === undefined) {
          shelf =
            'shelfId' in target ? await s.shelf(libraryId, patronId, target.shelfId) : undefined
          if (!shelf) return { ok: false, reason: 'not_found' }
        } else {
          shelf = await s.shelfNamed(libraryId, patronId, cleanName)
          if (!shelf) {
            const made = await makeShelf(s, libraryId, settings, patronId, cleanName)
            if (!made.ok) return made
            shelf = made.shelf
            created = true
          }
        }
        if (await s.shelfEntry(libraryId, patronId, shelf.id, recordId)) {
          return { ok: true, shelf, added: false, created }
        }
        if (shelf.items >= settings.maxShelfItems) return { ok: false, reason: 'item_limit' }
        const at = nextStamp(await s.latestShelfItemAt(libraryId, shelf.id), clock.now())
        await s.insertShelfItem(libraryId, shelf.id, recordId, at)
        return { ok: true, shelf: { ...shelf, items: shelf.items + 1 }, added: true, created }
      })
    },

    /** Moves a record from one of the patron's shelves to another. */
    async moveItem(
      libraryId: number,
      settings: LibrarySettings,
      patronId: number,
      fromId: number,
      recordId: number,
      toId: number,
    ): Promise<MoveOutcome> {
      return lists.locked(libraryId, patronId, async (s): Promise<MoveOutcome> => {
        const from = await s.shelf(libraryId, patronId, fromId)
        const to = await s.shelf(libraryId, patronId, toId)
        if (!from || !to || !(await s.shelfEntry(libraryId, patronId, fromId, recordId))) {
          return { ok: false, reason: 'not_found' }
        }
        if (from.id === to.id) return { ok: true, from, to, alreadyThere: true }
        const alreadyThere = (await s.shelfEntry(libraryId, patronId, toId, recordId)) !== undefined
        if (!alreadyThere) {
          if (to.items >= settings.maxShelfItems) return { ok: false, reason: 'item_limit', to }
          const at = nextStamp(await s.latestShelfItemAt(libraryId, toId), clock.now())
          await s.insertShelfItem(libraryId, toId, recordId, at)
        }
        await s.deleteShelfItem(libraryId, fromId, recordId)
        return { ok: true, from, to, alreadyThere }
      })
    },

    /** Takes a record off a shelf; not_found when the shelf is not the patron's. */
    async removeShelfItem(
      libraryId: number,
      patronId: number,
      shelfId: number,
      recordId: number,
    ): Promise<{ ok: true; shelf: ShelfSummary; removed: boolean } | { ok: false }> {
      return lists.locked(libraryId, patronId, async (s) => {
        const shelf = await s.shelf(libraryId, patronId, shelfId)
        if (!shelf) return { ok: false }
        const removed = await s.deleteShelfItem(libraryId, shelfId, recordId)
        return { ok: true, shelf, removed }
      })
    },

    /** What the detail page of a record shows a logged-in patron. */
    async recordState(
      libraryId: number,
      patronId: number,
      recordId: number,
    ): Promise<{ favourite: boolean; shelves: ShelfSummary[]; holding: ShelfSummary[] }> {
      const [added, shelves, holding] = await Promise.all([
        lists.favouriteAddedAt(libraryId, patronId, recordId),
        lists.shelves(libraryId, patronId),
        lists.shelvesHolding(libraryId, patronId, recordId),
      ])
      return {
        favourite: added !== null,
        shelves,
        holding: shelves.filter((s) => holding.includes(s.id)),
      }
    },
  }
}

export type ListService = ReturnType<typeof listService>
