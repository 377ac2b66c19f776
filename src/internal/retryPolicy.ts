/**
 * The retry loop shared by `Retry` and `RetryRuntime`: the options, validated into a plan; the
 * policy (a `Schedule`) that decides each failure; and the combinator, whose success path is one
 * `catchAll` plus the optional services' fast checks.
 *
 * @internal
 */
import {
  Cause,
  Config,
  Duration,
  Effect,
  Exit,
  type Fiber,
  FiberRef,
  LogLevel,
  Metric,
  Schedule
} from "effect"
import * as Backoff from "../Backoff.js"
import * as Metrics from "../Metrics.js"
import type { RetryOptions } from "../Retry.js"
import * as Alert from "./alert.js"
import { RetryBudget, type RetryBudgetService } from "./budget.js"
import * as Describe from "./describe.js"
import { Incidents, type IncidentsService } from "./incidents.js"
import { type AlertLimiter, setNewest } from "./limiter.js"
import type { Notifier } from "./notifier.js"
import * as Options from "./options.js"
import * as RetrySchedule from "./schedule.js"

/** The services a retry with alerting needs. */
export type Requirements = AlertLimiter | Incidents | Notifier

/** The largest `maxAttempts` accepted: one less than 2^31. */
export const MAX_ATTEMPTS_LIMIT = 2 ** 31 - 1

/** The longest server-requested wait honoured when `maxRetryAfter` is not given. */
export const DEFAULT_MAX_RETRY_AFTER: Duration.Duration = Duration.minutes(5)

const DEFAULT_MAX_RETRY_AFTER_MILLIS = Duration.toMillis(DEFAULT_MAX_RETRY_AFTER)

const DEFAULT_MAX_WAIT: Duration.Duration = Duration.seconds(30)

/** The options every retry takes: those `Retry.RetryOptions` declares and documents. */
export type PolicyOptions<E> = RetryOptions<E>

/** Who the alert speaks of: an operation, or a connection to a resource. */
export type Subject =
  | { readonly _tag: "Operation" }
  | { readonly _tag: "Connection"; readonly resourceName: string; readonly actionName: string }

/** What a retry loop needs to know, once its options are validated. */
export interface Plan<E> {
  readonly subject: Subject
  readonly name: string
  /** The context of the alert signature (a connection's is `"{resource}_infrastructure"`). */
  readonly context: string
  readonly maxAttempts: number
  readonly maxWait: Duration.Duration
  readonly shouldRetry: ((error: E) => boolean) | undefined
  readonly schedule: Schedule.Schedule<unknown, E> | undefined
  readonly alertAttempts: number | undefined
  readonly alertAfterMillis: number | undefined
  readonly maxElapsedMillis: number | undefined
  readonly retryAfter: ((error: E, now: number) => Duration.DurationInput | undefined) | undefined
  readonly maxRetryAfterMillis: number
  readonly budgetKey: string
  /** Whether the loop logs an error when it runs out of attempts (`connRetry` logs its own). */
  readonly logGiveUp: boolean
}

const isObject = (value: unknown): value is object => value !== null && typeof value === "object"

const millisOf = (option: string, input: Duration.DurationInput | undefined): number | undefined =>
  input === undefined ? undefined : Duration.toMillis(Options.duration(option, input))

/** Validates `alertAt`. `undefined` stays undefined: the caller chooses the default. */
const alertAtOf = (alertAt: unknown): { attempts: number | undefined; afterMillis: number | undefined } => {
  if (!isObject(alertAt)) {
    throw new Options.InvalidOptionError({
      option: "alertAt",
      reason: "must be an object with attempts and/or after"
    })
  }
  const { attempts, after } = alertAt as NonNullable<RetryOptions<unknown>["alertAt"]>
  if (attempts === undefined && after === undefined) {
    throw new Options.InvalidOptionError({ option: "alertAt", reason: "must give attempts, after, or both" })
  }
  return {
    attempts:
      attempts === undefined
        ? undefined
        : Options.wholeNumber("alertAt.attempts", attempts, 1, MAX_ATTEMPTS_LIMIT),
    afterMillis: millisOf("alertAt.after", after)
  }
}

/**
 * Validates `options` into a plan, throwing `InvalidOptionError` naming the first bad one. A
 * combinator with options beyond a name and a context runs it when built; one with only those
 * checks them when built and runs it at its first failure (see {@link Compiled}).
 */
