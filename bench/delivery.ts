/**
 * Scenario 9: delivery off the caller's path (issue 18). Alerts handed to `DiscordNotifier.layer`
 * whose webhook (a `node:http` server on 127.0.0.1) accepts and never answers: the heap they hold
 * after a collection, and the sockets open to the webhook. Also, on the real clock, what a caller
 * pays: a retry loop that alerts to that webhook, and a success that resolves 40 incidents whose
 * deliveries take 300 ms each.
 *
 * The measurement runs in a child process started with `--expose-gc`, as `memory.ts` does:
 * `node --expose-gc --import tsx bench/delivery.ts --count=2000` prints one JSON line.
 */
import { execFile } from "node:child_process"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { FetchHttpClient } from "@effect/platform"
import { Context, Effect, Exit, Layer, Logger, LogLevel, Metric, Redacted, Schedule, Scope } from "effect"
import { Alert, AlertLimiter, DiscordNotifier, Incidents, Metrics, Notifier, Retry } from "../src/index.js"
import type { Scenario } from "./report.js"

const MB = 1024 * 1024
const TARGET_MB = 40
const LOOP_TARGET_MS = 500
const RESOLVE_TARGET_MS = 50
const INCIDENTS = 40
const SLOW_ANSWER_MS = 300

interface Measurement {
  readonly count: number
  readonly concurrency: number
  /** Heap after collections, all alerts pending, minus before handing them over. */
  readonly heapGrowthBytes: number
  /** Sockets open to the webhook, counted by the server, with every alert pending. */
  readonly sockets: number
  /** Connections the webhook accepted in all. */
  readonly connections: number
  /** Requests the webhook received (each holds one delivery). */
  readonly requests: number
  /** Alerts dropped by the full queue (`Metrics.alertsDropped`). */
  readonly dropped: number
  /** Real time to hand all the alerts over, in one fiber. */
  readonly handOverMillis: number
  /** Real time of a 4-attempt retry loop, 10 ms apart, alerting at attempt 2 to the hanging webhook. */
  readonly loopMillis: number
  /** Real time of the first-attempt success that resolved {@link INCIDENTS} incidents. */
  readonly resolveMillis: number
  /** Resolved events the slow webhook received once the layer was released. */
  readonly resolvedDelivered: number
}

const heapAfterGc = (gc: () => void): number => {
  // Several passes: a single one may leave garbage that a finalizer or weak reference releases.
  for (let i = 0; i < 4; i++) gc()
  return process.memoryUsage().heapUsed
}

/**
 * A webhook on 127.0.0.1: `hang` holds every request open; otherwise it answers 204 after
 * `delayMillis`. Counts connections and requests; `awaitRequests(n)` resolves once n arrived.
 */
