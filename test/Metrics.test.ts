import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Metric, Ref } from "effect"
import { Alert, AlertLimiter, Metrics, Notifier, NotifierTest, Retry } from "../src/index.js"
import { runPastBackoff } from "./support/clock.js"
import { failureOf } from "./support/exits.js"
import { services } from "./support/services.js"
import { makeSpanRecorder } from "./support/spans.js"

// Metrics are process-wide, so every test uses operation names of its own.
const countOf = (metric: typeof Metrics.retries, operation: string) =>
  Effect.map(Metric.value(Metric.tagged(metric, "operation", operation)), (state) => state.count)

const failing = (failures: number) =>
  Effect.map(Ref.make(0), (calls) =>
    Ref.updateAndGet(calls, (n) => n + 1).pipe(
      Effect.flatMap((n) => (n <= failures ? Effect.fail(new Error("down")) : Effect.succeed(n)))
    )
  )

describe("metrics", () => {
  it.effect("count retries and give-ups by operation", () =>
    Effect.gen(function* () {
      yield* runPastBackoff((yield* failing(3)).pipe(Retry.retry({ name: "metrics-recovers" })))
      expect(yield* countOf(Metrics.retries, "metrics-recovers")).toBe(3)
      expect(yield* countOf(Metrics.giveUps, "metrics-recovers")).toBe(0)

      yield* runPastBackoff(
        (yield* failing(99)).pipe(Retry.retry({ name: "metrics-gives-up", maxAttempts: 4 }))
      )
      expect(yield* countOf(Metrics.retries, "metrics-gives-up")).toBe(3)
      expect(yield* countOf(Metrics.giveUps, "metrics-gives-up")).toBe(1)

      yield* runPastBackoff((yield* failing(99)).pipe(Retry.connRetry("db", "metrics-conn", { maxRetry: 2 })))
      expect(yield* countOf(Metrics.giveUps, "metrics-conn")).toBe(1)
    }).pipe(Effect.provide(services()))
  )

  it.effect("count alerts sent, suppressed, held back and failed by operation", () =>
    Effect.gen(function* () {
      const error = new Error("HTTP 500")
      yield* Alert.sendRateLimited({ name: "metrics-alerts", error, context: "", message: "text" })
      yield* Alert.sendRateLimited({ name: "metrics-alerts", error, context: "", message: "text" })
      yield* Alert.sendRateLimited({ name: "metrics-alerts", error, context: "", message: "text" })
      yield* Alert.sendRateLimited({
        name: "metrics-alerts",
        error: new Error("other"),
        context: "",
        message: "text"
      }) // over the ceiling of 1
      yield* NotifierTest.flush // the first is delivered before the notifier starts failing
      yield* NotifierTest.setFailure(Cause.fail(new Notifier.NotifierError({ message: "down" })))
      yield* Effect.provide(
        Alert.sendRateLimited({
          name: "metrics-alerts",
          error: new Error("third"),
          context: "",
          message: "text"
        }),
        AlertLimiter.layer()
      )
      yield* NotifierTest.flush
      // Sent: handed to the notifier (the second one then fails to deliver, counted as failed).
      expect(yield* countOf(Metrics.alertsSent, "metrics-alerts")).toBe(2)
      expect(yield* countOf(Metrics.alertsSuppressed, "metrics-alerts")).toBe(2)
      expect(yield* countOf(Metrics.alertsHeldBack, "metrics-alerts")).toBe(1)
      expect(yield* countOf(Metrics.alertsFailed, "metrics-alerts")).toBe(1)
    }).pipe(Effect.provide(services({ limiter: { ceiling: 1 } })))
  )

  it.effect("gauge the limiter's size", () =>
    Effect.gen(function* () {
      for (let i = 0; i < 7; i++) yield* AlertLimiter.shouldSendAlert("gauge", new Error(`e${i}`))
      expect((yield* Metric.value(Metrics.limiterEntries)).value).toBe(5)
      yield* AlertLimiter.shouldSendAlert("gauge", new Error("e0"))
      expect((yield* Metric.value(Metrics.limiterEntries)).value).toBe(5)
    }).pipe(Effect.provide(AlertLimiter.layer({ maxEntries: 5 })))
  )
})

describe("spans", () => {
  it.effect("a retried operation runs in a span with its attempt count and outcome", () =>
    Effect.gen(function* () {
      const recorder = yield* makeSpanRecorder
      yield* Effect.gen(function* () {
        yield* runPastBackoff((yield* failing(2)).pipe(Retry.retry({ name: "charge" })))
        const exit = yield* runPastBackoff(
          (yield* failing(99)).pipe(Retry.retry({ name: "refund", maxAttempts: 3 }))
        )
        expect(exit).toStrictEqual(Exit.fail(new Error("down")))
      }).pipe(Effect.withTracer(recorder.tracer))

      const retrySpans = recorder.spans().filter((span) => span.name.startsWith("retry "))
      expect(retrySpans.map((span) => [span.name, Object.fromEntries(span.attributes)])).toMatchObject([
        ["retry charge", { "retry.operation": "charge", "retry.attempts": 3, "retry.outcome": "success" }],
        ["retry refund", { "retry.operation": "refund", "retry.attempts": 3, "retry.outcome": "failure" }]
      ])
      expect(retrySpans.every((span) => span.status._tag === "Ended")).toBe(true)
    }).pipe(Effect.provide(services()))
  )

  it.effect("an operation that succeeds at once opens no span: the success path stays bare", () =>
    Effect.gen(function* () {
      const recorder = yield* makeSpanRecorder
      yield* Effect.succeed(1).pipe(Retry.retry({ name: "fast" }), Effect.withTracer(recorder.tracer))
      expect(recorder.spans()).toEqual([])
    }).pipe(Effect.provide(services()))
  )

  it.effect("the error that comes out of the span is the very object the operation failed with", () =>
    Effect.gen(function* () {
      const recorder = yield* makeSpanRecorder
      const error = new Error("down")
      const exit = yield* runPastBackoff(
        Effect.fail(error).pipe(Retry.retry({ name: "same", maxAttempts: 2 }))
      ).pipe(Effect.withTracer(recorder.tracer))
      expect(recorder.spans().map((span) => span.name)).toEqual(["retry same"])
      expect(failureOf(exit)).toBe(error)
    }).pipe(Effect.provide(services()))
  )
})
