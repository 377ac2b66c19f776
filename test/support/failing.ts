import { Clock, Effect } from "effect"

/** An operation that always fails with `error`; records the Clock time of every attempt. */
export const failingAt = <E>(error: E) => {
  const times: Array<number> = []
  const effect = Effect.flatMap(Clock.currentTimeMillis, (now) => {
    times.push(now)
    return Effect.fail(error)
  })
  return { times, effect }
}
