// What the hold journeys (cart-routes.ts, hold-request-routes.ts, hold-routes.ts) have in
// common: reading a title or magazine issue from a request, quoting titles in notices, the
// branches a patron may collect at, and the contact methods a patron may choose.
import type { Response } from 'express'
import { libraryOf } from '../middleware/library.ts'
import { clip } from '../render/format.ts'
import { CONTACT_LABELS } from '../render/hold-words.ts'
import { parseRecordId } from './search-params.ts'
import type { ContactMethod, HoldItem } from '../services/hold-service.ts'

/** A title (record=…) or one magazine issue (record=…&copy=…), or null. */
export function holdItemOf(record: string | undefined, copy: string | undefined): HoldItem | null {
  const recordId = parseRecordId(record)
  if (recordId === null) return null
  if (copy === undefined || copy === '') return { recordId }
  const copyId = parseRecordId(copy)
  return copyId === null ? null : { recordId, copyId }
}

export const sameItem = (a: HoldItem, b: HoldItem) =>
  a.recordId === b.recordId && (a.copyId ?? null) === (b.copyId ?? null)

/** 『title 2026-09号』, cut to 30 characters. */
export function quoteTitle(item: { title: string; issueLabel?: string }): string {
  return `『${clip(item.issueLabel ? `${item.title} ${item.issueLabel}` : item.title, 30)}』`
}

/** Items in a hidden field: "12,15:301" (record, or record:issue). */
export function itemsField(items: readonly HoldItem[]): string {
  return items
    .map((i) => (i.copyId === undefined ? `${i.recordId}` : `${i.recordId}:${i.copyId}`))
    .join(',')
}

export function itemsFromField(raw: string, max: number): HoldItem[] {
  return raw
    .split(',')
    .slice(0, max)
    .flatMap((part) => {
      const [record, copy] = part.split(':')
      const item = holdItemOf(record, copy)
      return item ? [item] : []
    })
}

/** The branches where holds may be collected (受取館). */
export function pickupBranches(res: Response) {
  return libraryOf(res).branches.filter((b) => Number(b.is_pickup))
}

export function contactOf(raw: string | undefined): ContactMethod | null {
  return raw === 'none' || raw === 'email' ? raw : null
}

export const CONTACTS = Object.entries(CONTACT_LABELS) as [ContactMethod, string][]
