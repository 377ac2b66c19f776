/**
 * The pipelines of `Retry.retry`, `Retry.connRetry` and `Retry.continuous`, and their combinators:
 * what `Retry` documents and `RetryRuntime` wraps.
 *
 * @internal
 */
import type * as Effect from "effect/Effect"
import type * as Schedule from "effect/Schedule"
import type { ConnRetryOptions, ContinuousOptions, Options as RetryOptions } from "../../Retry.js"
import type { AlertServices } from "../alert.js"
import type { Step } from "../schedule.js"
import { Connection, combinator as connectionCombinator } from "./connection.js"
import { memo } from "./memo.js"
import * as Plan from "./plan.js"
import * as Policy from "./policy.js"
import { combinator, Pipeline } from "./run.js"

type Combinator<R2> = <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R | R2 | AlertServices>

/** The pipeline of `Retry.retry`. */
export const retryPipeline = <E, R>(
  options: RetryOptions<E, R>,
  plain: boolean = Plan.isPlain(options)
): Pipeline<E, R> => new Pipeline(new Plan.Planned(options, Plan.retryDefaults, plain))

const plainRetries = memo(
  (options: RetryOptions<unknown, never>): Combinator<never> => combinator(retryPipeline(options, true))
)

/** The same, for plain options with `breaker: true`: another combinator for the same two strings. */
const plainGuardedRetries = memo(
  (options: RetryOptions<unknown, never>): Combinator<never> => combinator(retryPipeline(options, true))
)

/**
 * The combinator of `Retry.retry`. Plain options (a name and a context: what a combinator built
 * per call is usually given) find the combinator made for the same two strings before.
 */
export const retry = <E, R2>(options: RetryOptions<E, R2>) => {
  const plain = Plan.isPlain(options)
  if (plain && (options.context === undefined || typeof options.context === "string")) {
    const memo =
      (options as { readonly breaker?: boolean }).breaker === true ? plainGuardedRetries : plainRetries
    return memo(options.context ?? "", options.name, options as RetryOptions<unknown, never>)
  }
  return combinator(retryPipeline(options, plain))
}

/** The policy of `Retry.retry`, for `Effect.retry`. */
export const policy = <E, R>(options: RetryOptions<E, R>): Schedule.Schedule<Step<E>, E, R | AlertServices> =>
  Policy.make(new Plan.Planned(options, Plan.retryDefaults, false).plan)

const noOptions: ConnRetryOptions<any, any> = {}

/** The pipeline of `Retry.connRetry`. */
export const connectionPipeline = <E, R>(
  resourceName: string,
  actionName: string,
  options: ConnRetryOptions<E, R> = noOptions,
  plain: boolean = Plan.isPlain(options as RetryOptions<E, R>)
): Connection<E, R> => {
  const maxRetry = Plan.connectionArguments(resourceName, actionName, options)
  return new Connection(
    resourceName,
    actionName,
    Plan.connection(resourceName, actionName, options, maxRetry, plain)
  )
}

const plainConnections = memo(
  (options: ConnRetryOptions<unknown, never>, resourceName: string, actionName: string): Combinator<never> =>
    connectionCombinator(connectionPipeline(resourceName, actionName, options, true))
)

/**
 * The combinator of `Retry.connRetry`. Without options beyond the defaults, the combinator made
 * for the same resource and action before.
 */
export const connRetry = <E, R2>(
  resourceName: string,
  actionName: string,
  options: ConnRetryOptions<E, R2> = noOptions
) => {
  const plain = Plan.isPlain(options as RetryOptions<E, R2>)
  return plain &&
    options.maxRetry === undefined &&
    options.name === undefined &&
    (options as { readonly breaker?: unknown }).breaker === undefined
    ? plainConnections(resourceName, actionName, options as ConnRetryOptions<unknown, never>)
    : connectionCombinator(connectionPipeline(resourceName, actionName, options, plain))
}

/** The pipeline of `Retry.continuous`. */
export const continuousPipeline = (options: ContinuousOptions): Pipeline<unknown, never> =>
  new Pipeline(Plan.continuous(options))

/** The combinator of `Retry.continuous`: its loop never ends with a failure. */
export const continuous = (options: ContinuousOptions) => {
  const retried = combinator(continuousPipeline(options))
  return <A, E, R>(self: Effect.Effect<A, E, R>) =>
    retried(self) as unknown as Effect.Effect<A, never, R | AlertServices>
}
