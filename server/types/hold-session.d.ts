// Session fields of the hold journeys (routes/cart-routes.ts, hold-request-routes.ts,
// hold-routes.ts).
import 'express-session'
import type { HoldChoice, HoldItem } from '../services/hold-service.ts'

declare module 'express-session' {
  interface SessionData {
    /** 予約カート (rules A): titles about to be held; not holds. Survives login. */
    cart?: { libraryId: number; items: HoldItem[] }
    /** Holds chosen and waiting for the confirmation step; key identifies that confirmation. */
    holdDraft?: {
      libraryId: number
      key: string
      items: HoldChoice[]
      asSet: boolean
      fromCart: boolean
      at: number
    }
    /** What the last change, cancellation or set change did, for its completion page. */
    holdUpdated?: {
      libraryId: number
      kind: 'changed' | 'unchanged' | 'cancelled' | 'reordered' | 'split'
      title: string
    }
  }
}
