import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Exit, Layer, Metric, Redacted } from "effect"
import { Alert, AlertLimiter, DiscordNotifier, Metrics, Notifier, NotifierConfig } from "../src/index.js"
import { firing } from "./support/events.js"
import { configErrorOf } from "./support/exits.js"
import * as HttpServer from "./support/httpServer.js"
import { type LogLine, makeLogCapture } from "./support/logs.js"

const DISCORD_TOKEN = "DiscordT0ken-abcdefghijklmnopqrstuvwxyz"
const DISCORD_PATH = `/api/webhooks/445566/${DISCORD_TOKEN}`
const SLACK_SECRET = "SlackS3cret0123456789abcd"
const SLACK_PATH = `/services/T0AAA1111/B0BBB2222/${SLACK_SECRET}`

/** What each destination showed as the alert's headline, from the bodies a test server received. */
const discordTitles = (server: HttpServer.TestServer) =>
  Effect.map(server.bodies, (bodies) =>
    (bodies as ReadonlyArray<{ embeds: ReadonlyArray<{ title: string }>; allowed_mentions: unknown }>).map(
      (body) => [body.embeds[0]?.title, body.allowed_mentions]
    )
  )
const slackTexts = (server: HttpServer.TestServer) =>
  Effect.map(server.bodies, (bodies) => (bodies as ReadonlyArray<{ text: string }>).map((body) => body.text))

const PAGERDUTY_KEY = "PagerDutyR0ut1ngK3y0123456789abc"
const ALERTMANAGER_PASSWORD = "Alertmanag3rPassw0rd-xyz"

/**
 * Sends one alert through `NotifierConfig.layer()` read from `env`, then releases the layer. The
 * destinations deliver from their queues, off the caller's path; releasing the layer waits for
 * what is queued (the test servers answer at once, so no clock needs to move). Returns whether the
 * alert was handed over, and every log line, the delivery failures included.
 */
const sendWithEnv = (env: Record<string, string>) =>
  Effect.gen(function* () {
    const capture = yield* makeLogCapture
    const notifier = NotifierConfig.layer().pipe(
      Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))
    )
    const result = yield* Alert.sendRateLimited({
      name: "charge",
      error: new Error("HTTP 500"),
      context: "billing",
      message: "Charging keeps failing"
    }).pipe(Effect.provide(Layer.mergeAll(notifier, AlertLimiter.layer(), capture.layer)), Effect.exit)
    return { result, logs: yield* capture.logs }
  })

/** The alerts the log notifier wrote (lines annotated `alert: "firing"`), as `[level, message]`. */
const firingLines = (logs: ReadonlyArray<LogLine>) =>
  logs.filter((log) => log.annotations.alert === "firing").map((log) => [log.level, log.message])

/** How many deliveries of `operation` failed so far (`Metrics.alertsFailed`). */
const failedDeliveries = (operation: string) =>
  Effect.map(
    Metric.value(Metric.tagged(Metrics.alertsFailed, "operation", operation)),
    (state) => state.count
  )

