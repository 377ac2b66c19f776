/**
 * Alerts to a Discord channel through its webhook: one embed per event, nobody pinged.
 *
 * @since 0.3.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type { Notifier, NotifierService } from "./internal/notifier.js"
import * as Discord from "./internal/notifiers/discord.js"
import type * as WebhookNotifier from "./WebhookNotifier.js"

/**
 * Longest description of a Discord embed: 4,096 characters. Longer alert text is cut, keeping the
 * head, and ends with a visible `… [truncated]` marker; it is cut shorter when the whole embed
 * would pass Discord's 6,000 characters.
 *
 * @example
 * ```ts
 * import { DiscordNotifier } from "effect-retry-alerts"
 *
 * const fits = (text: string) => text.length <= DiscordNotifier.EMBED_DESCRIPTION_LENGTH
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const EMBED_DESCRIPTION_LENGTH: number = Discord.EMBED_DESCRIPTION_LENGTH

/**
 * Options of {@link layer}: the webhook URLs ({@link WebhookNotifier.Options}), the delivery and
 * the queue, and the display name.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { DiscordNotifier } from "effect-retry-alerts"
 *
 * const options: DiscordNotifier.Options = {
 *   webhookUrl: Redacted.make("https://discord.com/api/webhooks/123/abc"),
 *   username: "alerts"
 * }
 * ```
 *
 * @since 0.3.0
 * @category models
 */
export interface Options extends WebhookNotifier.Options {
  /** Overrides the webhook's display name (1 to 80 characters). */
  readonly username?: string | undefined
}

/**
 * Builds a Discord webhook notifier, without a queue. See {@link layer}. Throws
 * `InvalidOptionError` at once for an invalid option; the message never shows a URL.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { DiscordNotifier } from "effect-retry-alerts"
 *
 * const discord = DiscordNotifier.make({ webhookUrl: Redacted.make("https://discord.com/api/webhooks/1/a") })
 * // Effect<NotifierService, never, HttpClient>: combine it with others through Notifier.fanOut.
 * ```
 *
 * @since 0.3.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<NotifierService, never, HttpClient.HttpClient> =>
  Discord.make(options)

/**
 * Sends alerts to a Discord channel through its webhook, with the `HttpClient` you provide
 * (`FetchHttpClient.layer` from `@effect/platform`, or a Node client), from a queue off the
 * caller's path (`Notifier.QueueOptions`).
 *
 * - Posts one embed and `allowed_mentions: { parse: [] }` (and `username`): `@everyone`, `@here`
 *   or `<@123>` in the error text ping nobody. A firing event: the title, the text as description
 *   (cut to {@link EMBED_DESCRIPTION_LENGTH}), red (orange for `"warning"`, blurple for
 *   `"info"`), fields for the operation, context, attempt and error. A resolved event: one green
 *   line, `✅ RESOLVED: charge (billing) resolved after 12m 3s`. Both: the incident key
 *   (`dedupKey`) as footer and the event's time. Every part within Discord's limits (title 256,
 *   field value 1,024, the whole embed 6,000).
 * - Any pasted URL form (`discord.com`, `discordapp.com`, `ptb.`, `/api/v9/...`) is sent to the
 *   versioned `/api/v10/webhooks/ID/TOKEN` path on the same host, keeping `?thread_id=`.
 * - 2xx: delivered. 429: waits `retry_after` (or `Retry-After`) and tries again. 5xx and network
 *   errors: tries again after 0.5 s, 1 s, 2 s... Other 4xx (404: webhook deleted): fails at once.
 *   At most `maxAttempts` tries within `timeout`; every wait goes through Effect's `Clock`.
 * - Fails with a `Notifier.NotifierError` carrying the HTTP `status`; the URL appears in no error,
 *   log line or span.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { Layer, Redacted } from "effect"
 * import { DiscordNotifier } from "effect-retry-alerts"
 *
 * const DiscordAlerts = DiscordNotifier.layer({
 *   webhookUrl: Redacted.make("https://discord.com/api/webhooks/123/abc"),
 *   channels: { billing: Redacted.make("https://discord.com/api/webhooks/456/def") },
 *   username: "alerts"
 * }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Notifier, never, HttpClient.HttpClient> =>
  Discord.layer(options)
