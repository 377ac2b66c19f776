/**
 * The test list of the original Python module, case by case (numbered as there), adapted to
 * Effect: no global state (each test builds its own layers), time moved with TestClock.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, TestClock } from "effect"
import { Alert, AlertLimiter, Notifier, NotifierTest, Retry } from "../src/index.js"
import { runPastBackoff } from "./support/clock.js"
import { failureOf } from "./support/exits.js"
import { services } from "./support/services.js"

class ValueError extends Error {
  override name = "ValueError"
}

describe("seed 1-2: conn_retry", () => {
  const syncFunction = (state: { retryCount: number }) => () => {
    if (state.retryCount > 0) {
      state.retryCount--
      throw new ValueError("Test error")
    }
    return "Success"
  }

  it.effect(
    "1. on a sync function: succeeds after failures, raises the original error when retries run out",
    () =>
      Effect.gen(function* () {
        const state = { retryCount: 2 }
        const fn = syncFunction(state)
        const call = Effect.try({ try: fn, catch: (error) => error }).pipe(
          Retry.connRetry("test", "test", { maxRetry: 2, maxWait: "100 millis" })
        )
        expect(yield* runPastBackoff(call)).toEqual(Exit.succeed("Success"))

        state.retryCount = 100
        const exit = yield* runPastBackoff(call)
        const error = failureOf(exit)
        expect(error).toBeInstanceOf(ValueError)
        expect((error as Error).message).toBe("Test error")
        expect(state.retryCount).toBe(97)
      }).pipe(Effect.provide(services()))
  )

  it.effect("2. on an async function: the same", () =>
    Effect.gen(function* () {
      const state = { retryCount: 2 }
      const fn = async () => {
        await Promise.resolve()
        return syncFunction(state)()
      }
      const call = Effect.tryPromise({ try: fn, catch: (error) => error }).pipe(
        Retry.connRetry("test", "test", { maxRetry: 2, maxWait: "100 millis" })
      )
      expect(yield* runPastBackoff(call)).toEqual(Exit.succeed("Success"))

      state.retryCount = 100
      const exit = yield* runPastBackoff(call)
      const error = failureOf(exit)
      expect(error).toBeInstanceOf(ValueError)
      expect((error as Error).message).toBe("Test error")
      expect(state.retryCount).toBe(97)
    }).pipe(Effect.provide(services()))
  )
})

describe("seed 3-10: should_send_alert", () => {
  const exc = new ValueError("test error")

  it.effect("3. each test builds its own limiter, so no state leaks between tests", () =>
    Effect.gen(function* () {
      const ask = AlertLimiter.shouldSendAlert("test_func", exc, "test_context")
      expect(yield* Effect.provide(ask, AlertLimiter.layer())).toBe(true)
      // A second test's limiter: a new build, empty again.
      expect(yield* Effect.provide(ask, AlertLimiter.layer())).toBe(true)
    })
  )

  it.effect("4. allows the first occurrence", () =>
    Effect.gen(function* () {
      expect(yield* AlertLimiter.shouldSendAlert("test_func", exc, "test_context")).toBe(true)
    }).pipe(Effect.provide(AlertLimiter.layer()))
  )

  it.effect("5. suppresses a duplicate", () =>
    Effect.gen(function* () {
      expect(yield* AlertLimiter.shouldSendAlert("test_func", exc, "test_context")).toBe(true)
      expect(yield* AlertLimiter.shouldSendAlert("test_func", exc, "test_context")).toBe(false)
    }).pipe(Effect.provide(AlertLimiter.layer()))
  )

  it.effect("6. allows different errors", () =>
    Effect.gen(function* () {
      expect(
        yield* AlertLimiter.shouldSendAlert("test_func", new ValueError("error 1"), "test_context")
      ).toBe(true)
      expect(
        yield* AlertLimiter.shouldSendAlert("test_func", new ValueError("error 2"), "test_context")
      ).toBe(true)
      expect(yield* AlertLimiter.shouldSendAlert("test_func", new TypeError("error 1"), "test_context")).toBe(
        true
      )
    }).pipe(Effect.provide(AlertLimiter.layer()))
  )

  it.effect("7. allows different contexts", () =>
    Effect.gen(function* () {
      expect(yield* AlertLimiter.shouldSendAlert("test_func", exc, "context1")).toBe(true)
      expect(yield* AlertLimiter.shouldSendAlert("test_func", exc, "context2")).toBe(true)
    }).pipe(Effect.provide(AlertLimiter.layer()))
  )

  it.effect("8. allows different functions", () =>
    Effect.gen(function* () {
      expect(yield* AlertLimiter.shouldSendAlert("func1", exc, "test_context")).toBe(true)
      expect(yield* AlertLimiter.shouldSendAlert("func2", exc, "test_context")).toBe(true)
    }).pipe(Effect.provide(AlertLimiter.layer()))
  )

  it.effect("9. allows again after the window (time moved, not waited)", () =>
    Effect.gen(function* () {
      expect(yield* AlertLimiter.shouldSendAlert("test_func", exc, "test_context")).toBe(true)
      expect(yield* AlertLimiter.shouldSendAlert("test_func", exc, "test_context")).toBe(false)
      yield* TestClock.adjust("301 seconds")
      expect(yield* AlertLimiter.shouldSendAlert("test_func", exc, "test_context")).toBe(true)
    }).pipe(Effect.provide(AlertLimiter.layer()))
  )

  it.effect("10. of 10 concurrent askers for one signature, exactly one is allowed", () =>
    Effect.gen(function* () {
      const results = yield* Effect.all(
        Array.from({ length: 10 }, () => AlertLimiter.shouldSendAlert("test_func", exc, "test_context")),
        { concurrency: "unbounded" }
      )
      expect(results.filter(Boolean)).toHaveLength(1)
    }).pipe(Effect.provide(AlertLimiter.layer()))
  )
})

describe("seed 11-15: sending alerts", () => {
  it.effect(
    "11. critical alerts are rate limited: same error twice, one notification; a different error, a second",
    () =>
      Effect.gen(function* () {
        const exc = new ValueError("spend_credits API error")
        expect(
          yield* Alert.sendCriticalRetryAlert({
            name: "spend_credits",
            attempt: 50,
            error: exc,
            context: "Service communication"
          })
        ).toBe(true)
        expect(yield* NotifierTest.sent).toHaveLength(1)
        expect(
          yield* Alert.sendCriticalRetryAlert({
            name: "spend_credits",
            attempt: 50,
            error: exc,
            context: "Service communication"
          })
        ).toBe(false)
        expect(yield* NotifierTest.sent).toHaveLength(1)
        const exc2 = new ValueError("different API error")
        expect(
          yield* Alert.sendCriticalRetryAlert({
            name: "spend_credits",
            attempt: 50,
            error: exc2,
            context: "Service communication"
          })
        ).toBe(true)
        expect(yield* NotifierTest.sent).toHaveLength(2)
      }).pipe(Effect.provide(services()))
  )

  it.effect("12. a notifier failure does not escape, and the limiter still records the alert", () =>
    Effect.gen(function* () {
      yield* NotifierTest.setFailure(
        Cause.fail(new Notifier.NotifierError({ message: "Discord unavailable" }))
      )
      const exc = new ValueError("test error")
      // Handed to the notifier, whose delivery then fails off this fiber: nothing escapes.
      expect(
        yield* Alert.sendCriticalRetryAlert({
          name: "test_func",
          attempt: 50,
          error: exc,
          context: "test_context"
        })
      ).toBe(true)
      expect(yield* NotifierTest.attempts).toHaveLength(1)
      expect(yield* NotifierTest.sent).toHaveLength(0)
      expect(yield* AlertLimiter.shouldSendAlert("test_func", exc, "test_context")).toBe(false)
    }).pipe(Effect.provide(services()))
  )

  it.effect("13. a 200-character message keys a signature, and its duplicate is suppressed", () =>
    Effect.gen(function* () {
      const exc = new ValueError("x".repeat(200))
      expect(yield* AlertLimiter.shouldSendAlert("test_func", exc, "test_context")).toBe(true)
      expect(yield* AlertLimiter.shouldSendAlert("test_func", exc, "test_context")).toBe(false)
    }).pipe(Effect.provide(AlertLimiter.layer()))
  )

  it.effect("14. the spend_credits HTTP 500, once and 950 more times, sends one notification", () =>
    Effect.gen(function* () {
      const exc = new Error(
        "HTTP 500: Server error '500 Internal Server Error' for url 'http://autogpt-database-manager.prod-agpt.svc.cluster.local:8005/spend_credits'"
      )
      expect(
        yield* Alert.sendCriticalRetryAlert({
          name: "_call_method_sync",
          attempt: 50,
          error: exc,
          context: "Service communication"
        })
      ).toBe(true)
      for (let i = 0; i < 950; i++) {
        expect(
          yield* Alert.sendCriticalRetryAlert({
            name: "_call_method_sync",
            attempt: 50,
            error: exc,
            context: "Service communication"
          })
        ).toBe(false)
      }
      expect(yield* NotifierTest.attempts).toHaveLength(1)
    }).pipe(Effect.provide(services()))
  )

  it.effect("15. a 60-attempt retry that always fails raises, and sends exactly one notification", () =>
    Effect.gen(function* () {
      let calls = 0
      const alwaysFailing = Effect.try({
        try: () => {
          calls++
          throw new ValueError("Always fails")
        },
        catch: (error) => error
      })
      const exit = yield* runPastBackoff(
        alwaysFailing.pipe(Retry.retry({ name: "always_failing", maxAttempts: 60, maxWait: "100 millis" }))
      )
      const error = failureOf(exit)
      expect(error).toBeInstanceOf(ValueError)
      expect((error as Error).message).toBe("Always fails")
      expect(calls).toBe(60)
      expect(yield* NotifierTest.attempts).toHaveLength(1)
    }).pipe(Effect.provide(services()))
  )
})
