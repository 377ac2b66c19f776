/**
 * One run of a retry combinator: the first attempt's hooks (a deposit into the retry budget, and
 * whether an incident of the operation is open, which its success then resolves), the first
 * attempt under one `catchAllCause`, and the loop after a first failure, all in the span
 * `retry {name}` when spans go somewhere. The success path is that `catchAllCause`, two map
 * lookups, a counter and a tracer check, inside one `withFiberRuntime`.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type * as Schedule from "effect/Schedule"
import type { AlertServices } from "../alert.js"
import { CircuitBreaker, Closed, type ClosedCircuit, Enter, type EnterFn } from "../circuitBreaker.js"
import type { Step } from "../schedule.js"
import { afterFailure, resolveIfOpen } from "./loop.js"
import type { Identity, Plan, Planned } from "./plan.js"
import * as Policy from "./policy.js"
import { type OptionalServices, optionalServices } from "./services.js"
import { inLoopSpan, isTraced, type LoopSpan } from "./span.js"

/**
 * What the loop does after a first failure: {@link afterFailure}, or a wrapper of it (`connRetry`
 * annotates its logs); inside the run's span when the first attempt ran in one.
 */
export type After = <A, E, R, R2>(
  pipeline: Pipeline<E, R2>,
  self: Effect.Effect<A, E, R>,
  first: E,
  span?: LoopSpan
) => Effect.Effect<A, E, R | R2 | AlertServices>

/**
 * A combinator's loop: its checked options, with its plan and policy made when first needed and
 * then kept. Its behaviour lives in module-level functions, not in closures: a combinator built at
 * each call costs this one object (and none when its options are plain and memoized).
 */
export class Pipeline<E, R> implements Identity {
  readonly name: string
  readonly context: string
  readonly budgetKey: string
  readonly alerts: boolean
  /** The circuit every attempt runs through, when the loop has a breaker. */
  readonly breakerKey: string | undefined
  private schedule: Schedule.Schedule<Step<E>, E, R | AlertServices> | undefined = undefined
  /** The context its last run read its optional services in, and those services. */
  private seen: Context.Context<never> | undefined = undefined
  private services: OptionalServices | undefined = undefined

  constructor(
    private readonly planned: Planned<E, R>,
    readonly after: After = afterFailure
  ) {
    this.name = planned.name
    this.context = planned.context
    this.budgetKey = planned.budgetKey
    this.alerts = planned.alerts
    this.breakerKey = planned.breakerKey
  }

  get plan(): Plan<E, R> {
    return this.planned.plan
  }

  get policy(): Schedule.Schedule<Step<E>, E, R | AlertServices> {
    this.schedule ??= Policy.make(this.planned.plan)
    return this.schedule
  }

  /**
   * The optional services of `context`. A context never changes (providing a service makes a new
   * one), and the fibers that run a combinator mostly share one: the services read in the last
   * context seen are kept, so that a run in the same context reads none again.
   */
  servicesIn(context: Context.Context<never>): OptionalServices {
    if (context !== this.seen) {
      this.services = optionalServices(context)
      this.seen = context
    }
    return this.services!
  }
}

/**
 * The first attempt's hooks, with the `services` of its context (a fiber's, or a runtime's):
 * deposits into the retry budget when one is provided, and says whether an incident of the
 * operation is open (its success then resolves it). Synchronous: the success path pays no effect
 * step for them.
 */
export const beforeFirstAttempt = (services: OptionalServices, identity: Identity): boolean => {
  if (services.budget !== undefined) services.budget.deposit(identity.budgetKey)
  // With no open incident (the usual case) this is one lookup; a success then resolves nothing.
  return identity.alerts && services.incidents?.isOpen(identity.context, identity.name) === true
}

/**
 * The failures the loop takes over, as `Effect.catchAll` takes them: a typed failure, unless a
 * defect came with it. Under `catchAllCause`, which unlike `catchAll` adds no step to a success.
 */
