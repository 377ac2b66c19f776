/**
 * The success path of RetryRuntime against a bare call and other retry libraries, on a function
 * that always succeeds (issue 6: at most 1.5x a bare `await fn()`).
 *
 * Run: `npm run bench:runtime` (or `npx tsx bench/runtime.bench.ts`). Each sample times a batch
 * of calls, since one call is far below the timer's resolution; the table shows the median
 * nanoseconds per call and the ratio to the bare call of the same kind (async or sync).
 */
import { retry as cockatielRetry, ExponentialBackoff, handleAll } from "cockatiel"
import { Effect } from "effect"
import pRetry from "p-retry"
import { Bench, hrtimeNow } from "tinybench"
import { Retry, RetryRuntime } from "../src/index.js"

const BATCH = 1_000

async function fetchValue(): Promise<number> {
  return 42
}
function computeValue(): number {
  return 42
}

const retries = RetryRuntime.make()
const wrappedAsync = retries.retry(fetchValue, { maxAttempts: 3 })
const wrappedSync = retries.retry(computeValue, { maxAttempts: 3 })
const wrappedConn = retries.connRetry("api", "fetch", { maxRetry: 2 })(fetchValue)
const cockatielPolicy = cockatielRetry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() })
const effectRetried = Effect.tryPromise({ try: fetchValue, catch: (error) => error }).pipe(
  Retry.retry({ name: "fetchValue", maxAttempts: 3 })
)

const rethrow = (error: unknown): never => {
  throw error
}

// Sinks the results so no call can be optimised away.
let sink = 0

const rows: Array<{ name: string; baseline: string; run: () => Promise<void> }> = [
  {
    name: "bare await fn() (async)",
    baseline: "async",
    run: async () => {
      for (let i = 0; i < BATCH; i++) sink += await fetchValue()
    }
  },
  {
    // The least any wrapper that must catch a rejection pays: one `then` on the function's promise.
    name: "floor: fn().then(undefined, onRejected)",
    baseline: "async",
    run: async () => {
      for (let i = 0; i < BATCH; i++) sink += await fetchValue().then(undefined, rethrow)
    }
  },
  {
    name: "RetryRuntime.retry (async)",
    baseline: "async",
    run: async () => {
      for (let i = 0; i < BATCH; i++) sink += await wrappedAsync()
    }
  },
  {
    name: "RetryRuntime.connRetry (async)",
    baseline: "async",
    run: async () => {
      for (let i = 0; i < BATCH; i++) sink += await wrappedConn()
    }
  },
  {
    name: "cockatiel retry policy (async)",
    baseline: "async",
    run: async () => {
      for (let i = 0; i < BATCH; i++) sink += await cockatielPolicy.execute(fetchValue)
    }
  },
  {
    name: "p-retry (async)",
    baseline: "async",
    run: async () => {
      for (let i = 0; i < BATCH; i++) sink += await pRetry(fetchValue, { retries: 2 })
    }
  },
  {
    name: "Retry.retry via runtime.runPromise (async)",
    baseline: "async",
    run: async () => {
      for (let i = 0; i < BATCH; i++) sink += await retries.runtime.runPromise(effectRetried)
    }
  },
  {
    name: "bare await fn() (sync fn)",
    baseline: "sync",
    run: async () => {
      for (let i = 0; i < BATCH; i++) sink += await computeValue()
    }
  },
  {
    name: "RetryRuntime.retry (sync fn)",
    baseline: "sync",
    run: async () => {
      for (let i = 0; i < BATCH; i++) sink += await wrappedSync()
    }
  }
]

const bench = new Bench({ time: 1_000, warmupTime: 300, now: hrtimeNow })
for (const row of rows) bench.add(row.name, row.run)

await bench.warmup()
await bench.run()

const median = (samples: ReadonlyArray<number>): number => {
  const sorted = [...samples].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const nsPerCall = new Map<string, number>()
for (const task of bench.tasks) {
  if (task.result === undefined || task.result.error !== undefined) {
    throw new Error(`${task.name} did not run: ${String(task.result?.error)}`)
  }
  // Samples are in milliseconds per batch.
  nsPerCall.set(task.name, (median(task.result.samples) * 1e6) / BATCH)
}
const bare = { async: nsPerCall.get(rows[0]!.name)!, sync: nsPerCall.get("bare await fn() (sync fn)")! }

console.table(
  rows.map((row) => {
    const ns = nsPerCall.get(row.name)!
    return {
      case: row.name,
      "median ns/call": Math.round(ns),
      "x bare": Number((ns / bare[row.baseline as "async" | "sync"]).toFixed(2))
    }
  })
)

await retries.dispose()
if (sink === 0) console.log("unreachable")
