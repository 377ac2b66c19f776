/**
 * Real `redis-server` processes for the tests, on 127.0.0.1 and ephemeral ports, without
 * persistence. Used by the global setup (one shared server) and by tests that need a server of
 * their own (to stop, restart or pause it).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { type AddressInfo, createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** A port that was free a moment ago (the kernel picked it); nothing listens on it now. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })

export interface RedisServer {
  readonly port: number
  readonly url: string
  /** Stops the server and waits for its process to exit. */
  readonly stop: () => Promise<void>
}

export interface RedisServerOptions {
  /** Default: a free ephemeral port. */
  readonly port?: number | undefined
  /** Extra `redis-server` arguments, e.g. `["--requirepass", "secret"]`. */
  readonly args?: ReadonlyArray<string> | undefined
}

const NOT_INSTALLED =
  "redis-server is not installed: install it (apt-get install redis-server) or set REDIS_TEST_URL"

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()))

/** Starts `redis-server` and resolves once it accepts connections. */
export const startRedisServer = async (options: RedisServerOptions = {}): Promise<RedisServer> => {
  const port = options.port ?? (await freePort())
  const dir = mkdtempSync(join(tmpdir(), "retry-alerts-redis-"))
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
      ...(options.args ?? [])
    ],
    { stdio: ["ignore", "pipe", "pipe"] }
  )
  let output = ""
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes("Ready to accept connections")) {
        child.stdout?.off("data", onData)
        child.off("exit", onExit)
        resolve()
      }
    }
    const onExit = () =>
      reject(new Error(`redis-server on port ${port} exited before it was ready:\n${output}`))
    child.stdout?.on("data", onData)
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.once("exit", onExit)
    child.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "ENOENT" ? new Error(NOT_INSTALLED) : error)
    )
  })
  // Keep draining its output so the pipe never fills and blocks the server.
  child.stdout?.resume()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
      await exited(child)
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
