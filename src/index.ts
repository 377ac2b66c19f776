/**
 * effect-retry-alerts: retry with exponential backoff for Effect programs, and a rate-limited
 * alert when an operation keeps failing.
 *
 * @since 0.1.0
 */

/**
 * Rate-limited alerts and the events every destination receives: ask the limiter, then deliver
 * through the notifier; `Alert.redact` scrubs secrets from alert text.
 *
 * @since 0.1.0
 */
export * as Alert from "./Alert.js"
/**
 * Decides whether an alert may be sent: at most one alert per signature per window, under a
 * channel ceiling. The in-memory limiter; the shared one is `RedisAlertLimiter`.
 *
 * @since 0.1.0
 */
export * as AlertLimiter from "./AlertLimiter.js"
/**
 * Alerts pushed to Prometheus Alertmanager, kept firing while their incident is open.
 *
 * @since 0.3.0
 */
export * as AlertmanagerNotifier from "./AlertmanagerNotifier.js"
/**
 * Backoff schedules: exponential, capped, with jitter.
 *
 * @since 0.1.0
 */
export * as Backoff from "./Backoff.js"
/**
 * A circuit breaker: keyed circuits that reject calls to a dependency that keeps failing, probe
 * it after an open time, and open an incident while open.
 *
 * @since 0.3.0
 */
export * as CircuitBreaker from "./CircuitBreaker.js"
/**
 * Alerts to a Discord channel through its webhook.
 *
 * @since 0.3.0
 */
export * as DiscordNotifier from "./DiscordNotifier.js"
/**
 * How an alert's signature is built: which failures count as "the same alert".
 *
 * @since 0.1.0
 */
export * as Fingerprint from "./Fingerprint.js"
/**
 * Open incidents: which alerts fired and have not resolved yet, as a service over a store.
 *
 * @since 0.3.0
 */
export * as Incidents from "./Incidents.js"
export {
  /**
   * Thrown synchronously when a combinator or layer is built with an invalid option; `option`
   * names the offending option.
   *
   * @since 0.1.0
   * @category errors
   */
  InvalidOptionError
} from "./internal/options.js"
/**
 * The metrics recorded by the retries, the alerts, the limiter and the retry budget.
 *
 * @since 0.1.0
 */
export * as Metrics from "./Metrics.js"
/**
 * Where alerts go: the notifier contract, the log (the default), your own notifier behind a
 * delivery queue, a fan-out over several. Each webhook destination has its own module, so that
 * an unused one is not bundled.
 *
 * @since 0.1.0
 */
export * as Notifier from "./Notifier.js"
/**
 * The notifier picked from the environment: Discord, Slack, PagerDuty, Alertmanager, several, or
 * the log.
 *
 * @since 0.3.0
 */
export * as NotifierConfig from "./NotifierConfig.js"
/**
 * A notifier for tests: it records every alert and can be told to fail.
 *
 * @since 0.2.0
 */
export * as NotifierTest from "./NotifierTest.js"
/**
 * Opens and resolves PagerDuty incidents through the Events API v2.
 *
 * @since 0.3.0
 */
export * as PagerDutyNotifier from "./PagerDutyNotifier.js"
/**
 * Retry combinators with exponential backoff and a rate-limited alert when an operation keeps
 * failing, and the policy behind them as a `Schedule`.
 *
 * @since 0.1.0
 */
export * as Retry from "./Retry.js"
/**
 * A retry budget per dependency, so that retries cannot multiply an outage. The in-memory budget;
 * the shared one is `RedisRetryBudget`.
 *
 * @since 0.2.0
 */
export * as RetryBudget from "./RetryBudget.js"
/**
 * Retry, alerting and rate limiting for plain sync and async functions, on a `ManagedRuntime`.
 *
 * @since 0.1.0
 */
export * as RetryRuntime from "./RetryRuntime.js"
/**
 * Alerts to Slack through an incoming webhook.
 *
 * @since 0.3.0
 */
export * as SlackNotifier from "./SlackNotifier.js"
/**
 * What the HTTP destinations share: how one delivery is tried, and a chat webhook's options.
 *
 * @since 0.3.0
 */
export * as WebhookNotifier from "./WebhookNotifier.js"
