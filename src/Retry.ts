/**
 * Retry combinators with exponential backoff and a rate-limited alert when an operation keeps
 * failing, and the policy behind them as a `Schedule` of your own to compose.
 *
 * @since 0.1.0
 */
import { Cause, type Duration, Effect, type Fiber, LogLevel, Schedule } from "effect"
import * as Alert from "./internal/alert.js"
import { RetryBudget, type RetryBudgetService } from "./internal/budget.js"
import * as Describe from "./internal/describe.js"
import * as Http from "./internal/http.js"
import * as Options from "./internal/options.js"
import * as Policy from "./internal/retryPolicy.js"
import * as RetrySchedule from "./internal/schedule.js"

/**
 * The services a retry with alerting needs: an `AlertLimiter` and a `Notifier`. A `RetryBudget`
 * is used when provided, and is not required.
 *
 * @since 0.1.0
 * @category models
 */
export type Requirements = Policy.Requirements

/**
 * When a retry loop alerts: when the failing attempt number reaches `attempts`, or when the
 * operation has been failing for `after` (Clock time since its first failure, checked at each
 * failure), whichever comes first; at most once per loop; only if another attempt will follow.
 *
 * @since 0.2.0
 * @category models
 */
export interface AlertAt {
  /** The failing attempt number that alerts. */
  readonly attempts?: number | undefined
  /** How long after the loop's first failure a failure alerts. */
  readonly after?: Duration.DurationInput | undefined
}

/**
 * Options of {@link retry} and {@link policy}.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryOptions<E = unknown> {
  /** The operation's name, used in logs, alerts and the alert signature. Not blank. */
  readonly name: string
  /** Free text that tells where the operation runs; part of the alert signature. Default `""`. */
  readonly context?: string | undefined
  /** Every attempt counts, the first one included. Default 5. */
  readonly maxAttempts?: number | undefined
  /** Longest wait between two attempts, jitter included, of the default backoff. Default `"30 seconds"`. */
  readonly maxWait?: Duration.DurationInput | undefined
  /** Retries only the failures for which this returns `true` (the original's `exclude_exceptions`). */
  readonly while?: ((error: E) => boolean) | undefined
  /**
   * Your own schedule in place of {@link Backoff.exponential} (`maxWait` then does not apply):
   * `maxAttempts`, `while`, `maxElapsed`, `retryAfter`, the logs and the alert still apply on top,
   * and the warning says the delay your schedule chose. It ends the loop if it ends.
   */
  readonly schedule?: Schedule.Schedule<unknown, E> | undefined
  /** When to alert. Default `{ attempts: 50 }` (the original's threshold). */
  readonly alertAt?: AlertAt | undefined
  /**
   * The loop's deadline, counted from its first failure (as `Schedule.upTo` counts): no wait
   * starts that would end past it (tenacity's `stop_before_delay`). The loop then gives up with the
   * original error and logs why.
   */
  readonly maxElapsed?: Duration.DurationInput | undefined
  /**
   * A wait the failure asks for (a server's `Retry-After`; see {@link httpRetryAfter}): it replaces
   * the backoff's delay for that retry, may exceed `maxWait`, is cut to `maxRetryAfter`, and never
   * passes `maxElapsed`. `now` is the Clock's time of the failure, for dates. A function that
   * throws or returns something unreadable asks for nothing.
   */
  readonly retryAfter?: ((error: E, now: number) => Duration.DurationInput | undefined) | undefined
  /** The longest `retryAfter` honoured, so a hostile header can't park a fiber for days. Default 5 minutes. */
  readonly maxRetryAfter?: Duration.DurationInput | undefined
  /** The retry budget's key (a dependency). Default: `context`, else `name`. */
  readonly budgetKey?: string | undefined
}

/**
 * The largest `maxAttempts` accepted: one less than 2^31.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_ATTEMPTS_LIMIT: number = Policy.MAX_ATTEMPTS_LIMIT

/**
 * The longest server-requested wait honoured when `maxRetryAfter` is not given: 5 minutes.
 *
 * @since 0.2.0
 * @category constants
 */
