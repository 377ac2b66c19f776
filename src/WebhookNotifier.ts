/**
 * What the HTTP destinations (`DiscordNotifier`, `SlackNotifier`, `PagerDutyNotifier`,
 * `AlertmanagerNotifier`) share: how one delivery is tried, and the options of a chat webhook.
 * Each destination takes the `HttpClient` you provide (`FetchHttpClient.layer` from
 * `@effect/platform`, or a Node client) and delivers from its own queue, off the caller's path.
 *
 * @since 0.3.0
 */
import type * as Duration from "effect/Duration"
import type * as Redacted from "effect/Redacted"
import * as Delivery from "./internal/delivery.js"
import * as Webhook from "./internal/notifiers/webhook.js"
import type { QueueOptions } from "./Notifier.js"

/**
 * Default deadline of one webhook delivery, every try and wait included: 10 seconds.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { WebhookNotifier } from "effect-retry-alerts"
 *
 * const seconds = Duration.toSeconds(WebhookNotifier.DEFAULT_TIMEOUT) // 10
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_TIMEOUT: Duration.Duration = Delivery.DEFAULT_TIMEOUT

/**
 * Default number of tries of one webhook delivery (rate-limited, server-error and network-error
 * tries together): 4.
 *
 * @example
 * ```ts
 * import { WebhookNotifier } from "effect-retry-alerts"
 *
 * const tries: number = WebhookNotifier.DEFAULT_MAX_ATTEMPTS // 4
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_MAX_ATTEMPTS: number = Webhook.DEFAULT_MAX_ATTEMPTS

/**
 * How one delivery over HTTP is tried: the options every HTTP destination takes, with the
 * queue's ({@link Notifier.QueueOptions}).
 *
 * @example
 * ```ts
 * import { WebhookNotifier } from "effect-retry-alerts"
 *
 * const patient: WebhookNotifier.DeliveryOptions = { timeout: "30 seconds", maxAttempts: 6 }
 * ```
 *
 * @since 0.3.0
 * @category models
 */
export interface DeliveryOptions extends QueueOptions {
  /**
   * Deadline of one delivery, counted from the moment the alert path hands the event over:
   * waiting in the queue, tries and waits included. Default {@link DEFAULT_TIMEOUT}.
   */
  readonly timeout?: Duration.DurationInput | undefined
  /** Most tries of one delivery. Default {@link DEFAULT_MAX_ATTEMPTS}. */
  readonly maxAttempts?: number | undefined
}

/**
 * Options shared by the chat webhook notifiers (`DiscordNotifier`, `SlackNotifier`).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { WebhookNotifier } from "effect-retry-alerts"
 *
 * const options: WebhookNotifier.Options = {
 *   webhookUrl: Redacted.make("https://hooks.slack.com/services/T000/B000/XXXX"),
 *   channels: { billing: Redacted.make("https://hooks.slack.com/services/T000/B001/YYYY") }
 * }
 * ```
 *
 * @since 0.3.0
 * @category models
 */
export interface Options extends DeliveryOptions {
  /** Where alerts without a channel (or with an unknown one) go. A secret: keep it `Redacted`. */
  readonly webhookUrl: Redacted.Redacted<string>
  /** Webhooks for named channels: an event whose `channel` is `"billing"` posts to `channels.billing`. */
  readonly channels?: Readonly<Record<string, Redacted.Redacted<string>>> | undefined
}
