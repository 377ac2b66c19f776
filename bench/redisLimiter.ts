/**
 * Scenario: the Redis limiter's decision latency (p50, p99) on loopback and its decisions per
 * second from one process, beside the memory limiter measured in the same run.
 *
 * Alone: `npm run bench:redis` (`bench/run.ts --only=redis`). It starts a private `redis-server`
 * on a free 127.0.0.1 port without persistence, stopped at the end; with `REDIS_BENCH_URL` or
 * `REDIS_TEST_URL` set it uses that server instead, under a prefix of its own that it deletes.
 */
import { performance } from "node:perf_hooks"
import { Effect, FiberRef, HashSet, Logger, LogLevel, Redacted } from "effect"
import { Redis } from "ioredis"
import { AlertLimiter } from "../src/index.js"
import { RedisAlertLimiter } from "../src/redis.js"
import { startRedisServer } from "../test/support/redisServer.js"
import { buildOnce, repeatInFiber } from "./fiber.js"
import { type Case, compare, type Row, type Scenario } from "./report.js"

const CONCURRENCY = 64

const percentile = (sorted: Float64Array, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN

/** Counts warnings: a Redis limiter that logs one decided alone, and its figures are not Redis's. */
const warningCounter = () => {
  let warnings = 0
  const logger = Logger.make(({ logLevel }) => {
    if (LogLevel.greaterThanEqual(logLevel, LogLevel.Warning)) warnings++
  })
  const counted = <A, E, R>(self: Effect.Effect<A, E, R>) =>
    Effect.locallyWith(self, FiberRef.currentLoggers, HashSet.add(logger))
  return { counted, warnings: () => warnings }
}

/** Keys under `prefix`, read with a client of our own: proof that the decisions reached Redis. */
const countKeys = async (url: string, prefix: string): Promise<number> => {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 })
  await client.connect()
  try {
    let count = 0
    let cursor = "0"
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000)
      count += keys.length
      cursor = next
    } while (cursor !== "0")
    return count
  } finally {
    await client.quit()
  }
}

const serverVersion = async (url: string): Promise<string> => {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 })
  await client.connect()
  try {
    return /^redis_version:(\S+)/m.exec(await client.info("server"))?.[1] ?? "unknown"
  } finally {
    await client.quit()
  }
}

type Limiter = "memory" | "redis"
type Built = Awaited<ReturnType<typeof buildOnce<AlertLimiter.AlertLimiter, never>>>
type Kind = "fresh" | "repeated"

