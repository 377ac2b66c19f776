/**
 * Replays the incident behind the original module: a billing dependency answers HTTP 500 to the
 * `spend_credits` calls, and every caller keeps retrying. Without rate limiting each caller would
 * send its own alert on reaching attempt 50; here one alert goes out per signature and the rest
 * are suppressed. Then the server recovers: the first success resolves each incident, once.
 *
 * Runs against a real HTTP server on 127.0.0.1 (ephemeral port), with the embedded defaults
 * (`Notifier.layerLog()`, `AlertLimiter.layer()`); with ALERT_DISCORD_WEBHOOK_URL or
 * ALERT_SLACK_WEBHOOK_URL set, the alerts go to that channel. `npm start` runs it.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Console, Data, Effect, Layer, Logger, LogLevel, Metric } from "effect"
import { AlertLimiter, Metrics, NotifierConfig, Retry } from "../src/index.js"

class HttpError extends Data.TaggedError("HttpError")<{
  readonly status: number
  readonly message: string
}> {}

const CALLERS = 8
const MAX_ATTEMPTS = 100
/** The server fails this many requests (about 60 per caller: all are past attempt 50), then recovers. */
const FAILING_REQUESTS = (CALLERS + 1) * 60

/** A billing server that fails its first requests, then recovers; it counts them. */
const startBillingServer = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly requests: () => number; readonly close: () => void }>(
    (resume) => {
      let requests = 0
      const server = createServer((request, response) => {
        requests++
        request.resume()
        if (requests <= FAILING_REQUESTS) {
          response.writeHead(500, { "content-type": "text/plain" }).end("500 Internal Server Error")
        } else {
          response.writeHead(200, { "content-type": "application/json" }).end('{"balance":90}')
        }
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(
          Effect.succeed({
            url: `http://127.0.0.1:${port}/spend_credits`,
            requests: () => requests,
            close: () => server.close()
          })
        )
      })
    }
  ),
  (server) => Effect.sync(server.close)
)

/** POSTs to the billing server; any non-2xx answer is a typed failure. */
const spendCredits = (url: string, user: number) =>
  Effect.tryPromise({
    try: (signal) => fetch(url, { method: "POST", body: JSON.stringify({ user, credits: 10 }), signal }),
    catch: (cause) => new HttpError({ status: 0, message: String(cause) })
  }).pipe(
    Effect.flatMap((response) =>
      response.ok
        ? Effect.succeed(response.status)
        : Effect.fail(
            new HttpError({
              status: response.status,
              message: `HTTP ${response.status}: Server error for url '${url}'`
            })
          )
    )
  )

/** A counter of the library's metrics, for the operation every caller shares. */
const alerts = (metric: typeof Metrics.alertsSent) =>
  Effect.map(Metric.value(Metric.tagged(metric, "operation", "spend_credits")), (state) => state.count)

const program = Effect.gen(function* () {
  const billing = yield* startBillingServer
  yield* Console.log(
    `billing server at ${billing.url}: answers 500 to its first ${FAILING_REQUESTS} requests, then recovers`
  )
  yield* Console.log(
    `${CALLERS} callers with Retry.retry and 1 with Retry.connRetry, up to ${MAX_ATTEMPTS} attempts each; alert at attempt 50`
  )
  yield* Console.log("(the retry warnings are hidden; alerts, resolutions and errors are shown)\n")

  const caller = (user: number) =>
    spendCredits(billing.url, user).pipe(
      Retry.retry({
        name: "spend_credits",
        context: "billing",
        maxAttempts: MAX_ATTEMPTS,
        maxWait: "40 millis"
      }),
      Effect.either
    )
  // One more caller goes through connRetry, as a connection to the billing service would.
  const connection = spendCredits(billing.url, 0).pipe(
    Retry.connRetry("billing", "spend_credits", { maxRetry: MAX_ATTEMPTS - 1, maxWait: "40 millis" }),
    Effect.either
  )
  yield* Effect.forkScoped(
    Effect.suspend(() => Console.log(`... ${billing.requests()} requests so far`)).pipe(
      Effect.delay("500 millis"),
      Effect.forever
    )
  )
  const results = yield* Effect.all(
    [...Array.from({ length: CALLERS }, (_, i) => caller(i + 1)), connection],
    {
      concurrency: "unbounded"
    }
  )

  const succeeded = results.filter((result) => result._tag === "Right").length
  const counts = yield* Effect.all({
    fired: alerts(Metrics.alertsSent),
    failed: alerts(Metrics.alertsFailed),
    suppressed: alerts(Metrics.alertsSuppressed),
    resolved: alerts(Metrics.incidentsResolved)
  })
  yield* Console.log(
    [
      "",
      "summary",
      `  calls:              ${results.length} (${succeeded} succeeded once the server recovered)`,
      `  attempts:           ${billing.requests()} requests to the billing server (${FAILING_REQUESTS} failed)`,
      `  alerts fired:       ${counts.fired}${counts.failed > 0 ? ` (${counts.failed} of them not delivered, logged)` : ""}`,
      `  alerts suppressed:  ${counts.suppressed}`,
      `  incidents resolved: ${counts.resolved}`
    ].join("\n")
  )
}).pipe(Effect.scoped)

// Alerts go to the log, or to Discord and/or Slack when ALERT_DISCORD_WEBHOOK_URL or
// ALERT_SLACK_WEBHOOK_URL is set. The limiter is the embedded in-memory default.
const Alerts = Layer.mergeAll(AlertLimiter.layer(), NotifierConfig.layer())

// Hundreds of retry warnings would bury the alerts: the demo's logger drops warnings.
const withoutWarnings = Logger.replace(
  Logger.defaultLogger,
  Logger.make((options) => {
    if (options.logLevel !== LogLevel.Warning) Logger.defaultLogger.log(options)
  })
)

program.pipe(Effect.provide(Layer.mergeAll(Alerts, withoutWarnings)), Effect.runPromise).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
