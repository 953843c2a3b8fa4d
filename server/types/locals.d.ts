// What the middleware leaves in res.locals for later handlers, typed once. Read it through the
// accessors that own each entry (channelOf, libraryOf, queryOf, formOf, patronOf, publicUrlOf):
// Express types res.locals as Record<string, any>, so only those accessors give it a type.
import type { Patron } from '../db/schema.ts'
import type { LibraryContext } from '../services/library-service.ts'
import type { FormParams } from '../middleware/form-body.ts'
import type { Params } from '../middleware/query.ts'
import type { Channel } from '../paths.ts'

declare global {
  namespace Express {
    interface Locals {
      /** The channel of the page (middleware/channel.ts). */
      channel?: Channel
      /** PUBLIC_URL, for absolute Location headers, QR codes and feeds (app.ts). */
      publicUrl?: string
      /** The library system of a /:lib/… request (middleware/library.ts). */
      lib?: LibraryContext
      /** The query string decoded in the channel's charset (middleware/query.ts). */
      query?: Params
      /** A POST body decoded in the channel's charset (middleware/form-body.ts). */
      form?: FormParams
      /** The logged-in patron, loaded by loginRequired (web.ts). */
      patron?: Patron
      /** The request brought a session that has gone (middleware/session.ts). */
      sessionExpired?: boolean
    }
  }
}
