/**
 * Rate-limited alerts: ask the limiter, open or note the incident, and hand the event to the
 * notifier, which delivers it off the caller's path.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { type Admission, AlertLimiter, type Decision } from "./alertLimiter.js"
import { handOver } from "./delivery.js"
import * as Describe from "./describe.js"
import { type Incident, Incidents, type Opening } from "./incidents.js"
import * as Metrics from "./metrics.js"
import { type AlertEvent, Notifier, type Resolved, type Severity } from "./notifier.js"
import * as Redact from "./redact/redact.js"

/** The services the alert path needs. */
export type AlertServices = AlertLimiter | Incidents | Notifier

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

const count = Metrics.countOperation

/** The failure as an event carries it: its type and message, scrubbed and cut. */
export const errorOf = (error: unknown): { readonly type: string; readonly message: string } => ({
  type: Describe.typeName(error),
  message: Describe.truncate(
    Redact.redact(Describe.message(error).slice(0, 4 * ERROR_TEXT_LENGTH)),
    ERROR_TEXT_LENGTH
  )
})

/** What a firing alert says, before the limiter adds its counts. */
export interface Firing {
  readonly name: string
  readonly context: string
  readonly error: unknown
  readonly severity: Severity
  readonly title: string
  /**
   * The body; scrubbed of secrets when it is sent. A function renders the body with its
   * "failing since" text, which is the incident's: on a re-fire, it says when the incident
   * started, not when the firing loop did.
   */
  readonly text: string | ((failingSince: string) => string)
  readonly attempt?: number | undefined
  /** Clock millis of the loop's first failure, when known. */
  readonly startedAt?: number | undefined
  readonly channel?: string | undefined
}

/** Hands `event` to the current notifier; never fails (an unqueued notifier's failure is logged). */
export const deliver = (event: AlertEvent): Effect.Effect<void, never, Notifier> =>
  Effect.flatMap(Notifier, (notifier) => handOver(notifier, event))

const iso = (millis: number): string => new Date(millis).toISOString()

const since = (startedAt: number, now: number): string =>
  `${iso(startedAt)} (${Describe.elapsed(now - startedAt)})`

/** `charge (billing)`, or `charge` without a context. */
export const operationWhere = (operation: string, context: string): string =>
  context === "" ? operation : `${operation} (${context})`

/** The title of a resolved event: `✅ RESOLVED: charge (billing) resolved after 12m 3s`. */
export const resolvedTitle = (operation: string, context: string, openMillis: number): string =>
  `✅ RESOLVED: ${operationWhere(operation, context)} resolved after ${Describe.elapsed(openMillis)}`

/**
 * The body of a firing of `incident`, with one "failing since": the incident's. A re-fire (the
 * incident was open before) says so, and when it was first alerted.
 */
const firingText = (text: Firing["text"], incident: Incident, now: number): string => {
  const refired = incident.firedAt < now
  if (typeof text === "function") {
    const body = text(since(incident.startedAt, now))
    return refired ? `${body}\n\nStill failing; first alerted at ${iso(incident.firedAt)}.` : body
  }
  return refired
    ? `${text}\n\nStill failing: since ${since(incident.startedAt, now)}; first alerted at ${iso(incident.firedAt)}.`
    : text
}

/**
 * Fires an alert unless the limiter suppresses it (same signature within the window) or the
 * channel ceiling holds it back. A fired alert opens its incident (or, fired again after the
 * window, finds it open and says for how long it has been failing) and is handed to the notifier.
 * Succeeds with `true` when it was handed over; never fails, and never waits for the delivery.
 */
