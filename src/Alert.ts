/**
 * Rate-limited alerts: ask the {@link AlertLimiter}, then deliver through the {@link Notifier}.
 *
 * @since 0.1.0
 */
import type * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import * as Internal from "./internal/alert.js"
import type { AlertLimiter } from "./internal/alertLimiter.js"
import * as Describe from "./internal/describe.js"
import type { Incidents } from "./internal/incidents.js"
import { AlertEvent as AlertEvents, type Notifier } from "./internal/notifier.js"
import * as Redact from "./internal/redact/redact.js"

/**
 * An alert, as every destination receives it: a tagged union of {@link Firing} and
 * {@link Resolved}. Every string field is scrubbed of the secrets the redactor knows, the
 * signature included. The value of the same name has constructors, `$is` and `$match`
 * (`Data.taggedEnum`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Alert, Notifier } from "effect-retry-alerts"
 *
 * const render = Alert.AlertEvent.$match({
 *   Firing: (event) => `[${event.severity}] ${event.title} (attempt ${event.attempt ?? "?"}): ${event.error.message}`,
 *   Resolved: (event) => `resolved after ${event.failures} failures: ${event.title}`
 * })
 * const layerConsole = Notifier.layer(Notifier.fromNotify((event) => Effect.sync(() => console.log(render(event)))))
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export type AlertEvent = Firing | Resolved

/**
 * Constructors, `$is` and `$match` for {@link AlertEvent} (`Data.taggedEnum`).
 *
 * @example
 * ```ts
 * import { Alert } from "effect-retry-alerts"
 *
 * const isFiring = Alert.AlertEvent.$is("Firing")
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const AlertEvent: Data.TaggedEnum.Constructor<AlertEvent> = AlertEvents

/**
 * How urgent an alert is: `"critical"`, `"error"`, `"warning"` or `"info"`.
 *
 * @since 0.2.0
 * @category models
 */
export type Severity = "critical" | "error" | "warning" | "info"

/**
 * What both kinds of event carry. Every string is scrubbed of the secrets the redactor knows.
 *
 * @since 0.3.0
 * @category models
 */
export interface EventFields {
  /**
   * How urgent it is. A resolved event keeps the severity it fired with, so that destinations
   * keyed on labels match them.
   */
  readonly severity: Severity
  /** One line. */
  readonly title: string
  /** The whole plain-text body. */
  readonly text: string
  /** The operation (the retried function's name). */
  readonly operation: string
  /** Where it runs; `""` when none was given. */
  readonly context: string
  /** What the limiter keys on (which failures count as the same alert), scrubbed. */
  readonly signature: string
  /**
   * Stable for the incident, the same in its firing and resolved events (PagerDuty's `dedup_key`,
   * Alertmanager's labels): `context/operation/hash` of the raw signature (`operation/hash`
   * without a context), at most 255 characters, no error text in it.
   */
  readonly dedupKey: string
  /** Firing: identical alerts suppressed since the previous one went out. Resolved: since it first fired. */
  readonly suppressed: number
  /** Clock millis of the first failure (or, when unknown, of the first firing) of the incident. */
  readonly startedAt: number
  /** Clock millis of this event. */
  readonly at: number
  /** The channel asked for, if any: notifiers with named channels route by it. */
  readonly channel: string | undefined
}

/**
 * An incident fires: an operation keeps failing.
 *
 * @since 0.3.0
 * @category models
 */
export interface Firing extends EventFields {
  readonly _tag: "Firing"
  /** The failed attempt that fired it, when known. */
  readonly attempt: number | undefined
  /** The failure, scrubbed and cut to 500 characters: its type and message. */
  readonly error: { readonly type: string; readonly message: string }
  /** Other alerts the channel ceiling held back since the previous one went out. */
  readonly heldBack: number
}

/**
 * An incident resolves: its operation succeeded.
 *
 * @since 0.3.0
 * @category models
 */
export interface Resolved extends EventFields {
  readonly _tag: "Resolved"
  /** Failed attempts counted since it first fired. */
  readonly failures: number
  /** Clock millis of its first firing. */
  readonly firedAt: number
}

/**
 * What {@link sendRateLimited} sends: `name`, `error` and `context` (default `""`) make the
 * signature the limiter keys on; `message` is the text (its first line the title); `channel` a
 * named channel of the notifier.
 *
 * @since 0.3.0
 * @category models
 */
export type RateLimitedAlert = Internal.RateLimitedAlert

