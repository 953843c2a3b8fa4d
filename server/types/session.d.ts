// What this application keeps in a server-side session (express-session's SessionData,
// extended by declaration merging). The row lives in the `session` table; only its id travels
// to the client, in the opac_sid cookie (PC) or in the keitai URL (/:lib/k/s/<token>/…).
import 'express-session'

declare module 'express-session' {
  interface SessionData {
    /** Synchronizer token for every POST form (middleware/csrf.ts). */
    csrfToken?: string
    /** The logged-in patron (patron.id) and the library system they belong to. */
    patronId?: number
    libraryId?: number
    /** The card number as typed at login, for display ("カード番号 ****1234"). */
    cardNumber?: string
    /** Epoch milliseconds of the login. */
    loginAt?: number
    /** Epoch milliseconds of the last request (server-side idle timeout, middleware/session.ts). */
    lastSeenAt?: number
    /** Set on in-library terminals: shorter idle timeout, no "remember" features. */
    terminal?: boolean
    /** A local path to go back to after login (never an absolute URL). */
    returnTo?: string
    /** A one-time message shown on the next page (PRG). */
    flash?: string
  }
}
