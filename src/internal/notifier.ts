/**
 * The notifier contract: the service tag, its error, and the log notifier. The event and service
 * types are declared in the public modules (`Alert`, `Notifier`), where the API reference shows
 * their fields, and only named here, so that the destinations under `notifiers/` can use them
 * without importing a value from a public module.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Alert from "../Alert.js"
import type * as PublicNotifier from "../Notifier.js"

export type Severity = Alert.Severity
export type EventFields = Alert.EventFields
export type Firing = Alert.Firing
export type Resolved = Alert.Resolved
export type AlertEvent = Alert.AlertEvent
export type NotifierService = PublicNotifier.NotifierService

/** Constructors, `$is` and `$match` for {@link AlertEvent}. */
export const AlertEvent = /*#__PURE__*/ Data.taggedEnum<AlertEvent>()

/** A notifier could not deliver an alert. */
export class NotifierError extends /*#__PURE__*/ Data.TaggedError("NotifierError")<{
  readonly message: string
  readonly cause?: unknown
  readonly status?: number | undefined
}> {}

/** The notifier service tag. */
export class Notifier extends /*#__PURE__*/ Context.Tag("effect-retry-alerts/Notifier")<
  Notifier,
  NotifierService
>() {}

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
export const layerLog: Layer.Layer<Notifier> = /*#__PURE__*/ Layer.succeed(Notifier, logNotifier)
