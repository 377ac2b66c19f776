/**
 * The spans of a retry under `@effect/opentelemetry` (`NodeSdk.layer`), read back through the
 * OpenTelemetry SDK's in-memory span exporter: names, parents, events, attributes and status.
 * Time is the TestClock's.
 */
import { describe, expect, it } from "@effect/vitest"
import { SpanStatusCode } from "@opentelemetry/api"
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base"
import { Data, Effect, Exit, Layer, Schedule } from "effect"
import { AlertLimiter, NotifierTest, Retry, RetryRuntime } from "../src/index.js"
import { runPastBackoff } from "./support/clock.js"
import { failureOf } from "./support/exits.js"
import { exporting, openTelemetry } from "./support/openTelemetry.js"

class HttpError extends Data.TaggedError("HttpError")<{
  readonly status: number
  readonly message: string
}> {}

const PASSWORD = "Hunter2-Pa55w0rd"
const failure = (status: number) =>
  new HttpError({ status, message: `${status} from https://billing:${PASSWORD}@billing.example.net/charge` })
const SCRUBBED = "from https://[REDACTED]@billing.example.net/charge"

const named = (spans: ReadonlyArray<ReadableSpan>, name: string): Array<ReadableSpan> =>
  spans.filter((span) => span.name === name)

const only = (spans: ReadonlyArray<ReadableSpan>, name: string): ReadableSpan => {
  const found = named(spans, name)
  expect(found, name).toHaveLength(1)
  return found[0]!
}

const failedAttempts = (span: ReadableSpan) =>
  span.events.filter((event) => event.name === "retry.attempt_failed")

/** Every event, attribute and status of `spans` as one string, for "is the secret anywhere". */
const everything = (spans: ReadonlyArray<ReadableSpan>): string =>
  JSON.stringify(spans.map((span) => [span.name, span.attributes, span.events, span.status]))

