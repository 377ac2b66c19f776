/**
 * A notifier for tests, as `TestClock` is a clock for tests: it records every alert and can be
 * told to fail. `NotifierTest.layer()` provides both the `Notifier` and the controls. Like the
 * real notifier layers, it delivers from a queue off the caller's path; `sent` and `attempts`
 * first wait until what was handed over has been recorded, so a test reads them right after
 * the retry that alerted.
 *
 * @since 0.2.0
 */
import type * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Delivery from "./internal/delivery.js"
import { type AlertEvent, Notifier, type NotifierError, type NotifierService } from "./internal/notifier.js"

/**
 * The controls of the test notifier.
 *
 * @since 0.2.0
 * @category models
 */
export interface NotifierTestService {
  /** Events delivered (calls that succeeded), oldest first, once the queue is idle. */
  readonly sent: Effect.Effect<ReadonlyArray<AlertEvent>>
  /** Every call, delivered or not, oldest first, once the queue is idle. */
  readonly attempts: Effect.Effect<ReadonlyArray<AlertEvent>>
  /** Waits until every event handed over so far has been delivered or failed. */
  readonly flush: Effect.Effect<void>
  /**
   * Makes every following call end with `cause` (`Cause.fail(new NotifierError(...))` for a
   * failure, `Cause.die(defect)` for a defect), or deliver again with `undefined`.
   */
  readonly setFailure: (cause: Cause.Cause<NotifierError> | undefined) => Effect.Effect<void>
  /** Forgets every event recorded. */
  readonly clear: Effect.Effect<void>
}

/**
 * The test notifier's controls, provided by {@link layer}.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Alert, AlertLimiter, NotifierTest } from "effect-retry-alerts"
 *
 * const program = Effect.gen(function* () {
 *   const test = yield* NotifierTest.NotifierTest
 *   yield* Alert.sendRateLimited({ name: "export", error: new Error("disk full"), context: "nightly", message: "Export failed" })
 *   return yield* test.sent // [{ _tag: "Firing", text: "Export failed", ... }]
 * }).pipe(Effect.provide([NotifierTest.layer(), AlertLimiter.layer()]))
 * ```
 *
 * @since 0.2.0
 * @category tags
 */
export class NotifierTest extends /*#__PURE__*/ Context.Tag("effect-retry-alerts/NotifierTest")<
  NotifierTest,
  NotifierTestService
>() {}

/**
 * Builds a recording notifier and its controls.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Notifier, NotifierTest } from "effect-retry-alerts"
 *
 * // The recording notifier as a service (queued, so built in a scope), e.g. to wrap it.
 * const layerUpperCase = Layer.scoped(
 *   Notifier.Notifier,
 *   Effect.map(NotifierTest.make, ([notifier]) =>
 *     Notifier.fromNotify((event) => notifier.notify({ ...event, text: event.text.toUpperCase() }))
 *   )
 * )
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const make: Effect.Effect<readonly [NotifierService, NotifierTestService], never, Scope.Scope> =
  /*#__PURE__*/ Effect.gen(function* () {
    const sent = yield* Ref.make<ReadonlyArray<AlertEvent>>([])
    const attempts = yield* Ref.make<ReadonlyArray<AlertEvent>>([])
    const failure = yield* Ref.make<Cause.Cause<NotifierError> | undefined>(undefined)
    const recording: NotifierService = {
      notify: (event) =>
        Ref.update(attempts, (all) => [...all, event]).pipe(
          Effect.zipRight(Ref.get(failure)),
          Effect.flatMap((cause) =>
            cause === undefined ? Ref.update(sent, (all) => [...all, event]) : Effect.failCause(cause)
          )
        )
    }
    const notifier = yield* Delivery.queued(recording, queueSettings)
    const controls: NotifierTestService = {
      sent: Effect.zipRight(notifier.flush, Ref.get(sent)),
      attempts: Effect.zipRight(notifier.flush, Ref.get(attempts)),
      flush: notifier.flush,
      setFailure: (cause) => Ref.set(failure, cause),
      clear: Effect.zipRight(notifier.flush, Effect.zipRight(Ref.set(sent, []), Ref.set(attempts, [])))
    }
    return [{ notify: notifier.notify }, controls] as const
  })

// One delivery at a time, so events are recorded in the order they were handed over.
const queueSettings = /*#__PURE__*/ Delivery.settings(
  "NotifierTest",
  { concurrency: 1, queueCapacity: 100_000 },
  Duration.seconds(10)
)

