import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Option, Redacted, Schedule, TestClock } from "effect"
import {
  Alert,
  AlertLimiter,
  DiscordNotifier,
  Notifier,
  SlackNotifier,
  WebhookNotifier
} from "../src/index.js"
import * as Discord from "../src/internal/notifiers/discord.js"
import * as Render from "../src/internal/notifiers/render.js"
import * as Slack from "../src/internal/notifiers/slack.js"
import { awaitSleeps, drive, pendingSleeps } from "./support/clockDriver.js"
import { firing, resolved } from "./support/events.js"
import * as HttpServer from "./support/httpServer.js"
import { type LogLine, makeLogCapture } from "./support/logs.js"
import { expectInvalidOption } from "./support/options.js"
import { makeSpanRecorder } from "./support/spans.js"

const WEBHOOK_ID = "112233445566778899"
const TOKEN = "Sup3rS3cret-T0ken_abcDEFghiJKLmno1234567890"
const V10_PATH = `/api/v10/webhooks/${WEBHOOK_ID}/${TOKEN}`
const SLACK_PATH = "/services/T0AAA1111/B0BBB2222/SlackS3cretXYZ0123456789"
const SLACK_SECRET = "SlackS3cretXYZ0123456789"

const ERROR = "HTTP 500 from billing"

const discordUrl = (origin: string, path = `/api/webhooks/${WEBHOOK_ID}/${TOKEN}`) =>
  Redacted.make(origin + path)

/**
 * An operation that fails twice and then succeeds, alerting (rate limited) on each failure. The
 * loop must go on, whatever happens to the alert. `outcomes` says, per failure, whether the alert
 * was handed to the notifier (the second one is suppressed); whether it was delivered is for the
 * log ("Alert could not be delivered") to say.
 */
const chargeLoop = Effect.gen(function* () {
  const outcomes: Array<boolean> = []
  let calls = 0
  const charge = Effect.suspend(() =>
    ++calls < 3 ? Effect.fail(new Error(ERROR)) : Effect.succeed("charged")
  )
  const result = yield* charge.pipe(
    Effect.tapError((error) =>
      Alert.sendRateLimited({
        name: "charge",
        error,
        context: "billing",
        message: `Charging failed: ${error.message}`
      }).pipe(Effect.map((handedOver) => outcomes.push(handedOver)))
    ),
    Effect.retry(Schedule.recurs(5))
  )
  return { result, outcomes, calls }
})

const expectNoSecret = (logs: ReadonlyArray<LogLine>, ...secrets: ReadonlyArray<string>) => {
  for (const log of logs) {
    for (const secret of secrets) expect(log.text).not.toContain(secret)
  }
}

/** The log lines saying that an alert could not be delivered. */
const undelivered = (logs: ReadonlyArray<LogLine>) =>
  logs.filter((log) => log.message.startsWith("Alert could not be delivered"))

/**
 * Runs the charge loop against a notifier layer, driving the TestClock through the retry waits.
 * Returns the loop's outcome, the waits, every log line, and those saying a delivery failed.
 */
const runLoop = (notifier: Layer.Layer<Notifier.Notifier, never, never>) =>
  Effect.gen(function* () {
    const capture = yield* makeLogCapture
    const layer = Layer.mergeAll(notifier, AlertLimiter.layer(), capture.layer)
    const fiber = yield* Effect.fork(Effect.exit(Effect.provide(chargeLoop, layer)))
    const { result: exit, waits } = yield* drive(fiber)
    // Never raises: the loop ended with its own result.
    expect(Exit.isSuccess(exit)).toBe(true)
    const outcome = Exit.isSuccess(exit) ? exit.value : undefined
    const logs = yield* capture.logs
    return { outcome, waits, logs, failures: undelivered(logs) }
  })

/**
 * The Discord destination itself (`DiscordNotifier.make`), not behind `DiscordNotifier.layer`'s queue: its
 * `notify` delivers on the caller's fiber and fails with the `NotifierError`, so these tests see
 * every try, wait and error of one delivery. The queue is tested in `Notifier.delivery.test.ts`.
 */
const discord = (origin: string, options: Partial<DiscordNotifier.Options> = {}) =>
  Layer.effect(Notifier.Notifier, DiscordNotifier.make({ webhookUrl: discordUrl(origin), ...options })).pipe(
    Layer.provide(FetchHttpClient.layer)
  )

/** The Slack destination itself (`SlackNotifier.make`), as {@link discord}. */
const slack = (origin: string, options: Partial<SlackNotifier.Options> = {}) =>
  Layer.effect(
    Notifier.Notifier,
    SlackNotifier.make({ webhookUrl: Redacted.make(origin + SLACK_PATH), ...options })
  ).pipe(Layer.provide(FetchHttpClient.layer))

/** The error a single `Notifier.notify` ends with, the clock driven through its waits. */
const alertError = (notifier: Layer.Layer<Notifier.Notifier>, message = "boom") =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(
      Effect.flip(Effect.provide(Notifier.notify(firing({ text: message })), notifier))
    )
    return (yield* drive(fiber)).result
  })