const takeOver = <A, E, R, R2>(
  pipeline: Pipeline<E, R2>,
  self: Effect.Effect<A, E, R>,
  after: After,
  cause: Cause.Cause<E>,
  span?: LoopSpan
): Effect.Effect<A, E, R | R2 | AlertServices> => {
  if (cause._tag === "Fail") return after(pipeline, self, cause.error, span)
  if (Cause.isDie(cause)) return Effect.failCause(cause)
  const failure = Cause.failureOption(cause)
  return Option.isSome(failure) ? after(pipeline, self, failure.value, span) : Effect.failCause(cause)
}

/**
 * `self` with the loop after its first failure, `after` (`pipeline.after` unless it says), inside
 * the run's span `span` when there is one.
 */
export const firstAttempt = <A, E, R, R2>(
  pipeline: Pipeline<E, R2>,
  self: Effect.Effect<A, E, R>,
  after: After = pipeline.after,
  span?: LoopSpan
): Effect.Effect<A, E, R | R2 | AlertServices> =>
  Effect.catchAllCause(self, (cause) => takeOver(pipeline, self, after, cause, span))

/** One run of `attempt` of `pipeline` in `context`: the first attempt's hooks, then the attempt. */
export const run = <A, E, R>(
  pipeline: Pipeline<any, any>,
  attempt: Effect.Effect<A, E, R>,
  context: Context.Context<never>
): Effect.Effect<A, E, R | AlertServices> =>
  beforeFirstAttempt(pipeline.servicesIn(context), pipeline)
    ? Effect.tap(attempt, () => resolveIfOpen(pipeline))
    : attempt

/**
 * A run of a combinator that does more than {@link run} (`connRetry` logs around it when debug
 * logs are on): given the effect and its first attempt (`once`), in `fiber`, inside the run's span
 * `span` when there is one.
 */
export type Around = <A, E, R, R2>(
  pipeline: Pipeline<E, R2>,
  self: Effect.Effect<A, E, R>,
  once: Effect.Effect<A, E, R | R2 | AlertServices>,
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  span?: LoopSpan
) => Effect.Effect<A, E, R | R2 | AlertServices>

/**
 * `self` through the circuit of `pipeline`, in the `CircuitBreaker` its type requires: the
 * circuit counts the failures the loop retries.
 */