describe("under @effect/opentelemetry: spans", () => {
  it.effect(
    "one span retry {name} holds every attempt, the first included, with an event per failed one",
    () =>
      Effect.gen(function* () {
        const otel = openTelemetry()
        let calls = 0
        const attempt = Effect.suspend(() =>
          ++calls < 3 ? Effect.fail(failure(503)) : Effect.succeed("receipt")
        ).pipe(Effect.withSpan("POST /charge", { kind: "client" }))
        const [result, exported] = yield* exporting(
          otel,
          runPastBackoff(
            attempt.pipe(
              Retry.retry({ name: "otel-charge", schedule: Schedule.spaced("2 seconds") }),
              Effect.withSpan("checkout")
            )
          )
        )
        expect(result).toEqual(Exit.succeed("receipt"))

        const checkout = only(exported, "checkout")
        const retry = only(exported, "retry otel-charge")
        const attempts = named(exported, "POST /charge")
        expect(attempts).toHaveLength(3)
        // checkout > retry otel-charge > every attempt, in one trace.
        expect(retry.parentSpanContext?.spanId).toBe(checkout.spanContext().spanId)
        for (const each of attempts) {
          expect(each.parentSpanContext?.spanId).toBe(retry.spanContext().spanId)
          expect(each.spanContext().traceId).toBe(checkout.spanContext().traceId)
        }
        expect(attempts.map((each) => each.status.code)).toEqual([
          SpanStatusCode.ERROR,
          SpanStatusCode.ERROR,
          SpanStatusCode.OK
        ])

        expect(retry.attributes).toEqual({
          "retry.operation": "otel-charge",
          "retry.attempts": 3,
          "retry.outcome": "success"
        })
        expect(retry.status).toEqual({ code: SpanStatusCode.OK })
        // Timed at each failure on the TestClock: 0 s, then 2 s.
        expect(failedAttempts(retry).map((event) => [event.time, event.attributes])).toEqual([
          [
            [0, 0],
            {
              "retry.attempt": 1,
              "error.type": "HttpError",
              "error.message": `503 ${SCRUBBED}`,
              "retry.delay_ms": 2000
            }
          ],
          [
            [2, 0],
            {
              "retry.attempt": 2,
              "error.type": "HttpError",
              "error.message": `503 ${SCRUBBED}`,
              "retry.delay_ms": 2000
            }
          ]
        ])
        // The retry span holds no secret (the attempts' own spans are the caller's, with its error).
        expect(everything([retry])).not.toContain(PASSWORD)
      })
  )

  it.effect(
    "a give-up: the span's status is the scrubbed error, and the caller gets the very error object",
    () =>
      Effect.gen(function* () {
        const otel = openTelemetry()
        const error = failure(503)
        const [exit, exported] = yield* exporting(
          otel,
          runPastBackoff(Effect.fail(error).pipe(Retry.retry({ name: "otel-refund", maxAttempts: 2 })))
        )
        expect(failureOf(exit)).toBe(error)

        const retry = only(exported, "retry otel-refund")
        expect(retry.parentSpanContext).toBeUndefined()
        expect(retry.attributes).toEqual({
          "retry.operation": "otel-refund",
          "retry.attempts": 2,
          "retry.outcome": "failure",
          "error.type": "HttpError"
        })
        expect(retry.status).toEqual({ code: SpanStatusCode.ERROR, message: `HttpError: 503 ${SCRUBBED}` })
        expect(failedAttempts(retry).map((event) => event.attributes)).toEqual([
          {
            "retry.attempt": 1,
            "error.type": "HttpError",
            "error.message": `503 ${SCRUBBED}`,
            "retry.delay_ms": expect.any(Number)
          },
          {
            "retry.attempt": 2,
            "error.type": "HttpError",
            "error.message": `503 ${SCRUBBED}`,
            "retry.stop": "attempts"
          }
        ])
        // The exception OpenTelemetry records at the end is the scrubbed failure.
        const exception = retry.events.find((event) => event.name === "exception")
        expect(exception?.attributes).toMatchObject({
          "exception.type": "RetryFailure",
          "exception.message": `HttpError: 503 ${SCRUBBED}`
        })
        expect(everything(exported)).not.toContain(PASSWORD)
      })
  )

  it.effect("a call that succeeds at once: one span, one attempt, no event", () =>
    Effect.gen(function* () {
      const otel = openTelemetry()
      const [, exported] = yield* exporting(
        otel,
        Effect.succeed(1).pipe(Effect.withSpan("GET /user"), Retry.retry({ name: "otel-fast" }))
      )
      const retry = only(exported, "retry otel-fast")
      expect(only(exported, "GET /user").parentSpanContext?.spanId).toBe(retry.spanContext().spanId)
      expect(retry.attributes).toEqual({
        "retry.operation": "otel-fast",
        "retry.attempts": 1,
        "retry.outcome": "success"
      })
      expect(retry.events).toEqual([])
    })
  )

  it.effect("connRetry and continuous: the same span, every attempt inside", () =>
    Effect.gen(function* () {
      const otel = openTelemetry()
      const failingTwice = () => {
        let calls = 0
        return Effect.suspend(() => (++calls < 3 ? Effect.fail(failure(503)) : Effect.succeed(calls))).pipe(
          Effect.withSpan("attempt")
        )
      }
      const [, exported] = yield* exporting(
        otel,
        Effect.gen(function* () {
          yield* runPastBackoff(failingTwice().pipe(Retry.connRetry("db", "otel-connect")))
          yield* runPastBackoff(
            failingTwice().pipe(Retry.continuous({ name: "otel-worker", retryDelay: "1 second" }))
          )
        })
      )
      for (const name of ["retry otel-connect", "retry otel-worker"]) {
        const retry = only(exported, name)
        const inside = exported.filter(
          (span) => span.parentSpanContext?.spanId === retry.spanContext().spanId
        )
        expect(inside.map((span) => span.name)).toEqual(["attempt", "attempt", "attempt"])
        expect(retry.attributes).toMatchObject({ "retry.attempts": 3, "retry.outcome": "success" })
        expect(failedAttempts(retry).map((event) => event.attributes?.["retry.attempt"])).toEqual([1, 2])
      }
    })
  )

  it.effect(
    "RetryRuntime: the first attempt runs outside Effect; the span opens at its failure and counts it",
    () =>
      Effect.gen(function* () {
        const otel = openTelemetry()
        const retries = RetryRuntime.create(
          Layer.mergeAll(otel.layer, AlertLimiter.layer(), NotifierTest.layer())
        )
        let calls = 0
        const load = async () => {
          if (++calls < 2) throw failure(503)
          return "loaded"
        }
        // No wait between attempts: the runtime runs on the real clock.
        const retried = retries.retry(load, { name: "otel-runtime", schedule: Schedule.recurs(3) })
        expect(yield* Effect.promise(() => retried())).toBe("loaded")
        // Read before the runtime's release shuts the SDK down.
        const exported = otel.spans.getFinishedSpans()
        yield* Effect.promise(() => retries.dispose())
        const retry = only(exported, "retry otel-runtime")
        expect(retry.attributes).toEqual({
          "retry.operation": "otel-runtime",
          "retry.attempts": 2,
          "retry.outcome": "success"
        })
        expect(failedAttempts(retry).map((event) => event.attributes)).toEqual([
          {
            "retry.attempt": 1,
            "error.type": "HttpError",
            "error.message": `503 ${SCRUBBED}`,
            "retry.delay_ms": 0
          }
        ])
      })
  )
})
