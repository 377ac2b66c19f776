/**
 * Where Redis is, for every Redis-backed layer: one server (`url`), a Redis Cluster (`nodes`),
 * or a client you already have (`client`). From the `effect-retry-alerts/redis` entry point.
 *
 * @since 0.3.0
 */
import type { Redacted } from "effect"
import type { Cluster, Redis } from "ioredis"
import * as Connection from "./internal/redis/connection.js"

/**
 * Where Redis is: give at most one of `url`, `nodes` and `client` (none: `redis://127.0.0.1:6379`).
 *
 * - `url`: one server, `redis://[[user]:password@]host[:port][/db]` or `rediss://…` for TLS.
 *   A URL that points at a node of a Redis Cluster fails the layer's build, saying to use `nodes`.
 * - `nodes`: some nodes of a Redis Cluster (one URL each; the others are discovered), with the
 *   first one's credentials and TLS used for every node. Every key a script touches shares one
 *   hash slot, by a hash tag built from the key itself, so the load spreads over the shards.
 * - `client`: an ioredis `Redis` or `Cluster` you made: the layer uses it (and a duplicate of it
 *   for the incident store's subscriber, which the layer closes) and leaves it open; connecting,
 *   reconnecting and closing it stay yours.
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