export const DEFAULT_MAX_RETRY_AFTER: Duration.Duration = Policy.DEFAULT_MAX_RETRY_AFTER

const retryDefaults: Policy.Defaults = {
  maxAttempts: 5,
  alertAttempts: Alert.EXCESSIVE_RETRY_THRESHOLD,
  subject: { _tag: "Operation" },
  logGiveUp: true
}

/**
 * The policy of {@link retry} as a `Schedule`, to use with `Effect.retry` and compose with
 * `Schedule.upTo`, `Schedule.union`, `Schedule.compose`...: the backoff (or your `schedule`) within
 * `maxAttempts`, `while`, `maxElapsed` and `retryAfter`, with the warning log, the metrics, the
 * alert and the retry budget tapped onto each decision. `Effect.retry(effect, Retry.policy(options))`
 * makes the same attempts, logs and alert as `effect.pipe(Retry.retry(options))`.
 *
 * What only {@link retry} does: a success resolves the operation's open incidents, first attempts
 * deposit into the retry budget, the original error object comes back unwrapped from the loop's
 * span, and nothing is built until the first failure.
 *
 * Throws {@link InvalidOptionError} when an option is invalid.
 *
 * @example
 * ```ts
 * import { Effect, Schedule } from "effect"
 * import { AlertLimiter, Notifier, Retry } from "effect-retry-alerts"
 *
 * const charge: Effect.Effect<string, Error> = Effect.succeed("receipt") // your call
 *
 * // At most 10 attempts, and never retry past 2 minutes.
 * const program = Effect.retry(
 *   charge,
 *   Retry.policy({ name: "charge", maxAttempts: 10 }).pipe(Schedule.upTo("2 minutes"))
 * ).pipe(Effect.provide([AlertLimiter.layer, Notifier.layerLog]))
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const policy = <E = unknown>(options: RetryOptions<E>): Schedule.Schedule<unknown, E, Requirements> =>
  Policy.policy(Policy.resolve(options, retryDefaults))

/**
 * Retries typed failures of an effect with {@link Backoff.exponential} backoff (or your
 * `schedule`), up to `maxAttempts` attempts in all: `Effect.retry` with the {@link policy}. Logs
 * a warning before each retry and an error when it gives up, then fails with the original error,
 * unchanged.
 *
 * When the loop reaches `alertAt` (default: attempt 50 fails and another attempt will follow), it
 * sends {@link Alert.sendCriticalRetryAlert}: rate limited by the `AlertLimiter`, so many loops
 * failing the same way send one alert, which opens an incident. The first success of the operation
 * afterwards (in any loop) resolves it. With a `RetryBudget` provided, first attempts deposit and
 * retries withdraw; a refused retry gives up at once.
 *
 * Defects and interruptions are not retried; interrupting the fiber during a backoff ends it at
 * once. Building it costs a few checks: build it where the call is made, or once. Throws
 * {@link InvalidOptionError} when an option is invalid.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AlertLimiter, Notifier, Retry } from "effect-retry-alerts"
 *
 * const fetchUser = (id: string): Effect.Effect<string, Error> => Effect.succeed(`user ${id}`) // your call
 *
 * const getUser = (id: string) =>
 *   fetchUser(id).pipe(Retry.retry({ name: "getUser", context: "accounts", alertAt: { after: "2 minutes" } }))
 * const program = getUser("42").pipe(Effect.provide([AlertLimiter.layer, Notifier.layerLog]))
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
} = ((first: any, options?: RetryOptions<any>) =>
  // Data-first when the options come second: no type test on the hot path.
  options === undefined ? make(first) : make(options)(first)) as any

/**
 * Builds the combinator of {@link retry}, validating the options now.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Retry } from "effect-retry-alerts"
 *
 * const charge: Effect.Effect<string, Error> = Effect.succeed("receipt") // your call
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
  if (!Policy.isPlain(options) || (options.context !== undefined && typeof options.context !== "string")) {
    return Policy.retryWith(options, retryDefaults)
  }
  const name = Options.name("name", options.name)
  return plainRetries(
    options.context ?? "",
    name,
    () => Policy.retryWith(options, retryDefaults) as Combinator
  ) as any
}

type Combinator = <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R | Requirements>

const plainRetries = Policy.memo<Combinator>()
const plainConnections = Policy.memo<Combinator>()

/**
 * `retry({ name, maxAttempts: 5 })`: the original's `func_retry`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Retry } from "effect-retry-alerts"
 *
 * const loadProfile: Effect.Effect<string, Error> = Effect.succeed("profile") // your call
 * const retried = loadProfile.pipe(Retry.funcRetry("loadProfile"))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const funcRetry = (
  name: string
): (<A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R | Requirements>) => make({ name })

/**
 * Options of {@link connRetry}: those of {@link retry} but `maxAttempts`, `context` and `while`
 * (a connection retries every failure, and its context is its resource).
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnRetryOptions<E = unknown>
  extends Omit<RetryOptions<E>, "name" | "maxAttempts" | "context" | "while"> {
  /** Retries after the first attempt: `maxRetry + 1` attempts in all. Default 100. */
  readonly maxRetry?: number | undefined
  /** The operation's name in logs and alerts. Default `actionName`. */
  readonly name?: string | undefined
}

