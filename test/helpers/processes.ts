// The deployment of the README on loopback, as processes: app instances (server/main.ts), the
// job worker (server/jobs/job-worker.ts) and nginx in front of the instances, run as a
// non-daemon with a configuration written to a directory of its own. Each is started with
// node --import tsx (not the tsx command, whose child a signal to it would leave running) and
// stopped by whoever started it.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..', '..')

export interface Started {
  child: ChildProcess
  /** Everything the process wrote. */
  output(): string
  /** SIGTERM (or the given signal), and the exit code once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

function started(child: ChildProcess): Started {
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return {
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check().catch(() => false)) return
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** Settings every process of one deployment shares (the sessions' secret above all). */
export function deploymentEnv(databaseUrl: string, publicUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    PUBLIC_URL: publicUrl,
    SESSION_SECRET: 'scale-out-session-secret-0123456789',
    // The pepper the test databases' demo passwords were hashed with (config.ts, tests).
    PASSWORD_PEPPER: 'development-only-password_pepper',
    JOBS_IN_SERVER: 'false',
    LOG_LEVEL: 'warn',
  }
}

function node(script: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** An app instance on 127.0.0.1:port, once /healthz answers 200. */
export async function startAppInstance(port: number, env: Record<string, string>) {
  const app = started(node('server/main.ts', { ...env, HOST: '127.0.0.1', PORT: String(port) }))
  const url = `http://127.0.0.1:${port}`
  await until(
    `app instance on ${port}`,
    async () => (await fetch(`${url}/healthz`)).status === 200,
    120_000,
  ).catch(async (err: unknown) => {
    await app.stop('SIGKILL')
    throw new Error(`${String(err)}\n${app.output()}`)
  })
  return { ...app, url }
}

/** The job worker (npm run worker), once it has said so. */
export async function startWorker(env: Record<string, string>) {
  const worker = started(node('server/jobs/job-worker.ts', { ...env, LOG_LEVEL: 'info' }))
  await until('worker', async () => worker.output().includes('worker started'), 60_000)
  return worker
}

/**
 * nginx on 127.0.0.1:port in front of the upstream ports (round robin), passing the client's
 * address in X-Forwarded-For and naming the instance that answered in X-Upstream.
 */
export async function startNginx(port: number, upstreams: number[]) {
  const dir = mkdtempSync(join(tmpdir(), 'opac-nginx-'))
  for (const temp of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    mkdirSync(join(dir, temp))
    chmodSync(join(dir, temp), 0o777) // workers run as nobody when nginx starts as root
  }
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream opac {
${upstreams.map((p) => `    server 127.0.0.1:${p};`).join('\n')}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://opac;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      add_header X-Upstream $upstream_addr always;
    }
  }
}
`,
  )
  const nginx = started(
    spawn(
      'nginx',
      ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log'), '-g', 'daemon off;'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  )
  const url = `http://127.0.0.1:${port}`
  await until('nginx', async () => (await fetch(`${url}/healthz`)).status === 200, 20_000)
  return {
    ...nginx,
    url,
    async stop() {
      const code = await nginx.stop('SIGQUIT')
      rmSync(dir, { recursive: true, force: true })
      return code
    },
  }
}
