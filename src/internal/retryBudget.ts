/**
 * The retry budget's contract: its service and tag, read by the retry loops as an optional
 * service; its options and rule; and the memory budget. The Redis budget lives under `redis/`.
 *
 * @internal
 */
import type * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as MetricLabel from "effect/MetricLabel"
import type * as Scope from "effect/Scope"
import type { BudgetStatus, RetryBudgetService } from "../RetryBudget.js"
import { BUCKETS, bucketId, Ring } from "./budgetWindow.js"
import { setNewest } from "./lru.js"
import * as Metrics from "./metrics.js"
import * as Options from "./options.js"

// The service's types are the public module's (where the API reference documents them), here for
// the internal modules that import them from this one.
export type { BudgetStatus, RetryBudgetService }

/** The retry budget service tag. */
export class RetryBudget extends /*#__PURE__*/ Context.Tag("effect-retry-alerts/RetryBudget")<
  RetryBudget,
  RetryBudgetService
>() {}

/** Retries allowed as a percentage of the first attempts in the window, by default. */
export const DEFAULT_PERCENT = 20

/** Retries allowed per second of the window whatever the first attempts, by default. */
export const DEFAULT_MIN_PER_SECOND = 10

/** The sliding window, by default. */
export const DEFAULT_WINDOW: Duration.Duration = /*#__PURE__*/ Duration.seconds(10)

/** Most keys one budget remembers, by default. */
export const DEFAULT_MAX_KEYS = 10_000

/** `refusedLastMinute` counts refusals over this period... */
export const REFUSAL_PERIOD_MILLIS = 60_000

/** ...kept in this many buckets: it counts the refusals of the last 55 to 60 seconds. */
export const REFUSAL_BUCKETS = 12

const REFUSAL_BUCKET_MILLIS = REFUSAL_PERIOD_MILLIS / REFUSAL_BUCKETS

/** The options every budget takes. */
export interface BudgetOptions {
  readonly percent?: number | undefined
  readonly minPerSecond?: number | undefined
  readonly window?: Duration.DurationInput | undefined
  readonly maxKeys?: number | undefined
}

/** {@link BudgetOptions}, validated, with what the rule and the buckets need precomputed. */
export interface BudgetSettings {
  readonly percent: number
  readonly minPerSecond: number
  readonly windowMillis: number
  readonly maxKeys: number
  /** `windowMillis / BUCKETS`, possibly fractional. */
  readonly bucketMillis: number
  /** `minPerSecond × window in seconds`, times 100: the rule compares in hundredths. */
  readonly reserveHundredths: number
}

const show = (value: unknown): string => (typeof value === "string" ? JSON.stringify(value) : String(value))

const finiteNumber = (option: string, value: unknown, min: number, max: number): number => {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new Options.InvalidOptionError({
      option,
      reason: `must be a number from ${min} to ${max}, got ${show(value)}`
    })
  }
  return value
}

/** Validates the options every budget takes, throwing `InvalidOptionError` naming the bad one. */
export const settings = (options: BudgetOptions): BudgetSettings => {
  const percent = finiteNumber("percent", options.percent ?? DEFAULT_PERCENT, 0, 100)
  const minPerSecond = finiteNumber(
    "minPerSecond",
    options.minPerSecond ?? DEFAULT_MIN_PER_SECOND,
    0,
    Number.MAX_SAFE_INTEGER
  )
  const windowMillis = Duration.toMillis(Options.duration("window", options.window ?? DEFAULT_WINDOW))
  const maxKeys = Options.wholeNumber(
    "maxKeys",
    options.maxKeys ?? DEFAULT_MAX_KEYS,
    1,
    Number.MAX_SAFE_INTEGER
  )
  return {
    percent,
    minPerSecond,
    windowMillis,
    maxKeys,
    bucketMillis: windowMillis / BUCKETS,
    reserveHundredths: (minPerSecond * windowMillis) / 10
  }
}

/**
 * Finagle's rule: one more retry is allowed when
 * `withdrawals + 1 <= deposits × percent / 100 + minPerSecond × window in seconds`. Compared in
 * hundredths, so that whole percents and minimums give exact integers (`0.2 × 15` is not 3 in
 * floating point).
 */
export const allows = (settings: BudgetSettings, deposits: number, withdrawals: number): boolean =>
  (withdrawals + 1) * 100 <= deposits * settings.percent + settings.reserveHundredths

/** The deposits lane and the withdrawals lane of a budget's {@link Ring}. */
export const DEPOSITS = 0
export const WITHDRAWALS = 1

/**
 * Below this bucket width (a window under 100 ms) the budget reads the Clock on every call: a
 * timer cannot keep up with such buckets.
 */
export const MIN_TICK_MILLIS = 10

/**
 * The current bucket for `deposit` and `tryWithdraw`, without reading the Clock on every call.
 * Reading it costs more than the rest of a deposit and, on the live Clock (`Date.now()`),
 * allocates a number, while a deposit runs on every first attempt, success path included. So a
 * fiber keeps the current bucket up to date, waking at each bucket boundary (on the Clock, so
 * that a test moves it with the TestClock), and parks when a whole bucket went by without a call;
 * the next call then reads the Clock itself and wakes it. A call may land in the previous bucket
 * for as long as the timer fires late (an event loop busy past a boundary): it then leaves the
 * window that much earlier.
 */
