import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Redacted } from "effect"
import { type Alert, AlertLimiter, Notifier, PagerDutyNotifier, WebhookNotifier } from "../src/index.js"
import { drive } from "./support/clockDriver.js"
import { firing, resolved } from "./support/events.js"
import { failureOf } from "./support/exits.js"
import * as HttpServer from "./support/httpServer.js"
import { makeLogCapture } from "./support/logs.js"
import { expectInvalidOption } from "./support/options.js"
import { makeSpanRecorder } from "./support/spans.js"

/** 32 characters, like a real integration key. */
const ROUTING_KEY = "R0ut1ngK3yS3cr3tabcdef0123456789"
const BILLING_KEY = "B1ll1ngK3yS3cr3tabcdef0123456789"

const AT = Date.UTC(2024, 4, 1, 12, 0, 0)
const STARTED_AT = AT - 723_000

const ACCEPTED = {
  status: 202,
  body: { status: "success", message: "Event processed", dedup_key: "billing/charge/0000000000abcd" }
} as const

/**
 * The PagerDuty destination itself (`PagerDutyNotifier.make`), not behind `PagerDutyNotifier.layer`'s
 * queue: its `notify` delivers on the caller's fiber and fails with the `NotifierError`, so these
 * tests see every try, wait and error of one delivery. The queue is tested in
 * `Notifier.delivery.test.ts`.
 */
const pagerDuty = (origin: string, options: Partial<PagerDutyNotifier.Options> = {}) =>
  Layer.effect(
    Notifier.Notifier,
    PagerDutyNotifier.make({
      routingKey: Redacted.make(ROUTING_KEY),
      url: `${origin}/v2/enqueue`,
      ...options
    })
  ).pipe(Layer.provide(FetchHttpClient.layer))

const event = (overrides: Partial<Alert.Firing> = {}) =>
  firing({
    title: "charge is failing",
    text: "charge is failing\n\nHTTP 500 from billing on 50 attempts in a row",
    suppressed: 2,
    at: AT,
    startedAt: STARTED_AT,
    ...overrides
  })

/** Delivers one event, driving the TestClock through the retry waits. */
const deliver = (layer: Layer.Layer<Notifier.Notifier>, alert: Alert.AlertEvent = event()) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(Effect.exit(Notifier.notify(alert).pipe(Effect.provide(layer))))
    return yield* drive(fiber)
  })

