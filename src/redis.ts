/**
 * The `effect-retry-alerts/redis` entry point: the services that many processes share through
 * Redis. It needs the optional peer dependency `ioredis` 5; the root entry never loads it.
 *
 * @since 0.2.0
 */

/**
 * An alert limiter shared by many processes through Redis: one alert per signature per window
 * across all replicas. Its layers provide the Redis incident store too.
 *
 * @since 0.2.0
 */
export * as RedisAlertLimiter from "./RedisAlertLimiter.js"
/**
 * A circuit breaker shared by many processes through Redis: one replica opening a circuit makes
 * the others reject, and at most the configured probes are in flight across them.
 *
 * @since 0.3.0
 */
export * as RedisCircuitBreaker from "./RedisCircuitBreaker.js"
/**
 * Where Redis is, for every Redis-backed layer: one server (`url`), a Redis Cluster (`nodes`),
 * or a client you already have (`client`).
 *
 * @since 0.3.0
 */
export * as RedisConnection from "./RedisConnection.js"
/**
 * Open incidents shared by many processes through Redis: an incident opened by any replica is
 * resolved once, by the first success of its operation on any replica.
 *
 * @since 0.3.0
 */
export * as RedisIncidents from "./RedisIncidents.js"
/**
 * A retry budget shared by many processes through Redis: replicas calling one dependency retry
 * within one budget for it.
 *
 * @since 0.2.0
 */
export * as RedisRetryBudget from "./RedisRetryBudget.js"