export const scenario: Scenario = {
  id: "redis",
  title: "Redis limiter",
  run: async (settings) => {
    const perRound = settings.quick ? 200 : 3_000
    const rounds = settings.quick ? 1 : 9
    const throughputOps = settings.quick ? 500 : 2_000

    const given = process.env.REDIS_BENCH_URL || process.env.REDIS_TEST_URL || undefined
    const server = given === undefined ? await startRedisServer() : undefined
    const url = given ?? server!.url
    const prefix = `bench:${process.pid}:${Date.now()}:`
    const { counted, warnings } = warningCounter()
    // All with their defaults (a 5 minute window, 10,000 signatures remembered in the process),
    // one instance per kind of decision: otherwise the fresh signatures would push the repeated
    // one out of the in-process map, and its next ask would be a first ask again.
    const built = new Map<string, Built>()
    const limiterFor = (limiter: Limiter, kind: Kind) => built.get(`${limiter} ${kind}`)!.context
    try {
      for (const kind of ["fresh", "repeated"] as const) {
        built.set(`memory ${kind}`, await buildOnce(AlertLimiter.layer()))
        built.set(
          `redis ${kind}`,
          await buildOnce(RedisAlertLimiter.layer({ url: Redacted.make(url), prefix }))
        )
      }
      const version = await serverVersion(url)
      const repeated = "billing:charge:Error:HTTP 500 from upstream"
      let fresh = 0
      const freshSignature = () => `billing:charge:Error:HTTP 500 from upstream, request ${fresh++}`
      // Signatures the Redis limiters were asked about (the repeated one, then the fresh ones):
      // each is a key under the prefix.
      let redisSignatures = 1

      /**
       * `n` decisions in a row inside one fiber, each timed alone (µs): the time from asking
       * `AlertLimiter.check` to the fiber holding the answer, round trip included.
       */
      const timeDecisions = async (limiter: Limiter, kind: Kind, n: number) => {
        const samples = new Float64Array(n)
        const signatureOf = kind === "fresh" ? freshSignature : () => repeated
        if (limiter === "redis" && kind === "fresh") redisSignatures += n
        let sends = 0
        await Effect.runPromise(
          repeatInFiber(n, (i) =>
            Effect.suspend(() => {
              const signature = signatureOf()
              const start = performance.now()
              return Effect.map(AlertLimiter.check(signature), (decision) => {
                samples[i] = (performance.now() - start) * 1000
                if (decision.send) sends++
              })
            })
          ).pipe(counted, Effect.provide(limiterFor(limiter, kind)))
        )
        return { samples, sends }
      }

      const latencyCases = [
        { limiter: "memory", kind: "fresh" },
        { limiter: "redis", kind: "fresh" },
        { limiter: "memory", kind: "repeated" },
        { limiter: "redis", kind: "repeated" }
      ] as const
      const pooled = new Map<string, Array<Float64Array>>(
        latencyCases.map(({ limiter, kind }) => [`${limiter} ${kind}`, []])
      )
      const runLatency = async (limiter: Limiter, kind: Kind, n: number) => {
        const { samples, sends } = await timeDecisions(limiter, kind, n)
        // A fresh signature is always sent; the repeated one was sent once, before measuring.
        const expected = kind === "fresh" ? n : 0
        if (sends !== expected)
          throw new Error(`${limiter} ${kind}: ${sends} of ${n} sent, expected ${expected}`)
        return samples
      }

      // Warm-up: the connections, the scripts loaded, the JIT; the repeated signature's one send.
      for (const limiter of ["memory", "redis"] as const) {
        const first = await timeDecisions(limiter, "repeated", 1)
        if (first.sends !== 1) throw new Error(`${limiter}: the repeated signature's first ask was not sent`)
      }
      for (const { limiter, kind } of latencyCases)
        await runLatency(limiter, kind, settings.quick ? 50 : 1_000)

      // Interleaved rounds, as `compare` does, so both limiters meet the same spells of load.
      const collectGarbage = (globalThis as { gc?: () => void }).gc
      for (let round = 0; round < rounds; round++) {
        for (const { limiter, kind } of latencyCases) {
          collectGarbage?.()
          pooled.get(`${limiter} ${kind}`)!.push(await runLatency(limiter, kind, perRound))
        }
      }
      const latency = new Map(
        [...pooled].map(([name, parts]) => {
          const sorted = new Float64Array(parts.reduce((total, part) => total + part.length, 0))
          let offset = 0
          for (const part of parts) {
            sorted.set(part, offset)
            offset += part.length
          }
          sorted.sort()
          return [name, { p50: percentile(sorted, 50), p99: percentile(sorted, 99), count: sorted.length }]
        })
      )

      // Throughput: fresh signatures, CONCURRENCY decisions in flight at a time.
      const concurrent = (limiter: Limiter): Case => ({
        name: limiter,
        ops: throughputOps,
        run: () => {
          if (limiter === "redis") redisSignatures += throughputOps
          return Effect.runPromise(
            Effect.forEach(
              Array.from({ length: throughputOps }),
              () => AlertLimiter.check(freshSignature()),
              { concurrency: CONCURRENCY, discard: true }
            ).pipe(counted, Effect.provide(limiterFor(limiter, "fresh")))
          )
        }
      })
      const throughput = await compare([concurrent("memory"), concurrent("redis")], settings)

      // Every signature Redis was asked about is a key under the prefix: the decisions reached it,
      // and none was answered by the process alone (that would have logged a warning).
      const keys = await countKeys(url, prefix)
      if (keys !== redisSignatures) throw new Error(`${keys} keys in Redis, expected ${redisSignatures}`)
      if (warnings() > 0) throw new Error(`${warnings()} warnings: a limiter decided without Redis`)

      const latencyRow = (kind: Kind, p: "p50" | "p99", what: string): Row => ({
        name: `redis: decision ${p}, ${what}`,
        figure: latency.get(`redis ${kind}`)![p],
        unit: "µs",
        baseline: { name: "memory layer", figure: latency.get(`memory ${kind}`)![p] }
      })
      const perSecond = (ns: number) => 1e9 / ns
      const rows: Array<Row> = [
        latencyRow("fresh", "p50", "new signature each time (one round trip)"),
        latencyRow("fresh", "p99", "new signature each time (one round trip)"),
        latencyRow("repeated", "p50", "repeated signature (answered in process)"),
        latencyRow("repeated", "p99", "repeated signature (answered in process)"),
        {
          name: `redis: decisions/s, new signatures, ${CONCURRENCY} at a time`,
          figure: perSecond(throughput.median("redis")),
          unit: "decisions/s",
          baseline: { name: "memory layer", figure: perSecond(throughput.median("memory")) },
          // Decisions per second are the inverse of time per decision.
          ratio: 1 / throughput.ratio("redis", "memory")
        }
      ]
      const samplesPerCase = latency.get("redis fresh")!.count.toLocaleString("en-US")
      return {
        rows,
        notes: [
          `Redis ${version}: ${server === undefined ? "the server given by REDIS_BENCH_URL or REDIS_TEST_URL" : "a private `redis-server` started for this scenario on a free 127.0.0.1 port, without persistence, stopped at the end"}. The limiters have their defaults: \`AlertLimiter.layer()\`, and \`RedisAlertLimiter.layer({ url, prefix })\` (250 ms timeout); one instance of each per kind of decision, built once, so the new signatures never push the repeated one out of an in-process map.`,
          `Latency: decisions through \`AlertLimiter.check(signature)\` one after another inside one fiber, each timed alone with \`performance.now()\`, from the ask to the fiber holding the answer. ${rounds} interleaved rounds of ${perRound.toLocaleString("en-US")} decisions per case, after a warm-up; p50 and p99 are taken over all ${samplesPerCase} samples of a case, and the ratio is Redis's percentile over the memory limiter's.`,
          "New signature each time: every decision is sent; the Redis limiter makes one round trip (its Lua script) per decision, the memory limiter evicts its oldest entry past 10,000. Repeated signature: one signature asked again and again, every decision suppressed; the Redis limiter's in-process front answers without a round trip.",
          `Decisions per second: ${throughputOps.toLocaleString("en-US")} new signatures per batch through \`Effect.forEach(..., { concurrency: ${CONCURRENCY} })\`, timed like the other timed rows (batches in interleaved rounds); the figure is the inverse of the median time per decision, the ratio the inverse of the median per-round time ratio.`,
          "Checked after measuring: every signature the Redis limiters were asked about is a key under their prefix (read with a separate client), no warning was logged (a warning means a decision made without Redis), every new signature was sent and every repeat suppressed. The prefix's keys are deleted at the end.",
          "These rows have no target: they are information for whoever deploys the Redis limiter."
        ]
      }
    } finally {
      // Deletes the prefix's keys (a server given by URL outlives us); it logs when it cannot.
      const anyRedis = built.get("redis fresh") ?? built.get("redis repeated")
      if (anyRedis !== undefined)
        await Effect.runPromise(Effect.provide(AlertLimiter.reset, anyRedis.context))
      for (const limiter of built.values()) await limiter.close()
      await server?.stop()
    }
  }
}
