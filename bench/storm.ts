/**
 * Scenario 4: an alert storm. Many fibers fail past the excessive-retry threshold at once with one
 * signature: one notifier call, and how long the storm takes on the real clock.
 */
import { performance } from "node:perf_hooks"
import { Cause, Effect, Exit, Layer, Logger, LogLevel, Schedule } from "effect"
import { Alert, AlertLimiter, Backoff, Notifier, Retry } from "../src/index.js"
import type { Scenario } from "./report.js"

const MAX_WAIT = "1 millis"
// One attempt past the threshold, so the threshold attempt's failure is followed by another.
const MAX_ATTEMPTS = Alert.EXCESSIVE_RETRY_THRESHOLD + 1

// 10,000 fibers x 50 warnings through the console would measure the terminal, not the retry.
const silentLogs = Logger.minimumLogLevel(LogLevel.None)

interface StormResult {
  readonly millis: number
  readonly notifierCalls: number
  readonly attempts: number
}

/** Runs `fibers` concurrent fibers that always fail with the same error, retried by `wrap`. */
const storm = async (
  fibers: number,
  wrap: (self: Effect.Effect<never, Error>) => Effect.Effect<never, Error, Retry.Requirements>
): Promise<StormResult> => {
  let notifierCalls = 0
  let attempts = 0
  const countingNotifier = Layer.succeed(Notifier.Notifier, {
    notify: () =>
      Effect.sync(() => {
        notifierCalls++
      })
  })
  const operation = () => {
    const error = new Error("HTTP 500 from upstream")
    return wrap(
      Effect.suspend(() => {
        attempts++
        return Effect.fail(error)
      })
    ).pipe(
      Effect.exit,
      Effect.map((exit) => Exit.isFailure(exit) && Cause.failureOption(exit.cause)._tag === "Some")
    )
  }
  const program = Effect.forEach(Array.from({ length: fibers }), operation, {
    concurrency: "unbounded"
  }).pipe(Effect.provide(Layer.mergeAll(AlertLimiter.layer(), countingNotifier, silentLogs)))
  const start = performance.now()
  const failedWithTheError = await Effect.runPromise(program)
  const millis = performance.now() - start
  if (!failedWithTheError.every(Boolean)) throw new Error("a storm fiber did not fail with its error")
  if (attempts !== fibers * MAX_ATTEMPTS)
    throw new Error(`${attempts} attempts, expected ${fibers * MAX_ATTEMPTS}`)
  return { millis, notifierCalls, attempts }
}

export const scenario: Scenario = {
  id: "storm",
  title: "Alert storm",
  run: async (settings) => {
    const fibers = settings.quick ? 1_000 : 10_000
    const retried = Retry.retry({ name: "storm", maxAttempts: MAX_ATTEMPTS, maxWait: MAX_WAIT })
    const naiveSchedule = Backoff.exponential({ maxWait: MAX_WAIT }).pipe(
      Schedule.intersect(Schedule.recurs(MAX_ATTEMPTS - 1))
    )
    // One run each, with fresh services: a 10,000-fiber storm takes 30 to 70 s on 2 cores.
    const ours = await storm(fibers, retried)
    const naive = await storm(fibers, (self) => Effect.retry(self, naiveSchedule))
    const label = fibers.toLocaleString("en-US")
    return {
      rows: [
        {
          name: `storm: notifier calls, ${label} fibers, one signature`,
          figure: ours.notifierCalls,
          unit: "calls",
          target: { kind: "equals", value: 1 }
        },
        {
          name: `storm: wall time, ${label} fibers x ${MAX_ATTEMPTS} attempts`,
          figure: ours.millis,
          unit: "ms",
          baseline: {
            name: "naive Effect.retry, same schedule",
            figure: naive.millis
          }
        }
      ],
      notes: [
        `${label} fibers start at once, each failing every attempt with the same error (one signature), retried by \`Retry.retry({ name, maxAttempts: ${MAX_ATTEMPTS}, maxWait: "${MAX_WAIT}" })\` on the real clock (\`Backoff\` keeps each delay within [maxWait/2, maxWait]). Attempt ${Alert.EXCESSIVE_RETRY_THRESHOLD} of each fiber asks the limiter (\`AlertLimiter.layer()\`); a counting notifier layer records the calls. Every fiber is checked to fail with its error after ${MAX_ATTEMPTS} attempts.`,
        `**Logging is discarded for the storm only** (\`Logger.minimumLogLevel(LogLevel.None)\`): otherwise its ${(fibers * (MAX_ATTEMPTS - 1)).toLocaleString("en-US")} warnings would measure the console. The retry loop checks the level first, so it then skips formatting them too.`,
        "Wall time of one storm, layer build included (one run, not a median: a 10,000-fiber storm takes 30 to 70 s on 2 cores). Baseline: the same storm with `Effect.retry` and the same backoff and attempts, without alerting, run right after."
      ]
    }
  }
}
