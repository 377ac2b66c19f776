/**
 * The Discord webhook notifier.
 *
 * @internal
 */
import { HttpClient } from "@effect/platform"
import { Effect } from "effect"
import type { DiscordOptions } from "../../Notifier.js"
import * as Describe from "../describe.js"
import type { NotifierService } from "../notifier.js"
import * as Options from "../options.js"
import * as Webhook from "./webhook.js"

/** Longest `content` Discord accepts. */
export const CONTENT_LENGTH = 2000

/** Discord rejects a username longer than this. */
const USERNAME_LENGTH = 80

// Every form users paste: discord.com, discordapp.com, ptb. and canary. hosts, with or without an
// API version (`/api/webhooks/...`, `/api/v9/webhooks/...`), with or without a trailing slash.
const WEBHOOK_PATH = /^\/api(?:\/v\d{1,3})?\/webhooks\/(\d+)\/([\w-]+)\/?$/

const EXPECTED = "a Discord webhook URL like https://discord.com/api/webhooks/ID/TOKEN"

/**
 * Checks a Discord webhook URL and points it at API v10 (where `retry_after` is in seconds),
 * keeping scheme, host, port and query (`?thread_id=`).
 */
export const webhookEndpoint = (option: string, value: unknown): Webhook.Endpoint => {
  const original = Webhook.redactedUrl(option, value, EXPECTED)
  const match = WEBHOOK_PATH.exec(original.pathname)
  if (match === null) throw new Options.InvalidOptionError({ option, reason: `must be ${EXPECTED}` })
  const [, id, token] = match as unknown as [string, string, string]
  const url = new URL(original.href)
  url.pathname = `/api/v10/webhooks/${id}/${token}`
  url.hash = ""
  return Webhook.endpoint(url, [original.href, token])
}

/** The message text as Discord accepts it: at most `CONTENT_LENGTH`, the head kept. */
export const content = (text: string): string =>
  Describe.truncate(text, CONTENT_LENGTH, Webhook.TRUNCATION_MARKER)

const classify = (answer: Webhook.Answer): Webhook.Verdict => {
  const { status } = answer
  if (status >= 200 && status < 300) return Webhook.delivered
  const json = Webhook.parseJson(answer.body) as { message?: unknown; code?: unknown; retry_after?: unknown }
  const error = (detail: string) => Webhook.answered("Discord", status, detail)
  if (status === 429) {
    // The body's `retry_after` is exact (float seconds); the header is rounded up to whole seconds.
    const delay =
      Webhook.secondsToDuration(typeof json === "object" && json !== null ? json.retry_after : undefined) ??
      Webhook.parseRetryAfter(answer.headers["retry-after"], answer.now)
    return Webhook.retry(error(""), delay)
  }
  if (status >= 500) return Webhook.retry(error(""))
  // Discord explains a refusal as `{ "message": "Unknown Webhook", "code": 10015 }`.
  const explained =
    typeof json === "object" && json !== null && typeof json.message === "string"
      ? `${json.message}${typeof json.code === "number" ? ` (code ${json.code})` : ""}`
      : answer.body
  return Webhook.fail(error(answer.quote(explained)))
}

export const make = (
  options: DiscordOptions
): Effect.Effect<NotifierService, never, HttpClient.HttpClient> => {
  // Validated now, where the layer is written, not when the first alert goes out.
  const defaultEndpoint = webhookEndpoint("webhookUrl", options.webhookUrl)
  const endpoints = Webhook.channelUrls(options.channels, webhookEndpoint)
  const settings = Webhook.settings(options)
  const username =
    options.username === undefined ? undefined : Options.nonEmptyString("username", options.username)
  if (username !== undefined && username.length > USERNAME_LENGTH) {
    throw new Options.InvalidOptionError({
      option: "username",
      reason: `must be at most ${USERNAME_LENGTH} characters, got ${username.length}`
    })
  }
  const target: Webhook.Target = { service: "Discord", settings, classify }
  return Effect.map(HttpClient.HttpClient, (client) =>
    Webhook.notifier(client, target, defaultEndpoint, endpoints, (event) => ({
      content: content(event.text),
      // Nobody is pinged, whatever the error text says: no @everyone, @here, <@id> or <@&role>.
      allowed_mentions: { parse: [] },
      ...(username === undefined ? {} : { username })
    }))
  )
}
