/**
 * Retry, alerting and rate limiting for plain sync and async functions, without writing Effect
 * code: the `Retry` combinators run on a `ManagedRuntime` built from your layers.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as LogLevel from "effect/LogLevel"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as AlertLimiter from "./AlertLimiter.js"
import * as OptionChecks from "./internal/options.js"
import * as Combinators from "./internal/retry/combinators.js"
import * as Connection from "./internal/retry/connection.js"
import { resolveIfOpen } from "./internal/retry/loop.js"
import { beforeFirstAttempt, combinator, type Pipeline } from "./internal/retry/run.js"
import { type OptionalServices, optionalServices } from "./internal/retry/services.js"
import * as Notifier from "./Notifier.js"
import type * as Retry from "./Retry.js"

/**
 * The services a {@link RetryRuntime} needs from its layer: an `AlertLimiter` and a `Notifier`.
 *
 * @since 0.1.0
 * @category models
 */
export type Requirements = Retry.Requirements

/**
 * Rejects a call made on a disposed {@link RetryRuntime}, and every retry still waiting when
 * `dispose` was called.
 *
 * @example
 * ```ts
 * import { RetryRuntime } from "effect-retry-alerts"
 *
 * const retries = RetryRuntime.create()
 * const fetchRetried = retries.retry(async () => fetch("http://127.0.0.1:8080/health"))
 * await retries.dispose()
 * await fetchRetried().catch((error) => error instanceof RetryRuntime.DisposedError) // true
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class DisposedError extends /*#__PURE__*/ Data.TaggedError("DisposedError")<{}> {
  override get message(): string {
    return "The RetryRuntime was disposed"
  }
}

/**
 * A wrapped function: the same parameters and `this`, and a promise of the awaited result.
 *
 * @since 0.1.0
 * @category models
 */
export type Retried<This, Args extends Array<any>, A> = (this: This, ...args: Args) => Promise<Awaited<A>>

/**
 * The option every wrapper accepts besides those of its `Retry` combinator.
 *
 * @since 0.1.0
 * @category models
 */
export interface AbortOptions {
  /**
   * Ends a call at once when aborted while it waits for a retry (or runs a retry), rejecting
   * with `signal.reason`. A call made with an aborted signal rejects without calling the function.
   * An attempt already running is not cancelled: the function gets no signal.
   */
  readonly signal?: AbortSignal | undefined
}

/**
 * Options of {@link RetryRuntime.retry}: those of `Retry.retry`, with `name` defaulting to the
 * function's name (else `"anonymous"`), and a `signal`.
 *
 * @since 0.3.0
 * @category models
 */
export interface Options extends Omit<Retry.Options<unknown>, "name">, AbortOptions {
  /** The operation's name in logs, alerts and the alert signature. Default: the function's name. */
  readonly name?: string | undefined
}

/**
 * {@link Options}, under its 0.2 name.
 *
 * @since 0.1.0
 * @category models
 * @deprecated Renamed {@link Options}; this alias goes in the next minor release.
 */
export type RetryOptions = Options

/**
 * Options of {@link RetryRuntime.funcRetry}.
 *
 * @since 0.1.0
 * @category models
 */
export interface FuncRetryOptions extends AbortOptions {
  /** The operation's name in logs and alerts. Default: the function's name, else `"anonymous"`. */
  readonly name?: string | undefined
}

/**
 * Options of {@link RetryRuntime.connRetry}: those of `Retry.connRetry`, and a `signal`. `name`
 * defaults to the function's name, else to `actionName`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnRetryOptions extends Retry.ConnRetryOptions, AbortOptions {}

/**
 * Options of {@link RetryRuntime.continuous}: those of `Retry.continuous`, with `name`
 * defaulting to the function's name (else `"anonymous"`), and a `signal`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ContinuousOptions extends Omit<Retry.ContinuousOptions, "name">, AbortOptions {
  /** The operation's name in logs. Default: the function's name. */
  readonly name?: string | undefined
}

