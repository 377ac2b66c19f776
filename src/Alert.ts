/**
 * Rate-limited alerts: ask the {@link AlertLimiter}, then deliver through the {@link Notifier}.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as AlertLimiter from "./AlertLimiter.js"
import * as Describe from "./internal/describe.js"
import * as Redact from "./internal/redact.js"
import * as Notifier from "./Notifier.js"

/**
 * The attempt number at which a retry loop sends its critical alert: 50.
 *
 * @since 0.1.0
 * @category constants
 */
export const EXCESSIVE_RETRY_THRESHOLD = 50

/**
 * Longest error text quoted in a critical retry alert.
 *
 * @since 0.1.0
 * @category constants
 */
export const ERROR_TEXT_LENGTH = 500

/**
 * Longest error text quoted in an infrastructure alert.
 *
 * @since 0.1.0
 * @category constants
 */
export const INFRASTRUCTURE_ERROR_TEXT_LENGTH = 200

const suppressedNote = (decision: AlertLimiter.Decision): string =>
  decision.suppressed > 0 && decision.lastSentAt !== undefined
    ? `\n\n(${decision.suppressed} identical alert${decision.suppressed === 1 ? " was" : "s were"} suppressed since ${new Date(decision.lastSentAt).toISOString()})`
    : ""

/**
 * Sends `message` unless an alert with the same signature (`name`, `error`, `context`) went out
 * within the limiter's window. Succeeds with `true` when the notifier delivered it, `false` when
 * it was suppressed or could not be delivered.
 *
 * It never fails: a notifier failure or defect is logged with the alert text (so the alert is not
 * lost) and swallowed, and the limiter still counts the alert as sent, so a broken notifier does
 * not cause a storm of resends. When alerts were suppressed since the last one, the text says how
 * many and since when.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Alert, AlertLimiter, Notifier } from "effect-retry-alerts"
 *
 * const program = Alert.sendRateLimited(
 *   "charge",
 *   new Error("HTTP 500"),
 *   "billing",
 *   "Charging keeps failing with HTTP 500"
 * ).pipe(Effect.provide([AlertLimiter.layer, Notifier.layerLog]))
 * ```
 *
 * @since 0.1.0
 * @category alerts
 */
export const sendRateLimited = (
  name: string,
  error: unknown,
  context: string,
  message: string,
  channel?: string
): Effect.Effect<boolean, never, AlertLimiter.AlertLimiter | Notifier.Notifier> =>
  Effect.flatMap(AlertLimiter.AlertLimiter, (limiter) =>
    Effect.flatMap(limiter.check(limiter.signature(name, error, context)), (decision) => {
      if (!decision.send) return Effect.succeed(false)
      const text = redact(message + suppressedNote(decision))
      return Notifier.alert(text, channel).pipe(
        Effect.as(true),
        Effect.catchAllCause((cause) =>
          Effect.logError(`Alert could not be delivered: ${text}`, cause).pipe(
            Effect.annotateLogs({ alert: name, context }),
            Effect.as(false)
          )
        )
      )
    })
  )

/**
 * The text of the critical alert sent when an operation reaches attempt `attempt` of the
 * excessive-retry threshold: operation, context, attempt, error type and message, and a call to
 * investigate.
 *
 * @since 0.1.0
 * @category formatting
 */
export const criticalRetryMessage = (name: string, attempt: number, error: unknown, context = ""): string =>
  [
    `🚨 CRITICAL: operation "${name}" is failing repeatedly`,
    "",
    `Operation: ${name}`,
    `Context: ${context === "" ? "(none)" : context}`,
    `Current attempt: ${attempt}/${EXCESSIVE_RETRY_THRESHOLD}`,
    `Error: ${Describe.summary(error, ERROR_TEXT_LENGTH)}`,
    "",
    "This operation has failed an excessive number of times and is still retrying. Investigate the failing dependency now."
  ].join("\n")

/**
 * Sends the critical retry alert of {@link criticalRetryMessage}, rate limited by signature.
 * Same result as {@link sendRateLimited}: `true` when delivered, never fails.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Alert, AlertLimiter, Notifier } from "effect-retry-alerts"
 *
 * const program = Alert.sendCriticalRetryAlert("spend_credits", 50, new Error("HTTP 500"), "billing").pipe(
 *   Effect.provide([AlertLimiter.layer, Notifier.layerLog])
 * )
 * ```
 *
 * @since 0.1.0
 * @category alerts
 */
export const sendCriticalRetryAlert = (
  name: string,
  attempt: number,
  error: unknown,
  context = ""
): Effect.Effect<boolean, never, AlertLimiter.AlertLimiter | Notifier.Notifier> =>
  sendRateLimited(name, error, context, criticalRetryMessage(name, attempt, error, context))

/**
 * What an infrastructure alert is about: the resource and action of a `Retry.connRetry`.
 *
 * @since 0.1.0
 * @category models
 */
export interface InfrastructureAlert {
  readonly resourceName: string
  readonly actionName: string
  /** The operation (function) name. */
  readonly name: string
  readonly attempt: number
  readonly maxAttempts: number
  readonly error: unknown
}

/**
 * The text of an infrastructure alert: resource, action, operation, attempt `N/max` and the
 * error cut to 200 characters.
 *
 * @since 0.1.0
 * @category formatting
 */
export const infrastructureMessage = (alert: InfrastructureAlert): string =>
  [
    `🚨 INFRASTRUCTURE: ${alert.resourceName} is failing repeatedly`,
    "",
    `Resource: ${alert.resourceName}`,
    `Action: ${alert.actionName}`,
    `Operation: ${alert.name}`,
    `Current attempt: ${alert.attempt}/${alert.maxAttempts}`,
    `Error: ${Describe.summary(alert.error, INFRASTRUCTURE_ERROR_TEXT_LENGTH)}`,
    "",
    `Connections to ${alert.resourceName} keep failing. Check that it is up and reachable.`
  ].join("\n")

/**
 * Sends an infrastructure alert, rate limited with the context `"{resourceName}_infrastructure"`.
 *
 * @since 0.1.0
 * @category alerts
 */
export const sendInfrastructureAlert = (
  alert: InfrastructureAlert
): Effect.Effect<boolean, never, AlertLimiter.AlertLimiter | Notifier.Notifier> =>
  sendRateLimited(
    alert.name,
    alert.error,
    `${alert.resourceName}_infrastructure`,
    infrastructureMessage(alert)
  )

/**
 * Scrubs secrets out of alert text, replacing each by a visible `[REDACTED…]` placeholder and
 * keeping the rest readable. {@link sendRateLimited} applies it to every alert before the
 * notifier sees it, and to the text it logs when delivery fails.
 *
 * It removes: credentials in URLs (`scheme://user:pass@`), `Bearer` tokens and `Authorization`
 * values; values of parameters named like `token`, `access_token`, `key`, `api_key`, `secret`,
 * `password`, `sig`, `signature`, `credential` (in URLs, `name=value` text and JSON); Discord and
 * Slack webhook URLs; GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`), Slack
 * (`xoxb-`, `xoxp-`, ...) and AWS (`AKIA...`) token shapes; JSON web tokens; PEM private-key
 * blocks (to the end of the text when the END line was cut off).
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
export const redact: (text: string) => string = Redact.redact
