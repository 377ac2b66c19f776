/**
 * The `effect-retry-alerts/redis` entry point: the services that many processes share through
 * Redis. It needs the optional peer dependency `ioredis` 5; the root entry never loads it.
 *
 * @since 0.2.0
 */

/** @since 0.2.0 */
export * as RedisAlertLimiter from "./RedisAlertLimiter.js"
/** @since 0.2.0 */
export * as RedisRetryBudget from "./RedisRetryBudget.js"