/**
 * A notifier for tests: records every alert and can be told to fail. Provides both `Notifier`
 * and {@link NotifierTest}; each build has its own records, so give each test its own.
 *
 * @example
 * ```ts
 * import { Cause, Effect } from "effect"
 * import { Alert, AlertLimiter, Notifier, NotifierTest } from "effect-retry-alerts"
 *
 * const program = Effect.gen(function* () {
 *   yield* NotifierTest.setFailure(Cause.fail(new Notifier.NotifierError({ message: "webhook down" })))
 *   yield* Alert.sendRateLimited({ name: "charge", error: new Error("HTTP 500"), context: "billing", message: "text" })
 *   const attempts = yield* NotifierTest.attempts
 *   const sent = yield* NotifierTest.sent
 *   return [attempts.length, sent.length] // [1, 0]: tried, not delivered (and logged)
 * }).pipe(Effect.provide([NotifierTest.layer(), AlertLimiter.layer()]))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (): Layer.Layer<Notifier | NotifierTest> =>
  Layer.scopedContext(
    Effect.map(make, ([notifier, controls]) =>
      Context.make(Notifier, notifier).pipe(Context.add(NotifierTest, controls))
    )
  )

/**
 * Alerts delivered by the test notifier, oldest first.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Alert, AlertLimiter, NotifierTest } from "effect-retry-alerts"
 *
 * const program = Effect.gen(function* () {
 *   yield* Alert.sendRateLimited({ name: "export", error: new Error("disk full"), context: "nightly", message: "Export failed" })
 *   return (yield* NotifierTest.sent).length // 1
 * }).pipe(Effect.provide([NotifierTest.layer(), AlertLimiter.layer()]))
 * ```
 *
 * @since 0.2.0
 * @category accessors
 */
export const sent: Effect.Effect<
  ReadonlyArray<AlertEvent>,
  never,
  NotifierTest
> = /*#__PURE__*/ Effect.flatMap(NotifierTest, (test) => test.sent)

/**
 * Every call made to the test notifier, delivered or not, oldest first.
 *
 * @example
 * ```ts
 * import { Cause, Effect } from "effect"
 * import { Alert, AlertLimiter, NotifierTest } from "effect-retry-alerts"
 *
 * const program = Effect.gen(function* () {
 *   yield* NotifierTest.setFailure(Cause.die("socket closed"))
 *   yield* Alert.sendRateLimited({ name: "export", error: new Error("disk full"), context: "nightly", message: "Export failed" })
 *   return [(yield* NotifierTest.sent).length, (yield* NotifierTest.attempts).length] // [0, 1]
 * }).pipe(Effect.provide([NotifierTest.layer(), AlertLimiter.layer()]))
 * ```
 *
 * @since 0.2.0
 * @category accessors
 */
export const attempts: Effect.Effect<
  ReadonlyArray<AlertEvent>,
  never,
  NotifierTest
> = /*#__PURE__*/ Effect.flatMap(NotifierTest, (test) => test.attempts)

/**
 * Makes the test notifier end every following call with `cause`, or deliver again with
 * `undefined`.
 *
 * @example
 * ```ts
 * import { Cause } from "effect"
 * import { Notifier, NotifierTest } from "effect-retry-alerts"
 *
 * const failing = NotifierTest.setFailure(
 *   Cause.fail(new Notifier.NotifierError({ message: "webhook deleted", status: 404 }))
 * )
 * const healthy = NotifierTest.setFailure(undefined)
 * ```
 *
 * @since 0.2.0
 * @category accessors
 */
export const setFailure = (
  cause: Cause.Cause<NotifierError> | undefined
): Effect.Effect<void, never, NotifierTest> => Effect.flatMap(NotifierTest, (test) => test.setFailure(cause))

/**
 * Forgets every alert recorded so far.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Alert, AlertLimiter, NotifierTest } from "effect-retry-alerts"
 *
 * const program = Effect.gen(function* () {
 *   yield* Alert.sendRateLimited({ name: "export", error: new Error("disk full"), context: "nightly", message: "Export failed" })
 *   yield* NotifierTest.clear
 *   return (yield* NotifierTest.sent).length // 0
 * }).pipe(Effect.provide([NotifierTest.layer(), AlertLimiter.layer()]))
 * ```
 *
 * @since 0.2.0
 * @category accessors
 */
export const clear: Effect.Effect<void, never, NotifierTest> = /*#__PURE__*/ Effect.flatMap(
  NotifierTest,
  (test) => test.clear
)

/**
 * Waits until every event handed to the test notifier so far has been delivered or failed.
 * {@link sent} and {@link attempts} wait for it themselves.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Alert, AlertLimiter, NotifierTest } from "effect-retry-alerts"
 *
 * const program = Effect.gen(function* () {
 *   yield* Alert.sendRateLimited({ name: "export", error: new Error("disk full"), context: "nightly", message: "Export failed" })
 *   yield* NotifierTest.flush
 * }).pipe(Effect.provide([NotifierTest.layer(), AlertLimiter.layer()]))
 * ```
 *
 * @since 0.3.0
 * @category accessors
 */
export const flush: Effect.Effect<void, never, NotifierTest> = /*#__PURE__*/ Effect.flatMap(
  NotifierTest,
  (test) => test.flush
)
