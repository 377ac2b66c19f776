/**
 * Every metric the library records, exported by `@effect/opentelemetry` (`NodeSdk.layer`) and
 * collected from an OpenTelemetry SDK metric reader, with its attributes. Time is the TestClock's.
 */
import { describe, expect, it } from "@effect/vitest"
import { DataPointType } from "@opentelemetry/sdk-metrics"
import { Effect, Exit, Layer, Metric, Schedule, TestClock } from "effect"
import { Alert, AlertLimiter, CircuitBreaker, Metrics, Notifier, Retry } from "../src/index.js"
import { runPastBackoff } from "./support/clock.js"
import { metric, openTelemetry, pointOf } from "./support/openTelemetry.js"
import { services } from "./support/services.js"

const failure = () => new Error("HTTP 503")

const LIBRARY_METRICS = [
  "effect_retry_alerts_retries_total",
  "effect_retry_alerts_give_ups_total",
  "effect_retry_alerts_alerts_sent_total",
  "effect_retry_alerts_alerts_suppressed_total",
  "effect_retry_alerts_alerts_held_back_total",
  "effect_retry_alerts_alerts_failed_total",
  "effect_retry_alerts_alerts_dropped_total",
  "effect_retry_alerts_incidents_resolved_total",
  "effect_retry_alerts_incidents_evicted_total",
  "effect_retry_alerts_retries_refused_total",
  "effect_retry_alerts_limiter_entries",
  "effect_retry_alerts_circuit_state",
  "effect_retry_alerts_circuit_transitions_total",
  "effect_retry_alerts_circuit_rejected_total"
]

