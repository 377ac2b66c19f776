/**
 * Alerts to Slack through an incoming webhook: Block Kit blocks and a plain-text fallback, every
 * control character escaped.
 *
 * @since 0.3.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type { Notifier, NotifierService } from "./internal/notifier.js"
import * as Slack from "./internal/notifiers/slack.js"
import type * as WebhookNotifier from "./WebhookNotifier.js"

/**
 * Longest fallback `text` sent to Slack (before escaping): 4,000 characters, Slack's advice for one
 * message. Longer text is cut, keeping the head, and ends with a visible `… [truncated]` marker.
 *
 * @example
 * ```ts
 * import { SlackNotifier } from "effect-retry-alerts"
 *
 * const limit: number = SlackNotifier.TEXT_LENGTH // 4000
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const TEXT_LENGTH: number = Slack.TEXT_LENGTH

/**
 * Longest text of a Slack section block, counted after escaping: 3,000 characters, Slack's limit.
 * The alert text in the message's section is cut to fit it.
 *
 * @example
 * ```ts
 * import { SlackNotifier } from "effect-retry-alerts"
 *
 * const limit: number = SlackNotifier.SECTION_TEXT_LENGTH // 3000
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const SECTION_TEXT_LENGTH: number = Slack.SECTION_TEXT_LENGTH

/**
 * Options of {@link layer}: the webhook URLs ({@link WebhookNotifier.Options}), the delivery and
 * the queue.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { SlackNotifier } from "effect-retry-alerts"
 *
 * const options: SlackNotifier.Options = {
 *   webhookUrl: Redacted.make("https://hooks.slack.com/services/T000/B000/XXXX"),
 *   maxAttempts: 6
 * }
 * ```
 *
 * @since 0.3.0
 * @category models
 */
export interface Options extends WebhookNotifier.Options {}

/**
 * Builds a Slack incoming-webhook notifier, without a queue. See {@link layer}. Throws
 * `InvalidOptionError` at once for an invalid option; the message never shows a URL.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { SlackNotifier } from "effect-retry-alerts"
 *
 * const slack = SlackNotifier.make({ webhookUrl: Redacted.make("https://hooks.slack.com/services/T/B/X") })
 * ```
 *
 * @since 0.3.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<NotifierService, never, HttpClient.HttpClient> =>
  Slack.make(options)

/**
 * Sends alerts to Slack through an incoming webhook, with the `HttpClient` you provide, from a
 * queue off the caller's path (`Notifier.QueueOptions`).
 *
 * - Posts Block Kit `blocks` and a plain `text` fallback (notifications, old clients), all with
 *   `&`, `<` and `>` escaped: error text cannot write `<!channel>`, `<!here>` or a mention. A
 *   firing event: a header with the title (150 characters), a section with the text (cut to
 *   {@link SECTION_TEXT_LENGTH}), a context line with the operation, context, attempt, error and
 *   incident key. A resolved event: one line, `✅ RESOLVED: charge (billing) resolved after 12m
 *   3s`, and the key. The fallback text is cut to {@link TEXT_LENGTH}.
 * - 200 with body `ok`: delivered. 429: waits `Retry-After` and tries again. 5xx and network
 *   errors: tries again with backoff. 400, 403, 404, 410 and other refusals: fails at once with the
 *   status and Slack's error string (`channel_not_found`, `invalid_token`...).
 * - Same limits, timeout and secrecy as `DiscordNotifier.layer`.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { Layer, Redacted } from "effect"
 * import { SlackNotifier } from "effect-retry-alerts"
 *
 * const SlackAlerts = SlackNotifier.layer({
 *   webhookUrl: Redacted.make("https://hooks.slack.com/services/T000/B000/XXXX")
 * }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Notifier, never, HttpClient.HttpClient> =>
  Slack.layer(options)
