/**
 * The circuit breaker's contract, as a specification, run against every store (memory, one Redis
 * server, a Redis Cluster): each trip rule, the states, the open time as a Schedule, isolate and
 * reset, the transitions, the metrics, and the incident of an opening. TestClock throughout; each
 * test builds its own breaker (fresh state).
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Chunk,
  Duration,
  Effect,
  type Exit,
  Fiber,
  Layer,
  Metric,
  Ref,
  Schedule,
  Stream,
  TestClock
} from "effect"
import { CircuitBreaker, Metrics, NotifierTest } from "../src/index.js"
import { defectOf, failureOf } from "./support/exits.js"
import { captureLogs } from "./support/logs.js"
import { services } from "./support/services.js"

/** A dependency whose answer the test sets, counting the calls that reach it. */
const dependency = Effect.gen(function* () {
  const healthy = yield* Ref.make(false)
  const calls = yield* Ref.make(0)
  const call = Effect.zipRight(
    Ref.update(calls, (n) => n + 1),
    Effect.flatMap(Ref.get(healthy), (ok) => (ok ? Effect.succeed("ok") : Effect.fail(new Error("HTTP 503"))))
  )
  return {
    call,
    calls: Ref.get(calls),
    heal: Ref.set(healthy, true),
    break: Ref.set(healthy, false)
  }
})

/** Runs `effect` `times` times through circuit `key`, ignoring the outcomes. */
export const callTimes = <A, E>(key: string, effect: Effect.Effect<A, E>, times: number) =>
  Effect.forEach(Array.from({ length: times }), () => Effect.exit(CircuitBreaker.protect(effect, key)), {
    discard: true
  })

const rejectionOf = <A, E>(exit: Exit.Exit<A, E>): CircuitBreaker.CircuitOpen => {
  const error = failureOf(exit)
  expect(CircuitBreaker.isCircuitOpen(error), `a CircuitOpen, not ${String(exit)}`).toBe(true)
  return error as unknown as CircuitBreaker.CircuitOpen
}

/** Lets the forked alert path (a fork per transition) run to its hand-over. */
const settle = Effect.repeatN(Effect.yieldNow(), 20)

/** One turn of the event loop (its I/O included): not a wait on any Clock. */
const ioTurn = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

/**
 * Forks `effect`, which sleeps `sleep` on the TestClock through the breaker, and waits, turn by
 * turn, until it sleeps: it has gone through the store (a Redis store answers over a socket), so
 * that `TestClock.adjust` wakes it. Other fibers may sleep until the same instant (the breaker's
 * bucket timer): a new sleep is told by the count.
 */
const forkSleeping = <A, E, R>(effect: Effect.Effect<A, E, R>, sleep: Duration.DurationInput) =>
  Effect.gen(function* () {
    const wakeAt = (yield* TestClock.currentTimeMillis) + Duration.toMillis(sleep)
    const sleepers = Effect.map(
      TestClock.sleeps(),
      (sleeps) => Chunk.filter(sleeps, (at) => at === wakeAt).length
    )
    const before = yield* sleepers
    const fiber = yield* Effect.fork(effect)
    while ((yield* sleepers) <= before) yield* ioTurn
    return fiber
  })

/** Builds a fresh breaker (fresh state) for one test. */
export type MakeBreakerLayer = (options: CircuitBreaker.Options) => Layer.Layer<CircuitBreaker.CircuitBreaker>

