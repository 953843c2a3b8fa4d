// Session fields of the e-mail journeys (routes/email-routes.ts).
import 'express-session'

declare module 'express-session' {
  interface SessionData {
    /** The address a confirmation mail was just sent to, for the 受付 page. */
    emailSent?: { libraryId: number; address: string }
    /** The address a link just confirmed, for the completion page. */
    emailDone?: { libraryId: number; address: string }
  }
}