/** The incident key the alert path gives the charge loop's alerts. */
const CHARGE_KEY = expect.stringMatching(/^billing\/charge\/[0-9a-f]{14}$/)

/** The body the charge loop's alert (title = text, no attempt) posts to Discord. */
const discordBody = (text: string, error = ERROR) => ({
  embeds: [
    {
      title: text,
      color: Discord.COLORS.error,
      fields: [
        { name: "Operation", value: "charge", inline: true },
        { name: "Context", value: "billing", inline: true },
        { name: "Error", value: `Error: ${error}` }
      ],
      footer: { text: CHARGE_KEY },
      timestamp: "1970-01-01T00:00:00.000Z"
    }
  ],
  allowed_mentions: { parse: [] }
})

/** The body the charge loop's alert posts to Slack; `text` is already escaped. */
const slackBody = (text: string, error = ERROR) => ({
  text,
  blocks: [
    { type: "header", text: { type: "plain_text", text, emoji: true } },
    {
      type: "context",
      elements: [
        { type: "mrkdwn", text: "*Operation:* charge" },
        { type: "mrkdwn", text: "*Context:* billing" },
        { type: "mrkdwn", text: `*Error:* Error: ${error}` },
        { type: "mrkdwn", text: expect.stringMatching(/^\*Key:\* billing\/charge\/[0-9a-f]{14}$/) }
      ]
    }
  ]
})

/** Twelve minutes and three seconds after the incident started. */
const AT = Date.UTC(2024, 4, 1, 12, 0, 0)
const STARTED_AT = AT - (12 * 60 + 3) * 1000

/** A firing event with a body under its title, an attempt and real times. */
const richFiring = (overrides: Partial<Alert.Firing> = {}) =>
  firing({
    title: "charge is failing",
    text: "charge is failing\n\nHTTP 500 from billing on 50 attempts in a row",
    at: AT,
    startedAt: STARTED_AT,
    ...overrides
  })

/** Its resolved event: 47 failures counted, 3 alerts suppressed. */
const richResolved = (overrides: Partial<Alert.Resolved> = {}) =>
  resolved({
    text: "RESOLVED: charge recovered",
    at: AT,
    startedAt: STARTED_AT,
    failures: 47,
    suppressed: 3,
    ...overrides
  })

interface DiscordEmbed {
  readonly title: string
  readonly description?: string
  readonly color: number
  readonly fields?: ReadonlyArray<{ readonly name: string; readonly value: string }>
  readonly footer: { readonly text: string }
}

/** What Discord counts against its 6,000 characters of one embed. */
const embedLength = (embed: DiscordEmbed): number =>
  embed.title.length +
  (embed.description?.length ?? 0) +
  (embed.fields ?? []).reduce((sum, field) => sum + field.name.length + field.value.length, 0) +
  embed.footer.text.length

interface SlackBody {
  readonly text: string
  readonly blocks: ReadonlyArray<{
    readonly type: string
    readonly text?: { readonly text: string }
    readonly elements?: ReadonlyArray<{ readonly text: string }>
  }>
}

/** An event built to break things: a megabyte of text, mentions, secrets, overlong fields. */
const hostile = (secret: string) =>
  richFiring({
    title: `@everyone <!channel> <@&123> ${"T".repeat(1000)}`,
    text: `@everyone @here <!channel> <!here> <@U123> & <https://evil.example|click> password=hunter2 ${secret} ${"x".repeat(1_000_000)}`,
    operation: `op-${"o".repeat(2000)}`,
    context: `ctx-${"c".repeat(2000)}`,
    error: { type: "Error", message: `<!channel> ${"e".repeat(5000)}` }
  })