export const makeBucketClock = (
  clock: Clock.Clock,
  bucketMillis: number
): Effect.Effect<() => number, never, Scope.Scope> =>
  Effect.gen(function* () {
    const read = () => bucketId(clock.unsafeCurrentTimeMillis(), bucketMillis)
    if (bucketMillis < MIN_TICK_MILLIS) return read
    let current = read()
    let ticking = false
    let used = false
    const latch = yield* Effect.makeLatch(false)
    const untilNextBucket = Effect.suspend(() => {
      const now = clock.unsafeCurrentTimeMillis()
      return Effect.sleep(Duration.millis((bucketId(now, bucketMillis) + 1) * bucketMillis - now))
    })
    const tick = latch.await.pipe(
      Effect.zipRight(untilNextBucket),
      Effect.zipRight(
        Effect.sync(() => {
          current = read()
          if (!used) {
            ticking = false
            latch.unsafeClose()
          }
          used = false
        })
      )
    )
    yield* Effect.forkScoped(Effect.forever(tick))
    return () => {
      used = true
      if (ticking) return current
      ticking = true
      latch.unsafeOpen()
      current = read()
      return current
    }
  })

/**
 * What every budget keeps per key besides its counts: the refusals of the last minute and the
 * key's metric label, both made on the first refusal, so that a key never refused costs neither.
 */
export class KeyState {
  refused: Ring | undefined = undefined
  labels: ReadonlyArray<MetricLabel.MetricLabel> | undefined = undefined

  constructor(readonly key: string) {}

  /**
   * Counts a refusal at `now` (the start of the budget's current bucket), in this key's minute
   * and in `Metrics.retriesRefused`.
   */
  refuse(now: number): void {
    const id = bucketId(now, REFUSAL_BUCKET_MILLIS)
    this.refused ??= new Ring(REFUSAL_BUCKETS, 1, id)
    this.refused.advance(id)
    this.refused.increment(0)
    this.labels ??= [MetricLabel.make("key", this.key)]
    Metrics.retriesRefused.unsafeUpdate(1, this.labels)
  }

  /**
   * The refusals counted over the last minute: by buckets of 5 seconds, the last 55 to 60
   * seconds (a refusal counts from the start of the budget bucket it was made in).
   */
  refusedLastMinute(now: number): number {
    if (this.refused === undefined) return 0
    this.refused.advance(bucketId(now, REFUSAL_BUCKET_MILLIS))
    return this.refused.totals[0]!
  }
}

class MemoryEntry extends KeyState {
  constructor(
    key: string,
    readonly window: Ring
  ) {
    super(key)
  }
}

/**
 * The memory budget: a `Map` of keys, each with its window in buckets, made when the effect
 * runs (each build has its own state); time from the Clock of the fiber that runs it. The
 * scope holds the fiber of {@link makeBucketClock}.
 */
export const makeMemory = (
  options: BudgetOptions = {}
): Effect.Effect<RetryBudgetService, never, Scope.Scope> => {
  const budget = settings(options)
  const { bucketMillis, maxKeys } = budget

  return Effect.gen(function* () {
    // The Clock of the fiber that builds the layer (the TestClock in a test), taken once. The
    // state is a plain `Map` rather than a `Ref`: the contract is synchronous, and a synchronous
    // call cannot interleave with another one, so each decision is atomic as it is.
    const clock = yield* Effect.clock
    const currentBucket = yield* makeBucketClock(clock, bucketMillis)
    const entries = new Map<string, MemoryEntry>()

    /** The key's entry with its window moved to `id`; made if new. */
    const entryAt = (key: string, id: number): MemoryEntry => {
      let entry = entries.get(key)
      if (entry === undefined) {
        entry = new MemoryEntry(key, new Ring(BUCKETS, 2, id))
        setNewest(entries, key, entry, maxKeys)
      } else if (id > entry.window.head) {
        entry.window.advance(id)
        // Reordered once per bucket, not on every call: the map stays ordered by last use to a
        // bucket's width, and the hot path does no `Map` delete and insert.
        setNewest(entries, key, entry, maxKeys)
      }
      return entry
    }

    return {
      deposit: (key) => {
        entryAt(key, currentBucket()).window.increment(DEPOSITS)
      },
      tryWithdraw: (key) => {
        const id = currentBucket()
        const entry = entryAt(key, id)
        const totals = entry.window.totals
        if (allows(budget, totals[DEPOSITS]!, totals[WITHDRAWALS]!)) {
          entry.window.increment(WITHDRAWALS)
          return true
        }
        entry.refuse(id * bucketMillis)
        return false
      },
      status: (key) => {
        const entry = entries.get(key)
        if (entry === undefined) return { deposits: 0, withdrawals: 0, refusedLastMinute: 0 }
        const now = clock.unsafeCurrentTimeMillis()
        entry.window.advance(bucketId(now, bucketMillis))
        return {
          deposits: entry.window.totals[DEPOSITS]!,
          withdrawals: entry.window.totals[WITHDRAWALS]!,
          refusedLastMinute: entry.refusedLastMinute(now)
        }
      },
      size: () => entries.size
    } satisfies RetryBudgetService
  })
}
