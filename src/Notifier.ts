/**
 * Where alerts go: a `Notifier` service, with a log notifier (the default), Discord and Slack
 * webhook notifiers, PagerDuty (Events API v2), Alertmanager, a fan-out over several and a layer
 * configured from the environment. The test notifier is `NotifierTest`.
 *
 * @since 0.1.0
 */

import { FetchHttpClient, type HttpClient } from "@effect/platform"
import {
  Config,
  ConfigError,
  Context,
  type Duration,
  Effect,
  Layer,
  Option,
  Redacted,
  type Scope
} from "effect"
import * as Delivery from "./internal/delivery.js"
import * as Internal from "./internal/notifier.js"
import { type AlertEvent, Notifier, type NotifierError, type NotifierService } from "./internal/notifier.js"
import * as Alertmanager from "./internal/notifiers/alertmanager.js"
import * as Discord from "./internal/notifiers/discord.js"
import * as FanOut from "./internal/notifiers/fanOut.js"
import * as PagerDuty from "./internal/notifiers/pagerDuty.js"
import * as Slack from "./internal/notifiers/slack.js"
import * as Webhook from "./internal/notifiers/webhook.js"
import * as OptionChecks from "./internal/options.js"

export {
  /**
   * The notifier service tag. Provide {@link layerLog}, `NotifierTest.layer()`, a destination below
   * or your own notifier ({@link make}, {@link fromText}).
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
  NotifierError,
  /**
   * The notifier service: delivers one {@link Alert.AlertEvent}, firing or resolved. A failure is
   * a {@link NotifierError}; the alert path logs it with the alert's text and goes on.
   *
   * @since 0.1.0
   * @category models
   */
  type NotifierService
} from "./internal/notifier.js"

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
export const layerLog = (): Layer.Layer<Notifier> => Internal.layerLog

/**
 * Longest `content` Discord accepts: 2,000 characters.
 *
 * @deprecated Since 0.2.0 Discord alerts are embeds, whose description holds up to
 * {@link DISCORD_EMBED_DESCRIPTION_LENGTH}; nothing is posted as `content` any more.
 * @since 0.1.0
 * @category constants
 */
export const DISCORD_CONTENT_LENGTH: number = Discord.CONTENT_LENGTH

/**
 * Longest description of a Discord embed: 4,096 characters. Longer alert text is cut, keeping the
 * head, and ends with a visible `… [truncated]` marker; it is cut shorter when the whole embed
 * would pass Discord's 6,000 characters.
 *
 * @example
 * ```ts
 * import { Notifier } from "effect-retry-alerts"
 *
 * const fits = (text: string) => text.length <= Notifier.DISCORD_EMBED_DESCRIPTION_LENGTH
 * ```
 *
 * @since 0.2.0
 * @category constants
 */
export const DISCORD_EMBED_DESCRIPTION_LENGTH: number = Discord.EMBED_DESCRIPTION_LENGTH

/**
 * Longest fallback `text` sent to Slack (before escaping): 4,000 characters, Slack's advice for one
 * message. Longer text is cut, keeping the head, and ends with a visible `… [truncated]` marker.
 *
 * @since 0.1.0
 * @category constants
 */
export const SLACK_TEXT_LENGTH: number = Slack.TEXT_LENGTH

/**
 * Longest text of a Slack section block, counted after escaping: 3,000 characters, Slack's limit.
 * The alert text in the message's section is cut to fit it.
 *
 * @example
 * ```ts
 * import { Notifier } from "effect-retry-alerts"
 *
 * const limit: number = Notifier.SLACK_SECTION_TEXT_LENGTH // 3000
 * ```
 *
 * @since 0.2.0
 * @category constants
 */
export const SLACK_SECTION_TEXT_LENGTH: number = Slack.SECTION_TEXT_LENGTH

/**
 * Default deadline of one webhook delivery, every try and wait included: 10 seconds.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_WEBHOOK_TIMEOUT: Duration.Duration = Webhook.DEFAULT_TIMEOUT

/**
 * Default number of tries of one webhook delivery (rate-limited, server-error and network-error
 * tries together): 4.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_WEBHOOK_MAX_ATTEMPTS: number = Webhook.DEFAULT_MAX_ATTEMPTS

/**
 * How one delivery over HTTP is tried: the options every HTTP destination takes.
 *
 * @example
 * ```ts
 * import { Notifier } from "effect-retry-alerts"
 *
 * const patient: Notifier.DeliveryOptions = { timeout: "30 seconds", maxAttempts: 6 }
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export interface DeliveryOptions extends QueueOptions {
  /**
   * Deadline of one delivery, counted from the moment the alert path hands the event over:
   * waiting in the queue, tries and waits included. Default {@link DEFAULT_WEBHOOK_TIMEOUT}.
   */
  readonly timeout?: Duration.DurationInput | undefined
  /** Most tries of one delivery. Default {@link DEFAULT_WEBHOOK_MAX_ATTEMPTS}. */
  readonly maxAttempts?: number | undefined
}

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

