/**
 * What only the memory retry budget promises: a key dropped to stay within `maxKeys` starts again
 * from zero, least recently used first; each layer build has its own state; the exported
 * defaults; `make`. The contract every budget meets (the rule, the window, keys, refusals, the
 * accessors, the options) is in RetryBudget.behaviour.ts, run by RetryBudget.shared.test.ts
 * against this budget and the Redis one. Time is the TestClock's.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Layer, TestClock } from "effect"
import { RetryBudget } from "../src/index.js"

const build = (options: RetryBudget.Options = {}) =>
  Effect.map(Layer.build(RetryBudget.layer(options)), Context.get(RetryBudget.RetryBudget))

describe("RetryBudget keys", () => {
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

describe("RetryBudget accessors", () => {
  it("exports Finagle's defaults", () => {
    expect(RetryBudget.DEFAULT_PERCENT).toBe(20)
    expect(RetryBudget.DEFAULT_MIN_PER_SECOND).toBe(10)
    expect(RetryBudget.DEFAULT_WINDOW).toStrictEqual(Duration.seconds(10))
    expect(RetryBudget.DEFAULT_MAX_KEYS).toBe(10_000)
    expect(RetryBudget.WINDOW_BUCKETS).toBe(10)
  })
})