/** What a combinator sets that its options do not. */
export interface Defaults {
  readonly maxAttempts: number
  readonly alertAttempts: number | undefined
  readonly subject: Subject
  readonly logGiveUp: boolean
}

export const resolve = <E>(options: PolicyOptions<E>, defaults: Defaults): Plan<E> => {
  if (!isObject(options)) {
    throw new Options.InvalidOptionError({ option: "options", reason: "must be an object with a name" })
  }
  const name = Options.name("name", options.name)
  const context = options.context ?? ""
  if (typeof context !== "string") {
    throw new Options.InvalidOptionError({ option: "context", reason: "must be a string" })
  }
  if (options.while !== undefined && typeof options.while !== "function") {
    throw new Options.InvalidOptionError({ option: "while", reason: "must be a function" })
  }
  if (options.retryAfter !== undefined && typeof options.retryAfter !== "function") {
    throw new Options.InvalidOptionError({ option: "retryAfter", reason: "must be a function" })
  }
  if (options.schedule !== undefined && !Schedule.isSchedule(options.schedule)) {
    throw new Options.InvalidOptionError({ option: "schedule", reason: "must be a Schedule" })
  }
  const alertAt =
    options.alertAt === undefined
      ? { attempts: defaults.alertAttempts, afterMillis: undefined }
      : alertAtOf(options.alertAt)
  const subject = defaults.subject
  return {
    subject,
    name,
    context: subject._tag === "Connection" ? `${subject.resourceName}_infrastructure` : context,
    maxAttempts:
      options.maxAttempts === undefined
        ? defaults.maxAttempts
        : Options.wholeNumber("maxAttempts", options.maxAttempts, 1, MAX_ATTEMPTS_LIMIT),
    maxWait: options.maxWait === undefined ? DEFAULT_MAX_WAIT : Options.duration("maxWait", options.maxWait),
    shouldRetry: options.while,
    schedule: options.schedule,
    alertAttempts: alertAt.attempts,
    alertAfterMillis: alertAt.afterMillis,
    maxElapsedMillis: millisOf("maxElapsed", options.maxElapsed),
    retryAfter: options.retryAfter,
    maxRetryAfterMillis:
      options.maxRetryAfter === undefined
        ? DEFAULT_MAX_RETRY_AFTER_MILLIS
        : Duration.toMillis(Options.duration("maxRetryAfter", options.maxRetryAfter)),
    budgetKey: budgetKeyOf(options.budgetKey, subject, context, name),
    logGiveUp: defaults.logGiveUp
  }
}

/** The retry budget's key: `budgetKey`, else a connection's resource, else the context, else the name. */
export const budgetKeyOf = (
  budgetKey: string | undefined,
  subject: Subject,
  context: string,
  name: string
): string =>
  budgetKey !== undefined
    ? Options.name("budgetKey", budgetKey)
    : subject._tag === "Connection"
      ? subject.resourceName
      : context !== ""
        ? context
        : name

/** Where a loop's first attempts deposit, and whose incidents its success resolves. */
export interface Identity {
  readonly budgetKey: string
  readonly context: string
  readonly name: string
}

/** A server-requested wait, bounded; `undefined` when none, or when the function misbehaves. */
const requestedDelay =
  <E>(plan: Plan<E>) =>
  (error: E, now: number): Duration.Duration | undefined => {
    try {
      const input = plan.retryAfter!(error, now)
      if (input === undefined) return undefined
      const millis = Duration.toMillis(Duration.decode(input))
      if (!Number.isFinite(millis) && millis !== Number.POSITIVE_INFINITY) return undefined
      return Duration.millis(Math.min(Math.max(0, millis), plan.maxRetryAfterMillis))
    } catch {
      // A `retryAfter` that throws (a header it could not parse) asks for nothing.
      return undefined
    }
  }

/** The service of `tag` in the current fiber's context, if provided. */
const serviceOf = <S>(fiber: Fiber.RuntimeFiber<unknown, unknown>, key: string): S | undefined =>
  fiber.currentContext.unsafeMap.get(key) as S | undefined

const BUDGET_OPERATION = "retry budget"

const budgetExhausted = (key: string) => ({
  _tag: "RetryBudgetExhausted",
  message: `retries to ${key} refused by the retry budget`
})

