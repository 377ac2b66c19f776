import { Cause, HashMap, Layer, Logger, LogLevel } from "effect"

/** One captured log line. */
export interface LogLine {
  readonly level: string
  readonly message: string
  readonly annotations: Record<string, unknown>
  readonly cause: string
}

/**
 * A logger that records every line into `lines`, for tests that assert on logs. `@effect/vitest`
 * removes the default logger, so this one is added rather than replacing it.
 */
export const captureLogs = () => {
  const lines: Array<LogLine> = []
  const logger = Logger.make(({ logLevel, message, annotations, cause }) => {
    const parts = Array.isArray(message) ? message : [message]
    lines.push({
      level: logLevel.label,
      message: parts.map((part) => (typeof part === "string" ? part : String(part))).join(" "),
      annotations: Object.fromEntries(HashMap.toEntries(annotations)),
      cause: Cause.isEmpty(cause) ? "" : Cause.pretty(cause)
    })
  })
  const layer = Layer.merge(Logger.add(logger), Logger.minimumLogLevel(LogLevel.All))
  return { lines, layer }
}
