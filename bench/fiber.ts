/**
 * Helpers to measure an effect per operation inside one fiber, and to build layers once.
 */
import { type Context, Effect, Exit, Layer, Scope } from "effect"

/**
 * `n` sequential runs of `make(i)` inside one fiber, each chained to the next with `flatMap`:
 * every run goes through the fiber's run loop, as an effect in a real program does. The loop's
 * own cost (one `flatMap` per run) is paid alike by the case and its bare baseline.
 */
export const repeatInFiber = <E, R>(
  n: number,
  make: (i: number) => Effect.Effect<unknown, E, R>
): Effect.Effect<void, E, R> => {
  const step = (i: number): Effect.Effect<void, E, R> =>
    i === n ? Effect.void : Effect.flatMap(make(i), () => step(i + 1))
  return Effect.suspend(() => step(0))
}

/**
 * `n` sequential runs of `self` written as users write them: a `for` loop of `yield*` inside
 * `Effect.gen`. Note that the generator unwraps an already-completed effect such as
 * `Effect.succeed(1)` itself, without a run-loop step.
 */
export const repeatInGenerator = <A, E, R>(
  n: number,
  self: Effect.Effect<A, E, R>
): Effect.Effect<void, E, R> =>
  Effect.gen(function* () {
    for (let i = 0; i < n; i++) yield* self
  })

/**
 * Builds `layer` once, in a scope that stays open until `close` runs, so the services (and their
 * state) live across every measured run.
 */
export const buildOnce = async <ROut, E>(
  layer: Layer.Layer<ROut, E>
): Promise<{ readonly context: Context.Context<ROut>; readonly close: () => Promise<void> }> => {
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  return { context, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}
