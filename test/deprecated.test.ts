/**
 * The 0.2 names kept for one release as deprecated aliases (README, "Upgrading from 0.2"): each
 * still does what its new name does.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import {
  Alert,
  AlertLimiter,
  type AlertmanagerNotifier,
  type DiscordNotifier,
  Notifier,
  NotifierTest,
  type PagerDutyNotifier,
  Retry,
  RetryRuntime,
  type SlackNotifier,
  type WebhookNotifier
} from "../src/index.js"
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

  it("Notifier's option types name the destinations' options, both ways", () => {
    const webhookUrl = Redacted.make("https://discord.com/api/webhooks/1/a")
    const discord: DiscordNotifier.Options = {
      webhookUrl,
      username: "alerts"
    } satisfies Notifier.DiscordOptions
    const slack: SlackNotifier.Options = { webhookUrl } satisfies Notifier.SlackOptions
    const webhook: WebhookNotifier.Options = { webhookUrl } satisfies Notifier.WebhookOptions
    const delivery: WebhookNotifier.DeliveryOptions = { maxAttempts: 2 } satisfies Notifier.DeliveryOptions
    const pagerDuty: PagerDutyNotifier.Options = {
      routingKey: webhookUrl
    } satisfies Notifier.PagerDutyOptions
    const alertmanager: AlertmanagerNotifier.Options = {
      url: "http://alertmanager:9093"
    } satisfies Notifier.AlertmanagerOptions
    const old: [
      Notifier.DiscordOptions,
      Notifier.SlackOptions,
      Notifier.WebhookOptions,
      Notifier.DeliveryOptions,
      Notifier.PagerDutyOptions,
      Notifier.AlertmanagerOptions
    ] = [discord, slack, webhook, delivery, pagerDuty, alertmanager]
    expect(old.map((options) => Object.keys(options))).toEqual([
      ["webhookUrl", "username"],
      ["webhookUrl"],
      ["webhookUrl"],
      ["maxAttempts"],
      ["routingKey"],
      ["url"]
    ])
  })
})
