/**
 * The Alertmanager notifier: pushes alerts to Alertmanager's API (`POST /api/v2/alerts`) and keeps
 * them firing while their incident is open.
 *
 * Alertmanager resolves an alert by itself at its `endsAt`. Each push of a firing alert sets
 * `endsAt` a few refresh intervals ahead, and a background fiber in the layer's scope pushes every
 * open incident again each interval, until its resolved event arrives (then `endsAt` is the time it
 * resolved). A process that dies stops refreshing, and its alerts resolve on their own soon after,
 * instead of firing forever.
 *
 * @internal
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { Options as AlertmanagerOptions } from "../../AlertmanagerNotifier.js"
import * as Delivery from "../delivery.js"
import * as Describe from "../describe.js"
import type { AlertEvent, Notifier, NotifierError, NotifierService } from "../notifier.js"
import * as Options from "../options.js"
import * as Redact from "../redact/redact.js"
import * as Render from "./render.js"
import * as Webhook from "./webhook.js"

/** How often open incidents are pushed again, unless `refreshInterval` says otherwise. */
export const DEFAULT_REFRESH_INTERVAL: Duration.Duration = /*#__PURE__*/ Duration.minutes(1)

/** How many open incidents are remembered (and refreshed), unless `maxOpen` says otherwise. */
export const DEFAULT_MAX_OPEN = 1000

/** The `alertname` label, unless `labels.alertname` says otherwise. */
export const DEFAULT_ALERTNAME = "OperationFailing"

/**
 * A firing alert's `endsAt` is this many refresh intervals ahead. Prometheus does the same for its
 * own alerts (four evaluation intervals): three refreshes in a row can be lost (an Alertmanager
 * restarting, a slow network) before the alert resolves by mistake, and a dead process's alerts
 * still resolve within minutes. Independent of Alertmanager's `resolve_timeout`.
 */
export const VALIDITY_INTERVALS = 4

/** Longest `description` annotation: a page of text, not a megabyte. */
export const DESCRIPTION_LENGTH = 4096

/** Longest `summary` annotation and label value. */
const LINE_LENGTH = 1024

/** Alerts per refresh request, so that a thousand open incidents never make one huge body. */
const REFRESH_BATCH = 100

/** Pushes that may run at once: more than any delivery queue's `concurrency` sends. */
const PUSHES_AT_ONCE = 1_000

/** Labels the notifier sets itself: they identify the incident. `alertname` may be overridden. */
const RESERVED_LABELS = /*#__PURE__*/ new Set(["operation", "context", "severity", "dedup_key", "channel"])

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

const EXPECTED_URL = "an http(s) URL of Alertmanager like http://alertmanager:9093"

const ALERTS_PATH = "/api/v2/alerts"

/**
 * The endpoint from the user's URL: its path gets `/api/v2/alerts` (unless it ends so already,
 * keeping a route prefix), and credentials in it (`https://user:pass@host`) move to a Basic
 * `Authorization` header, since `fetch` refuses URLs that carry them.
 */
export const alertsEndpoint = (option: string, value: unknown): Webhook.Endpoint => {
  const original = Webhook.urlOption(option, value, EXPECTED_URL)
  const url = new URL(original.href)
  const username = decodeURIComponent(url.username)
  const password = decodeURIComponent(url.password)
  url.username = ""
  url.password = ""
  url.hash = ""
  const base = url.pathname.replace(/\/+$/, "")
  url.pathname = base.endsWith(ALERTS_PATH) ? base : `${base}${ALERTS_PATH}`
  if (username === "" && password === "") return Webhook.endpoint(url, [original.href])
  const bytes = new TextEncoder().encode(`${username}:${password}`)
  const credentials = btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(""))
  return Webhook.endpoint(url, [original.href, password], { authorization: `Basic ${credentials}` })
}

