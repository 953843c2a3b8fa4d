// npm run job -- <name>   runs one job once, now, and prints what it did; exit code 0, or
//                         0 with "busy: another process is running it" when its lock is held,
//                         1 when it fails, 2 for an unknown job or a configuration error.
// npm run job -- --list   the jobs, their schedules (config) and what they do.
import { ConfigError, loadConfig } from '../config.ts'
import { buildDeps } from '../deps.ts'
import { describeSchedule } from '../jobs/job-schedule.ts'
import { opacJobRegistry, opacJobRunner } from '../jobs/opac-jobs.ts'
import { lineLogger, out } from './cli-output.ts'

async function main(args: string[]): Promise<number> {
  let config
  try {
    config = loadConfig()
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    process.stderr.write(`configuration error: ${err.message}\n`)
    return 2
  }
  const name = args[0]
  if (name === undefined || name === '--list' || name === '--help') {
    for (const job of opacJobRegistry.jobs) {
      const schedule = config.jobSchedules[job.name]
      out(
        `${job.name.padEnd(22)} ${(schedule ? describeSchedule(schedule) : 'not scheduled').padEnd(16)} ${job.description}`,
      )
    }
    return name === undefined ? 2 : 0
  }
  if (!opacJobRegistry.get(name)) {
    process.stderr.write(`no job "${name}"; npm run job -- --list shows them\n`)
    return 2
  }
  // The report is the point of the command: at least info, whatever LOG_LEVEL says.
  const level = ['debug', 'trace'].includes(config.logLevel) ? config.logLevel : 'info'
  const deps = buildDeps(config, { logger: lineLogger(level) })
  try {
    await opacJobRunner(deps).run(name) // done or busy: both logged, both exit 0
    return 0
  } catch (err) {
    process.stderr.write(
      `job ${name} failed: ${err instanceof Error ? err.message : String(err)}\n`,
    )
    return 1
  } finally {
    await deps.db.destroy()
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  },
)
