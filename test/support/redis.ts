/**
 * Helpers for tests of the Redis limiter: the shared server's URL, fresh key prefixes, a plain
 * client to look at what the limiter wrote, the limiter's warnings, and servers of a test's own.
 */
import { randomUUID } from "node:crypto"
import { type AddressInfo, createServer, type Socket } from "node:net"
import { Effect, type Layer, Redacted } from "effect"
import { Redis } from "ioredis"
import { expect, inject } from "vitest"
import type * as AlertLimiter from "../../src/AlertLimiter.js"
import { InvalidOptionError } from "../../src/internal/options.js"
import { LOG_PREFIX } from "../../src/internal/redis/alertLimiter.js"
import * as RedisAlertLimiter from "../../src/RedisAlertLimiter.js"
import { captureLogs } from "./logs.js"
import { type RedisServer, type RedisServerOptions, startRedisServer } from "./redisServer.js"

/** The shared test server's URL (the global setup started it, or it came from REDIS_TEST_URL). */
export const redisTestUrl = (): string => inject("redisUrl")

/** The masters of the shared Redis Cluster (the global setup started it). */
export const redisClusterNodes = (): Array<{ host: string; port: number }> =>
  JSON.parse(inject("redisClusterNodes"))

/** The shared cluster's nodes as the `nodes` option takes them: one Redacted URL each. */
export const redisClusterNodeUrls = (): Array<Redacted.Redacted<string>> =>
  redisClusterNodes().map(({ host, port }) => Redacted.make(`redis://${host}:${port}`))

/** A prefix no other test uses, so tests share one server without sharing state. */
export const uniquePrefix = (): string => `test:${randomUUID()}:`

/** A Redis limiter on the shared server with a fresh prefix. */
export const sharedRedisLayer = (
  options: RedisAlertLimiter.Options = {}
): Layer.Layer<AlertLimiter.AlertLimiter> =>
  RedisAlertLimiter.layer({ url: Redacted.make(redisTestUrl()), prefix: uniquePrefix(), ...options })

/** A Redis limiter on the shared cluster with a fresh prefix. */
export const sharedClusterLayer = (
  options: RedisAlertLimiter.Options = {}
): Layer.Layer<AlertLimiter.AlertLimiter> =>
  RedisAlertLimiter.layer({ nodes: redisClusterNodeUrls(), prefix: uniquePrefix(), ...options })

/** A plain client, closed with the scope. */
export const redisClient = (url: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 })
      await client.connect()
      return client
    }),
    (client) => Effect.promise(() => client.quit().catch(() => "closed"))
  )

/** A `redis-server` of the test's own, stopped with the scope. */
export const ownRedisServer = (options: RedisServerOptions = {}) =>
  Effect.acquireRelease(
    Effect.promise(() => startRedisServer(options)),
    (server: RedisServer) => Effect.promise(() => server.stop())
  )

/** The shared log capture, plus the limiter's own warnings (a warning means it fell back). */
export const captureLimiterLogs = () => {
  const { lines, layer } = captureLogs()
  const limiterWarnings = () =>
    lines.filter((line) => line.level === "WARN" && line.message.startsWith(LOG_PREFIX))
  return { lines, layer, limiterWarnings }
}

/**
 * A TCP peer on 127.0.0.1 that speaks just enough of Redis's protocol to be connected to, then
 * answers every command with `reply` (raw RESP): a server answering garbage.
 */
export const garbageServer = (reply: string) =>
  Effect.acquireRelease(
    Effect.promise(
      () =>
        new Promise<{ readonly url: string; readonly close: () => Promise<void> }>((resolve) => {
          const sockets = new Set<Socket>()
          const server = createServer((socket) => {
            sockets.add(socket)
            socket.on("close", () => sockets.delete(socket))
            socket.on("error", () => {})
            let buffered = ""
            socket.on("data", (chunk) => {
              buffered += chunk.toString("latin1")
              let command = readCommand(buffered)
              while (command !== undefined) {
                buffered = buffered.slice(command)
                socket.write(reply)
                command = readCommand(buffered)
              }
            })
          })
          server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as AddressInfo
            resolve({
              url: `redis://127.0.0.1:${port}`,
              close: () =>
                new Promise<void>((done) => {
                  for (const socket of sockets) socket.destroy()
                  server.close(() => done())
                })
            })
          })
        })
    ),
    (server) => Effect.promise(() => server.close())
  )

/** Length of the first complete request (`*N` then N bulk strings) in `input`, if any. */
const readCommand = (input: string): number | undefined => {
  const header = input.indexOf("\r\n")
  if (header < 0 || input[0] !== "*") return undefined
  let offset = header + 2
  const count = Number(input.slice(1, header))
  for (let i = 0; i < count; i++) {
    const end = input.indexOf("\r\n", offset)
    if (end < 0) return undefined
    const length = Number(input.slice(offset + 1, end))
    offset = end + 2 + length + 2
    if (offset > input.length) return undefined
  }
  return offset
}

/** How many times the server ran the decision script (a round trip each). */
export const scriptCalls = (client: Redis) =>
  Effect.promise(async () => {
    const stats = await client.info("commandstats")
    let calls = 0
    for (const match of stats.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)) calls += Number(match[1])
    return calls
  })

/**
 * Asserts that `build` refuses, with `InvalidOptionError` on option `url`, a URL that is not
 * redis:// or not `Redacted`, and that the error never shows the secret in it.
 */
export const expectUrlRefused = (build: (url: Redacted.Redacted<string>) => unknown) => {
  const secret = "s3cret-in-url"
  for (const url of [
    Redacted.make(`http://user:${secret}@127.0.0.1:6379`),
    Redacted.make(`not a url ${secret}`),
    `redis://:${secret}@127.0.0.1:6379` as unknown as Redacted.Redacted<string>
  ]) {
    let thrown: unknown
    try {
      build(url)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(InvalidOptionError)
    expect((thrown as InvalidOptionError).option).toBe("url")
    expect(String(thrown)).not.toContain(secret)
  }
}
