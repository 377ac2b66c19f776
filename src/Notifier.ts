/**
 * Where alerts go: the `Notifier` service and its contract, the log notifier (the default), your
 * own notifier behind a delivery queue, and a fan-out over several. Each webhook destination has
 * its own module (`DiscordNotifier`, `SlackNotifier`, `PagerDutyNotifier`, `AlertmanagerNotifier`),
 * and `NotifierConfig` picks them from the environment, so that a program alerting to the log
 * bundles no HTTP client. The test notifier is `NotifierTest`.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { AlertEvent } from "./Alert.js"
import type * as AlertmanagerNotifier from "./AlertmanagerNotifier.js"
import type * as DiscordNotifier from "./DiscordNotifier.js"
import * as Delivery from "./internal/delivery.js"
import * as FanOut from "./internal/fanOut.js"
import { layerLog as logLayer, Notifier, type NotifierError } from "./internal/notifier.js"
import * as OptionChecks from "./internal/options.js"
import type * as PagerDutyNotifier from "./PagerDutyNotifier.js"
import type * as SlackNotifier from "./SlackNotifier.js"
import type * as WebhookNotifier from "./WebhookNotifier.js"

export {
  /**
   * The notifier service tag. Provide {@link layerLog}, `NotifierTest.layer()`, a destination's
   * layer (`DiscordNotifier.layer`...) or your own notifier ({@link layer}, {@link fromNotify},
   * {@link fromText}).
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { Notifier } from "effect-retry-alerts"
   *
   * const program = Effect.gen(function* () {
   *   const notifier = yield* Notifier.Notifier
   *   return notifier.notify
   * })
   * ```
   *
   * @since 0.1.0
   * @category tags
   */
  Notifier,
  /**
   * A notifier could not deliver an alert. `message` says why; it never contains a webhook URL
   * or a routing key. `status` is the HTTP status of the answer that made a notifier give up, if
   * any.
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { Notifier } from "effect-retry-alerts"
   *
   * const failed = Effect.fail(new Notifier.NotifierError({ message: "pager answered 503", status: 503 }))
   * ```
   *
   * @since 0.1.0
   * @category errors
   */
  NotifierError
} from "./internal/notifier.js"

/**
 * The notifier service: delivers one {@link Alert.AlertEvent}, firing or resolved. A failure is
 * a {@link NotifierError}; the alert path logs it with the alert's text and goes on.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { Notifier } from "effect-retry-alerts"
 *
 * const console: Notifier.NotifierService = {
 *   notify: (event) => Effect.sync(() => globalThis.console.error(event.title))
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface NotifierService {
  readonly notify: (event: AlertEvent) => Effect.Effect<void, NotifierError>
}

/**
 * A notifier from a function that delivers an event. Give it to {@link layer} to deliver from a
 * queue, off the caller's fiber (`Layer.succeed(Notifier.Notifier, ...)` would deliver on it).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Notifier } from "effect-retry-alerts"
 *
 * const layerConsole = Notifier.layer(
 *   Notifier.fromNotify((event) => Effect.sync(() => console.error(`[${event._tag}] ${event.title}`)))
 * )
 * ```
 *
 * @since 0.3.0
 * @category constructors
 */
export const fromNotify = (
  notify: (event: AlertEvent) => Effect.Effect<void, NotifierError>
): NotifierService => ({ notify })

/**
 * {@link fromNotify}, under its 0.2 name.
 *
 * @since 0.2.0
 * @category constructors
 * @deprecated Use {@link fromNotify}; `make` is kept for constructors that return an `Effect`. This
 * alias goes in the next minor release.
 */
export const make: (notify: (event: AlertEvent) => Effect.Effect<void, NotifierError>) => NotifierService =
  fromNotify

/**
 * Adapts a text-only destination in one line: it gets the event's `text` (for a resolved event, a
 * short "RESOLVED: ..." text) and its channel.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Notifier } from "effect-retry-alerts"
 *
 * declare const pager: { send: (text: string, channel?: string) => Promise<void> }
 *
 * const layerPager = Layer.succeed(
 *   Notifier.Notifier,
 *   Notifier.fromText((text, channel) =>
 *     Effect.tryPromise({
 *       try: () => pager.send(text, channel),
 *       catch: (cause) => new Notifier.NotifierError({ message: "pager unavailable", cause })
 *     })
 *   )
 * )
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromText = (
  send: (text: string, channel?: string) => Effect.Effect<void, NotifierError>
): NotifierService => ({ notify: (event) => send(event.text, event.channel) })

/**
 * Delivers an event through the current notifier. The alert path (`Alert`, `Retry`) calls it;
 * call it yourself for an event of your own.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { type Alert, Notifier } from "effect-retry-alerts"
 *
 * const deliver = (event: Alert.AlertEvent) => Notifier.notify(event).pipe(Effect.provide(Notifier.layerLog()))
 * ```
 *
 * @since 0.2.0
 * @category accessors
 */
