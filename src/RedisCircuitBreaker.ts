/**
 * A circuit breaker whose circuits are shared by many processes through Redis: a circuit one
 * replica opens rejects calls on every replica within about a `pollInterval`; across replicas at
 * most `probes` half-open probes are in flight (a lease in Redis); one opening is one incident.
 * The trip rule counts each replica's own calls. While Redis gives no answer, a replica decides
 * alone and says so once per window.
 *
 * @since 0.3.0
 */
import type * as ConfigError from "effect/ConfigError"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as CircuitBreakerModule from "./CircuitBreaker.js"
import * as Engine from "./internal/circuit/engine.js"
import { settings as breakerSettings, CircuitBreaker } from "./internal/circuitBreaker.js"
import * as Internal from "./internal/redis/circuitBreaker.js"
import * as Connection from "./internal/redis/connection.js"
import * as RedisConnection from "./RedisConnection.js"

/**
 * Options of {@link layer} and {@link layerConfig}: the breaker's, as in `CircuitBreaker.layer`,
 * the store's, and the connection's.
 *
 * @since 0.3.0
 * @category models
 */
export interface Options extends CircuitBreakerModule.Options, RedisConnection.Options {
  /** Prepended to every key this store writes (`circuit:{…}`, `{circuits}`). Default `"retry-alerts:"`. */
  readonly prefix?: string | undefined
  /** Longest a circuit's change waits for Redis before this process decides alone. Default 250 millis. */
  readonly timeout?: Duration.DurationInput | undefined
  /**
   * How often this process asks Redis whether a circuit changed elsewhere (one GET), and reads
   * the changed ones: about the longest it keeps calling through a circuit another replica opened.
   * Default 1 second.
   */
  readonly pollInterval?: Duration.DurationInput | undefined
  /**
   * How long a probe's lease holds when its process never gives it back (it crashed, or its probe
   * hangs): then another probe may go. Default 30 seconds.
   */
  readonly leaseTimeout?: Duration.DurationInput | undefined
}

/**
 * How often a process asks whether a circuit changed elsewhere when no `pollInterval` is given:
 * 1 second.
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_POLL_INTERVAL: Duration.Duration = Internal.DEFAULT_POLL_INTERVAL

/**
 * How long an unreturned probe lease holds when no `leaseTimeout` is given: 30 seconds.
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_LEASE_TIMEOUT: Duration.Duration = Internal.DEFAULT_LEASE_TIMEOUT

const build = (options: Options) => {
  const breaker = breakerSettings(options)
  const store = Internal.settings(options)
  return {
    on: (connection: Connection.Connection) =>
      Effect.flatMap(Effect.clock, (clock) =>
        Effect.flatMap(Internal.makeOn(store, breaker, connection), (circuits) =>
          Engine.make(breaker, circuits, clock)
        )
      ),
    store
  }
}

/**
 * A circuit breaker shared through Redis, on a connection of its own (closed with the layer).
 * Circuits live under `<prefix>circuit:{sha256(key)}` (a hash tag: on a Redis Cluster each
 * circuit has its own slot), with the index of changes under `<prefix>{circuits}`. The layer builds
 * when Redis is down: the process then decides alone until Redis answers.
 *
 * Throws `InvalidOptionError` when an option is invalid (the URL itself is never shown).
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
 * import { AlertLimiter, Notifier, Retry } from "effect-retry-alerts"
 * import { RedisCircuitBreaker } from "effect-retry-alerts/redis"
 *
 * const charge: Effect.Effect<string, Error> = Effect.succeed("receipt") // your call
 *
 * const Breaker = RedisCircuitBreaker.layer({ url: Redacted.make("redis://:secret@redis.internal:6379") })
 * const program = charge.pipe(
 *   Retry.retry({ name: "charge", context: "payments", breaker: true }),
 *   Effect.provide(Layer.mergeAll(Breaker, AlertLimiter.layer(), Notifier.layerLog()))
 * )
 * // Effect.runPromise(program) connects to Redis.
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<CircuitBreaker> => {
  const { on, store } = build(options)
  const endpoint = Connection.checkEndpoint(options)
  return Layer.scoped(
    CircuitBreaker,
    Effect.flatMap(Connection.connect(endpoint, store.timeout, Internal.scripts), on)
  )
}

/**
 * A circuit breaker shared through Redis, on the `RedisConnection` of the process (one connection
 * for the limiter, the incidents, the budget and the breaker).
 *
 * @example
 * ```ts
 * import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
 * import { RedisCircuitBreaker, RedisConnection } from "effect-retry-alerts/redis"
 *
 * const Redis = RedisConnection.layer({ url: Redacted.make("redis://:secret@redis.internal:6379") })
 * const Breaker = RedisCircuitBreaker.layerWithoutConnection({ probes: 1 }).pipe(Layer.provide(Redis))
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layerWithoutConnection = (
  options: Omit<Options, "url" | "nodes" | "client" | "timeout"> = {}
): Layer.Layer<CircuitBreaker, never, RedisConnection.RedisConnection> => {
  const { on } = build(options)
  return Layer.scoped(CircuitBreaker, Effect.flatMap(RedisConnection.RedisConnection, on))
}

/**
 * A circuit breaker shared through Redis at the URL of config `REDIS_URL` (a secret: read as
 * `Redacted`). Fails with a `ConfigError` when it is missing or not a redis URL.
 *
 * @example
 * ```ts
 * import { RedisCircuitBreaker } from "effect-retry-alerts/redis"
 *
 * const Breaker = RedisCircuitBreaker.layerConfig({ failureRate: 0.5 })
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layerConfig = (
  options: Omit<Options, "url" | "nodes" | "client"> = {}
): Layer.Layer<CircuitBreaker, ConfigError.ConfigError> => {
  const { on, store } = build(options)
  return Layer.scoped(
    CircuitBreaker,
    Effect.flatMap(Connection.urlConfig, (url) =>
      Effect.flatMap(Connection.connect({ _tag: "Url", url }, store.timeout, Internal.scripts), on)
    )
  )
}