const noOptions: ConnRetryOptions<any> = {}

const pid = ((): number => {
  const process = (globalThis as { process?: { pid?: unknown } }).process
  return typeof process?.pid === "number" ? process.pid : -1
})()

/** A short id unique to one `connRetry` combinator, as the original's connection id. */
const connectionId = (): string => {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto
  return typeof crypto?.randomUUID === "function"
    ? crypto.randomUUID().slice(0, 8)
    : Math.floor(Math.random() * 0x100000000)
        .toString(16)
        .padStart(8, "0")
}

/**
 * Retries a connection to a resource: the original's `conn_retry`. `maxRetry + 1` attempts in
 * all, with {@link Backoff.exponential} backoff. Logs "started" and "completed" at debug level
 * (a hot path pays nothing for them under the default Info minimum), a warning per retry and
 * "failed after retries" at error level, all annotated with the resource, the action, a connection
 * id unique to this combinator, the service name (config `SERVICE_NAME`, default `"unknown"`) and
 * the process id. At `alertAt` (default attempt 50) it sends an infrastructure alert with context
 * `"{resourceName}_infrastructure"`. The retry budget's key is the resource.
 *
 * Throws {@link InvalidOptionError} when an option is invalid.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AlertLimiter, Notifier, Retry } from "effect-retry-alerts"
 *
 * const connect: Effect.Effect<void, Error> = Effect.void // your call
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
export const connRetry = <E = unknown>(
  resourceName: string,
  actionName: string,
  options: ConnRetryOptions<E> = noOptions
): (<A, E2 extends E, R>(self: Effect.Effect<A, E2, R>) => Effect.Effect<A, E2, R | Requirements>) => {
  Options.name("resourceName", resourceName)
  Options.name("actionName", actionName)
  if (options === null || typeof options !== "object") {
    throw new Options.InvalidOptionError({ option: "options", reason: "must be an object" })
  }
  const maxRetry =
    options.maxRetry === undefined
      ? 100
      : Options.wholeNumber("maxRetry", options.maxRetry, 0, MAX_ATTEMPTS_LIMIT - 1)
  if (maxRetry === 100 && options.name === undefined && isPlainConnection(options)) {
    return plainConnections(
      resourceName,
      actionName,
      () => connectionCombinator(new Connection(resourceName, actionName, options, maxRetry)) as Combinator
    ) as any
  }
  return connectionCombinator(new Connection<E>(resourceName, actionName, options, maxRetry))
}

const connectionCombinator =
  <E>(connection: Connection<E>) =>
  <A, E2 extends E, R>(self: Effect.Effect<A, E2, R>): Effect.Effect<A, E2, R | Requirements> => {
    const own = connection as unknown as Connection<E2>
    const quiet = quietAttempt(own, self)
    return Effect.withFiberRuntime<A, E2, R | Requirements>((fiber) => runConnection(own, self, quiet, fiber))
  }

/**
 * One `connRetry` combinator: what `Policy.run` needs, made when first needed. Its behaviour
 * lives in module-level functions, not in closures: a combinator built at each call costs this
 * one object.
 */