export const notify = (event: AlertEvent): Effect.Effect<void, NotifierError, Notifier> =>
  Effect.flatMap(Notifier, (notifier) => notifier.notify(event))

/**
 * Writes every event through Effect's logger: a firing one at error level, a resolved one at info
 * level, annotated with `alert` (`"firing"` or `"resolved"`), `dedupKey` and `channel`. The
 * embedded default: alerts are never lost, even with no destination configured.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Alert, AlertLimiter, Notifier } from "effect-retry-alerts"
 *
 * const program = Alert.sendRateLimited({ name: "export", error: new Error("disk full"), context: "nightly", message: "Export failed" }).pipe(
 *   Effect.provide([AlertLimiter.layer(), Notifier.layerLog()])
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerLog = (): Layer.Layer<Notifier> => logLayer

/**
 * How a notifier layer delivers off the caller's path: the alert path hands each event to the
 * layer's bounded queue and returns at once; `concurrency` fibers in the layer's scope deliver
 * from it.
 *
 * - `concurrency`: deliveries at once, so a hanging destination holds this many sockets, not one
 *   per alert. Default {@link DEFAULT_CONCURRENCY}.
 * - `queueCapacity`: events waiting; past it new events are dropped, counted in
 *   `Metrics.alertsDropped` and logged (once a minute, with the count). Default
 *   {@link DEFAULT_QUEUE_CAPACITY}.
 * - `drainTimeout`: when the layer is released, how long it waits for queued events to be
 *   delivered; what is left is logged with its titles. Default {@link DEFAULT_DRAIN_TIMEOUT}.
 *
 * @example
 * ```ts
 * import { Notifier } from "effect-retry-alerts"
 *
 * const queue: Notifier.QueueOptions = { concurrency: 2, queueCapacity: 500, drainTimeout: "10 seconds" }
 * ```
 *
 * @since 0.3.0
 * @category models
 */
export interface QueueOptions {
  readonly concurrency?: number | undefined
  readonly queueCapacity?: number | undefined
  readonly drainTimeout?: Duration.DurationInput | undefined
}

/**
 * Deliveries a notifier layer runs at once: 4.
 *
 * @example
 * ```ts
 * import { Notifier } from "effect-retry-alerts"
 *
 * const sockets: number = Notifier.DEFAULT_CONCURRENCY // 4
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_CONCURRENCY: number = Delivery.DEFAULT_CONCURRENCY

/**
 * Events a notifier layer holds waiting for delivery: 1,000.
 *
 * @example
 * ```ts
 * import { Notifier } from "effect-retry-alerts"
 *
 * const waiting: number = Notifier.DEFAULT_QUEUE_CAPACITY // 1000
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_QUEUE_CAPACITY: number = Delivery.DEFAULT_CAPACITY

/**
 * How long a notifier layer, when released, waits for its queued events: 5 seconds.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { Notifier } from "effect-retry-alerts"
 *
 * const seconds = Duration.toSeconds(Notifier.DEFAULT_DRAIN_TIMEOUT) // 5
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_DRAIN_TIMEOUT: Duration.Duration = Delivery.DEFAULT_DRAIN_TIMEOUT

/**
 * Options of {@link layer}: the queue ({@link QueueOptions}), the deadline of one delivery
 * (`timeout`, default 10 seconds, counted from the hand-over, queueing included) and the name
 * the logs give the destination (`name`, default `"Notifier"`).
 *
 * @since 0.3.0
 * @category models
 */
export interface Options extends QueueOptions {
  readonly timeout?: Duration.DurationInput | undefined
  readonly name?: string | undefined
}

