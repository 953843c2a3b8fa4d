// The three-node Galera cluster of test/cluster/galera.sh, for the tests and the bench: start
// it, kill a node, stop it, and the URLs the app uses to reach it.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

const script = join(import.meta.dirname, '..', 'cluster', 'galera.sh')
/** The script's default ports: node n answers SQL on 4330 + n. */
export const GALERA_SQL_PORTS = [4331, 4332, 4333] as const

/** What is missing on this machine to run a cluster ('' when nothing). */
export function galeraMissing(): string {
  const missing = [
    ['/usr/sbin/mariadbd', 'mariadb-server'],
    ['/usr/lib/galera/libgalera_smm.so', 'galera-4'],
    ['/usr/bin/rsync', 'rsync'],
  ].filter(([path]) => !existsSync(path ?? ''))
  return missing.map(([, pkg]) => pkg).join(', ')
}

function run(...args: string[]): string {
  const done = spawnSync('bash', [script, ...args], { encoding: 'utf8', timeout: 240_000 })
  if (done.status !== 0) {
    throw new Error(`galera.sh ${args.join(' ')} failed: ${done.stdout}${done.stderr}`)
  }
  return done.stdout
}

export const galera = {
  start: () => run('start'),
  stop: () => run('stop'),
  kill: (node: 1 | 2 | 3) => run('kill', String(node)),
  status: () => run('status'),
}

/**
 * A DATABASE_URL naming every node, starting with `first` (1–3): an app instance writes to its
 * own node and moves to the next when that one is gone.
 */
export function galeraUrl(database: string, first: 1 | 2 | 3): string {
  const order = [0, 1, 2].map((i) => GALERA_SQL_PORTS[(first - 1 + i) % 3])
  return `mysql://root@${order.map((port) => `127.0.0.1:${port}`).join(',')}/${database}`
}
