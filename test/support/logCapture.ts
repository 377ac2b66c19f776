/**
 * Collects every log line (message, annotations and the pretty-printed cause) so tests can assert
 * what was, and what was not, written.
 */
import { Cause, Effect, HashMap, Layer, Logger, LogLevel, Ref } from "effect"

export interface CapturedLog {
  readonly level: string
  readonly message: string
  readonly annotations: Record<string, unknown>
  readonly cause: string
  /** Everything above in one string, for "is this secret anywhere" checks. */
  readonly text: string
}

const show = (value: unknown): string => {
  if (typeof value === "string") return value
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/**
 * A logger layer that records into `ref`, replacing the default logger, at every level (debug
 * included) so that nothing escapes the check.
 */
export const captureLogs = (ref: Ref.Ref<ReadonlyArray<CapturedLog>>): Layer.Layer<never> =>
  Layer.merge(
    Logger.replace(
      Logger.defaultLogger,
      Logger.make(({ annotations, cause, logLevel, message }) => {
        const messages = Array.isArray(message) ? message : [message]
        const entry = {
          level: logLevel.label,
          message: messages.map(show).join(" "),
          annotations: Object.fromEntries(HashMap.toEntries(annotations)),
          cause: Cause.isEmpty(cause) ? "" : Cause.pretty(cause, { renderErrorCause: true })
        }
        const text = `${entry.level} ${entry.message} ${show(entry.annotations)} ${entry.cause}`
        Ref.update(ref, (all) => [...all, { ...entry, text }]).pipe(Effect.runSync)
      })
    ),
    Logger.minimumLogLevel(LogLevel.All)
  )

/** A fresh log store and the layer that fills it. */
export const makeLogCapture = Effect.map(Ref.make<ReadonlyArray<CapturedLog>>([]), (ref) => ({
  logs: Ref.get(ref),
  layer: captureLogs(ref)
}))
