/**
 * The Slack incoming-webhook notifier.
 *
 * @internal
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type { Options as SlackOptions } from "../../SlackNotifier.js"
import * as Delivery from "../delivery.js"
import * as Describe from "../describe.js"
import type { AlertEvent, Notifier, NotifierService } from "../notifier.js"
import * as Render from "./render.js"
import * as Webhook from "./webhook.js"

/** Longest fallback `text` posted (before escaping): Slack's advice for one message. */
export const TEXT_LENGTH = 4000

/** Slack's Block Kit limits, counted after escaping. */
export const HEADER_LENGTH = 150
export const SECTION_TEXT_LENGTH = 3000
/** Each value in the context line; Slack allows 3,000 per element, a context line wants less. */
const CONTEXT_VALUE_LENGTH = 300

const EXPECTED = "a Slack webhook URL like https://hooks.slack.com/services/T…/B…/…"

export const webhookEndpoint = (option: string, value: unknown): Webhook.Endpoint => {
  const url = Webhook.redactedUrl(option, value, EXPECTED)
  const secret = url.pathname
    .split("/")
    .filter((part) => part.length > 0)
    .pop()
  return Webhook.endpoint(url, secret === undefined ? [] : [secret])
}

/**
 * Slack's three control characters, escaped so that error text cannot write `<!channel>`,
 * `<!here>`, `<@U123>` or a disguised `<https://evil|link>`.
 */
export const escapeControl = (text: string): string =>
  text.replace(/[&<>]/g, (char) => (char === "&" ? "&amp;" : char === "<" ? "&lt;" : "&gt;"))

/** The message text as posted: cut to `TEXT_LENGTH` (head kept), then escaped. */
export const text = (message: string): string =>
  escapeControl(Describe.truncate(message, TEXT_LENGTH, Webhook.TRUNCATION_MARKER))

const escapedWidth = (char: string): number => (char === "&" ? 5 : char === "<" || char === ">" ? 4 : 1)

/**
 * `raw` escaped and cut so that the escaped text, marker included, is at most `max` long: Slack
 * counts its limits on what it receives. Reads no further than `max` characters of a huge text.
 */
export const escapedCut = (raw: string, max: number): string => {
  if (raw.length <= max) {
    const escaped = escapeControl(raw)
    if (escaped.length <= max) return escaped
  }
  const marker = max > 4 * Render.TRUNCATION_MARKER.length ? Render.TRUNCATION_MARKER : "…"
  const room = max - marker.length
  let width = 0
  let end = 0
  while (end < raw.length) {
    const next = escapedWidth(raw[end]!)
    if (width + next > room) break
    width += next
    end++
  }
  const last = raw.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end--
  return escapeControl(raw.slice(0, end)) + marker
}

const contextItem = (name: string, value: string) => ({
  type: "mrkdwn",
  text: `*${name}:* ${escapedCut(value, CONTEXT_VALUE_LENGTH)}`
})

/**
 * The request body: a plain `text` fallback (notifications, old clients) and Block Kit blocks.
 * Firing: a header with the title, a section with the text, a context line with the operation,
 * context, attempt, error and incident key. Resolved: one short line and the incident key. All
 * text escaped (`&`, `<`, `>`), so nothing in it can mention anyone.
 */
export const render = (event: AlertEvent): Record<string, unknown> => {
  const key = contextItem("Key", event.dedupKey === "" ? "-" : event.dedupKey)
  if (event._tag === "Resolved") {
    const line = Render.resolvedLine(event)
    const counts = Render.resolvedCounts(event)
    return {
      text: escapedCut(line, TEXT_LENGTH),
      blocks: [
        { type: "section", text: { type: "mrkdwn", text: escapedCut(line, SECTION_TEXT_LENGTH) } },
        {
          type: "context",
          elements: [...(counts === "" ? [] : [{ type: "mrkdwn", text: escapeControl(counts) }]), key]
        }
      ]
    }
  }
  const title = event.title.trim() === "" ? Render.where(event) : event.title
  const section = Render.body(event.title, event.text)
  const error = Render.errorLine(event)
  return {
    text: text(event.text),
    blocks: [
      { type: "header", text: { type: "plain_text", text: escapedCut(title, HEADER_LENGTH), emoji: true } },
      ...(section.trim() === ""
        ? []
        : [{ type: "section", text: { type: "mrkdwn", text: escapedCut(section, SECTION_TEXT_LENGTH) } }]),
      {
        type: "context",
        elements: [
          contextItem("Operation", event.operation),
          ...(event.context === "" ? [] : [contextItem("Context", event.context)]),
          ...(event.attempt === undefined ? [] : [contextItem("Attempt", String(event.attempt))]),
          ...(error === undefined ? [] : [contextItem("Error", error)]),
          key
        ]
      }
    ]
  }
}

const classify = (answer: Webhook.Answer): Webhook.Verdict => {
  const { status } = answer
  // Slack's error strings are short and plain: `invalid_payload`, `channel_not_found`, ...
  const error = (detail: string) => Webhook.answered("Slack webhook", status, detail)
  if (status === 200) {
    return answer.body.trim() === "ok" ? Webhook.delivered : Webhook.fail(error(answer.quote(answer.body)))
  }
  if (status === 429)
    return Webhook.retry(error(""), Webhook.parseRetryAfter(answer.headers["retry-after"], answer.now))
  if (status >= 500) return Webhook.retry(error(answer.quote(answer.body)))
  // 400 invalid_payload, 403 invalid_token / action_prohibited, 404 channel_not_found,
  // 410 channel_is_archived, and any other refusal: retrying will not help.
  return Webhook.fail(error(answer.quote(answer.body)))
}

export const make = (options: SlackOptions): Effect.Effect<NotifierService, never, HttpClient.HttpClient> => {
  const defaultEndpoint = webhookEndpoint("webhookUrl", options.webhookUrl)
  const endpoints = Webhook.channelUrls(options.channels, webhookEndpoint)
  const settings = Webhook.settings(options)
  const target: Webhook.Target = { service: "Slack", settings, classify }
  return Effect.map(HttpClient.HttpClient, (client) =>
    Webhook.notifier(client, target, defaultEndpoint, endpoints, render)
  )
}

/** Slack, behind a delivery queue, as a layer. */
export const layer = (options: SlackOptions): Layer.Layer<Notifier, never, HttpClient.HttpClient> =>
  Delivery.layer(make(options), Delivery.queueOf("Slack", options))