/** The queue settings of a destination layer, validated where the layer is written. */
const queueOf = (destination: string, options: DeliveryOptions): Delivery.QueueSettings =>
  Delivery.settings(
    destination,
    options,
    OptionChecks.duration("timeout", options.timeout ?? Webhook.DEFAULT_TIMEOUT)
  )

/** `make` behind the queue of `settings`, as a layer. */
const queuedLayer = <E, R>(
  make: Effect.Effect<NotifierService, E, R>,
  settings: Delivery.QueueSettings
): Layer.Layer<Notifier, E, Exclude<R, Scope.Scope>> =>
  Layer.scoped(
    Notifier,
    Effect.flatMap(make, (destination) => Delivery.queued(destination, settings))
  )

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
  queuedLayer(
    Effect.isEffect(notifier) ? notifier : Effect.succeed(notifier),
    queueOf(options.name === undefined ? "Notifier" : OptionChecks.name("name", options.name), options)
  )

/**
 * Options shared by the webhook notifiers.
 *
 * @since 0.1.0
 * @category models
 */
export interface WebhookOptions extends DeliveryOptions {
  /** Where alerts without a channel (or with an unknown one) go. A secret: keep it `Redacted`. */
  readonly webhookUrl: Redacted.Redacted<string>
  /** Webhooks for named channels: an event whose `channel` is `"billing"` posts to `channels.billing`. */
  readonly channels?: Readonly<Record<string, Redacted.Redacted<string>>> | undefined
}

/**
 * Options of {@link layerDiscord}.
 *
 * @since 0.1.0
 * @category models
 */
export interface DiscordOptions extends WebhookOptions {
  /** Overrides the webhook's display name (1 to 80 characters). */
  readonly username?: string | undefined
}

/**
 * Options of {@link layerSlack}.
 *
 * @since 0.1.0
 * @category models
 */
export interface SlackOptions extends WebhookOptions {}

