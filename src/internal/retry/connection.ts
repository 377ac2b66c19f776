/**
 * `connRetry`: the retry pipeline of a connection to a resource, with its connection logs around
 * it: "started" and "completed" at debug level, and every line of the loop annotated with the
 * resource, the action, a connection id, the service name and the process id.
 *
 * @internal
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as LogLevel from "effect/LogLevel"
import { afterFailure } from "./loop.js"
import type { Planned } from "./plan.js"
import { logsAt } from "./report.js"
import { type After, type Around, firstAttempt, Pipeline, run, combinator as runCombinator } from "./run.js"

/** The service name in connection logs: config `SERVICE_NAME`, default `"unknown"`. */
const serviceName = /*#__PURE__*/ Config.string("SERVICE_NAME").pipe(
  Config.withDefault("unknown"),
  Effect.orElseSucceed(() => "unknown")
)

const pid = ((): number => {
  const process = (globalThis as { process?: { pid?: unknown } }).process
  return typeof process?.pid === "number" ? process.pid : -1
})()

/** A short id unique to one `connRetry` combinator, logged with each of its lines. */
const connectionId = (): string => {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto
  return typeof crypto?.randomUUID === "function"
    ? crypto.randomUUID().slice(0, 8)
    : Math.floor(Math.random() * 0x100000000)
        .toString(16)
        .padStart(8, "0")
}

/** The pipeline of one `connRetry` combinator: its loop, and the connection its logs name. */
export class Connection<E, R> extends Pipeline<E, R> {
  /** Made on first use: a combinator built per call and never failing costs no id. */
  id: string | undefined = undefined

  constructor(
    readonly resourceName: string,
    readonly actionName: string,
    planned: Planned<E, R>
  ) {
    super(planned, annotatedAfter)
  }
}

const label = (connection: Connection<any, any>): string =>
  `${connection.resourceName} ${connection.actionName}`

const annotated = <A, E, R>(connection: Connection<any, any>, effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(serviceName, (service) => {
    connection.id ??= connectionId()
    return Effect.annotateLogs(effect, {
      resource: connection.resourceName,
      action: connection.actionName,
      connectionId: connection.id,
      service,
      pid
    })
  })

/** The loop after a first failure, its lines annotated: the failure path of a quiet run. */
const annotatedAfter: After = (pipeline, self, first, span) =>
  annotated(pipeline as Connection<any, any>, afterFailure(pipeline, self, first, span))

/**
 * A run of a connection: with debug logs off (the default) a call that succeeds at once logs
 * nothing, so it costs one `catchAllCause`; the config read and the annotations are paid after a
 * failure only. With debug logs on, "started" and "completed" around the whole run, annotated.
 */
const logged: Around = (pipeline, self, once, fiber, span) => {
  if (!logsAt(fiber, LogLevel.Debug)) return run(pipeline, once, fiber.currentContext)
  const connection = pipeline as Connection<any, any>
  return annotated(
    connection,
    Effect.logDebug(`${label(connection)} started`).pipe(
      Effect.zipRight(run(pipeline, firstAttempt(pipeline, self, afterFailure, span), fiber.currentContext)),
      Effect.tap(() => Effect.logDebug(`${label(connection)} completed successfully`))
    )
  )
}

/** The combinator of `connection`. */
export const combinator = <E, R2>(connection: Connection<E, R2>) => runCombinator(connection, logged)