class Connection<E> implements Policy.Source<E> {
  private built: Policy.Plan<E> | undefined
  schedule: Schedule.Schedule<unknown, E, Requirements> | undefined = undefined
  /** Made on first use: a combinator built per call and never failing costs no id. */
  id: string | undefined = undefined

  constructor(
    readonly resourceName: string,
    readonly actionName: string,
    readonly options: ConnRetryOptions<E>,
    readonly maxRetry: number
  ) {
    // Options beyond the usual are checked now, by building the plan.
    if (!isPlainConnection(options)) this.built = this.resolve()
    else if (options.name !== undefined) Options.name("name", options.name)
  }

  private resolve(): Policy.Plan<E> {
    const options = this.options
    return Policy.resolve<E>(
      {
        name: options.name ?? this.actionName,
        maxWait: options.maxWait,
        schedule: options.schedule,
        alertAt: options.alertAt,
        maxElapsed: options.maxElapsed,
        retryAfter: options.retryAfter,
        maxRetryAfter: options.maxRetryAfter,
        budgetKey: options.budgetKey
      },
      {
        maxAttempts: this.maxRetry + 1,
        alertAttempts: Alert.EXCESSIVE_RETRY_THRESHOLD,
        subject: { _tag: "Connection", resourceName: this.resourceName, actionName: this.actionName },
        logGiveUp: false
      }
    )
  }

  get plan(): Policy.Plan<E> {
    this.built ??= this.resolve()
    return this.built
  }

  get budgetKey(): string {
    return this.built?.budgetKey ?? this.resourceName
  }

  get context(): string {
    return this.built?.context ?? `${this.resourceName}_infrastructure`
  }

  get name(): string {
    return this.options.name ?? this.actionName
  }
}

/** Whether a connection's options hold nothing beyond a name and `maxRetry`: those of a retry. */
const isPlainConnection = (options: ConnRetryOptions<any>): boolean =>
  Policy.isPlain(options as Policy.PolicyOptions<any>)

const label = (connection: Connection<any>): string => `${connection.resourceName} ${connection.actionName}`

const annotated = <A, E, R>(connection: Connection<any>, effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Policy.serviceName, (service) => {
    connection.id ??= connectionId()
    return Effect.annotateLogs(effect, {
      resource: connection.resourceName,
      action: connection.actionName,
      connectionId: connection.id,
      service,
      pid
    })
  })

/** The loop after a first failure, with its final failure logged. */
const afterConnection = <A, E, R>(
  connection: Connection<any>,
  compiled: Policy.Source<E>,
  self: Effect.Effect<A, E, R>,
  first: E
) =>
  Effect.tapError(Policy.continueAfter(compiled, self, first), (error) =>
    Effect.logError(
      `${label(connection)} failed after retries (${compiled.plan.maxAttempts} attempts): ${Describe.summary(error)}`
    )
  )