describe("DiscordNotifier.layer", () => {
  it.scoped("204: delivered once; the versioned path and a mention-free JSON body", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 204 })
      const { outcome, waits, logs, failures } = yield* runLoop(discord(server.origin))
      expect(outcome).toEqual({ result: "charged", outcomes: [true, false], calls: 3 })
      expect(failures).toEqual([])
      expect(waits).toEqual([])
      const [request, ...rest] = yield* server.requests
      expect(rest).toEqual([])
      expect(request?.method).toBe("POST")
      expect(request?.url).toBe(V10_PATH)
      expect(request?.headers["content-type"]).toMatch(/^application\/json/)
      expect(yield* server.bodies).toEqual([discordBody(`Charging failed: ${ERROR}`)])
      expectNoSecret(logs, TOKEN)
    })
  )

  it.scoped("200: delivered, with the username", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 200, body: { id: "1", content: "x" } })
      const { outcome } = yield* runLoop(discord(server.origin, { username: "billing-alerts" }))
      expect(outcome?.outcomes).toEqual([true, false])
      expect(yield* server.bodies).toEqual([
        { ...discordBody(`Charging failed: ${ERROR}`), username: "billing-alerts" }
      ])
    })
  )

  it.scoped("429 with retry_after in the body: waits exactly that long, then delivers", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply(
        {
          status: 429,
          headers: { "retry-after": "2" },
          body: { message: "You are being rate limited.", retry_after: 1.5, global: false }
        },
        { status: 204 }
      )
      const { outcome, waits, logs, failures } = yield* runLoop(discord(server.origin))
      expect(outcome?.outcomes).toEqual([true, false])
      expect(failures).toEqual([])
      // The body's exact float wins over the rounded header.
      expect(waits).toEqual([1500])
      const bodies = yield* server.bodies
      expect(bodies).toHaveLength(2)
      expect(bodies[1]).toEqual(bodies[0])
      expectNoSecret(logs, TOKEN)
    })
  )

  it.scoped("429 with only a Retry-After header: waits that many seconds, then delivers", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 429, headers: { "retry-after": "3" } }, { status: 204 })
      const { outcome, waits, failures } = yield* runLoop(discord(server.origin))
      expect(outcome?.outcomes).toEqual([true, false])
      expect(failures).toEqual([])
      expect(waits).toEqual([3000])
      expect(yield* server.requests).toHaveLength(2)
    })
  )

  it.scoped("the rate-limit wait is not cut short: nothing is sent before retry_after", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 429, body: { retry_after: 1.5 } }, { status: 204 })
      const fiber = yield* Effect.fork(
        Effect.provide(Notifier.notify(firing({ text: "x" })), discord(server.origin)).pipe(Effect.exit)
      )
      // Parked on the retry wait: the overall timeout (10 s) and the 1.5 s wait are pending.
      expect(yield* awaitSleeps(fiber, 2)).toBe(false)
      expect(yield* pendingSleeps).toEqual([1500, 10_000])
      yield* TestClock.adjust(1499)
      expect(yield* server.requests).toHaveLength(1)
      yield* TestClock.adjust(1)
      expect(Exit.isSuccess(yield* Fiber.join(fiber))).toBe(true)
      expect(yield* server.requests).toHaveLength(2)
    })
  )

  it.scoped("429 asking for a wait past the deadline: gives up at once with status 429", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 429, body: { retry_after: 60 } })
      const error = yield* alertError(discord(server.origin))
      expect(error.status).toBe(429)
      expect(error.message).toBe(
        "Discord webhook answered 429 Too Many Requests (retrying in 60 s would pass the 10 s deadline)"
      )
      expect(yield* server.requests).toHaveLength(1)
    })
  )

  it.scoped("429 again and again: stops after maxAttempts tries", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 429, body: { retry_after: 0.25 } })
      const { outcome, waits, failures } = yield* runLoop(discord(server.origin, { maxAttempts: 3 }))
      expect(outcome?.outcomes).toEqual([true, false])
      expect(waits).toEqual([250, 250])
      expect(yield* server.requests).toHaveLength(3)
      expect(failures).toHaveLength(1)
      expect(failures[0]?.cause).toContain(
        "Discord webhook answered 429 Too Many Requests (gave up after 3 attempts)"
      )
    })
  )

  it.scoped("500 every time: bounded retries with backoff, then a logged failure", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 500, body: "upstream exploded" })
      const { outcome, waits, logs, failures } = yield* runLoop(discord(server.origin))
      expect(outcome).toEqual({ result: "charged", outcomes: [true, false], calls: 3 })
      expect(waits).toEqual([500, 1000, 2000])
      expect(yield* server.requests).toHaveLength(WebhookNotifier.DEFAULT_MAX_ATTEMPTS)
      expect(failures).toHaveLength(1)
      const failure = failures[0]
      expect(failure?.message).toBe(`Alert could not be delivered: Charging failed: ${ERROR}`)
      expect(failure?.cause).toContain(
        "Discord webhook answered 500 Internal Server Error (gave up after 4 attempts)"
      )
      expectNoSecret(logs, TOKEN)
    })
  )

  it.scoped("500 once: the second try delivers", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 502 }, { status: 204 })
      const { outcome, waits, failures } = yield* runLoop(discord(server.origin))
      expect(outcome?.outcomes).toEqual([true, false])
      expect(failures).toEqual([])
      expect(waits).toEqual([500])
      expect(yield* server.requests).toHaveLength(2)
    })
  )

  it.scoped("404 (webhook deleted): fails at once with the status, no retry", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 404, body: { message: "Unknown Webhook", code: 10015 } })
      const { outcome, waits, logs, failures } = yield* runLoop(discord(server.origin))
      expect(outcome?.outcomes).toEqual([true, false])
      expect(waits).toEqual([])
      expect(yield* server.requests).toHaveLength(1)
      expect(failures.map((log) => log.cause)).toEqual([
        expect.stringContaining("Discord webhook answered 404 Not Found: Unknown Webhook (code 10015)")
      ])
      const error = yield* alertError(discord(server.origin))
      expect(error).toBeInstanceOf(Notifier.NotifierError)
      expect(error.status).toBe(404)
      expect(error.message).toBe("Discord webhook answered 404 Not Found: Unknown Webhook (code 10015)")
      expectNoSecret(logs, TOKEN)
    })
  )

  it.scoped("400: fails at once with the status and Discord's explanation", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 400, body: { message: "Cannot send an empty message", code: 50006 } })
      const { outcome, failures } = yield* runLoop(discord(server.origin))
      expect(outcome?.outcomes).toEqual([true, false])
      expect(failures).toHaveLength(1)
      expect(yield* server.requests).toHaveLength(1)
      const error = yield* alertError(discord(server.origin))
      expect(error.status).toBe(400)
      expect(error.message).toBe(
        "Discord webhook answered 400 Bad Request: Cannot send an empty message (code 50006)"
      )
    })
  )

  it.scoped("an error body echoing the webhook URL is scrubbed from the error", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 403, body: `forbidden: ${server.origin}${V10_PATH} (token ${TOKEN})` })
      const error = yield* alertError(discord(server.origin))
      expect(error.status).toBe(403)
      expect(error.message).toMatch(/^Discord webhook answered 403 Forbidden: forbidden: \[REDACTED/)
      expect(error.message).not.toContain(TOKEN)
      expect(JSON.stringify(error)).not.toContain(TOKEN)
    })
  )

  it.scoped("a server that never answers: the send times out after 10 s, and the failure is logged", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply("hang")
      const capture = yield* makeLogCapture
      const layer = Layer.mergeAll(discord(server.origin), AlertLimiter.layer(), capture.layer)
      const fiber = yield* Effect.fork(Effect.provide(chargeLoop, layer))
      yield* server.awaitRequests(1)
      expect(yield* pendingSleeps).toEqual([10_000])
      yield* TestClock.adjust(9_999)
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      yield* TestClock.adjust(1)
      const outcome = yield* Fiber.join(fiber)
      expect(outcome).toEqual({ result: "charged", outcomes: [true, false], calls: 3 })
      expect(yield* server.requests).toHaveLength(1)
      const logs = yield* capture.logs
      expect(undelivered(logs).map((log) => log.cause)).toEqual([
        expect.stringContaining("Discord webhook did not deliver within 10 s")
      ])
      expectNoSecret(logs, TOKEN)
    })
  )

  it.effect("nothing listening: network errors are retried with backoff, then a logged failure", () =>
    Effect.gen(function* () {
      const origin = yield* HttpServer.closedOrigin
      const { outcome, waits, logs, failures } = yield* runLoop(discord(origin))
      expect(outcome).toEqual({ result: "charged", outcomes: [true, false], calls: 3 })
      expect(waits).toEqual([500, 1000, 2000])
      expect(failures).toHaveLength(1)
      expect(failures[0]?.cause).toContain(
        "Discord webhook request failed: ECONNREFUSED (gave up after 4 attempts)"
      )
      expectNoSecret(logs, TOKEN, WEBHOOK_ID)
    })
  )

  it.scoped("@everyone and user mentions in the error ping nobody", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      const text = "DB down @everyone @here <@123456> <@&7890> <#555>"
      const delivered = yield* Alert.sendRateLimited({
        name: "charge",
        error: new Error("x"),
        context: "billing",
        message: text
      }).pipe(Effect.provide([discord(server.origin), AlertLimiter.layer()]))
      expect(delivered).toBe(true)
      const [body] = yield* server.bodies
      expect(body).toEqual(discordBody(text, "x"))
    })
  )

  it.scoped("a 5,000-character error arrives as a description of at most 4,096, head kept, cut marked", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      const head = "Charging failed: "
      const text = head + "x".repeat(5000 - head.length)
      yield* Alert.sendRateLimited({
        name: "charge",
        error: new Error("x"),
        context: "billing",
        message: text
      }).pipe(Effect.provide([discord(server.origin), AlertLimiter.layer()]))
      const [body] = (yield* server.bodies) as ReadonlyArray<{ embeds: ReadonlyArray<DiscordEmbed> }>
      const embed = body!.embeds[0]!
      expect(embed.title.length).toBeLessThanOrEqual(256)
      expect(embed.description!.length).toBeLessThanOrEqual(DiscordNotifier.EMBED_DESCRIPTION_LENGTH)
      expect(embed.description!.length).toBeGreaterThan(4000)
      expect(embed.description!.startsWith(head)).toBe(true)
      expect(embed.description!.endsWith("… [truncated]")).toBe(true)
      expect(embedLength(embed)).toBeLessThanOrEqual(6000)
    })
  )

  it("the cut never splits a surrogate pair", () => {
    const text = `${"x".repeat(DiscordNotifier.EMBED_DESCRIPTION_LENGTH - 15)}${"😀".repeat(100)}`
    const embed = Discord.embed(firing({ title: "t", text })) as unknown as DiscordEmbed
    expect(embed.description!.length).toBeLessThanOrEqual(DiscordNotifier.EMBED_DESCRIPTION_LENGTH)
    // A lone surrogate would not survive a round trip through UTF-8.
    expect(Buffer.from(embed.description!, "utf8").toString("utf8")).toBe(embed.description)
  })

  it.scoped("credentials and a bearer token in the error arrive scrubbed", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      const error = new Error(
        "GET https://svc:hunter2@api.example.com/x failed; Authorization: Bearer abc.DEF_123"
      )
      yield* Alert.sendCriticalRetryAlert({ name: "charge", attempt: 50, error, context: "billing" }).pipe(
        Effect.provide([discord(server.origin), AlertLimiter.layer()])
      )
      const [body] = (yield* server.bodies) as ReadonlyArray<{ embeds: ReadonlyArray<DiscordEmbed> }>
      expect(body?.embeds[0]?.description).toContain(
        "GET https://[REDACTED]@api.example.com/x failed; Authorization: Bearer [REDACTED]"
      )
      expect(JSON.stringify(body)).not.toContain("hunter2")
      expect(JSON.stringify(body)).not.toContain("abc.DEF_123")
    })
  )

  it.scoped("every pasted URL form goes to /api/v10/webhooks/ID/TOKEN on the given host, query kept", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      const forms = [
        `/api/webhooks/${WEBHOOK_ID}/${TOKEN}`,
        `/api/v9/webhooks/${WEBHOOK_ID}/${TOKEN}`,
        `/api/v10/webhooks/${WEBHOOK_ID}/${TOKEN}/`,
        `/api/webhooks/${WEBHOOK_ID}/${TOKEN}?thread_id=42`
      ]
      for (const path of forms) {
        yield* Notifier.notify(firing({ text: "hello" })).pipe(
          Effect.provide(
            DiscordNotifier.layer({ webhookUrl: discordUrl(server.origin, path) }).pipe(
              Layer.provide(FetchHttpClient.layer)
            )
          )
        )
      }
      expect((yield* server.requests).map((request) => request.url)).toEqual([
        V10_PATH,
        V10_PATH,
        V10_PATH,
        `${V10_PATH}?thread_id=42`
      ])
    })
  )

  it("keeps the host of discord.com, discordapp.com and ptb.discord.com", () => {
    for (const [pasted, sent] of [
      ["https://discord.com/api/webhooks/1/abc", "https://discord.com/api/v10/webhooks/1/abc"],
      ["https://discordapp.com/api/webhooks/1/abc", "https://discordapp.com/api/v10/webhooks/1/abc"],
      ["https://ptb.discord.com/api/v9/webhooks/1/abc", "https://ptb.discord.com/api/v10/webhooks/1/abc"],
      ["https://canary.discord.com/api/webhooks/1/abc#x", "https://canary.discord.com/api/v10/webhooks/1/abc"]
    ] as const) {
      expect(Redacted.value(Discord.webhookEndpoint("webhookUrl", Redacted.make(pasted)).url)).toBe(sent)
    }
  })

  it.scoped("channel picks channels[channel], an unknown or absent channel the default webhook", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      const layer = discord(server.origin, {
        channels: { billing: discordUrl(server.origin, "/api/webhooks/999/billingToken123") }
      })
      yield* Effect.all([
        Notifier.notify(firing({ text: "a", channel: "billing" })),
        Notifier.notify(firing({ text: "b", channel: "unknown" })),
        Notifier.notify(firing({ text: "c" })),
        Notifier.notify(firing({ text: "d", channel: "constructor" }))
      ]).pipe(Effect.provide(layer))
      expect((yield* server.requests).map((request) => request.url)).toEqual([
        "/api/v10/webhooks/999/billingToken123",
        V10_PATH,
        V10_PATH,
        V10_PATH
      ])
    })
  )

  it.scoped("spans carry neither the URL nor the token; the client's own span is off", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 204 }, { status: 404, body: { message: "Unknown Webhook", code: 10015 } })
      const recorder = yield* makeSpanRecorder
      const layer = discord(server.origin)
      yield* Notifier.notify(firing({ text: "ok", channel: "billing" })).pipe(
        Effect.provide(layer),
        Effect.withTracer(recorder.tracer)
      )
      yield* Notifier.notify(firing({ text: "gone" })).pipe(
        Effect.provide(layer),
        Effect.flip,
        Effect.withTracer(recorder.tracer)
      )
      const names = recorder.spans().map((span) => span.name)
      expect(names).toEqual(["effect-retry-alerts/Notifier.discord", "effect-retry-alerts/Notifier.discord"])
      expect(recorder.dump()).toContain("404")
      expect(recorder.dump()).not.toContain(TOKEN)
      expect(recorder.dump()).not.toContain(WEBHOOK_ID)
    })
  )

  it("invalid options throw InvalidOptionError at once, without showing the URL", () => {
    const attempts: ReadonlyArray<[string, () => unknown]> = [
      [
        "webhookUrl",
        () => DiscordNotifier.layer({ webhookUrl: `https://discord.com/api/webhooks/1/${TOKEN}` as never })
      ],
      [
        "webhookUrl",
        () => DiscordNotifier.layer({ webhookUrl: Redacted.make(`https://discord.com/x/${TOKEN}`) })
      ],
      [
        "webhookUrl",
        () =>
          DiscordNotifier.layer({ webhookUrl: Redacted.make(`ftp://discord.com/api/webhooks/1/${TOKEN}`) })
      ],
      ["webhookUrl", () => DiscordNotifier.layer({ webhookUrl: Redacted.make(`not a url ${TOKEN}`) })],
      [
        "channels.ops",
        () =>
          DiscordNotifier.layer({
            webhookUrl: Redacted.make("https://discord.com/api/webhooks/1/a"),
            channels: { ops: Redacted.make(`https://example.com/${TOKEN}`) }
          })
      ],
      [
        "maxAttempts",
        () => DiscordNotifier.layer({ webhookUrl: discordUrl("https://discord.com"), maxAttempts: 0 })
      ],
      [
        "timeout",
        () => DiscordNotifier.layer({ webhookUrl: discordUrl("https://discord.com"), timeout: -1 })
      ],
      [
        "username",
        () => DiscordNotifier.layer({ webhookUrl: discordUrl("https://discord.com"), username: "" })
      ],
      ["webhookUrl", () => SlackNotifier.layer({ webhookUrl: Redacted.make(`hooks.slack.com/${TOKEN}`) })]
    ]
    for (const [option, build] of attempts) expectInvalidOption(option, build, TOKEN)
  })
})