/**
 * The type of `Symbol.asyncDispose` where the project's types declare it (lib `esnext.disposable`,
 * or Node's types), else `never`. Named this way, the declarations use no global type that a
 * browser project without Node's types lacks (`AsyncDisposable` is one).
 *
 * @since 0.3.0
 * @category models
 */
export type AsyncDisposeSymbol = SymbolConstructor extends { readonly asyncDispose: infer K extends symbol }
  ? K
  : never

/**
 * `AsyncDisposable` (`await using` disposes the handle) where the project's types declare
 * `Symbol.asyncDispose`; an empty type where they do not.
 *
 * @since 0.3.0
 * @category models
 */
export type AsyncDisposableWhereKnown = { readonly [K in AsyncDisposeSymbol]: () => Promise<void> }

/**
 * A handle over a `ManagedRuntime` that wraps plain functions with the `Retry` combinators.
 *
 * Every wrapper calls the function directly on its first attempt: a call that succeeds at once
 * never touches the runtime (no fiber, no layer build). Only after a failure does the call enter
 * the runtime, where the `Retry` combinator takes over with that failure as its attempt 1, so
 * attempt numbering, logs, the threshold alert and `maxAttempts` are exactly those of `Retry`.
 *
 * The call finally rejects with the function's own thrown value (the very same object), never a
 * wrapper. Arguments and `this` pass through, and a sync function's result becomes a promise.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryRuntime<ROut = Requirements, E = never> extends AsyncDisposableWhereKnown {
  /** The runtime the retries run on: run your own effects on the same services with it. */
  readonly runtime: ManagedRuntime.ManagedRuntime<ROut, E>
  /**
   * `Retry.retry` for a plain function. Throws `InvalidOptionError` at once when `fn` is not a
   * function or an option is invalid.
   */
  readonly retry: <This, Args extends Array<any>, A>(
    fn: (this: This, ...args: Args) => A,
    options?: Options
  ) => Retried<This, Args, A>
  /** `Retry.funcRetry` (5 attempts) for a plain function. */
  readonly funcRetry: <This, Args extends Array<any>, A>(
    fn: (this: This, ...args: Args) => A,
    options?: FuncRetryOptions
  ) => Retried<This, Args, A>
  /**
   * `Retry.connRetry` for a plain function. Its "started" and "completed successfully" logs are
   * at debug level: while the runtime drops debug logs (the default Info minimum), a call that
   * succeeds at once runs the function directly and logs nothing, exactly like `Retry.connRetry`
   * would. When the runtime logs at debug, and on the handle's first `connRetry` call (which
   * learns the runtime's log level), the whole call runs in the runtime so "started" comes first.
   */
  readonly connRetry: (
    resourceName: string,
    actionName: string,
    options?: ConnRetryOptions
  ) => <This, Args extends Array<any>, A>(fn: (this: This, ...args: Args) => A) => Retried<This, Args, A>
  /**
   * `Retry.continuous` for a plain function: retries forever at a fixed delay. The promise
   * settles with the first success, or rejects on abort or dispose.
   */
  readonly continuous: <This, Args extends Array<any>, A>(
    fn: (this: This, ...args: Args) => A,
    options?: ContinuousOptions
  ) => Retried<This, Args, A>
  /**
   * Ends every retry still waiting (each rejects with {@link DisposedError}), then disposes the
   * runtime. Later calls of any wrapper reject with {@link DisposedError} without calling the
   * function. Safe to call more than once.
   */
  readonly dispose: () => Promise<void>
}

/** Names the services a layer lacks, in the type error of {@link make}. */
type MissingServices<ROut> = [Exclude<Requirements, ROut>] extends [never]
  ? unknown
  : { readonly "RetryRuntime.create: the layer lacks": Exclude<Requirements, ROut> }

type AnyFunction = (this: any, ...args: Array<any>) => any

type Combinator = (self: Effect.Effect<unknown, unknown>) => Effect.Effect<unknown, unknown, Requirements>

/** The pipeline of a wrapper, and its combinator. */
interface Wrapped {
  readonly pipeline: Pipeline<unknown, never>
  readonly combinator: Combinator
}

