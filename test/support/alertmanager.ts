/**
 * A real Prometheus Alertmanager (`prometheus-alertmanager`, Debian's package) for the tests, on
 * 127.0.0.1 and a free port, clustering off, its storage in a temporary directory. Its one receiver
 * is a webhook pointing at a server of the test, with second-long grouping timers so that a firing
 * and a resolved notification arrive within seconds. Scoped: closing the scope stops it.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, type Scope } from "effect"
import { freePort } from "./redisServer.js"

export interface AlertmanagerServer {
  /** `http://127.0.0.1:PORT`, Alertmanager's base URL. */
  readonly url: string
}

/** Long enough for a cold start on a loaded machine; a healthy one is ready in well under a second. */
const READY_TIMEOUT_MS = 30_000

/**
 * The configuration: every alert to the test's webhook, resolved ones too. `group_by: ["..."]`
 * makes one group per alert, so each incident is notified on its own.
 */
const config = (webhookUrl: string): string =>
  [
    "route:",
    "  receiver: test",
    "  group_by: ['...']",
    "  group_wait: 1s",
    "  group_interval: 1s",
    "  repeat_interval: 1m",
    "receivers:",
    "  - name: test",
    "    webhook_configs:",
    `      - url: ${JSON.stringify(webhookUrl)}`,
    "        send_resolved: true",
    ""
  ].join("\n")

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()))

const isReady = async (url: string): Promise<boolean> => {
  try {
    const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) })
    await response.body?.cancel()
    return response.ok
  } catch {
    return false
  }
}

const start = async (webhookUrl: string) => {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), "retry-alerts-alertmanager-"))
  const configFile = join(dir, "alertmanager.yml")
  writeFileSync(configFile, config(webhookUrl))
  const child = spawn(
    "prometheus-alertmanager",
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Empty: no gossip with peers, no port of its own, no settling wait before notifying.
      "--cluster.listen-address=",
      "--log.level=warn"
    ],
    { stdio: ["ignore", "pipe", "pipe"] }
  )
  let output = ""
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-10_000)
  }
  child.stdout?.on("data", collect)
  child.stderr?.on("data", collect)
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
    await exited(child)
    rmSync(dir, { recursive: true, force: true })
  }
  const url = `http://127.0.0.1:${port}`
  let failure: Error | undefined
  child.once("error", (error: NodeJS.ErrnoException) => {
    failure =
      error.code === "ENOENT"
        ? new Error("prometheus-alertmanager is not installed: apt-get install prometheus-alertmanager")
        : error
  })
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (!(await isReady(url))) {
    if (failure === undefined && (child.exitCode !== null || child.signalCode !== null)) {
      failure = new Error(`prometheus-alertmanager exited before it was ready:\n${output}`)
    }
    if (failure === undefined && Date.now() > deadline) {
      failure = new Error(`prometheus-alertmanager was not ready within ${READY_TIMEOUT_MS} ms:\n${output}`)
    }
    if (failure !== undefined) {
      await stop()
      throw failure
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { url, stop }
}

/** An Alertmanager notifying `webhookUrl`, stopped (and its directory removed) with the scope. */
export const make = (webhookUrl: string): Effect.Effect<AlertmanagerServer, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.promise(() => start(webhookUrl)),
      (server) => Effect.promise(() => server.stop())
    ),
    ({ url }) => ({ url })
  )