describe("Discord embeds", () => {
  it.scoped("firing: title, body, red, the fields, the key as footer, the event's time", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* Notifier.notify(richFiring()).pipe(Effect.provide(discord(server.origin)))
      expect(yield* server.bodies).toEqual([
        {
          embeds: [
            {
              title: "charge is failing",
              // The first line only repeated the title.
              description: "HTTP 500 from billing on 50 attempts in a row",
              color: 0xed4245,
              fields: [
                { name: "Operation", value: "charge", inline: true },
                { name: "Context", value: "billing", inline: true },
                { name: "Attempt", value: "50", inline: true },
                { name: "Error", value: "Error: HTTP 500" }
              ],
              footer: { text: "billing/charge/0000000000abcd" },
              timestamp: "2024-05-01T12:00:00.000Z"
            }
          ],
          allowed_mentions: { parse: [] }
        }
      ])
    })
  )

  it.scoped("resolved: one short green line with how long it lasted and what it counted", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* Notifier.notify(richResolved()).pipe(Effect.provide(discord(server.origin)))
      expect(yield* server.bodies).toEqual([
        {
          embeds: [
            {
              title: "✅ RESOLVED: charge (billing) resolved after 12m 3s",
              description: "47 failed attempts, 3 alerts suppressed",
              color: 0x57f287,
              footer: { text: "billing/charge/0000000000abcd" },
              timestamp: "2024-05-01T12:00:00.000Z"
            }
          ],
          allowed_mentions: { parse: [] }
        }
      ])
    })
  )

  it("the colour says the severity; no context or attempt means no such field", () => {
    const colour = (severity: Alert.Severity) =>
      (Discord.embed(richFiring({ severity })) as { color: number }).color
    expect([colour("critical"), colour("error"), colour("warning"), colour("info")]).toEqual([
      0xed4245, 0xed4245, 0xe67e22, 0x5865f2
    ])
    const bare = Discord.embed(richFiring({ context: "", attempt: undefined, text: "charge is failing" }))
    expect(bare).toEqual({
      title: "charge is failing",
      color: 0xed4245,
      // A firing event always carries its error.
      fields: [
        { name: "Operation", value: "charge", inline: true },
        { name: "Error", value: "Error: HTTP 500" }
      ],
      footer: { text: "billing/charge/0000000000abcd" },
      timestamp: "2024-05-01T12:00:00.000Z"
    })
  })

  it.scoped("a hostile event: every part within Discord's limits, no ping, no secret", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* Notifier.notify(hostile(TOKEN)).pipe(Effect.provide(discord(server.origin)))
      const [body] = (yield* server.bodies) as ReadonlyArray<{
        embeds: ReadonlyArray<DiscordEmbed>
        allowed_mentions: unknown
      }>
      expect(Object.keys(body!).sort()).toEqual(["allowed_mentions", "embeds"])
      expect(body!.allowed_mentions).toEqual({ parse: [] })
      const [embed] = body!.embeds
      expect(embed!.title.length).toBeLessThanOrEqual(256)
      expect(embed!.description!.length).toBeLessThanOrEqual(4096)
      expect(embed!.description!.endsWith("… [truncated]")).toBe(true)
      for (const field of embed!.fields!) expect(field.value.length).toBeLessThanOrEqual(1024)
      expect(embedLength(embed!)).toBeLessThanOrEqual(6000)
      const raw = (yield* server.requests)[0]!.body
      expect(raw.length).toBeLessThan(7000)
      expect(raw).not.toContain(TOKEN)
      expect(raw).not.toContain("hunter2")
    })
  )
})