const runConnection = <A, E, R>(
  connection: Connection<E>,
  self: Effect.Effect<A, E, R>,
  quiet: Effect.Effect<A, E, R | Requirements>,
  fiber: Fiber.RuntimeFiber<unknown, unknown>
): Effect.Effect<A, E, R | Requirements> => {
  // With debug logs off (the default) a call that succeeds at once logs nothing, so it costs one
  // `catchAll`; the config read and the annotations are paid after a failure only.
  if (!Policy.logsAt(fiber, LogLevel.Debug)) return Policy.run(connection, quiet, fiber)
  const verbose = Policy.attempt(connection, self, (compiled, self, first) =>
    afterConnection(connection, compiled, self, first)
  )
  return annotated(
    connection,
    Effect.logDebug(`${label(connection)} started`).pipe(
      Effect.zipRight(Policy.run(connection, verbose, fiber)),
      Effect.tap(() => Effect.logDebug(`${label(connection)} completed successfully`))
    )
  )
}

/** The attempt of a connection when debug logs are off: only its failure path is annotated. */
const quietAttempt = <A, E, R>(connection: Connection<E>, self: Effect.Effect<A, E, R>) =>
  Policy.attempt(connection, self, (compiled, self, first) =>
    annotated(connection, afterConnection(connection, compiled, self, first))
  )

/**
 * Options of {@link continuous}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ContinuousOptions {
  /** The operation's name, used in logs. Not blank. */
  readonly name: string
  /** Fixed wait between two attempts. Default `"1 second"`. */
  readonly retryDelay?: Duration.DurationInput | undefined
  /** Where it runs; part of the alert signature. Default `""`. */
  readonly context?: string | undefined
  /** When to alert. Default: never (a worker that retries forever decides for itself). */
  readonly alertAt?: AlertAt | undefined
  /** The retry budget's key. Default: `context`, else `name`. */
  readonly budgetKey?: string | undefined
}

/**
 * Retries typed failures forever at a fixed delay: the original's `continuous_retry`. Each
 * failure is logged as a warning, every 10th at error level with its cause. It ends only with
 * success, a defect or interruption, so its error type is `never`.
 *
 * With `alertAt` it alerts once per loop, like {@link retry}, and its success resolves the alert.
 * A retry budget never ends it: an attempt the budget refuses is skipped (the function is not
 * called) and the loop waits its delay again.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Retry } from "effect-retry-alerts"
 *
 * const consumeQueue: Effect.Effect<never, Error> = Effect.never // your consumer loop
 * const worker = consumeQueue.pipe(
 *   Retry.continuous({ name: "consumeQueue", retryDelay: "5 seconds", alertAt: { after: "10 minutes" } })
 * )
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const continuous: {
  (
    options: ContinuousOptions & { readonly alertAt: AlertAt }
  ): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, never, R | Requirements>
  (options: ContinuousOptions): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, never, R>
} = (options: ContinuousOptions) => {
  const plan = Policy.resolve<unknown>(
    {
      name: options?.name,
      context: options.context,
      alertAt: options.alertAt,
      budgetKey: options.budgetKey
    },
    {
      maxAttempts: Number.POSITIVE_INFINITY,
      alertAttempts: undefined,
      subject: { _tag: "Operation" },
      logGiveUp: false
    }
  )
  const retryDelay = Options.duration("retryDelay", options.retryDelay ?? "1 second")
  const delayText = Describe.duration(retryDelay)
  const { name, context, budgetKey } = plan
  // Without `alertAt` it never alerts, so it needs neither a limiter nor a notifier.
  const alerts = options.alertAt !== undefined
  return <A, E, R>(self: Effect.Effect<A, E, R>) =>
    Effect.withFiberRuntime<A, never, R | Requirements>((fiber) => {
      const budget = fiber.currentContext.unsafeMap.get(RetryBudget.key) as RetryBudgetService | undefined
      if (budget !== undefined) budget.deposit(budgetKey)
      // Per loop: whether the budget refused the next attempt, so that it is skipped.
      let skipNext = false
      let failures = 0
      const attempt = Effect.suspend(() => (skipNext ? Effect.fail(skipped) : self))
      const schedule = RetrySchedule.limit(Schedule.spaced(retryDelay), {
        maxAttempts: Number.POSITIVE_INFINITY,
        alertAttempts: plan.alertAttempts,
        alertAfterMillis: plan.alertAfterMillis
      }).pipe(
        Schedule.tapOutput((step): Effect.Effect<void, never, Requirements> => {
          const wasSkipped = step.input === skipped
          skipNext = budget !== undefined && !budget.tryWithdraw(budgetKey)
          const refusal = skipNext
            ? Effect.logWarning(
                `${name}: the retry budget for ${budgetKey} is exhausted; the next attempt is skipped, trying again in ${delayText}`
              ).pipe(
                Effect.annotateLogs({ operation: name, budgetKey }),
                Effect.zipRight(
                  alerts ? Effect.asVoid(Policy.alertBudget(budget!, budgetKey, step.startedAt)) : Effect.void
                )
              )
            : Effect.void
          if (wasSkipped) return refusal
          failures++
          const text = `${name} failed (${failures} failures so far); retrying in ${delayText}: ${Describe.summary(step.input)}`
          const log =
            failures % 10 === 0 ? Effect.logError(text, Cause.fail(step.input)) : Effect.logWarning(text)
          const alert = step.alert
            ? Alert.sendCriticalRetryAlert(name, step.attempt, step.input, context, {
                threshold: plan.alertAttempts ?? step.attempt,
                startedAt: step.startedAt,
                now: step.now
              })
            : Effect.void
          return Effect.zipRight(
            Effect.annotateLogs(log, { operation: name, failures }),
            Effect.zipRight(alert, refusal)
          )
        })
      )
      // The schedule never ends, so the fallback can only be reached by a broken invariant.
      const loop = Effect.retryOrElse(attempt, schedule, (error) => Effect.die(error))
      return alerts ? Effect.tap(loop, () => Policy.resolveIfOpen(context, name)) : loop
    }) as Effect.Effect<A, never, R>
}

/** The failure of an attempt skipped because the retry budget refused it. */
const skipped: unknown = Symbol.for("effect-retry-alerts/skipped-attempt")

