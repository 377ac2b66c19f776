/**
 * Scenario: what many distinct operation names leave behind in the metric registry, whose series
 * are never freed. Each name's loop retries once and gives up (a series in `retries_total` and one
 * in `give_ups_total`); the operation label is bounded, so past the bound they share one series.
 *
 * The measurement runs in a child process started with `--expose-gc`:
 * `node --expose-gc --import tsx bench/operations.ts --count=20000` prints one JSON line.
 */
import { execFile } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { Effect, Layer, Logger, LogLevel, Metric, Schedule } from "effect"
import { AlertLimiter, Notifier, Retry } from "../src/index.js"
import { buildOnce, repeatInFiber } from "./fiber.js"
import type { Scenario } from "./report.js"

const MB = 1024 * 1024

interface Measurement {
  readonly count: number
  /** Series the metric registry gained. */
  readonly series: number
  readonly retainedBytes: number
}

const heapAfterGc = (gc: () => void): number => {
  for (let i = 0; i < 4; i++) gc()
  return process.memoryUsage().heapUsed
}

const measureInThisProcess = async (count: number): Promise<Measurement> => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error("run with node --expose-gc")
  const services = await buildOnce(Layer.merge(AlertLimiter.layer(), Notifier.layerLog()))
  // One retry and a give-up per name, with no wait: the loop's own state is garbage at its end.
  const loop = (i: number) =>
    Effect.fail(new Error("down")).pipe(
      Retry.retry({ name: `operation-${i}`, maxAttempts: 2, schedule: Schedule.forever }),
      Effect.ignore
    )
  const program = repeatInFiber(count, loop).pipe(
    Effect.provide(services.context),
    // 40,000 lines would measure the logger: none is written.
    Logger.withMinimumLogLevel(LogLevel.None)
  )
  const seriesBefore = Metric.unsafeSnapshot().length
  const before = heapAfterGc(gc)
  await Effect.runPromise(program)
  const after = heapAfterGc(gc)
  const series = Metric.unsafeSnapshot().length - seriesBefore
  await services.close()
  return { count, series, retainedBytes: after - before }
}

const thisFile = fileURLToPath(import.meta.url)
const root = path.resolve(path.dirname(thisFile), "..")

const measureInChild = async (count: number): Promise<Measurement> => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--expose-gc", "--import", "tsx", thisFile, `--count=${count}`],
    { cwd: root, maxBuffer: 1024 * 1024 }
  )
  const last = stdout.trim().split("\n").at(-1) ?? ""
  return JSON.parse(last) as Measurement
}

export const scenario: Scenario = {
  id: "operations",
  title: "Metric series of many operation names",
  run: async (settings) => {
    const count = settings.quick ? 2_000 : 20_000
    const result = await measureInChild(count)
    const label = count.toLocaleString("en-US")
    return {
      rows: [
        {
          name: `operations: metric series added by ${label} operation names (a retry and a give-up each)`,
          figure: result.series,
          unit: "series",
          // The bound's names, two series each, and the overflow label's two.
          target: { kind: "atMost", max: 2 * 1_000 + 2 }
        },
        {
          name: `operations: heap retained after ${label} operation names`,
          figure: result.retainedBytes / MB,
          unit: "MB"
        }
      ],
      notes: [
        `A child process (\`node --expose-gc --import tsx bench/operations.ts\`) runs one \`Retry.retry\` loop for each of ${label} distinct operation names, each failing twice (a retry, then a give-up; \`Schedule.forever\`, no wait; logs off), and reads the metric registry's size (\`Metric.unsafeSnapshot\`) and \`heapUsed\` after forced collections before and after. The first 1,000 names (\`Metrics.MAX_OPERATIONS\`) keep their own series; the rest share \`operation="_other"\`.`
      ]
    }
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === thisFile) {
  const count = Number(process.argv.find((arg) => arg.startsWith("--count="))?.slice("--count=".length))
  if (!Number.isInteger(count) || count < 1) throw new Error("usage: operations.ts --count=N")
  process.stdout.write(`${JSON.stringify(await measureInThisProcess(count))}\n`)
}
