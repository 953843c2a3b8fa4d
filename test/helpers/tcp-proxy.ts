// A TCP proxy in front of the test database, so tests can take the database away (stop),
// bring it back (start) or slow it down (delayMs), without touching the real server.
import net from 'node:net'
import type { AddressInfo } from 'node:net'

export interface TcpProxy {
  port: number
  delayMs: number
  /** Client connections accepted since the last start(). */
  connections: number
  start(): Promise<void>
  stop(): Promise<void>
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>()
  let server: net.Server | null = null
  let port = 0
  const proxy: TcpProxy = {
    port: 0,
    delayMs: 0,
    connections: 0,
    async start() {
      proxy.connections = 0
      server = net.createServer((client) => {
        proxy.connections++
        const upstream = net.connect(target.port, target.host)
        sockets.add(client).add(upstream)
        const forward = (from: net.Socket, to: net.Socket) =>
          from.on('data', (chunk) => {
            if (proxy.delayMs > 0) setTimeout(() => to.write(chunk), proxy.delayMs)
            else to.write(chunk)
          })
        forward(client, upstream)
        forward(upstream, client)
        const close = () => {
          client.destroy()
          upstream.destroy()
          sockets.delete(client)
          sockets.delete(upstream)
        }
        client.on('close', close).on('error', close)
        upstream.on('close', close).on('error', close)
      })
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve))
      port = (server!.address() as AddressInfo).port
      proxy.port = port
    },
    async stop() {
      for (const s of sockets) s.destroy()
      sockets.clear()
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()))
      server = null
    },
  }
  await proxy.start()
  return proxy
}
