import { type Duration, Effect, Fiber, TestClock } from "effect"

/**
 * Runs `self` in a fiber and moves the TestClock forward by `total`, so every backoff sleep in
 * between completes without real waiting. Returns the fiber's exit.
 */
export const runPastBackoff = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  total: Duration.DurationInput = "1 hour"
) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(self)
    yield* TestClock.adjust(total)
    return yield* Fiber.await(fiber)
  })
