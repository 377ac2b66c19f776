/**
 * Open incidents shared by many processes through Redis: an incident opened by any replica is
 * resolved by the first success of its operation on any replica, once. From the
 * `effect-retry-alerts/redis` entry point; needs the optional peer dependency `ioredis` (5.x),
 * loaded when the layer is built. `RedisAlertLimiter.layer` provides this store along with the
 * limiter; the layers here provide it alone.
 *
 * @since 0.3.0
 */
import type * as ConfigError from "effect/ConfigError"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Incidents } from "./internal/incidents.js"
import * as LimiterInternal from "./internal/redis/alertLimiter.js"
import * as Connection from "./internal/redis/connection.js"
import * as Internal from "./internal/redis/incidents.js"
import * as RedisConnection from "./RedisConnection.js"

/**
 * Options of {@link layer} and {@link layerConfig}.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { RedisIncidents } from "effect-retry-alerts/redis"
 *
 * const options: RedisIncidents.Options = {
 *   url: Redacted.make("redis://:secret@redis.internal:6379"),
 *   prefix: "billing:",
 *   syncInterval: "10 seconds"
 * }
 * ```
 *
 * @since 0.3.0
 * @category models
 */
export interface Options extends RedisConnection.Options {
  /**
   * Prepended to every key this store writes (`incident:{…}`, `resolved:{…}`, `{incidents}` and
   * its version and reset epoch). Processes share incidents when they share the prefix. Default
   * `"retry-alerts:"`.
   */
  readonly prefix?: string | undefined
  /** Longest an incident's change waits for Redis before this process goes on alone. Default 250 millis. */
  readonly timeout?: Duration.DurationInput | undefined
  /**
   * Most open incidents this process keeps. Past it, an incident it opens evicts the least
   * recently active one (logged and counted in `Metrics.incidentsEvicted`, removed from Redis
   * too: it will send no resolved event), never the one being opened; incidents of other
   * processes are learned only while there is room. Default 10,000.
   */
  readonly maxEntries?: number | undefined
  /**
   * How often this process asks Redis whether the incidents changed (one GET), and reads them all
   * when they did: about the longest it stays unaware of an incident opened or resolved elsewhere.
   * Default 1 second.
   */
  readonly pollInterval?: Duration.DurationInput | undefined
  /**
   * How often this process reads every open incident from Redis, changed or not (incidents that
   * expired, a change whose version bump was lost). Default 10 seconds.
   */
  readonly syncInterval?: Duration.DurationInput | undefined
}

