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
  async run(context) {
    const { holds } = context.deps.services
    let approved = 0
    let secured = 0
    await eachLibrary(context, async (lib) => {
      approved += await holds.approveDue(lib)
      secured += (await holds.trapShelfCopies(lib)).length
    })
    return { approved, secured }
  },
}

export const holdExpiryJob: OpacJob = {
  name: 'hold-expiry',
  description:
    '受取り可 holds past their pickup deadline are cancelled; the copy goes to the next hold',
  async run(context) {
    const { holds } = context.deps.services
    let expired = 0
    let passedOn = 0
    await eachLibrary(context, async (lib) => {
      const run = await holds.expireUncollected(lib)
      expired += run.expired
      passedOn += run.passedOn.filter((d) => d.action !== 'shelve').length
    })
    return { expired, passedOn }
  },
}
