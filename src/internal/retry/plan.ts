/**
 * The plan of a retry loop: a combinator's options, validated once, with what the combinator sets
 * that its options do not (`retry`, `connRetry` and `continuous` differ only here). A plan names
 * the loop (name, context, budget key) and bounds it; `policy.ts` turns it into a `Schedule`,
 * `run.ts` runs it.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Schedule from "effect/Schedule"
import type { ConnRetryOptions, ContinuousOptions, Options as RetryOptions } from "../../Retry.js"
import * as Alert from "../alert.js"
import * as Options from "../options.js"

/** The largest `maxAttempts` accepted: one less than 2^31. */
export const MAX_ATTEMPTS_LIMIT = 2 ** 31 - 1

/** The longest server-requested wait honoured when `maxRetryAfter` is not given. */
export const DEFAULT_MAX_RETRY_AFTER: Duration.Duration = /*#__PURE__*/ Duration.minutes(5)

const DEFAULT_MAX_RETRY_AFTER_MILLIS = /*#__PURE__*/ Duration.toMillis(DEFAULT_MAX_RETRY_AFTER)

const DEFAULT_MAX_WAIT: Duration.Duration = /*#__PURE__*/ Duration.seconds(30)

/** `connRetry`'s retries after the first attempt, by default. */
export const DEFAULT_MAX_RETRY = 100

/** The options every loop is planned from: those `Retry.Options` declares and documents. */
export type PolicyOptions<E, R = never> = RetryOptions<E, R>

/** Who the logs and the alert speak of: an operation, a connection to a resource, a worker. */
export type Subject =
  | { readonly _tag: "Operation" }
  | { readonly _tag: "Connection"; readonly resourceName: string; readonly actionName: string }
  /** `continuous`: a loop without an end, that counts its failures. */
  | { readonly _tag: "Worker" }

/**
 * What a retry budget's refusal does: `retry` and `connRetry` give up; `continuous` skips the
 * attempt (the function is not called) and waits its delay again.
 */
export type BudgetMode = "give-up" | "skip"

/** What a combinator sets that its options do not. */
export interface Defaults {
  readonly maxAttempts: number
  readonly alertAttempts: number | undefined
  readonly subject: Subject
  readonly budget: BudgetMode
  /** Whether the loop alerts and resolves: `continuous` without `alertAt` needs no notifier. */
  readonly alerts: boolean
}

/** Who a loop is, known without building its plan: what its first attempt deposits and resolves. */
export interface Identity {
  readonly name: string
  /** The context of the alert signature (a connection's is `"{resource}_infrastructure"`). */
  readonly context: string
  readonly budgetKey: string
  readonly alerts: boolean
}

/** What a retry loop needs to know, once its options are validated. */
export interface Plan<E, R = never> extends Identity {
  readonly subject: Subject
  readonly maxAttempts: number
  readonly maxWait: Duration.Duration
  readonly shouldRetry: ((error: E) => boolean) | undefined
  readonly schedule: Schedule.Schedule<unknown, E, R> | undefined
  readonly alertAttempts: number | undefined
  readonly alertAfterMillis: number | undefined
  readonly maxElapsedMillis: number | undefined
  readonly retryAfter: ((error: E, now: number) => Duration.DurationInput | undefined) | undefined
  readonly maxRetryAfterMillis: number
  readonly budget: BudgetMode
  /** The circuit each attempt runs through, when the loop has a breaker. */
  readonly breakerKey: string | undefined
}

const isObject = (value: unknown): value is object => value !== null && typeof value === "object"

const millisOf = (option: string, input: Duration.DurationInput | undefined): number | undefined =>
  input === undefined ? undefined : Duration.toMillis(Options.duration(option, input))

