// The process's state as the server and the health check see it.

export interface Lifecycle {
  /** False until migrations and the demo load are done; every page answers 503 before. */
  ready: boolean
  /** True once SIGTERM arrived: health checks fail, connections close after each response. */
  draining: boolean
}
