/**
 * The contract every `RetryBudget` backend must meet, run against each of them (memory, Redis):
 * Finagle's rule (`percent` of the first attempts plus the `minPerSecond` reserve), the sliding
 * window in buckets on the Clock, keys independent, a key never used, refusals, the accessors, and
 * the options refused as documented in `src/RetryBudget.ts`. Time is the TestClock's.
 *
 * A backend may share its counts in the background (the Redis budget flushes them and reads back
 * everyone's every `flushInterval`). Such a backend is built with `flushInterval:`
 * {@link SYNC_INTERVAL}; the suite holds that sleep, so the background sync runs exactly when a
 * test asks for it (`budget.sync`) and never while the test moves the clock. A process alone must
 * see the same counts and make the same decisions before and after a sync: the tests sync before
 * their checks, so that what they check went through the backend's store.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Clock,
  Context,
  Deferred,
  Duration,
  Effect,
  Layer,
  Metric,
  Queue,
  type Scope,
  TestClock
} from "effect"
import { Metrics, RetryBudget } from "../src/index.js"
import { captureLogs } from "./support/logs.js"

/** Builds a fresh budget (fresh state) for one test. */
export type MakeBudgetLayer = (options: RetryBudget.Options) => Layer.Layer<RetryBudget.RetryBudget>

/**
 * The interval a backend that syncs in the background must be built with: the suite recognises
 * the sleeps this long as the sync loop's and holds them until the test calls `budget.sync`. Far
 * longer than any other sleep a budget makes (its bucket timer sleeps less than a bucket).
 */
export const SYNC_INTERVAL: Duration.Duration = Duration.days(1)

export interface BackendOptions {
  /** Whether the backend syncs in the background every {@link SYNC_INTERVAL} (Redis). */
  readonly syncs: boolean
}

/** A budget under test: the service, and its background sync, run once, on demand. */
export interface TestBudget extends RetryBudget.RetryBudgetService {
  /** Runs the backend's background sync once and waits until it is done (nothing for memory). */
  readonly sync: Effect.Effect<void>
}

/**
 * A Clock that reads and sleeps on `inner` (the TestClock), except for the sync loop's sleeps (of
 * {@link SYNC_INTERVAL}; half of it or more, so that a schedule's rounding cannot miss one): each
 * of those offers its release to `asleep` and waits for it, whatever the clock does. `sync`
 * releases the sleep in progress and waits for the next one, which the loop starts once the sync
 * is done.
 */
const heldSyncClock = (inner: Clock.Clock) =>
  Effect.map(Queue.unbounded<Deferred.Deferred<void>>(), (asleep) => {
    const held = Effect.flatMap(Deferred.make<void>(), (release) =>
      Effect.zipRight(Queue.offer(asleep, release), Deferred.await(release))
    )
    const clock: Clock.Clock = {
      [Clock.ClockTypeId]: Clock.ClockTypeId,
      unsafeCurrentTimeMillis: () => inner.unsafeCurrentTimeMillis(),
      unsafeCurrentTimeNanos: () => inner.unsafeCurrentTimeNanos(),
      currentTimeMillis: inner.currentTimeMillis,
      currentTimeNanos: inner.currentTimeNanos,
      sleep: (duration) =>
        Duration.toMillis(duration) >= Duration.toMillis(SYNC_INTERVAL) / 2 ? held : inner.sleep(duration)
    }
    /** Lets the sleeping sync loop run one sync, and waits until it sleeps again (the sync is done). */
    const sync = Effect.gen(function* () {
      yield* Deferred.succeed(yield* Queue.take(asleep), undefined)
      const next = yield* Queue.take(asleep)
      yield* Queue.offer(asleep, next)
    })
    return { clock, sync }
  })

/** Asks for `n` retries; how many were allowed. */
const withdrawN = (budget: RetryBudget.RetryBudgetService, key: string, n: number): number => {
  let allowed = 0
  for (let i = 0; i < n; i++) if (budget.tryWithdraw(key)) allowed++
  return allowed
}

const depositN = (budget: RetryBudget.RetryBudgetService, key: string, n: number): void => {
  for (let i = 0; i < n; i++) budget.deposit(key)
}

