/**
 * Rate-limited alerts: ask the limiter, then deliver through the notifier.
 *
 * @internal
 */
import { Cause, Effect, Metric } from "effect"
import * as Metrics from "../Metrics.js"
import * as Describe from "./describe.js"
import { type Admission, AlertLimiter, type Decision } from "./limiter.js"
import { Notifier } from "./notifier.js"
import * as Redact from "./redact.js"

/** The attempt number at which a retry loop sends its critical alert. */
export const EXCESSIVE_RETRY_THRESHOLD = 50

/** Longest error text quoted in a critical retry alert. */
export const ERROR_TEXT_LENGTH = 500

/** Longest error text quoted in an infrastructure alert. */
export const INFRASTRUCTURE_ERROR_TEXT_LENGTH = 200

const plural = (n: number, one: string, many: string) => (n === 1 ? `1 ${one}` : `${n} ${many}`)

/** The lines that tell the reader what the limiter kept from them since the last alert. */
const notes = (decision: Decision, admission: Admission): string => {
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

/** Sends `message` unless the limiter suppresses it; never fails (see `Alert.sendRateLimited`). */
export const sendRateLimited = (
  name: string,
  error: unknown,
  context: string,
  message: string,
  channel?: string
): Effect.Effect<boolean, never, AlertLimiter | Notifier> =>
  Effect.flatMap(AlertLimiter, (limiter) =>
    Effect.flatMap(limiter.check(limiter.signature(name, error, context)), (decision) => {
      if (!decision.send) return Effect.as(count(Metrics.alertsSuppressed, name), false)
      return Effect.flatMap(limiter.admit, (admission) => {
        if (!admission.admitted) return Effect.as(count(Metrics.alertsHeldBack, name), false)
        const text = Redact.redact(message + notes(decision, admission))
        return Effect.flatMap(Notifier, (notifier) => notifier.alert(text, channel)).pipe(
          Effect.zipRight(count(Metrics.alertsSent, name)),
          Effect.as(true),
          Effect.catchAllCause((cause) =>
            // The cause is logged scrubbed too: a notifier's defect may quote a secret.
            Effect.logError(
              `Alert could not be delivered: ${text}`,
              Cause.die(Redact.redact(Cause.pretty(cause)))
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

/** The text of the critical retry alert. */
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

/** Sends the critical retry alert, rate limited by signature. */
export const sendCriticalRetryAlert = (
  name: string,
  attempt: number,
  error: unknown,
  context = ""
): Effect.Effect<boolean, never, AlertLimiter | Notifier> =>
  sendRateLimited(name, error, context, criticalRetryMessage(name, attempt, error, context))

/** What an infrastructure alert is about: the resource and action of a `Retry.connRetry`. */
export interface InfrastructureAlert {
  readonly resourceName: string
  readonly actionName: string
  /** The operation (function) name. */
  readonly name: string
  readonly attempt: number
  readonly maxAttempts: number
  readonly error: unknown
}

/** The text of an infrastructure alert. */
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

/** Sends an infrastructure alert, rate limited with the context `"{resourceName}_infrastructure"`. */
export const sendInfrastructureAlert = (
  alert: InfrastructureAlert
): Effect.Effect<boolean, never, AlertLimiter | Notifier> =>
  sendRateLimited(
    alert.name,
    alert.error,
    `${alert.resourceName}_infrastructure`,
    infrastructureMessage(alert)
  )
