/**
 * Decision latency (p50, p99) and decisions per second from one process: the memory limiter
 * beside the Redis limiter on loopback.
 *
 *   npm run bench:redis            # starts its own redis-server on a free port
 *   REDIS_BENCH_URL=redis://127.0.0.1:6390 npm run bench:redis
 *
 * Scenarios:
 * - "repeat": one signature asked again and again (suppressed; the Redis layer answers from its
 *   in-process front, no round trip).
 * - "fresh": a new signature every time (sent; the Redis layer makes one round trip each).
 * - throughput: 20,000 fresh signatures, 64 at a time.
 */
import { performance } from "node:perf_hooks"
import { Effect, type Layer, ManagedRuntime, Redacted } from "effect"
import { Bench } from "tinybench"
import * as AlertLimiter from "../src/AlertLimiter.js"
import { type RedisServer, startRedisServer } from "../test/support/redisServer.js"

const THROUGHPUT_DECISIONS = 20_000
const THROUGHPUT_CONCURRENCY = 64

const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN

const micros = (ms: number) => `${(ms * 1000).toFixed(1)} µs`

const main = async () => {
  const given = process.env.REDIS_BENCH_URL
  const server: RedisServer | undefined = given === undefined ? await startRedisServer() : undefined
  const url = given ?? server!.url
  const subjects: Array<[string, Layer.Layer<AlertLimiter.AlertLimiter>]> = [
    ["memory", AlertLimiter.layerMemory()],
    ["redis", AlertLimiter.layerRedis({ url: Redacted.make(url), prefix: `bench:${process.pid}:` })]
  ]
  const rows: Array<Record<string, string>> = []
  try {
    for (const [name, layer] of subjects) {
      const runtime = ManagedRuntime.make(layer)
      const check = (sig: string) => runtime.runPromise(AlertLimiter.check(sig))
      await check("warm-up connection")
      let counter = 0
      const bench = new Bench({ time: 2_000, warmupTime: 300 })
      bench
        .add(`${name}: repeat`, () => check("billing:charge:Error:HTTP 500").then(() => undefined))
        .add(`${name}: fresh`, () =>
          check(`billing:charge:Error:HTTP 500 #${counter++}`).then(() => undefined)
        )
      await bench.warmup()
      await bench.run()
      for (const task of bench.tasks) {
        const samples = [...(task.result?.samples ?? [])].sort((a, b) => a - b)
        rows.push({
          scenario: task.name,
          p50: micros(percentile(samples, 50)),
          p99: micros(percentile(samples, 99)),
          "decisions/s (one at a time)": Math.round(task.result?.hz ?? 0).toLocaleString("en-US")
        })
      }

      const started = performance.now()
      await runtime.runPromise(
        Effect.forEach(
          Array.from({ length: THROUGHPUT_DECISIONS }, (_, i) => `throughput #${i}`),
          (sig) => AlertLimiter.check(sig),
          { concurrency: THROUGHPUT_CONCURRENCY, discard: true }
        )
      )
      const seconds = (performance.now() - started) / 1000
      rows.push({
        scenario: `${name}: fresh, ${THROUGHPUT_CONCURRENCY} concurrent`,
        p50: "",
        p99: "",
        "decisions/s (one at a time)": `${Math.round(THROUGHPUT_DECISIONS / seconds).toLocaleString("en-US")} (concurrent)`
      })
      await runtime.runPromise(AlertLimiter.reset)
      await runtime.dispose()
    }
  } finally {
    await server?.stop()
  }
  console.log(
    `Node ${process.version}, Redis at ${server === undefined ? "REDIS_BENCH_URL" : "a local redis-server"}`
  )
  console.table(rows)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