/**
 * What {@link sendCriticalRetryAlert} and {@link criticalRetryMessage} take: the operation's
 * `name`, the failed `attempt`, the `error`, its `context` (default `""`), the loop's
 * `maxAttempts` (the `N` of "attempt 3/N"; default the threshold, 50) and a `channel`.
 *
 * @since 0.3.0
 * @category models
 */
export type CriticalRetryAlert = Internal.CriticalRetryAlert

/**
 * The attempt number at which a retry loop sends its critical alert: 50.
 *
 * @since 0.1.0
 * @category constants
 */
export const EXCESSIVE_RETRY_THRESHOLD: number = Internal.EXCESSIVE_RETRY_THRESHOLD

/**
 * Longest error text quoted in a critical retry alert.
 *
 * @since 0.1.0
 * @category constants
 */
export const ERROR_TEXT_LENGTH: number = Internal.ERROR_TEXT_LENGTH

/**
 * Longest error text quoted in an infrastructure alert.
 *
 * @since 0.1.0
 * @category constants
 */
export const INFRASTRUCTURE_ERROR_TEXT_LENGTH: number = Internal.INFRASTRUCTURE_ERROR_TEXT_LENGTH

/**
 * Sends `message` unless an alert with the same signature (`name`, `error`, `context`) went out
 * within the limiter's window. Succeeds with `true` when the alert was handed to the notifier,
 * `false` when it was suppressed or held back. It does not wait for the delivery: the notifier
 * layers deliver from their own queue, off the caller's fiber.
 *
 * It never fails: a notifier failure or defect is logged with the alert text (so the alert is not
 * lost), and the limiter still counts the alert as sent, so a broken notifier does not cause a
 * storm of resends.
 *
 * Two limits apply: one alert per signature per window (`AlertLimiter.check`), and the channel
 * ceiling, at most N alerts per minute across all signatures (`AlertLimiter.admit`). The text of
 * the next alert that goes out says how many identical alerts were suppressed since the last one
 * (and since when), and how many others the ceiling held back. Each outcome is counted in
 * {@link Metrics}, tagged with the operation name.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Alert, AlertLimiter, Notifier } from "effect-retry-alerts"
 *
 * const program = Alert.sendRateLimited({
 *   name: "charge",
 *   error: new Error("HTTP 500"),
 *   context: "billing",
 *   message: "Charging keeps failing with HTTP 500"
 * }).pipe(Effect.provide([AlertLimiter.layer(), Notifier.layerLog()]))
 * ```
 *
 * @since 0.1.0
 * @category alerts
 */
export const sendRateLimited: {
  (alert: RateLimitedAlert): Effect.Effect<boolean, never, AlertLimiter | Incidents | Notifier>
  /** @deprecated Pass one object: `sendRateLimited({ name, error, context, message, channel })`. */
  (
    name: string,
    error: unknown,
    context: string,
    message: string,
    channel?: string
  ): Effect.Effect<boolean, never, AlertLimiter | Incidents | Notifier>
} = (first: RateLimitedAlert | string, ...rest: ReadonlyArray<any>) =>
  Internal.sendRateLimited(
    typeof first === "string"
      ? { name: first, error: rest[0], context: rest[1], message: rest[2], channel: rest[3] }
      : first
  )

/**
 * The text of the critical alert sent when an operation reaches attempt `attempt` of the
 * excessive-retry threshold: operation, context, attempt, error type and message, and a call to
 * investigate.
 *
 * @example
 * ```ts
 * import { Alert } from "effect-retry-alerts"
 *
 * const text = Alert.criticalRetryMessage({
 *   name: "spend_credits",
 *   attempt: 50,
 *   error: new Error("HTTP 500"),
 *   context: "billing"
 * })
 * // "🚨 CRITICAL: operation \"spend_credits\" is failing repeatedly\n\nOperation: spend_credits\n..."
 * ```
 *
 * @since 0.1.0
 * @category formatting
 */
export const criticalRetryMessage: {
  (alert: CriticalRetryAlert): string
  /** @deprecated Pass one object: `criticalRetryMessage({ name, attempt, error, context })`. */
  (name: string, attempt: number, error: unknown, context?: string): string
} = (first: CriticalRetryAlert | string, ...rest: ReadonlyArray<any>) =>
  Internal.criticalRetryMessage(criticalAlertOf(first, rest))

/**
 * Sends the critical retry alert of {@link criticalRetryMessage}, rate limited by signature.
 * Same result as {@link sendRateLimited}: `true` when handed to the notifier, never fails.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Alert, AlertLimiter, Notifier } from "effect-retry-alerts"
 *
 * const program = Alert.sendCriticalRetryAlert({
 *   name: "spend_credits",
 *   attempt: 50,
 *   error: new Error("HTTP 500"),
 *   context: "billing"
 * }).pipe(Effect.provide([AlertLimiter.layer(), Notifier.layerLog()]))
 * ```
 *
 * @since 0.1.0
 * @category alerts
 */
