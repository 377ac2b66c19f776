import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Exit, Layer, Redacted, TestClock } from "effect"
import { type Alert, AlertmanagerNotifier, Notifier } from "../src/index.js"
import * as Alertmanager from "./support/alertmanager.js"
import { ioTurn } from "./support/clockDriver.js"
import { firing, resolved } from "./support/events.js"
import { failureOf } from "./support/exits.js"
import * as HttpServer from "./support/httpServer.js"
import { makeLogCapture } from "./support/logs.js"
import { expectInvalidOption } from "./support/options.js"
import { makeSpanRecorder } from "./support/spans.js"

const AT = Date.UTC(2024, 4, 1, 12, 0, 0)
const STARTED_AT = AT - 723_000
const MINUTE = 60_000

const iso = (millis: number) => new Date(millis).toISOString()

const event = (overrides: Partial<Alert.Firing> = {}) =>
  firing({
    title: "charge is failing",
    text: "charge is failing\n\nHTTP 500 from billing on 50 attempts in a row",
    at: AT,
    startedAt: STARTED_AT,
    ...overrides
  })

const LABELS = {
  alertname: "OperationFailing",
  operation: "charge",
  context: "billing",
  severity: "critical",
  dedup_key: "billing/charge/0000000000abcd"
}

const ANNOTATIONS = {
  summary: "charge is failing",
  description: "charge is failing\n\nHTTP 500 from billing on 50 attempts in a row"
}

/** `AlertmanagerNotifier.layer`: the destination behind its delivery queue. */
const layer = (
  url: string | Redacted.Redacted<string>,
  options: Partial<AlertmanagerNotifier.Options> = {}
) => AlertmanagerNotifier.layer({ url, ...options }).pipe(Layer.provide(FetchHttpClient.layer))

/**
 * Builds the Alertmanager destination itself (`AlertmanagerNotifier.make`, not behind
 * `AlertmanagerNotifier.layer`'s queue) in the test's scope (its refresh fiber lives as long as the test)
 * with the TestClock at {@link AT}, and returns a `notify` that delivers on the caller's fiber and
 * ends with the delivery's exit. The queue is tested in `Notifier.delivery.test.ts`.
 */
const build = (
  url: string | Redacted.Redacted<string>,
  options: Partial<AlertmanagerNotifier.Options> = {}
) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(AT)
    const context = yield* Layer.build(
      Layer.scoped(Notifier.Notifier, AlertmanagerNotifier.make({ url, ...options })).pipe(
        Layer.provide(FetchHttpClient.layer)
      )
    )
    const notifier = Context.get(context, Notifier.Notifier)
    return (alert: Alert.AlertEvent) => Effect.exit(notifier.notify(alert))
  })

/** Moves the TestClock by `millis` and lets the refresh fiber run. */
const advance = (millis: number) =>
  Effect.gen(function* () {
    yield* TestClock.adjust(millis)
    for (let turn = 0; turn < 50; turn++) yield* ioTurn
  })