/**
 * Builds a Discord webhook notifier. See {@link layerDiscord}. Throws `InvalidOptionError` at once
 * for an invalid option; the message never shows a URL.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { Notifier } from "effect-retry-alerts"
 *
 * const discord = Notifier.makeDiscord({ webhookUrl: Redacted.make("https://discord.com/api/webhooks/1/a") })
 * // Effect<NotifierService, never, HttpClient>: combine it with others through Notifier.fanOut.
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeDiscord = (
  options: DiscordOptions
): Effect.Effect<NotifierService, never, HttpClient.HttpClient> => Discord.make(options)

/**
 * Sends alerts to a Discord channel through its webhook, with the `HttpClient` you provide
 * (`FetchHttpClient.layer` from `@effect/platform`, or a Node client).
 *
 * - Posts one embed and `allowed_mentions: { parse: [] }` (and `username`): `@everyone`, `@here`
 *   or `<@123>` in the error text ping nobody. A firing event: the title, the text as description
 *   (cut to {@link DISCORD_EMBED_DESCRIPTION_LENGTH}), red (orange for `"warning"`, blurple for
 *   `"info"`), fields for the operation, context, attempt and error. A resolved event: one green
 *   line, `✅ RESOLVED: charge (billing) resolved after 12m 3s`. Both: the incident key
 *   (`dedupKey`) as footer and the event's time. Every part within Discord's limits (title 256,
 *   field value 1,024, the whole embed 6,000).
 * - Any pasted URL form (`discord.com`, `discordapp.com`, `ptb.`, `/api/v9/...`) is sent to the
 *   versioned `/api/v10/webhooks/ID/TOKEN` path on the same host, keeping `?thread_id=`.
 * - 2xx: delivered. 429: waits `retry_after` (or `Retry-After`) and tries again. 5xx and network
 *   errors: tries again after 0.5 s, 1 s, 2 s... Other 4xx (404: webhook deleted): fails at once.
 *   At most `maxAttempts` tries within `timeout`; every wait goes through Effect's `Clock`.
 * - Fails with a {@link NotifierError} carrying the HTTP `status`; the URL appears in no error,
 *   log line or span.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { Layer, Redacted } from "effect"
 * import { Notifier } from "effect-retry-alerts"
 *
 * const DiscordAlerts = Notifier.layerDiscord({
 *   webhookUrl: Redacted.make("https://discord.com/api/webhooks/123/abc"),
 *   channels: { billing: Redacted.make("https://discord.com/api/webhooks/456/def") },
 *   username: "alerts"
 * }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerDiscord = (options: DiscordOptions): Layer.Layer<Notifier, never, HttpClient.HttpClient> =>
  queuedLayer(makeDiscord(options), queueOf("Discord", options))

/**
 * Builds a Slack incoming-webhook notifier. See {@link layerSlack}.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { Notifier } from "effect-retry-alerts"
 *
 * const slack = Notifier.makeSlack({ webhookUrl: Redacted.make("https://hooks.slack.com/services/T/B/X") })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeSlack = (
  options: SlackOptions
): Effect.Effect<NotifierService, never, HttpClient.HttpClient> => Slack.make(options)

/**
 * Sends alerts to Slack through an incoming webhook, with the `HttpClient` you provide.
 *
 * - Posts Block Kit `blocks` and a plain `text` fallback (notifications, old clients), all with
 *   `&`, `<` and `>` escaped: error text cannot write `<!channel>`, `<!here>` or a mention. A
 *   firing event: a header with the title (150 characters), a section with the text (cut to
 *   {@link SLACK_SECTION_TEXT_LENGTH}), a context line with the operation, context, attempt, error
 *   and incident key. A resolved event: one line, `✅ RESOLVED: charge (billing) resolved after 12m
 *   3s`, and the key. The fallback text is cut to {@link SLACK_TEXT_LENGTH}.
 * - 200 with body `ok`: delivered. 429: waits `Retry-After` and tries again. 5xx and network
 *   errors: tries again with backoff. 400, 403, 404, 410 and other refusals: fails at once with the
 *   status and Slack's error string (`channel_not_found`, `invalid_token`...).
 * - Same limits, timeout and secrecy as {@link layerDiscord}.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { Layer, Redacted } from "effect"
 * import { Notifier } from "effect-retry-alerts"
 *
 * const SlackAlerts = Notifier.layerSlack({
 *   webhookUrl: Redacted.make("https://hooks.slack.com/services/T000/B000/XXXX")
 * }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerSlack = (options: SlackOptions): Layer.Layer<Notifier, never, HttpClient.HttpClient> =>
  queuedLayer(makeSlack(options), queueOf("Slack", options))

/**
 * PagerDuty's Events API v2 endpoint, where {@link layerPagerDuty} posts unless told otherwise
 * (an EU account uses `https://events.eu.pagerduty.com/v2/enqueue`).
 *
 * @example
 * ```ts
 * import { Notifier } from "effect-retry-alerts"
 *
 * const isDefault = (url: string) => url === Notifier.PAGERDUTY_EVENTS_URL
 * ```
 *
 * @since 0.2.0
 * @category constants
 */
export const PAGERDUTY_EVENTS_URL: string = PagerDuty.EVENTS_URL

/**
 * Longest `payload.summary` PagerDuty accepts: 1,024 characters. A longer title is cut.
 *
 * @example
 * ```ts
 * import { Notifier } from "effect-retry-alerts"
 *
 * const limit: number = Notifier.PAGERDUTY_SUMMARY_LENGTH // 1024
 * ```
 *
 * @since 0.2.0
 * @category constants
 */
export const PAGERDUTY_SUMMARY_LENGTH: number = PagerDuty.SUMMARY_LENGTH

/**
 * Options of {@link layerPagerDuty}.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Notifier } from "effect-retry-alerts"
 *
 * const options: Notifier.PagerDutyOptions = {
 *   routingKey: Redacted.make("0123456789abcdef0123456789abcdef"),
 *   channels: { billing: Redacted.make("fedcba9876543210fedcba9876543210") },
 *   source: "checkout-service"
 * }
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export interface PagerDutyOptions extends DeliveryOptions {
  /** The integration key of an Events API v2 integration (or ruleset). A secret: keep it `Redacted`. */
  readonly routingKey: Redacted.Redacted<string>
  /** Routing keys for named channels: an event whose `channel` is `"billing"` goes to that service. */
  readonly channels?: Readonly<Record<string, Redacted.Redacted<string>>> | undefined
  /** The Events API endpoint. Default {@link PAGERDUTY_EVENTS_URL}. */
  readonly url?: string | Redacted.Redacted<string> | undefined
  /** `payload.source`: the affected system. Default: the event's context, or its operation without one. */
  readonly source?: string | undefined
}

