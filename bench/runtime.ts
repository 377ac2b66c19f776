/**
 * Scenario: the plain-function adapter (`RetryRuntime`) on a function that always succeeds,
 * against a bare `await fn()` and other retry libraries (target: at most 1.5x a bare `await fn()`).
 *
 * Alone: `npm run bench:runtime` (`bench/run.ts --only=runtime`).
 */
import { retry as cockatielRetry, ExponentialBackoff, handleAll } from "cockatiel"
import { Effect } from "effect"
import pRetry from "p-retry"
import { Retry, RetryRuntime } from "../src/index.js"
import { type Case, compare, comparedRow, type Scenario, type Target } from "./report.js"

const target: Target = { kind: "ratio", max: 1.5 }

async function fetchValue(): Promise<number> {
  return 42
}
function computeValue(): number {
  return 42
}

const rethrow = (error: unknown): never => {
  throw error
}

export const scenario: Scenario = {
  id: "runtime",
  title: "Plain-function adapter (RetryRuntime) success path",
  run: async (settings) => {
    const batch = settings.quick ? 200 : 1_000
    const retries = RetryRuntime.create()
    const wrappedAsync = retries.retry(fetchValue, { maxAttempts: 3 })
    const wrappedSync = retries.retry(computeValue, { maxAttempts: 3 })
    const wrappedConn = retries.connRetry("api", "fetch", { maxRetry: 2 })(fetchValue)
    const cockatielPolicy = cockatielRetry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() })
    const effectRetried = Effect.tryPromise({ try: fetchValue, catch: (error) => error }).pipe(
      Retry.retry({ name: "fetchValue", maxAttempts: 3 })
    )

    // Sanity, and connRetry's first call, which runs in the runtime to learn its log level.
    for (const call of [
      wrappedAsync,
      wrappedSync,
      wrappedConn,
      () => cockatielPolicy.execute(fetchValue),
      () => pRetry(fetchValue, { retries: 2 }),
      () => retries.runtime.runPromise(effectRetried)
    ]) {
      const value = await call()
      if (value !== 42) throw new Error(`success path returned ${value}`)
    }

    // Every batch adds its results to `sink`, so no call can be optimised away; checked below.
    let sink = 0
    const loop = (name: string, call: () => Promise<number> | number): Case => ({
      name,
      ops: batch,
      run: async () => {
        for (let i = 0; i < batch; i++) sink += await call()
      }
    })
    const measured = await compare(
      [
        loop("bareAsync", fetchValue),
        // The least any wrapper that must catch a rejection pays: one `then` on the function's promise.
        loop("floor", () => fetchValue().then(undefined, rethrow)),
        loop("retryAsync", wrappedAsync),
        loop("connRetryAsync", wrappedConn),
        loop("cockatiel", () => cockatielPolicy.execute(fetchValue)),
        loop("pRetry", () => pRetry(fetchValue, { retries: 2 })),
        loop("runPromise", () => retries.runtime.runPromise(effectRetried)),
        loop("bareSync", computeValue),
        loop("retrySync", wrappedSync)
      ],
      settings
    )
    await retries.dispose()
    if (sink === 0 || sink % 42 !== 0) throw new Error("a measured call did not return 42")

    const bareAsync = { name: "bare await fn(), async fn", of: "bareAsync" }
    const row = (name: string, of: string, baseline = bareAsync, rowTarget?: Target) =>
      comparedRow(measured, { name, unit: "ns/call", of, baseline, target: rowTarget })
    return {
      rows: [
        row("runtime: RetryRuntime.retry, async fn", "retryAsync", bareAsync, target),
        row(
          "runtime: RetryRuntime.retry, sync fn",
          "retrySync",
          { name: "bare await fn(), sync fn", of: "bareSync" },
          target
        ),
        row("runtime: RetryRuntime.connRetry, async fn", "connRetryAsync", bareAsync, target),
        row("runtime: fn().then(undefined, onRejected) (floor)", "floor"),
        row("runtime: cockatiel retry policy, async fn", "cockatiel"),
        row("runtime: p-retry, async fn", "pRetry"),
        row("runtime: Retry.retry via runtime.runPromise, async fn", "runPromise")
      ],
      notes: [
        `Each case awaits ${batch.toLocaleString("en-US")} calls in sequence in an \`async\` loop (\`sink += await call()\`); the figure is the time of a batch divided by ${batch.toLocaleString("en-US")}. The function always succeeds: \`async function fetchValue() { return 42 }\`, or \`function computeValue() { return 42 }\` for the sync rows, whose baseline is \`await computeValue()\`.`,
        'Wrappers are built once: `RetryRuntime.create()` (default layer, never built since no call fails), `retries.retry(fn, { maxAttempts: 3 })`, `retries.connRetry("api", "fetch", { maxRetry: 2 })(fn)` (its first call, made before measuring, learns that the runtime drops debug logs; later successful calls run the function directly).',
        "Rows without a target are information: the floor is `fetchValue().then(undefined, rethrow)`, the least a wrapper that catches a rejection pays; cockatiel: `retry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() }).execute(fn)`; p-retry: `pRetry(fn, { retries: 2 })`; the last row runs `Effect.tryPromise(fn).pipe(Retry.retry(...))` with `retries.runtime.runPromise` on every call."
      ]
    }
  }
}
