/**
 * Driving the TestClock while real I/O (an HTTP round trip) happens in real time.
 *
 * The code under test sleeps on the TestClock; the HTTP request and answer travel through Node's
 * event loop. So the test yields to the event loop (without any real timer) until the fiber under
 * test is parked on a sleep, then moves the TestClock to that sleep's wake-up time.
 */
import { Chunk, Effect, Fiber, Option, TestClock } from "effect"

/** One turn of Node's event loop, so sockets can be read and written. Not a timer. */
export const ioTurn: Effect.Effect<void> = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

/** Enough turns for any loopback round trip; past it the test fails instead of hanging. */
const MAX_TURNS = 200_000

/** Pending wake-up times on the TestClock, earliest first. */
export const pendingSleeps: Effect.Effect<ReadonlyArray<number>> = Effect.map(TestClock.sleeps(), (sleeps) =>
  Chunk.toReadonlyArray(sleeps)
    .slice()
    .sort((a, b) => a - b)
)

/**
 * Waits until `fiber` is done or at least `count` sleeps are pending. Returns whether the fiber is
 * done.
 */
export const awaitSleeps = <A, E>(fiber: Fiber.Fiber<A, E>, count: number): Effect.Effect<boolean> =>
  Effect.gen(function* () {
    for (let turn = 0; turn < MAX_TURNS; turn++) {
      if (Option.isSome(yield* Fiber.poll(fiber))) return true
      if ((yield* pendingSleeps).length >= count) return false
      yield* ioTurn
    }
    return yield* Effect.dieMessage(`fiber neither ended nor slept within ${MAX_TURNS} event-loop turns`)
  })

/**
 * Runs `fiber` to its end. Each time `sleeping` sleeps are pending (a webhook delivery always has
 * one, its overall timeout, so a retry wait is the second: the default), moves the clock to the
 * earliest wake-up. Returns the fiber's result and the waits it went through, in milliseconds.
 */
export const drive = <A, E>(
  fiber: Fiber.Fiber<A, E>,
  sleeping = 2
): Effect.Effect<{ readonly result: A; readonly waits: ReadonlyArray<number> }, E> =>
  Effect.gen(function* () {
    const waits: Array<number> = []
    while (!(yield* awaitSleeps(fiber, sleeping))) {
      const now = yield* TestClock.currentTimeMillis
      const [next] = yield* pendingSleeps
      waits.push(next! - now)
      yield* TestClock.adjust(next! - now)
    }
    return { result: yield* Fiber.join(fiber), waits }
  })