describe("PagerDutyNotifier.layer", () => {
  it.scoped("firing: a trigger keyed by dedupKey, with PagerDuty's payload", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply(ACCEPTED)
      const { result, waits } = yield* deliver(pagerDuty(server.origin))
      expect(result).toEqual(Exit.void)
      expect(waits).toEqual([])
      const [request] = yield* server.requests
      expect(request?.method).toBe("POST")
      expect(request?.url).toBe("/v2/enqueue")
      expect(request?.headers["content-type"]).toMatch(/^application\/json/)
      expect(yield* server.bodies).toEqual([
        {
          routing_key: ROUTING_KEY,
          event_action: "trigger",
          dedup_key: "billing/charge/0000000000abcd",
          payload: {
            summary: "charge is failing",
            source: "billing",
            severity: "critical",
            timestamp: "2024-05-01T12:00:00.000Z",
            component: "charge",
            custom_details: {
              text: "charge is failing\n\nHTTP 500 from billing on 50 attempts in a row",
              operation: "charge",
              context: "billing",
              attempt: 50,
              error: { type: "Error", message: "HTTP 500" },
              suppressed: 2,
              started_at: "2024-05-01T11:47:57.000Z"
            }
          }
        }
      ])
    })
  )

  it.scoped("resolved: a resolve with the same dedup_key and nothing else", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply(ACCEPTED)
      const layer = pagerDuty(server.origin)
      yield* deliver(layer)
      const { result } = yield* deliver(layer, resolved({ at: AT, startedAt: STARTED_AT, failures: 47 }))
      expect(result).toEqual(Exit.void)
      const bodies = (yield* server.bodies) as ReadonlyArray<{ dedup_key: string }>
      expect(bodies[1]).toEqual({
        routing_key: ROUTING_KEY,
        event_action: "resolve",
        dedup_key: "billing/charge/0000000000abcd"
      })
      expect(bodies[1]?.dedup_key).toBe(bodies[0]?.dedup_key)
    })
  )

  it.scoped(
    "source from the option, else the operation without a context; channels pick the routing key",
    () =>
      Effect.gen(function* () {
        const server = yield* HttpServer.make
        yield* server.reply(ACCEPTED)
        const layer = pagerDuty(server.origin, { channels: { billing: Redacted.make(BILLING_KEY) } })
        yield* deliver(layer, event({ context: "", severity: "warning", channel: "billing" }))
        yield* deliver(layer, event({ channel: "unknown" }))
        yield* deliver(pagerDuty(server.origin, { source: "checkout-7f9c" }))
        const bodies = (yield* server.bodies) as ReadonlyArray<{
          routing_key: string
          payload: { source: string; severity: string; custom_details: Record<string, unknown> }
        }>
        expect(bodies.map((body) => [body.routing_key, body.payload.source, body.payload.severity])).toEqual([
          [BILLING_KEY, "charge", "warning"],
          [ROUTING_KEY, "billing", "critical"],
          [ROUTING_KEY, "checkout-7f9c", "critical"]
        ])
        expect(bodies[0]?.payload.custom_details).not.toHaveProperty("context")
      })
  )

  it.scoped("400: fails at once with PagerDuty's errors", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({
        status: 400,
        body: {
          status: "invalid event",
          message: "Event object is invalid",
          errors: ["'payload.summary' is missing or blank", "'payload.source' is missing or blank"]
        }
      })
      const { result, waits } = yield* deliver(pagerDuty(server.origin))
      expect(waits).toEqual([])
      expect(yield* server.requests).toHaveLength(1)
      const error = failureOf(result)
      expect(error).toBeInstanceOf(Notifier.NotifierError)
      expect(error?.status).toBe(400)
      expect(error?.message).toBe(
        "PagerDuty answered 400 Bad Request: Event object is invalid: 'payload.summary' is missing or blank; 'payload.source' is missing or blank"
      )
    })
  )

  it.scoped("429: waits Retry-After (or backs off), then delivers", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 429, headers: { "retry-after": "3" } }, { status: 429 }, ACCEPTED)
      const { result, waits } = yield* deliver(pagerDuty(server.origin))
      expect(result).toEqual(Exit.void)
      // The server's wait, then the backoff's second step (its first is 0.5 s).
      expect(waits).toEqual([3000, 1000])
      expect(yield* server.requests).toHaveLength(3)
    })
  )

  it.scoped("500 every time: bounded retries with backoff on the Clock, then the status", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 500, body: "upstream exploded" })
      const { result, waits } = yield* deliver(pagerDuty(server.origin))
      expect(waits).toEqual([500, 1000, 2000])
      expect(yield* server.requests).toHaveLength(WebhookNotifier.DEFAULT_MAX_ATTEMPTS)
      const error = failureOf(result)
      expect(error?.status).toBe(500)
      expect(error?.message).toBe(
        "PagerDuty answered 500 Internal Server Error: upstream exploded (gave up after 4 attempts)"
      )
    })
  )

  it.scoped("503 once: the second try delivers", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 503 }, ACCEPTED)
      const { result, waits } = yield* deliver(pagerDuty(server.origin))
      expect(result).toEqual(Exit.void)
      expect(waits).toEqual([500])
    })
  )

  it.effect("nothing listening: network errors are retried, then fail without the key", () =>
    Effect.gen(function* () {
      const origin = yield* HttpServer.closedOrigin
      const { result, waits } = yield* deliver(pagerDuty(origin, { maxAttempts: 2 }))
      expect(waits).toEqual([500])
      const error = failureOf(result)
      expect(error?.message).toBe("PagerDuty request failed: ECONNREFUSED (gave up after 2 attempts)")
    })
  )

  it.scoped("the routing key appears in no error, log line or span, even when the answer echoes it", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({
        status: 400,
        body: { message: "Event object is invalid", errors: [`routing_key ${ROUTING_KEY} is not valid`] }
      })
      const capture = yield* makeLogCapture
      const recorder = yield* makeSpanRecorder
      const layer = Layer.mergeAll(pagerDuty(server.origin), AlertLimiter.layer(), capture.layer)
      const fiber = yield* Effect.fork(
        Effect.gen(function* () {
          const error = yield* Effect.flip(Notifier.notify(event({ text: `key is ${ROUTING_KEY}` })))
          return error
        }).pipe(Effect.provide(layer), Effect.withTracer(recorder.tracer))
      )
      const { result: error } = yield* drive(fiber)
      expect(error.message).toBe(
        "PagerDuty answered 400 Bad Request: Event object is invalid: routing_key [REDACTED] is not valid"
      )
      expect(JSON.stringify(error)).not.toContain(ROUTING_KEY)
      expect(recorder.spans().map((span) => span.name)).toEqual(["effect-retry-alerts/Notifier.pagerduty"])
      expect(recorder.dump()).toContain("400")
      expect(recorder.dump()).not.toContain(ROUTING_KEY)
      for (const log of yield* capture.logs) expect(log.text).not.toContain(ROUTING_KEY)
      // The key in the alert's own text does not travel either, except as the routing key.
      const [body] = (yield* server.bodies) as ReadonlyArray<{
        payload: { custom_details: { text: string } }
      }>
      expect(body?.payload.custom_details.text).toBe("key is [REDACTED]")
    })
  )

  it.scoped("a hostile event: the summary within 1,024 characters, the details cut, no secret", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply(ACCEPTED)
      yield* deliver(
        pagerDuty(server.origin),
        event({
          title: `@everyone ${"t".repeat(5000)}`,
          text: `password=hunter2 ${"x".repeat(1_000_000)}`,
          operation: `op-${"o".repeat(2000)}`
        })
      )
      const [request] = yield* server.requests
      const body = JSON.parse(request!.body) as {
        payload: { summary: string; source: string; component: string; custom_details: { text: string } }
      }
      expect(body.payload.summary.length).toBeLessThanOrEqual(PagerDutyNotifier.SUMMARY_LENGTH)
      expect(body.payload.summary.startsWith("@everyone ttt")).toBe(true)
      expect(body.payload.component.length).toBeLessThanOrEqual(255)
      expect(body.payload.custom_details.text.length).toBeLessThanOrEqual(4000)
      expect(body.payload.custom_details.text.endsWith("… [truncated]")).toBe(true)
      expect(request!.body).not.toContain("hunter2")
      // PagerDuty takes up to 512 KB; this stays far under it.
      expect(request!.body.length).toBeLessThan(16_000)
    })
  )

  it("invalid options throw InvalidOptionError at once, without showing the key", () => {
    const key = Redacted.make(ROUTING_KEY)
    const attempts: ReadonlyArray<[string, () => unknown]> = [
      ["routingKey", () => PagerDutyNotifier.layer({ routingKey: ROUTING_KEY as never })],
      ["routingKey", () => PagerDutyNotifier.layer({ routingKey: Redacted.make("  ") })],
      ["routingKey", () => PagerDutyNotifier.layer({ routingKey: Redacted.make(`${ROUTING_KEY} x`) })],
      [
        "channels.ops",
        () => PagerDutyNotifier.layer({ routingKey: key, channels: { ops: ROUTING_KEY as never } })
      ],
      ["channels", () => PagerDutyNotifier.layer({ routingKey: key, channels: "ops" as never })],
      [
        "url",
        () => PagerDutyNotifier.layer({ routingKey: key, url: "ftp://events.pagerduty.com/v2/enqueue" })
      ],
      ["url", () => PagerDutyNotifier.layer({ routingKey: key, url: "not a url" })],
      ["source", () => PagerDutyNotifier.layer({ routingKey: key, source: " " })],
      ["maxAttempts", () => PagerDutyNotifier.layer({ routingKey: key, maxAttempts: 0 })],
      ["timeout", () => PagerDutyNotifier.layer({ routingKey: key, timeout: "soon" as never })]
    ]
    for (const [option, build] of attempts) expectInvalidOption(option, build, ROUTING_KEY)
  })

  it("posts to PagerDuty's endpoint by default", () => {
    expect(PagerDutyNotifier.EVENTS_URL).toBe("https://events.pagerduty.com/v2/enqueue")
  })
})
