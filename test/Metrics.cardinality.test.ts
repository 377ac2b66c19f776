/**
 * The `operation` label is bounded: past `Metrics.MAX_OPERATIONS` distinct names in the process,
 * new names share `operation="_other"`, and one warning says so. The bound is process-wide, as
 * the metric registry is: this file has a process of its own (vitest isolates test files), and
 * counts the names other tests of the file labelled before it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric, MetricState } from "effect"
import { Alert, Metrics, Retry } from "../src/index.js"
import { labelledOperations } from "../src/internal/metrics.js"
import { makeLogCapture } from "./support/logs.js"
import { services } from "./support/services.js"

/** The series of `metric` in the registry, by their `operation` label, with their counts. */
const seriesOf = (metric: string): Map<string, number> =>
  new Map(
    Metric.unsafeSnapshot()
      .filter((pair) => pair.metricKey.name === metric)
      .map((pair) => [
        pair.metricKey.tags.find((tag) => tag.key === "operation")?.value ?? "",
        MetricState.isCounterState(pair.metricState) ? Number(pair.metricState.count) : Number.NaN
      ])
  )

const GIVE_UPS = "effect_retry_alerts_give_ups_total"
const ALERTS_SENT = "effect_retry_alerts_alerts_sent_total"

/** A loop that fails once and gives up: one count in `give_ups_total` for `name`. */
const giveUp = (name: string) =>
  Effect.fail(new Error("down")).pipe(Retry.retry({ name, maxAttempts: 1 }), Effect.ignore)

describe("the operation label's bound", () => {
  it.effect("past the bound, new names count under _other, with one warning; known names keep theirs", () =>
    Effect.gen(function* () {
      const capture = yield* makeLogCapture
      yield* Effect.gen(function* () {
        const room = Metrics.MAX_OPERATIONS - labelledOperations()
        expect(room).toBeGreaterThan(0)
        for (let i = 0; i < room; i++) yield* giveUp(`bounded-${i}`)
        expect(labelledOperations()).toBe(Metrics.MAX_OPERATIONS)
        const warnings = () =>
          capture.logs.pipe(
            Effect.map((lines) => lines.filter((line) => line.message.includes("distinct operation names")))
          )
        expect(yield* warnings()).toEqual([])

        // Three new names, one of them twice, and an alert of a fourth: all under _other.
        yield* giveUp("past-0")
        yield* giveUp("past-1")
        yield* giveUp("past-1")
        yield* giveUp("past-2")
        yield* Alert.sendRateLimited({ name: "past-alert", error: new Error("x"), context: "", message: "x" })
        // A name labelled before the bound keeps its own series.
        yield* giveUp("bounded-0")

        const giveUps = seriesOf(GIVE_UPS)
        expect(giveUps.get(Metrics.OTHER_OPERATION)).toBe(4)
        expect(giveUps.get("bounded-0")).toBe(2)
        expect(giveUps.get(`bounded-${room - 1}`)).toBe(1)
        for (const name of ["past-0", "past-1", "past-2"]) expect(giveUps.has(name)).toBe(false)
        expect(seriesOf(ALERTS_SENT).get(Metrics.OTHER_OPERATION)).toBe(1)
        expect(seriesOf(ALERTS_SENT).has("past-alert")).toBe(false)
        expect(labelledOperations()).toBe(Metrics.MAX_OPERATIONS)

        // One warning, at the first name past the bound.
        expect((yield* warnings()).map((line) => [line.level, line.message])).toEqual([
          [
            "WARN",
            `effect-retry-alerts: more than 1000 distinct operation names in this process; the metrics of "past-0" and of every later new name are tagged operation="_other" (a metric series is never freed)`
          ]
        ])
      }).pipe(Effect.provide(capture.layer))
    }).pipe(Effect.provide(services()))
  )
})
