/**
 * The exponential backoff of every loop in the library, the library's own I/O included;
 * `Backoff` documents and re-exports it.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import type { ExponentialOptions } from "../Backoff.js"
import * as Options from "./options.js"

export const exponentialDelayMillis = (
  n: number,
  u: number,
  initialMillis: number,
  maxWaitMillis: number,
  jitterMillis: number
): number => {
  const span = Math.min(jitterMillis, maxWaitMillis / 2)
  // 2 ** n overflows to Infinity after ~1000 retries, and Math.min handles that.
  const base = Math.min(initialMillis * 2 ** n, maxWaitMillis - span)
  return base + u * span
}

export const exponential = (options: ExponentialOptions): Schedule.Schedule<Duration.Duration> => {
  const initial = Duration.toMillis(
    Options.duration("initial", options.initial ?? "1 second", { allowZero: true })
  )
  const maxWait = Duration.toMillis(Options.duration("maxWait", options.maxWait))
  const jitter = Duration.toMillis(
    Options.duration("jitter", options.jitter ?? "1 second", { allowZero: true })
  )
  return Schedule.forever.pipe(
    Schedule.mapEffect((n) =>
      Effect.map(Random.next, (u) => Duration.millis(exponentialDelayMillis(n, u, initial, maxWait, jitter)))
    ),
    Schedule.addDelay((delay) => delay)
  )
}
