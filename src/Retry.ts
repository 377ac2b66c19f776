/**
 * Retry combinators with exponential backoff and a rate-limited alert when an operation keeps
 * failing, and the policy behind them as a `Schedule`.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Schedule from "effect/Schedule"
import type { AlertServices } from "./internal/alert.js"
import type { CircuitBreaker, CircuitOpen } from "./internal/circuitBreaker.js"
import * as Http from "./internal/http.js"
import * as Combinators from "./internal/retry/combinators.js"
import * as Plan from "./internal/retry/plan.js"

/**
 * The services a retry with alerting needs: an `AlertLimiter` (with its `Incidents`) and a
 * `Notifier`. A `RetryBudget` is used when provided, and is not required.
 *
 * @since 0.1.0
 * @category models
 */
export type Requirements = AlertServices

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
 * Options of {@link retry} and {@link policy}. `E` is the error of the effect retried: in pipe
 * form (`effect.pipe(Retry.retry({ while: (error) => ... }))`) `while` and `retryAfter` get it
 * without a type written, as with `Effect.retry`. `R` is what `schedule` needs: it joins the
 * requirements of the retried effect.
 *
 * @since 0.3.0
 * @category models
 */
export interface Options<E = unknown, R = never> {
  /** The operation's name, used in logs, alerts and the alert signature. Not blank. */
  readonly name: string
  /** Free text that tells where the operation runs; part of the alert signature. Default `""`. */
  readonly context?: string | undefined
  /** Every attempt counts, the first one included. Default 5. */
  readonly maxAttempts?: number | undefined
  /** Longest wait between two attempts, jitter included, of the default backoff. Default `"30 seconds"`. */
  readonly maxWait?: Duration.DurationInput | undefined
  /** Retries only the failures for which this returns `true`; the others fail at once. */
  readonly while?: ((error: E) => boolean) | undefined
  /**
   * Your own schedule in place of {@link Backoff.exponential} (`maxWait` then does not apply),
   * composed as you like (`Schedule.upTo`, `Schedule.intersect`, `Schedule.union`,
   * `Schedule.andThen`...): the loop retries when it and `maxAttempts`, `while`, `maxElapsed` and
   * the retry budget all allow it, waits what it says (or what `retryAfter` asks for), and ends
   * when it ends. The logs, the metrics and the alert say what the loop then really does.
   */
  readonly schedule?: Schedule.Schedule<unknown, E, R> | undefined
  /** When to alert. Default `{ attempts: 50 }` (`Alert.EXCESSIVE_RETRY_THRESHOLD`). */
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
 * The `breaker` option's object form.
 *
 * @since 0.3.0
 * @category models
 */
export interface Breaker {
  /** The circuit's key. Default: `connRetry`'s resource, else `context`, else `name`. */
  readonly key?: string | undefined
}

/**
 * The `breaker` option of {@link retry} and {@link connRetry}, which joins their other options.
 * With it, the loop needs a `CircuitBreaker` and may fail with its `CircuitOpen` rejection.
 *
 * @since 0.3.0
 * @category models
 */
export interface WithBreaker {
  /**
   * Runs every attempt through a circuit of the provided `CircuitBreaker` (required then): `true`
   * for the circuit named like the budget (`connRetry`'s resource, else `context`, else `name`), or
   * `{ key }`. An attempt the circuit rejects fails with `CircuitOpen`, which joins the error type;
   * it is retried no sooner than its `retryAfter` (without asking `while`, and without a
   * withdrawal from the retry budget: nothing reached the dependency), and when that wait would pass
   * `maxElapsed` the loop gives up at once with the rejection. The circuit counts as failures the
   * errors `while` retries (every error without `while`), unless the breaker has its own
   * `isFailure`. Default: no breaker.
   */
  readonly breaker: true | Breaker
}

/** Options without a breaker. */
type WithoutBreaker = { readonly breaker?: false | undefined }

/**
 * {@link Options}, under its 0.2 name.
 *
 * @since 0.1.0
 * @category models
 * @deprecated Renamed {@link Options}; this alias goes in the next minor release.
 */
export type RetryOptions<E = unknown, R = never> = Options<E, R>

/**
 * The largest `maxAttempts` accepted: one less than 2^31.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_ATTEMPTS_LIMIT: number = Plan.MAX_ATTEMPTS_LIMIT

/**
 * The longest server-requested wait honoured when `maxRetryAfter` is not given: 5 minutes.
 *
 * @since 0.2.0
 * @category constants
 */
export const DEFAULT_MAX_RETRY_AFTER: Duration.Duration = Plan.DEFAULT_MAX_RETRY_AFTER

/**
 * The policy of {@link retry} as a `Schedule`, for `Effect.retry`: the backoff (or your
 * `schedule`) within `maxAttempts`, `while`, `maxElapsed`, `retryAfter` and the retry budget,
 * with the warning log, the metrics and the alert tapped onto each decision.
 * `Effect.retry(effect, Retry.policy(options))` makes the same attempts, logs and alert as
 * `effect.pipe(Retry.retry(options))`.
 *
 * Compose through the `schedule` option, as the example does: the policy decides with your
 * composed schedule, so its logs, metrics and alert say what the loop really does. A policy
 * composed from outside (`Retry.policy(options).pipe(Schedule.upTo(...))`) still retries as the
 * composition decides, but its taps speak only for the policy's own decision: a loop that
 * `Schedule.upTo` or `Schedule.intersect` ends early ends after a warning that promised a retry,
 * with no give-up line nor metric (and an alert may come on the last attempt); one that
 * `Schedule.union` or `Schedule.andThen` carries on after the policy ended has logged a give-up
 * and goes on silently.
 *
 * What only {@link retry} does: a success resolves the operation's open incidents, first attempts
 * deposit into the retry budget, every attempt runs in the span `retry {name}` when a tracer is
 * installed (with an event per failed attempt; the original error object comes back unwrapped
 * from it), and nothing is built until the first failure.
 *
 * Throws {@link InvalidOptionError} when an option is invalid.
 *
 * @example
 * ```ts
 * import { Effect, Schedule } from "effect"
 * import { AlertLimiter, Notifier, Retry } from "effect-retry-alerts"
 *
 * let calls = 0
 * const charge = Effect.suspend(() => (++calls < 3 ? Effect.fail(new Error("HTTP 503")) : Effect.succeed("receipt")))
 *
 * // Every 10 ms, and no retry decided more than a second after the first failure: composed in
 * // `schedule`, so the warnings, the give-up line and the alert follow the composed decision.
 * const program = Effect.retry(
 *   charge,
 *   Retry.policy({
 *     name: "charge",
 *     maxAttempts: 10,
 *     schedule: Schedule.spaced("10 millis").pipe(Schedule.upTo("1 second"))
 *   })
 * ).pipe(Effect.provide([AlertLimiter.layer(), Notifier.layerLog()]))
 *
 * Effect.runPromise(program).then(console.log) // two warnings, then "receipt"
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const policy = <E = unknown, R = never>(
  options: Options<E, R>
): Schedule.Schedule<unknown, E, R | Requirements> => Combinators.policy(options)

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
 * In pipe form, `while` and `retryAfter` get the effect's error
 * type, as with `Effect.retry`; a combinator built apart from its effect with those options takes
 * the type its functions declare. A `schedule` that needs services adds them to the effect's
 * requirements.
 *
 * Defects and interruptions are not retried; interrupting the fiber during a backoff ends it at
 * once. Building it costs a few checks: build it where the call is made, or once. Throws
 * {@link InvalidOptionError} when an option is invalid.
 *
 * @example
 * ```ts
 * import { Data, Effect } from "effect"
 * import { AlertLimiter, Notifier, Retry } from "effect-retry-alerts"
 *
 * class HttpError extends Data.TaggedError("HttpError")<{ readonly status: number }> {}
 * const fetchUser = (id: string): Effect.Effect<string, HttpError> => Effect.succeed(`user ${id}`) // your call
 *
 * const getUser = (id: string) =>
 *   fetchUser(id).pipe(
 *     Retry.retry({
 *       name: "getUser",
 *       context: "accounts",
 *       while: (error) => error.status >= 500, // error: HttpError
 *       alertAt: { after: "2 minutes" }
 *     })
 *   )
 * const program = getUser("42").pipe(Effect.provide([AlertLimiter.layer(), Notifier.layerLog()]))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const retry: {
  <R2 = never>(
    options: Options<unknown, R2> & {
      readonly while?: undefined
      readonly retryAfter?: undefined
    } & WithBreaker
  ): <A, E, R>(
    self: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | CircuitOpen, R | R2 | Requirements | CircuitBreaker>
  <E, R2 = never>(
    options: Options<NoInfer<E>, R2> & WithBreaker
  ): <A, R>(
    self: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | CircuitOpen, R | R2 | Requirements | CircuitBreaker>
  <E, R2 = never>(
    options: Options<E, R2> & WithBreaker
  ): <A, E2 extends E, R>(
    self: Effect.Effect<A, E2, R>
  ) => Effect.Effect<A, E2 | CircuitOpen, R | R2 | Requirements | CircuitBreaker>
  <A, E, R, R2 = never>(
    self: Effect.Effect<A, E, R>,
    options: Options<NoInfer<E>, R2> & WithBreaker
  ): Effect.Effect<A, E | CircuitOpen, R | R2 | Requirements | CircuitBreaker>
  <R2 = never>(
    options: Options<unknown, R2> & {
      readonly while?: undefined
      readonly retryAfter?: undefined
    } & WithoutBreaker
  ): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R | R2 | Requirements>
  <E, R2 = never>(
    options: Options<NoInfer<E>, R2> & WithoutBreaker
  ): <A, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R | R2 | Requirements>
  <E, R2 = never>(
    options: Options<E, R2> & WithoutBreaker
  ): <A, E2 extends E, R>(self: Effect.Effect<A, E2, R>) => Effect.Effect<A, E2, R | R2 | Requirements>
  <A, E, R, R2 = never>(
    self: Effect.Effect<A, E, R>,
    options: Options<NoInfer<E>, R2> & WithoutBreaker
  ): Effect.Effect<A, E, R | R2 | Requirements>
} = ((first: any, options?: Options<any, any>) =>
  // Data-first when the options come second: no type test on the hot path.
  options === undefined ? Combinators.retry(first) : Combinators.retry(options)(first)) as any

/**
 * {@link retry} with the options alone, under its 0.2 name: `Retry.retry(options)` builds the
 * same combinator, validating the options at once.
 *
 * @since 0.1.0
 * @category constructors
 * @deprecated Use {@link retry}`(options)`; `make` is kept for constructors that return an
 * `Effect`. This alias goes in the next minor release.
 */
export const make: typeof retry = retry

/**
 * `retry({ name, maxAttempts: 5 })`, under the name the retrying guide explains (`func_retry`).
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
): (<A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R | Requirements>) =>
  Combinators.retry<unknown, never>({ name })

/**
 * Options of {@link connRetry}: those of {@link retry} but `maxAttempts`, `context` and `while`
 * (a connection retries every failure, and its context is its resource).
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnRetryOptions<E = unknown, R = never>
  extends Omit<Options<E, R>, "name" | "maxAttempts" | "context" | "while"> {
  /** Retries after the first attempt: `maxRetry + 1` attempts in all. Default 100. */
  readonly maxRetry?: number | undefined
  /** The operation's name in logs and alerts. Default `actionName`. */
  readonly name?: string | undefined
}

