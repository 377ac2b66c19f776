/**
 * The behaviour every limiter layer must have, run against each of them (memory, Redis): the
 * same TestClock-driven cases give the same decisions whatever stores the state.
 */
import { describe, expect, it } from "@effect/vitest"
import { type Duration, Effect, type Layer, TestClock } from "effect"
import * as AlertLimiter from "../src/AlertLimiter.js"
import { captureLimiterLogs } from "./support/redis.js"

/** Builds a fresh limiter (fresh state) for one test. */
export type MakeLayer = (options: LayerOptions) => Layer.Layer<AlertLimiter.AlertLimiter>

export interface LayerOptions {
  readonly window?: Duration.DurationInput
  readonly ceiling?: number
  readonly fingerprint?: "exact" | "normalized"
}

const ONE_MINUTE = 60_000

export const behaviourSuite = (name: string, makeLayer: MakeLayer): void => {
  /**
   * Runs `body` with a fresh limiter. The limiter must not log a warning: for the Redis layer
   * a warning means it fell back to memory, which would make the test prove nothing about Redis.
   */
  const withLimiter = <A, E>(
    body: Effect.Effect<A, E, AlertLimiter.AlertLimiter>,
    options: LayerOptions = {}
  ) => {
    const logs = captureLimiterLogs()
    return body.pipe(
      Effect.provide(makeLayer(options)),
      Effect.tap(() => expect(logs.limiterWarnings()).toEqual([])),
      Effect.provide(logs.layer)
    )
  }

  describe(`AlertLimiter behaviour: ${name}`, () => {
    it.effect("sends the first occurrence, at clock time 0", () =>
      withLimiter(
        Effect.gen(function* () {
          expect(yield* TestClock.currentTimeMillis).toBe(0)
          const decision = yield* AlertLimiter.check("billing:charge:Error:HTTP 500")
          expect(decision).toEqual({ send: true, suppressed: 0, lastSentAt: undefined })
        })
      )
    )

    it.effect("suppresses duplicates within the window and counts them", () =>
      withLimiter(
        Effect.gen(function* () {
          const sig = "billing:charge:Error:HTTP 500"
          yield* TestClock.adjust("10 seconds")
          expect((yield* AlertLimiter.check(sig)).send).toBe(true)
          yield* TestClock.adjust("1 second")
          expect(yield* AlertLimiter.check(sig)).toEqual({ send: false, suppressed: 1, lastSentAt: 10_000 })
          expect(yield* AlertLimiter.check(sig)).toEqual({ send: false, suppressed: 2, lastSentAt: 10_000 })
        })
      )
    )

    it.effect("treats a different name, context, error type or message as a different alert", () =>
      withLimiter(
        Effect.gen(function* () {
          const ask = (name: string, error: unknown, context: string) =>
            AlertLimiter.shouldSendAlert(name, error, context)
          const variants = [
            ask("charge", new Error("HTTP 500"), "billing"),
            ask("refund", new Error("HTTP 500"), "billing"),
            ask("charge", new Error("HTTP 500"), "shipping"),
            ask("charge", new TypeError("HTTP 500"), "billing"),
            ask("charge", new Error("HTTP 502"), "billing")
          ]
          expect(yield* Effect.all(variants)).toEqual([true, true, true, true, true])
          expect(yield* Effect.all(variants)).toEqual([false, false, false, false, false])
        })
      )
    )

    it.effect("keys a long message on its first 100 characters", () =>
      withLimiter(
        Effect.gen(function* () {
          const head = "x".repeat(AlertLimiter.SIGNATURE_MESSAGE_LENGTH)
          const ask = (message: string) =>
            AlertLimiter.shouldSendAlert("charge", new Error(message), "billing")
          expect(yield* ask(`${head}${"a".repeat(100)}`)).toBe(true)
          expect(yield* ask(`${head}${"a".repeat(100)}`)).toBe(false)
          expect(yield* ask(`${head}${"b".repeat(100)}`)).toBe(false)
          expect(yield* ask(`y${head.slice(1)}${"a".repeat(100)}`)).toBe(true)
        })
      )
    )

    it.effect("sends again exactly when the window has passed", () =>
      withLimiter(
        Effect.gen(function* () {
          const sig = "billing:charge:Error:HTTP 500"
          expect((yield* AlertLimiter.check(sig)).send).toBe(true)
          yield* TestClock.adjust(ONE_MINUTE - 1)
          expect(yield* AlertLimiter.check(sig)).toEqual({ send: false, suppressed: 1, lastSentAt: 0 })
          yield* TestClock.adjust(1)
          expect(yield* AlertLimiter.check(sig)).toEqual({ send: true, suppressed: 1, lastSentAt: 0 })
          expect(yield* AlertLimiter.check(sig)).toEqual({
            send: false,
            suppressed: 1,
            lastSentAt: ONE_MINUTE
          })
          yield* TestClock.adjust(ONE_MINUTE)
          expect(yield* AlertLimiter.check(sig)).toEqual({
            send: true,
            suppressed: 1,
            lastSentAt: ONE_MINUTE
          })
        }),
        { window: "1 minute" }
      )
    )

    it.effect("uses a 5 minute window by default", () =>
      withLimiter(
        Effect.gen(function* () {
          const sig = "billing:charge:Error:HTTP 500"
          expect((yield* AlertLimiter.check(sig)).send).toBe(true)
          yield* TestClock.adjust("299999 millis")
          expect((yield* AlertLimiter.check(sig)).send).toBe(false)
          yield* TestClock.adjust("1 millis")
          expect((yield* AlertLimiter.check(sig)).send).toBe(true)
        })
      )
    )

    it.effect("tells exactly one of 10,000 concurrent fibers to send", () =>
      withLimiter(
        Effect.gen(function* () {
          const answers = yield* Effect.all(
            Array.from({ length: 10_000 }, () =>
              AlertLimiter.shouldSendAlert("spend_credits", new Error("HTTP 500"), "billing")
            ),
            { concurrency: "unbounded" }
          )
          expect(answers.filter((send) => send)).toHaveLength(1)
          const next = yield* AlertLimiter.shouldSendAlert("spend_credits", new Error("HTTP 500"), "billing")
          expect(next).toBe(false)
        })
      )
    )

    it.effect("keys normalized fingerprints alike when asked to", () =>
      withLimiter(
        Effect.gen(function* () {
          const ask = (message: string) => AlertLimiter.shouldSendAlert("load", new Error(message), "users")
          expect(yield* ask("user 123 not found")).toBe(true)
          expect(yield* ask("user 456 not found")).toBe(false)
          expect(yield* ask("user 456 was deleted")).toBe(true)
        }),
        { fingerprint: "normalized" }
      )
    )

    it.effect("admits `ceiling` alerts per sliding minute across signatures, counting those held back", () =>
      withLimiter(
        Effect.gen(function* () {
          expect(yield* AlertLimiter.admit).toEqual({ admitted: true, heldBack: 0 })
          yield* TestClock.adjust("10 seconds")
          expect(yield* AlertLimiter.admit).toEqual({ admitted: true, heldBack: 0 })
          expect(yield* AlertLimiter.admit).toEqual({ admitted: false, heldBack: 1 })
          yield* TestClock.adjust("49999 millis")
          expect(yield* AlertLimiter.admit).toEqual({ admitted: false, heldBack: 2 })
          // The first admission (at 0 s) is a minute old: room for one.
          yield* TestClock.adjust("1 millis")
          expect(yield* AlertLimiter.admit).toEqual({ admitted: true, heldBack: 2 })
          expect(yield* AlertLimiter.admit).toEqual({ admitted: false, heldBack: 1 })
          yield* TestClock.adjust("10 seconds")
          expect(yield* AlertLimiter.admit).toEqual({ admitted: true, heldBack: 1 })
        }),
        { ceiling: 2 }
      )
    )

    it.effect("admits every alert when the ceiling is 0", () =>
      withLimiter(
        Effect.gen(function* () {
          const admissions = yield* Effect.all(Array.from({ length: 100 }, () => AlertLimiter.admit))
          expect(admissions.every((admission) => admission.admitted)).toBe(true)
        }),
        { ceiling: 0 }
      )
    )

    it.effect("counts remembered signatures and forgets them all on reset", () =>
      withLimiter(
        Effect.gen(function* () {
          for (const sig of ["a", "b", "c", "a"]) yield* AlertLimiter.check(sig)
          yield* AlertLimiter.admit
          expect(yield* AlertLimiter.admit).toEqual({ admitted: false, heldBack: 1 })
          expect(yield* AlertLimiter.size).toBe(3)
          yield* AlertLimiter.reset
          expect(yield* AlertLimiter.size).toBe(0)
          expect(yield* AlertLimiter.check("a")).toEqual({ send: true, suppressed: 0, lastSentAt: undefined })
          expect(yield* AlertLimiter.admit).toEqual({ admitted: true, heldBack: 0 })
        }),
        { ceiling: 1 }
      )
    )
  })
}