/**
 * Whether an `@effect/platform` HTTP client error (or an `Effect.timeout`) is worth another try:
 * transport errors, timeouts, and the statuses 408, 429, 500, 502, 503 and 504. For `while`.
 *
 * @example
 * ```ts
 * import { HttpClient } from "@effect/platform"
 * import { Effect } from "effect"
 * import { Retry } from "effect-retry-alerts"
 *
 * // Non-2xx answers fail with a ResponseError, that the helpers read.
 * const getPrice = Effect.flatMap(HttpClient.HttpClient, (client) =>
 *   client.pipe(HttpClient.filterStatusOk).get("https://prices.example.com/acme")
 * ).pipe(Retry.retry({ name: "getPrice", while: Retry.isTransientHttpError, retryAfter: Retry.httpRetryAfter }))
 * ```
 *
 * @since 0.2.0
 * @category http
 */
export const isTransientHttpError: (error: unknown) => boolean = Http.isTransient

/**
 * The wait an `@effect/platform` response error's `Retry-After` header asks for: delta-seconds,
 * or an HTTP date (measured from the response's `Date` header, else from `now`). For `retryAfter`.
 * `undefined` for anything else, and for a header it cannot read.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Retry } from "effect-retry-alerts"
 *
 * const call: Effect.Effect<string, Error> = Effect.succeed("ok") // your HTTP call
 * const honoured = call.pipe(Retry.retry({ name: "call", retryAfter: Retry.httpRetryAfter }))
 * ```
 *
 * @since 0.2.0
 * @category http
 */
export const httpRetryAfter: (error: unknown, now: number) => Duration.Duration | undefined = Http.retryAfter

export {
  /**
   * Thrown synchronously when a combinator or layer is built with an invalid option; `option`
   * names the offending option.
   *
   * @since 0.1.0
   * @category errors
   */
  InvalidOptionError
} from "./internal/options.js"
