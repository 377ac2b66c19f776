/**
 * Scenario 3: heap retained by the default limiter after many distinct signatures.
 *
 * The measurement runs in a child process started with `--expose-gc`, so that the heap can be
 * collected before reading it and nothing else of the harness is on it:
 * `node --expose-gc --import tsx bench/memory.ts --count=1000000` prints one JSON line.
 */
import { execFile } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { Effect } from "effect"
import { AlertLimiter } from "../src/index.js"
import { buildOnce, repeatInFiber } from "./fiber.js"
import type { Scenario } from "./report.js"

const MB = 1024 * 1024
const TARGET_MB = 5

interface Measurement {
  readonly count: number
  /** Signatures the limiter remembers at the end. */
  readonly size: number
  readonly retainedBytes: number
  /** The same signatures kept in a plain `Map`, as the original limiter keeps every one. */
  readonly unboundedBytes: number
}

const heapAfterGc = (gc: () => void): number => {
  // Several passes: a single one may leave garbage that a finalizer or weak reference releases.
  for (let i = 0; i < 4; i++) gc()
  return process.memoryUsage().heapUsed
}

const errorFor = (i: number) => new Error(`HTTP 500 from upstream, request ${i}`)

const measureInThisProcess = async (count: number): Promise<Measurement> => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error("run with node --expose-gc")

  const limiter = await buildOnce(AlertLimiter.layer())
  const before = heapAfterGc(gc)
  await Effect.runPromise(
    repeatInFiber(count, (i) => AlertLimiter.shouldSendAlert("spend_credits", errorFor(i), "billing")).pipe(
      Effect.provide(limiter.context)
    )
  )
  const after = heapAfterGc(gc)
  // Read after measuring: the limiter (and its map) is alive during the measurement.
  const size = await Effect.runPromise(Effect.provide(AlertLimiter.size, limiter.context))
  await limiter.close()

  const unbounded = new Map<string, { lastSentAt: number; suppressed: number }>()
  const beforeUnbounded = heapAfterGc(gc)
  for (let i = 0; i < count; i++) {
    unbounded.set(AlertLimiter.signature("spend_credits", errorFor(i), "billing"), {
      lastSentAt: Date.now(),
      suppressed: 0
    })
  }
  const afterUnbounded = heapAfterGc(gc)
  if (unbounded.size !== count) throw new Error("the unbounded map lost signatures")

  return { count, size, retainedBytes: after - before, unboundedBytes: afterUnbounded - beforeUnbounded }
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
  id: "memory",
  title: "Limiter memory",
  run: async (settings) => {
    const count = settings.quick ? 100_000 : 1_000_000
    const result = await measureInChild(count)
    const label = count.toLocaleString("en-US")
    return {
      rows: [
        {
          name: `memory: heap retained, ${label} signatures through AlertLimiter.layer()`,
          figure: result.retainedBytes / MB,
          unit: "MB",
          baseline: { name: "plain Map keeping every signature", figure: result.unboundedBytes / MB },
          target: { kind: "atMost", max: TARGET_MB }
        }
      ],
      notes: [
        `A child process (\`node --expose-gc --import tsx bench/memory.ts\`) builds \`AlertLimiter.layer()\` once, passes ${label} distinct signatures through \`AlertLimiter.shouldSendAlert\` in one fiber, and reads \`heapUsed\` after forced collections before and after, while the limiter is still alive. It then remembered ${result.size.toLocaleString("en-US")} signatures (its default bound).`,
        `Baseline: the same ${label} signatures kept in a plain \`Map\` with a small entry each, as the original keeps every one (about 180 MB per million there).`
      ]
    }
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === thisFile) {
  const count = Number(process.argv.find((arg) => arg.startsWith("--count="))?.slice("--count=".length))
  if (!Number.isInteger(count) || count < 1) throw new Error("usage: memory.ts --count=N")
  process.stdout.write(`${JSON.stringify(await measureInThisProcess(count))}\n`)
}
