/**
 * A real Redis Cluster for the tests: three (or more) `redis-server` masters with
 * `--cluster-enabled yes` on 127.0.0.1 and free ports, no persistence, joined with
 * `redis-cli --cluster create` and no replicas. Start-up waits (really) until every node reports
 * `cluster_state:ok` and knows every other node; a failed start stops what it started and throws
 * with the tail of each server's log.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { freePort } from "./redisServer.js"

export interface RedisClusterNode {
  readonly host: string
  readonly port: number
}

export interface RedisCluster {
  /** The masters, in slot order (the first owns slots from 0). Mutable for ioredis's `Cluster`. */
  readonly nodes: Array<RedisClusterNode>
  /** `redis://127.0.0.1:PORT` for each node, in the order of `nodes`. */
  readonly urls: Array<string>
  /** Stops every server (SIGTERM, then SIGKILL after 5 s) and removes their directories. */
  readonly stop: () => Promise<void>
  /** Runs FLUSHALL on every master. */
  readonly flushAll: () => Promise<void>
}

export interface RedisClusterOptions {
  /** Number of masters (no replicas). Default 3, the minimum `redis-cli --cluster create` accepts. */
  readonly masters?: number | undefined
  /** Extra `redis-server` arguments for every node, e.g. `["--cluster-node-timeout", "2000"]`. */
  readonly args?: ReadonlyArray<string> | undefined
  /** How many times to poll CLUSTER INFO / CLUSTER NODES, 100 ms apart, once created. Default 100. */
  readonly readyTries?: number | undefined
}

const HOST = "127.0.0.1"
const LOG_TAIL_CHARS = 4_000
const POLL_MILLIS = 100
const STOP_GRACE_MILLIS = 5_000
const START_ATTEMPTS = 3

const NOT_INSTALLED =
  "redis-server is not installed: install it (apt-get install redis-server; redis-cli comes with it)"

/** A running `redis-server` with the tail of its output. */
interface Node {
  readonly port: number
  readonly child: ChildProcess
  readonly log: () => string
}

// Copied from redisServer.ts (not exported there).
const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()))

const isRunning = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null

const sleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis))

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips redis-cli's ANSI colours
const stripAnsi = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, "")

const stopChild = async (child: ChildProcess): Promise<void> => {
  if (isRunning(child)) child.kill("SIGTERM")
  const timer = setTimeout(() => {
    if (isRunning(child)) child.kill("SIGKILL")
  }, STOP_GRACE_MILLIS)
  await exited(child)
  clearTimeout(timer)
}

/**
 * Starts one cluster-enabled `redis-server` in `dir` and resolves once it accepts connections.
 * The cluster bus port is chosen free too (`--cluster-port`): the default, port + 10000, does not
 * exist for ephemeral ports above 55535.
 */
const startNodeOnce = async (dir: string, args: ReadonlyArray<string>): Promise<Node> => {
  const port = await freePort()
  let busPort = await freePort()
  while (busPort === port) busPort = await freePort()
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      HOST,
      "--cluster-enabled",
      "yes",
      "--cluster-port",
      String(busPort),
      "--cluster-config-file",
      join(dir, "nodes.conf"),
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      "no",
      ...args
    ],
    { stdio: ["ignore", "pipe", "pipe"] }
  )
  let output = ""
  const append = (chunk: Buffer) => {
    output += chunk.toString()
    // Keep only the tail: the output is drained for the whole life of the server.
    if (output.length > 2 * LOG_TAIL_CHARS) output = output.slice(-LOG_TAIL_CHARS)
  }
  child.stdout?.on("data", append)
  child.stderr?.on("data", append)
  const log = () => output.slice(-LOG_TAIL_CHARS)
  await new Promise<void>((resolve, reject) => {
    const onData = () => {
      if (output.includes("Ready to accept connections")) {
        child.stdout?.off("data", onData)
        child.off("exit", onExit)
        resolve()
      }
    }
    const onExit = () =>
      reject(new Error(`redis-server on port ${port} exited before it was ready:\n${log()}`))
    child.stdout?.on("data", onData)
    child.once("exit", onExit)
    child.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "ENOENT" ? new Error(NOT_INSTALLED) : error)
    )
  })
  return { port, child, log }
}

/** Starts a node, trying fresh ports when one was taken between `freePort` and the bind. */
const startNode = async (dir: string, args: ReadonlyArray<string>): Promise<Node> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startNodeOnce(dir, args)
    } catch (error) {
      const inUse = error instanceof Error && /address already in use/i.test(error.message)
      if (!inUse || attempt >= START_ATTEMPTS) throw error
      rmSync(join(dir, "nodes.conf"), { force: true })
    }
  }
}

/** Runs `redis-cli` and resolves with its output (stdout then stderr, colours stripped). */
const redisCli = (args: ReadonlyArray<string>, timeoutMillis = 5_000): Promise<string> =>
  new Promise((resolve, reject) => {
    execFile("redis-cli", [...args], { timeout: timeoutMillis }, (error, stdout, stderr) => {
      const output = stripAnsi(`${stdout}${stderr}`)
      if (error) {
        const code = (error as NodeJS.ErrnoException).code
        reject(
          code === "ENOENT"
            ? new Error(NOT_INSTALLED)
            : new Error(`redis-cli ${args.join(" ")} failed (${error.message.split("\n")[0]}):\n${output}`)
        )
      } else {
        resolve(output)
      }
    })
  })