const wrapped = (pipeline: Pipeline<unknown, never>): Wrapped => ({
  pipeline,
  combinator: combinator(pipeline)
})

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null &&
  (typeof value === "object" || typeof value === "function") &&
  typeof (value as { then?: unknown }).then === "function"

const keep = (error: unknown): unknown => error

/**
 * One attempt: calls `fn`, awaiting its result when it is a thenable. Whatever it throws or
 * rejects with becomes the typed failure, unchanged.
 */
const attempt = (fn: AnyFunction, self: unknown, args: Array<unknown>): Effect.Effect<unknown, unknown> =>
  Effect.flatten(
    Effect.try({
      try: () => {
        const result = Reflect.apply(fn, self, args)
        return isThenable(result)
          ? Effect.tryPromise({ try: () => result, catch: keep })
          : Effect.succeed(result)
      },
      catch: keep
    })
  )

/** What a call that ended with `cause` rejects with: the original value, never a wrapper. */
const rejection = (cause: Cause.Cause<unknown>, signal: AbortSignal): unknown => {
  if (signal.aborted && Cause.isInterruptedOnly(cause)) return signal.reason
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) return failure.value
  const defect = Cause.dieOption(cause)
  if (Option.isSome(defect)) return defect.value
  return signal.aborted ? signal.reason : Cause.squash(cause)
}

const checkFunction = (fn: unknown): AnyFunction => {
  if (typeof fn !== "function") {
    throw new OptionChecks.InvalidOptionError({
      option: "fn",
      reason: `must be a function, got ${typeof fn}`
    })
  }
  return fn as AnyFunction
}

const checkOptions = <O extends object>(options: O | undefined): O | Partial<O> => {
  if (options === undefined) return {}
  if (options === null || typeof options !== "object") {
    throw new OptionChecks.InvalidOptionError({ option: "options", reason: "must be an object" })
  }
  return options
}

const checkSignal = (signal: unknown): AbortSignal | undefined => {
  if (signal === undefined) return undefined
  if (
    signal === null ||
    typeof signal !== "object" ||
    typeof (signal as AbortSignal).aborted !== "boolean" ||
    typeof (signal as AbortSignal).addEventListener !== "function"
  ) {
    throw new OptionChecks.InvalidOptionError({ option: "signal", reason: "must be an AbortSignal" })
  }
  return signal as AbortSignal
}

/**
 * The rejection handler of a first attempt, made outside the wrapper so that the wrapper's own
 * frame keeps no closure for it.
 */
const retryHandler =
  (
    retryAfter: (self: unknown, args: Array<unknown>, first: unknown, hooked: boolean) => Promise<unknown>,
    self: unknown,
    args: Array<unknown>,
    hooked: boolean
  ) =>
  (first: unknown): Promise<unknown> =>
    retryAfter(self, args, first, hooked)

const defaultName = (fn: AnyFunction): string => (fn.name === "" ? "anonymous" : fn.name)

const named = <F>(wrapper: F, fn: AnyFunction): F => {
  Object.defineProperty(wrapper, "name", { value: fn.name, configurable: true })
  return wrapper
}

/**
 * Builds a {@link RetryRuntime} over a `ManagedRuntime` of `layer`, which must provide an
 * `AlertLimiter` and a `Notifier` (it may provide more). Default: `Notifier.layerLog()` merged with
 * `AlertLimiter.layer()`. The layer is built on the first call that needs a retry, not before.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { AlertLimiter, Notifier, RetryRuntime } from "effect-retry-alerts"
 *
 * const retries = RetryRuntime.create(Layer.merge(Notifier.layerLog(), AlertLimiter.layer()))
 *
 * async function fetchUser(id: string): Promise<{ id: string }> {
 *   const response = await fetch(`https://api.example.com/users/${id}`)
 *   if (!response.ok) throw new Error(`HTTP ${response.status}`)
 *   return (await response.json()) as { id: string }
 * }
 *
 * const fetchUserRetried = retries.retry(fetchUser, { maxAttempts: 3, maxWait: "5 seconds" })
 * // later: await fetchUserRetried("42"); at shutdown: await retries.dispose()
 * ```
 *
 * @since 0.3.0
 * @category constructors
 */
