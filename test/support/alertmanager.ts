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

/** Alertmanager logs this once its configuration is loaded and its HTTP server is up. */
const LISTENING = /msg="Listening on"/

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
      // Info: its "Listening on" line says when it is up, so the test waits on it, not on a timer.
      "--log.level=info"
    ],
    { stdio: ["ignore", "pipe", "pipe"] }
  )
  let output = ""
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
    await exited(child)
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await new Promise<void>((resolve, reject) => {
      const collect = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-10_000)
        if (LISTENING.test(output)) resolve()
      }
      child.stdout?.on("data", collect)
      child.stderr?.on("data", collect)
      child.once("exit", () =>
        reject(new Error(`prometheus-alertmanager exited before it was ready:\n${output}`))
      )
      child.once("error", (error: NodeJS.ErrnoException) =>
        reject(
          error.code === "ENOENT"
            ? new Error("prometheus-alertmanager is not installed: apt-get install prometheus-alertmanager")
            : error
        )
      )
    })
    const url = `http://127.0.0.1:${port}`
    // Listening, with its configuration loaded: its readiness endpoint confirms it.
    const ready = await fetch(`${url}/-/ready`)
    await ready.body?.cancel()
    if (!ready.ok)
      throw new Error(`prometheus-alertmanager answered /-/ready with ${ready.status}:\n${output}`)
    // Keep draining its output so the pipes never fill and block it.
    child.stdout?.resume()
    child.stderr?.resume()
    return { url, stop }
  } catch (error) {
    await stop()
    throw error
  }
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