/**
 * A notifier layer of your own, delivering off the caller's path like the built-in ones: the
 * alert path hands each event to a bounded queue and returns; `concurrency` fibers deliver it
 * with `notifier.notify`, within `timeout` (default 10 seconds, queueing included), and a
 * failure is logged with the alert's text and counted in `Metrics.alertsFailed`. Takes a service
 * ({@link fromNotify}, {@link fromText}) or an effect that builds one.
 *
 * A service provided with `Layer.succeed(Notifier.Notifier, ...)` is called on the caller's
 * fiber instead, so a slow destination slows the retry that alerts: use this.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Notifier } from "effect-retry-alerts"
 *
 * declare const pager: { send: (text: string) => Promise<void> }
 *
 * const layerPager = Notifier.layer(
 *   Notifier.fromText((text) =>
 *     Effect.tryPromise({
 *       try: () => pager.send(text),
 *       catch: (cause) => new Notifier.NotifierError({ message: "pager unavailable", cause })
 *     })
 *   ),
 *   { concurrency: 2, timeout: "30 seconds" }
 * )
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layer = <E = never, R = never>(
  notifier: NotifierService | Effect.Effect<NotifierService, E, R>,
  options: Options = {}
): Layer.Layer<Notifier, E, Exclude<R, Scope.Scope>> =>
  Delivery.layer(
    Effect.isEffect(notifier) ? notifier : Effect.succeed(notifier),
    Delivery.queueOf(
      options.name === undefined ? "Notifier" : OptionChecks.name("name", options.name),
      options
    )
  )

/**
 * Combines notifiers: every alert goes to all of them at once, and one failing does not stop the
 * others. Succeeds when all delivered; otherwise fails, once all have finished, with a
 * {@link NotifierError} naming each failure (which the queue of {@link layer}, or the alert path,
 * logs). Queued services (from layers) each deliver from their own queue.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Notifier } from "effect-retry-alerts"
 *
 * const console = Notifier.fromText((text) => Effect.sync(() => globalThis.console.error(text)))
 * const both = Layer.effect(
 *   Notifier.Notifier,
 *   Effect.map(Notifier.Notifier, (log) => Notifier.fanOut(log, console))
 * ).pipe(Layer.provide(Notifier.layerLog()))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const fanOut = (...notifiers: ReadonlyArray<NotifierService>): NotifierService =>
  FanOut.fanOut(notifiers)

/**
 * A notifier layer that sends every alert through all the given notifier layers, as
 * {@link fanOut} does. Each layer is built on its own.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { Layer, Redacted } from "effect"
 * import { DiscordNotifier, Notifier, SlackNotifier } from "effect-retry-alerts"
 *
 * const Alerts = Notifier.layerFanOut(
 *   DiscordNotifier.layer({ webhookUrl: Redacted.make("https://discord.com/api/webhooks/1/a") }),
 *   SlackNotifier.layer({ webhookUrl: Redacted.make("https://hooks.slack.com/services/T/B/X") }),
 *   Notifier.layerLog()
 * ).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFanOut = <const Layers extends ReadonlyArray<Layer.Layer<Notifier, any, any>>>(
  ...layers: Layers
): Layer.Layer<Notifier, Layer.Layer.Error<Layers[number]>, Layer.Layer.Context<Layers[number]>> =>
  FanOut.layer(layers)

/**
 * {@link WebhookNotifier.DeliveryOptions}, under its 0.2 name.
 *
 * @since 0.2.0
 * @category models
 * @deprecated Use `WebhookNotifier.DeliveryOptions`. This alias goes in the next minor release.
 */
export type DeliveryOptions = WebhookNotifier.DeliveryOptions

/**
 * {@link WebhookNotifier.Options}, under its 0.2 name.
 *
 * @since 0.1.0
 * @category models
 * @deprecated Use `WebhookNotifier.Options`. This alias goes in the next minor release.
 */
export type WebhookOptions = WebhookNotifier.Options

/**
 * {@link DiscordNotifier.Options}, under its 0.2 name (`Notifier.layerDiscord` is now
 * `DiscordNotifier.layer`).
 *
 * @since 0.1.0
 * @category models
 * @deprecated Use `DiscordNotifier.Options`. This alias goes in the next minor release.
 */
export type DiscordOptions = DiscordNotifier.Options

/**
 * {@link SlackNotifier.Options}, under its 0.2 name (`Notifier.layerSlack` is now
 * `SlackNotifier.layer`).
 *
 * @since 0.1.0
 * @category models
 * @deprecated Use `SlackNotifier.Options`. This alias goes in the next minor release.
 */
export type SlackOptions = SlackNotifier.Options

/**
 * {@link PagerDutyNotifier.Options}, under its 0.2 name (`Notifier.layerPagerDuty` is now
 * `PagerDutyNotifier.layer`).
 *
 * @since 0.2.0
 * @category models
 * @deprecated Use `PagerDutyNotifier.Options`. This alias goes in the next minor release.
 */
export type PagerDutyOptions = PagerDutyNotifier.Options

/**
 * {@link AlertmanagerNotifier.Options}, under its 0.2 name (`Notifier.layerAlertmanager` is now
 * `AlertmanagerNotifier.layer`).
 *
 * @since 0.2.0
 * @category models
 * @deprecated Use `AlertmanagerNotifier.Options`. This alias goes in the next minor release.
 */
export type AlertmanagerOptions = AlertmanagerNotifier.Options