export const fire = (firing: Firing): Effect.Effect<boolean, never, AlertServices> =>
  Effect.flatMap(AlertLimiter, (limiter) => {
    const signature = limiter.signature(firing.name, firing.error, firing.context)
    const opening = (now: number): Opening => ({
      signature,
      operation: firing.name,
      context: firing.context,
      severity: firing.severity,
      startedAt: firing.startedAt ?? now,
      channel: firing.channel
    })
    return Effect.flatMap(limiter.check(signature), (decision) => {
      if (!decision.send) {
        return Effect.flatMap(Incidents, (incidents) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            Effect.zipRight(
              incidents.noteSuppressed(opening(now)),
              Effect.as(count(Metrics.alertsSuppressed, firing.name), false)
            )
          )
        )
      }
      return Effect.flatMap(limiter.admit, (admission) => {
        if (!admission.admitted) return Effect.as(count(Metrics.alertsHeldBack, firing.name), false)
        return Effect.flatMap(Incidents, (incidents) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            Effect.flatMap(incidents.open(opening(now), now), (incident) => {
              const text = firingText(firing.text, incident, now)
              return deliver({
                _tag: "Firing",
                severity: firing.severity,
                title: Redact.redact(firing.title),
                text: Redact.redact(text + notes(decision, admission)),
                operation: firing.name,
                context: firing.context,
                signature: incident.signature,
                dedupKey: incident.dedupKey,
                attempt: firing.attempt,
                error: errorOf(firing.error),
                suppressed: decision.suppressed,
                heldBack: admission.heldBack,
                startedAt: incident.startedAt,
                at: now,
                channel: firing.channel
              }).pipe(Effect.zipRight(count(Metrics.alertsSent, firing.name)), Effect.as(true))
            })
          )
        )
      })
    })
  })

/** The resolved event of `incident`, at `now`: a short text, the same `dedupKey`, the severity it fired with. */
export const resolvedEvent = (incident: Incident, now: number): Resolved => {
  const title = resolvedTitle(incident.operation, incident.context, now - incident.startedAt)
  const counts = `${plural(incident.failures, "failed attempt", "failed attempts")} and ${plural(incident.suppressed, "suppressed alert", "suppressed alerts")} since it first fired at ${iso(incident.firedAt)}.`
  return {
    _tag: "Resolved",
    severity: incident.severity,
    title: Redact.redact(title),
    text: Redact.redact(`${title}\n${counts}`),
    operation: incident.operation,
    context: incident.context,
    signature: incident.signature,
    dedupKey: incident.dedupKey,
    suppressed: incident.suppressed,
    failures: incident.failures,
    startedAt: incident.startedAt,
    firedAt: incident.firedAt,
    at: now,
    channel: incident.channel
  }
}

/**
 * `operation` in `context` succeeded: one resolved event per incident it had open, never
 * suppressed nor held back, each handed over by one caller only. Callers check
 * `Incidents.isOpen` first: with no incident open this is never run.
 */
export const resolve = (
  context: string,
  operation: string
): Effect.Effect<void, never, Incidents | Notifier> =>
  Effect.flatMap(Incidents, (incidents) =>
    Effect.flatMap(incidents.resolve(context, operation), (resolved) =>
      resolved.length === 0
        ? Effect.void
        : Effect.flatMap(Clock.currentTimeMillis, (now) =>
            Effect.forEach(
              resolved,
              (incident) =>
                Effect.zipRight(
                  count(Metrics.incidentsResolved, operation),
                  deliver(resolvedEvent(incident, now))
                ),
              { discard: true }
            )
          )
    )
  )

/** The first line of `text`, for a title. */
const firstLine = (text: string): string => {
  const end = text.indexOf("\n")
  return Describe.truncate(end < 0 ? text : text.slice(0, end), 200)
}

/** What `Alert.sendRateLimited` sends. */
export interface RateLimitedAlert {
  /** The operation's name: part of the signature. */
  readonly name: string
  /** The failure: its type and message head are part of the signature. */
  readonly error: unknown
  /** Where the operation runs: part of the signature. Default `""`. */
  readonly context?: string | undefined
  /** The alert's text; its first line is the title. */
  readonly message: string
  /** A named channel of the notifier. */
  readonly channel?: string | undefined
}

/** Sends `message` unless the limiter suppresses it; never fails (see `Alert.sendRateLimited`). */
export const sendRateLimited = (alert: RateLimitedAlert): Effect.Effect<boolean, never, AlertServices> =>
  fire({
    name: alert.name,
    context: alert.context ?? "",
    error: alert.error,
    severity: "error",
    title: firstLine(alert.message),
    text: alert.message,
    channel: alert.channel
  })

/**
 * An attempt as the retry logs write it: `3/10` of `maxAttempts`, or `3` for a loop without an
 * end.
 */