/**
 * The URL used when none is given: `redis://127.0.0.1:6379`.
 *
 * @example
 * ```ts
 * import { RedisIncidents } from "effect-retry-alerts/redis"
 *
 * const url: string = RedisIncidents.DEFAULT_URL // "redis://127.0.0.1:6379"
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_URL: string = Connection.DEFAULT_URL

/**
 * The key prefix used when none is given: `"retry-alerts:"`, the limiter's too.
 *
 * @example
 * ```ts
 * import { RedisIncidents } from "effect-retry-alerts/redis"
 *
 * const prefix: string = RedisIncidents.DEFAULT_PREFIX // "retry-alerts:"
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_PREFIX: string = LimiterInternal.DEFAULT_PREFIX

/**
 * The longest a change waits for Redis when no `timeout` is given: 250 milliseconds.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { RedisIncidents } from "effect-retry-alerts/redis"
 *
 * const millis = Duration.toMillis(RedisIncidents.DEFAULT_TIMEOUT) // 250
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_TIMEOUT: Duration.Duration = LimiterInternal.DEFAULT_TIMEOUT

/**
 * How often a process reads every open incident from Redis when no `syncInterval` is given:
 * 10 seconds.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { RedisIncidents } from "effect-retry-alerts/redis"
 *
 * const millis = Duration.toMillis(RedisIncidents.DEFAULT_SYNC_INTERVAL) // 10000
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_SYNC_INTERVAL: Duration.Duration = Internal.DEFAULT_SYNC_INTERVAL

/**
 * An `Incidents` store shared through Redis by every process that uses the same server and
 * `prefix`.
 *
 * - **Opening**: an alert that fires writes its incident in Redis in one atomic round trip; the
 *   first firing in any process wins (a re-fire finds it open and keeps its start and first
 *   firing times). The write bumps a version every process polls.
 * - **Knowing what is open without a round trip**: each process keeps the incidents it knows
 *   open in memory: those it fired, and those of other processes, learned from a sync that reads
 *   every open incident when the layer is built, when the version it polls every `pollInterval`
 *   changed, and every `syncInterval`. So a success asks only memory (`isOpen`), a replica learns
 *   of another's incident within about a `pollInterval`, and one started after an incident
 *   opened knows it once its layer is built. One connection, no subscriber.
 * - **Resolving**: a success of an operation with an open incident takes its incidents from
 *   memory first (concurrent successes in one process make one resolve, one round trip), then
 *   from Redis, atomically, so each incident is resolved once across processes; the others drop
 *   it at their next sync. The counts of a resolved event (failures, suppressed alerts) are the
 *   resolving process's own.
 * - **When Redis loses its data** (a `FLUSHALL`, a restart without persistence): an incident a
 *   process fired and still holds is resolved from its own record when Redis no longer has it and
 *   nobody resolved it (a resolved incident leaves a tombstone for a day); at the next sync it is
 *   written back, so that the others learn it again. Incidents learned from others are not
 *   resolved that way: their own process resolves them. A second resolved event with the same
 *   `dedupKey` is possible in a race, and harmless; a missing one is not.
 * - **When Redis gives no answer** (down, slower than `timeout`, garbage): each process opens and
 *   resolves the incidents it knows alone, so a resolved event may be sent twice; it logs a
 *   warning at most once per 5 minutes (per `window` with `RedisAlertLimiter.layer`), and one
 *   info line when Redis answers again. Builds even when Redis is down, and reconnects in the
 *   background.
 * - **Nothing secret in Redis**: keys and fields are SHA-256 hashes of the operation and of the
 *   raw signature; a record holds the redacted signature, names, severity, times and a random
 *   id. Records expire a day after their last firing.
 * - `list` and `count` read this process's memory: what it fired and what it learned, at most a
 *   sync late. `reset` forgets every incident in every process (none resolves).
 * - Time is the Effect `Clock`'s (the sync loop sleeps on it: `TestClock` drives it). The
 *   connections close, and the sync loop stops, when the layer is released.
 * - With a Redis Cluster, give `prefix` a hash tag (`"{retry-alerts}:"`) so that every key of a
 *   script is in one slot.
 *
 * Throws `InvalidOptionError` when an option is invalid (the URL itself is never shown).
 *
 * @example
 * ```ts
 * import { Effect, Layer, Redacted } from "effect"
 * import { AlertLimiter, Incidents } from "effect-retry-alerts"
 * import { RedisIncidents } from "effect-retry-alerts/redis"
 *
 * // Decisions in this process, incidents shared through Redis.
 * const alerting = Layer.merge(
 *   AlertLimiter.layer({ window: "5 minutes" }),
 *   RedisIncidents.layer({ url: Redacted.make("redis://:secret@redis.internal:6379") })
 * )
 * // Effect.runPromise(main) connects to Redis.
 * const main = Incidents.count.pipe(Effect.provide(alerting))
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Incidents> => {
  const settings = Internal.settings(options)
  const endpoint = Connection.checkEndpoint(options)
  return Layer.scoped(Incidents, Internal.make(settings, endpoint))
}

/**
 * {@link layer} on the connection of `RedisConnection.layer`, shared with the other Redis-backed
 * services: one connection per process. The connection's options (`url`, `nodes`, `client`,
 * `timeout`) are `RedisConnection.layer`'s.
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { RedisIncidents, RedisConnection } from "effect-retry-alerts/redis"
 *
 * const shared = RedisIncidents.layerWithoutConnection({ prefix: "billing:" }).pipe(
 *   Layer.provide(RedisConnection.layer({ url: Redacted.make("redis://redis.internal:6379") }))
 * )
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layerWithoutConnection = (
  options: Omit<Options, "url" | "nodes" | "client" | "timeout"> = {}
): Layer.Layer<Incidents, never, RedisConnection.RedisConnection> => {
  const settings = Internal.settings(options)
  return Layer.scoped(
    Incidents,
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
 * import { Incidents } from "effect-retry-alerts"
 * import { RedisIncidents } from "effect-retry-alerts/redis"
 *
 * // REDIS_URL=redis://:secret@redis.internal:6379
 * const open = Incidents.list.pipe(Effect.provide(RedisIncidents.layerConfig({ prefix: "billing:" })))
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layerConfig = (
  options: Omit<Options, "url" | "nodes" | "client"> = {}
): Layer.Layer<Incidents, ConfigError.ConfigError> => {
  const settings = Internal.settings(options)
  return Layer.unwrapEffect(
    Effect.map(Connection.urlConfig, (url) =>
      Layer.scoped(Incidents, Internal.make(settings, { _tag: "Url", url }))
    )
  )
}

export {
  /**
   * Thrown synchronously when a layer is built with an invalid option; `option` names the
   * offending option (the URL itself is never shown).
   *
   * @example
   * ```ts
   * import { RedisIncidents } from "effect-retry-alerts/redis"
   *
   * try {
   *   RedisIncidents.layer({ syncInterval: "-1 seconds" })
   * } catch (error) {
   *   // InvalidOptionError: Invalid option "syncInterval": must be a finite, positive duration, ...
   * }
   * ```
   *
   * @since 0.3.0
   * @category errors
   */
  InvalidOptionError
} from "./internal/options.js"
