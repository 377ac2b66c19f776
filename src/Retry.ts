/**
 * Retry combinators with exponential backoff and a rate-limited alert when an operation keeps
 * failing.
 *
 * @since 0.1.0
 */
import { Cause, Config, type Duration, Effect, LogLevel, Schedule } from "effect"
import * as Alert from "./internal/alert.js"
import * as Describe from "./internal/describe.js"
import * as Options from "./internal/options.js"
import * as Policy from "./internal/retryPolicy.js"

/**
 * The services a retry with alerting needs.
 *
 * @since 0.1.0
 * @category models
 */
export type Requirements = Policy.Requirements

/**
 * Options of {@link retry}.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryOptions<E = unknown> extends Policy.PlanOptions<E> {
  /** The operation's name, used in logs, alerts and the alert signature. */
  readonly name: string
  /** Free text that tells where the operation runs; part of the alert signature. Default `""`. */
  readonly context?: string | undefined
  /** Every attempt counts, the first one included. Default 5. */
  readonly maxAttempts?: number | undefined
  /** Longest wait between two attempts, jitter included. Default `"30 seconds"`. */
  readonly maxWait?: Duration.DurationInput | undefined
  /** Retries only the failures for which this returns `true` (the original's `exclude_exceptions`). */
  readonly while?: ((error: E) => boolean) | undefined
}

/**
 * The largest `maxAttempts` accepted: one less than 2^31.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_ATTEMPTS_LIMIT: number = Policy.MAX_ATTEMPTS_LIMIT

/**
 * Retries typed failures of an effect with {@link Backoff.exponential} backoff, up to
 * `maxAttempts` attempts in all. It is `Effect.retry` with a composed `Schedule` (exponential
 * intersected with recurs). Logs a warning before each retry and an error when it gives up,
 * then fails with the original error, unchanged.
 *
 * When attempt number {@link Alert.EXCESSIVE_RETRY_THRESHOLD} (50) fails and another attempt
 * will follow, it sends {@link Alert.sendCriticalRetryAlert} as a side effect: rate limited by
 * the `AlertLimiter`, so many loops failing the same way send one alert.
 *
 * Defects and interruptions are not retried; interrupting the fiber during a backoff ends it at
 * once. Failures for which `while` returns `false` are not retried. Throws
 * {@link InvalidOptionError} when an option is invalid.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AlertLimiter, Notifier, Retry } from "effect-retry-alerts"
 *
 * declare const charge: Effect.Effect<string, Error>
 *
 * const program = charge.pipe(
 *   Retry.retry({ name: "charge", context: "billing", maxAttempts: 60, maxWait: "10 seconds" }),
 *   Effect.provide([AlertLimiter.layer, Notifier.layerLog])
 * )
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const retry: {
  <E = unknown>(
    options: RetryOptions<E>
  ): <A, E2 extends E, R>(self: Effect.Effect<A, E2, R>) => Effect.Effect<A, E2, R | Requirements>
  <A, E, R>(self: Effect.Effect<A, E, R>, options: RetryOptions<E>): Effect.Effect<A, E, R | Requirements>
} = function (this: unknown) {
  // biome-ignore lint/complexity/noArguments: dual data-first / data-last overloads
  const args = arguments
  if (Effect.isEffect(args[0])) return make(args[1])(args[0])
  return make(args[0])
} as any

/**
 * Builds the combinator of {@link retry}, validating the options now.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Retry } from "effect-retry-alerts"
 *
 * declare const charge: Effect.Effect<string, Error>
 * const withRetry = Retry.make({ name: "charge", maxAttempts: 10 }) // throws here on a bad option
 * const retried = withRetry(charge)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <E = unknown>(
  options: RetryOptions<E>
): (<A, E2 extends E, R>(self: Effect.Effect<A, E2, R>) => Effect.Effect<A, E2, R | Requirements>) => {
  const resolved = Policy.resolve(options, { maxAttempts: 5 })
  return Policy.retryWith({
    ...resolved,
    logGiveUp: true,
    alert: (attempt, error) => Alert.sendCriticalRetryAlert(resolved.name, attempt, error, resolved.context)
  })
}

/**
 * `retry({ name, maxAttempts: 5 })`: the original's `func_retry`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Retry } from "effect-retry-alerts"
 *
 * declare const loadProfile: Effect.Effect<string, Error>
 * const retried = loadProfile.pipe(Retry.funcRetry("loadProfile"))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const funcRetry = (
  name: string
): (<A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R | Requirements>) =>
  make({ name, maxAttempts: 5 })

/**
 * Options of {@link connRetry}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnRetryOptions {
  /** Retries after the first attempt: `maxRetry + 1` attempts in all. Default 100. */
  readonly maxRetry?: number | undefined
  /** Longest wait between two attempts, jitter included. Default `"30 seconds"`. */
  readonly maxWait?: Duration.DurationInput | undefined
  /** The operation's name in logs and alerts. Default `actionName`. */
  readonly name?: string | undefined
}

const serviceName = Config.string("SERVICE_NAME").pipe(
  Config.withDefault("unknown"),
  Effect.orElseSucceed(() => "unknown")
)

