/**
 * Rate-limited alerts: ask the {@link AlertLimiter}, then deliver through the {@link Notifier}.
 *
 * @since 0.1.0
 */
import { Cause, Effect, Metric } from "effect"
import * as AlertLimiter from "./AlertLimiter.js"
import * as Describe from "./internal/describe.js"
import * as Redact from "./internal/redact.js"
import * as Metrics from "./Metrics.js"
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

const plural = (n: number, one: string, many: string) => (n === 1 ? `1 ${one}` : `${n} ${many}`)

/** The lines that tell the reader what the limiter kept from them since the last alert. */
const notes = (decision: AlertLimiter.Decision, admission: AlertLimiter.Admission): string => {
  let text = ""
  if (decision.suppressed > 0 && decision.lastSentAt !== undefined) {
    text += `\n\n(${plural(decision.suppressed, "identical alert was", "identical alerts were")} suppressed since ${new Date(decision.lastSentAt).toISOString()})`
  }
  if (admission.heldBack > 0) {
    text += `\n\n(${plural(admission.heldBack, "other alert was", "other alerts were")} held back by the channel ceiling)`
  }
  return text
}

const count = (metric: typeof Metrics.alertsSent, name: string) =>
  Metric.increment(Metric.tagged(metric, "operation", name))

/**
 * Sends `message` unless an alert with the same signature (`name`, `error`, `context`) went out
 * within the limiter's window. Succeeds with `true` when the notifier delivered it, `false` when
 * it was suppressed or could not be delivered.
 *
 * It never fails: a notifier failure or defect is logged with the alert text (so the alert is not
 * lost) and swallowed, and the limiter still counts the alert as sent, so a broken notifier does
 * not cause a storm of resends.
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
      if (!decision.send) return Effect.as(count(Metrics.alertsSuppressed, name), false)
      return Effect.flatMap(limiter.admit, (admission) => {
        if (!admission.admitted) return Effect.as(count(Metrics.alertsHeldBack, name), false)
        const text = redact(message + notes(decision, admission))
        return Notifier.alert(text, channel).pipe(
          Effect.zipRight(count(Metrics.alertsSent, name)),
          Effect.as(true),
          Effect.catchAllCause((cause) =>
            // The cause is logged scrubbed too: a notifier's defect may quote a secret.
            Effect.logError(
              `Alert could not be delivered: ${text}`,
              Cause.die(redact(Cause.pretty(cause)))
            ).pipe(
              Effect.annotateLogs({ alert: name, context }),
              Effect.zipRight(count(Metrics.alertsFailed, name)),
              Effect.as(false)
            )
          )
        )
      })
    })
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
 * const text = Alert.criticalRetryMessage("spend_credits", 50, new Error("HTTP 500"), "billing")
 * // "🚨 CRITICAL: operation \"spend_credits\" is failing repeatedly\n\nOperation: spend_credits\n..."
 * ```
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
 * }).pipe(Effect.provide([AlertLimiter.layer, Notifier.layerLog]))
 * ```
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
export const redact = (text: string): string =>
  // Total even for untyped callers: a non-string is described first.
  Redact.redact(typeof text === "string" ? text : Describe.message(text))
