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

/** What both kinds of event carry. Every string is scrubbed of the secrets the redactor knows. */
export interface EventFields {
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
  /** Stable for the incident, the same in its firing and resolved events; at most 255 characters. */
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

/** An incident fires: an operation keeps failing. */
export interface Firing extends EventFields {
  readonly _tag: "Firing"
  /** The failed attempt that fired it, when known. */
  readonly attempt: number | undefined
  /** The failure, scrubbed and cut: its type and message. */
  readonly error: { readonly type: string; readonly message: string }
  /** Other alerts the channel ceiling held back since the previous one went out. */
  readonly heldBack: number
}

/** An incident resolves: its operation succeeded. */
export interface Resolved extends EventFields {
  readonly _tag: "Resolved"
  /** Failed attempts counted since it first fired. */
  readonly failures: number
  /** Clock millis of its first firing. */
  readonly firedAt: number
}

/** An alert: an incident that fires, or resolves. */
export type AlertEvent = Firing | Resolved

/** Constructors, `$is` and `$match` for {@link AlertEvent}. */
export const AlertEvent = Data.taggedEnum<AlertEvent>()

/** A notifier could not deliver an alert. */
export class NotifierError extends Data.TaggedError("NotifierError")<{
  readonly message: string
  readonly cause?: unknown
  readonly status?: number | undefined
}> {}

/** The notifier service: takes one alert event. */
export interface NotifierService {
  readonly notify: (event: AlertEvent) => Effect.Effect<void, NotifierError>
}

/** The notifier service tag. */
export class Notifier extends Context.Tag("effect-retry-alerts/Notifier")<Notifier, NotifierService>() {}

/** Writes firing events at error level and resolved ones at info level, with their incident key. */
export const logNotifier: NotifierService = {
  notify: (event) =>
    (event._tag === "Firing" ? Effect.logError(event.text) : Effect.logInfo(event.text)).pipe(
      Effect.annotateLogs({
        alert: event._tag === "Firing" ? "firing" : "resolved",
        dedupKey: event.dedupKey,
        channel: event.channel ?? "default"
      })
    )
}

/** The log notifier as a layer: writing a log line does not wait, so it needs no queue. */
export const layerLog: Layer.Layer<Notifier> = Layer.succeed(Notifier, logNotifier)
