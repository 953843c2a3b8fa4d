// Deletes staff API audit lines (staff_audit) older than each library's retention
// (staffAuditRetentionDays, 365 days unless the library sets another). Idempotent: a second run
// finds nothing more to delete until lines age past the retention.
import { eachLibrary } from './each-library.ts'
import type { OpacJob } from './opac-jobs.ts'

export const staffAuditPurgeJob: OpacJob = {
  name: 'staff-audit-purge',
  description: 'deletes staff API audit lines older than each library’s staffAuditRetentionDays',
  run(context) {
    const { staffTokens } = context.deps.services
    return eachLibrary(context, { auditLines: 0 }, async (lib) => {
      const days = lib.settings.staffAuditRetentionDays
      // A retention below one day is a mistake in the settings: keep the lines rather than lose them.
      if (!Number.isInteger(days) || days < 1) {
        context.log(
          `staff-audit-purge: ${lib.library.slug}: staffAuditRetentionDays ${days} ignored`,
        )
        return { auditLines: 0 }
      }
      return { auditLines: await staffTokens.purgeAudit(lib.library.id, days) }
    })
  },
}