describe("NotifierConfig.layer()", () => {
  it.effect("no webhook set: alerts go to the log", () =>
    Effect.gen(function* () {
      const { result, logs } = yield* sendWithEnv({})
      expect(result).toEqual(Exit.succeed(true))
      expect(firingLines(logs)).toEqual([["ERROR", "Charging keeps failing"]])
    })
  )

  it.effect("an empty variable counts as not set", () =>
    Effect.gen(function* () {
      const { result, logs } = yield* sendWithEnv({
        [NotifierConfig.DISCORD_WEBHOOK_URL_ENV]: "",
        [NotifierConfig.SLACK_WEBHOOK_URL_ENV]: "  "
      })
      expect(result).toEqual(Exit.succeed(true))
      expect(firingLines(logs)).toEqual([["ERROR", "Charging keeps failing"]])
    })
  )

  it.scoped("ALERT_DISCORD_WEBHOOK_URL alone: Discord only", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      const { result, logs } = yield* sendWithEnv({ ALERT_DISCORD_WEBHOOK_URL: server.origin + DISCORD_PATH })
      expect(result).toEqual(Exit.succeed(true))
      expect((yield* server.requests).map((request) => request.url)).toEqual([
        `/api/v10/webhooks/445566/${DISCORD_TOKEN}`
      ])
      expect(firingLines(logs)).toEqual([])
    })
  )

  it.scoped("ALERT_SLACK_WEBHOOK_URL alone: Slack only", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 200, body: "ok" })
      const { result } = yield* sendWithEnv({ ALERT_SLACK_WEBHOOK_URL: server.origin + SLACK_PATH })
      expect(result).toEqual(Exit.succeed(true))
      expect(yield* server.requests).toHaveLength(1)
      expect(yield* slackTexts(server)).toEqual(["Charging keeps failing"])
    })
  )

  it.scoped("both set: every alert goes to both", () =>
    Effect.gen(function* () {
      const discord = yield* HttpServer.make
      const slack = yield* HttpServer.make
      yield* slack.reply({ status: 200, body: "ok" })
      const { result } = yield* sendWithEnv({
        ALERT_DISCORD_WEBHOOK_URL: discord.origin + DISCORD_PATH,
        ALERT_SLACK_WEBHOOK_URL: slack.origin + SLACK_PATH
      })
      expect(result).toEqual(Exit.succeed(true))
      expect(yield* discordTitles(discord)).toEqual([["Charging keeps failing", { parse: [] }]])
      expect(yield* slackTexts(slack)).toEqual(["Charging keeps failing"])
    })
  )

  it.scoped("both set, Discord failing: Slack still gets it, and the failure is logged without secrets", () =>
    Effect.gen(function* () {
      const discord = yield* HttpServer.make
      const slack = yield* HttpServer.make
      yield* discord.reply({ status: 404, body: { message: "Unknown Webhook", code: 10015 } })
      yield* slack.reply({ status: 200, body: "ok" })
      const failedBefore = yield* failedDeliveries("charge")
      const { result, logs } = yield* sendWithEnv({
        ALERT_DISCORD_WEBHOOK_URL: discord.origin + DISCORD_PATH,
        ALERT_SLACK_WEBHOOK_URL: slack.origin + SLACK_PATH
      })
      // Handed over to both destinations' queues: the caller does not wait for either delivery.
      expect(result).toEqual(Exit.succeed(true))
      expect(yield* discord.requests).toHaveLength(1)
      expect(yield* slackTexts(slack)).toEqual(["Charging keeps failing"])
      // Each destination delivers on its own: Discord's queue logs and counts its failure, once.
      const failures = logs.filter((log) => log.message.startsWith("Alert could not be delivered"))
      expect(failures.map((log) => [log.level, log.message])).toEqual([
        ["ERROR", "Alert could not be delivered: Charging keeps failing"]
      ])
      expect(failures[0]?.cause).toContain(
        "Discord webhook answered 404 Not Found: Unknown Webhook (code 10015)"
      )
      expect(yield* failedDeliveries("charge")).toBe(failedBefore + 1)
      for (const log of logs) {
        expect(log.text).not.toContain(DISCORD_TOKEN)
        expect(log.text).not.toContain(SLACK_SECRET)
      }
    })
  )

  it.scoped("ALERT_PAGERDUTY_ROUTING_KEY alone: PagerDuty only, at ALERT_PAGERDUTY_URL when set", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 202, body: { status: "success" } })
      const { result, logs } = yield* sendWithEnv({
        ALERT_PAGERDUTY_ROUTING_KEY: PAGERDUTY_KEY,
        ALERT_PAGERDUTY_URL: `${server.origin}/v2/enqueue`
      })
      expect(result).toEqual(Exit.succeed(true))
      const [request] = yield* server.requests
      expect(request?.url).toBe("/v2/enqueue")
      const [body] = (yield* server.bodies) as ReadonlyArray<Record<string, unknown>>
      expect(body).toMatchObject({
        routing_key: PAGERDUTY_KEY,
        event_action: "trigger",
        payload: { summary: "Charging keeps failing", source: "billing", severity: "error" }
      })
      expect(firingLines(logs)).toEqual([])
      for (const log of logs) expect(log.text).not.toContain(PAGERDUTY_KEY)
    })
  )

  it.effect(
    "ALERT_PAGERDUTY_URL without a routing key fails the layer with a ConfigError naming the key",
    () =>
      Effect.gen(function* () {
        const { result, logs } = yield* sendWithEnv({
          ALERT_PAGERDUTY_URL: "https://events.eu.pagerduty.com/v2/enqueue"
        })
        expect(configErrorOf(result)).toMatchObject({
          _op: "MissingData",
          path: ["ALERT_PAGERDUTY_ROUTING_KEY"],
          message: "is required when ALERT_PAGERDUTY_URL is set: PagerDuty needs a routing key"
        })
        // Nothing was sent anywhere, not even to the log.
        expect(firingLines(logs)).toEqual([])
      })
  )

  it.effect("ALERT_PAGERDUTY_URL set but empty, without a routing key: the log, as with nothing set", () =>
    Effect.gen(function* () {
      const { result, logs } = yield* sendWithEnv({ ALERT_PAGERDUTY_URL: " " })
      expect(result).toEqual(Exit.succeed(true))
      expect(firingLines(logs)).toEqual([["ERROR", "Charging keeps failing"]])
    })
  )

  it.scoped("ALERT_ALERTMANAGER_URL alone: Alertmanager only, credentials as a Basic header", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 200 })
      const host = server.origin.replace("http://", "")
      const { result, logs } = yield* sendWithEnv({
        ALERT_ALERTMANAGER_URL: `http://alerts:${ALERTMANAGER_PASSWORD}@${host}`
      })
      expect(result).toEqual(Exit.succeed(true))
      const [request] = yield* server.requests
      expect(request?.url).toBe("/api/v2/alerts")
      expect(request?.headers.authorization).toMatch(/^Basic /)
      const [alerts] = (yield* server.bodies) as ReadonlyArray<ReadonlyArray<Record<string, unknown>>>
      expect(alerts?.[0]).toMatchObject({
        labels: { alertname: "OperationFailing", operation: "charge", context: "billing", severity: "error" },
        annotations: { summary: "Charging keeps failing", description: "Charging keeps failing" }
      })
      expect(firingLines(logs)).toEqual([])
      for (const log of logs) expect(log.text).not.toContain(ALERTMANAGER_PASSWORD)
    })
  )

  it.scoped("all four set: every alert goes to each of them", () =>
    Effect.gen(function* () {
      const discord = yield* HttpServer.make
      const slack = yield* HttpServer.make
      const pagerDuty = yield* HttpServer.make
      const alertmanager = yield* HttpServer.make
      yield* slack.reply({ status: 200, body: "ok" })
      yield* pagerDuty.reply({ status: 202, body: { status: "success" } })
      yield* alertmanager.reply({ status: 200 })
      const { result, logs } = yield* sendWithEnv({
        ALERT_DISCORD_WEBHOOK_URL: discord.origin + DISCORD_PATH,
        ALERT_SLACK_WEBHOOK_URL: slack.origin + SLACK_PATH,
        ALERT_PAGERDUTY_ROUTING_KEY: PAGERDUTY_KEY,
        ALERT_PAGERDUTY_URL: `${pagerDuty.origin}/v2/enqueue`,
        ALERT_ALERTMANAGER_URL: alertmanager.origin
      })
      expect(result).toEqual(Exit.succeed(true))
      expect(yield* discordTitles(discord)).toEqual([["Charging keeps failing", { parse: [] }]])
      expect(yield* slackTexts(slack)).toEqual(["Charging keeps failing"])
      expect(yield* pagerDuty.requests).toHaveLength(1)
      expect(yield* alertmanager.requests).toHaveLength(1)
      expect(firingLines(logs)).toEqual([])
    })
  )

  it.effect("a malformed URL fails the layer with a ConfigError naming the variable, not the value", () =>
    Effect.gen(function* () {
      const { result } = yield* sendWithEnv({
        ALERT_DISCORD_WEBHOOK_URL: `https://example.com/${DISCORD_TOKEN}`
      })
      const error = configErrorOf(result)
      expect(error).toMatchObject({
        _op: "InvalidData",
        path: ["ALERT_DISCORD_WEBHOOK_URL"],
        message: "must be a Discord webhook URL like https://discord.com/api/webhooks/ID/TOKEN"
      })
      expect(String(error)).not.toContain(DISCORD_TOKEN)
    })
  )

  for (const [variable, env, secret, reason] of [
    [
      "ALERT_ALERTMANAGER_URL",
      { ALERT_ALERTMANAGER_URL: `ftp://u:${ALERTMANAGER_PASSWORD}@am:9093` },
      ALERTMANAGER_PASSWORD,
      "must be an http(s) URL of Alertmanager like http://alertmanager:9093"
    ],
    [
      "ALERT_PAGERDUTY_ROUTING_KEY",
      { ALERT_PAGERDUTY_ROUTING_KEY: `${PAGERDUTY_KEY} x` },
      PAGERDUTY_KEY,
      "must be a PagerDuty integration (routing) key: a non-blank string without spaces"
    ],
    [
      "ALERT_PAGERDUTY_URL",
      {
        ALERT_PAGERDUTY_ROUTING_KEY: PAGERDUTY_KEY,
        ALERT_PAGERDUTY_URL: `events.pagerduty.com/${PAGERDUTY_KEY}`
      },
      PAGERDUTY_KEY,
      "must be an http(s) URL like https://events.pagerduty.com/v2/enqueue"
    ]
  ] as const) {
    it.effect(`a malformed ${variable} fails the layer with a ConfigError naming it, not its value`, () =>
      Effect.gen(function* () {
        const { result } = yield* sendWithEnv(env)
        const error = configErrorOf(result)
        expect(error).toMatchObject({ _op: "InvalidData", path: [variable], message: reason })
        expect(String(error)).not.toContain(secret)
      })
    )
  }
})

