/**
 * What the breaker keeps and decides per circuit, apart from its transitions: one circuit as a
 * process keeps it, the open time stepped from a `Schedule`, and what a call's end counts as.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleIntervals from "effect/ScheduleIntervals"
import type { CircuitRecord, ClosedCircuit } from "../circuitBreaker.js"
import type { Counts } from "./counts.js"
import { Labels } from "./telemetry.js"

/** A closed call's handlers, for one predicate. */
export interface Handlers {
  readonly isFailure: ((error: any) => boolean) | undefined
  readonly onFailure: (cause: Cause.Cause<any>) => Effect.Effect<any, any, any>
  readonly onSuccess: (value: any) => Effect.Effect<any, any, any>
}

/** One circuit as this process keeps it: the record it last saw, and its own counts. */
export class Circuit {
  /** A transition of this process is under way: other calls do not start one. */
  changing = false
  /** Its counters for the retry pipeline (see `Closed`), made on first use. */
  closed: ClosedCircuit | undefined = undefined
  /** The handlers of the last predicate its calls used (see `measured`). */
  handlers: Handlers | undefined = undefined
  readonly labels: Labels

  constructor(
    readonly key: string,
    public record: CircuitRecord,
    readonly counts: Counts
  ) {
    this.labels = new Labels(key)
  }
}

/** Most steps taken through the open-time schedule: past it, the open time stays. */
const MAX_OPEN_STEPS = 64

/** The open time of the `openings`-th opening in a row: the schedule's delay at that step. */
export const openMillis = (
  schedule: Schedule.Schedule<unknown, unknown, never>,
  openings: number,
  now: number
): Effect.Effect<number> =>
  Effect.suspend(() => {
    const steps = Math.min(openings, MAX_OPEN_STEPS)
    const go = (state: unknown, step: number, last: number): Effect.Effect<number> =>
      step > steps
        ? Effect.succeed(last)
        : Effect.flatMap(schedule.step(now, undefined, state), ([next, _, decision]) =>
            ScheduleDecision.isDone(decision)
              ? Effect.succeed(last)
              : go(next, step + 1, Math.max(0, ScheduleIntervals.start(decision.intervals) - now))
          )
    return go(schedule.initial, 1, 0)
  })

/** Whether a typed failure counts, asking `isFailure`; one that throws counts. */
const counts = (isFailure: ((error: any) => boolean) | undefined, error: unknown): boolean => {
  if (isFailure === undefined) return true
  try {
    return isFailure(error)
  } catch {
    return true
  }
}

/** What a call's end was for the circuit: a failure, a success, or nothing (a defect, an interruption). */
export const verdict = (
  cause: Cause.Cause<unknown>,
  isFailure: ((error: any) => boolean) | undefined
): "failure" | "success" | undefined => {
  if (cause._tag === "Fail") return counts(isFailure, cause.error) ? "failure" : "success"
  if (Cause.isDie(cause) || Cause.isInterrupted(cause)) return undefined
  const failure = Cause.failureOption(cause)
  if (failure._tag === "None") return undefined
  return counts(isFailure, failure.value) ? "failure" : "success"
}
