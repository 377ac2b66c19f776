/**
 * Collects every log line (message, annotations and the pretty-printed cause) so tests can assert
 * what was, and what was not, written.
 */
import { Cause, Effect, HashMap, Layer, Logger, LogLevel } from "effect"

/** One captured log line. */
export interface LogLine {
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
 * A logger layer that records every line into `lines`, at every level (debug included), in place
 * of the default logger, so that nothing escapes a check.
 */
export const captureLogs = () => {
  const lines: Array<LogLine> = []
  const logger = Logger.make(({ annotations, cause, logLevel, message }) => {
    const parts = Array.isArray(message) ? message : [message]
    const line = {
      level: logLevel.label,
      message: parts.map(show).join(" "),
      annotations: Object.fromEntries(HashMap.toEntries(annotations)),
      cause: Cause.isEmpty(cause) ? "" : Cause.pretty(cause, { renderErrorCause: true })
    }
    lines.push({ ...line, text: `${line.level} ${line.message} ${show(line.annotations)} ${line.cause}` })
  })
  // Remove-and-add rather than replace: @effect/vitest has already removed the default logger.
  const layer = Layer.mergeAll(
    Logger.remove(Logger.defaultLogger),
    Logger.add(logger),
    Logger.minimumLogLevel(LogLevel.All)
  )
  return { lines, layer }
}

/** {@link captureLogs} as an effect: the lines read as an effect too. */
export const makeLogCapture = Effect.sync(() => {
  const { layer, lines } = captureLogs()
  return { logs: Effect.sync((): ReadonlyArray<LogLine> => [...lines]), layer }
})