describe("AlertmanagerNotifier.layer", () => {
  it.scoped("firing: one alert with the incident's labels, annotations, startsAt and endsAt ahead", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 200 })
      const notify = yield* build(server.origin, {
        labels: { team: "payments", env: "prod" },
        generatorURL: "https://grafana.example.com/d/checkout"
      })
      expect(yield* notify(event())).toEqual(Exit.void)
      const [request] = yield* server.requests
      expect(request?.method).toBe("POST")
      expect(request?.url).toBe("/api/v2/alerts")
      expect(request?.headers["content-type"]).toMatch(/^application\/json/)
      expect(request?.headers.authorization).toBeUndefined()
      expect(yield* server.bodies).toEqual([
        [
          {
            labels: { ...LABELS, team: "payments", env: "prod" },
            annotations: ANNOTATIONS,
            startsAt: "2024-05-01T11:47:57.000Z",
            // Four refresh intervals (of a minute) ahead.
            endsAt: "2024-05-01T12:04:00.000Z",
            generatorURL: "https://grafana.example.com/d/checkout"
          }
        ]
      ])
    })
  )

  it.scoped("resolved: the labels it fired with, endsAt the time it resolved", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 200 })
      const notify = yield* build(server.origin)
      yield* notify(event({ channel: "billing" }))
      // The resolved event says "info" and names no channel: the alert's identity must not change.
      yield* notify(resolved({ at: AT + 5 * MINUTE, startedAt: STARTED_AT }))
      const bodies = (yield* server.bodies) as ReadonlyArray<ReadonlyArray<unknown>>
      expect(bodies[1]).toEqual([
        {
          labels: { ...LABELS, channel: "billing" },
          annotations: {
            summary: "✅ RESOLVED: charge (billing) resolved after 17m 3s",
            description: "RESOLVED: charge recovered"
          },
          startsAt: "2024-05-01T11:47:57.000Z",
          endsAt: "2024-05-01T12:05:00.000Z"
        }
      ])
    })
  )

  it.scoped("a resolved event of an incident it never saw fire still resolves it, by its own labels", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 200 })
      const notify = yield* build(server.origin)
      yield* notify(resolved({ severity: "critical", context: "", at: AT, startedAt: STARTED_AT }))
      expect(yield* server.bodies).toEqual([
        [
          {
            labels: {
              alertname: "OperationFailing",
              operation: "charge",
              severity: "critical",
              dedup_key: LABELS.dedup_key
            },
            annotations: {
              summary: "✅ RESOLVED: charge resolved after 12m 3s",
              description: "RESOLVED: charge recovered"
            },
            startsAt: "2024-05-01T11:47:57.000Z",
            endsAt: "2024-05-01T12:00:00.000Z"
          }
        ]
      ])
    })
  )

  it.scoped(
    "refresh: an open incident is pushed again every interval, endsAt moving ahead, until resolved",
    () =>
      Effect.gen(function* () {
        const server = yield* HttpServer.make
        yield* server.reply({ status: 200 })
        const notify = yield* build(server.origin, { refreshInterval: "30 seconds" })
        // Nothing open: the refresh sends nothing.
        yield* advance(30_000)
        expect(yield* server.requests).toHaveLength(0)
        yield* notify(event())
        yield* notify(
          event({ dedupKey: "billing/refund/0000000000beef", operation: "refund", severity: "error" })
        )
        yield* advance(30_000)
        yield* server.awaitRequests(3)
        const refresh = (yield* server.bodies)[2] as ReadonlyArray<{
          labels: { operation: string }
          endsAt: string
        }>
        // Both open incidents in one request, valid for four intervals from now.
        expect(refresh.map((alert) => [alert.labels.operation, alert.endsAt])).toEqual([
          ["charge", iso(AT + 60_000 + 4 * 30_000)],
          ["refund", iso(AT + 60_000 + 4 * 30_000)]
        ])
        expect(refresh[0]).toEqual({
          labels: LABELS,
          annotations: ANNOTATIONS,
          startsAt: iso(STARTED_AT),
          endsAt: iso(AT + 60_000 + 120_000)
        })
        yield* notify(resolved({ at: AT + 70_000, startedAt: STARTED_AT }))
        yield* advance(30_000)
        yield* server.awaitRequests(5)
        const last = (yield* server.bodies)[4] as ReadonlyArray<{ labels: { operation: string } }>
        expect(last.map((alert) => alert.labels.operation)).toEqual(["refund"])
        yield* notify(
          resolved({ dedupKey: "billing/refund/0000000000beef", operation: "refund", at: AT + 95_000 })
        )
        yield* advance(30_000)
        yield* advance(30_000)
        expect(yield* server.requests).toHaveLength(6)
      })
  )

  it.scoped("a firing push that fails is not lost: the next refresh delivers it", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 400, body: "bad alert" }, { status: 200 })
      const notify = yield* build(server.origin)
      const exit = yield* notify(event())
      const error = failureOf(exit)
      expect(error?.message).toBe("Alertmanager answered 400 Bad Request: bad alert")
      expect(error?.status).toBe(400)
      yield* advance(MINUTE)
      yield* server.awaitRequests(2)
      const bodies = (yield* server.bodies) as ReadonlyArray<ReadonlyArray<{ labels: unknown }>>
      expect(bodies[1]?.[0]?.labels).toEqual(LABELS)
    })
  )

  it.scoped("a failing refresh is logged as a warning and the refresh goes on", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      const capture = yield* makeLogCapture
      yield* server.reply({ status: 200 }, { status: 403, body: "forbidden" }, { status: 200 })
      const notify = yield* build(server.origin).pipe(Effect.provide(capture.layer))
      yield* notify(event())
      yield* advance(MINUTE)
      yield* server.awaitRequests(2)
      yield* advance(MINUTE)
      yield* server.awaitRequests(3)
      const warnings = (yield* capture.logs).filter((log) => log.level === "WARN")
      expect(warnings.map((log) => log.message)).toEqual([
        "Alertmanager notifier: refreshing the open alerts failed: Alertmanager answered 403 Forbidden: forbidden"
      ])
    })
  )

  it.scoped("maxOpen: past the cap the oldest incident is dropped, with a warning naming its key", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      const capture = yield* makeLogCapture
      yield* server.reply({ status: 200 })
      const notify = yield* build(server.origin, { maxOpen: 2 }).pipe(Effect.provide(capture.layer))
      for (const operation of ["a", "b", "c"]) {
        yield* notify(event({ operation, dedupKey: `billing/${operation}/1` })).pipe(
          Effect.provide(capture.layer)
        )
      }
      // Firing again moves an incident to the newest place.
      yield* notify(event({ operation: "b", dedupKey: "billing/b/1" }))
      yield* advance(MINUTE)
      yield* server.awaitRequests(5)
      const refresh = (yield* server.bodies)[4] as ReadonlyArray<{ labels: { operation: string } }>
      expect(refresh.map((alert) => alert.labels.operation)).toEqual(["c", "b"])
      const warning = (yield* capture.logs).find((log) => log.level === "WARN")
      expect(warning?.message).toBe(
        "Alertmanager notifier: more than 2 open incidents; no longer refreshing the oldest, which Alertmanager resolves at its endsAt"
      )
      expect(warning?.annotations.dedupKey).toBe("billing/a/1")
    })
  )

  it.scoped("the URL: a route prefix is kept, credentials go in a Basic header and nowhere else", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      const password = "Sup3rS3cretAlertmanagerPassw0rd"
      const host = server.origin.replace("http://", "")
      yield* server.reply(
        { status: 200 },
        { status: 401, body: `no access for http://alerts:${password}@${host}` }
      )
      const recorder = yield* makeSpanRecorder
      const capture = yield* makeLogCapture
      const notify = yield* build(Redacted.make(`http://alerts:${password}@${host}/am/`))
      yield* notify(event()).pipe(Effect.withTracer(recorder.tracer))
      const exit = yield* notify(event({ text: `password is ${password}` })).pipe(
        Effect.withTracer(recorder.tracer),
        Effect.provide(capture.layer)
      )
      const [first, second] = yield* server.requests
      expect(first?.url).toBe("/am/api/v2/alerts")
      expect(first?.headers.authorization).toBe(
        `Basic ${Buffer.from(`alerts:${password}`).toString("base64")}`
      )
      expect(second?.body).not.toContain(password)
      const error = failureOf(exit)
      expect(error).toBeInstanceOf(Notifier.NotifierError)
      expect(error?.message).toBe(
        `Alertmanager answered 401 Unauthorized: no access for http://[REDACTED]@${host}`
      )
      expect(error?.status).toBe(401)
      expect(JSON.stringify(exit)).not.toContain(password)
      expect(recorder.spans().map((span) => span.name)).toEqual([
        "effect-retry-alerts/Notifier.alertmanager",
        "effect-retry-alerts/Notifier.alertmanager"
      ])
      expect(recorder.dump()).not.toContain(password)
      for (const log of yield* capture.logs) expect(log.text).not.toContain(password)
    })
  )

  it.scoped("a URL that already ends with /api/v2/alerts is used as it is", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 200 })
      const notify = yield* build(`${server.origin}/api/v2/alerts/`)
      yield* notify(event())
      expect((yield* server.requests)[0]?.url).toBe("/api/v2/alerts")
    })
  )

  it.scoped("a hostile event: a bounded description, no secret of the notifier's", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 200 })
      const notify = yield* build(server.origin)
      yield* notify(
        event({
          title: "t".repeat(5000),
          text: `password=hunter2 <!channel> @everyone ${"x".repeat(1_000_000)}`
        })
      )
      const [request] = yield* server.requests
      const [alert] = JSON.parse(request!.body) as ReadonlyArray<{
        annotations: { summary: string; description: string }
      }>
      expect(alert!.annotations.summary.length).toBeLessThanOrEqual(1024)
      expect(alert!.annotations.description.length).toBeLessThanOrEqual(4096)
      expect(alert!.annotations.description.endsWith("… [truncated]")).toBe(true)
      expect(request!.body).not.toContain("hunter2")
    })
  )

  it("invalid options throw InvalidOptionError at once, naming the option, never the URL", () => {
    const secret = "Sup3rS3cretAlertmanagerPassw0rd"
    const url = "http://alertmanager:9093"
    const attempts: ReadonlyArray<[string, () => unknown]> = [
      ["url", () => AlertmanagerNotifier.layer({ url: `alertmanager:9093/${secret}` })],
      ["url", () => AlertmanagerNotifier.layer({ url: Redacted.make(`ftp://u:${secret}@alertmanager`) })],
      ["url", () => AlertmanagerNotifier.layer({ url: 42 as never })],
      ["labels.team-name", () => AlertmanagerNotifier.layer({ url, labels: { "team-name": "x" } })],
      ["labels.__name__", () => AlertmanagerNotifier.layer({ url, labels: { __name__: "x" } })],
      ["labels.severity", () => AlertmanagerNotifier.layer({ url, labels: { severity: "page" } })],
      ["labels.dedup_key", () => AlertmanagerNotifier.layer({ url, labels: { dedup_key: "x" } })],
      ["labels.team", () => AlertmanagerNotifier.layer({ url, labels: { team: "" } })],
      ["labels", () => AlertmanagerNotifier.layer({ url, labels: ["team"] as never })],
      ["generatorURL", () => AlertmanagerNotifier.layer({ url, generatorURL: "grafana" })],
      ["refreshInterval", () => AlertmanagerNotifier.layer({ url, refreshInterval: "500 millis" })],
      ["refreshInterval", () => AlertmanagerNotifier.layer({ url, refreshInterval: -1 })],
      ["maxOpen", () => AlertmanagerNotifier.layer({ url, maxOpen: 0 })],
      ["timeout", () => AlertmanagerNotifier.layer({ url, timeout: Number.NaN })]
    ]
    for (const [option, build] of attempts) expectInvalidOption(option, build, secret)
  })

  it.scoped("labels.alertname replaces the default alertname", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.make
      yield* server.reply({ status: 200 })
      const notify = yield* build(server.origin, { labels: { alertname: "CheckoutFailing" } })
      yield* notify(event())
      const [alerts] = (yield* server.bodies) as ReadonlyArray<ReadonlyArray<{ labels: unknown }>>
      expect(alerts?.[0]?.labels).toEqual({ ...LABELS, alertname: "CheckoutFailing" })
    })
  )

  it("refreshes every minute, with room for a thousand open incidents, by default", () => {
    expect(Duration.toMillis(AlertmanagerNotifier.DEFAULT_REFRESH_INTERVAL)).toBe(MINUTE)
    expect(AlertmanagerNotifier.DEFAULT_MAX_OPEN).toBe(1000)
  })
})