/** Checks the user's labels: Prometheus label names, non-empty values, none of the reserved. */
export const userLabels = (value: unknown): Readonly<Record<string, string>> => {
  if (value === undefined) return {}
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Options.InvalidOptionError({
      option: "labels",
      reason: "must be a record of label names to values"
    })
  }
  const labels: Record<string, string> = {}
  for (const [name, label] of Object.entries(value)) {
    const option = `labels.${name}`
    if (!LABEL_NAME.test(name) || name.startsWith("__")) {
      throw new Options.InvalidOptionError({
        option,
        reason: "must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)"
      })
    }
    if (RESERVED_LABELS.has(name)) {
      throw new Options.InvalidOptionError({
        option,
        reason: `is set by the notifier from the alert; reserved: ${[...RESERVED_LABELS].join(", ")}`
      })
    }
    if (typeof label !== "string" || label === "") {
      // Alertmanager drops empty labels silently: say so now rather than lose the label.
      throw new Options.InvalidOptionError({ option, reason: "must be a non-empty string" })
    }
    labels[name] = label
  }
  return labels
}

const generatorUrl = (value: unknown): string | undefined => {
  if (value === undefined) return undefined
  let url: URL | undefined
  try {
    url = typeof value === "string" ? new URL(value) : undefined
  } catch {
    url = undefined
  }
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new Options.InvalidOptionError({ option: "generatorURL", reason: "must be an http(s) URL" })
  }
  return url.href
}

/** What Alertmanager is told about an open incident, kept to push it again. */
interface Open {
  readonly labels: Readonly<Record<string, string>>
  readonly annotations: Readonly<Record<string, string>>
  readonly startsAt: string
}

/** The labels of an event: the user's, then the incident's (which win). */
export const labelsOf = (
  event: AlertEvent,
  user: Readonly<Record<string, string>>
): Record<string, string> => ({
  alertname: DEFAULT_ALERTNAME,
  ...user,
  operation: Render.cutLine(event.operation, LINE_LENGTH),
  ...(event.context === "" ? {} : { context: Render.cutLine(event.context, LINE_LENGTH) }),
  severity: event.severity,
  dedup_key: event.dedupKey,
  ...(event.channel === undefined || event.channel === "" ? {} : { channel: event.channel })
})

/** `summary` (the title) and `description` (the text); a resolved event says how long it lasted. */
export const annotationsOf = (event: AlertEvent): Record<string, string> =>
  event._tag === "Resolved"
    ? { summary: Render.resolvedLine(event), description: Render.cut(event.text, DESCRIPTION_LENGTH) }
    : {
        summary: Render.cutLine(event.title.trim() === "" ? Render.where(event) : event.title, LINE_LENGTH),
        description: Render.cut(event.text, DESCRIPTION_LENGTH)
      }

const classify = (answer: Webhook.Answer): Webhook.Verdict => {
  const { status } = answer
  if (status >= 200 && status < 300) return Webhook.delivered
  const error = (detail: string) => Webhook.answered("Alertmanager", status, detail)
  if (status === 429) {
    return Webhook.retry(error(""), Webhook.parseRetryAfter(answer.headers["retry-after"], answer.now))
  }
  if (status >= 500) return Webhook.retry(error(answer.quote(answer.body)))
  // 400: Alertmanager's validation message ("start time must be before end time"); 401/403/404:
  // a wrong URL, prefix or credentials. The same push will not do better.
  return Webhook.fail(error(answer.quote(answer.body)))
}

