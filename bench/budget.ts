/**
 * Scenario: the retry budget. How many requests an outage of a real HTTP server receives from
 * 1,000 retrying callers, without a budget and with the default one; whether a healthy
 * dependency with 5% failures ever has a retry refused; and what `deposit` and `tryWithdraw` cost.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { PerformanceObserver, performance } from "node:perf_hooks"
import { Context, Effect, Layer, Logger, LogLevel } from "effect"
import { AlertLimiter, Notifier, Retry, RetryBudget } from "../src/index.js"
import { buildOnce } from "./fiber.js"
import { type Case, compare, comparedRow, type Row, type Scenario } from "./report.js"

const KEY = "bench-dependency"
const MAX_WAIT = "100 millis"
const HEALTHY_FAILURE_RATE = 0.05

class HttpStatusError {
  readonly _tag = "HttpStatusError"
  constructor(readonly status: number | undefined) {}
}

/**
 * A server on 127.0.0.1 that answers 503 until `outageUntil` (epoch millis) and 200 after it,
 * or 503 at random with probability `failureRate`. It counts the requests it answered 503.
 */
const startServer = async () => {
  const state = { outageUntil: 0, failureRate: 0, failed: 0, received: 0 }
  const server = http.createServer((request, response) => {
    state.received++
    request.resume()
    const fail =
      Date.now() < state.outageUntil || (state.failureRate > 0 && Math.random() < state.failureRate)
    if (fail) state.failed++
    response.statusCode = fail ? 503 : 200
    response.end()
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()))
  const { port } = server.address() as AddressInfo
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY })
  const reset = (outageMillis: number, failureRate: number) => {
    state.outageUntil = Date.now() + outageMillis
    state.failureRate = failureRate
    state.failed = 0
    state.received = 0
  }
  const close = () =>
    new Promise<void>((resolve) => {
      agent.destroy()
      server.closeAllConnections()
      server.close(() => resolve())
    })
  /** One GET; fails with the status when it is not 200. */
  const get: Effect.Effect<void, HttpStatusError | Error> = Effect.async((resume) => {
    const request = http.request({ host: "127.0.0.1", port, path: "/", agent }, (response) => {
      response.resume()
      response.on("end", () =>
        resume(
          response.statusCode === 200 ? Effect.void : Effect.fail(new HttpStatusError(response.statusCode))
        )
      )
    })
    request.on("error", (error) => resume(Effect.fail(error)))
    request.end()
  })
  return { state, reset, close, get }
}

interface Storm {
  /** Requests answered 503 (received during the outage, or failed at random) per caller. */
  readonly failedPerCaller: number
  readonly requests: number
  readonly succeeded: number
  readonly refused: number
  readonly millis: number
}

/**
 * `callers` concurrent callers, each making `calls` calls in a row through `Retry.connRetry` with
 * its defaults (101 attempts) but a small `maxWait`, with or without a budget layer. Logs are off:
 * thousands of retry warnings would measure the console.
 */
const storm = async (
  server: Awaited<ReturnType<typeof startServer>>,
  budget: Context.Context<RetryBudget.RetryBudget> | undefined,
  options: {
    readonly callers: number
    readonly calls: number
    readonly outageMillis: number
    readonly failureRate: number
  }
): Promise<Storm> => {
  const services = await buildOnce(
    Layer.mergeAll(AlertLimiter.layer(), Notifier.layerLog(), Logger.minimumLogLevel(LogLevel.None))
  )
  const context = budget === undefined ? services.context : Context.merge(services.context, budget)
  const call = server.get.pipe(
    Retry.connRetry(KEY, "get", { maxWait: MAX_WAIT }),
    Effect.as(1),
    Effect.orElseSucceed(() => 0)
  )
  const caller = Effect.reduce(Array.from({ length: options.calls }), 0, (succeeded) =>
    Effect.map(call, (ok) => succeeded + ok)
  )
  const refusedBefore =
    budget === undefined ? 0 : Context.get(budget, RetryBudget.RetryBudget).status(KEY).refusedLastMinute
  server.reset(options.outageMillis, options.failureRate)
  const start = performance.now()
  const succeeded = await Effect.runPromise(
    Effect.forEach(Array.from({ length: options.callers }), () => caller, { concurrency: "unbounded" }).pipe(
      Effect.provide(context)
    )
  )
  const millis = performance.now() - start
  await services.close()
  return {
    failedPerCaller: server.state.failed / options.callers,
    requests: server.state.received,
    succeeded: succeeded.reduce((a, b) => a + b, 0),
    refused:
      budget === undefined
        ? 0
        : Context.get(budget, RetryBudget.RetryBudget).status(KEY).refusedLastMinute - refusedBefore,
    millis
  }
}

