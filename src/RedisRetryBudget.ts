/**
 * A retry budget shared by many processes through Redis: 20 replicas calling one dependency
 * share one budget for it, so that together they retry within it. From the
 * `effect-retry-alerts/redis` entry point; needs the optional peer dependency `ioredis` (5.x),
 * loaded when the layer is built.
 *
 * @since 0.2.0
 */
import type * as ConfigError from "effect/ConfigError"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Connection from "./internal/redis/connection.js"
import * as Internal from "./internal/redis/retryBudget.js"
import { RetryBudget } from "./internal/retryBudget.js"
import * as RedisConnection from "./RedisConnection.js"

/**
 * Options of {@link layer} and {@link layerConfig}: the budget's, as in `RetryBudget.layer`, and
 * the connection's.
 *
 * @since 0.3.0
 * @category models
 */
export interface Options extends RedisConnection.Options {
  /** Prepended to every key this budget writes (then `budget:`). Default `"retry-alerts:"`. */
  readonly prefix?: string | undefined
  /** Retries allowed as a percentage of the first attempts in the window, 0 to 100. Default 20. */
  readonly percent?: number | undefined
  /** Retries allowed per second of the window whatever the first attempts, >= 0. Default 10. */
  readonly minPerSecond?: number | undefined
  /** The sliding window. Default 10 seconds. */
  readonly window?: Duration.DurationInput | undefined
  /** Most keys this process remembers at once. Default 10,000. */
  readonly maxKeys?: number | undefined
  /** How often this process sends its counts and reads everyone's. Default 100 millis. */
  readonly flushInterval?: Duration.DurationInput | undefined
  /** Longest a flush waits for Redis before this process decides on its own counts. Default 250 millis. */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * {@link Options}, under its 0.2 name.
 *
 * @since 0.1.0
 * @category models
 * @deprecated Renamed {@link Options}; this alias goes in the next minor release.
 */
export type RedisOptions = Options

/**
 * The URL used when none is given: `redis://127.0.0.1:6379`.
 *
 * @since 0.2.0
 * @category constants
 */
export const DEFAULT_URL: string = Connection.DEFAULT_URL

/**
 * The key prefix used when none is given: `"retry-alerts:"`. A budget key `k` is stored under
 * `<prefix>budget:{<SHA-256 of k>}` (the hash in braces is a Redis Cluster hash tag: each key has
 * a slot of its own), which cannot clash with the alert limiter's keys; the replicas registry
 * under `<prefix>replicas`.
 *
 * @since 0.2.0
 * @category constants
 */
export const DEFAULT_PREFIX: string = Internal.DEFAULT_PREFIX

/**
 * How often a process sends its counts and reads everyone's when no `flushInterval` is given:
 * 100 milliseconds.
 *
 * @since 0.2.0
 * @category constants
 */
export const DEFAULT_FLUSH_INTERVAL: Duration.Duration = Internal.DEFAULT_FLUSH_INTERVAL

/**
 * The longest a flush waits for Redis when no `timeout` is given: 250 milliseconds.
 *
 * @since 0.2.0
 * @category constants
 */
export const DEFAULT_TIMEOUT: Duration.Duration = Internal.DEFAULT_TIMEOUT

/**
 * A retry budget shared through Redis by every process that uses the same server and `prefix`:
 * the rule of `RetryBudget.layer` (a retry is allowed while
 * `withdrawals + 1 <= deposits × percent / 100 + minPerSecond × window in seconds`), over the
 * first attempts and retries of all of them.
 *
 * - Decisions stay synchronous and local: a process decides on the shared counts it last read
 *   plus its own counts not yet shared. A background fiber sends those counts and reads back
 *   everyone's once per `flushInterval`, in one round trip for all the keys used since the last
 *   flush (a Lua script: one `HINCRBY` per bucket, the window read back, old buckets deleted).
 * - The budget is shared, not granted to each replica. Every process registers in a sorted set
 *   (`<prefix>replicas`, one command of its own) when the layer is built, before its first
 *   decision, then at each flush, and once a bucket (`window / 10`) while idle; members not heard
 *   of for a window are dropped, and a released layer leaves at once. With `N` registered, between
 *   two flushes a process allows a retry only while its retries since its last flush stay within
 *   its share, `left / N`, where `left = (shared + own unsent deposits) × percent / 100 + reserve -
 *   shared withdrawals - what the others may have spent since their last flush` (as much as this
 *   process's last share each, or what their retries added in Redis over the last flush interval,
 *   whichever is more). A fractional share is rounded up with probability its fraction,
 *   drawn at each flush from the Effect `Random`, so that a small remainder is still spent. So 8
 *   processes that each retry a burst at once spend the shared remainder once, not 8 times; the
 *   cost is that a key only a few of many processes use is spent more slowly, over several flushes.
 *   A newly started process is counted by the others from their next registration (within a
 *   bucket, 1 s by default).
 * - Lag: a process's counts reach Redis within `flushInterval` plus one round trip. A process
 *   reads a key's shared counts at each flush that follows a use of the key (`deposit`,
 *   `tryWithdraw`, `status`), so for a key in steady use another process's counts count here at
 *   most `2 × flushInterval` plus a round trip after they were made (about 200 ms plus a round
 *   trip with the defaults). A key new to a process is decided on its own counts and its share
 *   until its next flush.
 * - `status(key)` cannot wait for Redis (it is synchronous): for a key this process has not used,
 *   the first call returns what the process knows (zeros) and queues the key, so that the calls
 *   after the next flush (a `flushInterval` later) return the shared counts.
 * - With a Redis Cluster connection, each key is flushed in a script call of its own (its slot),
 *   concurrently; on one server, up to 500 keys per call.
 * - Buckets are the memory budget's (10 per window), identified by Clock time, so every process
 *   must use the same `window`; clocks that disagree by much put counts in other buckets.
 * - Every key expires (window + 1 minute) and holds at most a window of buckets, so Redis's
 *   memory stays bounded without any sweeper. Each process remembers at most `maxKeys` keys.
 * - Time is the Effect `Clock`'s, for the buckets and for the flush loop's sleeps: a test moves
 *   both with `TestClock.adjust`.
 * - Builds even when Redis is down (the first registration then gets no answer: the process
 *   decides alone), and reconnects in the background. While Redis gives no answer (down, slower
 *   than `timeout`, garbage), each process decides on its own counts (its own budget, as the
 *   memory budget would, from the first failed flush of a key), logs a warning at most once per
 *   window, and keeps its counts to send when Redis answers again, which it logs at info level.
 * - Refusals (`status(key).refusedLastMinute`, `Metrics.retriesRefused`) are this process's.
 * - The connection closes, and the flush loop stops, when the layer is released; counts not yet
 *   flushed then are not sent.
 *
 * Throws `InvalidOptionError` when an option is invalid (the URL itself is never shown).
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { RetryBudget } from "effect-retry-alerts"
 * import { RedisRetryBudget } from "effect-retry-alerts/redis"
 *
 * const budget = RedisRetryBudget.layer({
 *   url: Redacted.make("redis://:secret@redis.internal:6379"),
 *   percent: 20,
 *   flushInterval: "100 millis"
 * })
 * const program = Effect.gen(function* () {
 *   yield* RetryBudget.deposit("billing")
 *   return yield* RetryBudget.tryWithdraw("billing")
 * })
 * // Effect.runPromise(main) connects to Redis.
 * const main = program.pipe(Effect.provide(budget))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<RetryBudget> => {
  const settings = Internal.settings(options)
  return Layer.scoped(RetryBudget, Internal.make(settings, Connection.checkEndpoint(options)))
}

/**
 * {@link layer} on the connection of `RedisConnection.layer`, shared with the other Redis-backed
 * services: one connection per process. The connection's options (`url`, `nodes`, `client`,
 * `timeout`) are `RedisConnection.layer`'s.
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { RedisRetryBudget, RedisConnection } from "effect-retry-alerts/redis"
 *
 * const shared = RedisRetryBudget.layerWithoutConnection({ prefix: "billing:" }).pipe(
 *   Layer.provide(RedisConnection.layer({ url: Redacted.make("redis://redis.internal:6379") }))
 * )
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layerWithoutConnection = (
  options: Omit<Options, "url" | "nodes" | "client" | "timeout"> = {}
): Layer.Layer<RetryBudget, never, RedisConnection.RedisConnection> => {
  const settings = Internal.settings(options)
  return Layer.scoped(
    RetryBudget,
    Effect.flatMap(RedisConnection.RedisConnection, (connection) => Internal.makeOn(settings, connection))
  )
}

/**
 * {@link layer} with the URL read from the `REDIS_URL` configuration variable (as a
 * `Redacted`). Fails with a `ConfigError` when it is missing or not a Redis URL.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RetryBudget } from "effect-retry-alerts"
 * import { RedisRetryBudget } from "effect-retry-alerts/redis"
 *
 * // REDIS_URL=redis://:secret@redis.internal:6379
 * const program = RetryBudget.status("billing")
 * // Effect.runPromise(main) connects to Redis.
 * const main = program.pipe(Effect.provide(RedisRetryBudget.layerConfig({ prefix: "billing:" })))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  options: Omit<Options, "url" | "nodes" | "client"> = {}
): Layer.Layer<RetryBudget, ConfigError.ConfigError> => {
  const settings = Internal.settings(options)
  return Layer.unwrapEffect(
    Effect.map(Connection.urlConfig, (url) =>
      Layer.scoped(RetryBudget, Internal.make(settings, { _tag: "Url", url }))
    )
  )
}

export {
  /**
   * Thrown synchronously when a combinator or layer is built with an invalid option; `option`
   * names the offending option.
   *
   * @since 0.2.0
   * @category errors
   */
  InvalidOptionError
} from "./internal/options.js"