describe("Notifier.fanOut", () => {
  it.effect("one failing or dying notifier does not stop the others", () =>
    Effect.gen(function* () {
      const delivered: Array<string> = []
      const working = Notifier.fromText((text) => Effect.sync(() => void delivered.push(text)))
      const failing = Notifier.fromNotify(() =>
        Effect.fail(new Notifier.NotifierError({ message: "webhook gone", status: 404 }))
      )
      const dying = Notifier.fromNotify(() => Effect.die(new Error("bug token=abc123")))

      const error = yield* Effect.flip(
        Notifier.fanOut(failing, working, dying, working).notify(firing({ text: "hello" }))
      )
      expect(delivered).toEqual(["hello", "hello"])
      expect(error.message).toBe(
        "2 of 4 notifiers failed: notifier 1: webhook gone; notifier 3: Error: bug token=[REDACTED]"
      )
      expect(error.status).toBeUndefined()

      const single = yield* Effect.flip(Notifier.fanOut(working, failing).notify(firing({ text: "again" })))
      expect(single.status).toBe(404)
      expect(single.message).toBe("1 of 2 notifiers failed: notifier 2: webhook gone")

      yield* Notifier.fanOut(working, working).notify(firing({ text: "all good" }))
      expect(delivered).toEqual(["hello", "hello", "again", "all good", "all good"])
    })
  )

  it.scoped("layerFanOut builds each layer and sends through all of them", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      const capture = yield* makeLogCapture
      const layer = Notifier.layerFanOut(
        Notifier.layerLog(),
        DiscordNotifier.layer({ webhookUrl: Redacted.make(server.origin + DISCORD_PATH) })
      ).pipe(Layer.provide(FetchHttpClient.layer))
      const handedOver = yield* Alert.sendRateLimited({
        name: "charge",
        error: new Error("x"),
        context: "billing",
        message: "to both"
      }).pipe(Effect.provide(Layer.mergeAll(layer, AlertLimiter.layer(), capture.layer)))
      // Releasing the layer (at the end of `provide`) waited for Discord's queue to deliver.
      expect(handedOver).toBe(true)
      expect(yield* discordTitles(server)).toEqual([["to both", { parse: [] }]])
      const logs = yield* capture.logs
      expect(logs.filter((log) => log.annotations.alert === "firing").map((log) => log.message)).toEqual([
        "to both"
      ])
    })
  )
})