/** Validates `alertAt`. */
const alertAtOf = (alertAt: unknown): { attempts: number | undefined; afterMillis: number | undefined } => {
  if (!isObject(alertAt)) {
    throw new Options.InvalidOptionError({
      option: "alertAt",
      reason: "must be an object with attempts and/or after"
    })
  }
  const { attempts, after } = alertAt as NonNullable<RetryOptions["alertAt"]>
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

const functionOf = <F>(option: string, value: F): F => {
  if (value !== undefined && typeof value !== "function") {
    throw new Options.InvalidOptionError({ option, reason: "must be a function" })
  }
  return value
}

/** The alert context of a loop: a connection's is its resource's, an operation's its `context`. */
const contextOf = (context: unknown, subject: Subject): string => {
  if (subject._tag === "Connection") return Alert.infrastructureContext(subject.resourceName)
  if (context === undefined) return ""
  if (typeof context !== "string") {
    throw new Options.InvalidOptionError({ option: "context", reason: "must be a string" })
  }
  return context
}

/** The retry budget's key: `budgetKey`, else a connection's resource, else the context, else the name. */
const budgetKeyOf = (
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

/**
 * The circuit of a loop with the `breaker` option: its `key`, else the budget's rule (a
 * connection's resource, else the context, else the name); `undefined` without a breaker.
 */
const breakerKeyOf = (
  breaker: unknown,
  subject: Subject,
  context: string,
  name: string
): string | undefined => {
  if (breaker === undefined || breaker === false) return undefined
  if (breaker === true) return budgetKeyOf(undefined, subject, context, name)
  if (!isObject(breaker)) {
    throw new Options.InvalidOptionError({
      option: "breaker",
      reason: "must be true, false or an object with a key"
    })
  }
  const { key } = breaker as { readonly key?: unknown }
  return key === undefined ? budgetKeyOf(undefined, subject, context, name) : Options.name("breaker.key", key)
}

/** Validates `options` into a plan, throwing `InvalidOptionError` naming the first bad one. */
const resolve = <E, R>(options: PolicyOptions<E, R>, defaults: Defaults): Plan<E, R> => {
  if (!isObject(options)) {
    throw new Options.InvalidOptionError({ option: "options", reason: "must be an object with a name" })
  }
  const name = Options.name("name", options.name)
  const subject = defaults.subject
  const context = contextOf(options.context, subject)
  if (options.schedule !== undefined && !Schedule.isSchedule(options.schedule)) {
    throw new Options.InvalidOptionError({ option: "schedule", reason: "must be a Schedule" })
  }
  const alertAt =
    options.alertAt === undefined
      ? { attempts: defaults.alertAttempts, afterMillis: undefined }
      : alertAtOf(options.alertAt)
  return {
    subject,
    name,
    context,
    budgetKey: budgetKeyOf(options.budgetKey, subject, context, name),
    alerts: defaults.alerts,
    budget: defaults.budget,
    breakerKey: breakerKeyOf((options as { readonly breaker?: unknown }).breaker, subject, context, name),
    maxAttempts:
      options.maxAttempts === undefined
        ? defaults.maxAttempts
        : Options.wholeNumber("maxAttempts", options.maxAttempts, 1, MAX_ATTEMPTS_LIMIT),
    maxWait: options.maxWait === undefined ? DEFAULT_MAX_WAIT : Options.duration("maxWait", options.maxWait),
    shouldRetry: functionOf("while", options.while),
    schedule: options.schedule,
    alertAttempts: alertAt.attempts,
    alertAfterMillis: alertAt.afterMillis,
    maxElapsedMillis: millisOf("maxElapsed", options.maxElapsed),
    retryAfter: functionOf("retryAfter", options.retryAfter),
    maxRetryAfterMillis:
      options.maxRetryAfter === undefined
        ? DEFAULT_MAX_RETRY_AFTER_MILLIS
        : Duration.toMillis(Options.duration("maxRetryAfter", options.maxRetryAfter))
  }
}

/**
 * Whether `options` holds nothing but a name, a context and `breaker: true` or `false` (and is an
 * object at all): the options of a combinator built per call, whose plan can wait for a first
 * failure.
 */
export const isPlain = (options: PolicyOptions<any, any>): boolean =>
  isObject(options) &&
  options.maxAttempts === undefined &&
  options.maxWait === undefined &&
  options.while === undefined &&
  options.schedule === undefined &&
  options.alertAt === undefined &&
  options.maxElapsed === undefined &&
  options.retryAfter === undefined &&
  options.maxRetryAfter === undefined &&
  options.budgetKey === undefined &&
  // `breaker: true` is plain too: its circuit is named by the name and context.
  ((options as { readonly breaker?: unknown }).breaker === undefined ||
    typeof (options as { readonly breaker?: unknown }).breaker === "boolean")

/**
 * A combinator's options, checked once. Plain options ({@link isPlain}: a name and a context) are
 * checked here and the plan waits for a first failure, so that a call that succeeds at once builds
 * nothing; other options are planned here, so that a bad one throws where it is written.
 */
export class Planned<E, R> implements Identity {
  readonly name: string
  readonly context: string
  readonly budgetKey: string
  readonly alerts: boolean
  readonly breakerKey: string | undefined
  private built: Plan<E, R> | undefined

  constructor(
    private readonly options: PolicyOptions<E, R>,
    private readonly defaults: Defaults,
    plain: boolean
  ) {
    if (plain) {
      this.name = Options.name("name", options.name)
      this.context = contextOf(options.context, defaults.subject)
      this.budgetKey = budgetKeyOf(undefined, defaults.subject, this.context, this.name)
      this.breakerKey =
        (options as { readonly breaker?: unknown }).breaker === true ? this.budgetKey : undefined
    } else {
      const plan = resolve(options, defaults)
      this.built = plan
      this.name = plan.name
      this.context = plan.context
      this.budgetKey = plan.budgetKey
      this.breakerKey = plan.breakerKey
    }
    this.alerts = defaults.alerts
  }

  get plan(): Plan<E, R> {
    this.built ??= resolve(this.options, this.defaults)
    return this.built
  }
}

const operation: Subject = { _tag: "Operation" }

/** `retry`'s defaults: 5 attempts, an alert at attempt 50, a refused retry gives up. */
export const retryDefaults: Defaults = {
  maxAttempts: 5,
  alertAttempts: Alert.EXCESSIVE_RETRY_THRESHOLD,
  subject: operation,
  budget: "give-up",
  alerts: true
}

/** Checks `connRetry`'s own arguments, returning its `maxRetry`. */
export const connectionArguments = (
  resourceName: string,
  actionName: string,
  options: ConnRetryOptions<any, any>
): number => {
  Options.name("resourceName", resourceName)
  Options.name("actionName", actionName)
  if (!isObject(options)) {
    throw new Options.InvalidOptionError({ option: "options", reason: "must be an object" })
  }
  return options.maxRetry === undefined
    ? DEFAULT_MAX_RETRY
    : Options.wholeNumber("maxRetry", options.maxRetry, 0, MAX_ATTEMPTS_LIMIT - 1)
}

/**
 * `connRetry`'s options as a loop's: `maxRetry + 1` attempts, named after the action unless
 * `name` says, the resource as the subject (its alert context and budget key).
 */
export const connection = <E, R>(
  resourceName: string,
  actionName: string,
  options: ConnRetryOptions<E, R>,
  maxRetry: number,
  plain: boolean
): Planned<E, R> =>
  new Planned<E, R>(
    {
      name: options.name ?? actionName,
      maxWait: options.maxWait,
      schedule: options.schedule,
      alertAt: options.alertAt,
      maxElapsed: options.maxElapsed,
      retryAfter: options.retryAfter,
      maxRetryAfter: options.maxRetryAfter,
      budgetKey: options.budgetKey,
      breaker: (options as { readonly breaker?: unknown }).breaker
    } as PolicyOptions<E, R>,
    {
      maxAttempts: maxRetry + 1,
      alertAttempts: Alert.EXCESSIVE_RETRY_THRESHOLD,
      subject: { _tag: "Connection", resourceName, actionName },
      budget: "give-up",
      alerts: true
    },
    plain
  )

/**
 * `continuous`'s options as a loop's: `retryDelay` apart without an end, alerting only with
 * `alertAt`; a retry the budget refuses is skipped.
 */
export const continuous = (options: ContinuousOptions): Planned<unknown, never> => {
  if (!isObject(options)) {
    throw new Options.InvalidOptionError({ option: "options", reason: "must be an object with a name" })
  }
  const retryDelay = Options.duration("retryDelay", options.retryDelay ?? "1 second")
  return new Planned<unknown, never>(
    {
      name: options.name,
      context: options.context,
      alertAt: options.alertAt,
      budgetKey: options.budgetKey,
      schedule: Schedule.spaced(retryDelay)
    },
    {
      maxAttempts: Number.POSITIVE_INFINITY,
      alertAttempts: undefined,
      subject: { _tag: "Worker" },
      budget: "skip",
      alerts: options.alertAt !== undefined
    },
    false
  )
}