/** The alert sent when `key`'s budget refuses a retry: rate limited like every alert. */
export const alertBudget = (budget: RetryBudgetService, key: string, startedAt: number) => {
  const refused = budget.status(key).refusedLastMinute
  const text = [
    `⚠️ Retry budget for ${key} exhausted: ${refused} ${refused === 1 ? "retry" : "retries"} refused in the last minute`,
    "",
    `Retries to ${key} are refused: the callers are retrying more than the budget allows, so the dependency is likely down or overloaded. Calls fail at their first error until retries are allowed again.`
  ].join("\n")
  return Alert.fire({
    name: BUDGET_OPERATION,
    context: key,
    error: budgetExhausted(key),
    severity: "warning",
    title: `Retry budget for ${key} exhausted`,
    text,
    startedAt
  })
}

/**
 * Asks the retry budget, when one is provided, for the retry that `step` is about to make. A
 * retry allowed again resolves the budget's alert for that key.
 */
const withdraw =
  <E>(plan: Plan<E>) =>
  (): Effect.Effect<boolean, never, Requirements> =>
    Effect.withFiberRuntime((fiber) => {
      const budget = serviceOf<RetryBudgetService>(fiber, RetryBudget.key)
      if (budget === undefined) return allowed
      if (!budget.tryWithdraw(plan.budgetKey)) return refused
      const incidents = serviceOf<IncidentsService>(fiber, Incidents.key)
      return incidents?.isOpen(plan.budgetKey, BUDGET_OPERATION) === true
        ? Effect.as(Alert.resolve(plan.budgetKey, BUDGET_OPERATION), true)
        : allowed
    })

const allowed = Effect.succeed(true)
const refused = Effect.succeed(false)

interface Counters {
  readonly retries: Effect.Effect<void>
  readonly giveUps: Effect.Effect<void>
}

/**
 * The policy: the user's schedule (or `Backoff.exponential`) within the plan's limits, with the
 * warning log, the metrics, the alert and the budget's refusals tapped onto each decision.
 */
export const policy = <E>(plan: Plan<E>): Schedule.Schedule<RetrySchedule.Step<E>, E, Requirements> => {
  const counters: Counters = {
    retries: Metric.increment(Metric.tagged(Metrics.retries, "operation", plan.name)),
    giveUps: Metric.increment(Metric.tagged(Metrics.giveUps, "operation", plan.name))
  }
  const limited = RetrySchedule.limit(plan.schedule ?? Backoff.exponential({ maxWait: plan.maxWait }), {
    maxAttempts: plan.maxAttempts,
    shouldRetry: plan.shouldRetry,
    requestedDelay: plan.retryAfter === undefined ? undefined : requestedDelay(plan),
    maxElapsedMillis: plan.maxElapsedMillis,
    alertAttempts: plan.alertAttempts,
    alertAfterMillis: plan.alertAfterMillis,
    admit: withdraw(plan)
  })
  return Schedule.tapOutput(limited, (step) => onStep(plan, counters, step))
}

const attemptsText = (plan: { readonly maxAttempts: number }, attempt: number): string =>
  plan.maxAttempts === Number.POSITIVE_INFINITY ? `${attempt}` : `${attempt}/${plan.maxAttempts}`