/**
 * Builds a PagerDuty notifier. See {@link layerPagerDuty}. Throws `InvalidOptionError` at once
 * for an invalid option; the message never shows the routing key.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Notifier } from "effect-retry-alerts"
 *
 * const pagerDuty = Notifier.makePagerDuty({ routingKey: Redacted.make("0123456789abcdef0123456789abcdef") })
 * // Effect<NotifierService, never, HttpClient>: combine it with others through Notifier.fanOut.
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const makePagerDuty = (
  options: PagerDutyOptions
): Effect.Effect<NotifierService, never, HttpClient.HttpClient> => PagerDuty.make(options)

/**
 * Opens and resolves PagerDuty incidents through the Events API v2, with the `HttpClient` you
 * provide.
 *
 * - A firing event posts `event_action: "trigger"` with `dedup_key` = the event's `dedupKey` and a
 *   `payload`: `summary` (the title, at most {@link PAGERDUTY_SUMMARY_LENGTH}), `source` (option
 *   `source`, else the context, else the operation), `severity` (the event's: `critical`,
 *   `error`, `warning` or `info`), `timestamp`, `component` (the operation) and `custom_details`
 *   (the text, operation, context, attempt, error, counts, start time). PagerDuty folds repeated
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
 * import { Notifier } from "effect-retry-alerts"
 *
 * const Paging = Notifier.layerPagerDuty({
 *   routingKey: Redacted.make("0123456789abcdef0123456789abcdef")
 * }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerPagerDuty = (
  options: PagerDutyOptions
): Layer.Layer<Notifier, never, HttpClient.HttpClient> =>
  queuedLayer(makePagerDuty(options), queueOf("PagerDuty", options))

/**
 * How often {@link layerAlertmanager} pushes open incidents again: every minute.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { Notifier } from "effect-retry-alerts"
 *
 * const seconds = Duration.toSeconds(Notifier.DEFAULT_ALERTMANAGER_REFRESH_INTERVAL) // 60
 * ```
 *
 * @since 0.2.0
 * @category constants
 */
export const DEFAULT_ALERTMANAGER_REFRESH_INTERVAL: Duration.Duration = Alertmanager.DEFAULT_REFRESH_INTERVAL

/**
 * How many open incidents {@link layerAlertmanager} remembers and refreshes: 1,000. Past it the
 * oldest is dropped, with a warning, and Alertmanager resolves it at its `endsAt`.
 *
 * @example
 * ```ts
 * import { Notifier } from "effect-retry-alerts"
 *
 * const cap: number = Notifier.DEFAULT_ALERTMANAGER_MAX_OPEN // 1000
 * ```
 *
 * @since 0.2.0
 * @category constants
 */
export const DEFAULT_ALERTMANAGER_MAX_OPEN: number = Alertmanager.DEFAULT_MAX_OPEN

/**
 * Options of {@link layerAlertmanager}.
 *
 * @example
 * ```ts
 * import { Notifier } from "effect-retry-alerts"
 *
 * const options: Notifier.AlertmanagerOptions = {
 *   url: "http://alertmanager:9093",
 *   labels: { team: "payments", env: "prod" },
 *   generatorURL: "https://grafana.example.com/d/checkout"
 * }
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export interface AlertmanagerOptions extends DeliveryOptions {
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
   * At least 1 second. Default {@link DEFAULT_ALERTMANAGER_REFRESH_INTERVAL}.
   */
  readonly refreshInterval?: Duration.DurationInput | undefined
  /** Most open incidents remembered and refreshed. Default {@link DEFAULT_ALERTMANAGER_MAX_OPEN}. */
  readonly maxOpen?: number | undefined
}

