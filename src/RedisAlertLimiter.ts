/**
 * An alert limiter shared by many processes through Redis: of 20 replicas hitting one broken
 * dependency, one alert goes out per window. Its layers provide the Redis incident store too
 * (`RedisIncidents`), on the same connection, so one line sets up both. From the
 * `effect-retry-alerts/redis` entry point; needs the optional peer dependency `ioredis` (5.x),
 * loaded when the layer is built.
 *
 * @since 0.2.0
 */
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type * as Fingerprint from "./Fingerprint.js"
import { AlertLimiter } from "./internal/alertLimiter.js"
import { Incidents } from "./internal/incidents.js"
import * as Internal from "./internal/redis/alertLimiter.js"
import * as Connection from "./internal/redis/connection.js"
import * as IncidentsInternal from "./internal/redis/incidents.js"
import * as RedisConnection from "./RedisConnection.js"

/**
 * Options of {@link layer} and {@link layerConfig}.
 *
 * @since 0.3.0
 * @category models
 */
export interface Options extends RedisConnection.Options {
  /** Prepended to every key the limiter and the incident store use. Default `"retry-alerts:"`. */
  readonly prefix?: string | undefined
  /** Minimum time between two alerts with one signature, across all processes. Default 5 minutes. */
  readonly window?: Duration.DurationInput | undefined
  /** Longest a decision or an incident's change waits for Redis before this process decides alone. Default 250 millis. */
  readonly timeout?: Duration.DurationInput | undefined
  /** Most signatures the in-process front remembers, and most open incidents this process keeps. Default 10,000. */
  readonly maxEntries?: number | undefined
  /** Which failures count as the same alert, as in `AlertLimiter.layer()`. Default `"exact"`. */
  readonly fingerprint?: Fingerprint.Fingerprint | undefined
  /** Most alerts per minute across all signatures and processes; 0 turns it off. Default 20. */
  readonly ceiling?: number | undefined
  /**
   * How often this process asks whether the incidents changed, and reads them when they did.
   * Default 1 second. See `RedisIncidents.layer`.
   */
  readonly pollInterval?: Duration.DurationInput | undefined
  /** How often this process reads every open incident, changed or not. Default 10 seconds. */
  readonly syncInterval?: Duration.DurationInput | undefined
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
 * The key prefix used when none is given: `"retry-alerts:"`.
 *
 * @since 0.2.0
 * @category constants
 */
export const DEFAULT_PREFIX: string = Internal.DEFAULT_PREFIX

/**
 * The longest a decision waits for Redis when no `timeout` is given: 250 milliseconds.
 *
 * @since 0.2.0
 * @category constants
 */
export const DEFAULT_TIMEOUT: Duration.Duration = Internal.DEFAULT_TIMEOUT

/**
 * A limiter shared through Redis by every process that uses the same server and `prefix`.
 *
 * - One atomic round trip (a Lua script) per decision; every key expires (window + 1 minute), so
 *   Redis's memory stays bounded without any sweeper.
 * - A front limiter in the process answers concurrent asks for one signature: at most one round
 *   trip per signature per window per process.
 * - Time is the Effect `Clock`'s, so `TestClock` drives it as it drives `AlertLimiter.layer()`.
 * - Builds even when Redis is down and reconnects in the background (1 s, doubling to 30 s,
 *   jittered). When Redis is down, slow past `timeout` or answers garbage, the process decides
 *   alone (an alert may be sent twice, never lost) and logs a warning at most once per window.
 * - The channel ceiling (`ceiling` alerts a minute, default 20) is shared too; during an outage
 *   each process applies it alone. `fingerprint` works as in `AlertLimiter.layer()`.
 * - `reset` deletes the limiter's keys under `prefix` (for every process); `size` counts the
 *   signatures.
 * - It provides the `Incidents` service too: `RedisIncidents.layer` with the same `url`,
 *   `prefix`, `timeout`, `maxEntries`, `pollInterval` and `syncInterval`, whose warnings come at
 *   most once per `window`. Both use one connection.
 * - The connection closes when the layer is released (a `client` of yours stays open).
 *
 * Throws `InvalidOptionError` when an option is invalid (the URL itself is never shown).
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { AlertLimiter } from "effect-retry-alerts"
 * import { RedisAlertLimiter } from "effect-retry-alerts/redis"
 *
 * const alerting = RedisAlertLimiter.layer({
 *   url: Redacted.make("redis://:secret@redis.internal:6379"),
 *   window: "5 minutes"
 * })
 * const program = AlertLimiter.shouldSendAlert("charge", new Error("HTTP 500"), "billing")
 * // Effect.runPromise(main) connects to Redis.
 * const main = program.pipe(Effect.provide(alerting))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<AlertLimiter | Incidents> => {
  const build = builder(options)
  const endpoint = Connection.checkEndpoint(options)
  return Layer.scopedContext(build(endpoint))
}

/** Validates `options` now; the returned function builds both services on one connection. */
const builder = (options: Options) => {
  const settings = Internal.settings(options)
  const incidentSettings = IncidentsInternal.settings(options, settings.windowMillis)
  const on = (connection: Connection.Connection) =>
    Effect.gen(function* () {
      const limiter = yield* Internal.makeOn(settings, connection)
      const incidents = yield* IncidentsInternal.makeOn(incidentSettings, connection)
      return Context.make(AlertLimiter, limiter).pipe(Context.add(Incidents, incidents))
    })
  return Object.assign(
    (
      endpoint: Connection.Endpoint
    ): Effect.Effect<Context.Context<AlertLimiter | Incidents>, never, Scope.Scope> =>
      Effect.flatMap(
        Connection.connect(endpoint, settings.timeout, { ...Internal.scripts, ...IncidentsInternal.scripts }),
        on
      ),
    { on }
  )
}

/**
 * {@link layer} on the connection of `RedisConnection.layer`, which the incident store and the
 * retry budget can share: one connection per process. The connection's options (`url`, `nodes`,
 * `client`, `timeout`) are `RedisConnection.layer`'s.
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { RedisAlertLimiter, RedisConnection } from "effect-retry-alerts/redis"
 *
 * const alerting = RedisAlertLimiter.layerWithoutConnection({ window: "5 minutes" }).pipe(
 *   Layer.provide(RedisConnection.layer({ url: Redacted.make("redis://redis.internal:6379") }))
 * )
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layerWithoutConnection = (
  options: Omit<Options, "url" | "nodes" | "client" | "timeout"> = {}
): Layer.Layer<AlertLimiter | Incidents, never, RedisConnection.RedisConnection> => {
  const build = builder(options)
  return Layer.scopedContext(Effect.flatMap(RedisConnection.RedisConnection, build.on))
}

/**
 * {@link layer} with the URL read from the `REDIS_URL` configuration variable (as a
 * `Redacted`). Fails with a `ConfigError` when it is missing or not a Redis URL. Provides the
 * limiter and the incident store, as {@link layer}.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AlertLimiter } from "effect-retry-alerts"
 * import { RedisAlertLimiter } from "effect-retry-alerts/redis"
 *
 * // REDIS_URL=redis://:secret@redis.internal:6379
 * const program = AlertLimiter.shouldSendAlert("charge", new Error("HTTP 500"), "billing")
 * // Effect.runPromise(main) connects to Redis.
 * const main = program.pipe(Effect.provide(RedisAlertLimiter.layerConfig({ prefix: "billing:" })))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  options: Omit<Options, "url" | "nodes" | "client"> = {}
): Layer.Layer<AlertLimiter | Incidents, ConfigError.ConfigError> => {
  const build = builder(options)
  return Layer.unwrapEffect(
    Effect.map(Connection.urlConfig, (url) => Layer.scopedContext(build({ _tag: "Url", url })))
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