/** What the loop says and does at one failure. */
const onStep = <E>(
  plan: Plan<E>,
  counters: Counters,
  step: RetrySchedule.Step<E>
): Effect.Effect<void, never, Requirements> =>
  Effect.withFiberRuntime((fiber) => {
    const incidents = serviceOf<IncidentsService>(fiber, Incidents.key)
    const counted =
      incidents?.isOpen(plan.context, plan.name) === true
        ? incidents.noteFailure(plan.context, plan.name)
        : Effect.void
    const annotations = { operation: plan.name, attempt: step.attempt }
    switch (step.stop) {
      case undefined: {
        // The message (with its redaction) is built only when a warning would be written: in an
        // alert storm with warnings filtered out, that is most of the work.
        const warn = logsAt(fiber, LogLevel.Warning)
          ? Effect.logWarning(
              `${plan.name} failed on attempt ${attemptsText(plan, step.attempt)}; retrying in ${Describe.duration(step.delay)}: ${Describe.summary(step.input)}`
            ).pipe(Effect.annotateLogs(annotations))
          : Effect.void
        const done = Effect.zipRight(Effect.zipRight(counted, warn), counters.retries)
        return step.alert ? Effect.zipRight(done, alertFor(plan, step)) : done
      }
      case "not-retryable":
        // Left to the caller, who chose not to retry it.
        return counted
      case "refused": {
        // The budget counted the refusal in Metrics.retriesRefused.
        const budget = serviceOf<RetryBudgetService>(fiber, RetryBudget.key)
        const log = Effect.logWarning(
          `${plan.name} gave up after ${step.attempt} attempt${step.attempt === 1 ? "" : "s"}: the retry budget for ${plan.budgetKey} is exhausted: ${Describe.summary(step.input)}`
        ).pipe(Effect.annotateLogs({ ...annotations, budgetKey: plan.budgetKey }))
        return Effect.zipRight(
          Effect.zipRight(counted, log),
          budget === undefined
            ? Effect.void
            : Effect.asVoid(alertBudget(budget, plan.budgetKey, step.startedAt))
        )
      }
      case "deadline": {
        const log = Effect.logError(
          `${plan.name} gave up after ${step.attempt} attempt${step.attempt === 1 ? "" : "s"}: waiting ${Describe.duration(step.delay)} more would pass its maxElapsed of ${Describe.duration(Duration.millis(plan.maxElapsedMillis!))} (failing since ${Describe.duration(Duration.millis(step.now - step.startedAt))}): ${Describe.summary(step.input)}`
        ).pipe(Effect.annotateLogs(annotations))
        return Effect.zipRight(counted, Effect.zipRight(log, counters.giveUps))
      }
      default: {
        if (!plan.logGiveUp) return Effect.zipRight(counted, counters.giveUps)
        const log = Effect.logError(
          `${plan.name} gave up after ${step.attempt} attempts: ${Describe.summary(step.input)}`
        ).pipe(Effect.annotateLogs(annotations))
        return Effect.zipRight(counted, Effect.zipRight(log, counters.giveUps))
      }
    }
  })

/** The alert of the plan's subject, at the step that reached `alertAt`. */
const alertFor = <E>(
  plan: Plan<E>,
  step: RetrySchedule.Step<E>
): Effect.Effect<boolean, never, Requirements> =>
  plan.subject._tag === "Connection"
    ? Alert.sendInfrastructureAlert(
        {
          resourceName: plan.subject.resourceName,
          actionName: plan.subject.actionName,
          name: plan.name,
          attempt: step.attempt,
          maxAttempts: plan.maxAttempts,
          error: step.input
        },
        step.startedAt
      )
    : Alert.sendCriticalRetryAlert(plan.name, step.attempt, step.input, plan.context, {
        threshold: plan.alertAttempts ?? plan.maxAttempts,
        startedAt: step.startedAt,
        now: step.now
      })

/**
 * What the retry's span sees of a failure: its type and message, scrubbed (the span's status and
 * exception event go to a tracing backend), with the failure itself kept to hand back.
 */
class ScrubbedFailure extends Error {
  constructor(readonly original: unknown) {
    super(Describe.summary(original))
    this.name = "RetryFailure"
    // The stack would quote the original message: the scrubbed summary stands in for it.
    this.stack = `RetryFailure: ${this.message}`
  }
}

const scrubbedCause = <E>(cause: Cause.Cause<E>): Cause.Cause<E> =>
  Cause.map(cause, (error) => new ScrubbedFailure(Cause.originalError(error)) as E)

const originalCause = <E>(cause: Cause.Cause<E>): Cause.Cause<E> =>
  Cause.match(cause, {
    onEmpty: cause,
    onFail: (error) => {
      const unwrapped = Cause.originalError(error)
      return Cause.fail(unwrapped instanceof ScrubbedFailure ? (unwrapped.original as E) : unwrapped)
    },
    onDie: (defect) => Cause.die(Cause.originalError(defect)),
    onInterrupt: Cause.interrupt,
    onSequential: Cause.sequential,
    onParallel: Cause.parallel
  })

const outcome = (exit: Exit.Exit<unknown, unknown>): string =>
  Exit.isSuccess(exit)
    ? "success"
    : Cause.isInterruptedOnly(exit.cause)
      ? "interrupted"
      : Cause.isFailure(exit.cause)
        ? "failure"
        : "defect"