/**
 * Builds an Alertmanager notifier and starts its refresh fiber in the current scope. See
 * {@link layerAlertmanager}. Throws `InvalidOptionError` at once for an invalid option.
 *
 * @example
 * ```ts
 * import { Notifier } from "effect-retry-alerts"
 *
 * const alertmanager = Notifier.makeAlertmanager({ url: "http://alertmanager:9093" })
 * // Effect<NotifierService, never, HttpClient | Scope>: the refresh stops with the scope.
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeAlertmanager = (
  options: AlertmanagerOptions
): Effect.Effect<NotifierService, never, HttpClient.HttpClient | Scope.Scope> => Alertmanager.make(options)

/**
 * Pushes alerts to Prometheus Alertmanager (`POST /api/v2/alerts`), with the `HttpClient` you
 * provide; grouping, routing, silences, inhibition and high availability are then Alertmanager's.
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
 * import { Notifier } from "effect-retry-alerts"
 *
 * const Alerts = Notifier.layerAlertmanager({
 *   url: "http://alertmanager:9093",
 *   labels: { team: "payments" }
 * }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerAlertmanager = (
  options: AlertmanagerOptions
): Layer.Layer<Notifier, never, HttpClient.HttpClient> =>
  queuedLayer(makeAlertmanager(options), queueOf("Alertmanager", options))

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
 * import { Notifier } from "effect-retry-alerts"
 *
 * const Alerts = Notifier.layerFanOut(
 *   Notifier.layerDiscord({ webhookUrl: Redacted.make("https://discord.com/api/webhooks/1/a") }),
 *   Notifier.layerSlack({ webhookUrl: Redacted.make("https://hooks.slack.com/services/T/B/X") }),
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
  Layer.scoped(
    Notifier,
    Effect.map(
      Effect.forEach(layers, (layer) =>
        Effect.map(Layer.build(layer), (context) => Context.get(context, Notifier))
      ),
      (notifiers) => FanOut.fanOut(notifiers)
    )
  )

/**
 * The environment variable holding the Discord webhook URL read by {@link layerConfig}.
 *
 * @since 0.1.0
 * @category constants
 */
export const DISCORD_WEBHOOK_URL_ENV = "ALERT_DISCORD_WEBHOOK_URL"

/**
 * The environment variable holding the Slack webhook URL read by {@link layerConfig}.
 *
 * @since 0.1.0
 * @category constants
 */
export const SLACK_WEBHOOK_URL_ENV = "ALERT_SLACK_WEBHOOK_URL"

/**
 * The environment variable holding Alertmanager's URL read by {@link layerConfig}.
 *
 * @example
 * ```ts
 * import { Notifier } from "effect-retry-alerts"
 *
 * const name: string = Notifier.ALERTMANAGER_URL_ENV // "ALERT_ALERTMANAGER_URL"
 * ```
 *
 * @since 0.2.0
 * @category constants
 */
export const ALERTMANAGER_URL_ENV = "ALERT_ALERTMANAGER_URL"

/**
 * The environment variable holding the PagerDuty routing key read by {@link layerConfig}.
 *
 * @example
 * ```ts
 * import { Notifier } from "effect-retry-alerts"
 *
 * const name: string = Notifier.PAGERDUTY_ROUTING_KEY_ENV // "ALERT_PAGERDUTY_ROUTING_KEY"
 * ```
 *
 * @since 0.2.0
 * @category constants
 */
export const PAGERDUTY_ROUTING_KEY_ENV = "ALERT_PAGERDUTY_ROUTING_KEY"

/**
 * The environment variable that may name another PagerDuty Events API endpoint (an EU account's),
 * read by {@link layerConfig} with {@link PAGERDUTY_ROUTING_KEY_ENV}. Default
 * {@link PAGERDUTY_EVENTS_URL}.
 *
 * @example
 * ```ts
 * import { Notifier } from "effect-retry-alerts"
 *
 * const name: string = Notifier.PAGERDUTY_URL_ENV // "ALERT_PAGERDUTY_URL"
 * ```
 *
 * @since 0.2.0
 * @category constants
 */
export const PAGERDUTY_URL_ENV = "ALERT_PAGERDUTY_URL"

const secretConfig = (name: string): Config.Config<Option.Option<Redacted.Redacted<string>>> =>
  Config.option(Config.redacted(name)).pipe(
    // `ALERT_SLACK_WEBHOOK_URL=` (set but empty) means "not configured".
    Config.map(Option.filter((value) => Redacted.value(value).trim() !== ""))
  )

const fromConfig = <A>(
  variable: (option: string) => string,
  build: () => A
): Effect.Effect<A, ConfigError.ConfigError> =>
  Effect.try({
    try: build,
    catch: (error) =>
      error instanceof OptionChecks.InvalidOptionError
        ? ConfigError.InvalidData([variable(error.option)], error.reason)
        : ConfigError.InvalidData([variable("")], "is not usable")
  })