/**
 * The key's status, which a sync must not change: read before and after one, and the same.
 * Returns it for the test to check.
 */
const statusSynced = (budget: TestBudget, key: string) =>
  Effect.gen(function* () {
    const before = budget.status(key)
    yield* budget.sync
    expect(budget.status(key), `${key} after a sync`).toEqual(before)
    return before
  })

export const budgetSuite = (name: string, makeLayer: MakeBudgetLayer, backend: BackendOptions): void => {
  /** Builds a fresh budget, its sync held (see {@link heldSyncClock}). */
  const build = (options: RetryBudget.Options = {}): Effect.Effect<TestBudget, never, Scope.Scope> =>
    Effect.gen(function* () {
      const held = yield* heldSyncClock(yield* Effect.clock)
      const service = yield* Effect.map(
        Layer.build(makeLayer(options)).pipe(Effect.withClock(held.clock)),
        Context.get(RetryBudget.RetryBudget)
      )
      return { ...service, sync: backend.syncs ? held.sync : Effect.void }
    })

  /**
   * Runs `body` with its logs captured; the budget must log no warning: for the Redis budget a
   * warning means it decided without Redis, which would make the test prove nothing about it.
   */
  const withBudgets = <A, E>(body: Effect.Effect<A, E, Scope.Scope>) => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const result = yield* body
      const warnings = logs.lines.filter((line) => line.level === "WARN" || line.level === "ERROR")
      expect(warnings.map((line) => line.message)).toEqual([])
      return result
    }).pipe(Effect.provide(logs.layer))
  }

  describe(`RetryBudget behaviour: ${name}`, () => {
    describe("the rule", () => {
      it.scoped("allows percent of the deposits in the window, for several percents", () =>
        withBudgets(
          Effect.gen(function* () {
            for (const [percent, deposits, allowed] of [
              [0, 100, 0],
              [10, 100, 10],
              [20, 100, 20],
              [20, 15, 3],
              [33, 10, 3],
              [50, 7, 3],
              [100, 40, 40],
              [12.5, 80, 10]
            ] as const) {
              const budget = yield* build({ percent, minPerSecond: 0 })
              depositN(budget, "db", deposits)
              yield* budget.sync
              expect(withdrawN(budget, "db", deposits + 10), `${percent}% of ${deposits}`).toBe(allowed)
              expect(yield* statusSynced(budget, "db")).toEqual({
                deposits,
                withdrawals: allowed,
                refusedLastMinute: deposits + 10 - allowed
              })
              expect(budget.tryWithdraw("db"), `${percent}% of ${deposits}, after a sync`).toBe(false)
            }
          })
        )
      )

      it.scoped("minPerSecond alone: minPerSecond × window retries with no first attempt at all", () =>
        withBudgets(
          Effect.gen(function* () {
            const twoPerSecond = yield* build({ percent: 0, minPerSecond: 2, window: "5 seconds" })
            expect(withdrawN(twoPerSecond, "db", 20)).toBe(10)
            yield* twoPerSecond.sync
            expect(withdrawN(twoPerSecond, "db", 5)).toBe(0)
            const halfPerSecond = yield* build({ percent: 0, minPerSecond: 0.5, window: "10 seconds" })
            expect(withdrawN(halfPerSecond, "db", 20)).toBe(5)
            const none = yield* build({ percent: 0, minPerSecond: 0 })
            expect(withdrawN(none, "db", 5)).toBe(0)
            expect(yield* statusSynced(none, "db")).toEqual({
              deposits: 0,
              withdrawals: 0,
              refusedLastMinute: 5
            })
          })
        )
      )

      it.scoped("percent and the reserve add up: withdrawals + 1 <= deposits × percent + reserve", () =>
        withBudgets(
          Effect.gen(function* () {
            // 30 × 10% + 0.5 per second × 4 seconds = 3 + 2.
            const budget = yield* build({ percent: 10, minPerSecond: 0.5, window: "4 seconds" })
            depositN(budget, "db", 30)
            yield* budget.sync
            expect(withdrawN(budget, "db", 10)).toBe(5)
            // 9 more deposits are not 10% of one more retry; the 10th is.
            depositN(budget, "db", 9)
            yield* budget.sync
            expect(budget.tryWithdraw("db")).toBe(false)
            budget.deposit("db")
            expect(budget.tryWithdraw("db")).toBe(true)
            expect(yield* statusSynced(budget, "db")).toEqual({
              deposits: 40,
              withdrawals: 6,
              refusedLastMinute: 6
            })
          })
        )
      )

      it.scoped("the defaults: 20% of the first attempts plus 10 per second over 10 seconds", () =>
        withBudgets(
          Effect.gen(function* () {
            const budget = yield* build()
            depositN(budget, "billing", 1_000)
            // 1,000 × 20% + 10 × 10 s
            expect(withdrawN(budget, "billing", 1_000)).toBe(300)
            expect(yield* statusSynced(budget, "billing")).toEqual({
              deposits: 1_000,
              withdrawals: 300,
              refusedLastMinute: 700
            })
          })
        )
      )

      it.scoped("a refused retry is not a withdrawal: deposits make room again at once", () =>
        withBudgets(
          Effect.gen(function* () {
            const budget = yield* build({ percent: 50, minPerSecond: 0 })
            depositN(budget, "db", 2)
            expect(budget.tryWithdraw("db")).toBe(true)
            expect(budget.tryWithdraw("db")).toBe(false)
            yield* budget.sync
            expect(budget.tryWithdraw("db")).toBe(false)
            depositN(budget, "db", 2)
            expect(budget.tryWithdraw("db")).toBe(true)
            expect(yield* statusSynced(budget, "db")).toEqual({
              deposits: 4,
              withdrawals: 2,
              refusedLastMinute: 2
            })
          })
        )
      )

      it.scoped("syncing changes nothing a process alone sees, however often it syncs", () =>
        withBudgets(
          Effect.gen(function* () {
            const budget = yield* build({ percent: 50, minPerSecond: 0 })
            depositN(budget, "db", 6)
            expect(withdrawN(budget, "db", 2)).toBe(2)
            for (let round = 0; round < 3; round++) {
              expect(yield* statusSynced(budget, "db")).toEqual({
                deposits: 6,
                withdrawals: 2,
                refusedLastMinute: 0
              })
            }
            // Counted while synced counts are known: each count once.
            depositN(budget, "db", 2)
            expect(withdrawN(budget, "db", 5)).toBe(2)
            yield* budget.sync
            yield* budget.sync
            expect(yield* statusSynced(budget, "db")).toEqual({
              deposits: 8,
              withdrawals: 4,
              refusedLastMinute: 3
            })
            expect(budget.tryWithdraw("db")).toBe(false)
          })
        )
      )
    })

    describe("the window", () => {
      it.scoped("deposits and withdrawals leave the window as it slides", () =>
        withBudgets(
          Effect.gen(function* () {
            const budget = yield* build({ percent: 100, minPerSecond: 0, window: "10 seconds" })
            depositN(budget, "db", 5)
            yield* budget.sync
            yield* TestClock.adjust("5 seconds")
            expect(withdrawN(budget, "db", 6)).toBe(5)
            yield* budget.sync

            // Just before the edge, the deposits made at 0 still count.
            yield* TestClock.setTime(9_999)
            expect(yield* statusSynced(budget, "db")).toEqual({
              deposits: 5,
              withdrawals: 5,
              refusedLastMinute: 1
            })
            // At 10 s they have left the window; the withdrawals made at 5 s have not.
            yield* TestClock.setTime(10_000)
            expect(yield* statusSynced(budget, "db")).toEqual({
              deposits: 0,
              withdrawals: 5,
              refusedLastMinute: 1
            })
            depositN(budget, "db", 5)
            expect(budget.tryWithdraw("db")).toBe(false)
            yield* budget.sync
            // At 15 s the withdrawals leave too: the deposits of 10 s allow 5 again.
            yield* TestClock.setTime(15_000)
            expect(yield* statusSynced(budget, "db")).toEqual({
              deposits: 5,
              withdrawals: 0,
              refusedLastMinute: 2
            })
            expect(withdrawN(budget, "db", 6)).toBe(5)
          })
        )
      )

      it.scoped(
        "buckets are window / 10 wide: an event counts until the 10th bucket after its own starts",
        () =>
          withBudgets(
            Effect.gen(function* () {
              const budget = yield* build({ window: "10 seconds" })
              yield* TestClock.setTime(1_500)
              budget.deposit("db")
              yield* budget.sync
              // Bucket 1 (1 s to 2 s) leaves the window when bucket 11 starts, at 11 s: the deposit
              // counted for 9.5 s, between 9/10 of the window and the whole window.
              yield* TestClock.setTime(10_999)
              expect((yield* statusSynced(budget, "db")).deposits).toBe(1)
              yield* TestClock.setTime(11_000)
              expect((yield* statusSynced(budget, "db")).deposits).toBe(0)
            })
          )
      )

      it.scoped("a window of odd length: buckets of fractional width", () =>
        withBudgets(
          Effect.gen(function* () {
            const budget = yield* build({ percent: 100, minPerSecond: 0, window: "15 millis" })
            budget.deposit("db")
            yield* budget.sync
            yield* TestClock.setTime(13)
            expect((yield* statusSynced(budget, "db")).deposits).toBe(1)
            // Bucket 0 is [0, 1.5): it leaves when bucket 10, [15, 16.5), starts.
            yield* TestClock.setTime(15)
            expect((yield* statusSynced(budget, "db")).deposits).toBe(0)
          })
        )
      )

      it.scoped("deposits in a steady stream land in their buckets (the deposit clock keeps up)", () =>
        withBudgets(
          Effect.gen(function* () {
            const budget = yield* build({ window: "10 seconds" })
            for (let step = 1; step <= 80; step++) {
              yield* TestClock.adjust("250 millis")
              budget.deposit("db")
              if (step % 8 === 0) yield* budget.sync
            }
            // At 20 s the window is buckets 11 to 20: the deposits made from 11 s to 20 s.
            expect((yield* statusSynced(budget, "db")).deposits).toBe(37)
            // A deposit at 21.5 s lands in bucket 21, which leaves the window at 31 s.
            yield* TestClock.adjust("1500 millis")
            budget.deposit("db")
            yield* budget.sync
            yield* TestClock.setTime(30_999)
            expect((yield* statusSynced(budget, "db")).deposits).toBe(1)
            yield* TestClock.setTime(31_000)
            expect((yield* statusSynced(budget, "db")).deposits).toBe(0)
          })
        )
      )

      it.scoped("a quiet key jumps several windows at once", () =>
        withBudgets(
          Effect.gen(function* () {
            const budget = yield* build({ percent: 100, minPerSecond: 0 })
            depositN(budget, "db", 3)
            yield* budget.sync
            yield* TestClock.adjust("1 hour")
            expect(yield* statusSynced(budget, "db")).toEqual({
              deposits: 0,
              withdrawals: 0,
              refusedLastMinute: 0
            })
            expect(budget.tryWithdraw("db")).toBe(false)
            budget.deposit("db")
            expect(budget.tryWithdraw("db")).toBe(true)
          })
        )
      )

      it.scoped("a clock that steps back keeps the counts made before it: nothing is allowed twice", () =>
        withBudgets(
          Effect.gen(function* () {
            const budget = yield* build({ percent: 0, minPerSecond: 1, window: "10 seconds" })
            yield* TestClock.adjust("5 seconds")
            expect(withdrawN(budget, "db", 20)).toBe(10)
            yield* budget.sync
            // The host's clock is set back two seconds (NTP): the retries made "later" still count.
            yield* TestClock.setTime(3_000)
            expect(yield* statusSynced(budget, "db")).toMatchObject({ withdrawals: 10 })
            expect(withdrawN(budget, "db", 5)).toBe(0)
          })
        )
      )

      it.scoped("a steady rate stays within the budget: 5% failures are never refused", () =>
        withBudgets(
          Effect.gen(function* () {
            const budget = yield* build()
            let refused = 0
            // 200 calls a second for 60 s, one in 20 failing once.
            for (let second = 0; second < 60; second++) {
              yield* TestClock.setTime(second * 1_000)
              for (let call = 0; call < 200; call++) {
                budget.deposit("db")
                if (call % 20 === 0 && !budget.tryWithdraw("db")) refused++
              }
              yield* budget.sync
            }
            expect(refused).toBe(0)
            // The window holds the last 10 seconds: 2,000 first attempts, 100 retries.
            expect(yield* statusSynced(budget, "db")).toEqual({
              deposits: 2_000,
              withdrawals: 100,
              refusedLastMinute: 0
            })
          })
        )
      )
    })

    describe("keys", () => {
      it.scoped("keys are independent", () =>
        withBudgets(
          Effect.gen(function* () {
            const budget = yield* build({ percent: 50, minPerSecond: 0 })
            depositN(budget, "billing", 10)
            yield* budget.sync
            expect(withdrawN(budget, "search", 3)).toBe(0)
            expect(withdrawN(budget, "billing", 10)).toBe(5)
            depositN(budget, "search", 2)
            yield* budget.sync
            expect(withdrawN(budget, "search", 3)).toBe(1)
            expect(yield* statusSynced(budget, "billing")).toEqual({
              deposits: 10,
              withdrawals: 5,
              refusedLastMinute: 5
            })
            expect(yield* statusSynced(budget, "search")).toEqual({
              deposits: 2,
              withdrawals: 1,
              refusedLastMinute: 5
            })
            expect(yield* statusSynced(budget, "unknown")).toEqual({
              deposits: 0,
              withdrawals: 0,
              refusedLastMinute: 0
            })
          })
        )
      )

      it.scoped(
        "any string is a key of its own: empty, long, unicode, with separators or a prefix's shape",
        () =>
          withBudgets(
            Effect.gen(function* () {
              const budget = yield* build({ percent: 100, minPerSecond: 0 })
              const keys = [
                "",
                " ",
                "db",
                "db ",
                "DB",
                "a:b",
                "a:b:",
                "budget:db",
                "é",
                "e\u0301",
                "x".repeat(10_000)
              ]
              for (const [i, key] of keys.entries()) depositN(budget, key, i + 1)
              yield* budget.sync
              for (const [i, key] of keys.entries()) {
                expect(withdrawN(budget, key, i + 2), JSON.stringify(key.slice(0, 20))).toBe(i + 1)
              }
              for (const [i, key] of keys.entries()) {
                expect(yield* statusSynced(budget, key), JSON.stringify(key.slice(0, 20))).toEqual({
                  deposits: i + 1,
                  withdrawals: i + 1,
                  refusedLastMinute: 1
                })
              }
            })
          )
      )

      // Whether asking remembers the key (size) is the backend's: the Redis budget remembers it, to
      // read its shared counts at the next sync.
      it.scoped("the status of a key never used is all zeros, and asking it counts nothing", () =>
        withBudgets(
          Effect.gen(function* () {
            const budget = yield* build({ percent: 0, minPerSecond: 0.1, window: "10 seconds" })
            const none = { deposits: 0, withdrawals: 0, refusedLastMinute: 0 }
            expect(budget.status("never")).toEqual(none)
            expect(yield* statusSynced(budget, "never")).toEqual(none)
            // The key's one reserved retry is still there.
            expect(budget.tryWithdraw("never")).toBe(true)
            expect(budget.tryWithdraw("never")).toBe(false)
            expect(yield* statusSynced(budget, "never")).toEqual({
              deposits: 0,
              withdrawals: 1,
              refusedLastMinute: 1
            })
          })
        )
      )

      it.scoped("remembers at most maxKeys keys", () =>
        withBudgets(
          Effect.gen(function* () {
            const budget = yield* build({ maxKeys: 10 })
            for (let i = 0; i < 50; i++) {
              budget.deposit(`key-${i}`)
              if (i % 3 === 0) budget.tryWithdraw(`key-${i}`)
            }
            expect(budget.size?.()).toBe(10)
            yield* budget.sync
            expect(budget.size?.()).toBe(10)
            expect(yield* statusSynced(budget, "key-49")).toEqual({
              deposits: 1,
              withdrawals: 0,
              refusedLastMinute: 0
            })
          })
        )
      )
    })

    describe("refusals", () => {
      it.scoped("refusedLastMinute counts the refusals of the last minute, by buckets of 5 seconds", () =>
        withBudgets(
          Effect.gen(function* () {
            const budget = yield* build({ percent: 0, minPerSecond: 0 })
            yield* TestClock.setTime(2_000)
            expect(withdrawN(budget, "billing", 3)).toBe(0)
            yield* budget.sync
            yield* TestClock.setTime(30_000)
            expect(withdrawN(budget, "billing", 2)).toBe(0)
            expect((yield* statusSynced(budget, "billing")).refusedLastMinute).toBe(5)
            // The bucket of 2 s is [0, 5 s): it leaves the minute at 60 s.
            yield* TestClock.setTime(59_999)
            expect((yield* statusSynced(budget, "billing")).refusedLastMinute).toBe(5)
            yield* TestClock.setTime(60_000)
            expect((yield* statusSynced(budget, "billing")).refusedLastMinute).toBe(2)
            yield* TestClock.setTime(90_000)
            expect((yield* statusSynced(budget, "billing")).refusedLastMinute).toBe(0)
          })
        )
      )

      it.scoped("every refusal increments Metrics.retriesRefused tagged with the key", () =>
        withBudgets(
          Effect.gen(function* () {
            const key = `metrics-${name}-${Math.random()}`
            const counter = Metrics.retriesRefused.pipe(Metric.tagged("key", key))
            const before = (yield* Metric.value(counter)).count
            const budget = yield* build({ percent: 0, minPerSecond: 0.2, window: "10 seconds" })
            // 2 allowed by the reserve, then 4 refused.
            expect(withdrawN(budget, key, 6)).toBe(2)
            yield* budget.sync
            expect((yield* Metric.value(counter)).count - before).toBe(4)
          })
        )
      )
    })

    describe("accessors", () => {
      it.scoped("deposit, tryWithdraw and status through the service in the context", () =>
        withBudgets(
          Effect.gen(function* () {
            const budget = yield* build({ percent: 100, minPerSecond: 0 })
            yield* Effect.gen(function* () {
              yield* RetryBudget.deposit("billing")
              expect(yield* RetryBudget.tryWithdraw("billing")).toBe(true)
              yield* budget.sync
              expect(yield* RetryBudget.tryWithdraw("billing")).toBe(false)
              expect(yield* RetryBudget.status("billing")).toEqual({
                deposits: 1,
                withdrawals: 1,
                refusedLastMinute: 1
              })
            }).pipe(Effect.provideService(RetryBudget.RetryBudget, budget))
          })
        )
      )
    })

    describe("options", () => {
      it("rejects invalid options where the layer is written, naming the option", () => {
        const cases: ReadonlyArray<[string, RetryBudget.Options]> = [
          ["percent", { percent: -1 }],
          ["percent", { percent: 101 }],
          ["percent", { percent: Number.NaN }],
          ["percent", { percent: "20" as unknown as number }],
          ["minPerSecond", { minPerSecond: -1 }],
          ["minPerSecond", { minPerSecond: Number.POSITIVE_INFINITY }],
          ["window", { window: 0 }],
          ["window", { window: "-1 seconds" }],
          ["window", { window: Number.NaN }],
          ["window", { window: "forever" as never }],
          ["maxKeys", { maxKeys: 0 }],
          ["maxKeys", { maxKeys: 1.5 }]
        ]
        for (const [option, options] of cases) {
          let thrown: unknown
          try {
            makeLayer(options)
          } catch (error) {
            thrown = error
          }
          expect(thrown, `${option}: ${JSON.stringify(options)}`).toBeInstanceOf(
            RetryBudget.InvalidOptionError
          )
          expect((thrown as RetryBudget.InvalidOptionError).option).toBe(option)
        }
      })

      it.scoped("accepts the edges: percent 0 and 100, minPerSecond 0, a 1 ms window, maxKeys 1", () =>
        withBudgets(
          Effect.gen(function* () {
            const edges = yield* build({ percent: 0, minPerSecond: 0, window: "1 millis", maxKeys: 1 })
            edges.deposit("db")
            expect(edges.tryWithdraw("db")).toBe(false)
            const all = yield* build({ percent: 100, minPerSecond: 0, window: "1 millis", maxKeys: 1 })
            all.deposit("db")
            yield* all.sync
            expect(all.tryWithdraw("db")).toBe(true)
            expect(all.tryWithdraw("db")).toBe(false)
            all.deposit("other")
            expect(all.size?.()).toBe(1)
          })
        )
      )
    })
  })
}
