// The staff API with all its parts: add a part's router here.
import { OPAC_JOBS } from '../jobs/opac-jobs.ts'
import { calendarApi } from './calendar-api.ts'
import { catalogueApi } from './catalogue-api.ts'
import { circulationApi } from './circulation-api.ts'
import { jobApi } from './job-api.ts'
import { noticeApi } from './notice-api.ts'
import { patronApi } from './patron-api.ts'
import { createStaffApi } from './staff-api.ts'
import type { StaffApiDeps } from './staff-api.ts'

const JOB_LIST = OPAC_JOBS.map(({ name, description }) => ({ name, description }))

export function createStaffApiApp(deps: StaffApiDeps) {
  return createStaffApi({ jobList: JOB_LIST, ...deps }, [
    patronApi,
    circulationApi,
    calendarApi,
    noticeApi,
    catalogueApi,
    jobApi,
  ])
}
