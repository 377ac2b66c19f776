/**
 * The memory retry budget: Finagle's rule, the sliding window and its buckets, keys, the bound
 * on memory, refusals, options. Time is the TestClock's.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Metric, TestClock } from "effect"
import { Metrics, RetryBudget } from "../src/index.js"

const build = (options: RetryBudget.Options = {}) =>
  Effect.map(Layer.build(RetryBudget.layer(options)), Context.get(RetryBudget.RetryBudget))

const depositN = (budget: RetryBudget.RetryBudgetService, key: string, n: number) => {
  for (let i = 0; i < n; i++) budget.deposit(key)
}

/** Asks for `n` retries; how many were allowed. */
const withdrawN = (budget: RetryBudget.RetryBudgetService, key: string, n: number) => {
  let allowed = 0
  for (let i = 0; i < n; i++) if (budget.tryWithdraw(key)) allowed++
  return allowed
}

describe("RetryBudget rule", () => {
  it.scoped("allows percent of the deposits in the window, for several percents", () =>
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
        expect(withdrawN(budget, "db", deposits + 10), `${percent}% of ${deposits}`).toBe(allowed)
        expect(budget.status("db")).toEqual({
          deposits,
          withdrawals: allowed,
          refusedLastMinute: deposits + 10 - allowed
        })
      }
    })
  )

  it.scoped("minPerSecond alone: minPerSecond × window retries with no first attempt at all", () =>
    Effect.gen(function* () {
      const twoPerSecond = yield* build({ percent: 0, minPerSecond: 2, window: "5 seconds" })
      expect(withdrawN(twoPerSecond, "db", 20)).toBe(10)
      const halfPerSecond = yield* build({ percent: 0, minPerSecond: 0.5, window: "10 seconds" })
      expect(withdrawN(halfPerSecond, "db", 20)).toBe(5)
      const none = yield* build({ percent: 0, minPerSecond: 0 })
      expect(withdrawN(none, "db", 5)).toBe(0)
    })
  )

  it.scoped("the defaults: 20% of the first attempts plus 10 per second over 10 seconds", () =>
    Effect.gen(function* () {
      const budget = yield* build()
      depositN(budget, "billing", 1_000)
      // 1,000 × 20% + 10 × 10 s
      expect(withdrawN(budget, "billing", 1_000)).toBe(300)
      expect(budget.status("billing")).toEqual({ deposits: 1_000, withdrawals: 300, refusedLastMinute: 700 })
    })
  )

  it.scoped("a refused retry is not a withdrawal: deposits make room again at once", () =>
    Effect.gen(function* () {
      const budget = yield* build({ percent: 50, minPerSecond: 0 })
      depositN(budget, "db", 2)
      expect(budget.tryWithdraw("db")).toBe(true)
      expect(budget.tryWithdraw("db")).toBe(false)
      expect(budget.tryWithdraw("db")).toBe(false)
      depositN(budget, "db", 2)
      expect(budget.tryWithdraw("db")).toBe(true)
      expect(budget.status("db")).toMatchObject({ deposits: 4, withdrawals: 2 })
    })
  )
})

