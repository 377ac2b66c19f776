/**
 * The notifier contract: the alert event, the service that delivers it, its tag and its error,
 * and the log notifier. Declared here so that the destinations under `notifiers/` can use them
 * without importing the public module.
 *
 * @internal
 */
import { Context, Data, Effect, Layer } from "effect"

/** How urgent an alert is, in the words every destination understands. */
export type Severity = "critical" | "error" | "warning" | "info"

/** An alert: an incident that fires, or resolves. Plain data; see `Alert.AlertEvent`. */
export interface AlertEvent {
  readonly _tag: "Firing" | "Resolved"
  readonly severity: Severity
  /** One line. */
  readonly title: string
  /** The whole plain-text body, scrubbed of secrets. */
  readonly text: string
  /** The operation (the retried function's name). */
  readonly operation: string
  /** Where it runs; `""` when none was given. */
  readonly context: string
  /** What the limiter keys on: which failures count as the same alert. */
  readonly signature: string
  /** Stable for the incident, the same in its firing and resolved events; at most 255 characters, no secret. */
  readonly dedupKey: string
  /** Firing: the failed attempt that fired it, when known. */
  readonly attempt: number | undefined
  /** The failure, scrubbed of secrets and cut: its type and message. */
  readonly error: { readonly type: string; readonly message: string } | undefined
  /** Firing: identical alerts suppressed since the previous one went out. Resolved: since it first fired. */
  readonly suppressed: number
  /** Firing: other alerts the channel ceiling held back since the previous one went out. */
  readonly heldBack: number
  /** Resolved: the failed attempts counted since it first fired. Firing: 0. */
  readonly failures: number
  /** Clock millis of the first failure (or, when unknown, of the first firing) of the incident. */
  readonly startedAt: number
  /** Clock millis of this event. */
  readonly at: number
  /** The channel asked for, if any: notifiers with named channels route by it. */
  readonly channel: string | undefined
}

/** A notifier could not deliver an alert. */
export class NotifierError extends Data.TaggedError("NotifierError")<{
  readonly message: string
  readonly cause?: unknown
  readonly status?: number | undefined
}> {}

/** The notifier service: delivers one alert event. */
export interface NotifierService {
  readonly notify: (event: AlertEvent) => Effect.Effect<void, NotifierError>
}

/** The notifier service tag. */
export class Notifier extends Context.Tag("effect-retry-alerts/Notifier")<Notifier, NotifierService>() {}

/** Writes firing events at error level and resolved ones at info level, with their incident key. */
export const layerLog: Layer.Layer<Notifier> = Layer.succeed(Notifier, {
  notify: (event) =>
    (event._tag === "Firing" ? Effect.logError(event.text) : Effect.logInfo(event.text)).pipe(
      Effect.annotateLogs({
        alert: event._tag === "Firing" ? "firing" : "resolved",
        dedupKey: event.dedupKey,
        channel: event.channel ?? "default"
      })
    )
})
