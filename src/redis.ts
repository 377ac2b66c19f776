/**
 * The `effect-retry-alerts/redis` entry point: the services that many processes share through
 * Redis. It needs the optional peer dependency `ioredis` 5; the root entry never loads it.
 *
 * @since 0.2.0
 */

/**
 * An alert limiter shared by many processes through Redis: one alert per signature per window
 * across all replicas.
 *
 * @since 0.2.0
 */
export * as RedisAlertLimiter from "./RedisAlertLimiter.js"
/**
 * A retry budget shared by many processes through Redis: replicas calling one dependency retry
 * within one budget for it.
 *
 * @since 0.2.0
 */
export * as RedisRetryBudget from "./RedisRetryBudget.js"
