/**
 * Retrying plain functions and promises, without writing Effect code.
 *
 * Run: `npx tsx examples/plain-functions.ts` (about a second: waits are capped at 100 ms here).
 */
import { Layer } from "effect"
import { AlertLimiter, Notifier, RetryRuntime } from "../src/index.js"

class QuoteError extends Error {
  override name = "QuoteError"
}

// One runtime for the whole program, on the layers you would give `Retry` (these are the defaults).
const retries = RetryRuntime.create(Layer.merge(Notifier.layerLog(), AlertLimiter.layer()))

// An async function that fails twice, then answers.
let quoteCalls = 0
async function fetchQuote(symbol: string): Promise<number> {
  quoteCalls++
  if (quoteCalls <= 2) throw new QuoteError(`quote service unavailable for ${symbol}`)
  return 101.5
}
const fetchQuoteRetried = retries.retry(fetchQuote, { maxAttempts: 5, maxWait: "100 millis" })
console.log(
  `${fetchQuoteRetried.name}("ACME") =`,
  await fetchQuoteRetried("ACME"),
  `after ${quoteCalls} calls`
)

// A sync method: `this` and the arguments pass through, and the result becomes a promise.
const pool = {
  size: 0,
  open: retries.connRetry("postgres", "connect", { maxRetry: 3, maxWait: "100 millis" })(function open(
    this: { size: number },
    connections: number
  ) {
    this.size += connections
    return this.size
  })
}
console.log("pool.open(4) =", await pool.open(4))

// When the attempts run out, the call rejects with the function's own error, the same object.
const failure = new QuoteError("market closed")
const marketStatus = retries.retry(
  async function marketStatus() {
    throw failure
  },
  { maxAttempts: 2, maxWait: "100 millis" }
)
try {
  await marketStatus()
} catch (error) {
  console.log("rejected with the thrown error itself:", error === failure)
}

// An AbortSignal ends a retry loop while it waits: here a worker that never succeeds.
const shutdown = new AbortController()
const worker = retries.continuous(
  () => {
    throw new Error("queue unreachable")
  },
  { name: "consumeQueue", retryDelay: "50 millis", signal: shutdown.signal }
)
const stopped = worker().catch((reason: unknown) => reason)
setTimeout(() => shutdown.abort("shutting down"), 120)
console.log("worker ended with:", await stopped)

await retries.dispose()