describe("Slack blocks", () => {
  it.scoped("firing: a fallback text, a header, the body, a context line", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 200, body: "ok" })
      yield* Notifier.notify(richFiring({ error: { type: "DbError", message: "a < b && c > d" } })).pipe(
        Effect.provide(slack(server.origin))
      )
      expect(yield* server.bodies).toEqual([
        {
          text: "charge is failing\n\nHTTP 500 from billing on 50 attempts in a row",
          blocks: [
            { type: "header", text: { type: "plain_text", text: "charge is failing", emoji: true } },
            {
              type: "section",
              text: { type: "mrkdwn", text: "HTTP 500 from billing on 50 attempts in a row" }
            },
            {
              type: "context",
              elements: [
                { type: "mrkdwn", text: "*Operation:* charge" },
                { type: "mrkdwn", text: "*Context:* billing" },
                { type: "mrkdwn", text: "*Attempt:* 50" },
                { type: "mrkdwn", text: "*Error:* DbError: a &lt; b &amp;&amp; c &gt; d" },
                { type: "mrkdwn", text: "*Key:* billing/charge/0000000000abcd" }
              ]
            }
          ]
        }
      ])
    })
  )

  it.scoped("resolved: one short line, what it counted, the key", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 200, body: "ok" })
      yield* Notifier.notify(richResolved()).pipe(Effect.provide(slack(server.origin)))
      expect(yield* server.bodies).toEqual([
        {
          text: "✅ RESOLVED: charge (billing) resolved after 12m 3s",
          blocks: [
            {
              type: "section",
              text: { type: "mrkdwn", text: "✅ RESOLVED: charge (billing) resolved after 12m 3s" }
            },
            {
              type: "context",
              elements: [
                { type: "mrkdwn", text: "47 failed attempts, 3 alerts suppressed" },
                { type: "mrkdwn", text: "*Key:* billing/charge/0000000000abcd" }
              ]
            }
          ]
        }
      ])
    })
  )

  it.scoped("a hostile event: every block within Slack's limits, nothing unescaped, no secret", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 200, body: "ok" })
      yield* Notifier.notify(hostile(SLACK_SECRET)).pipe(Effect.provide(slack(server.origin)))
      const [body] = (yield* server.bodies) as ReadonlyArray<SlackBody>
      const [header, section, context] = body!.blocks
      expect(header!.text!.text.length).toBeLessThanOrEqual(150)
      expect(section!.text!.text.length).toBeLessThanOrEqual(SlackNotifier.SECTION_TEXT_LENGTH)
      expect(section!.text!.text.endsWith("… [truncated]")).toBe(true)
      for (const element of context!.elements!) expect(element.text.length).toBeLessThanOrEqual(3000)
      expect(body!.text.length).toBeLessThanOrEqual(5 * SlackNotifier.TEXT_LENGTH)
      const raw = (yield* server.requests)[0]!.body
      // No control character is left for Slack to parse: no <!channel>, no <@U123>, no link.
      expect(raw).not.toMatch(/[<>]/)
      expect(raw).not.toContain(SLACK_SECRET)
      expect(raw).not.toContain("hunter2")
    })
  )

  it("the escaped text is cut to the limit, never through an entity or a surrogate pair", () => {
    expect(Slack.escapedCut("a&b", 10)).toBe("a&amp;b")
    const cutText = Slack.escapedCut(`${"&".repeat(100)}😀`, 30)
    expect(cutText.length).toBeLessThanOrEqual(30)
    expect(cutText).toMatch(/^(&amp;)+…$/)
    const emoji = Slack.escapedCut(`${"x".repeat(28)}😀😀`, 30)
    expect(Buffer.from(emoji, "utf8").toString("utf8")).toBe(emoji)
    expect(emoji.length).toBeLessThanOrEqual(30)
  })
})