const nodeCli = (port: number, ...command: Array<string>) =>
  redisCli(["-h", HOST, "-p", String(port), ...command])

/** Why a node is not ready yet, or `undefined` when it is. */
const notReadyReason = async (port: number, masters: number): Promise<string | undefined> => {
  const info = await nodeCli(port, "CLUSTER", "INFO")
  const field = (name: string) => new RegExp(`^${name}:(\\S+)`, "m").exec(info)?.[1]
  if (field("cluster_state") !== "ok") return `cluster_state:${field("cluster_state") ?? "?"}`
  if (field("cluster_slots_assigned") !== "16384")
    return `cluster_slots_assigned:${field("cluster_slots_assigned") ?? "?"}`
  if (field("cluster_known_nodes") !== String(masters))
    return `cluster_known_nodes:${field("cluster_known_nodes") ?? "?"}`
  const lines = (await nodeCli(port, "CLUSTER", "NODES")).trim().split("\n")
  const pending = lines.filter((line) => !/\bconnected\b/.test(line) || /handshake|noaddr|fail/.test(line))
  if (pending.length > 0) return `CLUSTER NODES not settled:\n${pending.join("\n")}`
  return undefined
}

/**
 * Starts a Redis Cluster of `masters` (default 3) masters on 127.0.0.1 and resolves once every
 * node reports `cluster_state:ok`. Throws (after stopping whatever started) with the servers' logs.
 */
export const startRedisCluster = async (options: RedisClusterOptions = {}): Promise<RedisCluster> => {
  const masters = options.masters ?? 3
  if (!Number.isInteger(masters) || masters < 3) {
    throw new Error(`a Redis Cluster needs at least 3 masters, got ${masters}`)
  }
  const readyTries = options.readyTries ?? 100
  const args = options.args ?? []
  const base = mkdtempSync(join(tmpdir(), "retry-alerts-redis-cluster-"))
  const nodes: Array<Node> = []
  let cliOutput = ""

  let stopped: Promise<void> | undefined
  const killAllNow = () => {
    for (const node of nodes) if (isRunning(node.child)) node.child.kill("SIGKILL")
  }
  // A test process that dies without stopping the cluster leaves no servers behind.
  process.once("exit", killAllNow)
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      process.off("exit", killAllNow)
      await Promise.all(nodes.map((node) => stopChild(node.child)))
      rmSync(base, { recursive: true, force: true })
    })()
    return stopped
  }

  const failure = (reason: string, cause?: unknown): Error => {
    const logs = nodes.map((node) => `--- redis-server :${node.port} (log tail) ---\n${node.log().trimEnd()}`)
    const cli = cliOutput === "" ? [] : [`--- redis-cli --cluster create ---\n${cliOutput.trimEnd()}`]
    const causeText = cause instanceof Error ? `: ${cause.message}` : cause === undefined ? "" : `: ${cause}`
    return new Error([`Redis Cluster did not start: ${reason}${causeText}`, ...cli, ...logs].join("\n"), {
      cause
    })
  }

  try {
    for (let index = 0; index < masters; index++) {
      const dir = join(base, `node-${index}`)
      mkdirSync(dir)
      try {
        nodes.push(await startNode(dir, args))
      } catch (error) {
        throw failure(`node ${index} did not start`, error)
      }
    }

    const addresses = nodes.map((node) => `${HOST}:${node.port}`)
    try {
      cliOutput = await redisCli(
        ["--cluster", "create", ...addresses, "--cluster-replicas", "0", "--cluster-yes"],
        30_000
      )
    } catch (error) {
      throw failure("redis-cli --cluster create failed", error)
    }

    let reason: string | undefined = "not polled"
    for (let attempt = 0; attempt < readyTries; attempt++) {
      const crashed = nodes.find((node) => !isRunning(node.child))
      if (crashed !== undefined) throw failure(`redis-server on port ${crashed.port} exited`)
      reason = undefined
      for (const node of nodes) {
        const why = await notReadyReason(node.port, masters).catch((error: Error) => error.message)
        if (why !== undefined) {
          reason = `node :${node.port}: ${why}`
          break
        }
      }
      if (reason === undefined) break
      await sleep(POLL_MILLIS)
    }
    if (reason !== undefined) {
      throw failure(`not ready after ${readyTries} polls, ${POLL_MILLIS} ms apart; last: ${reason}`)
    }
  } catch (error) {
    await stop()
    throw error
  }

  const flushAll = async (): Promise<void> => {
    await Promise.all(
      nodes.map(async (node) => {
        const reply = (await nodeCli(node.port, "FLUSHALL")).trim()
        if (reply !== "OK") throw new Error(`FLUSHALL on ${HOST}:${node.port} answered: ${reply}`)
      })
    )
  }

  return {
    nodes: nodes.map((node) => ({ host: HOST, port: node.port })),
    urls: nodes.map((node) => `redis://${HOST}:${node.port}`),
    stop,
    flushAll
  }
}
