/**
 * The Slack incoming-webhook notifier.
 *
 * @internal
 */
import { HttpClient } from "@effect/platform"
import { Effect } from "effect"
import type { SlackOptions } from "../../Notifier.js"
import * as Describe from "../describe.js"
import type { NotifierService } from "../notifier.js"
import * as Webhook from "./webhook.js"

/** Longest text posted (before escaping): Slack's advice for one message. */
export const TEXT_LENGTH = 4000

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

const classify = (answer: Webhook.Answer): Webhook.Verdict => {
  const { status } = answer
  // Slack's error strings are short and plain: `invalid_payload`, `channel_not_found`, ...
  const error = (detail: string) => Webhook.answered("Slack", status, detail)
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
    Webhook.notifier(client, target, defaultEndpoint, endpoints, (event) => ({ text: text(event.text) }))
  )
}
