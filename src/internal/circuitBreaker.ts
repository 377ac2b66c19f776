/**
 * The circuit breaker's contract: its states and records, the `CircuitOpen` rejection, the
 * service and its tag, and its options, validated into settings. The logic is in `circuit/`,
 * written once over a store (memory in `circuit/memoryStore.ts`, Redis under `redis/`).
 *
 * @internal
 */

import type * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type { CircuitBreakerService, Mode, Options, State, Transition } from "../CircuitBreaker.js"
import * as OptionChecks from "./options.js"

// The service's types are the public module's (where the API reference documents them), here for
// the internal modules that import them from this one.
export type { CircuitBreakerService, Mode, State, Transition }

/**
 * A circuit as every process shares it: the state, numbered so that a write can be conditional
 * (a transition from the state a process saw), and what the open time's schedule needs.
 */
export interface CircuitRecord {
  readonly state: State
  /** Bumped by every transition: a process writes only over the generation it saw. */
  readonly generation: number
  /** Clock millis when it entered its state. */
  readonly since: number
  /** Open: Clock millis when probes may start. Otherwise 0. */
  readonly until: number
  /** Openings in a row (the open time's step); back to 0 once closed for `resetAfter`. */
  readonly openings: number
  /** Why it opened, for people: "12 of 20 calls failed (60%) in the last 30s". */
  readonly reason: string
}

/** A circuit never opened. */
export const CLOSED: CircuitRecord = {
  state: "closed",
  generation: 0,
  since: 0,
  until: 0,
  openings: 0,
  reason: ""
}

/**
 * A call rejected by a circuit: it is open (or isolated, or half-open with its probes taken).
 * `retryAfter` is how long until the circuit lets a call through; infinite while isolated.
 */
export class CircuitOpen extends /*#__PURE__*/ Data.TaggedError("CircuitOpen")<{
  readonly key: string
  readonly state: Exclude<State, "closed">
  readonly retryAfter: Duration.Duration
}> {
  override get message(): string {
    const retryAfter = Duration.format(Duration.millis(Math.ceil(Duration.toMillis(this.retryAfter))))
    return this.state === "isolated"
      ? `circuit ${this.key} is isolated: calls are rejected until it is reset`
      : this.state === "half-open"
        ? `circuit ${this.key} is half-open and its probes are taken: retry after ${retryAfter}`
        : `circuit ${this.key} is open: retry after ${retryAfter}`
  }
}

/** Whether `error` is a {@link CircuitOpen} rejection. */
export const isCircuitOpen = (error: unknown): error is CircuitOpen => error instanceof CircuitOpen

/**
 * Where a breaker made by this library keeps `protect` without its `Effect.suspend`: a function
 * to call when the call runs. The retry pipeline calls it inside the fiber step it already takes.
 */
export const Enter: unique symbol = Symbol.for("effect-retry-alerts/CircuitBreaker/enter")

/** `protect`, decided when called: what a breaker of this library has under {@link Enter}. */
export type EnterFn = <A, E, R>(
  key: string,
  self: Effect.Effect<A, E, R>,
  isFailure?: ((error: E) => boolean) | undefined
) => Effect.Effect<A, E | CircuitOpen, R>

/**
 * Where a breaker made by this library lets the retry pipeline count a call through a closed
 * circuit without a step of its own: `(key)` gives the circuit's counters while it is closed
 * (and has no slow-call rule), else `undefined`. A success of a closed circuit changes nothing;
 * a failure returns what it makes the circuit do (its opening), if anything.
 */
export const Closed: unique symbol = Symbol.for("effect-retry-alerts/CircuitBreaker/closed")

/** A closed circuit's counters, for {@link Closed}. */
export interface ClosedCircuit {
  readonly succeeded: () => void
  readonly failed: (
    cause: Cause.Cause<unknown>,
    isFailure: ((error: any) => boolean) | undefined
  ) => Effect.Effect<void> | undefined
}

/** The circuit breaker's tag. */
export class CircuitBreaker extends /*#__PURE__*/ Context.Tag("effect-retry-alerts/CircuitBreaker")<
  CircuitBreaker,
  CircuitBreakerService
>() {}

/** The options every circuit breaker takes: `CircuitBreaker.Options`, documented there. */
export type BreakerOptions = Options