/** Resolves the incidents of `name` in `context` when this process knows one is open. */
export const resolveIfOpen = (context: string, name: string): Effect.Effect<void, never, Requirements> =>
  Effect.withFiberRuntime((fiber) => {
    const incidents = serviceOf<IncidentsService>(fiber, Incidents.key)
    return incidents?.isOpen(context, name) === true ? Alert.resolve(context, name) : Effect.void
  })

/**
 * Continues a retry loop whose first attempt already failed with `first`: `Effect.retry` over
 * `self` with the full policy, where the first run replays `first` instead of running `self`
 * again. The loop runs in a span `retry {name}` whose attributes say how many attempts were made
 * and how it ended; a success resolves the operation's incidents; it fails with the original
 * error object.
 */
export const retryAfterFailure = <A, E, R, R2>(
  self: Effect.Effect<A, E, R>,
  first: E,
  schedule: Schedule.Schedule<unknown, E, R2>,
  name: string,
  context: string
): Effect.Effect<A, E, R | R2 | Requirements> =>
  Effect.suspend(() => {
    let attempts = 1
    let replayed = false
    const attempt = Effect.suspend(() => {
      if (!replayed) {
        replayed = true
        return Effect.fail(first)
      }
      attempts++
      return self
    })
    return Effect.retry(attempt, schedule).pipe(
      Effect.tap(() => resolveIfOpen(context, name)),
      Effect.onExit((exit) =>
        Effect.annotateCurrentSpan({ "retry.attempts": attempts, "retry.outcome": outcome(exit) })
      ),
      // The span records the failure scrubbed; the caller gets the very error object back.
      Effect.mapErrorCause(scrubbedCause),
      Effect.withSpan(`retry ${name}`, { attributes: { "retry.operation": name } }),
      // Inside a span, Effect wraps failed objects and defects in a proxy that carries the span;
      // hand back the very objects, as if there were no retry around the operation.
      Effect.mapErrorCause(originalCause)
    )
  })

/**
 * What a combinator holds: its plan, the key its first attempts deposit under, and its policy,
 * each made when first needed and then kept.
 */
export interface Source<E> {
  readonly plan: Plan<E>
  readonly budgetKey: string
  /** The plan's context and name, known without building the plan: what a success resolves. */
  readonly context: string
  readonly name: string
  schedule: Schedule.Schedule<unknown, E, Requirements> | undefined
}

/**
 * A combinator's options, checked, with its plan and policy built when first needed. The usual
 * options of a combinator built per call (a name, a context) are checked here and the plan waits
 * for a first failure: a call that succeeds at once builds nothing.
 */
export class Compiled<E> implements Source<E> {
  private built: Plan<E> | undefined
  private key: string | undefined
  schedule: Schedule.Schedule<unknown, E, Requirements> | undefined = undefined

  constructor(
    readonly options: PolicyOptions<E>,
    readonly defaults: Defaults
  ) {
    if (isPlain(options)) {
      Options.name("name", options.name)
      if (options.context !== undefined && typeof options.context !== "string") {
        throw new Options.InvalidOptionError({ option: "context", reason: "must be a string" })
      }
    } else {
      this.built = resolve(options, defaults)
    }
  }

  get plan(): Plan<E> {
    this.built ??= resolve(this.options, this.defaults)
    return this.built
  }

  get context(): string {
    const subject = this.defaults.subject
    return subject._tag === "Connection"
      ? (this.built?.context ?? `${subject.resourceName}_infrastructure`)
      : (this.options.context ?? "")
  }

  get name(): string {
    return this.options.name
  }

  get budgetKey(): string {
    this.key ??=
      this.built?.budgetKey ??
      budgetKeyOf(
        this.options.budgetKey,
        this.defaults.subject,
        this.options.context ?? "",
        this.options.name
      )
    return this.key
  }
}

/** Whether `options` holds nothing but a name and a context (and is an object at all). */
export const isPlain = (options: PolicyOptions<any>): boolean =>
  isObject(options) &&
  options.maxAttempts === undefined &&
  options.maxWait === undefined &&
  options.while === undefined &&
  options.schedule === undefined &&
  options.alertAt === undefined &&
  options.maxElapsed === undefined &&
  options.retryAfter === undefined &&
  options.maxRetryAfter === undefined &&
  options.budgetKey === undefined