const throughCircuit = <A, E, R>(
  pipeline: Pipeline<E, any>,
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime((fiber) => {
    const breaker = Context.unsafeGet(fiber.currentContext, CircuitBreaker)
    const enter = (breaker as { readonly [Enter]?: EnterFn })[Enter]
    // The rejection joins the error type in `Retry`'s signatures; the loop itself sees it as an `E`.
    return (
      enter === undefined
        ? breaker.protect(pipeline.breakerKey!, self, pipeline.plan.shouldRetry)
        : enter(pipeline.breakerKey!, self, pipeline.plan.shouldRetry)
    ) as Effect.Effect<A, E, R>
  })

/**
 * A run in the span `retry {name}`, which every attempt runs in, the first included: built per
 * run, as the span is.
 */
const traced = <A, E, R, R2>(
  pipeline: Pipeline<E, R2>,
  self: Effect.Effect<A, E, R>,
  around: Around | undefined,
  fiber: Fiber.RuntimeFiber<unknown, unknown>
): Effect.Effect<A, E, R | R2 | AlertServices> =>
  inLoopSpan(pipeline, 1, (span) => {
    const once = firstAttempt(pipeline, self, pipeline.after, span)
    return around === undefined
      ? run(pipeline, once, fiber.currentContext)
      : around(pipeline, self, once, fiber, span)
  })

/** The retry combinator of `pipeline`, whose runs are {@link run}s unless `around` says. */
export const combinator =
  <E, R2>(pipeline: Pipeline<E, R2>, around?: Around) =>
  <A, E2 extends E, R>(effect: Effect.Effect<A, E2, R>): Effect.Effect<A, E2, R | R2 | AlertServices> => {
    const own = pipeline as unknown as Pipeline<E2, R2>
    if (own.breakerKey !== undefined) return guardedCombinator(own, effect, around)
    // The first attempt, built once per application, so that a combinator built once allocates
    // nothing per run. Written out, not `firstAttempt`: the two closures of a combinator applied
    // per call then share one scope.
    const once = Effect.catchAllCause(effect, (cause: Cause.Cause<E2>) =>
      takeOver(own, effect, own.after, cause)
    )
    return Effect.withFiberRuntime((fiber) => {
      // Under Effect's built-in tracer no span goes anywhere: the run opens none.
      if (isTraced(fiber)) return traced(own, effect, around, fiber)
      return around === undefined ? run(own, once, fiber.currentContext) : around(own, effect, once, fiber)
    })
  }

/**
 * The counters of the circuit of `pipeline` in `context` while it lets calls through counted, from
 * a breaker of this library; `undefined` otherwise (the attempt then goes through `protect`).
 */
const closedIn = (
  pipeline: Pipeline<any, any>,
  context: Context.Context<never>
): ClosedCircuit | undefined => {
  const breaker = pipeline.servicesIn(context).breaker as { readonly [Closed]?: ClosedKey } | undefined
  return breaker?.[Closed]?.(pipeline.breakerKey!)
}

type ClosedKey = (key: string) => ClosedCircuit | undefined

/**
 * The handlers of a `matchCauseEffect`, from functions given as arguments: written as an object
 * literal of arrow functions, each would be named at every application (by the `keepNames` of
 * transpilers such as tsx), which costs more than the rest of a run.
 */
const handlers = <A, E, X, Y>(
  onFailure: (cause: Cause.Cause<E>) => X,
  onSuccess: (value: A) => Y
): { readonly onFailure: (cause: Cause.Cause<E>) => X; readonly onSuccess: (value: A) => Y } => ({
  onFailure,
  onSuccess
})

/**
 * With a breaker, every attempt runs through its circuit. While the circuit is closed, the first
 * attempt is counted in one `matchCauseEffect` that takes the place of the loop's own
 * `catchAllCause`, not through `protect`; otherwise, and for every retry, through the breaker's
 * `protect`. The effect through `protect` is made only when needed.
 */
const guardedCombinator = <A, E, R, R2>(
  own: Pipeline<E, R2>,
  effect: Effect.Effect<A, E, R>,
  around: Around | undefined
): Effect.Effect<A, E, R | R2 | AlertServices> => {
  // The closed circuit of the run under way: set when a run starts, read when its attempt ends.
  let circuit: ClosedCircuit | undefined
  // One frame, as the loop's own `catchAllCause`: the success is counted where it is handed on.
  const counted = Effect.matchCauseEffect(
    effect,
    handlers(
      (cause: Cause.Cause<E>) => {
        const transition = circuit?.failed(cause, own.plan.shouldRetry)
        const next = takeOver(own, throughCircuit(own, effect), own.after, cause)
        return transition === undefined ? next : Effect.zipRight(transition, next)
      },
      (value: A) => {
        circuit?.succeeded()
        return Effect.succeed(value)
      }
    )
  )
  return Effect.withFiberRuntime((fiber) => {
    if (isTraced(fiber)) return traced(own, throughCircuit(own, effect), around, fiber)
    circuit = closedIn(own, fiber.currentContext)
    if (circuit !== undefined) {
      return around === undefined
        ? run(own, counted, fiber.currentContext)
        : around(own, effect, counted, fiber)
    }
    const self = throughCircuit(own, effect)
    const once = Effect.catchAllCause(self, (cause: Cause.Cause<E>) => takeOver(own, self, own.after, cause))
    return around === undefined ? run(own, once, fiber.currentContext) : around(own, self, once, fiber)
  })
}
