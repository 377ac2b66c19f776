/**
 * Scenario: a retry budget shared by replicas. 8 Node processes (`test/fixtures/sharedBudgetChild.ts`)
 * call a local HTTP server that always answers 503, each with 50 calls at once and then 10 a
 * second, every call `Retry.retry`-ed through `RedisRetryBudget.layer` (defaults). The retries the
 * budgets allowed, summed over the processes second by second, are held against the bound of one
 * budget over the worst 10-second window; then the same with 8 separate memory budgets.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { startChild } from "../test/support/child.js"
import { type Compiled, compileForNode } from "../test/support/compileForNode.js"
import { startRedisServer } from "../test/support/redisServer.js"
import type { Row, Scenario } from "./report.js"

const FIXTURE = "test/fixtures/sharedBudgetChild.ts"
const BURST = 50
const RATE = 10
// The budget's defaults: 20% of the first attempts plus 10 a second, over 10 one-second buckets.
const PERCENT = 20
const RESERVE = 10 * 10
const WINDOW_SECONDS = 10

interface Report {
  readonly deposits: ReadonlyArray<readonly [number, number]>
  readonly allowed: ReadonlyArray<readonly [number, number]>
  readonly refused: ReadonlyArray<readonly [number, number]>
  readonly warnings: number
}

/** What the processes' budgets did, per epoch second, summed. */
interface Run {
  readonly deposits: ReadonlyMap<number, number>
  readonly allowed: ReadonlyMap<number, number>
  readonly requests: number
  readonly warnings: number
}

/** The window of `WINDOW_SECONDS` aligned seconds (the budget's buckets) where the retries allowed exceed the bound most. */
export interface Worst {
  readonly from: number
  readonly allowed: number
  readonly deposits: number
  /** `deposits × percent / 100 + reserve`: what one budget allows over that window. */
  readonly bound: number
}

/**
 * The worst window. The budget checks its rule at each retry over the window of 10 buckets
 * (aligned seconds) that ends with it: the windows to hold against the bound are those that end
 * in a second with a retry allowed. (A window that ends in a second where every retry was refused
 * may hold retries allowed earlier on first attempts that have left it since: the rule allowed
 * them, over the windows they were made in.) `anyEnd`: every window, for comparison.
 */
export const worstWindow = (run: Pick<Run, "deposits" | "allowed">, anyEnd = false): Worst => {
  let worst: Worst | undefined
  const seconds = [...run.deposits.keys(), ...run.allowed.keys()]
  for (let end = Math.min(...seconds); end <= Math.max(...seconds) + WINDOW_SECONDS - 1; end++) {
    if (!anyEnd && (run.allowed.get(end) ?? 0) === 0) continue
    let allowed = 0
    let deposits = 0
    for (let second = end - WINDOW_SECONDS + 1; second <= end; second++) {
      allowed += run.allowed.get(second) ?? 0
      deposits += run.deposits.get(second) ?? 0
    }
    const bound = (deposits * PERCENT) / 100 + RESERVE
    if (worst === undefined || allowed / bound > worst.allowed / worst.bound) {
      worst = { from: end - WINDOW_SECONDS + 1, allowed, deposits, bound }
    }
  }
  return worst ?? { from: Math.min(...run.deposits.keys()), allowed: 0, deposits: 0, bound: RESERVE }
}

const ratioText = (worst: Worst): string =>
  `${worst.allowed} retries against ${worst.bound.toFixed(1)} (${(worst.allowed / worst.bound).toFixed(2)}x)`

