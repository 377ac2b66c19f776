/**
 * The notifier contract: the service, its tag and its error, and the log notifier. Declared here
 * so that the destinations under `notifiers/` can use them without importing the public module.
 *
 * @internal
 */
import { Context, Data, Effect, Layer } from "effect"

/** A notifier could not deliver an alert. */
export class NotifierError extends Data.TaggedError("NotifierError")<{
  readonly message: string
  readonly cause?: unknown
  readonly status?: number | undefined
}> {}

/** The notifier service: delivers one alert text, optionally to a named channel. */
export interface NotifierService {
  readonly alert: (message: string, channel?: string) => Effect.Effect<void, NotifierError>
}

/** The notifier service tag. */
export class Notifier extends Context.Tag("effect-retry-alerts/Notifier")<Notifier, NotifierService>() {}

/** Writes every alert through Effect's logger at error level, annotated with its channel. */
export const layerLog: Layer.Layer<Notifier> = Layer.succeed(Notifier, {
  alert: (message, channel) =>
    Effect.logError(message).pipe(Effect.annotateLogs({ alert: true, channel: channel ?? "default" }))
})
