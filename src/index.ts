/**
 * effect-retry-alerts: retry with exponential backoff for Effect programs, and a rate-limited
 * alert when an operation keeps failing.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Alert from "./Alert.js"
/** @since 0.1.0 */
export * as AlertLimiter from "./AlertLimiter.js"
/** @since 0.1.0 */
export * as Backoff from "./Backoff.js"
/** @since 0.1.0 */
export * as Fingerprint from "./Fingerprint.js"
/** @since 0.1.0 */
export { InvalidOptionError } from "./internal/options.js"
/** @since 0.1.0 */
export * as Metrics from "./Metrics.js"
/** @since 0.1.0 */
export * as Notifier from "./Notifier.js"
/** @since 0.2.0 */
export * as NotifierTest from "./NotifierTest.js"
/** @since 0.1.0 */
export * as Retry from "./Retry.js"
/** @since 0.2.0 */
export * as RetryBudget from "./RetryBudget.js"
/** @since 0.1.0 */
export * as RetryRuntime from "./RetryRuntime.js"