describe("render", () => {
  it("says how long an incident lasted in the two largest units", () => {
    expect(
      [0, 999, 3_000, 723_000, 3_600_000, 3_605_000, 7_500_000, 90_061_000, Number.NaN].map(Render.elapsed)
    ).toEqual(["0s", "0s", "3s", "12m 3s", "1h", "1h", "2h 5m", "1d 1h", "0s"])
  })
})

describe("SlackNotifier.layer", () => {
  it.scoped("200 ok: delivered once, as { text } with &, < and > escaped", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 200, body: "ok" })
      const delivered = yield* Alert.sendRateLimited({
        name: "charge",
        error: new Error("x"),
        context: "billing",
        message: "Failed <!channel> <!here> <@U123> & <https://evil.example|click>"
      }).pipe(Effect.provide([slack(server.origin), AlertLimiter.layer()]))
      expect(delivered).toBe(true)
      const [request] = yield* server.requests
      expect(request?.url).toBe(SLACK_PATH)
      expect(yield* server.bodies).toEqual([
        slackBody(
          "Failed &lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &amp; &lt;https://evil.example|click&gt;",
          "x"
        )
      ])
    })
  )

  it.scoped("the retry loop goes on and the alert goes out once", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 200, body: "ok" })
      const { outcome, waits, failures } = yield* runLoop(slack(server.origin))
      expect(outcome).toEqual({ result: "charged", outcomes: [true, false], calls: 3 })
      expect(failures).toEqual([])
      expect(waits).toEqual([])
      expect(yield* server.bodies).toEqual([slackBody(`Charging failed: ${ERROR}`)])
    })
  )

  it.scoped("200 without ok is not a delivery", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 200, body: "<html>captive portal</html>" })
      const error = yield* alertError(slack(server.origin))
      expect(error.status).toBe(200)
      expect(error.message).toBe("Slack webhook answered 200 OK: <html>captive portal</html>")
      expect(yield* server.requests).toHaveLength(1)
    })
  )

  it.scoped("429 honours Retry-After, then delivers", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply(
        { status: 429, headers: { "retry-after": "4" }, body: "rate_limited" },
        { status: 200, body: "ok" }
      )
      const { outcome, waits, failures } = yield* runLoop(slack(server.origin))
      expect(outcome?.outcomes).toEqual([true, false])
      expect(failures).toEqual([])
      expect(waits).toEqual([4000])
      expect(yield* server.requests).toHaveLength(2)
    })
  )

  it.scoped("500: bounded retries with backoff, then a logged failure", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 500, body: "rollup_error" })
      const { outcome, waits, logs, failures } = yield* runLoop(slack(server.origin))
      expect(outcome?.outcomes).toEqual([true, false])
      expect(failures.map((log) => log.cause)).toEqual([
        expect.stringContaining(
          "Slack webhook answered 500 Internal Server Error: rollup_error (gave up after 4 attempts)"
        )
      ])
      expect(waits).toEqual([500, 1000, 2000])
      expect(yield* server.requests).toHaveLength(4)
      expectNoSecret(logs, SLACK_SECRET)
    })
  )

  for (const [status, reason, slackError] of [
    [400, "Bad Request", "invalid_payload"],
    [403, "Forbidden", "invalid_token"],
    [404, "Not Found", "channel_not_found"],
    [410, "Gone", "channel_is_archived"]
  ] as const) {
    it.scoped(`${status} ${slackError}: fails at once with the status and Slack's error string`, () =>
      Effect.gen(function* () {
        const server = yield* HttpServer.make
        yield* server.reply({ status, body: slackError })
        const { outcome, waits, logs, failures } = yield* runLoop(slack(server.origin))
        expect(outcome?.outcomes).toEqual([true, false])
        expect(failures.map((log) => log.cause)).toEqual([
          expect.stringContaining(`Slack webhook answered ${status} ${reason}: ${slackError}`)
        ])
        expect(waits).toEqual([])
        expect(yield* server.requests).toHaveLength(1)
        const error = yield* alertError(slack(server.origin))
        expect(error.status).toBe(status)
        expect(error.message).toBe(`Slack webhook answered ${status} ${reason}: ${slackError}`)
        expect(yield* server.requests).toHaveLength(2)
        expectNoSecret(logs, SLACK_SECRET)
      })
    )
  }

  it.scoped("the notifier's own webhook URL in the alert text is scrubbed, whatever its form", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 200, body: "ok" })
      // A proxy path that matches no known webhook shape: only the notifier knows it is secret.
      const proxied = `${server.origin}/relay/${TOKEN}`
      yield* Notifier.notify(firing({ text: `cannot reach ${proxied} (token ${TOKEN})` })).pipe(
        Effect.provide(
          SlackNotifier.layer({ webhookUrl: Redacted.make(proxied) }).pipe(
            Layer.provide(FetchHttpClient.layer)
          )
        )
      )
      const [body] = (yield* server.bodies) as ReadonlyArray<SlackBody>
      expect(body?.text).toBe("cannot reach [REDACTED] (token [REDACTED])")
      expect(body?.blocks[1]).toEqual({
        type: "section",
        text: { type: "mrkdwn", text: "cannot reach [REDACTED] (token [REDACTED])" }
      })
      expect(JSON.stringify(body)).not.toContain(TOKEN)
    })
  )

  it.scoped("a server that never answers: times out with a NotifierError", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply("hang")
      const fiber = yield* Effect.fork(
        Effect.flip(Effect.provide(Notifier.notify(firing({ text: "x" })), slack(server.origin)))
      )
      yield* server.awaitRequests(1)
      yield* TestClock.adjust(WebhookNotifier.DEFAULT_TIMEOUT)
      const error = yield* Fiber.join(fiber)
      expect(error.message).toBe("Slack webhook did not deliver within 10 s")
      expect(error.status).toBeUndefined()
    })
  )

  it.effect("nothing listening: retried, then a logged failure", () =>
    Effect.gen(function* () {
      const origin = yield* HttpServer.closedOrigin
      const { outcome, waits, logs, failures } = yield* runLoop(slack(origin, { maxAttempts: 2 }))
      expect(outcome?.outcomes).toEqual([true, false])
      expect(failures.map((log) => log.cause)).toEqual([
        expect.stringContaining("Slack webhook request failed: ECONNREFUSED (gave up after 2 attempts)")
      ])
      expect(waits).toEqual([500])
      expectNoSecret(logs, SLACK_SECRET)
    })
  )
})