describe("RetryBudget window", () => {
  it.scoped("deposits and withdrawals leave the window as it slides", () =>
    Effect.gen(function* () {
      const budget = yield* build({ percent: 100, minPerSecond: 0, window: "10 seconds" })
      depositN(budget, "db", 5)
      yield* TestClock.adjust("5 seconds")
      expect(withdrawN(budget, "db", 6)).toBe(5)

      // Just before the edge, the deposits made at 0 still count.
      yield* TestClock.setTime(9_999)
      expect(budget.status("db")).toMatchObject({ deposits: 5, withdrawals: 5 })
      // At 10 s they have left the window; the withdrawals made at 5 s have not.
      yield* TestClock.setTime(10_000)
      expect(budget.status("db")).toMatchObject({ deposits: 0, withdrawals: 5 })
      depositN(budget, "db", 5)
      expect(budget.tryWithdraw("db")).toBe(false)
      // At 15 s the withdrawals leave too: the deposits of 10 s allow 5 again.
      yield* TestClock.setTime(15_000)
      expect(budget.status("db")).toMatchObject({ deposits: 5, withdrawals: 0 })
      expect(withdrawN(budget, "db", 6)).toBe(5)
    })
  )

  it.scoped("buckets are window / 10 wide: an event counts until the 10th bucket after its own starts", () =>
    Effect.gen(function* () {
      const budget = yield* build({ window: "10 seconds" })
      yield* TestClock.setTime(1_500)
      budget.deposit("db")
      // Bucket 1 (1 s to 2 s) leaves the window when bucket 11 starts, at 11 s: the deposit
      // counted for 9.5 s, between 9/10 of the window and the whole window.
      yield* TestClock.setTime(10_999)
      expect(budget.status("db").deposits).toBe(1)
      yield* TestClock.setTime(11_000)
      expect(budget.status("db").deposits).toBe(0)
    })
  )

  it.scoped("a window of odd length: buckets of fractional width", () =>
    Effect.gen(function* () {
      const budget = yield* build({ percent: 100, minPerSecond: 0, window: "15 millis" })
      budget.deposit("db")
      yield* TestClock.setTime(13)
      expect(budget.status("db").deposits).toBe(1)
      // Bucket 0 is [0, 1.5): it leaves when bucket 10, [15, 16.5), starts.
      yield* TestClock.setTime(15)
      expect(budget.status("db").deposits).toBe(0)
    })
  )

  it.scoped("deposits in a steady stream land in their buckets (the deposit clock keeps up)", () =>
    Effect.gen(function* () {
      const budget = yield* build({ window: "10 seconds" })
      for (let step = 1; step <= 80; step++) {
        yield* TestClock.adjust("250 millis")
        budget.deposit("db")
      }
      // At 20 s the window is buckets 11 to 20: the deposits made from 11 s to 20 s.
      expect(budget.status("db").deposits).toBe(37)
      // A deposit at 21.5 s lands in bucket 21, which leaves the window at 31 s.
      yield* TestClock.adjust("1500 millis")
      budget.deposit("db")
      yield* TestClock.setTime(30_999)
      expect(budget.status("db").deposits).toBe(1)
      yield* TestClock.setTime(31_000)
      expect(budget.status("db").deposits).toBe(0)
    })
  )

  it.scoped("a quiet key jumps several windows at once", () =>
    Effect.gen(function* () {
      const budget = yield* build({ percent: 100, minPerSecond: 0 })
      depositN(budget, "db", 3)
      yield* TestClock.adjust("1 hour")
      expect(budget.status("db")).toEqual({ deposits: 0, withdrawals: 0, refusedLastMinute: 0 })
      expect(budget.tryWithdraw("db")).toBe(false)
      budget.deposit("db")
      expect(budget.tryWithdraw("db")).toBe(true)
    })
  )

  it.scoped("a steady rate stays within the budget: 5% failures are never refused", () =>
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
      }
      expect(refused).toBe(0)
    })
  )
})

describe("RetryBudget keys", () => {
  it.scoped("keys are independent", () =>
    Effect.gen(function* () {
      const budget = yield* build({ percent: 50, minPerSecond: 0 })
      depositN(budget, "billing", 10)
      expect(withdrawN(budget, "search", 3)).toBe(0)
      expect(withdrawN(budget, "billing", 10)).toBe(5)
      depositN(budget, "search", 2)
      expect(withdrawN(budget, "search", 3)).toBe(1)
      expect(budget.status("billing")).toEqual({ deposits: 10, withdrawals: 5, refusedLastMinute: 5 })
      expect(budget.status("search")).toEqual({ deposits: 2, withdrawals: 1, refusedLastMinute: 5 })
      expect(budget.status("unknown")).toEqual({ deposits: 0, withdrawals: 0, refusedLastMinute: 0 })
    })
  )

  it.scoped("maxKeys bounds memory: after 100,000 keys at most maxKeys are remembered", () =>
    Effect.gen(function* () {
      const budget = yield* build({ maxKeys: 1_000 })
      for (let i = 0; i < 100_000; i++) {
        budget.deposit(`key-${i}`)
        if (i % 7 === 0) budget.tryWithdraw(`key-${i}`)
      }
      expect(budget.size!()).toBe(1_000)
      expect(budget.status("key-99999").deposits).toBe(1)
      expect(budget.status("key-0").deposits).toBe(0)
      expect(budget.size!()).toBe(1_000)
    })
  )

  it.scoped("the least recently used key (to a bucket's width) is dropped first", () =>
    Effect.gen(function* () {
      const budget = yield* build({ maxKeys: 2 })
      budget.deposit("a")
      yield* TestClock.adjust("1 second")
      budget.deposit("b")
      yield* TestClock.adjust("1 second")
      budget.deposit("a") // a is the newest again
      budget.deposit("c") // drops b
      expect(budget.size!()).toBe(2)
      expect(budget.status("a").deposits).toBe(2)
      expect(budget.status("b").deposits).toBe(0)
      expect(budget.status("c").deposits).toBe(1)
    })
  )

  it.scoped("each layer build has its own state", () =>
    Effect.gen(function* () {
      const layer = RetryBudget.layer({ percent: 0, minPerSecond: 0.1, window: "10 seconds" })
      const first = yield* Effect.map(Layer.build(layer), Context.get(RetryBudget.RetryBudget))
      const second = yield* Effect.map(Layer.build(layer), Context.get(RetryBudget.RetryBudget))
      expect(first.tryWithdraw("db")).toBe(true)
      expect(first.tryWithdraw("db")).toBe(false)
      expect(second.tryWithdraw("db")).toBe(true)
      expect(second.status("db")).toEqual({ deposits: 0, withdrawals: 1, refusedLastMinute: 0 })
    })
  )
})