const startWebhook = async () => {
  let hang = true
  let delayMillis = 0
  let requests = 0
  let accepted = 0
  let open = 0
  const waiters: Array<{ count: number; resolve: () => void }> = []
  const server = http.createServer((request, response) => {
    request.resume()
    request.on("end", () => {
      requests++
      for (const waiter of waiters.filter((each) => requests >= each.count)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve()
      }
      if (hang) return
      setTimeout(() => response.writeHead(204).end(), delayMillis)
    })
  })
  server.on("connection", (socket) => {
    accepted++
    open++
    socket.once("close", () => open--)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    webhookUrl: Redacted.make(`http://127.0.0.1:${port}/api/webhooks/123456789/bench-token-0123456789`),
    answer: (millis: number) => {
      hang = false
      delayMillis = millis
    },
    counts: () => ({ requests, accepted, open }),
    awaitRequests: (count: number) =>
      requests >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ count, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}

// The retry loops log warnings, the queues what they could not deliver: not the console's job
// here. A queue logs a failed delivery with the caller's loggers and level, and its release with
// those of the fiber that built it: both run under this.
const quiet = Logger.minimumLogLevel(LogLevel.None)

/** Runs `self` with logging off. */
const run = <A, E>(self: Effect.Effect<A, E>) => Effect.runPromise(Effect.provide(self, quiet))

/** Builds a layer in a scope of its own; `close` releases it (a queued notifier drains then). */
const build = async <ROut>(layer: Layer.Layer<ROut>) => {
  const scope = Effect.runSync(Scope.make())
  const context = await run(Layer.buildWithScope(layer, scope))
  return { context, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

/** A firing event as the alert path makes it for a retry loop at its threshold: distinct per `i`. */
const firingEvent = (i: number): Alert.AlertEvent => {
  const error = new Error(`HTTP 503 from inventory, request ${i}`)
  const text = Alert.criticalRetryMessage({ name: "reserve", attempt: 50, error, context: "warehouse" })
  return {
    _tag: "Firing",
    severity: "critical",
    title: `🚨 CRITICAL: operation "reserve" is failing repeatedly (${i})`,
    text,
    operation: "reserve",
    context: "warehouse",
    signature: `warehouse:reserve:Error:HTTP 503 from inventory, request ${i}`,
    dedupKey: `warehouse/reserve/${i.toString(16).padStart(14, "0")}`,
    attempt: 50,
    error: { type: "Error", message: error.message },
    suppressed: 0,
    heldBack: 0,
    startedAt: Date.now(),
    at: Date.now(),
    channel: undefined
  }
}

const droppedCount = Effect.map(
  Metric.value(Metric.tagged(Metrics.alertsDropped, "operation", "reserve")),
  (state) => state.count
)

/** 2,000 alerts (or `count`) pending on a hanging webhook: heap growth and sockets. */
const pendingAlerts = async (gc: () => void, count: number) => {
  const webhook = await startWebhook()
  const concurrency = Notifier.DEFAULT_CONCURRENCY
  // Room for every alert: all `count` are pending, none dropped (the default capacity, 1,000,
  // would drop the rest and hold less).
  const notifier = await build(
    DiscordNotifier.layer({
      webhookUrl: webhook.webhookUrl,
      queueCapacity: Math.max(count, Notifier.DEFAULT_QUEUE_CAPACITY),
      drainTimeout: "100 millis"
    }).pipe(Layer.provide(FetchHttpClient.layer))
  )
  const service = Context.get(notifier.context, Notifier.Notifier)

  // Warm-up: the HTTP client's first request loads and sets up what every later one shares.
  await run(service.notify(firingEvent(-1)))
  await webhook.awaitRequests(1)
  const droppedBefore = await run(droppedCount)
  const before = heapAfterGc(gc)

  const start = performance.now()
  await run(
    Effect.forEach(
      Array.from({ length: count }, (_, i) => i),
      (i) => service.notify(firingEvent(i)),
      { discard: true }
    )
  )
  const handOverMillis = performance.now() - start
  // Every delivery fiber holds a request; the warm-up's is one of them.
  await webhook.awaitRequests(concurrency)
  const after = heapAfterGc(gc)
  const counts = webhook.counts()
  const dropped = (await run(droppedCount)) - droppedBefore

  await notifier.close()
  await webhook.close()
  return {
    count,
    concurrency,
    heapGrowthBytes: after - before,
    sockets: counts.open,
    connections: counts.accepted,
    requests: counts.requests,
    dropped,
    handOverMillis
  }
}

/** A 4-attempt loop, 10 ms apart, alerting at attempt 2 to a hanging webhook: the caller's time. */
const loopToHangingWebhook = async () => {
  const webhook = await startWebhook()
  const services = await build(
    Layer.mergeAll(
      DiscordNotifier.layer({ webhookUrl: webhook.webhookUrl, drainTimeout: "100 millis" }).pipe(
        Layer.provide(FetchHttpClient.layer)
      ),
      AlertLimiter.layer()
    )
  )
  const loop = Effect.fail(new Error("HTTP 503 from inventory")).pipe(
    Retry.retry({
      name: "reserve",
      maxAttempts: 4,
      schedule: Schedule.spaced("10 millis"),
      alertAt: { attempts: 2 }
    }),
    Effect.exit
  )
  const start = performance.now()
  const exit = await run(Effect.provide(loop, services.context))
  const loopMillis = performance.now() - start
  if (Exit.isSuccess(exit)) throw new Error("the loop did not give up")
  await webhook.awaitRequests(1)
  await services.close()
  await webhook.close()
  return loopMillis
}

/** A first-attempt success resolving 40 incidents, each resolved delivery taking 300 ms. */
const successResolving = async () => {
  const webhook = await startWebhook()
  webhook.answer(0)
  const services = await build(
    Layer.mergeAll(
      DiscordNotifier.layer({ webhookUrl: webhook.webhookUrl }).pipe(Layer.provide(FetchHttpClient.layer)),
      // No channel ceiling: the 40 distinct alerts all fire.
      AlertLimiter.layer({ ceiling: 0 })
    )
  )
  const runWith = <A, E>(self: Effect.Effect<A, E, Retry.Requirements>) =>
    run(Effect.provide(self, services.context))
  await runWith(
    Effect.forEach(
      Array.from({ length: INCIDENTS }, (_, i) => i),
      (i) =>
        Alert.sendRateLimited({
          name: "restock",
          error: new Error(`shelf ${i} unreachable`),
          context: "warehouse",
          message: `Restock ${i}`
        }),
      { discard: true }
    )
  )
  if ((await runWith(Incidents.count)) !== INCIDENTS) throw new Error(`${INCIDENTS} incidents did not open`)
  await webhook.awaitRequests(INCIDENTS)
  webhook.answer(SLOW_ANSWER_MS)
  const success = Effect.succeed("restocked").pipe(Retry.retry({ name: "restock", context: "warehouse" }))
  const start = performance.now()
  await runWith(success)
  const resolveMillis = performance.now() - start
  if ((await runWith(Incidents.count)) !== 0) throw new Error("the success did not resolve the incidents")
  // Released with the default drainTimeout (5 s): every resolved event is delivered first.
  await services.close()
  const resolvedDelivered = webhook.counts().requests - INCIDENTS
  await webhook.close()
  return { resolveMillis, resolvedDelivered }
}

const measureInThisProcess = async (count: number): Promise<Measurement> => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error("run with node --expose-gc")
  const pending = await pendingAlerts(gc, count)
  const loopMillis = await loopToHangingWebhook()
  const resolved = await successResolving()
  return { ...pending, loopMillis, ...resolved }
}

const thisFile = fileURLToPath(import.meta.url)
const root = path.resolve(path.dirname(thisFile), "..")

const measureInChild = async (count: number): Promise<Measurement> => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--expose-gc", "--import", "tsx", thisFile, `--count=${count}`],
    { cwd: root, maxBuffer: 1024 * 1024 }
  )
  const last = stdout.trim().split("\n").at(-1) ?? ""
  return JSON.parse(last) as Measurement
}

const format = (n: number) => n.toLocaleString("en-US")

export const scenario: Scenario = {
  id: "delivery",
  title: "Delivery off the caller's path",
  // The same size in quick mode: 2,000 alerts take well under a second.
  run: async () => {
    const count = 2_000
    const result = await measureInChild(count)
    const label = format(count)
    return {
      rows: [
        {
          name: `delivery: heap growth, ${label} alerts pending on a hanging webhook`,
          figure: result.heapGrowthBytes / MB,
          unit: "MB",
          target: { kind: "atMost", max: TARGET_MB }
        },
        {
          name: `delivery: sockets open to a hanging webhook, ${label} alerts pending`,
          figure: result.sockets,
          unit: "sockets",
          target: { kind: "equals", value: result.concurrency }
        },
        {
          name: "delivery: retry loop, 4 attempts 10 ms apart, alerting to a hanging webhook",
          figure: result.loopMillis,
          unit: "ms",
          target: { kind: "atMost", max: LOOP_TARGET_MS }
        },
        {
          name: `delivery: success resolving ${INCIDENTS} incidents, deliveries taking ${SLOW_ANSWER_MS} ms each`,
          figure: result.resolveMillis,
          unit: "ms",
          target: { kind: "atMost", max: RESOLVE_TARGET_MS }
        }
      ],
      notes: [
        `A child process (\`node --expose-gc --import tsx bench/delivery.ts\`) starts a \`node:http\` webhook on 127.0.0.1 that accepts every request and never answers, and builds \`DiscordNotifier.layer\` for it (\`FetchHttpClient\`, concurrency ${result.concurrency}, \`queueCapacity\` ${label} so that every alert is pending and none dropped). After one warm-up alert, it reads \`heapUsed\` after forced collections, hands ${label} distinct firing events (each with a critical retry alert's text) to \`Notifier.notify\` in one fiber (${format(Math.round(result.handOverMillis))} ms in all), waits until the webhook holds ${result.concurrency} requests, and reads \`heapUsed\` again after collections. The webhook then had ${result.sockets} sockets open (${result.connections} accepted in all, ${result.requests} requests received); ${result.dropped} alerts were dropped. In 0.2.0, 10,000 such alerts held 961 MB (about 91 KB each) and 10,000 sockets.`,
        `Retry loop: \`Retry.retry({ name, maxAttempts: 4, schedule: Schedule.spaced("10 millis"), alertAt: { attempts: 2 } })\` on an effect that always fails, with \`AlertLimiter.layer()\` and \`DiscordNotifier.layer\` on the hanging webhook: the caller's time on the real clock, until it gives up (30 ms of waits; 10.1 s in 0.2.0, which delivered inside the loop).`,
        `Resolve: ${INCIDENTS} alerts with distinct errors open ${INCIDENTS} incidents of one operation (\`AlertLimiter.layer({ ceiling: 0 })\`, the webhook answering at once); then the webhook answers after ${SLOW_ANSWER_MS} ms, and the figure is the real time of \`Effect.succeed(...).pipe(Retry.retry({ name, context }))\`, whose first-attempt success resolves them all. Releasing the layer afterwards delivered ${result.resolvedDelivered} resolved events.`
      ]
    }
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === thisFile) {
  const count = Number(process.argv.find((arg) => arg.startsWith("--count="))?.slice("--count=".length))
  if (!Number.isInteger(count) || count < 1) throw new Error("usage: delivery.ts --count=N")
  process.stdout.write(`${JSON.stringify(await measureInThisProcess(count))}\n`)
}
