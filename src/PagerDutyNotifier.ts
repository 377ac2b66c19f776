/**
 * Opens and resolves PagerDuty incidents through the Events API v2.
 *
 * @since 0.3.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type { Notifier, NotifierService } from "./internal/notifier.js"
import * as PagerDuty from "./internal/notifiers/pagerDuty.js"
import type * as WebhookNotifier from "./WebhookNotifier.js"

/**
 * PagerDuty's Events API v2 endpoint, where {@link layer} posts unless told otherwise (an EU
 * account uses `https://events.eu.pagerduty.com/v2/enqueue`).
 *
 * @example
 * ```ts
 * import { PagerDutyNotifier } from "effect-retry-alerts"
 *
 * const isDefault = (url: string) => url === PagerDutyNotifier.EVENTS_URL
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const EVENTS_URL: string = PagerDuty.EVENTS_URL

/**
 * Longest `payload.summary` PagerDuty accepts: 1,024 characters. A longer title is cut.
 *
 * @example
 * ```ts
 * import { PagerDutyNotifier } from "effect-retry-alerts"
 *
 * const limit: number = PagerDutyNotifier.SUMMARY_LENGTH // 1024
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const SUMMARY_LENGTH: number = PagerDuty.SUMMARY_LENGTH

/**
 * Options of {@link layer}: the routing keys, the endpoint, the source, the delivery and the
 * queue ({@link WebhookNotifier.DeliveryOptions}).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { PagerDutyNotifier } from "effect-retry-alerts"
 *
 * const options: PagerDutyNotifier.Options = {
 *   routingKey: Redacted.make("0123456789abcdef0123456789abcdef"),
 *   channels: { billing: Redacted.make("fedcba9876543210fedcba9876543210") },
 *   source: "checkout-service"
 * }
 * ```
 *
 * @since 0.3.0
 * @category models
 */
export interface Options extends WebhookNotifier.DeliveryOptions {
  /** The integration key of an Events API v2 integration (or ruleset). A secret: keep it `Redacted`. */
  readonly routingKey: Redacted.Redacted<string>
  /** Routing keys for named channels: an event whose `channel` is `"billing"` goes to that service. */
  readonly channels?: Readonly<Record<string, Redacted.Redacted<string>>> | undefined
  /** The Events API endpoint. Default {@link EVENTS_URL}. */
  readonly url?: string | Redacted.Redacted<string> | undefined
  /** `payload.source`: the affected system. Default: the event's context, or its operation without one. */
  readonly source?: string | undefined
}

/**
 * Builds a PagerDuty notifier, without a queue. See {@link layer}. Throws `InvalidOptionError` at
 * once for an invalid option; the message never shows the routing key.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { PagerDutyNotifier } from "effect-retry-alerts"
 *
 * const pagerDuty = PagerDutyNotifier.make({ routingKey: Redacted.make("0123456789abcdef0123456789abcdef") })
 * // Effect<NotifierService, never, HttpClient>: combine it with others through Notifier.fanOut.
 * ```
 *
 * @since 0.3.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<NotifierService, never, HttpClient.HttpClient> =>
  PagerDuty.make(options)

/**
 * Opens and resolves PagerDuty incidents through the Events API v2, with the `HttpClient` you
 * provide, from a queue off the caller's path (`Notifier.QueueOptions`).
 *
 * - A firing event posts `event_action: "trigger"` with `dedup_key` = the event's `dedupKey` and a
 *   `payload`: `summary` (the title, at most {@link SUMMARY_LENGTH}), `source` (option `source`,
 *   else the context, else the operation), `severity` (the event's: `critical`, `error`,
 *   `warning` or `info`), `timestamp`, `component` (the operation) and `custom_details` (the
 *   text, operation, context, attempt, error, counts, start time). PagerDuty folds repeated
 *   triggers of one key into one alert.
 * - A resolved event posts `event_action: "resolve"` with the same `dedup_key`: the incident
 *   closes.
 * - 202: delivered. 429, 5xx and network errors: tried again with backoff (or after
 *   `Retry-After`), every wait on Effect's `Clock`. 400 (an invalid event) and other refusals:
 *   fails at once with PagerDuty's `errors`. At most `maxAttempts` tries within `timeout`.
 * - The routing key is a secret: it travels only in the request body, and appears in no error,
 *   log line or span.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { Layer, Redacted } from "effect"
 * import { PagerDutyNotifier } from "effect-retry-alerts"
 *
 * const Paging = PagerDutyNotifier.layer({
 *   routingKey: Redacted.make("0123456789abcdef0123456789abcdef")
 * }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Notifier, never, HttpClient.HttpClient> =>
  PagerDuty.layer(options)
