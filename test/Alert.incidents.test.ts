/**
 * Alerts as incidents: an alert fires, fires again after the window while the operation keeps
 * failing, and resolves once at its first success. TestClock throughout; a real redis-server for
 * incidents shared by two processes.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Clock, Context, Effect, Fiber, Layer, Redacted, Schedule, TestClock } from "effect"
import { Alert, type AlertLimiter, Incidents, NotifierTest, Retry } from "../src/index.js"
import { RedisAlertLimiter } from "../src/redis.js"
import { ioTurn } from "./support/clockDriver.js"
import { captureLogs } from "./support/logs.js"
import { redisTestUrl, uniquePrefix } from "./support/redis.js"
import { services } from "./support/services.js"

/** Fails with "HTTP 500" until the Clock reaches `until` (millis), then succeeds. */
const downUntil = (until: number) =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    now < until ? Effect.fail(new Error("HTTP 500")) : Effect.succeed("ok")
  )

const minutes = (n: number) => n * 60_000

describe("incidents", () => {
  it.effect(
    "fire, fire again after the window with the same dedupKey, resolve once at the first success",
    () =>
      Effect.gen(function* () {
        const charge = downUntil(minutes(12)).pipe(
          Retry.retry({
            name: "charge",
            context: "billing",
            maxAttempts: 100,
            schedule: Schedule.spaced("1 minute"),
            alertAt: { attempts: 3 }
          })
        )
        // One caller from the start, a second one from minute 6; both recover at minute 12.
        const first = yield* Effect.fork(charge)
        yield* TestClock.adjust(minutes(6))
        const second = yield* Effect.fork(charge)
        yield* TestClock.adjust(minutes(10))
        expect(yield* Fiber.join(first)).toBe("ok")
        expect(yield* Fiber.join(second)).toBe("ok")

        const events = yield* NotifierTest.sent
        expect(
          events.map((event) => [event._tag, event.at, event._tag === "Firing" ? event.attempt : undefined])
        ).toEqual([
          ["Firing", minutes(2), 3],
          ["Firing", minutes(8), 3],
          ["Resolved", minutes(12), undefined]
        ])
        const [fired, refired, resolved] = events
        expect(new Set(events.map((event) => event.dedupKey)).size).toBe(1)
        expect(fired!.dedupKey).toMatch(/^billing\/charge\/[0-9a-f]{14}$/)
        // The re-fire belongs to the incident that started with the first caller's first failure.
        expect(refired!.startedAt).toBe(0)
        // One "failing since": the incident's, not the second caller's loop's (minute 6).
        expect(refired!.text).toContain("Failing since: 1970-01-01T00:00:00.000Z (8m)")
        expect(refired!.text).toContain("Still failing; first alerted at 1970-01-01T00:02:00.000Z.")
        expect(refired!.text.match(/since/gi)).toHaveLength(1)
        expect(resolved).toMatchObject({
          _tag: "Resolved",
          // The severity it fired with: destinations that key on labels find the same alert.
          severity: "critical",
          operation: "charge",
          context: "billing",
          startedAt: 0,
          // The failed attempts after it first fired: the first caller's at minutes 3 to 11, the
          // second caller's at minutes 6 to 11.
          failures: 9 + 6
        })
        expect(resolved!.title).toBe("✅ RESOLVED: charge (billing) resolved after 12m")
        expect(resolved!.text).toContain(
          "15 failed attempts and 0 suppressed alerts since it first fired at 1970-01-01T00:02:00.000Z."
        )
      }).pipe(Effect.provide(services()))
  )

  it.effect("without a context, the dedupKey is the operation and the hash: no empty part", () =>
    Effect.gen(function* () {
      const charge = downUntil(minutes(3)).pipe(
        Retry.retry({
          name: "charge",
          maxAttempts: 10,
          schedule: Schedule.spaced("1 minute"),
          alertAt: { attempts: 2 }
        })
      )
      const fiber = yield* Effect.fork(charge)
      yield* TestClock.adjust(minutes(5))
      expect(yield* Fiber.join(fiber)).toBe("ok")
      const events = yield* NotifierTest.sent
      expect(events.map((event) => event._tag)).toEqual(["Firing", "Resolved"])
      expect(events[0]!.context).toBe("")
      expect(events[0]!.dedupKey).toMatch(/^charge\/[0-9a-f]{14}$/)
      expect(events[1]!.dedupKey).toBe(events[0]!.dedupKey)
    }).pipe(Effect.provide(services()))
  )

  it.effect("10,000 fibers succeeding at once send one resolved event", () =>
    Effect.gen(function* () {
      expect(
        yield* Alert.sendCriticalRetryAlert({
          name: "charge",
          attempt: 50,
          error: new Error("HTTP 500"),
          context: "billing"
        })
      ).toBe(true)
      expect(yield* Incidents.count).toBe(1)
      const calls = Array.from({ length: 10_000 }, () =>
        Effect.succeed("ok").pipe(Retry.retry({ name: "charge", context: "billing" }))
      )
      yield* Effect.all(calls, { concurrency: "unbounded" })
      const events = yield* NotifierTest.sent
      expect(events.map((event) => event._tag)).toEqual(["Firing", "Resolved"])
      expect(events[1]!.dedupKey).toBe(events[0]!.dedupKey)
      expect(yield* Incidents.count).toBe(0)
    }).pipe(Effect.provide(services()))
  )

  it.effect(
    "past maxEntries the least recently active incident is evicted and logged, never the new one",
    () => {
      const logs = captureLogs()
      return Effect.gen(function* () {
        // Four incidents of one operation (four messages), one store of three.
        for (const n of [1, 2, 3, 4]) {
          yield* Alert.sendCriticalRetryAlert({
            name: "charge",
            attempt: 50,
            error: new Error(`HTTP 50${n}`),
            context: "billing"
          })
          yield* TestClock.adjust("1 second")
        }
        expect(yield* Incidents.count).toBe(3)
        const evicted = logs.lines.filter((line) => line.message.startsWith("Incident "))
        expect(evicted).toHaveLength(1)
        expect(evicted[0]!.level).toBe("WARN")
        expect(evicted[0]!.message).toContain("forgotten: more than 3 incidents open (maxEntries)")
        // The first success resolves the three it still knows, the newest one included.
        yield* Effect.succeed("ok").pipe(Retry.retry({ name: "charge", context: "billing" }))
        const events = yield* NotifierTest.sent
        const fired = events.filter((event) => event._tag === "Firing")
        const resolved = events.filter((event) => event._tag === "Resolved")
        expect(fired).toHaveLength(4)
        expect(resolved.map((event) => event.dedupKey).sort()).toEqual(
          fired
            .slice(1)
            .map((event) => event.dedupKey)
            .sort()
        )
        expect(evicted[0]!.annotations.dedupKey).toBe(fired[0]!.dedupKey)
      }).pipe(Effect.provide(Layer.mergeAll(services({ limiter: { maxEntries: 3 } }), logs.layer)))
    }
  )

  it.effect("an incident that keeps failing stays; the least recently active one goes", () =>
    Effect.gen(function* () {
      yield* Alert.sendCriticalRetryAlert({
        name: "a",
        attempt: 50,
        error: new Error("HTTP 500"),
        context: "x"
      })
      yield* Alert.sendCriticalRetryAlert({
        name: "b",
        attempt: 50,
        error: new Error("HTTP 500"),
        context: "x"
      })
      // "a" fails again (a failed attempt of a loop): now "b" is the least recently active.
      const failingA = Effect.fail(new Error("HTTP 500")).pipe(
        Retry.retry({ name: "a", context: "x", maxAttempts: 2, schedule: Schedule.spaced("1 second") })
      )
      yield* Effect.exit(Effect.zipLeft(Effect.fork(failingA), TestClock.adjust("2 seconds")))
      yield* Alert.sendCriticalRetryAlert({
        name: "c",
        attempt: 50,
        error: new Error("HTTP 500"),
        context: "x"
      })
      const open = (yield* Incidents.list).map((incident) => incident.operation)
      expect(open.sort()).toEqual(["a", "c"])
    }).pipe(Effect.provide(services({ limiter: { maxEntries: 2 } })))
  )

  it.effect("a loop that gives up resolves nothing; the next success does", () =>
    Effect.gen(function* () {
      const failing = Effect.fail(new Error("HTTP 500")).pipe(
        Retry.retry({ name: "charge", context: "billing", maxAttempts: 4, alertAt: { attempts: 2 } })
      )
      yield* Effect.fork(failing)
      yield* TestClock.adjust("1 hour")
      expect((yield* NotifierTest.sent).map((event) => event._tag)).toEqual(["Firing"])
      // Another operation's success resolves nothing either.
      yield* Effect.succeed(1).pipe(Retry.retry({ name: "refund", context: "billing" }))
      yield* Effect.succeed(1).pipe(Retry.retry({ name: "charge", context: "shipping" }))
      expect((yield* NotifierTest.sent).map((event) => event._tag)).toEqual(["Firing"])
      yield* Effect.succeed(1).pipe(Retry.retry({ name: "charge", context: "billing" }))
      expect((yield* NotifierTest.sent).map((event) => event._tag)).toEqual(["Firing", "Resolved"])
    }).pipe(Effect.provide(services()))
  )

  it.effect("resolved events are never suppressed by the window nor held back by the ceiling", () =>
    Effect.gen(function* () {
      // A ceiling of one alert a minute, used up by the firing.
      yield* Alert.sendCriticalRetryAlert({
        name: "charge",
        attempt: 50,
        error: new Error("HTTP 500"),
        context: "billing"
      })
      expect(
        yield* Alert.sendCriticalRetryAlert({
          name: "other",
          attempt: 50,
          error: new Error("boom"),
          context: "x"
        })
      ).toBe(false)
      yield* Effect.succeed(1).pipe(Retry.retry({ name: "charge", context: "billing" }))
      expect((yield* NotifierTest.sent).map((event) => event._tag)).toEqual(["Firing", "Resolved"])
      // Within the window, the same failure is suppressed (no new incident), so nothing resolves.
      expect(
        yield* Alert.sendCriticalRetryAlert({
          name: "charge",
          attempt: 50,
          error: new Error("HTTP 500"),
          context: "billing"
        })
      ).toBe(false)
      yield* Effect.succeed(1).pipe(Retry.retry({ name: "charge", context: "billing" }))
      expect(yield* NotifierTest.sent).toHaveLength(2)
    }).pipe(Effect.provide(services({ limiter: { ceiling: 1 } })))
  )

  it.effect("a resolved event that cannot be delivered is logged with its text", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      yield* Alert.sendCriticalRetryAlert({
        name: "charge",
        attempt: 50,
        error: new Error("HTTP 500"),
        context: "billing"
      })
      yield* NotifierTest.flush // the firing is delivered; the resolved event will fail
      yield* NotifierTest.setFailure(Cause.die(new Error("webhook gone")))
      yield* Effect.succeed(1).pipe(Retry.retry({ name: "charge", context: "billing" }))
      yield* NotifierTest.flush
      const failures = logs.lines.filter((line) => line.message.startsWith("Alert could not be delivered"))
      expect(failures.map((line) => line.message)).toEqual([
        "Alert could not be delivered: ✅ RESOLVED: charge (billing) resolved after 0s\n0 failed attempts and 0 suppressed alerts since it first fired at 1970-01-01T00:00:00.000Z."
      ])
      expect(failures[0]!.annotations.dedupKey).toMatch(/^billing\/charge\//)
    }).pipe(Effect.provide(Layer.mergeAll(services(), logs.layer)))
  })

  it.effect("connRetry's infrastructure alert resolves when the connection succeeds", () =>
    Effect.gen(function* () {
      const connect = downUntil(minutes(3)).pipe(
        Retry.connRetry("postgres", "connect", {
          schedule: Schedule.spaced("30 seconds"),
          alertAt: { attempts: 2 }
        })
      )
      const fiber = yield* Effect.fork(connect)
      yield* TestClock.adjust(minutes(5))
      expect(yield* Fiber.join(fiber)).toBe("ok")
      const events = yield* NotifierTest.sent
      expect(events.map((event) => [event._tag, event.context, event.operation])).toEqual([
        ["Firing", "postgres_infrastructure", "connect"],
        ["Resolved", "postgres_infrastructure", "connect"]
      ])
    }).pipe(Effect.provide(services()))
  )
})