/** A server on 127.0.0.1 that answers 503 to everything, counting the requests. */
const startServer = async () => {
  let requests = 0
  const server = http.createServer((request, response) => {
    requests++
    request.resume()
    response.statusCode = 503
    response.end()
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    requests: () => requests,
    reset: () => {
      requests = 0
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

const sum = (into: Map<number, number>, pairs: ReadonlyArray<readonly [number, number]>) => {
  for (const [second, count] of pairs) into.set(second, (into.get(second) ?? 0) + count)
}

/** Runs `processes` replicas with budgets of `mode` until each has reported. */
const runReplicas = async (
  compiled: Compiled,
  server: Awaited<ReturnType<typeof startServer>>,
  options: {
    readonly mode: "redis" | "memory"
    readonly redisUrl: string
    readonly prefix: string
    readonly processes: number
    readonly burst: number
    readonly rate: number
    readonly seconds: number
  }
): Promise<Run> => {
  const children = Array.from({ length: options.processes }, () =>
    startChild(compiled.path(FIXTURE), [
      options.redisUrl,
      options.prefix,
      options.mode,
      "dependency",
      String(options.burst),
      String(options.rate),
      String(options.seconds),
      server.url
    ])
  )
  try {
    for (const child of children) {
      const line = await child.nextLine()
      if (line !== "ready") throw new Error(`a replica said ${line}`)
    }
    // A replica hears of those started after it at its next registration, within a bucket (1 s)
    // while idle: the outage starts once every replica is counted by every other.
    await new Promise((resolve) => setTimeout(resolve, 1_200))
    // The burst at the start of a second, one bucket of the budget: a burst cut in two by a
    // bucket boundary leaves its retries in a window its first attempts have left, which
    // flatters no budget and only adds noise to the figure.
    await new Promise((resolve) => setTimeout(resolve, 1_050 - (Date.now() % 1_000)))
    server.reset()
    for (const child of children) child.child.stdin!.write("go\n")
    const reports = await Promise.all(
      children.map(async (child) => JSON.parse(await child.nextLine()) as Report)
    )
    const codes = await Promise.all(children.map((child) => child.exitCode))
    if (codes.some((code) => code !== 0)) throw new Error(`replicas exited with ${codes.join(", ")}`)
    const deposits = new Map<number, number>()
    const allowed = new Map<number, number>()
    for (const report of reports) {
      sum(deposits, report.deposits)
      sum(allowed, report.allowed)
    }
    return {
      deposits,
      allowed,
      requests: server.requests(),
      warnings: reports.reduce((total, report) => total + report.warnings, 0)
    }
  } finally {
    for (const child of children) if (child.child.exitCode === null) child.child.kill()
  }
}

/** A way to budget the same calls: the budgets, and how the calls are split among processes. */
interface Setup {
  readonly mode: "redis" | "memory"
  readonly name: string
  /** The processes, each making `BURST × share` calls at once then `RATE × share` a second. */
  readonly processes: number
  readonly share: number
  readonly target?: Row["target"]
}

export const scenario: Scenario = {
  id: "shared-budget",
  title: "Retry budget shared by replicas (Redis)",
  run: async (settings) => {
    const processes = settings.quick ? 2 : 8
    const seconds = settings.quick ? 3 : 25
    const setups: ReadonlyArray<Setup> = [
      {
        mode: "redis",
        name: "RedisRetryBudget (defaults)",
        processes,
        share: 1,
        target: { kind: "ratio", max: 1.25 }
      },
      { mode: "memory", name: `${processes} separate memory budgets`, processes, share: 1 },
      // The rule itself: one budget that sees every call, in one process making them all.
      ...(settings.quick
        ? []
        : [
            {
              mode: "memory",
              name: "reference: one memory budget for all the calls",
              processes: 1,
              share: processes
            } as const
          ])
    ]
    const given = process.env.REDIS_BENCH_URL || process.env.REDIS_TEST_URL || undefined
    const redis = given === undefined ? await startRedisServer() : undefined
    const redisUrl = given ?? redis!.url
    const server = await startServer()
    const compiled = compileForNode([FIXTURE])
    const label = `shared-budget: ${processes} processes x (${BURST} calls at once, then ${RATE}/s for ${seconds} s), always 503`
    const rows: Array<Row> = []
    const notes: Array<string> = []
    try {
      for (const setup of setups) {
        const run = await runReplicas(compiled, server, {
          mode: setup.mode,
          redisUrl,
          prefix: `bench:shared-budget:${process.pid}:${Date.now()}:`,
          processes: setup.processes,
          burst: BURST * setup.share,
          rate: RATE * setup.share,
          seconds
        })
        const worst = worstWindow(run)
        rows.push({
          name: `${label}: ${setup.name}, retries allowed in the worst 10 s window`,
          figure: worst.allowed,
          unit: "retries",
          baseline: { name: "one budget's bound", figure: Math.round(worst.bound * 10) / 10 },
          target: setup.target
        })
        if (setup.mode === "redis") {
          rows.push({
            name: `${label}: RedisRetryBudget, replicas that decided alone`,
            figure: run.warnings,
            unit: "warnings",
            target: { kind: "equals", value: 0 }
          })
        }
        const total = (counts: ReadonlyMap<number, number>) => [...counts.values()].reduce((a, b) => a + b, 0)
        const start = Math.min(...run.deposits.keys())
        const series = (counts: ReadonlyMap<number, number>) =>
          Array.from({ length: seconds + 3 }, (_, i) => counts.get(start + i) ?? 0).join(" ")
        notes.push(
          `${setup.name}: worst window from second ${worst.from - start} of the run: ${worst.allowed} retries allowed, ${worst.deposits} first attempts, bound ${worst.deposits} x ${PERCENT}% + ${RESERVE} = ${worst.bound.toFixed(1)} (${(worst.allowed / worst.bound).toFixed(2)}x); over every window, those ending in a second where every retry was refused included, ${ratioText(worstWindow(run, true))}. Whole run: ${total(run.deposits)} first attempts, ${total(run.allowed)} retries allowed, ${run.requests} requests received by the server. Retries allowed per second: ${series(run.allowed)}.`
        )
      }
    } finally {
      compiled.remove()
      await server.close()
      await redis?.stop()
    }
    return {
      rows,
      notes: [
        `Replicas: separate Node processes, each with its budget wrapped to count, per epoch second, the first attempts (deposits) and the retries it allowed; every call is \`Retry.retry\` (10 attempts, 100 ms apart) of a GET to a local server that answers 503. The processes start together once each counts the others (1.2 s after the last is ready), at the start of a second. The bound of a window is one budget's rule over it: 20% of the first attempts of every process in the window plus 10 a second x 10 s, over windows of 10 aligned seconds (the budget's buckets) that end in a second with a retry allowed (the rule is checked at each retry over the window that ends with it; a window ending in a second where every retry was refused may hold retries allowed on first attempts that have left it). The reference row (one memory budget for all the calls, in one process) shows what the rule itself gives${settings.quick ? "; not measured in quick mode" : ""}.`,
        ...notes
      ]
    }
  }
}
