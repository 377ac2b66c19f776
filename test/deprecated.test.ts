/**
 * The 0.2 names kept for one release as deprecated aliases (README, "Upgrading from 0.2"): each
 * still does what its new name does.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Alert, AlertLimiter, Notifier, NotifierTest, Retry, RetryRuntime } from "../src/index.js"
import type { RedisAlertLimiter, RedisRetryBudget } from "../src/redis.js"

describe("deprecated aliases", () => {
  it.effect("AlertLimiter.layerMemory(options) is AlertLimiter.layer(options)", () =>
    Effect.gen(function* () {
      const options: AlertLimiter.MemoryOptions = { window: "1 minute" }
      const decisions = yield* Effect.all([
        AlertLimiter.shouldSendAlert("charge", new Error("HTTP 500")),
        AlertLimiter.shouldSendAlert("charge", new Error("HTTP 500"))
      ]).pipe(Effect.provide(AlertLimiter.layerMemory(options)))
      expect(decisions).toEqual([true, false])
    })
  )

  it.effect("the Alert functions still take their 0.2 positional arguments", () =>
    Effect.gen(function* () {
      expect(Alert.criticalRetryMessage("charge", 50, new Error("HTTP 500"), "billing")).toBe(
        Alert.criticalRetryMessage({
          name: "charge",
          attempt: 50,
          error: new Error("HTTP 500"),
          context: "billing"
        })
      )
      const sent = yield* Effect.all([
        Alert.sendRateLimited("export", new Error("disk full"), "nightly", "Export failed"),
        Alert.sendCriticalRetryAlert("charge", 50, new Error("HTTP 500"), "billing")
      ])
      expect(sent).toEqual([true, true])
      const events = yield* NotifierTest.sent
      expect(events.map((event) => [event.operation, event.context, event.title])).toEqual([
        ["export", "nightly", "Export failed"],
        ["charge", "billing", '🚨 CRITICAL: operation "charge" is failing repeatedly']
      ])
    }).pipe(Effect.provide(Layer.merge(AlertLimiter.layer(), NotifierTest.layer())))
  )

  it("Notifier.make is Notifier.fromNotify; Retry.make is Retry.retry", () => {
    expect(Notifier.make).toBe(Notifier.fromNotify)
    expect(Retry.make).toBe(Retry.retry)
  })

  it("RetryRuntime.make is RetryRuntime.create; the renamed option types still name the same types", async () => {
    expect(RetryRuntime.make).toBe(RetryRuntime.create)
    const retries = RetryRuntime.make()
    expect(await retries.retry((x: number) => x + 1, { name: "add" })(1)).toBe(2)
    await retries.dispose()
    const options: Retry.RetryOptions &
      RetryRuntime.RetryOptions &
      RedisAlertLimiter.RedisOptions &
      RedisRetryBudget.RedisOptions = { name: "x" }
    expect(options.name).toBe("x")
  })
})
