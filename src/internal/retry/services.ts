/**
 * The optional services of a retry loop (the retry budget, the incidents), read from a context.
 * Providing one changes what the loop does; leaving it out changes nothing, not even a type.
 *
 * @internal
 */
import * as Context from "effect/Context"
import { CircuitBreaker, type CircuitBreakerService } from "../circuitBreaker.js"
import { Incidents, type IncidentsService } from "../incidents.js"
import { RetryBudget, type RetryBudgetService } from "../retryBudget.js"

const absent = (): undefined => undefined

/**
 * The service of `tag` in `context`, or `undefined` when it is not provided: what
 * `Context.getOption` (and so `Effect.serviceOption`) reads, without the `Option` around it, and
 * called directly, so that the success path, which reads it inside the `withFiberRuntime` it
 * already has, pays no effect step and no allocation for it.
 */
const optional = <I, S>(context: Context.Context<never>, tag: Context.Tag<I, S>): S | undefined =>
  Context.getOrElse(context, tag, absent)

/** The optional services of one context. */
export interface OptionalServices {
  readonly budget: RetryBudgetService | undefined
  readonly incidents: IncidentsService | undefined
  /** The breaker, read only by a loop with the `breaker` option (which requires it). */
  readonly breaker: CircuitBreakerService | undefined
}

/** The optional services of `context`. */
export const optionalServices = (context: Context.Context<never>): OptionalServices => ({
  budget: optional(context, RetryBudget),
  incidents: optional(context, Incidents),
  breaker: optional(context, CircuitBreaker)
})

/** The retry budget of `context`, if one is provided. */
export const budgetOf = (context: Context.Context<never>): RetryBudgetService | undefined =>
  optional(context, RetryBudget)

/** The incidents of `context`, if provided. */
export const incidentsOf = (context: Context.Context<never>): IncidentsService | undefined =>
  optional(context, Incidents)