export const breakerSuite = (name: string, make: MakeBreakerLayer): void => {
  describe(`${name}: trip rules`, () => {
    it.effect(
      "consecutive failures open the circuit; then calls fail at once with CircuitOpen, never run",
      () =>
        Effect.gen(function* () {
          const dep = yield* dependency
          yield* callTimes("payments", dep.call, 3)
          expect(yield* CircuitBreaker.state("payments")).toBe("open")
          const exit = yield* Effect.exit(CircuitBreaker.protect(dep.call, "payments"))
          const rejection = rejectionOf(exit)
          expect(rejection.key).toBe("payments")
          expect(rejection.state).toBe("open")
          expect(Duration.toMillis(rejection.retryAfter)).toBe(5_000)
          expect(rejection.message).toBe("circuit payments is open: retry after 5s")
          expect(yield* dep.calls).toBe(3)
        }).pipe(Effect.provide(make({ consecutiveFailures: 3 })))
    )

    it.effect("a success between failures starts the count in a row again", () =>
      Effect.gen(function* () {
        const dep = yield* dependency
        yield* callTimes("payments", dep.call, 2)
        yield* dep.heal
        yield* callTimes("payments", dep.call, 1)
        yield* dep.break
        yield* callTimes("payments", dep.call, 2)
        expect(yield* CircuitBreaker.state("payments")).toBe("closed")
        yield* callTimes("payments", dep.call, 1)
        expect(yield* CircuitBreaker.state("payments")).toBe("open")
      }).pipe(Effect.provide(make({ consecutiveFailures: 3 })))
    )

    it.effect("the failure rate opens it once the window holds minimumCalls calls, not before", () =>
      Effect.gen(function* () {
        const dep = yield* dependency
        // 9 failures: 100% failed, but under the 10 calls the rate needs.
        yield* callTimes("search", dep.call, 9)
        expect(yield* CircuitBreaker.state("search")).toBe("closed")
        yield* dep.heal
        yield* callTimes("search", dep.call, 5)
        yield* dep.break
        // 14 calls, 9 failed (64%): the next failure is 10 of 15 (67%) and opens it.
        yield* callTimes("search", dep.call, 1)
        expect(yield* CircuitBreaker.state("search")).toBe("open")
      }).pipe(Effect.provide(make({ consecutiveFailures: 1_000, minimumCalls: 10, failureRate: 0.6 })))
    )

    it.effect("a rate under the threshold keeps it closed", () =>
      Effect.gen(function* () {
        const dep = yield* dependency
        for (let i = 0; i < 10; i++) {
          yield* dep.heal
          yield* callTimes("search", dep.call, 2)
          yield* dep.break
          yield* callTimes("search", dep.call, 1)
        }
        // 10 of 30 failed (33%), under 50%.
        expect(yield* CircuitBreaker.state("search")).toBe("closed")
      }).pipe(Effect.provide(make({ consecutiveFailures: 1_000, minimumCalls: 10 })))
    )

    it.effect("failures leave the window as it slides: old failures do not count", () =>
      Effect.gen(function* () {
        const dep = yield* dependency
        yield* callTimes("search", dep.call, 9)
        yield* TestClock.adjust("31 seconds")
        yield* callTimes("search", dep.call, 9)
        expect(yield* CircuitBreaker.state("search")).toBe("closed")
        yield* callTimes("search", dep.call, 1)
        expect(yield* CircuitBreaker.state("search")).toBe("open")
      }).pipe(Effect.provide(make({ consecutiveFailures: 1_000, minimumCalls: 10 })))
    )

    it.effect("slow calls open it at their rate, though every call succeeds", () =>
      Effect.gen(function* () {
        const slow = Effect.as(Effect.sleep("2 seconds"), "late")
        const slowCall = Effect.gen(function* () {
          const fiber = yield* forkSleeping(CircuitBreaker.protect(slow, "reports"), "2 seconds")
          yield* TestClock.adjust("2 seconds")
          return yield* Fiber.join(fiber)
        })
        for (let i = 0; i < 3; i++) expect(yield* slowCall).toBe("late")
        expect(yield* CircuitBreaker.state("reports")).toBe("closed")
        // 4 slow of 4 calls: the default rate of 1 is reached.
        yield* slowCall
        expect(yield* CircuitBreaker.state("reports")).toBe("open")
        // A slow probe fails: it opens again.
        yield* TestClock.adjust("5 seconds")
        expect(yield* slowCall).toBe("late")
        expect(yield* CircuitBreaker.state("reports")).toBe("open")
      }).pipe(Effect.provide(make({ minimumCalls: 4, slowCalls: { duration: "1 second" } })))
    )

    it.effect("slow calls at a rate of 0.5 open it at the call that reaches it", () =>
      Effect.gen(function* () {
        const slow = Effect.as(Effect.sleep("2 seconds"), "late")
        yield* CircuitBreaker.protect(Effect.succeed("fast"), "reports")
        yield* CircuitBreaker.protect(Effect.succeed("fast"), "reports")
        yield* CircuitBreaker.protect(Effect.succeed("fast"), "reports")
        for (let i = 0; i < 3; i++) {
          const fiber = yield* forkSleeping(CircuitBreaker.protect(slow, "reports"), "2 seconds")
          yield* TestClock.adjust("2 seconds")
          yield* Fiber.join(fiber)
        }
        // 3 slow of 6 calls: 50%.
        expect(yield* CircuitBreaker.state("reports")).toBe("open")
      }).pipe(Effect.provide(make({ minimumCalls: 4, slowCalls: { duration: "1 second", rate: 0.5 } })))
    )

    it.effect(
      "isFailure decides which failures count; the others count as successes; defects never count",
      () =>
        Effect.gen(function* () {
          const notFound = Effect.fail({ status: 404 })
          const unavailable = Effect.fail({ status: 503 })
          yield* callTimes("users", notFound, 5)
          yield* callTimes("users", Effect.die("bug"), 5)
          expect(yield* CircuitBreaker.state("users")).toBe("closed")
          yield* callTimes("users", unavailable, 3)
          expect(yield* CircuitBreaker.state("users")).toBe("open")
        }).pipe(
          Effect.provide(
            make({
              consecutiveFailures: 3,
              isFailure: (error) => (error as { status: number }).status >= 500
            })
          )
        )
    )

    it.effect("a defect passes through unchanged", () =>
      Effect.gen(function* () {
        const exit = yield* Effect.exit(CircuitBreaker.protect(Effect.die("bug"), "users"))
        expect(defectOf(exit)).toBe("bug")
      }).pipe(Effect.provide(make({})))
    )

    it.effect("circuits are independent by key", () =>
      Effect.gen(function* () {
        const dep = yield* dependency
        yield* callTimes("payments", dep.call, 3)
        expect(yield* CircuitBreaker.state("payments")).toBe("open")
        expect(yield* CircuitBreaker.state("search")).toBe("closed")
      }).pipe(Effect.provide(make({ consecutiveFailures: 3 })))
    )
  })

  describe(`${name}: open, half-open, closed`, () => {
    it.effect("after the open time one probe runs; the others are rejected while it is in flight", () =>
      Effect.gen(function* () {
        const dep = yield* dependency
        yield* callTimes("payments", dep.call, 3)
        yield* TestClock.adjust("5 seconds")
        yield* dep.heal
        const slowProbe = Effect.zipRight(Effect.sleep("1 second"), dep.call)
        const probe = yield* forkSleeping(CircuitBreaker.protect(slowProbe, "payments"), "1 second")
        expect(yield* CircuitBreaker.state("payments")).toBe("half-open")
        const other = rejectionOf(yield* Effect.exit(CircuitBreaker.protect(dep.call, "payments")))
        expect(other.state).toBe("half-open")
        expect(Duration.toMillis(other.retryAfter)).toBe(1_000)
        yield* TestClock.adjust("1 second")
        expect(yield* Fiber.join(probe)).toBe("ok")
        expect(yield* CircuitBreaker.state("payments")).toBe("closed")
        // 3 failures and the probe reached the dependency; the rejected call did not.
        expect(yield* dep.calls).toBe(4)
      }).pipe(Effect.provide(make({ consecutiveFailures: 3 })))
    )

    it.effect("a failed probe opens it again, for the next step of the open time", () =>
      Effect.gen(function* () {
        const dep = yield* dependency
        yield* callTimes("payments", dep.call, 3)
        yield* TestClock.adjust("5 seconds")
        yield* callTimes("payments", dep.call, 1)
        expect(yield* CircuitBreaker.state("payments")).toBe("open")
        const rejection = rejectionOf(yield* Effect.exit(CircuitBreaker.protect(dep.call, "payments")))
        expect(Duration.toMillis(rejection.retryAfter)).toBe(10_000)
        yield* TestClock.adjust("10 seconds")
        yield* callTimes("payments", dep.call, 1)
        const third = rejectionOf(yield* Effect.exit(CircuitBreaker.protect(dep.call, "payments")))
        expect(Duration.toMillis(third.retryAfter)).toBe(20_000)
      }).pipe(Effect.provide(make({ consecutiveFailures: 3 })))
    )

    it.effect("with probes: 2, two probes run at once and two successes close it", () =>
      Effect.gen(function* () {
        const dep = yield* dependency
        yield* callTimes("payments", dep.call, 3)
        yield* TestClock.adjust("5 seconds")
        yield* dep.heal
        const callTaking = (duration: Duration.DurationInput) =>
          Effect.zipRight(Effect.sleep(duration), dep.call)
        const first = yield* forkSleeping(
          CircuitBreaker.protect(callTaking("1 second"), "payments"),
          "1 second"
        )
        const second = yield* forkSleeping(
          CircuitBreaker.protect(callTaking("2 seconds"), "payments"),
          "2 seconds"
        )
        rejectionOf(yield* Effect.exit(CircuitBreaker.protect(dep.call, "payments")))
        yield* TestClock.adjust("1 second")
        yield* Fiber.join(first)
        expect(yield* CircuitBreaker.state("payments")).toBe("half-open")
        yield* TestClock.adjust("1 second")
        yield* Fiber.join(second)
        expect(yield* CircuitBreaker.state("payments")).toBe("closed")
      }).pipe(Effect.provide(make({ consecutiveFailures: 3, probes: 2 })))
    )

    it.effect("the open time is the openFor schedule's delay at each opening in a row", () =>
      Effect.gen(function* () {
        const dep = yield* dependency
        const retryAfter = Effect.map(Effect.exit(CircuitBreaker.protect(dep.call, "payments")), (exit) =>
          Duration.toMillis(rejectionOf(exit).retryAfter)
        )
        yield* callTimes("payments", dep.call, 1)
        expect(yield* retryAfter).toBe(1_000)
        yield* TestClock.adjust("1 second")
        yield* callTimes("payments", dep.call, 1)
        expect(yield* retryAfter).toBe(3_000)
        yield* TestClock.adjust("3 seconds")
        yield* callTimes("payments", dep.call, 1)
        // The schedule ended: its last delay stays.
        expect(yield* retryAfter).toBe(3_000)
      }).pipe(
        Effect.provide(
          make({
            consecutiveFailures: 1,
            openFor: Schedule.fromDelays("1 second", "3 seconds")
          })
        )
      )
    )

    it.effect("closed for resetAfter, the open time starts again from its first step", () =>
      Effect.gen(function* () {
        const dep = yield* dependency
        const openFor = Effect.map(Effect.exit(CircuitBreaker.protect(dep.call, "payments")), (exit) =>
          Duration.toMillis(rejectionOf(exit).retryAfter)
        )
        const openThenClose = Effect.gen(function* () {
          yield* dep.break
          yield* callTimes("payments", dep.call, 1)
          const millis = yield* openFor
          yield* TestClock.adjust(Duration.millis(millis))
          yield* dep.heal
          yield* callTimes("payments", dep.call, 1)
          expect(yield* CircuitBreaker.state("payments")).toBe("closed")
          return millis
        })
        expect(yield* openThenClose).toBe(5_000)
        expect(yield* openThenClose).toBe(10_000)
        yield* TestClock.adjust("59 seconds")
        expect(yield* openThenClose).toBe(20_000)
        yield* TestClock.adjust("1 minute")
        expect(yield* openThenClose).toBe(5_000)
      }).pipe(Effect.provide(make({ consecutiveFailures: 1 })))
    )

    it.effect("the default open time doubles from 5 seconds up to 2 minutes", () =>
      Effect.gen(function* () {
        const dep = yield* dependency
        const seen: Array<number> = []
        yield* callTimes("payments", dep.call, 1)
        for (let i = 0; i < 7; i++) {
          const rejection = rejectionOf(yield* Effect.exit(CircuitBreaker.protect(dep.call, "payments")))
          seen.push(Duration.toMillis(rejection.retryAfter) / 1000)
          yield* TestClock.adjust(rejection.retryAfter)
          yield* callTimes("payments", dep.call, 1)
        }
        expect(seen).toEqual([5, 10, 20, 40, 80, 120, 120])
      }).pipe(Effect.provide(make({ consecutiveFailures: 1 })))
    )
  })

  describe(`${name}: by hand, and what it tells`, () => {
    it.effect("isolate rejects every call, with an infinite retryAfter, until reset", () =>
      Effect.gen(function* () {
        const dep = yield* dependency
        yield* dep.heal
        yield* CircuitBreaker.isolate("payments")
        expect(yield* CircuitBreaker.state("payments")).toBe("isolated")
        yield* TestClock.adjust("1 hour")
        const rejection = rejectionOf(yield* Effect.exit(CircuitBreaker.protect(dep.call, "payments")))
        expect(rejection.state).toBe("isolated")
        expect(Duration.isFinite(rejection.retryAfter)).toBe(false)
        expect(yield* dep.calls).toBe(0)
        yield* CircuitBreaker.reset("payments")
        expect(yield* CircuitBreaker.protect(dep.call, "payments")).toBe("ok")
      }).pipe(Effect.provide(make({})))
    )

    it.effect("reset closes an open circuit and forgets its openings", () =>
      Effect.gen(function* () {
        const dep = yield* dependency
        yield* callTimes("payments", dep.call, 1)
        yield* TestClock.adjust("5 seconds")
        yield* callTimes("payments", dep.call, 1)
        yield* CircuitBreaker.reset("payments")
        expect(yield* CircuitBreaker.state("payments")).toBe("closed")
        yield* callTimes("payments", dep.call, 1)
        const rejection = rejectionOf(yield* Effect.exit(CircuitBreaker.protect(dep.call, "payments")))
        expect(Duration.toMillis(rejection.retryAfter)).toBe(5_000)
      }).pipe(Effect.provide(make({ consecutiveFailures: 1 })))
    )

    it.effect("transitions stream every change", () =>
      Effect.gen(function* () {
        const dep = yield* dependency
        const collected = yield* CircuitBreaker.transitions.pipe(
          Stream.take(3),
          Stream.runCollect,
          Effect.fork
        )
        yield* settle
        yield* callTimes("payments", dep.call, 1)
        yield* TestClock.adjust("5 seconds")
        yield* dep.heal
        yield* callTimes("payments", dep.call, 1)
        const seen = Chunk.toReadonlyArray(yield* Fiber.join(collected))
        expect(seen.map((t) => `${t.from}->${t.to}`)).toEqual([
          "closed->open",
          "open->half-open",
          "half-open->closed"
        ])
        expect(seen[0]).toMatchObject({
          key: "payments",
          reason: "1 calls in a row failed",
          until: 5_000,
          local: true
        })
      }).pipe(Effect.provide(make({ consecutiveFailures: 1 })))
    )

    it.effect("metrics: the state gauge, transitions and rejected calls by key", () =>
      Effect.gen(function* () {
        const dep = yield* dependency
        const key = "metrics-circuit"
        const rejected = Metric.value(Metrics.circuitRejected.pipe(Metric.tagged("key", key)))
        const opened = Metric.value(
          Metrics.circuitTransitions.pipe(Metric.tagged("key", key), Metric.tagged("to", "open"))
        )
        const before = (yield* rejected).count
        const openedBefore = (yield* opened).count
        yield* callTimes(key, dep.call, 1)
        yield* callTimes(key, dep.call, 3)
        expect((yield* rejected).count - before).toBe(3)
        expect((yield* opened).count - openedBefore).toBe(1)
        expect((yield* Metric.value(Metrics.circuitState.pipe(Metric.tagged("key", key)))).value).toBe(2)
      }).pipe(Effect.provide(make({ consecutiveFailures: 1 })))
    )

    it.effect("open -> incident; closed -> resolved, with the same dedupKey", () =>
      Effect.gen(function* () {
        const dep = yield* dependency
        yield* callTimes("payments", dep.call, 3)
        yield* settle
        const [firing] = yield* NotifierTest.sent
        expect(firing).toMatchObject({
          _tag: "Firing",
          severity: "critical",
          operation: "circuit breaker",
          context: "payments",
          title: "Circuit payments opened"
        })
        expect(firing!.text).toContain("🔌 Circuit payments opened: 3 calls in a row failed.")
        expect(firing!.text).toContain(
          "Calls to payments are rejected at once until 1970-01-01T00:00:05.000Z"
        )
        yield* TestClock.adjust("5 seconds")
        yield* dep.heal
        yield* callTimes("payments", dep.call, 1)
        yield* settle
        const events = yield* NotifierTest.sent
        expect(events.map((event) => event._tag)).toEqual(["Firing", "Resolved"])
        expect(events[1]!.dedupKey).toBe(firing!.dedupKey)
      }).pipe(Effect.provide(Layer.merge(make({ consecutiveFailures: 3 }), services())))
    )

    it.effect("a reopening from half-open is the same incident: no second firing", () =>
      Effect.gen(function* () {
        const dep = yield* dependency
        yield* callTimes("payments", dep.call, 1)
        yield* TestClock.adjust("5 seconds")
        yield* callTimes("payments", dep.call, 1)
        yield* settle
        expect((yield* NotifierTest.sent).map((event) => event._tag)).toEqual(["Firing"])
      }).pipe(Effect.provide(Layer.merge(make({ consecutiveFailures: 1 }), services())))
    )

    it.effect("without alert services, an opening is logged", () => {
      const logs = captureLogs()
      return Effect.gen(function* () {
        const dep = yield* dependency
        yield* callTimes("payments", dep.call, 1)
        expect(logs.lines.map((line) => `${line.level} ${line.message}`)).toEqual([
          "WARN circuit payments opened (1 calls in a row failed); no alert limiter, incidents and notifier are provided to the caller, so no incident is opened"
        ])
      }).pipe(Effect.provide(Layer.merge(make({ consecutiveFailures: 1 }), logs.layer)))
    })
  })

  describe(`${name}: alert-only mode`, () => {
    it.effect(
      "rejects nothing, opens an incident on the failure rate, and resolves it when the rate falls back",
      () =>
        Effect.gen(function* () {
          const dep = yield* dependency
          yield* callTimes("search", dep.call, 10)
          expect(yield* CircuitBreaker.state("search")).toBe("open")
          // Still called: nothing is rejected.
          yield* callTimes("search", dep.call, 5)
          expect(yield* dep.calls).toBe(15)
          yield* settle
          const [firing] = yield* NotifierTest.sent
          expect(firing).toMatchObject({
            _tag: "Firing",
            severity: "error",
            title: "Calls to search keep failing"
          })
          expect(firing!.text).toContain("10 of 10 calls failed (100%) in the last 30s")
          // The window slides past the failures; successes then close it.
          yield* TestClock.adjust("31 seconds")
          yield* dep.heal
          yield* callTimes("search", dep.call, 1)
          yield* settle
          expect(yield* CircuitBreaker.state("search")).toBe("closed")
          expect((yield* NotifierTest.sent).map((event) => event._tag)).toEqual(["Firing", "Resolved"])
        }).pipe(
          Effect.provide(
            Layer.merge(
              make({ mode: "alert-only", consecutiveFailures: 1_000, minimumCalls: 10 }),
              services()
            )
          )
        )
    )
  })
}
