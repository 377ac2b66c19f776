/**
 * Where alerts go: a `Notifier` service, with a log notifier (the default) and a test notifier.
 *
 * @since 0.1.0
 */
import { type Cause, Context, Data, Effect, Layer, Ref } from "effect"

/**
 * A notifier could not deliver an alert. `message` says why; it never contains a webhook URL.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotifierError extends Data.TaggedError("NotifierError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * The notifier service: delivers one alert text, optionally to a named channel.
 *
 * @since 0.1.0
 * @category models
 */
export interface NotifierService {
  readonly alert: (message: string, channel?: string) => Effect.Effect<void, NotifierError>
}

/**
 * The notifier service tag. Provide {@link layerLog}, {@link layerTest} or your own layer.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Notifier } from "effect-retry-alerts"
 *
 * // A notifier of your own: anything that can deliver a string.
 * const layerConsole = Layer.succeed(Notifier.Notifier, {
 *   alert: (message, channel) => Effect.sync(() => console.error(`[${channel ?? "alerts"}] ${message}`))
 * })
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class Notifier extends Context.Tag("effect-retry-alerts/Notifier")<Notifier, NotifierService>() {}

/**
 * Sends an alert through the current notifier.
 *
 * @since 0.1.0
 * @category accessors
 */
export const alert = (message: string, channel?: string): Effect.Effect<void, NotifierError, Notifier> =>
  Effect.flatMap(Notifier, (notifier) => notifier.alert(message, channel))

/**
 * Writes every alert through Effect's logger at error level, annotated with its channel. The
 * embedded default: alerts are never lost, even with no chat channel configured.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerLog: Layer.Layer<Notifier> = Layer.succeed(Notifier, {
  alert: (message, channel) =>
    Effect.logError(message).pipe(Effect.annotateLogs({ alert: true, channel: channel ?? "default" }))
})

/**
 * One alert recorded by {@link layerTest}.
 *
 * @since 0.1.0
 * @category models
 */
export interface SentAlert {
  readonly message: string
  readonly channel: string | undefined
}

/**
 * The controls of the test notifier.
 *
 * @since 0.1.0
 * @category models
 */
export interface NotifierTestService {
  /** Alerts delivered (calls that succeeded), oldest first. */
  readonly sent: Effect.Effect<ReadonlyArray<SentAlert>>
  /** Every call, delivered or not, oldest first. */
  readonly attempts: Effect.Effect<ReadonlyArray<SentAlert>>
  /**
   * Makes every following call end with `cause` (`Cause.fail(new NotifierError(...))` for a
   * failure, `Cause.die(defect)` for a defect), or deliver again with `undefined`.
   */
  readonly setFailure: (cause: Cause.Cause<NotifierError> | undefined) => Effect.Effect<void>
  /** Forgets what was sent. */
  readonly clear: Effect.Effect<void>
}

/**
 * The test notifier's controls, provided by {@link layerTest}.
 *
 * @since 0.1.0
 * @category tags
 */
export class NotifierTest extends Context.Tag("effect-retry-alerts/NotifierTest")<
  NotifierTest,
  NotifierTestService
>() {}

/**
 * Builds a recording notifier and its controls.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeTest: Effect.Effect<readonly [NotifierService, NotifierTestService]> = Effect.gen(
  function* () {
    const sent = yield* Ref.make<ReadonlyArray<SentAlert>>([])
    const attempts = yield* Ref.make<ReadonlyArray<SentAlert>>([])
    const failure = yield* Ref.make<Cause.Cause<NotifierError> | undefined>(undefined)
    const notifier: NotifierService = {
      alert: (message, channel) => {
        const record: SentAlert = { message, channel }
        return Ref.update(attempts, (all) => [...all, record]).pipe(
          Effect.zipRight(Ref.get(failure)),
          Effect.flatMap((cause) =>
            cause === undefined ? Ref.update(sent, (all) => [...all, record]) : Effect.failCause(cause)
          )
        )
      }
    }
    const controls: NotifierTestService = {
      sent: Ref.get(sent),
      attempts: Ref.get(attempts),
      setFailure: (cause) => Ref.set(failure, cause),
      clear: Effect.zipRight(Ref.set(sent, []), Ref.set(attempts, []))
    }
    return [notifier, controls] as const
  }
)

/**
 * A notifier for tests: records every alert and can be told to fail. Provides both
 * {@link Notifier} and {@link NotifierTest}; each build has its own records.
 *
 * @example
 * ```ts
 * import { Cause, Effect } from "effect"
 * import { Alert, AlertLimiter, Notifier } from "effect-retry-alerts"
 *
 * const program = Effect.gen(function* () {
 *   yield* Notifier.setFailure(Cause.fail(new Notifier.NotifierError({ message: "webhook down" })))
 *   const delivered = yield* Alert.sendRateLimited("charge", new Error("HTTP 500"), "billing", "text")
 *   const attempts = yield* Notifier.attempts
 *   return [delivered, attempts.length] // [false, 1]
 * }).pipe(Effect.provide([Notifier.layerTest, AlertLimiter.layer]))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTest: Layer.Layer<Notifier | NotifierTest> = Layer.effectContext(
  Effect.map(makeTest, ([notifier, controls]) =>
    Context.make(Notifier, notifier).pipe(Context.add(NotifierTest, controls))
  )
)

/**
 * Alerts delivered by the test notifier, oldest first.
 *
 * @since 0.1.0
 * @category test
 */
export const sent: Effect.Effect<ReadonlyArray<SentAlert>, never, NotifierTest> = Effect.flatMap(
  NotifierTest,
  (test) => test.sent
)

/**
 * Every call made to the test notifier, delivered or not, oldest first.
 *
 * @since 0.1.0
 * @category test
 */
export const attempts: Effect.Effect<ReadonlyArray<SentAlert>, never, NotifierTest> = Effect.flatMap(
  NotifierTest,
  (test) => test.attempts
)

/**
 * Makes the test notifier end every following call with `cause`, or deliver again with
 * `undefined`.
 *
 * @since 0.1.0
 * @category test
 */
export const setFailure = (
  cause: Cause.Cause<NotifierError> | undefined
): Effect.Effect<void, never, NotifierTest> => Effect.flatMap(NotifierTest, (test) => test.setFailure(cause))
