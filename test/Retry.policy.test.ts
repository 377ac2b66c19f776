/**
 * The policy as a Schedule, a schedule of the user's, alerts by attempts or by time, a deadline and
 * server-requested delays: all on the TestClock.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Data, Duration, Effect, Exit, Layer, Schedule, TestClock } from "effect"
import { type Alert, NotifierTest, Retry } from "../src/index.js"
import { runPastBackoff } from "./support/clock.js"
import { failureOf } from "./support/exits.js"
import { failingAt } from "./support/failing.js"
import { captureLogs } from "./support/logs.js"
import { services } from "./support/services.js"

class Busy extends Data.TaggedError("Busy")<{ readonly retryAfterSeconds?: number | undefined }> {}

describe("Retry.policy", () => {
  it.effect("with Effect.retry makes the same attempts, logs and alert as Retry.retry", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const error = new Error("HTTP 500")
      const op = failingAt(error)
      const exit = yield* runPastBackoff(
        Effect.retry(
          op.effect,
          Retry.policy({ name: "charge", context: "billing", maxAttempts: 60, maxWait: "1 second" })
        )
      )
      expect(failureOf(exit)).toBe(error)
      expect(op.times).toHaveLength(60)
      const sent = yield* NotifierTest.sent
      expect(sent).toHaveLength(1)
      expect((sent[0] as Alert.Firing).attempt).toBe(50)
      expect(sent[0]!.text).toContain("Current attempt: 50/60")
      const ours = logs.lines.filter((line) => line.annotations.operation === "charge")
      expect(ours.filter((line) => line.level === "WARN")).toHaveLength(59)
      expect(ours.filter((line) => line.level === "ERROR").map((line) => line.message)).toEqual([
        "charge gave up after 60 attempts: Error: HTTP 500"
      ])
    }).pipe(Effect.provide(Layer.mergeAll(services(), logs.layer)))
  })

  it.effect("composes with Schedule.upTo: the loop stops when either says so", () =>
    Effect.gen(function* () {
      const op = failingAt("down")
      yield* runPastBackoff(
        Effect.retry(
          op.effect,
          Retry.policy({ name: "upTo", maxAttempts: 100, schedule: Schedule.spaced("10 seconds") }).pipe(
            Schedule.upTo("35 seconds")
          )
        )
      )
      // Schedule.upTo looks at the time elapsed when it decides, not at where the wait ends: at
      // 30 s (less than 35 s) it still allows the wait to 40 s, then ends it. maxElapsed would not.
      expect(op.times).toEqual([0, 10_000, 20_000, 30_000, 40_000])
    }).pipe(Effect.provide(services()))
  )
})

describe("the schedule option", () => {
  it.effect("replaces the backoff; the alert stays at the threshold and the warning says its delay", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const op = failingAt(new Error("HTTP 503"))
      yield* runPastBackoff(
        op.effect.pipe(
          Retry.retry({ name: "spaced", maxAttempts: 60, schedule: Schedule.spaced("2 seconds") })
        ),
        "1 day"
      )
      expect(op.times).toHaveLength(60)
      expect(op.times.slice(1).map((t, i) => t - op.times[i]!)).toEqual(Array(59).fill(2000))
      const sent = yield* NotifierTest.sent
      expect(sent.map((event) => (event as Alert.Firing).attempt)).toEqual([50])
      const warning = logs.lines.find((line) => line.level === "WARN")
      expect(warning?.message).toBe("spaced failed on attempt 1/60; retrying in 2s: Error: HTTP 503")
    }).pipe(Effect.provide(Layer.mergeAll(services(), logs.layer)))
  })

  it.effect("works for connRetry too, and a schedule that ends ends the loop", () =>
    Effect.gen(function* () {
      const op = failingAt(new Error("ECONNREFUSED"))
      yield* runPastBackoff(
        op.effect.pipe(
          Retry.connRetry("db", "connect", {
            schedule: Schedule.spaced("1 second").pipe(Schedule.intersect(Schedule.recurs(3)))
          })
        )
      )
      expect(op.times).toEqual([0, 1000, 2000, 3000])
    }).pipe(Effect.provide(services()))
  )
})

describe("alertAt", () => {
  it.effect("attempts: 3 with maxAttempts: 5 alerts once, at attempt 3", () =>
    Effect.gen(function* () {
      const op = failingAt(new Error("HTTP 500"))
      yield* runPastBackoff(
        op.effect.pipe(Retry.retry({ name: "early", maxAttempts: 5, alertAt: { attempts: 3 } }))
      )
      expect(op.times).toHaveLength(5)
      const sent = yield* NotifierTest.sent
      expect(sent).toHaveLength(1)
      expect((sent[0] as Alert.Firing).attempt).toBe(3)
      // The attempt of maxAttempts, as the warning says "failed on attempt 3/5".
      expect(sent[0]!.text).toContain("Current attempt: 3/5")
    }).pipe(Effect.provide(services()))
  )

  it.effect("the default maxAttempts of 5 never reaches the default alertAt of 50", () =>
    Effect.gen(function* () {
      yield* runPastBackoff(Effect.fail("down").pipe(Retry.retry({ name: "quiet" })))
      expect(yield* NotifierTest.attempts).toEqual([])
    }).pipe(Effect.provide(services()))
  )

  it.effect('after: "2 minutes" alerts at the first failure at or past 2 minutes, once', () =>
    Effect.gen(function* () {
      const op = failingAt(new Error("HTTP 500"))
      yield* runPastBackoff(
        op.effect.pipe(
          Retry.retry({
            name: "slow",
            maxAttempts: 10,
            schedule: Schedule.spaced("50 seconds"),
            alertAt: { after: "2 minutes" }
          })
        ),
        "1 day"
      )
      // Failures at 0, 50, 100, 150 s...: 150 s is the first at or past 120 s.
      const sent = yield* NotifierTest.sent
      expect(sent).toHaveLength(1)
      expect((sent[0] as Alert.Firing).attempt).toBe(4)
      expect(sent[0]!.at).toBe(150_000)
      expect(sent[0]!.startedAt).toBe(0)
      expect(sent[0]!.text).toContain("Failing since: 1970-01-01T00:00:00.000Z (2m 30s)")
    }).pipe(Effect.provide(services()))
  )

  it.effect("attempts or after, whichever comes first", () =>
    Effect.gen(function* () {
      const op = failingAt(new Error("HTTP 500"))
      yield* runPastBackoff(
        op.effect.pipe(
          Retry.retry({
            name: "first",
            maxAttempts: 20,
            schedule: Schedule.spaced("1 minute"),
            alertAt: { attempts: 10, after: "3 minutes" }
          })
        ),
        "1 day"
      )
      const sent = yield* NotifierTest.sent
      expect(sent.map((event) => [(event as Alert.Firing).attempt, event.at])).toEqual([[4, 180_000]])
    }).pipe(Effect.provide(services()))
  )

  it.effect("continuous alerts only when alertAt is given", () =>
    Effect.gen(function* () {
      const quiet = yield* Effect.fork(
        Effect.fail("down").pipe(Retry.continuous({ name: "worker", retryDelay: "1 second" }))
      )
      const loud = yield* Effect.fork(
        Effect.fail("down").pipe(
          Retry.continuous({ name: "worker2", retryDelay: "1 second", alertAt: { attempts: 5 } })
        )
      )
      yield* TestClock.adjust("1 minute")
      const sent = yield* NotifierTest.sent
      expect(sent.map((event) => [event.operation, (event as Alert.Firing).attempt])).toEqual([
        ["worker2", 5]
      ])
      yield* Effect.all([quiet, loud].map((fiber) => fiber.interruptAsFork(fiber.id())))
    }).pipe(Effect.provide(services()))
  )
})

describe("maxElapsed", () => {
  it.effect(
    "never starts a wait that would end past the deadline, then gives up with the original error",
    () => {
      const logs = captureLogs()
      return Effect.gen(function* () {
        const error = new Error("HTTP 500")
        const op = failingAt(error)
        const exit = yield* runPastBackoff(
          op.effect.pipe(
            Retry.retry({
              name: "deadline",
              maxAttempts: 100,
              schedule: Schedule.spaced("3 seconds"),
              maxElapsed: "10 seconds"
            })
          )
        )
        // Failures at 0, 3, 6, 9 s; a wait from 9 s to 12 s would pass 10 s.
        expect(op.times).toEqual([0, 3000, 6000, 9000])
        expect(failureOf(exit)).toBe(error)
        const error_ = logs.lines.find((line) => line.level === "ERROR")
        expect(error_?.message).toBe(
          "deadline gave up after 4 attempts: waiting 3s more would pass its maxElapsed of 10s (failing since 9s): Error: HTTP 500"
        )
      }).pipe(Effect.provide(Layer.mergeAll(services(), logs.layer)))
    }
  )

  it.effect("holds with the jittered default backoff: no attempt after the deadline", () =>
    Effect.gen(function* () {
      for (let run = 0; run < 20; run++) {
        const op = failingAt("down")
        yield* runPastBackoff(
          op.effect.pipe(Retry.retry({ name: "jittered", maxAttempts: 100, maxElapsed: "45 seconds" }))
        )
        const first = op.times[0]!
        expect(op.times.at(-1)! - first).toBeLessThanOrEqual(45_000)
        expect(op.times.length).toBeGreaterThan(3)
      }
    }).pipe(Effect.provide(services()))
  )
})

describe("retryAfter", () => {
  const retryAfter = (error: Busy) =>
    error.retryAfterSeconds === undefined ? undefined : Duration.seconds(error.retryAfterSeconds)

  it.effect("replaces the backoff for that retry, even past maxWait", () =>
    Effect.gen(function* () {
      const errors = [new Busy({ retryAfterSeconds: 7 }), new Busy({}), new Busy({ retryAfterSeconds: 0 })]
      let call = 0
      const times: Array<number> = []
      const op = Effect.flatMap(Clock.currentTimeMillis, (now) => {
        times.push(now)
        const error = errors[call++]
        return error === undefined ? Effect.succeed("ok") : Effect.fail(error)
      })
      const exit = yield* runPastBackoff(
        op.pipe(Retry.retry({ name: "busy", maxWait: "2 seconds", retryAfter }))
      )
      expect(exit).toEqual(Exit.succeed("ok"))
      const gaps = times.slice(1).map((t, i) => t - times[i]!)
      expect(gaps[0]).toBe(7000) // asked for 7 s: more than maxWait
      expect(gaps[1]).toBeGreaterThan(0) // asked for nothing: the backoff
      expect(gaps[1]).toBeLessThanOrEqual(2000)
      expect(gaps[2]).toBe(0) // asked for 0 s
    }).pipe(Effect.provide(services()))
  )

  it.effect("is cut to maxRetryAfter, and never waits past maxElapsed", () =>
    Effect.gen(function* () {
      const capped = failingAt(new Busy({ retryAfterSeconds: 86_400 }))
      yield* runPastBackoff(
        capped.effect.pipe(
          Retry.retry({ name: "capped", maxAttempts: 3, retryAfter, maxRetryAfter: "30 seconds" })
        ),
        "1 day"
      )
      expect(capped.times).toEqual([0, 30_000, 60_000])

      const hostile = failingAt(new Busy({ retryAfterSeconds: 10 ** 9 }))
      yield* runPastBackoff(
        hostile.effect.pipe(Retry.retry({ name: "hostile", maxAttempts: 2, retryAfter })),
        "1 day"
      )
      expect(hostile.times[1]! - hostile.times[0]!).toBe(Duration.toMillis(Retry.DEFAULT_MAX_RETRY_AFTER))

      const late = failingAt(new Busy({ retryAfterSeconds: 20 }))
      yield* runPastBackoff(
        late.effect.pipe(Retry.retry({ name: "late", maxAttempts: 5, retryAfter, maxElapsed: "15 seconds" }))
      )
      expect(late.times).toHaveLength(1)
    }).pipe(Effect.provide(services()))
  )

  it.effect("a retryAfter that throws or answers garbage asks for nothing", () =>
    Effect.gen(function* () {
      for (const bad of [
        () => {
          throw new Error("unparsable header")
        },
        () => "soon" as never,
        () => Number.NaN
      ]) {
        const op = failingAt("down")
        const exit = yield* runPastBackoff(
          op.effect.pipe(Retry.retry({ name: "bad", maxAttempts: 3, maxWait: "2 seconds", retryAfter: bad }))
        )
        expect(failureOf(exit)).toBe("down")
        expect(op.times).toHaveLength(3)
        for (const [i, t] of op.times.slice(1).entries()) expect(t - op.times[i]!).toBeLessThanOrEqual(2000)
      }
    }).pipe(Effect.provide(services()))
  )
})

describe("invalid new options", () => {
  it("throw InvalidOptionError naming them, at construction", () => {
    const bad: Array<[Retry.Options, RegExp]> = [
      [{ name: "f", alertAt: {} }, /"alertAt": must give attempts, after, or both/],
      [{ name: "f", alertAt: "soon" as never }, /"alertAt"/],
      [{ name: "f", alertAt: { attempts: 0 } }, /"alertAt.attempts"/],
      [{ name: "f", alertAt: { attempts: 2.5 } }, /"alertAt.attempts"/],
      [{ name: "f", alertAt: { after: "-1 minutes" } }, /"alertAt.after"/],
      [{ name: "f", maxElapsed: 0 }, /"maxElapsed"/],
      [{ name: "f", maxElapsed: Number.NaN }, /"maxElapsed"/],
      [{ name: "f", retryAfter: "2 seconds" as never }, /"retryAfter"/],
      [{ name: "f", maxRetryAfter: Duration.infinity }, /"maxRetryAfter"/],
      [{ name: "f", schedule: "exponential" as never }, /"schedule"/],
      [{ name: "f", budgetKey: " " }, /"budgetKey"/]
    ]
    for (const [options, message] of bad) {
      expect(() => Retry.retry(options)).toThrow(message)
      expect(() => Retry.policy(options)).toThrow(message)
    }
    expect(() => Retry.connRetry("db", "connect", { alertAt: { attempts: -1 } })).toThrow(
      /"alertAt.attempts"/
    )
    expect(() => Retry.continuous({ name: "w", alertAt: { after: "never" as never } })).toThrow(
      /"alertAt.after"/
    )
  })
})
