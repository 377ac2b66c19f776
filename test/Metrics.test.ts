import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Metric, Option, Ref, Schedule } from "effect"
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
      expect(retrySpans.map((span) => [span.name, Object.fromEntries(span.attributes)])).toEqual([
        ["retry charge", { "retry.operation": "charge", "retry.attempts": 3, "retry.outcome": "success" }],
        [
          "retry refund",
          {
            "retry.operation": "refund",
            "retry.attempts": 3,
            "retry.outcome": "failure",
            "error.type": "Error"
          }
        ]
      ])
      expect(retrySpans.every((span) => span.status._tag === "Ended")).toBe(true)
    }).pipe(Effect.provide(services()))
  )

  it.effect("every attempt runs inside the span, the first included, with an event per failed attempt", () =>
    Effect.gen(function* () {
      const recorder = yield* makeSpanRecorder
      let calls = 0
      const attempt = Effect.suspend(() =>
        ++calls < 3 ? Effect.fail(new Error("down")) : Effect.succeed(calls)
      ).pipe(Effect.withSpan("attempt"))
      yield* runPastBackoff(
        attempt.pipe(
          Retry.retry({ name: "spaced", schedule: Schedule.spaced("2 seconds") }),
          Effect.withTracer(recorder.tracer)
        )
      )
      const [retry, ...attempts] = recorder.spans()
      expect(retry?.name).toBe("retry spaced")
      expect(attempts.map((span) => span.name)).toEqual(["attempt", "attempt", "attempt"])
      for (const span of attempts) expect(Option.getOrUndefined(span.parent)).toBe(retry)
      // At the failure's time on the TestClock: 0 s, then 2 s. (Effect adds each log line as an
      // event too: the retry warnings.)
      const failed = recorder.events(retry!).filter((event) => event.name === "retry.attempt_failed")
      expect(failed).toEqual([
        {
          name: "retry.attempt_failed",
          time: BigInt(0),
          attributes: {
            "retry.attempt": 1,
            "error.type": "Error",
            "error.message": "down",
            "retry.delay_ms": 2000
          }
        },
        {
          name: "retry.attempt_failed",
          time: BigInt(2_000_000_000),
          attributes: {
            "retry.attempt": 2,
            "error.type": "Error",
            "error.message": "down",
            "retry.delay_ms": 2000
          }
        }
      ])
      expect(Object.fromEntries(retry!.attributes)).toMatchObject({
        "retry.attempts": 3,
        "retry.outcome": "success"
      })
    }).pipe(Effect.provide(services()))
  )

  it.effect("the last failed attempt's event says why no attempt follows", () =>
    Effect.gen(function* () {
      const recorder = yield* makeSpanRecorder
      const exit = yield* runPastBackoff(
        Effect.fail({ _tag: "HttpError", status: 400 }).pipe(
          Retry.retry({ name: "not-retried", while: (error) => error.status >= 500 }),
          Effect.withTracer(recorder.tracer)
        )
      )
      expect(failureOf(exit)).toEqual({ _tag: "HttpError", status: 400 })
      const [retry] = recorder.spans()
      const failed = recorder.events(retry!).filter((event) => event.name === "retry.attempt_failed")
      expect(failed.map((event) => event.attributes)).toEqual([
        {
          "retry.attempt": 1,
          "error.type": "HttpError",
          "error.message": "status=400",
          "retry.stop": "not-retryable"
        }
      ])
      expect(Object.fromEntries(retry!.attributes)).toMatchObject({
        "retry.attempts": 1,
        "retry.outcome": "failure",
        "error.type": "HttpError"
      })
    }).pipe(Effect.provide(services()))
  )

  it.effect("an operation that succeeds at once runs in its span too, with one attempt and no event", () =>
    Effect.gen(function* () {
      const recorder = yield* makeSpanRecorder
      const parent = yield* Effect.succeed(1).pipe(
        Effect.zipRight(Effect.currentSpan),
        Retry.retry({ name: "fast" }),
        Effect.withTracer(recorder.tracer)
      )
      const [retry] = recorder.spans()
      expect(parent).toBe(retry)
      expect(retry?.name).toBe("retry fast")
      expect(Object.fromEntries(retry!.attributes)).toEqual({
        "retry.operation": "fast",
        "retry.attempts": 1,
        "retry.outcome": "success"
      })
      expect(recorder.events(retry!)).toEqual([])
    }).pipe(Effect.provide(services()))
  )

  it.effect("under Effect's built-in tracer no span is opened: the success path stays bare", () =>
    Effect.gen(function* () {
      const inside = Effect.option(Effect.currentSpan)
      expect(yield* inside.pipe(Retry.retry({ name: "untraced" }))).toEqual(Option.none())
      expect(yield* inside.pipe(Retry.connRetry("db", "untraced"))).toEqual(Option.none())
      // The same effect under a tracer that records: the retry's span is the current one.
      const recorder = yield* makeSpanRecorder
      const traced = yield* inside.pipe(Retry.retry({ name: "untraced" }), Effect.withTracer(recorder.tracer))
      expect(Option.map(traced, (span) => span.name)).toEqual(Option.some("retry untraced"))
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
      // A first attempt that fails and is not retried comes out unwrapped too.
      const once = yield* Effect.exit(
        Effect.fail(error).pipe(Retry.retry({ name: "same", while: () => false }))
      ).pipe(Effect.withTracer(recorder.tracer))
      expect(failureOf(once)).toBe(error)
    }).pipe(Effect.provide(services()))
  )
})