describe("under @effect/opentelemetry: metrics", () => {
  it("the list above is every metric of the Metrics module", () => {
    // An Effect metric is callable (it wraps an effect): the module's functions are its metrics.
    const exported = Object.values(Metrics).filter((value) => typeof value === "function")
    expect(exported).toHaveLength(LIBRARY_METRICS.length)
  })

  it.effect("every metric the library records is exported, with its operation or key attribute", () =>
    Effect.gen(function* () {
      const otel = openTelemetry()
      const failingTimes = (failures: number) => {
        let calls = 0
        return Effect.suspend(() => (++calls <= failures ? Effect.fail(failure()) : Effect.succeed(calls)))
      }
      const send = (name: string, message: string) =>
        Alert.sendRateLimited({ name, error: new Error(message), context: "", message: name })

      const collected = yield* Effect.gen(function* () {
        // Retries, an alert at attempt 2, and the success that resolves its incident; a give-up.
        yield* Effect.gen(function* () {
          const pay = failingTimes(3).pipe(
            Retry.retry({
              name: "otel-m-pay",
              schedule: Schedule.spaced("1 second"),
              alertAt: { attempts: 2 }
            })
          )
          expect(yield* runPastBackoff(pay)).toEqual(Exit.succeed(4))
          yield* runPastBackoff(failingTimes(9).pipe(Retry.retry({ name: "otel-m-refund", maxAttempts: 2 })))
        }).pipe(Effect.provide(services()))

        // Suppressed (same signature within the window) and held back (past the ceiling of 1).
        yield* Effect.gen(function* () {
          yield* send("otel-m-alerts", "HTTP 500")
          yield* send("otel-m-alerts", "HTTP 500")
          yield* send("otel-m-alerts", "another")
        }).pipe(Effect.provide(services({ limiter: { ceiling: 1 } })))

        // Evicted: an incident store of one, two operations alerting.
        yield* Effect.gen(function* () {
          yield* send("otel-m-evicted", "HTTP 500")
          yield* send("otel-m-evicting", "HTTP 500")
        }).pipe(Effect.provide(services({ limiter: { maxEntries: 1 } })))

        // Refused: a budget with no room for any retry.
        yield* runPastBackoff(
          failingTimes(9).pipe(Retry.retry({ name: "otel-m-budget", budgetKey: "otel-m-billing" }))
        ).pipe(Effect.provide(services({ budget: { percent: 0, minPerSecond: 0 } })))

        // A destination that never answers, one delivery at a time, one waiting: the third event
        // is dropped; at the timeout both handed over fail.
        yield* Effect.gen(function* () {
          yield* send("otel-m-hanging", "first")
          for (let turn = 0; turn < 10; turn++) yield* Effect.yieldNow()
          yield* send("otel-m-hanging", "second")
          yield* send("otel-m-hanging", "third")
          yield* TestClock.adjust("1 second")
        }).pipe(
          Effect.provide(
            Layer.merge(
              AlertLimiter.layer(),
              Notifier.layer(
                Notifier.fromNotify(() => Effect.never),
                { concurrency: 1, queueCapacity: 1, timeout: "1 second" }
              )
            )
          )
        )

        // A circuit: opened by the first failure, the retry's next attempt rejected.
        yield* runPastBackoff(
          failingTimes(9).pipe(
            Retry.retry({ name: "otel-m-charge", maxAttempts: 2, breaker: { key: "otel-m-circuit" } })
          )
        ).pipe(Effect.provide(Layer.merge(CircuitBreaker.layer({ consecutiveFailures: 1 }), services())))

        // The gauge: the latest limiter to change remembers two signatures.
        yield* Effect.gen(function* () {
          yield* AlertLimiter.shouldSendAlert("otel-m-gauge", new Error("one"))
          yield* AlertLimiter.shouldSendAlert("otel-m-gauge", new Error("two"))
        }).pipe(Effect.provide(AlertLimiter.layer()))

        return yield* Effect.promise(() => otel.reader.collect())
      }).pipe(Effect.provide(otel.layer))

      expect(collected.errors).toEqual([])
      const exported = collected.resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .map((each) => each.descriptor.name)
        .filter((name) => name.startsWith("effect_retry_alerts_"))
      expect([...exported].sort()).toEqual([...LIBRARY_METRICS].sort())
      for (const name of LIBRARY_METRICS) {
        const data = metric(collected, name)!
        expect(data.descriptor.description, name).not.toBe("")
        if (name.endsWith("_total")) {
          expect(data.dataPointType, name).toBe(DataPointType.SUM)
          expect(data.dataPointType === DataPointType.SUM && data.isMonotonic, name).toBe(true)
        } else {
          expect(data.dataPointType, name).toBe(DataPointType.GAUGE)
        }
      }

      const operation = (name: string) => ({ operation: name })
      expect(pointOf(collected, "effect_retry_alerts_retries_total", operation("otel-m-pay"))).toBe(3)
      expect(
        pointOf(collected, "effect_retry_alerts_give_ups_total", operation("otel-m-pay"))
      ).toBeUndefined()
      expect(pointOf(collected, "effect_retry_alerts_alerts_sent_total", operation("otel-m-pay"))).toBe(1)
      expect(
        pointOf(collected, "effect_retry_alerts_incidents_resolved_total", operation("otel-m-pay"))
      ).toBe(1)
      expect(pointOf(collected, "effect_retry_alerts_retries_total", operation("otel-m-refund"))).toBe(1)
      expect(pointOf(collected, "effect_retry_alerts_give_ups_total", operation("otel-m-refund"))).toBe(1)
      expect(pointOf(collected, "effect_retry_alerts_alerts_sent_total", operation("otel-m-alerts"))).toBe(1)
      expect(
        pointOf(collected, "effect_retry_alerts_alerts_suppressed_total", operation("otel-m-alerts"))
      ).toBe(1)
      expect(
        pointOf(collected, "effect_retry_alerts_alerts_held_back_total", operation("otel-m-alerts"))
      ).toBe(1)
      expect(
        pointOf(collected, "effect_retry_alerts_incidents_evicted_total", operation("otel-m-evicted"))
      ).toBe(1)
      expect(pointOf(collected, "effect_retry_alerts_retries_refused_total", { key: "otel-m-billing" })).toBe(
        1
      )
      expect(pointOf(collected, "effect_retry_alerts_alerts_sent_total", operation("otel-m-hanging"))).toBe(3)
      expect(
        pointOf(collected, "effect_retry_alerts_alerts_dropped_total", operation("otel-m-hanging"))
      ).toBe(1)
      expect(pointOf(collected, "effect_retry_alerts_alerts_failed_total", operation("otel-m-hanging"))).toBe(
        2
      )
      expect(pointOf(collected, "effect_retry_alerts_limiter_entries", {})).toBe(2)
      expect(
        pointOf(collected, "effect_retry_alerts_circuit_transitions_total", {
          key: "otel-m-circuit",
          to: "open"
        })
      ).toBe(1)
      expect(
        pointOf(collected, "effect_retry_alerts_circuit_rejected_total", { key: "otel-m-circuit" })
      ).toBe(1)
      expect(pointOf(collected, "effect_retry_alerts_circuit_state", { key: "otel-m-circuit" })).toBe(2)
      // What OpenTelemetry exported is what Effect's registry holds.
      const registry = yield* Metric.value(Metric.tagged(Metrics.retries, "operation", "otel-m-pay"))
      expect(registry.count).toBe(3)
    })
  )
})