/** Opens after this many failures in a row, by default. */
export const DEFAULT_CONSECUTIVE_FAILURES = 10
/** Opens when this share of the calls in the window failed, by default... */
export const DEFAULT_FAILURE_RATE = 0.5
/** ...once the window holds at least this many calls. */
export const DEFAULT_MINIMUM_CALLS = 20
/** The failure-rate window, by default. */
export const DEFAULT_WINDOW: Duration.Duration = Duration.seconds(30)
/** A slow-call policy's rate when only its duration is given. */
export const DEFAULT_SLOW_CALL_RATE = 1
/** The first open time; each opening in a row doubles it... */
export const DEFAULT_FIRST_OPEN: Duration.Duration = Duration.seconds(5)
/** ...up to this. */
export const DEFAULT_MAX_OPEN: Duration.Duration = Duration.minutes(2)
/** Closed this long, the open time starts again from its first step. */
export const DEFAULT_RESET_AFTER: Duration.Duration = Duration.minutes(1)
/** Probes in flight at once in half-open, by default; that many successes close it. */
export const DEFAULT_PROBES = 1
/** Circuits remembered, by default. */
export const DEFAULT_MAX_KEYS = 10_000
/** How long a rejection in half-open (its probes taken) asks the caller to wait. */
export const HALF_OPEN_RETRY_AFTER: Duration.Duration = Duration.seconds(1)

/** The default open time: 5 s, doubling at each opening in a row, at most 2 minutes. */
export const defaultOpenFor = (): Schedule.Schedule<unknown, unknown, never> =>
  Schedule.union(Schedule.exponential(DEFAULT_FIRST_OPEN), Schedule.spaced(DEFAULT_MAX_OPEN))

/** {@link BreakerOptions}, validated. */
export interface Settings {
  readonly consecutiveFailures: number
  readonly failureRate: number
  readonly minimumCalls: number
  readonly windowMillis: number
  /** Calls at least this long are slow; `undefined`: no slow-call policy (no call is timed). */
  readonly slowMillis: number | undefined
  readonly slowRate: number
  readonly openFor: Schedule.Schedule<unknown, unknown, never>
  readonly resetAfterMillis: number
  readonly probes: number
  readonly isFailure: ((error: unknown) => boolean) | undefined
  readonly mode: Mode
  readonly maxKeys: number
}

const rate = (option: string, value: unknown): number => {
  if (typeof value !== "number" || !(value > 0 && value <= 1)) {
    throw new OptionChecks.InvalidOptionError({
      option,
      reason: `must be a number above 0 and at most 1 (a share of the calls), got ${String(value)}`
    })
  }
  return value
}

const MAX = Number.MAX_SAFE_INTEGER

/** Validates `options`, throwing `InvalidOptionError` naming the first bad one. */
export const settings = (options: BreakerOptions): Settings => {
  if (options === null || typeof options !== "object") {
    throw new OptionChecks.InvalidOptionError({ option: "options", reason: "must be an object" })
  }
  const slow = options.slowCalls
  if (slow !== undefined && (slow === null || typeof slow !== "object")) {
    throw new OptionChecks.InvalidOptionError({
      option: "slowCalls",
      reason: "must be an object with a duration"
    })
  }
  if (options.openFor !== undefined && !Schedule.isSchedule(options.openFor)) {
    throw new OptionChecks.InvalidOptionError({ option: "openFor", reason: "must be a Schedule" })
  }
  if (options.isFailure !== undefined && typeof options.isFailure !== "function") {
    throw new OptionChecks.InvalidOptionError({ option: "isFailure", reason: "must be a function" })
  }
  const mode = options.mode ?? "enforce"
  if (mode !== "enforce" && mode !== "alert-only") {
    throw new OptionChecks.InvalidOptionError({
      option: "mode",
      reason: `must be "enforce" or "alert-only", got ${String(mode)}`
    })
  }
  return {
    consecutiveFailures: OptionChecks.wholeNumber(
      "consecutiveFailures",
      options.consecutiveFailures ?? DEFAULT_CONSECUTIVE_FAILURES,
      1,
      MAX
    ),
    failureRate: rate("failureRate", options.failureRate ?? DEFAULT_FAILURE_RATE),
    minimumCalls: OptionChecks.wholeNumber(
      "minimumCalls",
      options.minimumCalls ?? DEFAULT_MINIMUM_CALLS,
      1,
      MAX
    ),
    windowMillis: Duration.toMillis(OptionChecks.duration("window", options.window ?? DEFAULT_WINDOW)),
    slowMillis:
      slow === undefined
        ? undefined
        : Duration.toMillis(OptionChecks.duration("slowCalls.duration", slow.duration)),
    slowRate:
      slow === undefined
        ? DEFAULT_SLOW_CALL_RATE
        : rate("slowCalls.rate", slow.rate ?? DEFAULT_SLOW_CALL_RATE),
    openFor: options.openFor ?? defaultOpenFor(),
    resetAfterMillis: Duration.toMillis(
      OptionChecks.duration("resetAfter", options.resetAfter ?? DEFAULT_RESET_AFTER, { allowZero: true })
    ),
    probes: OptionChecks.wholeNumber("probes", options.probes ?? DEFAULT_PROBES, 1, MAX),
    isFailure: options.isFailure,
    mode,
    maxKeys: OptionChecks.wholeNumber("maxKeys", options.maxKeys ?? DEFAULT_MAX_KEYS, 1, MAX)
  }
}