const pid = typeof process === "object" && typeof process?.pid === "number" ? process.pid : -1

/**
 * Retries a connection to a resource: the original's `conn_retry`. `maxRetry + 1` attempts in
 * all, with {@link Backoff.exponential} backoff. Logs "started" and "completed" at debug level
 * (a hot path pays nothing for them under the default Info minimum), a warning per retry and
 * "failed after retries" at error level, all annotated with the resource, the action, a connection id unique to this combinator,
 * the service name (config `SERVICE_NAME`, default `"unknown"`) and the process id. When attempt
 * 50 fails it sends an infrastructure alert with context `"{resourceName}_infrastructure"`.
 *
 * Throws {@link InvalidOptionError} when an option is invalid.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AlertLimiter, Notifier, Retry } from "effect-retry-alerts"
 *
 * declare const connect: Effect.Effect<void, Error>
 *
 * const program = connect.pipe(
 *   Retry.connRetry("postgres", "connect", { maxRetry: 10, maxWait: "5 seconds" }),
 *   Effect.provide([AlertLimiter.layer, Notifier.layerLog])
 * )
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const connRetry = (
  resourceName: string,
  actionName: string,
  options: ConnRetryOptions = {}
): (<A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R | Requirements>) => {
  Options.name("resourceName", resourceName)
  Options.name("actionName", actionName)
  const maxRetry = Options.wholeNumber("maxRetry", options.maxRetry ?? 100, 0, MAX_ATTEMPTS_LIMIT - 1)
  const name = Options.name("name", options.name ?? actionName)
  const maxAttempts = maxRetry + 1
  const continueAfter = Policy.continueWith<unknown>({
    name,
    maxAttempts,
    maxWait: Options.duration("maxWait", options.maxWait ?? "30 seconds"),
    shouldRetry: () => true,
    logGiveUp: false,
    alert: (attempt, error) =>
      Alert.sendInfrastructureAlert({ resourceName, actionName, name, attempt, maxAttempts, error })
  })
  const connectionId = globalThis.crypto.randomUUID().slice(0, 8)
  const label = `${resourceName} ${actionName}`
  const annotated = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.flatMap(serviceName, (service) =>
      Effect.annotateLogs(effect, { resource: resourceName, action: actionName, connectionId, service, pid })
    )
  const started = Effect.logDebug(`${label} started`)
  const completed = Effect.logDebug(`${label} completed successfully`)
  const failed = (error: unknown) =>
    Effect.logError(`${label} failed after retries (${maxAttempts} attempts): ${Describe.summary(error)}`)
  return <A, E, R>(self: Effect.Effect<A, E, R>) => {
    const retryAfter = (first: E) => Effect.tapError(continueAfter(self, first), failed)
    // With debug logs on, every call logs "started" and "completed", annotated.
    const verbose = annotated(
      started.pipe(
        Effect.zipRight(Effect.catchAll(self, retryAfter)),
        Effect.tap(() => completed)
      )
    )
    // With debug logs off (the default) a call that succeeds at once logs nothing, so it costs
    // one `catchAll`; the config read and the annotations are paid after a failure only.
    const quiet = Effect.catchAll(self, (first) => annotated(retryAfter(first)))
    return Effect.withFiberRuntime<A, E, R | Requirements>((fiber) =>
      Policy.logsAt(fiber, LogLevel.Debug) ? verbose : quiet
    )
  }
}

/**
 * Options of {@link continuous}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ContinuousOptions {
  /** The operation's name, used in logs. */
  readonly name: string
  /** Fixed wait between two attempts. Default `"1 second"`. */
  readonly retryDelay?: Duration.DurationInput | undefined
}

/**
 * Retries typed failures forever at a fixed delay: the original's `continuous_retry`. Each
 * failure is logged as a warning, every 10th at error level with its cause. It ends only with
 * success, a defect or interruption, so its error type is `never`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Retry } from "effect-retry-alerts"
 *
 * declare const consumeQueue: Effect.Effect<never, Error>
 * const worker = consumeQueue.pipe(Retry.continuous({ name: "consumeQueue", retryDelay: "5 seconds" }))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const continuous = (
  options: ContinuousOptions
): (<A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, never, R>) => {
  const name = Options.name("name", options?.name)
  const retryDelay = Options.duration("retryDelay", options.retryDelay ?? "1 second")
  const schedule = Schedule.spaced(retryDelay).pipe(
    Schedule.intersect(Schedule.identity<unknown>()),
    Schedule.tapOutput(([count, error]) => {
      const failures = count + 1
      const text = `${name} failed (${failures} failures so far); retrying in ${Describe.duration(retryDelay)}: ${Describe.summary(error)}`
      const log = failures % 10 === 0 ? Effect.logError(text, Cause.fail(error)) : Effect.logWarning(text)
      return Effect.annotateLogs(log, { operation: name, failures })
    })
  )
  // The schedule never ends, so the fallback can only be reached by a broken invariant.
  return (self) => Effect.retryOrElse(self, schedule, (error) => Effect.die(error))
}

export {
  /**
   * @since 0.1.0
   * @category errors
   */
  InvalidOptionError
} from "./internal/options.js"