describe("RetryBudget refusals", () => {
  it.scoped("refusedLastMinute counts the refusals of the last minute, by buckets of 5 seconds", () =>
    Effect.gen(function* () {
      const budget = yield* build({ percent: 0, minPerSecond: 0 })
      yield* TestClock.setTime(2_000)
      expect(withdrawN(budget, "billing", 3)).toBe(0)
      yield* TestClock.setTime(30_000)
      expect(withdrawN(budget, "billing", 2)).toBe(0)
      expect(budget.status("billing").refusedLastMinute).toBe(5)
      // The bucket of 2 s is [0, 5 s): it leaves the minute at 60 s.
      yield* TestClock.setTime(59_999)
      expect(budget.status("billing").refusedLastMinute).toBe(5)
      yield* TestClock.setTime(60_000)
      expect(budget.status("billing").refusedLastMinute).toBe(2)
      yield* TestClock.setTime(90_000)
      expect(budget.status("billing").refusedLastMinute).toBe(0)
    })
  )

  it.scoped("every refusal increments Metrics.retriesRefused tagged with the key", () =>
    Effect.gen(function* () {
      const key = `metrics-${Math.random()}`
      const counter = Metrics.retriesRefused.pipe(Metric.tagged("key", key))
      const before = (yield* Metric.value(counter)).count
      const budget = yield* build({ percent: 0, minPerSecond: 0 })
      withdrawN(budget, key, 4)
      expect((yield* Metric.value(counter)).count - before).toBe(4)
    })
  )
})

describe("RetryBudget accessors", () => {
  it.effect("deposit, tryWithdraw and status through the service in the context", () =>
    Effect.gen(function* () {
      yield* RetryBudget.deposit("billing")
      expect(yield* RetryBudget.tryWithdraw("billing")).toBe(true)
      expect(yield* RetryBudget.tryWithdraw("billing")).toBe(false)
      expect(yield* RetryBudget.status("billing")).toEqual({
        deposits: 1,
        withdrawals: 1,
        refusedLastMinute: 1
      })
    }).pipe(Effect.provide(RetryBudget.layer({ percent: 100, minPerSecond: 0 })))
  )

  it("exports Finagle's defaults", () => {
    expect(RetryBudget.DEFAULT_PERCENT).toBe(20)
    expect(RetryBudget.DEFAULT_MIN_PER_SECOND).toBe(10)
    expect(RetryBudget.DEFAULT_WINDOW).toEqual(RetryBudget.DEFAULT_WINDOW)
    expect(RetryBudget.DEFAULT_MAX_KEYS).toBe(10_000)
    expect(RetryBudget.WINDOW_BUCKETS).toBe(10)
  })
})

describe("RetryBudget options", () => {
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
      ["window", { window: "forever" as never }],
      ["maxKeys", { maxKeys: 0 }],
      ["maxKeys", { maxKeys: 1.5 }]
    ]
    for (const [option, options] of cases) {
      let thrown: unknown
      try {
        RetryBudget.layer(options)
      } catch (error) {
        thrown = error
      }
      expect(thrown, option).toBeInstanceOf(RetryBudget.InvalidOptionError)
      expect((thrown as RetryBudget.InvalidOptionError).option).toBe(option)
    }
    expect(() =>
      RetryBudget.make({ percent: 0, minPerSecond: 0, window: "1 millis", maxKeys: 1 })
    ).not.toThrow()
  })
})
