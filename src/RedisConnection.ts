/**
 * Where Redis is, for every Redis-backed layer: one server (`url`), a Redis Cluster (`nodes`),
 * or a client you already have (`client`); and one connection that the limiter, the incident
 * store and the retry budget share (`layer`, then each backend's `layerWithoutConnection`). From
 * the `effect-retry-alerts/redis` entry point.
 *
 * @since 0.3.0
 */
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type { Cluster, Redis } from "ioredis"
import * as OptionChecks from "./internal/options.js"
import * as LimiterInternal from "./internal/redis/alertLimiter.js"
import * as CircuitInternal from "./internal/redis/circuitBreaker.js"
import * as Connection from "./internal/redis/connection.js"
import * as IncidentsInternal from "./internal/redis/incidents.js"
import * as BudgetInternal from "./internal/redis/retryBudget.js"

/**
 * Where Redis is: give at most one of `url`, `nodes` and `client` (none: `redis://127.0.0.1:6379`).
 *
 * - `url`: one server, `redis://[[user]:password@]host[:port][/db]` or `rediss://…` for TLS.
 *   A URL that points at a node of a Redis Cluster fails the layer's build, saying to use `nodes`.
 * - `nodes`: some nodes of a Redis Cluster (one URL each; the others are discovered), with the
 *   first one's credentials and TLS used for every node. Every key a script touches shares one
 *   hash slot, by a hash tag built from the key itself, so the load spreads over the shards.
 * - `client`: an ioredis `Redis` or `Cluster` you made: the layer uses it and leaves it open;
 *   connecting, reconnecting and closing it stay yours.
 *
 * URLs are `Redacted` because they may carry a password; they are never shown in logs or errors.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { RedisConnection } from "effect-retry-alerts/redis"
 *
 * const cluster: RedisConnection.Options = {
 *   nodes: ["redis://:secret@10.0.0.1:6379", "redis://:secret@10.0.0.2:6379"].map(Redacted.make)
 * }
 * ```
 *
 * @since 0.3.0
 * @category models
 */
export interface Options {
  readonly url?: Redacted.Redacted<string> | undefined
  readonly nodes?: ReadonlyArray<Redacted.Redacted<string>> | undefined
  readonly client?: Redis | Cluster | undefined
}

/**
 * The server used when no `url`, `nodes` or `client` is given: `redis://127.0.0.1:6379`.
 *
 * @since 0.3.0
 * @category constants
 */
export const DEFAULT_URL: string = Connection.DEFAULT_URL

/**
 * An open connection to Redis, shared by the Redis-backed services built on it: one TCP
 * connection per process (on a cluster, one per node). Its API is internal: build it with
 * {@link layer} and give it to `RedisAlertLimiter.layerWithoutConnection`,
 * `RedisIncidents.layerWithoutConnection` and `RedisRetryBudget.layerWithoutConnection`.
 *
 * @since 0.3.0
 * @category models
 */
export class RedisConnection extends /*#__PURE__*/ Context.Tag("effect-retry-alerts/RedisConnection")<
  RedisConnection,
  Connection.Connection
>() {}

/**
 * Options of {@link layer}: where Redis is, and `timeout`, the longest a call waits for a silent
 * Redis before the process decides alone (default 250 millis; a busy event loop is not a silent
 * Redis: see the Redis guide).
 *
 * @since 0.3.0
 * @category models
 */
export interface LayerOptions extends Options {
  readonly timeout?: Duration.DurationInput | undefined
}

/** Every script of the Redis-backed services, registered once on the shared connection. */
const scripts = {
  ...LimiterInternal.scripts,
  ...IncidentsInternal.scripts,
  ...BudgetInternal.scripts,
  ...CircuitInternal.scripts
}

/**
 * One connection to Redis for every Redis-backed service of the process, closed with the layer
 * (a `client` of yours stays open). It builds even when Redis is down and reconnects in the
 * background. Throws `InvalidOptionError` when an option is invalid (a URL is never shown).
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { RedisAlertLimiter, RedisConnection, RedisRetryBudget } from "effect-retry-alerts/redis"
 *
 * // The limiter, the incident store and the budget on one connection.
 * const Redis = RedisConnection.layer({ url: Redacted.make("redis://:secret@redis.internal:6379") })
 * const Alerting = Layer.merge(
 *   RedisAlertLimiter.layerWithoutConnection({ prefix: "billing:" }),
 *   RedisRetryBudget.layerWithoutConnection({ prefix: "billing:" })
 * ).pipe(Layer.provide(Redis))
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layer = (options: LayerOptions = {}): Layer.Layer<RedisConnection> => {
  const endpoint = Connection.checkEndpoint(options)
  const timeout = OptionChecks.duration("timeout", options.timeout ?? Connection.DEFAULT_TIMEOUT)
  return Layer.scoped(RedisConnection, Connection.connect(endpoint, timeout, scripts))
}

/**
 * {@link layer} with the URL read from the `REDIS_URL` configuration variable (as a `Redacted`).
 * Fails with a `ConfigError` when it is missing or not a Redis URL.
 *
 * @example
 * ```ts
 * import { RedisConnection } from "effect-retry-alerts/redis"
 *
 * // REDIS_URL=redis://:secret@redis.internal:6379
 * const Redis = RedisConnection.layerConfig({ timeout: "500 millis" })
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layerConfig = (
  options: Omit<LayerOptions, "url" | "nodes" | "client"> = {}
): Layer.Layer<RedisConnection, ConfigError.ConfigError> => {
  const timeout = OptionChecks.duration("timeout", options.timeout ?? Connection.DEFAULT_TIMEOUT)
  return Layer.unwrapEffect(
    Effect.map(Connection.urlConfig, (url) =>
      Layer.scoped(RedisConnection, Connection.connect({ _tag: "Url", url }, timeout, scripts))
    )
  )
}
