/**
 * Alerts pushed to Prometheus Alertmanager, kept firing while their incident is open.
 *
 * @since 0.3.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { Notifier, NotifierService } from "./internal/notifier.js"
import * as Alertmanager from "./internal/notifiers/alertmanager.js"
import type * as WebhookNotifier from "./WebhookNotifier.js"

/**
 * How often {@link layer} pushes open incidents again: every minute.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { AlertmanagerNotifier } from "effect-retry-alerts"
 *
 * const seconds = Duration.toSeconds(AlertmanagerNotifier.DEFAULT_REFRESH_INTERVAL) // 60
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_REFRESH_INTERVAL: Duration.Duration = Alertmanager.DEFAULT_REFRESH_INTERVAL

/**
 * How many open incidents {@link layer} remembers and refreshes: 1,000. Past it the oldest is
 * dropped, with a warning, and Alertmanager resolves it at its `endsAt`.
 *
 * @example
 * ```ts
 * import { AlertmanagerNotifier } from "effect-retry-alerts"
 *
 * const cap: number = AlertmanagerNotifier.DEFAULT_MAX_OPEN // 1000
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_MAX_OPEN: number = Alertmanager.DEFAULT_MAX_OPEN

/**
 * Options of {@link layer}: Alertmanager's URL, the labels and link of every alert, the refresh,
 * the delivery and the queue ({@link WebhookNotifier.DeliveryOptions}).
 *
 * @example
 * ```ts
 * import { AlertmanagerNotifier } from "effect-retry-alerts"
 *
 * const options: AlertmanagerNotifier.Options = {
 *   url: "http://alertmanager:9093",
 *   labels: { team: "payments", env: "prod" },
 *   generatorURL: "https://grafana.example.com/d/checkout"
 * }
 * ```
 *
 * @since 0.3.0
 * @category models
 */
export interface Options extends WebhookNotifier.DeliveryOptions {
  /**
   * Alertmanager's base URL (`http://alertmanager:9093`, with its route prefix if it has one);
   * `/api/v2/alerts` is added. Credentials in it (`https://user:pass@host`) are sent as Basic
   * authentication. Never logged; pass it `Redacted` when it carries credentials.
   */
  readonly url: string | Redacted.Redacted<string>
  /**
   * Labels added to every alert (`team`, `env`): Prometheus label names, non-empty values.
   * `alertname` replaces the default `"OperationFailing"`; `operation`, `context`, `severity`,
   * `dedup_key` and `channel` are the notifier's own.
   */
  readonly labels?: Readonly<Record<string, string>> | undefined
  /** `generatorURL` of every alert: a link back to where it comes from (a dashboard). */
  readonly generatorURL?: string | undefined
  /**
   * How often open incidents are pushed again; each push sets `endsAt` four intervals ahead.
   * At least 1 second. Default {@link DEFAULT_REFRESH_INTERVAL}.
   */
  readonly refreshInterval?: Duration.DurationInput | undefined
  /** Most open incidents remembered and refreshed. Default {@link DEFAULT_MAX_OPEN}. */
  readonly maxOpen?: number | undefined
}

/**
 * Builds an Alertmanager notifier, without a queue, and starts its refresh fiber in the current
 * scope. See {@link layer}. Throws `InvalidOptionError` at once for an invalid option.
 *
 * @example
 * ```ts
 * import { AlertmanagerNotifier } from "effect-retry-alerts"
 *
 * const alertmanager = AlertmanagerNotifier.make({ url: "http://alertmanager:9093" })
 * // Effect<NotifierService, never, HttpClient | Scope>: the refresh stops with the scope.
 * ```
 *
 * @since 0.3.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<NotifierService, never, HttpClient.HttpClient | Scope.Scope> => Alertmanager.make(options)

/**
 * Pushes alerts to Prometheus Alertmanager (`POST /api/v2/alerts`), with the `HttpClient` you
 * provide, from a queue off the caller's path (`Notifier.QueueOptions`); grouping, routing,
 * silences, inhibition and high availability are then Alertmanager's.
 *
 * - Each alert has the labels `alertname` (`"OperationFailing"` unless `labels.alertname`),
 *   `operation`, `context` (when not empty), `severity`, `dedup_key` (one alert per incident),
 *   `channel` (when the event names one) and your `labels`; the annotations `summary` (the title)
 *   and `description` (the text, at most 4,096 characters); `startsAt` (the incident's first
 *   failure) and `generatorURL` when given. Times come from the events, so from Effect's `Clock`.
 * - A firing event pushes the alert with `endsAt` four refresh intervals ahead. While the incident
 *   is open, a fiber in the layer's scope pushes it again every `refreshInterval` (default one
 *   minute), so Alertmanager keeps it firing whatever its `resolve_timeout`. A resolved event
 *   pushes the same labels with `endsAt` = the time it resolved, and stops the refresh.
 * - A push that fails is not lost: a firing incident goes out again with the next refresh. If the
 *   process stops, its alerts resolve on their own at their `endsAt`, minutes later.
 * - 2xx: delivered. 429, 5xx and network errors: tried again with backoff. 400 (Alertmanager's
 *   validation) and other refusals: fails at once. The URL appears in no error, log line or span.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { Layer } from "effect"
 * import { AlertmanagerNotifier } from "effect-retry-alerts"
 *
 * const Alerts = AlertmanagerNotifier.layer({
 *   url: "http://alertmanager:9093",
 *   labels: { team: "payments" }
 * }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Notifier, never, HttpClient.HttpClient> =>
  Alertmanager.layer(options)