describe("incidents shared through Redis", () => {
  it.scoped("two processes: one fires, the other's recovery resolves it, once", () =>
    Effect.gen(function* () {
      const prefix = uniquePrefix()
      const url = Redacted.make(redisTestUrl())
      // Two "processes": each with its own limiter (own connection and memory) and notifier.
      const processA = yield* Layer.build(
        Layer.merge(RedisAlertLimiter.layer({ url, prefix, timeout: "5 seconds" }), NotifierTest.layer())
      )
      const processB = yield* Layer.build(
        Layer.merge(RedisAlertLimiter.layer({ url, prefix, timeout: "5 seconds" }), NotifierTest.layer())
      )
      const inA = <A, E>(
        effect: Effect.Effect<
          A,
          E,
          AlertLimiter.AlertLimiter | NotifierTest.NotifierTest | Retry.Requirements
        >
      ) => Effect.provide(effect, processA)
      const inB = <A, E>(
        effect: Effect.Effect<
          A,
          E,
          AlertLimiter.AlertLimiter | NotifierTest.NotifierTest | Retry.Requirements
        >
      ) => Effect.provide(effect, processB)

      const error = new Error("HTTP 500")
      expect(
        yield* inA(Alert.sendCriticalRetryAlert({ name: "charge", attempt: 50, error, context: "billing" }))
      ).toBe(true)
      // B fails too, after A's alert: suppressed across processes.
      expect(
        yield* inB(Alert.sendCriticalRetryAlert({ name: "charge", attempt: 50, error, context: "billing" }))
      ).toBe(false)

      // B learns of A's incident at its next poll of the incidents' version (one second).
      yield* TestClock.adjust("1 second")
      const storeOfB = Context.get(processB, Incidents.Incidents)
      for (let turn = 0; turn < 1_000 && !storeOfB.isOpen("billing", "charge"); turn++) yield* ioTurn
      expect(storeOfB.isOpen("billing", "charge")).toBe(true)

      // B recovers after a failure: it asks Redis and resolves the incident A fired.
      let failedOnce = false
      const flaky = Effect.suspend(() => {
        if (failedOnce) return Effect.succeed("ok")
        failedOnce = true
        return Effect.fail(error)
      })
      const recovered = yield* Effect.fork(
        inB(
          flaky.pipe(
            Retry.retry({ name: "charge", context: "billing", schedule: Schedule.spaced("1 second") })
          )
        )
      )
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(recovered)).toBe("ok")

      // A's own first-attempt success asks Redis too (A knows it fired): already resolved.
      yield* inA(Effect.succeed(1).pipe(Retry.retry({ name: "charge", context: "billing" })))

      const sentByA = yield* inA(NotifierTest.sent)
      const sentByB = yield* inB(NotifierTest.sent)
      expect(sentByA.map((event) => event._tag)).toEqual(["Firing"])
      expect(sentByB.map((event) => event._tag)).toEqual(["Resolved"])
      expect(sentByB[0]!.dedupKey).toBe(sentByA[0]!.dedupKey)
      expect(sentByB[0]!.startedAt).toBe(sentByA[0]!.startedAt)
    })
  )
})