export const create: {
  (): RetryRuntime<Requirements, never>
  <ROut, E>(layer: Layer.Layer<ROut, E, never> & MissingServices<ROut>): RetryRuntime<ROut, E>
} = ((layer?: Layer.Layer<any, any, never>) =>
  makeWith(layer ?? Layer.merge(Notifier.layerLog(), AlertLimiter.layer()))) as any

/**
 * {@link create}, under its 0.2 name.
 *
 * @since 0.1.0
 * @category constructors
 * @deprecated Use {@link create}; `make` is kept for constructors that return an `Effect`. This
 * alias goes in the next minor release.
 */
export const make: typeof create = create

const makeWith = (layer: Layer.Layer<any, any, never>): RetryRuntime<any, any> => {
  const managed: ManagedRuntime.ManagedRuntime<Requirements, unknown> = ManagedRuntime.make(layer)
  let disposing: Promise<void> | undefined
  // Whether the runtime keeps debug logs; unknown until the first connRetry call runs in it.
  let debugLogging: boolean | undefined
  // Every call running in the runtime, so dispose can end them.
  const running = new Map<AbortController, Promise<unknown>>()
  // The runtime's optional services, once it is built (by the first call that needed it): the
  // direct first attempts then run the pipeline's first-attempt hooks with them.
  let services: OptionalServices | undefined

  const learnLogLevel = Effect.map(FiberRef.get(FiberRef.currentMinimumLogLevel), (minimum) => {
    debugLogging = !LogLevel.greaterThan(minimum, LogLevel.Debug)
  })

  const run = async (
    effect: Effect.Effect<unknown, unknown, Requirements>,
    signal: AbortSignal | undefined
  ) => {
    if (disposing !== undefined) throw new DisposedError()
    const controller = new AbortController()
    const forward = () => controller.abort(signal!.reason)
    if (signal !== undefined) {
      if (signal.aborted) forward()
      else signal.addEventListener("abort", forward, { once: true })
    }
    const program = debugLogging === undefined ? Effect.zipRight(learnLogLevel, effect) : effect
    // `Effect.exit`: the caller gets the failure, so the fiber must not log it as unhandled.
    const done = managed.runPromiseExit(Effect.exit(program), { signal: controller.signal })
    running.set(controller, done)
    try {
      const outer = await done
      if (services === undefined && Exit.isSuccess(outer)) {
        services = optionalServices((await managed.runtime()).context as Context.Context<never>)
      }
      const exit = Exit.isSuccess(outer) ? outer.value : outer
      if (Exit.isSuccess(exit)) return exit.value
      throw rejection(exit.cause, controller.signal)
    } finally {
      running.delete(controller)
      signal?.removeEventListener("abort", forward)
    }
  }

  /**
   * The wrapper: a direct first attempt, then the pipeline's loop in the runtime after a failure.
   * With `logsOnSuccess` (connRetry) the whole call runs in the runtime unless the runtime is
   * known to drop debug logs, so its "started" log comes before the first attempt.
   *
   * Not an `async function`: one `then` on the function's own promise costs less than an async
   * frame and its extra promise, and the success path is what most calls take.
   */
  const wrap = (
    fn: AnyFunction,
    { pipeline, combinator }: Wrapped,
    signal: AbortSignal | undefined,
    logsOnSuccess = false
  ) => {
    // After a direct failure: the loop, whose first run replays it. A first attempt made before
    // the runtime was built has its hooks run now, in the runtime.
    const retryAfter = (self: unknown, args: Array<unknown>, first: unknown, hooked: boolean) =>
      run(
        Effect.withFiberRuntime((fiber) => {
          if (!hooked) beforeFirstAttempt(optionalServices(fiber.currentContext), pipeline)
          return pipeline.after(pipeline, attempt(fn, self, args), first)
        }),
        signal
      )
    // A success while the operation has an open incident resolves it, in the runtime.
    const resolved = (value: unknown) => run(resolveIfOpen(pipeline), signal).then(() => value)
    return named(function (this: unknown, ...args: Array<unknown>): Promise<unknown> {
      if (disposing !== undefined) return Promise.reject(new DisposedError())
      if (signal?.aborted) return Promise.reject(signal.reason)
      if (logsOnSuccess && debugLogging !== false) return run(combinator(attempt(fn, this, args)), signal)
      // Once the runtime is built, its services: a deposit into its retry budget, if any, and
      // whether an incident of the operation is open.
      const hooked = services !== undefined
      const open = hooked && beforeFirstAttempt(services!, pipeline)
      let result: unknown
      try {
        // Reflect.apply calls the function without looking up its own `apply`: faster, and
        // right even for a function that defines an `apply` property.
        result = Reflect.apply(fn, this, args)
      } catch (first) {
        return retryAfter(this, args, first, hooked)
      }
      // Only a thenable can still fail. `Promise.resolve` adopts it exactly as `await` would.
      if (result === null || (typeof result !== "object" && typeof result !== "function")) {
        return open ? resolved(result) : Promise.resolve(result)
      }
      return Promise.resolve(result).then(
        open ? resolved : undefined,
        retryHandler(retryAfter, this, args, hooked)
      )
    }, fn)
  }

  /**
   * The wrapper of one combinator: checks the function and the options now, takes the signal
   * out, and builds the combinator for that function (its name is the default operation name).
   */
  const wrapperOf =
    <O extends AbortOptions>(
      combinatorFor: (fn: AnyFunction, options: Partial<O>) => Wrapped,
      logsOnSuccess = false
    ) =>
    (fn: unknown, options?: O) => {
      const f = checkFunction(fn)
      const { signal, ...rest } = checkOptions(options)
      const checkedSignal = checkSignal(signal)
      return wrap(f, combinatorFor(f, rest as Partial<O>), checkedSignal, logsOnSuccess)
    }

  /** The wrapper of a combinator of an operation: named after the function unless `name` says. */
  const operationWrapper = <O extends Options | ContinuousOptions>(
    pipelineOf: (options: O & { readonly name: string }) => Pipeline<unknown, never>
  ) =>
    wrapperOf<O>((f, options) =>
      wrapped(pipelineOf({ ...(options as O), name: options.name ?? defaultName(f) }))
    )
  const retry = operationWrapper<Options>((options) => Combinators.retryPipeline(options))
  const continuous = operationWrapper<ContinuousOptions>(Combinators.continuousPipeline)
  const funcRetry = wrapperOf<FuncRetryOptions>((f, options) =>
    wrapped(Combinators.retryPipeline({ name: options.name ?? defaultName(f) }))
  )
  const connRetry = (resourceName: string, actionName: string, options?: ConnRetryOptions) => {
    // Validates the options now, before any function is given.
    const validated = Combinators.connectionPipeline(resourceName, actionName, checkOptions(options))
    checkSignal(options?.signal)
    const connection = (pipeline: Connection.Connection<unknown, never>): Wrapped => ({
      pipeline,
      combinator: Connection.combinator(pipeline)
    })
    const wrapper = wrapperOf<ConnRetryOptions>(
      (f, rest) =>
        // Named after the function, when it has a name and `name` does not say.
        rest.name === undefined && f.name !== ""
          ? connection(Combinators.connectionPipeline(resourceName, actionName, { ...rest, name: f.name }))
          : connection(validated),
      true
    )
    return (fn: unknown) => wrapper(fn, options)
  }

  const dispose = (): Promise<void> => {
    if (disposing === undefined) {
      const reason = new DisposedError()
      for (const controller of running.keys()) controller.abort(reason)
      const settled = Array.from(running.values())
      disposing = Promise.allSettled(settled).then(() => managed.dispose())
    }
    return disposing
  }

  return {
    runtime: managed,
    retry,
    funcRetry,
    connRetry,
    continuous,
    dispose,
    // Where the runtime has the symbol (Node 20.4 and later, recent browsers): `await using`.
    ...(typeof Symbol.asyncDispose === "symbol" ? { [Symbol.asyncDispose]: dispose } : {})
  } as RetryRuntime<any, any>
}