const budgetService = async (options: RetryBudget.Options = {}) => {
  const built = await buildOnce(RetryBudget.layer(options))
  return {
    context: built.context,
    service: Context.get(built.context, RetryBudget.RetryBudget),
    close: built.close
  }
}

/** Garbage collections during `run`: none means that it allocated nothing worth collecting. */
const collectionsDuring = async (run: () => void): Promise<number> => {
  let collections = 0
  const observer = new PerformanceObserver((list) => {
    collections += list.getEntries().length
  })
  ;(globalThis as { gc?: () => void }).gc?.()
  await new Promise((resolve) => setImmediate(resolve))
  observer.observe({ entryTypes: ["gc"] })
  run()
  // Entries are delivered asynchronously.
  await new Promise((resolve) => setTimeout(resolve, 50))
  observer.disconnect()
  return collections
}

export const scenario: Scenario = {
  id: "budget",
  title: "Retry budget",
  run: async (settings) => {
    const callers = settings.quick ? 100 : 1_000
    const outageMillis = settings.quick ? 500 : 2_000
    const healthyCalls = settings.quick ? 5 : 20
    const server = await startServer()
    const label = callers.toLocaleString("en-US")
    const outage = `${(outageMillis / 1000).toFixed(1)} s`

    // Warm-up: every caller's connection opened, the code paths compiled.
    await storm(server, undefined, { callers, calls: 2, outageMillis: 0, failureRate: 0 })

    // (a) Amplification: one call per caller, all starting as the outage starts.
    const unbudgeted = await storm(server, undefined, { callers, calls: 1, outageMillis, failureRate: 0 })
    const defaultBudget = await budgetService()
    const budgeted = await storm(server, defaultBudget.context, {
      callers,
      calls: 1,
      outageMillis,
      failureRate: 0
    })
    const status = defaultBudget.service.status(KEY)
    await defaultBudget.close()
    const windowSeconds = 10
    const bound =
      1 + RetryBudget.DEFAULT_PERCENT / 100 + (RetryBudget.DEFAULT_MIN_PER_SECOND * windowSeconds) / callers

    // (b) A healthy dependency: 5% of the requests fail at random.
    const healthyBudget = await budgetService()
    const healthy = await storm(server, healthyBudget.context, {
      callers,
      calls: healthyCalls,
      outageMillis: 0,
      failureRate: HEALTHY_FAILURE_RATE
    })
    const healthyStatus = healthyBudget.service.status(KEY)
    await healthyBudget.close()
    await server.close()

    // (c) The cost of the calls on a hot key, against a bare counter in a `Map`.
    const n = settings.quick ? 10_000 : 100_000
    const hot = await budgetService()
    const open = await budgetService({ percent: 100 })
    const closed = await budgetService({ percent: 0, minPerSecond: 0 })
    const counters = new Map<string, { count: number }>([[KEY, { count: 0 }]])
    const cases: ReadonlyArray<Case> = [
      {
        name: "bare",
        ops: n,
        run: () => {
          for (let i = 0; i < n; i++) counters.get(KEY)!.count++
        }
      },
      {
        name: "deposit",
        ops: n,
        run: () => {
          for (let i = 0; i < n; i++) hot.service.deposit(KEY)
        }
      },
      {
        name: "depositWithdraw",
        ops: n,
        run: () => {
          for (let i = 0; i < n; i++) {
            open.service.deposit(KEY)
            if (!open.service.tryWithdraw(KEY)) throw new Error("refused")
          }
        }
      },
      {
        name: "refused",
        ops: n,
        run: () => {
          for (let i = 0; i < n; i++) if (closed.service.tryWithdraw(KEY)) throw new Error("allowed")
        }
      }
    ]
    const measured = await compare(cases, settings)
    const gcCount = settings.quick ? 1_000_000 : 10_000_000
    const collections = await collectionsDuring(() => {
      for (let i = 0; i < gcCount; i++) {
        open.service.deposit(KEY)
        open.service.tryWithdraw(KEY)
      }
    })
    await hot.close()
    await open.close()
    await closed.close()

    const rows: Array<Row> = [
      {
        name: `budget: requests per caller during a ${outage} outage, no budget`,
        figure: unbudgeted.failedPerCaller,
        unit: "requests",
        target: undefined
      },
      {
        name: `budget: requests per caller during a ${outage} outage, default budget`,
        figure: budgeted.failedPerCaller,
        unit: "requests",
        baseline: { name: "no budget", figure: unbudgeted.failedPerCaller },
        target: { kind: "atMost", max: bound }
      },
      {
        name: "budget: retries refused, healthy dependency (5% failures)",
        figure: healthy.refused,
        unit: "retries",
        target: { kind: "equals", value: 0 }
      },
      comparedRow(measured, {
        name: "budget: deposit, hot key",
        unit: "ns/call",
        of: "deposit",
        baseline: { name: "Map counter", of: "bare" }
      }),
      comparedRow(measured, {
        name: "budget: deposit + tryWithdraw (allowed), hot key",
        unit: "ns/call",
        of: "depositWithdraw",
        baseline: { name: "Map counter", of: "bare" }
      }),
      comparedRow(measured, {
        name: "budget: tryWithdraw (refused), hot key",
        unit: "ns/call",
        of: "refused",
        baseline: { name: "Map counter", of: "bare" }
      }),
      {
        name: `budget: garbage collections during ${gcCount.toLocaleString("en-US")} x (deposit + allowed tryWithdraw)`,
        figure: collections,
        unit: "GCs",
        target: { kind: "equals", value: 0 }
      }
    ]
    const perCaller = (storm: Storm) => (storm.requests / callers).toFixed(2)
    return {
      rows,
      notes: [
        `Amplification: a \`node:http\` server on 127.0.0.1 answers 503 for ${outage} of real time, then 200. ${label} callers start at once, each making one call through \`Retry.connRetry(key, "get", { maxWait: "${MAX_WAIT}" })\`: its defaults (101 attempts, \`Backoff.exponential\`) but waits of 50 to 100 ms; with a budget, the default \`RetryBudget.layer()\` is provided beside the limiter and the notifier. The figure is the requests the server answered 503 (received during the outage) divided by the callers.`,
        `Target: with \`RetryBudget.layer()\` (20%, 10 per second, 10 s window) the retries in one window are at most 20% of the first attempts plus \`minPerSecond × window\` = 100, so at most 1 + 0.2 + 100 / ${label} = ${bound.toFixed(2)} requests per caller for an outage shorter than the window (Finagle's reserve is per window, not per second of outage).`,
        `Without a budget: ${unbudgeted.requests.toLocaleString("en-US")} requests in all (${perCaller(unbudgeted)} per caller), ${unbudgeted.succeeded.toLocaleString("en-US")} of ${label} callers succeeded once the server was back, in ${(unbudgeted.millis / 1000).toFixed(1)} s. With the default budget: ${budgeted.requests.toLocaleString("en-US")} requests (${perCaller(budgeted)} per caller), ${budgeted.refused.toLocaleString("en-US")} retries refused (status: ${status.deposits} deposits, ${status.withdrawals} withdrawals, ${status.refusedLastMinute} refused in the last minute), ${budgeted.succeeded.toLocaleString("en-US")} callers succeeded, in ${(budgeted.millis / 1000).toFixed(1)} s: the budget fails the callers fast instead of multiplying the load.`,
        `Healthy dependency: the same server answers 503 to ${HEALTHY_FAILURE_RATE * 100}% of the requests at random; ${label} callers make ${healthyCalls} calls each in a row through the budgeted loop (${healthy.requests.toLocaleString("en-US")} requests, ${healthy.succeeded.toLocaleString("en-US")} of ${(callers * healthyCalls).toLocaleString("en-US")} calls succeeded, in ${(healthy.millis / 1000).toFixed(1)} s; status at the end: ${healthyStatus.deposits} deposits, ${healthyStatus.withdrawals} withdrawals in the window).`,
        `Cost: ${n.toLocaleString("en-US")} calls in a row on one key of a budget built once (real Clock), per call; baseline: a bare \`Map\` lookup and counter increment. "Allowed" uses \`percent: 100\` so that every retry is allowed; "refused" uses \`percent: 0, minPerSecond: 0\` (each refusal also counts in \`Metrics.retriesRefused\`). The GC row counts garbage collections (PerformanceObserver) during ${gcCount.toLocaleString("en-US")} deposits each followed by an allowed \`tryWithdraw\` on a hot key, after a forced collection: 0 means that neither allocates.`,
        "Not measured here: the success path of `Retry.connRetry` with a budget layer provided (the combinators do not take the budget yet). The deposit it will add is the row above, about 10 ns, against about 260 to 370 ns for the success path of `Retry.retry` and `Retry.connRetry` in `bench/results.md`."
      ]
    }
  }
}
