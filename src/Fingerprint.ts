/**
 * How an alert's signature is built: which failures count as "the same alert".
 *
 * @since 0.1.0
 */
import * as Internal from "./internal/fingerprint.js"

/**
 * A signature strategy: `"exact"` (the default), `"normalized"`, or your own function of the
 * operation name, the error and the context.
 *
 * @since 0.1.0
 * @category models
 */
export type Fingerprint = "exact" | "normalized" | ((name: string, error: unknown, context: string) => string)

/**
 * How many characters of the error message take part in a signature.
 *
 * @since 0.1.0
 * @category constants
 */
export const MESSAGE_LENGTH: number = Internal.MESSAGE_LENGTH

/**
 * The default signature, `"{context}:{name}:{type}:{message head}"`: the context, the operation
 * name, the error's type (`_tag` for tagged errors, else its class or `name`, else `typeof`) and
 * the first 100 characters of its message. Total: it never throws, whatever the error value is.
 *
 * @example
 * ```ts
 * import { Fingerprint } from "effect-retry-alerts"
 *
 * Fingerprint.exact("spend_credits", new TypeError("HTTP 500"), "billing")
 * // "billing:spend_credits:TypeError:HTTP 500"
 * ```
 *
 * @since 0.1.0
 * @category signatures
 */
export const exact: (name: string, error: unknown, context?: string) => string = Internal.exact

/**
 * Replaces the parts of a message that change from one occurrence of a failure to the next with
 * placeholders: emails, URL hosts, UUIDs, dates and times, IPs, durations, hex ids of 8+
 * characters and numbers of 2+ digits. HTTP status codes (`HTTP 500`, `status 404`) are kept.
 * Meant for a message head: {@link normalized} passes it at most 400 characters.
 *
 * @example
 * ```ts
 * import { Fingerprint } from "effect-retry-alerts"
 *
 * Fingerprint.normalize("HTTP 500 for request 8f3e1a2b9c after 1500ms")
 * // "HTTP 500 for request <hex> after <duration>"
 * ```
 *
 * @since 0.1.0
 * @category signatures
 */
export const normalize: (message: string) => string = Internal.normalize

/**
 * Like {@link exact}, but the message is {@link normalize}d before the 100-character cut, so
 * `HTTP 500 for request 8f3e1a2b9c` and `HTTP 500 for request 1a2b3c4d5e` share one signature.
 * Only the head of long messages is normalized, so the cost stays bounded.
 *
 * @example
 * ```ts
 * import { Fingerprint } from "effect-retry-alerts"
 *
 * Fingerprint.normalized("charge", new Error("HTTP 500 for request 8f3e1a2b9c"), "billing")
 * // "billing:charge:Error:HTTP 500 for request <hex>"
 * ```
 *
 * @since 0.1.0
 * @category signatures
 */
export const normalized: (name: string, error: unknown, context?: string) => string = Internal.normalized

/**
 * The signature function of a {@link Fingerprint} strategy. A user function that throws or
 * returns something other than a string falls back to {@link exact} for that alert, so a bug in
 * it can't break the limiter. Throws `InvalidOptionError` (option `fingerprint`) for anything
 * that is not a strategy.
 *
 * @example
 * ```ts
 * import { Fingerprint } from "effect-retry-alerts"
 *
 * const byCode = Fingerprint.toSignature((name, error, context) => `${context}:${name}:${(error as any)?.code}`)
 * byCode("query", Object.assign(new Error("timeout"), { code: "ETIMEDOUT" }), "db") // "db:query:ETIMEDOUT"
 * ```
 *
 * @since 0.1.0
 * @category signatures
 */
export const toSignature: (
  fingerprint: Fingerprint
) => (name: string, error: unknown, context: string) => string = Internal.toSignature
