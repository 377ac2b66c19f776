/**
 * The PagerDuty notifier: Events API v2, a `trigger` for a firing event and a `resolve` for a
 * resolved one, both keyed by the incident's `dedupKey`.
 *
 * @internal
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { Options as PagerDutyOptions } from "../../PagerDutyNotifier.js"
import * as Delivery from "../delivery.js"
import type { AlertEvent, Notifier, NotifierService } from "../notifier.js"
import * as Options from "../options.js"
import * as Render from "./render.js"
import * as Webhook from "./webhook.js"

/** Where events go unless `url` says otherwise. */
export const EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"

/** PagerDuty's limit on `payload.summary`. */
export const SUMMARY_LENGTH = 1024

/** PagerDuty's limit on `dedup_key`. */
const DEDUP_KEY_LENGTH = 255

/** The text carried in `custom_details`: enough to read, far under PagerDuty's 512 KB. */
const DETAILS_TEXT_LENGTH = 4000

const EXPECTED_URL = "an http(s) URL like https://events.pagerduty.com/v2/enqueue"

/** An endpoint and the routing key sent with it. */
interface Route extends Webhook.Endpoint {
  readonly routingKey: Redacted.Redacted<string>
}

/** Checks a routing key: a `Redacted` non-blank string without spaces. Never shows it. */
export const routingKey = (option: string, value: unknown): Redacted.Redacted<string> => {
  if (!Redacted.isRedacted(value)) {
    throw new Options.InvalidOptionError({
      option,
      reason: "must be a Redacted<string> (Redacted.make or Config.redacted), got a plain value"
    })
  }
  const raw = Redacted.value(value)
  const key = typeof raw === "string" ? raw.trim() : ""
  if (key === "" || /\s/.test(key)) {
    throw new Options.InvalidOptionError({
      option,
      reason: "must be a PagerDuty integration (routing) key: a non-blank string without spaces"
    })
  }
  return Redacted.make(key)
}

/**
 * The request body. `trigger`: a summary (the title, at most {@link SUMMARY_LENGTH}), the source,
 * the severity, the time, the operation as component, and the details. `resolve`: only the key,
 * as PagerDuty reads nothing else from it.
 */
export const render = (
  event: AlertEvent,
  key: string,
  source: string | undefined
): Record<string, unknown> => {
  const dedupKey = event.dedupKey.slice(0, DEDUP_KEY_LENGTH)
  if (event._tag === "Resolved") {
    return { routing_key: key, event_action: "resolve", dedup_key: dedupKey }
  }
  const summary = event.title.trim() === "" ? Render.where(event) : event.title
  return {
    routing_key: key,
    event_action: "trigger",
    dedup_key: dedupKey,
    payload: {
      summary: Render.cutLine(summary, SUMMARY_LENGTH),
      source: Render.cutLine(source ?? (event.context === "" ? event.operation : event.context), 255),
      severity: event.severity,
      timestamp: Render.isoTime(event.at),
      component: Render.cutLine(event.operation, 255),
      custom_details: {
        text: Render.cut(event.text, DETAILS_TEXT_LENGTH),
        operation: event.operation,
        ...(event.context === "" ? {} : { context: event.context }),
        ...(event.attempt === undefined ? {} : { attempt: event.attempt }),
        ...(event.error === undefined ? {} : { error: event.error }),
        ...(event.suppressed > 0 ? { suppressed: event.suppressed } : {}),
        ...(event.heldBack > 0 ? { held_back: event.heldBack } : {}),
        started_at: Render.isoTime(event.startedAt)
      }
    }
  }
}

const errorsOf = (json: unknown): string => {
  if (typeof json !== "object" || json === null) return ""
  const { message, errors } = json as { message?: unknown; errors?: unknown }
  const list = Array.isArray(errors) ? errors.filter((each) => typeof each === "string").join("; ") : ""
  const head = typeof message === "string" ? message : ""
  return head !== "" && list !== "" ? `${head}: ${list}` : head || list
}

const classify = (answer: Webhook.Answer): Webhook.Verdict => {
  const { status } = answer
  // 202 is PagerDuty's "accepted"; a proxy in between may say 200.
  if (status >= 200 && status < 300) return Webhook.delivered
  const explained = errorsOf(Webhook.parseJson(answer.body)) || answer.body
  const error = (detail: string) => Webhook.answered("PagerDuty", status, detail)
  if (status === 429) {
    return Webhook.retry(error(""), Webhook.parseRetryAfter(answer.headers["retry-after"], answer.now))
  }
  if (status >= 500) return Webhook.retry(error(answer.quote(explained)))
  // 400: the event is invalid (`errors` says why); 401/403/404: a wrong URL or proxy. Retrying
  // the same event will not help.
  return Webhook.fail(error(answer.quote(explained)))
}

export const make = (
  options: PagerDutyOptions
): Effect.Effect<NotifierService, never, HttpClient.HttpClient> => {
  const url = Webhook.urlOption("url", options.url ?? EVENTS_URL, EXPECTED_URL)
  const route = (option: string, value: unknown): Route => {
    const key = routingKey(option, value)
    return { ...Webhook.endpoint(url, [Redacted.value(key)]), routingKey: key }
  }
  const defaultRoute = route("routingKey", options.routingKey)
  const routes = Webhook.channelUrls(options.channels, route, "Redacted routing keys")
  const source = options.source === undefined ? undefined : Options.name("source", options.source)
  const settings = Webhook.settings(options)
  const target: Webhook.Target = { service: "PagerDuty", subject: "PagerDuty", settings, classify }
  return Effect.map(HttpClient.HttpClient, (client) =>
    Webhook.notifier(client, target, defaultRoute, routes, (event, to) =>
      render(event, Redacted.value(to.routingKey), source)
    )
  )
}

/** PagerDuty, behind a delivery queue, as a layer. */
export const layer = (options: PagerDutyOptions): Layer.Layer<Notifier, never, HttpClient.HttpClient> =>
  Delivery.layer(make(options), Delivery.queueOf("PagerDuty", options))
