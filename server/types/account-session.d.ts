// Session fields of the account journeys (routes/password-routes.ts, routes/loan-routes.ts).
import 'express-session'
import type { RenewalRefusal } from '../services/renewal-service.ts'

declare module 'express-session' {
  interface SessionData {
    /** Library A first registration: identity checked, waiting for the new password. */
    registration?: { libraryId: number; patronId: number; at: number }
    /** A password change checked and waiting for its confirmation step. */
    pendingChange?: {
      /** What the confirmation page shows: the card number and the new password's length. */
      card: string
      length: number
      libraryId: number
      patronId: number
      hash: string
      expectedHash: string | null
      at: number
    }
    /** What the last renewal did, for the completion page (and a double click). */
    renewed?: {
      libraryId: number
      at: number
      items: {
        loanId: number
        title: string
        ok: boolean
        dueOn: string
        /** Why it was not renewed; worded by the completion page of the channel. */
        refusal?: { reason: RenewalRefusal; from?: string }
      }[]
    }
    /** The completion page of a password registration or change. */
    passwordDone?: { libraryId: number; kind: 'registered' | 'changed'; loggedOut: boolean }
  }
}
