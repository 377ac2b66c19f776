/**
 * Sending one alert through several notifiers.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Describe from "./describe.js"
import { Notifier, NotifierError, type NotifierService } from "./notifier.js"

const reason = (cause: Cause.Cause<NotifierError>): string => {
  const failure = Cause.failureOption(cause)
  if (failure._tag === "Some") return failure.value.message
  if (Cause.isInterruptedOnly(cause)) return "interrupted"
  // A defect in a notifier of the user's: its text may be anything; `summary` scrubs it.
  return Describe.summary(Cause.squash(cause), 200)
}

/**
 * Delivers every event through all `notifiers` at once. One failing (or dying) does not stop the
 * others. Succeeds when all delivered; otherwise fails, after all have finished, with one
 * `NotifierError` naming each failure (and its `status` when only one failed).
 */
export const fanOut = (notifiers: ReadonlyArray<NotifierService>): NotifierService => ({
  notify: (event) =>
    Effect.forEach(notifiers, (notifier) => Effect.exit(Effect.suspend(() => notifier.notify(event))), {
      concurrency: "unbounded"
    }).pipe(
      Effect.flatMap((exits) => {
        const failed = exits.flatMap((exit, index) =>
          Exit.isFailure(exit) ? [{ index, cause: exit.cause }] : []
        )
        if (failed.length === 0) return Effect.void
        const only = failed.length === 1 ? failed[0] : undefined
        const status =
          only === undefined
            ? undefined
            : Cause.failureOption(only.cause).pipe((o) => (o._tag === "Some" ? o.value.status : undefined))
        const reasons = failed.map(({ cause, index }) => `notifier ${index + 1}: ${reason(cause)}`).join("; ")
        return Effect.fail(
          new NotifierError({
            message: `${failed.length} of ${exits.length} notifiers failed: ${reasons}`,
            ...(status === undefined ? {} : { status }),
            ...(only === undefined ? {} : { cause: Cause.squash(only.cause) })
          })
        )
      })
    )
})

/** A notifier layer sending every alert through all `layers`, each built on its own. */
export const layer = <const Layers extends ReadonlyArray<Layer.Layer<Notifier, any, any>>>(
  layers: Layers
): Layer.Layer<Notifier, Layer.Layer.Error<Layers[number]>, Layer.Layer.Context<Layers[number]>> =>
  Layer.scoped(
    Notifier,
    Effect.map(
      Effect.forEach(layers, (each) =>
        Effect.map(Layer.build(each), (context) => Context.get(context, Notifier))
      ),
      fanOut
    )
  )
