/**
 * Honouring a server's `Retry-After`: a local HTTP server answers 429 with `Retry-After: 2`, then
 * 200. The retry waits the 2 seconds the server asked for, not its own (shorter) backoff.
 *
 * Run: `npx tsx examples/retry-after.ts` (about 2 seconds).
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { FetchHttpClient, HttpClient } from "@effect/platform"
import { Effect, Layer } from "effect"
import { AlertLimiter, Notifier, Retry } from "../src/index.js"

// The server: the first request is rate limited, the next ones get the price.
let requests = 0
const requestTimes: Array<number> = []
const server = createServer((_request, response) => {
  requests++
  requestTimes.push(Date.now())
  if (requests === 1) {
    response.writeHead(429, { "retry-after": "2" }).end("slow down")
    console.log("server: 429, Retry-After: 2")
  } else {
    response.writeHead(200, { "content-type": "text/plain" }).end("ACME 42.00")
    console.log("server: 200")
  }
})
await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening))
const { port } = server.address() as AddressInfo

const getPrice = Effect.flatMap(HttpClient.HttpClient, (client) =>
  client
    .pipe(HttpClient.filterStatusOk)
    .get(`http://127.0.0.1:${port}/price`)
    .pipe(Effect.flatMap((response) => response.text))
).pipe(
  Retry.retry({
    name: "getPrice",
    context: "prices",
    // Transport errors, timeouts, 408, 429 and 5xx are retried; a 404 would not be.
    while: Retry.isTransientHttpError,
    // The server's Retry-After replaces the backoff (here at most 200 ms) for that retry.
    retryAfter: Retry.httpRetryAfter,
    maxWait: "200 millis"
  })
)

const price = await getPrice.pipe(
  Effect.provide(Layer.mergeAll(FetchHttpClient.layer, AlertLimiter.layer(), Notifier.layerLog())),
  Effect.runPromise
)
const waited = (requestTimes[1]! - requestTimes[0]!) / 1000
console.log(`price: ${price}`)
console.log(`requests: ${requests}; waited ${waited.toFixed(1)} s between them, as the server asked`)
server.close()
