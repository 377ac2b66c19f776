/**
 * The retry combinators with a retry budget provided: first attempts deposit, retries withdraw, a
 * refused retry gives up at once (continuous: skips the attempt), and the budget's alert fires
 * and resolves. TestClock throughout.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Metric, Option, Ref, TestClock } from "effect"
import { Metrics, NotifierTest, Retry, RetryBudget } from "../src/index.js"
import { runPastBackoff } from "./support/clock.js"
import { failureOf } from "./support/exits.js"
import { captureLogs } from "./support/logs.js"
import { services } from "./support/services.js"

/** Always fails with `error`; counts its attempts. */
const failing = <E>(error: E) =>
  Effect.map(Ref.make(0), (attempts) => ({
    attempts: Ref.get(attempts),
    effect: Effect.zipRight(
      Ref.update(attempts, (n) => n + 1),
      Effect.fail(error)
    )
  }))

const refusedFor = (key: string) =>
  Effect.map(Metric.value(Metric.tagged(Metrics.retriesRefused, "key", key)), (state) => state.count)

describe("Retry.retry with a RetryBudget", () => {
  it.effect("a refused retry gives up at once with the original error, a warning and a metric", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const error = new Error("HTTP 503")
      const op = yield* failing(error)
      const before = yield* refusedFor("budget-refuses")
      const exit = yield* runPastBackoff(
        op.effect.pipe(Retry.retry({ name: "charge", context: "budget-refuses", maxAttempts: 10 }))
      )
      expect(failureOf(exit)).toBe(error)
      expect(yield* op.attempts).toBe(1)
      expect((yield* refusedFor("budget-refuses")) - before).toBe(1)
      const warning = logs.lines.find((line) => line.level === "WARN")
      expect(warning?.message).toBe(
        "charge gave up after 1 attempt: the retry budget for budget-refuses is exhausted: Error: HTTP 503"
      )
      expect(warning?.annotations.budgetKey).toBe("budget-refuses")
    }).pipe(Effect.provide(Layer.mergeAll(services({ budget: { percent: 0, minPerSecond: 0 } }), logs.layer)))
  })

  it.effect("first attempts deposit: 10 successes buy 2 retries at 20%", () =>
    Effect.gen(function* () {
      for (let i = 0; i < 10; i++) {
        yield* Effect.succeed(i).pipe(Retry.retry({ name: "charge", context: "deposits" }))
      }
      const op = yield* failing("down")
      // 2 backoffs take at most 5 s: the window (10 s) still holds the deposits and withdrawals.
      yield* runPastBackoff(
        op.effect.pipe(Retry.retry({ name: "charge", context: "deposits", maxAttempts: 10 })),
        "6 seconds"
      )
      // 10 first attempts (and this loop's own) deposit 11: 20% allows 2 retries.
      expect(yield* op.attempts).toBe(3)
      expect(yield* RetryBudget.status("deposits")).toMatchObject({ deposits: 11, withdrawals: 2 })
    }).pipe(Effect.provide(services({ budget: { percent: 20, minPerSecond: 0 } })))
  )

  it.effect("keys are independent: connRetry's is its resource, budgetKey overrides", () =>
    Effect.gen(function* () {
      const db = yield* failing("down")
      const cache = yield* failing("down")
      const shared = yield* failing("down")
      // 1 retry per 10 s window for each key.
      yield* runPastBackoff(
        db.effect.pipe(Retry.connRetry("db", "connect", { maxRetry: 5, maxWait: "1 second" }))
      )
      yield* runPastBackoff(
        cache.effect.pipe(Retry.connRetry("cache", "connect", { maxRetry: 5, maxWait: "1 second" }))
      )
      yield* runPastBackoff(
        shared.effect.pipe(
          Retry.retry({ name: "query", maxAttempts: 6, maxWait: "1 second", budgetKey: "db" })
        )
      )
      expect(yield* db.attempts).toBe(2)
      expect(yield* cache.attempts).toBe(2)
      // The db key's retry is spent (the clock has moved an hour, so it is back: one more).
      expect(yield* shared.attempts).toBe(2)
    }).pipe(Effect.provide(services({ budget: { percent: 0, minPerSecond: 0.1, window: "10 seconds" } })))
  )

  it.effect("one alert per exhausted key per window, resolved once retries are allowed again", () =>
    Effect.gen(function* () {
      const loops = Array.from({ length: 20 }, () =>
        Effect.fail("down").pipe(Retry.retry({ name: "charge", context: "billing", maxAttempts: 5 }))
      )
      // 1 retry allowed per 10 s: of 20 loops failing at once, one retries and 19 are refused.
      yield* runPastBackoff(Effect.all(loops.map(Effect.exit), { concurrency: "unbounded" }), "5 seconds")
      const fired = yield* NotifierTest.sent
      expect(fired).toHaveLength(1)
      expect(fired[0]).toMatchObject({
        _tag: "Firing",
        severity: "warning",
        operation: "retry budget",
        context: "billing"
      })
      expect(fired[0]!.title).toBe("Retry budget for billing exhausted")
      expect(fired[0]!.text).toMatch(
        /^⚠️ Retry budget for billing exhausted: \d+ retr(y|ies) refused in the last minute/
      )
      expect((yield* RetryBudget.status("billing")).refusedLastMinute).toBe(20)

      // The window slides: the next retry for billing is allowed, and that resolves the alert.
      yield* TestClock.adjust("30 seconds")
      yield* runPastBackoff(
        Effect.exit(
          Effect.fail("down").pipe(Retry.retry({ name: "charge", context: "billing", maxAttempts: 2 }))
        ),
        "5 seconds"
      )
      const events = yield* NotifierTest.sent
      expect(events.map((event) => [event._tag, event.operation])).toEqual([
        ["Firing", "retry budget"],
        ["Resolved", "retry budget"]
      ])
      expect(events[1]!.dedupKey).toBe(events[0]!.dedupKey)
    }).pipe(Effect.provide(services({ budget: { percent: 0, minPerSecond: 0.1, window: "10 seconds" } })))
  )
})

describe("Retry.continuous with a RetryBudget", () => {
  it.effect("is never ended by the budget: a refused attempt is skipped and it waits its delay again", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const op = yield* failing(new Error("queue down"))
      const fiber = yield* Effect.fork(
        op.effect.pipe(Retry.continuous({ name: "consume", retryDelay: "1 second", budgetKey: "queue" }))
      )
      // 2 retries per 10 s window: over a minute, about 2 per window, the rest skipped.
      yield* TestClock.adjust("1 minute")
      const attempts = yield* op.attempts
      expect(attempts).toBeGreaterThanOrEqual(1 + 2 * 5)
      expect(attempts).toBeLessThanOrEqual(1 + 2 * 7)
      expect(yield* Fiber.poll(fiber)).toEqual(Option.none())
      const skipped = logs.lines.filter((line) => line.message.includes("the next attempt is skipped"))
      expect(skipped.length).toBeGreaterThan(30)
      // Skipped attempts are not failures: the count says the real ones.
      const failures = logs.lines.filter((line) => line.message.startsWith("consume failed"))
      expect(failures).toHaveLength(attempts)
      yield* Fiber.interrupt(fiber)
    }).pipe(
      Effect.provide(
        Layer.mergeAll(
          services({ budget: { percent: 0, minPerSecond: 0.2, window: "10 seconds" } }),
          logs.layer
        )
      )
    )
  })
})