/**
 * Retries a connection to a resource (`conn_retry`, see the retrying guide). `maxRetry + 1` attempts in
 * all, with {@link Backoff.exponential} backoff. Logs "started" and "completed" at debug level
 * (a hot path pays nothing for them under the default Info minimum), a warning per retry and
 * "failed after retries" at error level when it runs out of attempts, all annotated with the
 * resource, the action, a connection id unique to this combinator, the service name (config
 * `SERVICE_NAME`, default `"unknown"`) and the process id. At `alertAt` (default attempt 50) it
 * sends an infrastructure alert with context `"{resourceName}_infrastructure"`. The retry
 * budget's key is the resource. In pipe form, `retryAfter` gets the effect's error type.
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
 *   Effect.provide([AlertLimiter.layer(), Notifier.layerLog()])
 * )
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const connRetry: {
  <R2 = never>(
    resourceName: string,
    actionName: string,
    options: ConnRetryOptions<unknown, R2> & { readonly retryAfter?: undefined } & WithBreaker
  ): <A, E, R>(
    self: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | CircuitOpen, R | R2 | Requirements | CircuitBreaker>
  <E, R2 = never>(
    resourceName: string,
    actionName: string,
    options: ConnRetryOptions<NoInfer<E>, R2> & WithBreaker
  ): <A, R>(
    self: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | CircuitOpen, R | R2 | Requirements | CircuitBreaker>
  <E, R2 = never>(
    resourceName: string,
    actionName: string,
    options: ConnRetryOptions<E, R2> & WithBreaker
  ): <A, E2 extends E, R>(
    self: Effect.Effect<A, E2, R>
  ) => Effect.Effect<A, E2 | CircuitOpen, R | R2 | Requirements | CircuitBreaker>
  <R2 = never>(
    resourceName: string,
    actionName: string,
    options?: ConnRetryOptions<unknown, R2> & { readonly retryAfter?: undefined } & WithoutBreaker
  ): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R | R2 | Requirements>
  <E, R2 = never>(
    resourceName: string,
    actionName: string,
    options: ConnRetryOptions<NoInfer<E>, R2> & WithoutBreaker
  ): <A, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R | R2 | Requirements>
  <E, R2 = never>(
    resourceName: string,
    actionName: string,
    options: ConnRetryOptions<E, R2> & WithoutBreaker
  ): <A, E2 extends E, R>(self: Effect.Effect<A, E2, R>) => Effect.Effect<A, E2, R | R2 | Requirements>
} = Combinators.connRetry as any

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
 * Retries typed failures forever at a fixed delay (`continuous_retry`, see the retrying guide), on the
 * policy of {@link retry} without an end. Each failure is logged as a warning, every 10th at
 * error level with its cause. It ends only with success, a defect or interruption, so its error
 * type is `never`.
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
} = Combinators.continuous as any

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