/** The loop after a first failure, for `compiled`'s plan. */
export const continueAfter = <A, E, R>(
  compiled: Source<E>,
  self: Effect.Effect<A, E, R>,
  first: E
): Effect.Effect<A, E, R | Requirements> => {
  compiled.schedule ??= policy(compiled.plan)
  return retryAfterFailure(self, first, compiled.schedule, compiled.plan.name, compiled.plan.context)
}

/** What the loop does after the first failure: {@link continueAfter}, or a wrapper of it. */
export type After = <A, E, R>(
  compiled: Source<E>,
  self: Effect.Effect<A, E, R>,
  first: E
) => Effect.Effect<A, E, R | Requirements>

/**
 * `self` with the loop after its first failure: one `catchAll`. Built once per application of a
 * combinator, so that a combinator built once costs no allocation per run.
 */
export const attempt = <A, E, R>(
  compiled: Source<E>,
  self: Effect.Effect<A, E, R>,
  after: After = continueAfter
): Effect.Effect<A, E, R | Requirements> => Effect.catchAll(self, (first) => after(compiled, self, first))

/**
 * One run of the combinator: deposits into the retry budget when there is one, then `attempt`,
 * which resolves the operation's incidents on success when any are open.
 */
export const run = <A, E, R>(
  compiled: Source<E>,
  attempt: Effect.Effect<A, E, R>,
  fiber: Fiber.RuntimeFiber<unknown, unknown>
): Effect.Effect<A, E, R | Requirements> => {
  const services = fiber.currentContext.unsafeMap
  const budget = services.get(RetryBudget.key) as RetryBudgetService | undefined
  if (budget !== undefined) budget.deposit(compiled.budgetKey)
  const incidents = services.get(Incidents.key) as IncidentsService | undefined
  // With no open incident (the usual case) this is one lookup; a success then resolves nothing.
  if (incidents === undefined || !incidents.isOpen(compiled.context, compiled.name)) return attempt
  return Effect.tap(attempt, () => resolveIfOpen(compiled.context, compiled.name))
}

/** The retry combinator of `options`: its plan and policy are built when first needed, then kept. */
export const retryWith = <E>(options: PolicyOptions<E>, defaults: Defaults) => {
  const compiled = new Compiled(options, defaults)
  return <A, E2 extends E, R>(self: Effect.Effect<A, E2, R>): Effect.Effect<A, E2, R | Requirements> => {
    const once = attempt(compiled as unknown as Compiled<E2>, self)
    return Effect.withFiberRuntime((fiber) => run(compiled as unknown as Compiled<E2>, once, fiber))
  }
}

/** Whether a log line at `level` would be written: the fiber's minimum level lets it through. */
export const logsAt = (fiber: Fiber.RuntimeFiber<unknown, unknown>, level: LogLevel.LogLevel): boolean =>
  // Ordinals compared directly: this runs on connRetry's success path.
  level.ordinal >= fiber.getFiberRef(FiberRef.currentMinimumLogLevel).ordinal

/** The service name in connection logs: config `SERVICE_NAME`, default `"unknown"`. */
export const serviceName = Config.string("SERVICE_NAME").pipe(
  Config.withDefault("unknown"),
  Effect.orElseSucceed(() => "unknown")
)

/** How many combinators of plain options {@link memo} keeps per first key, and first keys it keeps. */
export const MEMO_SIZE = 256

/**
 * A bounded memo of combinators made from plain options (a context and a name, or a resource and
 * an action), keyed by those two strings: `Retry.retry({ name })` written inside a function that
 * runs per call then finds the combinator of the previous call instead of building it again.
 * Sound because combinators of equal plain options are the same value. Two levels of maps, so a
 * lookup hashes the caller's own strings (literals, whose hash is kept) and concatenates nothing.
 * Bounded: at most `MEMO_SIZE` first keys of `MEMO_SIZE` entries, the least recently added
 * dropped; it does not grow with option objects.
 */
export const memo = <A>() => {
  const entries = new Map<string, Map<string, A>>()
  return (first: string, second: string, make: () => A): A => {
    let inner = entries.get(first)
    if (inner === undefined) {
      inner = new Map()
      setNewest(entries, first, inner, MEMO_SIZE)
    }
    const found = inner.get(second)
    if (found !== undefined) return found
    const made = make()
    setNewest(inner, second, made, MEMO_SIZE)
    return made
  }
}
