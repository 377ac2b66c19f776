/**
 * Retries through a circuit breaker (`breaker` option): each attempt goes through the circuit, a
 * rejection is retried no sooner than its `retryAfter`, a wait past `maxElapsed` gives up at once
 * with the rejection, and rejections are told apart from failures and budget refusals.
 * TestClock throughout.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Exit, Fiber, Layer, Ref, TestClock } from "effect"
import { CircuitBreaker, NotifierTest, Retry } from "../src/index.js"
import { runPastBackoff } from "./support/clock.js"
import { failureOf } from "./support/exits.js"
import { captureLogs } from "./support/logs.js"
import { services } from "./support/services.js"

/** A dependency down until `healthyAt` (Clock millis), recording when each call reached it. */
const dependency = (healthyAt: number) =>
  Effect.gen(function* () {
    const calls = yield* Ref.make<ReadonlyArray<number>>([])
    const call = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.zipRight(
        Ref.update(calls, (seen) => [...seen, now]),
        now >= healthyAt ? Effect.succeed("ok") : Effect.fail(new Error("HTTP 503"))
      )
    )
    return { call, calls: Ref.get(calls) }
  })

const layers = (options: CircuitBreaker.Options) => Layer.merge(CircuitBreaker.layer(options), services())

describe("Retry.retry with a breaker", () => {
  it.effect("rejected attempts never reach the dependency and wait for the circuit's retryAfter", () =>
    Effect.gen(function* () {
      const dep = yield* dependency(6_000)
      const exit = yield* runPastBackoff(
        dep.call.pipe(
          Retry.retry({
            name: "charge",
            context: "payments",
            maxAttempts: 10,
            breaker: true
          })
        )
      )
      expect(exit).toStrictEqual(Exit.succeed("ok"))
      // 3 failures open the circuit at ~t; the next attempt is rejected and waits 5 s, the probe succeeds.
      const calls = yield* dep.calls
      expect(calls).toHaveLength(4)
      expect(calls[3]! - calls[2]!).toBeGreaterThanOrEqual(5_000)
      expect(yield* CircuitBreaker.state("payments")).toBe("closed")
    }).pipe(Effect.provide(layers({ consecutiveFailures: 3 })))
  )

  it.effect("the circuit is keyed like the budget: context, else name, or breaker.key", () =>
    Effect.gen(function* () {
      const dep = yield* dependency(Number.POSITIVE_INFINITY)
      yield* runPastBackoff(dep.call.pipe(Retry.retry({ name: "charge", maxAttempts: 1, breaker: true })))
      yield* runPastBackoff(
        dep.call.pipe(Retry.retry({ name: "refund", context: "billing", maxAttempts: 1, breaker: true }))
      )
      yield* runPastBackoff(
        dep.call.pipe(Retry.retry({ name: "quote", maxAttempts: 1, breaker: { key: "pricing" } }))
      )
      yield* runPastBackoff(
        dep.call.pipe(Retry.connRetry("postgres", "connect", { maxRetry: 0, breaker: true }))
      )
      expect(yield* CircuitBreaker.state("charge")).toBe("open")
      expect(yield* CircuitBreaker.state("billing")).toBe("open")
      expect(yield* CircuitBreaker.state("pricing")).toBe("open")
      expect(yield* CircuitBreaker.state("postgres")).toBe("open")
    }).pipe(Effect.provide(layers({ consecutiveFailures: 1 })))
  )

  it.effect("a rejection whose wait would pass maxElapsed gives up at once with the rejection", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const dep = yield* dependency(Number.POSITIVE_INFINITY)
      const fiber = yield* Effect.fork(
        dep.call.pipe(
          Retry.retry({
            name: "charge",
            context: "payments",
            maxAttempts: 10,
            maxElapsed: "3 seconds",
            breaker: true
          })
        )
      )
      // The first failure opens the circuit; the retry's next attempt is rejected at once.
      yield* TestClock.adjust("2 seconds")
      const exit = yield* Fiber.await(fiber)
      const error = failureOf(exit)
      expect(CircuitBreaker.isCircuitOpen(error)).toBe(true)
      expect((error as CircuitBreaker.CircuitOpen).key).toBe("payments")
      expect(yield* dep.calls).toHaveLength(1)
      const gaveUp = logs.lines.find((line) => line.level === "ERROR")
      expect(gaveUp?.message).toMatch(
        /^charge gave up after 2 attempts: waiting ([^(]+) more would pass its maxElapsed of 3s \(failing since [^)]+\): CircuitOpen: circuit payments is open: retry after \1$/
      )
    }).pipe(Effect.provide(Layer.merge(layers({ consecutiveFailures: 1 }), logs.layer)))
  })

  it.effect("a rejection is logged as a rejection, not as a failure", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const dep = yield* dependency(Number.POSITIVE_INFINITY)
      yield* runPastBackoff(
        dep.call.pipe(
          Retry.retry({
            name: "charge",
            context: "payments",
            maxAttempts: 3,
            maxWait: "1 second",
            breaker: true
          })
        )
      )
      const warnings = logs.lines.filter((line) => line.level === "WARN").map((line) => line.message)
      expect(warnings).toHaveLength(2)
      expect(warnings[0]).toMatch(/^charge failed on attempt 1\/3; retrying in .*: Error: HTTP 503$/)
      // Rejected at the end of the first backoff: it waits the rest of the 5 s open time.
      expect(warnings[1]).toMatch(
        /^charge: attempt 2\/3 rejected by circuit payments \(open\); retrying in 4s \d+ms$/
      )
    }).pipe(Effect.provide(Layer.merge(layers({ consecutiveFailures: 1 }), logs.layer)))
  })

  it.effect("an isolated circuit gives up at once: its retryAfter is endless", () =>
    Effect.gen(function* () {
      const dep = yield* dependency(0)
      yield* CircuitBreaker.isolate("payments")
      const exit = yield* runPastBackoff(
        dep.call.pipe(Retry.retry({ name: "charge", context: "payments", maxAttempts: 10, breaker: true }))
      )
      expect((failureOf(exit) as CircuitBreaker.CircuitOpen).state).toBe("isolated")
      expect(yield* dep.calls).toHaveLength(0)
    }).pipe(Effect.provide(layers({})))
  )

  it.effect("the circuit counts as failures only what `while` retries", () =>
    Effect.gen(function* () {
      const notFound = Effect.fail({ status: 404 })
      for (let i = 0; i < 5; i++) {
        yield* Effect.exit(
          notFound.pipe(
            Retry.retry({
              name: "user",
              context: "users",
              while: (error) => error.status >= 500,
              breaker: true
            })
          )
        )
      }
      expect(yield* CircuitBreaker.state("users")).toBe("closed")
    }).pipe(Effect.provide(layers({ consecutiveFailures: 2 })))
  )

  it.effect("a circuit's opening pages once while every retry gives up after a few attempts", () =>
    Effect.gen(function* () {
      const dep = yield* dependency(Number.POSITIVE_INFINITY)
      // 20 calls, each giving up after 3 attempts: no loop reaches alertAt (attempt 50).
      for (let i = 0; i < 20; i++) {
        yield* runPastBackoff(
          dep.call.pipe(Retry.retry({ name: "charge", context: "payments", maxAttempts: 3, breaker: true }))
        )
      }
      yield* Effect.repeatN(Effect.yieldNow(), 20)
      const sent = yield* NotifierTest.sent
      expect(sent.map((event) => `${event._tag} ${event.operation} ${event.context}`)).toEqual([
        "Firing circuit breaker payments"
      ])
    }).pipe(Effect.provide(layers({})))
  )

  it.effect("a CircuitOpen from a breaker composed by hand is also retried after its retryAfter", () =>
    Effect.gen(function* () {
      const dep = yield* dependency(5_000)
      const exit = yield* runPastBackoff(
        dep.call.pipe(
          CircuitBreaker.protect("payments"),
          Retry.retry({ name: "charge", maxAttempts: 3, maxWait: "100 millis" })
        )
      )
      expect(exit._tag).toBe("Success")
      // Rejected at the end of a short backoff, it waits the rest of the open time (rounded up to a milli).
      const calls = yield* dep.calls
      expect(calls).toHaveLength(2)
      expect(calls[1]).toBeGreaterThanOrEqual(5_000)
      expect(calls[1]).toBeLessThan(5_001)
    }).pipe(Effect.provide(layers({ consecutiveFailures: 1 })))
  )

  it("an invalid breaker option fails at construction, naming it", () => {
    expect(() => Retry.retry({ name: "charge", breaker: { key: " " } })).toThrow(
      'Invalid option "breaker.key": must be a non-blank string'
    )
    expect(() => Retry.retry({ name: "charge", breaker: "yes" as never })).toThrow(
      'Invalid option "breaker": must be true, false or an object with a key'
    )
  })

  it.effect("the retryAfter of a rejection is what the wait is, not the backoff", () =>
    Effect.gen(function* () {
      const dep = yield* dependency(Number.POSITIVE_INFINITY)
      const fiber = yield* Effect.fork(
        dep.call.pipe(
          Retry.retry({
            name: "charge",
            context: "payments",
            maxAttempts: 3,
            maxWait: "1 millis",
            breaker: true
          })
        )
      )
      yield* TestClock.adjust("4999 millis")
      // Failed once (opened), rejected once: the probe waits for the full 5 s.
      expect(yield* dep.calls).toHaveLength(1)
      yield* TestClock.adjust("1 second")
      yield* Fiber.await(fiber)
      const calls = yield* dep.calls
      expect(calls).toHaveLength(2)
      expect(calls[1]).toBeGreaterThanOrEqual(5_000)
      expect(calls[1]).toBeLessThan(5_001)
    }).pipe(Effect.provide(layers({ consecutiveFailures: 1 })))
  )
})
