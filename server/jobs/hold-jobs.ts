// The daily life of holds, for every library: the morning approval of 依頼中 web holds
// (rules B: 「翌開館日の朝に正式な予約」 at webHoldsFormalTime, in request order) followed by
// securing copies on the shelf that formal holds wait for; and the expiry of 受取り可 holds not
// collected by their deadline, which passes each copy to the next hold. Both are idempotent:
// they act only on holds whose moment has come, so a repeated or late run does no harm.
import { eachLibrary } from './each-library.ts'
import type { OpacJob } from './opac-jobs.ts'

export const holdApprovalJob: OpacJob = {
  name: 'hold-approval',
  description:
    '依頼中 web holds whose formal time has come become formal; shelf copies are secured',
  run(context) {
    const { holds } = context.deps.services
    return eachLibrary(context, { approved: 0, secured: 0 }, async (lib) => ({
      approved: await holds.approveDue(lib),
      secured: (await holds.trapShelfCopies(lib)).length,
    }))
  },
}

export const holdExpiryJob: OpacJob = {
  name: 'hold-expiry',
  description:
    '受取り可 holds past their pickup deadline are cancelled; the copy goes to the next hold',
  run(context) {
    const { holds } = context.deps.services
    return eachLibrary(context, { expired: 0, passedOn: 0 }, async (lib) => {
      const run = await holds.expireUncollected(lib)
      return {
        expired: run.expired,
        passedOn: run.passedOn.filter((d) => d.action !== 'shelve').length,
      }
    })
  },
}