export const attemptOf = (attempt: number, maxAttempts: number): string =>
  maxAttempts === Number.POSITIVE_INFINITY ? `${attempt}` : `${attempt}/${maxAttempts}`

/** What `Alert.sendCriticalRetryAlert` sends: an operation that keeps failing. */
export interface CriticalRetryAlert {
  /** The operation's name: part of the signature. */
  readonly name: string
  /** The failed attempt that alerts. */
  readonly attempt: number
  /** The failure: its type and message head are part of the signature. */
  readonly error: unknown
  /** Where the operation runs: part of the signature. Default `""`. */
  readonly context?: string | undefined
  /**
   * The loop's `maxAttempts`: the `N` of "attempt 3/N", as its log lines say it. Default the
   * excessive-retry threshold, 50.
   */
  readonly maxAttempts?: number | undefined
  /** A named channel of the notifier. */
  readonly channel?: string | undefined
}

/** When the loop that alerts started failing, for one "Failing since" line. */
export interface LoopTimes {
  /** Clock millis of the loop's first failure. */
  readonly startedAt: number
  /** Clock millis now. */
  readonly now: number
}

const criticalTitle = (name: string): string => `🚨 CRITICAL: operation "${name}" is failing repeatedly`

/** The critical retry alert's text, with `failingSince` (a {@link since} text) when known. */
const criticalRetryText = (alert: CriticalRetryAlert, failingSince: string | undefined): string =>
  [
    criticalTitle(alert.name),
    "",
    `Operation: ${alert.name}`,
    `Context: ${alert.context === undefined || alert.context === "" ? "(none)" : alert.context}`,
    `Current attempt: ${attemptOf(alert.attempt, alert.maxAttempts ?? EXCESSIVE_RETRY_THRESHOLD)}`,
    ...(failingSince === undefined ? [] : [`Failing since: ${failingSince}`]),
    `Error: ${Describe.summary(alert.error, ERROR_TEXT_LENGTH)}`,
    "",
    "This operation has failed an excessive number of times and is still retrying. Investigate the failing dependency now."
  ].join("\n")

/** The text of the critical retry alert. */
export const criticalRetryMessage = (alert: CriticalRetryAlert, loop?: LoopTimes): string =>
  criticalRetryText(alert, loop === undefined ? undefined : since(loop.startedAt, loop.now))

/**
 * Sends the critical retry alert, rate limited by signature. With the loop's times, its
 * "failing since" is the incident's (the loop's own start when the alert opens the incident).
 */
export const sendCriticalRetryAlert = (
  alert: CriticalRetryAlert,
  loop?: LoopTimes
): Effect.Effect<boolean, never, AlertServices> =>
  fire({
    name: alert.name,
    context: alert.context ?? "",
    error: alert.error,
    severity: "critical",
    title: criticalTitle(alert.name),
    text:
      loop === undefined
        ? criticalRetryText(alert, undefined)
        : (failingSince) => criticalRetryText(alert, failingSince),
    attempt: alert.attempt,
    startedAt: loop?.startedAt,
    channel: alert.channel
  })

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
    `Current attempt: ${attemptOf(alert.attempt, alert.maxAttempts)}`,
    `Error: ${Describe.summary(alert.error, INFRASTRUCTURE_ERROR_TEXT_LENGTH)}`,
    "",
    `Connections to ${alert.resourceName} keep failing. Check that it is up and reachable.`
  ].join("\n")

/** The alert context of a resource's connections: `"{resourceName}_infrastructure"`. */
export const infrastructureContext = (resourceName: string): string => `${resourceName}_infrastructure`

/** Sends an infrastructure alert, rate limited with the context `"{resourceName}_infrastructure"`. */
export const sendInfrastructureAlert = (
  alert: InfrastructureAlert,
  startedAt?: number
): Effect.Effect<boolean, never, AlertServices> => {
  const text = infrastructureMessage(alert)
  return fire({
    name: alert.name,
    context: infrastructureContext(alert.resourceName),
    error: alert.error,
    severity: "critical",
    title: firstLine(text),
    text,
    attempt: alert.attempt,
    startedAt
  })
}
