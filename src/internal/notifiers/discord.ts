/**
 * The Discord webhook notifier.
 *
 * @internal
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type { Options as DiscordOptions } from "../../DiscordNotifier.js"
import * as Delivery from "../delivery.js"
import type { AlertEvent, Notifier, NotifierService } from "../notifier.js"
import * as Options from "../options.js"
import * as Render from "./render.js"
import * as Webhook from "./webhook.js"

/** Longest `content` Discord accepts (alerts are embeds now; kept for the public constant). */
export const CONTENT_LENGTH = 2000

/** Discord's embed limits. */
export const EMBED_TITLE_LENGTH = 256
export const EMBED_DESCRIPTION_LENGTH = 4096
export const EMBED_FIELD_VALUE_LENGTH = 1024
/** Title, description, field names and values, footer and author together. */
export const EMBED_LENGTH = 6000

/** Discord's own palette: red, orange, blurple for firing by severity; green for resolved. */
export const COLORS = {
  critical: 0xed4245,
  error: 0xed4245,
  warning: 0xe67e22,
  info: 0x5865f2,
  resolved: 0x57f287
} as const

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

interface Field {
  readonly name: string
  readonly value: string
  readonly inline?: boolean
}

// Discord refuses an empty or blank field value.
const field = (name: string, value: string, inline: boolean): Field => ({
  name,
  value: value.trim() === "" ? "-" : Render.cutLine(value, EMBED_FIELD_VALUE_LENGTH),
  ...(inline ? { inline } : {})
})

/**
 * The embed of an event. Firing: title, the text as description, a colour by severity, fields
 * for the operation, context, attempt and error. Resolved: one short green line. Both: the
 * incident key as footer and the event's time. Every part within Discord's limits, the whole
 * within {@link EMBED_LENGTH}: the description gives way.
 */
export const embed = (event: AlertEvent): Record<string, unknown> => {
  const footer = { text: Render.cutLine(event.dedupKey === "" ? "-" : event.dedupKey, 256) }
  const timestamp = Render.isoTime(event.at)
  if (event._tag === "Resolved") {
    const counts = Render.resolvedCounts(event)
    return {
      title: Render.cutLine(Render.resolvedLine(event), EMBED_TITLE_LENGTH),
      ...(counts === "" ? {} : { description: counts }),
      color: COLORS.resolved,
      footer,
      timestamp
    }
  }
  const title = Render.cutLine(
    event.title.trim() === "" ? Render.where(event) : event.title,
    EMBED_TITLE_LENGTH
  )
  const error = Render.errorLine(event)
  const fields: ReadonlyArray<Field> = [
    field("Operation", event.operation, true),
    ...(event.context === "" ? [] : [field("Context", event.context, true)]),
    ...(event.attempt === undefined ? [] : [field("Attempt", String(event.attempt), true)]),
    ...(error === undefined ? [] : [field("Error", error, false)])
  ]
  const used =
    title.length +
    footer.text.length +
    fields.reduce((sum, each) => sum + each.name.length + each.value.length, 0)
  const text = Render.body(event.title, event.text)
  const description = Render.cut(text, Math.min(EMBED_DESCRIPTION_LENGTH, EMBED_LENGTH - used))
  return {
    title,
    ...(description.trim() === "" ? {} : { description }),
    color: COLORS[event.severity] ?? COLORS.error,
    fields,
    footer,
    timestamp
  }
}

/** The request body: one embed, nobody pinged whatever the text says. */
export const render = (event: AlertEvent, username: string | undefined): Record<string, unknown> => ({
  embeds: [embed(event)],
  // No @everyone, @here, <@id> or <@&role> pings, in the embed or anywhere else.
  allowed_mentions: { parse: [] },
  ...(username === undefined ? {} : { username })
})

const classify = (answer: Webhook.Answer): Webhook.Verdict => {
  const { status } = answer
  if (status >= 200 && status < 300) return Webhook.delivered
  const json = Webhook.parseJson(answer.body) as { message?: unknown; code?: unknown; retry_after?: unknown }
  const error = (detail: string) => Webhook.answered("Discord webhook", status, detail)
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
    Webhook.notifier(client, target, defaultEndpoint, endpoints, (event) => render(event, username))
  )
}

/** Discord, behind a delivery queue, as a layer. */
export const layer = (options: DiscordOptions): Layer.Layer<Notifier, never, HttpClient.HttpClient> =>
  Delivery.layer(make(options), Delivery.queueOf("Discord", options))