interface WebhookNotification {
  readonly status: "firing" | "resolved"
  readonly alerts: ReadonlyArray<{
    readonly status: string
    readonly labels: Record<string, string>
    readonly annotations: Record<string, string>
    readonly endsAt: string
  }>
}

/**
 * Waits (real time, bounded) until the receiver got a notification with `status`, and returns it.
 * Alertmanager may repeat a firing one; the first matching is enough.
 */
const awaitNotification = (receiver: HttpServer.TestServer, status: WebhookNotification["status"]) =>
  Effect.gen(function* () {
    for (let count = 1; ; count++) {
      yield* receiver.awaitRequests(count)
      const body = (yield* receiver.bodies)[count - 1] as WebhookNotification
      if (body.status === status) return body
    }
  }).pipe(
    Effect.timeoutFail({
      duration: "30 seconds",
      onTimeout: () => new Error(`no ${status} notification from Alertmanager within 30 s`)
    })
  )

describe("AlertmanagerNotifier.layer against a real Alertmanager", () => {
  it.scopedLive(
    "a firing alert is notified through Alertmanager, then its resolution",
    () =>
      Effect.gen(function* () {
        const receiver = yield* HttpServer.make
        yield* receiver.reply({ status: 200 })
        const alertmanager = yield* Alertmanager.make(`${receiver.origin}/alertmanager-webhook`)
        const context = yield* Layer.build(layer(alertmanager.url, { labels: { team: "payments" } }))
        const notifier = Context.get(context, Notifier.Notifier)
        const now = Date.now()
        const dedupKey = `billing/charge/${now.toString(16).padStart(14, "0")}`
        yield* notifier.notify(event({ dedupKey, startedAt: now - 5000, at: now }))

        const fired = yield* awaitNotification(receiver, "firing")
        expect(fired.alerts).toHaveLength(1)
        expect(fired.alerts[0]?.labels).toEqual({ ...LABELS, dedup_key: dedupKey, team: "payments" })
        expect(fired.alerts[0]?.annotations).toEqual(ANNOTATIONS)
        expect(fired.alerts[0]?.status).toBe("firing")

        const resolvedAt = Date.now()
        yield* notifier.notify(resolved({ dedupKey, startedAt: now - 5000, at: resolvedAt }))
        const done = yield* awaitNotification(receiver, "resolved")
        expect(done.alerts).toHaveLength(1)
        expect(done.alerts[0]?.status).toBe("resolved")
        expect(done.alerts[0]?.labels).toEqual({ ...LABELS, dedup_key: dedupKey, team: "payments" })
        expect(Date.parse(done.alerts[0]!.endsAt)).toBe(resolvedAt)
        const requests = yield* receiver.requests
        expect(requests.every((request) => request.url === "/alertmanager-webhook")).toBe(true)
      }),
    60_000
  )
})