export const sendCriticalRetryAlert: {
  (alert: CriticalRetryAlert): Effect.Effect<boolean, never, AlertLimiter | Incidents | Notifier>
  /** @deprecated Pass one object: `sendCriticalRetryAlert({ name, attempt, error, context })`. */
  (
    name: string,
    attempt: number,
    error: unknown,
    context?: string
  ): Effect.Effect<boolean, never, AlertLimiter | Incidents | Notifier>
} = (first: CriticalRetryAlert | string, ...rest: ReadonlyArray<any>) =>
  Internal.sendCriticalRetryAlert(criticalAlertOf(first, rest))

// The 0.2 positional call, `(name, attempt, error, context)`, as the one options object.
const criticalAlertOf = (first: CriticalRetryAlert | string, rest: ReadonlyArray<any>): CriticalRetryAlert =>
  typeof first === "string" ? { name: first, attempt: rest[0], error: rest[1], context: rest[2] } : first

/**
 * What an infrastructure alert is about: the resource and action of a `Retry.connRetry`.
 *
 * @since 0.1.0
 * @category models
 */
export type InfrastructureAlert = Internal.InfrastructureAlert

/**
 * The text of an infrastructure alert: resource, action, operation, attempt `N/max` and the
 * error cut to 200 characters.
 *
 * @example
 * ```ts
 * import { Alert } from "effect-retry-alerts"
 *
 * const text = Alert.infrastructureMessage({
 *   resourceName: "postgres",
 *   actionName: "connect",
 *   name: "connectDb",
 *   attempt: 50,
 *   maxAttempts: 101,
 *   error: new Error("ECONNREFUSED")
 * })
 * ```
 *
 * @since 0.1.0
 * @category formatting
 */
export const infrastructureMessage: (alert: InfrastructureAlert) => string = Internal.infrastructureMessage

/**
 * Sends an infrastructure alert, rate limited with the context `"{resourceName}_infrastructure"`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Alert, AlertLimiter, Notifier } from "effect-retry-alerts"
 *
 * const program = Alert.sendInfrastructureAlert({
 *   resourceName: "postgres",
 *   actionName: "connect",
 *   name: "connectDb",
 *   attempt: 50,
 *   maxAttempts: 101,
 *   error: new Error("ECONNREFUSED")
 * }).pipe(Effect.provide([AlertLimiter.layer(), Notifier.layerLog()]))
 * ```
 *
 * @since 0.1.0
 * @category alerts
 */
export const sendInfrastructureAlert: (
  alert: InfrastructureAlert
) => Effect.Effect<boolean, never, AlertLimiter | Incidents | Notifier> = Internal.sendInfrastructureAlert

/**
 * Scrubs secrets out of alert text, replacing each by a visible `[REDACTED…]` placeholder and
 * keeping the rest readable. Every alert event is scrubbed before a notifier sees it, and so are
 * the retry loops' log lines and the text logged when delivery fails.
 *
 * Two sets of rules run. secretlint's rule packages (a dependency, so `npm update` brings their
 * new patterns): AWS, GitHub, Slack, npm, SendGrid, OpenAI, Anthropic, private keys, basic
 * authentication, database connection strings. And built-in rules for what error messages carry:
 * credentials in URLs, `Authorization`, `X-Api-Key`-style headers and every `Cookie` pair, secret
 * `name=value` parameters, `name: value` fields and JSON fields, Discord and Slack webhook URLs,
 * JSON web tokens, and token shapes by prefix (Stripe, `sk-` keys, GCP, AWS secret keys, tokens
 * cut by the end of the text). One keyword scan gates every rule: text with no keyword costs
 * about half a microsecond.
 *
 * Pure, total and linear in the length of the text: any string, even megabytes long, is fine.
 *
 * @example
 * ```ts
 * import { Alert } from "effect-retry-alerts"
 *
 * Alert.redact("GET https://bob:hunter2@api.example.com/v1?token=abc failed")
 * // "GET https://[REDACTED]@api.example.com/v1?token=[REDACTED] failed"
 * ```
 *
 * @since 0.1.0
 * @category formatting
 */
export const redact = (text: string): string =>
  // Total even for untyped callers: a non-string is described first.
  Redact.redact(typeof text === "string" ? text : Describe.message(text))
