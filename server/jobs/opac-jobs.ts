// The jobs of this application, and how a process runs them with its dependencies. Adding a
// job: a module beside this one exporting an OpacJob, its line in OPAC_JOBS, and — when it
// runs on a schedule — its setting in config.ts (jobSchedules) and the README's table.
import type { Deps } from '../deps.ts'
import { jobRegistry, jobRunner } from './job-registry.ts'
import type { Job, JobRunner } from './job-registry.ts'
import { holdApprovalJob, holdExpiryJob } from './hold-jobs.ts'
import { mailSendJob } from './mail-jobs.ts'
import { mailPurgeJob } from './mail-purge-job.ts'
import {
  newArrivalsJob,
  searchIndexJob,
  searchIndexRebuildJob,
  searchPopularityJob,
} from './search-index-job.ts'
import { sessionPurgeJob } from './session-purge-job.ts'
import { staffAuditPurgeJob } from './staff-audit-purge-job.ts'

export interface OpacJobContext {
  deps: Deps
  /** Progress lines for the log (a job's report is logged by the runner). */
  log: (msg: string) => void
}

export type OpacJob = Job<OpacJobContext>

export const OPAC_JOBS: readonly OpacJob[] = [
  sessionPurgeJob,
  searchIndexJob,
  searchIndexRebuildJob,
  searchPopularityJob,
  newArrivalsJob,
  holdApprovalJob,
  holdExpiryJob,
  mailSendJob,
  staffAuditPurgeJob,
  mailPurgeJob,
]

export const opacJobRegistry = jobRegistry(OPAC_JOBS)

/** The runner of one process: every job gets the process's dependencies and logger. */
export function opacJobRunner(deps: Deps): JobRunner {
  const context: OpacJobContext = { deps, log: (msg) => deps.logger.info(msg) }
  return jobRunner(opacJobRegistry, context, { db: deps.db, logger: deps.logger })
}