export const make = (
  options: AlertmanagerOptions
): Effect.Effect<NotifierService, never, HttpClient.HttpClient | Scope.Scope> => {
  // Validated now, where the layer is written, not when the first alert goes out.
  const endpoint = alertsEndpoint("url", options.url)
  const labels = userLabels(options.labels)
  const generatorURL = generatorUrl(options.generatorURL)
  const refreshInterval = Options.duration(
    "refreshInterval",
    options.refreshInterval ?? DEFAULT_REFRESH_INTERVAL
  )
  if (Duration.toMillis(refreshInterval) < 1000) {
    throw new Options.InvalidOptionError({ option: "refreshInterval", reason: "must be at least 1 second" })
  }
  const maxOpen = Options.wholeNumber("maxOpen", options.maxOpen ?? DEFAULT_MAX_OPEN, 1, 1_000_000)
  const settings = Webhook.settings(options)
  const target: Webhook.Target = { service: "Alertmanager", subject: "Alertmanager", settings, classify }
  const validityMillis = VALIDITY_INTERVALS * Duration.toMillis(refreshInterval)
  const secrets = Redacted.value(endpoint.secrets)
  const name = Webhook.spanName(target)

  return Effect.gen(function* () {
    const client = Webhook.quietClient(yield* HttpClient.HttpClient)
    // Open incidents by dedupKey, oldest first (a Map keeps insertion order).
    const open = new Map<string, Open>()
    // A refresh excludes every push: one computed before a resolve must not land after it and
    // make the alert fire again. Pushes run side by side (the delivery queue keeps the events of
    // one incident in order), each holding one permit; a refresh takes them all.
    const lock = yield* Effect.makeSemaphore(PUSHES_AT_ONCE)

    const alert = (entry: Open, endsAt: string) => ({
      labels: entry.labels,
      annotations: entry.annotations,
      startsAt: entry.startsAt,
      endsAt,
      ...(generatorURL === undefined ? {} : { generatorURL })
    })

    const push = (alerts: ReadonlyArray<unknown>): Effect.Effect<void, NotifierError> =>
      Webhook.post(client, target, endpoint, alerts)

    const remember = (key: string, entry: Open): Effect.Effect<void> => {
      open.delete(key)
      open.set(key, entry)
      if (open.size <= maxOpen) return Effect.void
      const [oldest] = open.keys()
      open.delete(oldest!)
      return Effect.logWarning(
        `Alertmanager notifier: more than ${maxOpen} open incidents; no longer refreshing the oldest, which Alertmanager resolves at its endsAt`
      ).pipe(Effect.annotateLogs({ notifier: "Alertmanager", dedupKey: oldest! }))
    }

    const notify = (event: AlertEvent): Effect.Effect<void, NotifierError> =>
      Effect.suspend(() => {
        const scrubbed = Webhook.scrubEvent(event, secrets)
        const known = open.get(event.dedupKey)
        // The labels are the alert's identity in Alertmanager: an incident keeps those it fired with.
        const entry: Open = {
          labels: known?.labels ?? labelsOf(scrubbed, labels),
          annotations: annotationsOf(scrubbed),
          startsAt: known?.startsAt ?? Render.isoTime(event.startedAt)
        }
        if (event._tag === "Resolved") {
          // Forgotten first: if this push fails, the alert still resolves at its endsAt.
          open.delete(event.dedupKey)
          return push([alert(entry, Render.isoTime(event.at))])
        }
        // Remembered first: if this push fails, the next refresh delivers it.
        return Effect.zipRight(
          remember(event.dedupKey, entry),
          push([alert(entry, Render.isoTime(event.at + validityMillis))])
        )
      }).pipe(
        lock.withPermits(1),
        Effect.withSpan(name, {
          attributes: {
            "notifier.channel": event.channel ?? "default",
            "notifier.event": event._tag
          }
        })
      )

    const refreshOpen: Effect.Effect<void, NotifierError> = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const endsAt = Render.isoTime(now + validityMillis)
      const alerts = [...open.values()].map((entry) => alert(entry, endsAt))
      yield* Effect.annotateCurrentSpan("notifier.open", alerts.length)
      for (let start = 0; start < alerts.length; start += REFRESH_BATCH) {
        yield* push(alerts.slice(start, start + REFRESH_BATCH))
      }
    }).pipe(lock.withPermits(PUSHES_AT_ONCE), Effect.withSpan(`${name}.refresh`))

    // Never fails, so the loop goes on; what went wrong is logged, scrubbed of the URL.
    const refresh: Effect.Effect<void> = Effect.suspend(() =>
      open.size === 0 ? Effect.void : refreshOpen
    ).pipe(
      Effect.catchAllCause((cause) => {
        // The scope closing is no failure to report.
        if (Cause.isInterruptedOnly(cause)) return Effect.interrupt
        const failure = Cause.failureOption(cause)
        const reason =
          failure._tag === "Some"
            ? failure.value.message
            : Redact.scrub(Describe.summary(Cause.squash(cause), 300), secrets)
        return Effect.logWarning(`Alertmanager notifier: refreshing the open alerts failed: ${reason}`)
      }),
      Effect.annotateLogs({ notifier: "Alertmanager" })
    )

    // `Effect.schedule` waits one interval before each refresh, the first one included.
    yield* Effect.forkScoped(Effect.schedule(refresh, Schedule.spaced(refreshInterval)))
    return { notify }
  })
}

/** Alertmanager, behind a delivery queue, as a layer. */
export const layer = (options: AlertmanagerOptions): Layer.Layer<Notifier, never, HttpClient.HttpClient> =>
  Delivery.layer(make(options), Delivery.queueOf("Alertmanager", options))
