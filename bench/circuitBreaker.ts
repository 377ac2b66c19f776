/**
 * Scenario: the circuit breaker. What a closed breaker costs a retry's success path (built once
 * and built per call), and how many requests an outage of a real HTTP server receives from 1,000
 * retrying callers with the breaker, with retries alone and with the retry budget alone.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { type Context, Effect, Fiber, Layer, Logger, LogLevel, Stream } from "effect"
import { AlertLimiter, CircuitBreaker, Notifier, Retry, RetryBudget } from "../src/index.js"
import { buildOnce, repeatInFiber } from "./fiber.js"
import { compare, comparedRow, type Row, type Scenario, type Target } from "./report.js"

const KEY = "bench-payments"

/** Issue 21: a closed breaker within 1.3x of the same retry without one. */
const closedBreaker: Target = { kind: "ratio", max: 1.3 }

/** A server on 127.0.0.1 answering 503 until `outageUntil` (epoch millis), then 200; it timestamps every request. */
const startServer = async () => {
  const state = { outageUntil: 0, arrivals: [] as Array<number> }
  const server = http.createServer((request, response) => {
    state.arrivals.push(Date.now())
    request.resume()
    response.statusCode = Date.now() < state.outageUntil ? 503 : 200
    response.end()
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()))
  const { port } = server.address() as AddressInfo
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY })
  const get: Effect.Effect<void, Error> = Effect.async((resume) => {
    const request = http.request({ host: "127.0.0.1", port, path: "/", agent }, (response) => {
      response.resume()
      response.on("end", () =>
        resume(
          response.statusCode === 200 ? Effect.void : Effect.fail(new Error(`HTTP ${response.statusCode}`))
        )
      )
    })
    request.on("error", (error) => resume(Effect.fail(error)))
    request.end()
  })
  const close = () =>
    new Promise<void>((resolve) => {
      agent.destroy()
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return { state, get, close }
}

type Mode = "retries" | "budget" | "breaker"

interface Outage {
  /** Requests the server received from the start of the outage to its end. */
  readonly duringOutage: number
  /** Requests sent after the circuit first opened, until the outage ended. */
  readonly afterOpen: number
  /** Probes let through (transitions into half-open) until the outage ended. */
  readonly probes: number
  /** Callers whose call succeeded in the end. */
  readonly succeeded: number
  /** Milliseconds from the end of the outage until the last caller's success. */
  readonly recoveryMillis: number
}

/**
 * `callers` concurrent callers, each making one call through `Retry.retry` (101 attempts, a
 * 100 ms cap on the backoff) as the outage starts: with retries alone, with the default retry
 * budget, or with the default breaker on every attempt. Logs are off: thousands of warnings would
 * measure the console.
 */
const outage = async (
  server: Awaited<ReturnType<typeof startServer>>,
  mode: Mode,
  callers: number,
  outageMillis: number
): Promise<Outage> => {
  const quiet = Logger.minimumLogLevel(LogLevel.None)
  const built = await buildOnce(
    Layer.mergeAll(
      AlertLimiter.layer(),
      Notifier.layerLog(),
      quiet,
      mode === "budget" ? RetryBudget.layer() : Layer.empty,
      CircuitBreaker.layer()
    ).pipe(Layer.provide(quiet))
  )
  const options = { name: "charge", context: KEY, maxAttempts: 101, maxWait: "100 millis" } as const
  const sent: Array<number> = []
  const request = Effect.zipRight(
    Effect.sync(() => sent.push(Date.now())),
    server.get
  )
  const call =
    mode === "breaker"
      ? request.pipe(Retry.retry({ ...options, breaker: true }))
      : request.pipe(Retry.retry(options))
  const transitions: Array<CircuitBreaker.Transition> = []
  const outcomes: Array<{ ok: boolean; at: number }> = []
  const tracked = Effect.gen(function* () {
    const watching = yield* Effect.fork(
      Stream.runForEach(CircuitBreaker.transitions, (t) => Effect.sync(() => transitions.push(t)))
    )
    yield* Effect.yieldNow()
    server.state.arrivals = []
    const start = Date.now()
    server.state.outageUntil = start + outageMillis
    yield* Effect.forEach(
      Array.from({ length: callers }),
      () =>
        Effect.flatMap(Effect.either(call), (result) =>
          Effect.sync(() => outcomes.push({ ok: result._tag === "Right", at: Date.now() }))
        ),
      { concurrency: "unbounded", discard: true }
    )
    yield* Fiber.interrupt(watching)
    return start
  })
  const start = await Effect.runPromise(
    Effect.provide(tracked, built.context).pipe(Logger.withMinimumLogLevel(LogLevel.None))
  )
  await built.close()
  const end = start + outageMillis
  const opened = transitions.find((t) => t.to === "open")?.at
  const succeededAt = outcomes.filter((o) => o.ok).map((o) => o.at)
  return {
    duringOutage: server.state.arrivals.filter((at) => at < end).length,
    afterOpen: opened === undefined ? 0 : sent.filter((at) => at > opened && at < end).length,
    probes: transitions.filter((t) => t.to === "half-open" && t.at < end).length,
    succeeded: succeededAt.length,
    recoveryMillis: succeededAt.length === 0 ? Number.NaN : Math.max(...succeededAt) - end
  }
}

export const scenario: Scenario = {
  id: "circuit-breaker",
  title: "Circuit breaker",
  run: async (settings) => {
    // (a) The success path through a closed circuit, against the same retry without a breaker.
    const n = settings.quick ? 1_000 : 10_000
    const services = await buildOnce(
      Layer.mergeAll(AlertLimiter.layer(), Notifier.layerLog(), CircuitBreaker.layer())
    )
    const bare = Effect.succeed(1)
    const retried = bare.pipe(Retry.retry({ name: "bench", context: KEY }))
    const guarded = bare.pipe(Retry.retry({ name: "bench", context: KEY, breaker: true }))
    const retryPerCall = (i: number) => Effect.succeed(i).pipe(Retry.retry({ name: "getUser", context: KEY }))
    const guardedPerCall = (i: number) =>
      Effect.succeed(i).pipe(Retry.retry({ name: "getUser", context: KEY, breaker: true }))
    type Services = typeof services.context extends Context.Context<infer S> ? S : never
    const inFiber = (name: string, make: (i: number) => Effect.Effect<number, unknown, Services>) => {
      const program = Effect.provide(repeatInFiber(n, make), services.context)
      return { name, ops: n, run: () => Effect.runPromise(Effect.orDie(program)) }
    }
    for (const self of [guarded, guardedPerCall(1)]) {
      const value = await Effect.runPromise(Effect.provide(self, services.context))
      if (value !== 1) throw new Error(`success path returned ${value}`)
    }
    const measured = await compare(
      [
        inFiber("retry", () => retried),
        inFiber("guarded", () => guarded),
        inFiber("retryPerCall", retryPerCall),
        inFiber("guardedPerCall", guardedPerCall)
      ],
      settings
    )
    await services.close()

    // (b) An outage: 1,000 callers, a server down for 10 s.
    const callers = settings.quick ? 100 : 1_000
    const outageMillis = settings.quick ? 2_000 : 10_000
    const server = await startServer()
    server.state.outageUntil = 0
    await outage(server, "retries", Math.min(callers, 100), 0) // warm-up: connections and code paths
    const retries = await outage(server, "retries", callers, outageMillis)
    const budget = await outage(server, "budget", callers, outageMillis)
    const breaker = await outage(server, "breaker", callers, outageMillis)
    await server.close()

    const label = `${callers.toLocaleString("en-US")} callers, ${outageMillis / 1000} s outage`
    const rows: Array<Row> = [
      comparedRow(measured, {
        name: "breaker: success through a closed circuit, Retry.retry built once",
        unit: "ns/op",
        of: "guarded",
        baseline: { name: "the same retry without a breaker", of: "retry" },
        target: closedBreaker
      }),
      comparedRow(measured, {
        name: "breaker: success through a closed circuit, Retry.retry built per call",
        unit: "ns/op",
        of: "guardedPerCall",
        baseline: { name: "the same retry without a breaker", of: "retryPerCall" },
        target: closedBreaker
      }),
      {
        name: `breaker: requests during the outage, retries alone (${label})`,
        figure: retries.duringOutage,
        unit: "requests"
      },
      {
        name: `breaker: requests during the outage, retry budget alone (${label})`,
        figure: budget.duringOutage,
        unit: "requests",
        baseline: { name: "retries alone", figure: retries.duringOutage }
      },
      {
        name: `breaker: requests during the outage, breaker on every attempt (${label})`,
        figure: breaker.duringOutage,
        unit: "requests",
        baseline: { name: "retries alone", figure: retries.duringOutage }
      },
      {
        name: "breaker: requests sent after the circuit opened that were not probes",
        figure: breaker.afterOpen - breaker.probes,
        unit: "requests",
        target: { kind: "equals", value: 0 }
      },
      { name: "breaker: probes during the outage", figure: breaker.probes, unit: "probes" },
      {
        name: "breaker: callers that succeeded in the end (of all)",
        figure: breaker.succeeded,
        unit: "callers",
        target: { kind: "equals", value: callers }
      },
      {
        name: "breaker: last caller's success after the outage ended",
        figure: breaker.recoveryMillis,
        unit: "ms",
        baseline: { name: "retries alone", figure: retries.recoveryMillis }
      }
    ]
    return {
      rows,
      notes: [
        `(a) ${n.toLocaleString("en-US")} runs in one fiber of \`Effect.succeed(i)\` retried with \`Retry.retry({ name, context })\`, with and without \`breaker: true\` (the default \`CircuitBreaker.layer()\` provided in both), built once and built at each call.`,
        `(b) ${label}: each caller makes one call, \`Retry.retry({ name, context, maxAttempts: 101, maxWait: "100 millis" })\`, against a server on 127.0.0.1 that answers 503 for the outage and 200 after it; the three rows run one after another on the same server. "Requests during the outage" are those the server received before it recovered. With the breaker (the defaults: 10 failures in a row open it; 5 s open, then 10 s), a request sent after the circuit opened is a probe or a bug; the callers wait for the circuit's retryAfter, so the last succeeds when the circuit closes after the outage, not as soon as it ends.`
      ]
    }
  }
}
