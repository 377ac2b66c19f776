/**
 * A user's schedule composed with `Schedule.upTo`, `Schedule.intersect`, `Schedule.union` and
 * `Schedule.andThen`, given as the `schedule` option: the loop makes the attempts the composition
 * decides, and its logs, metrics and alert say exactly that. And what a `Retry.policy` composed
 * from outside says, as the guide documents it. TestClock throughout.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Metric, Schedule } from "effect"
import { type Alert, Metrics, NotifierTest, Retry } from "../src/index.js"
import { runPastBackoff } from "./support/clock.js"
import { failingAt } from "./support/failing.js"
import { captureLogs, type LogLine } from "./support/logs.js"
import { services } from "./support/services.js"

// Metrics are process-wide: every case uses an operation name of its own.
const counts = (operation: string) =>
  Effect.all({
    retries: Effect.map(Metric.value(Metric.tagged(Metrics.retries, "operation", operation)), (s) => s.count),
    giveUps: Effect.map(Metric.value(Metric.tagged(Metrics.giveUps, "operation", operation)), (s) => s.count)
  })

const error = new Error("HTTP 500")

/** The loop's own lines (a failed forked fiber logs one more at debug level), as level and message. */
const linesOf = (lines: ReadonlyArray<LogLine>) =>
  lines.filter((line) => line.level !== "DEBUG").map((line) => `${line.level} ${line.message}`)

const warning = (name: string, attempt: string, delay: string) =>
  `WARN ${name} failed on attempt ${attempt}; retrying in ${delay}: Error: HTTP 500`

const gaveUp = (name: string, attempts: number) =>
  `ERROR ${name} gave up after ${attempts} attempts: Error: HTTP 500`

interface Case {
  readonly name: string
  readonly title: string
  readonly maxAttempts: number
  readonly schedule: Schedule.Schedule<unknown, unknown>
  readonly alertAt?: Retry.AlertAt
  /** The Clock times of the attempts. */
  readonly times: ReadonlyArray<number>
  /** The waits its warnings announce, one per retry. */
  readonly waits: ReadonlyArray<string>
  /** [attempt, Clock time] of each alert. */
  readonly alerts: ReadonlyArray<readonly [number, number]>
}

const cases: ReadonlyArray<Case> = [
  {
    name: "composed-upTo",
    // Schedule.upTo looks at the time elapsed when it decides: at 30 s it still allows the wait to 40 s.
    title: "Schedule.upTo: the last warning comes before the last retry; attempt 5 is the last, so no alert",
    maxAttempts: 100,
    schedule: Schedule.spaced("10 seconds").pipe(Schedule.upTo("35 seconds")),
    alertAt: { attempts: 5 },
    times: [0, 10_000, 20_000, 30_000, 40_000],
    waits: ["10s", "10s", "10s", "10s"],
    alerts: []
  },
  {
    name: "composed-intersect",
    title: "Schedule.intersect(Schedule.recurs(2)): no alert on the third and last attempt",
    maxAttempts: 10,
    schedule: Schedule.spaced("1 second").pipe(Schedule.intersect(Schedule.recurs(2))),
    alertAt: { attempts: 3 },
    times: [0, 1000, 2000],
    waits: ["1s", "1s"],
    alerts: []
  },
  {
    name: "composed-union",
    title: "Schedule.union: goes on while either goes on, each wait the shorter; alerts when more follow",
    maxAttempts: 10,
    schedule: Schedule.union(
      Schedule.spaced("1 second").pipe(Schedule.intersect(Schedule.recurs(2))),
      Schedule.spaced("5 seconds").pipe(Schedule.intersect(Schedule.recurs(4)))
    ),
    alertAt: { attempts: 4 },
    times: [0, 1000, 2000, 7000, 12_000],
    waits: ["1s", "1s", "5s", "5s"],
    alerts: [[4, 7000]]
  },
  {
    name: "composed-andThen",
    title: "Schedule.andThen: the second schedule takes over where the first ends",
    maxAttempts: 10,
    schedule: Schedule.andThen(
      Schedule.spaced("1 second").pipe(Schedule.intersect(Schedule.recurs(2))),
      Schedule.spaced("10 seconds").pipe(Schedule.intersect(Schedule.recurs(2)))
    ),
    times: [0, 1000, 2000, 12_000, 22_000],
    waits: ["1s", "1s", "10s", "10s"],
    alerts: []
  },
  {
    name: "composed-bounded",
    title: "maxAttempts still bounds a composed schedule that would go on",
    maxAttempts: 3,
    schedule: Schedule.union(Schedule.spaced("1 second"), Schedule.spaced("2 seconds")),
    times: [0, 1000, 2000],
    waits: ["1s", "1s"],
    alerts: []
  }
]

/** `Retry.retry` and `Effect.retry` with `Retry.policy`: one loop, one set of lines. */
const forms = [
  {
    form: "Retry.retry",
    retried: <E>(self: Effect.Effect<never, E>, options: Retry.Options) => self.pipe(Retry.retry(options))
  },
  {
    form: "Retry.policy",
    retried: <E>(self: Effect.Effect<never, E>, options: Retry.Options) =>
      Effect.retry(self, Retry.policy(options))
  }
] as const

describe.each(forms)("$form with a composed schedule option", ({ form, retried }) => {
  for (const c of cases) {
    it.effect(`${c.title}; then one give-up line and metric`, () => {
      const logs = captureLogs()
      const name = `${c.name}-${form}`
      return Effect.gen(function* () {
        const op = failingAt(error)
        const options = { name, maxAttempts: c.maxAttempts, schedule: c.schedule, alertAt: c.alertAt }
        const exit = yield* runPastBackoff(retried(op.effect, options))
        expect(exit).toEqual(Exit.fail(error))
        expect(op.times).toEqual(c.times)
        expect(linesOf(logs.lines)).toEqual([
          ...c.waits.map((wait, i) => warning(name, `${i + 1}/${c.maxAttempts}`, wait)),
          gaveUp(name, c.times.length)
        ])
        expect(yield* counts(name)).toEqual({ retries: c.waits.length, giveUps: 1 })
        const sent = yield* NotifierTest.sent
        expect(sent.map((event) => [(event as Alert.Firing).attempt, event.at])).toEqual(c.alerts)
        for (const [attempt] of c.alerts) {
          expect(sent[0]!.text).toContain(`Current attempt: ${attempt}/${c.maxAttempts}`)
        }
      }).pipe(Effect.provide(Layer.mergeAll(services(), logs.layer)))
    })
  }
})

describe("Retry.policy composed from outside", () => {
  it.effect("retries as the composition decides, but speaks only for its own decision", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const op = failingAt(error)
      const name = "policy-outside"
      yield* runPastBackoff(
        Effect.retry(
          op.effect,
          Retry.policy({ name, maxAttempts: 100, schedule: Schedule.spaced("10 seconds") }).pipe(
            Schedule.upTo("35 seconds")
          )
        )
      )
      expect(op.times).toEqual([0, 10_000, 20_000, 30_000, 40_000])
      // As the guide says: the policy allowed a fifth retry that Schedule.upTo then refused, and no
      // line tells that the loop ended. Hence: compose through the `schedule` option.
      expect(linesOf(logs.lines)).toEqual([1, 2, 3, 4, 5].map((n) => warning(name, `${n}/100`, "10s")))
      expect(yield* counts(name)).toEqual({ retries: 5, giveUps: 0 })
    }).pipe(Effect.provide(Layer.mergeAll(services(), logs.layer)))
  })
})
