/**
 * Replays the incident behind the original module: a billing dependency answers HTTP 500 to every
 * `spend_credits` call, and every caller keeps retrying. Without rate limiting each caller would
 * send its own alert on reaching attempt 50; here one alert goes out and the rest are suppressed.
 *
 * Runs against a real HTTP server on 127.0.0.1 (ephemeral port), with the embedded defaults
 * (`Notifier.layerLog`, `AlertLimiter.layer`); with ALERT_DISCORD_WEBHOOK_URL or
 * ALERT_SLACK_WEBHOOK_URL set, the alerts go to that channel. `npm start` runs it.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Console, Data, Effect, Layer, Logger, LogLevel, Metric } from "effect"
import { AlertLimiter, Metrics, Notifier, Retry } from "../src/index.js"

class HttpError extends Data.TaggedError("HttpError")<{
  readonly status: number
  readonly message: string
}> {}

const CALLERS = 8
const MAX_ATTEMPTS = 60

/** A billing server that fails every request, and counts them. */
const startBillingServer = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly requests: () => number; readonly close: () => void }>(
    (resume) => {
      let requests = 0
      const server = createServer((request, response) => {
        requests++
        request.resume()
        response.writeHead(500, { "content-type": "text/plain" }).end("500 Internal Server Error")
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

/** An alert counter of the library's metrics, for the operation the callers share. */
const alerts = (metric: typeof Metrics.alertsSent) =>
  Effect.map(Metric.value(Metric.tagged(metric, "operation", "spend_credits")), (state) => state.count)

const program = Effect.gen(function* () {
  const billing = yield* startBillingServer
  yield* Console.log(`billing server answering 500 at ${billing.url}`)
  yield* Console.log(
    `${CALLERS} callers with Retry.retry and 1 with Retry.connRetry, up to ${MAX_ATTEMPTS} attempts each; alert at attempt 50`
  )
  yield* Console.log("(log level Error: retry warnings are hidden, alerts and give-ups are shown)\n")

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

  const gaveUp = results.filter((result) => result._tag === "Left").length
  const delivered = yield* alerts(Metrics.alertsSent)
  const failed = yield* alerts(Metrics.alertsFailed)
  const suppressed = yield* alerts(Metrics.alertsSuppressed)
  yield* Console.log(
    [
      "",
      "summary",
      `  calls:             ${results.length} (${gaveUp} gave up after ${MAX_ATTEMPTS} attempts)`,
      `  attempts:          ${billing.requests()} requests to the billing server`,
      `  alerts delivered:  ${delivered}${failed > 0 ? ` (and ${failed} the notifier failed to deliver, logged)` : ""}`,
      `  alerts suppressed: ${suppressed}`
    ].join("\n")
  )
}).pipe(Effect.scoped)

// Alerts go to the log, or to Discord and/or Slack when ALERT_DISCORD_WEBHOOK_URL or
// ALERT_SLACK_WEBHOOK_URL is set. The limiter is the embedded in-memory default.
const Alerts = Layer.mergeAll(AlertLimiter.layer, Notifier.layerConfig)

program
  .pipe(Effect.provide(Layer.mergeAll(Alerts, Logger.minimumLogLevel(LogLevel.Error))), Effect.runPromise)
  .catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