type ConfiguredLayer = Layer.Layer<Notifier, never, HttpClient.HttpClient>

/** A destination read from the configuration: its variable, and the layer built from its value. */
interface Destination {
  readonly name: string
  readonly env: string
  readonly build: (
    value: Redacted.Redacted<string>
  ) => Effect.Effect<ConfiguredLayer, ConfigError.ConfigError>
}

const destinations: ReadonlyArray<Destination> = [
  {
    name: "Discord",
    env: DISCORD_WEBHOOK_URL_ENV,
    build: (webhookUrl) =>
      fromConfig(
        () => DISCORD_WEBHOOK_URL_ENV,
        () => layerDiscord({ webhookUrl })
      )
  },
  {
    name: "Slack",
    env: SLACK_WEBHOOK_URL_ENV,
    build: (webhookUrl) =>
      fromConfig(
        () => SLACK_WEBHOOK_URL_ENV,
        () => layerSlack({ webhookUrl })
      )
  },
  {
    name: "PagerDuty",
    env: PAGERDUTY_ROUTING_KEY_ENV,
    build: (routingKey) =>
      Effect.flatMap(secretConfig(PAGERDUTY_URL_ENV), (url) =>
        fromConfig(
          (option) => (option === "url" ? PAGERDUTY_URL_ENV : PAGERDUTY_ROUTING_KEY_ENV),
          () => layerPagerDuty({ routingKey, ...(Option.isSome(url) ? { url: url.value } : {}) })
        )
      )
  },
  {
    name: "Alertmanager",
    env: ALERTMANAGER_URL_ENV,
    build: (url) =>
      fromConfig(
        () => ALERTMANAGER_URL_ENV,
        () => layerAlertmanager({ url })
      )
  }
]

/**
 * Picks the notifier from the configuration (environment variables by default), reading every
 * value with `Config.redacted`:
 *
 * - `ALERT_DISCORD_WEBHOOK_URL` set: {@link layerDiscord};
 * - `ALERT_SLACK_WEBHOOK_URL` set: {@link layerSlack};
 * - `ALERT_PAGERDUTY_ROUTING_KEY` set: {@link layerPagerDuty} (to `ALERT_PAGERDUTY_URL` when set);
 * - `ALERT_ALERTMANAGER_URL` set: {@link layerAlertmanager};
 * - several: every alert goes to each of them ({@link layerFanOut});
 * - none (or all empty): {@link layerLog}.
 *
 * Brings its own `HttpClient` (`FetchHttpClient` from `@effect/platform`, on the global `fetch`);
 * {@link layerConfigWithoutClient} takes yours instead. A malformed value fails the layer with a
 * `ConfigError` naming the variable, not its value.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Alert, AlertLimiter, Notifier } from "effect-retry-alerts"
 *
 * const program = Alert.sendRateLimited({ name: "charge", error: new Error("HTTP 500"), context: "billing", message: "Charging fails" }).pipe(
 *   Effect.provide([AlertLimiter.layer(), Notifier.layerConfig()])
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (): Layer.Layer<Notifier, ConfigError.ConfigError> =>
  layerConfigWithoutClient().pipe(Layer.provide(FetchHttpClient.layer))

/**
 * {@link layerConfig} with the `HttpClient` left to you (a Node client, a client with a proxy or
 * extra headers); it is used only when a destination is configured.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { Layer } from "effect"
 * import { Notifier } from "effect-retry-alerts"
 *
 * const Alerts = Notifier.layerConfigWithoutClient().pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfigWithoutClient = (): Layer.Layer<
  Notifier,
  ConfigError.ConfigError,
  HttpClient.HttpClient
> =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const chosen: Array<{ name: string; layer: ConfiguredLayer }> = []
      for (const destination of destinations) {
        const value = yield* secretConfig(destination.env)
        if (Option.isNone(value)) continue
        chosen.push({ name: destination.name, layer: yield* destination.build(value.value) })
      }
      const names = chosen.map((each) => each.name)
      yield* Effect.logDebug(
        `Alerts go to ${names.length === 0 ? "the log" : names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`}`
      )
      if (chosen.length === 0) return layerLog()
      return chosen.length === 1 ? chosen[0]!.layer : layerFanOut(...chosen.map((each) => each.layer))
    })
  )
