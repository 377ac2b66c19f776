/**
 * One circuit shared by two replicas (separate Node processes, `test/fixtures/circuitChild.ts`)
 * through a real Redis, one server and the local cluster, calling a real HTTP server on 127.0.0.1:
 * one replica's failures open the circuit and the other rejects within its poll; after the open
 * time exactly one probe is in flight across both; the opening is one incident, resolved once.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startChild } from "./support/child.js"
import { type Compiled, compileForNode } from "./support/compileForNode.js"
import { redisClusterNodes, redisTestUrl, uniquePrefix } from "./support/redis.js"

let compiled: Compiled
beforeAll(() => {
  compiled = compileForNode(["test/fixtures/circuitChild.ts"])
})
afterAll(() => compiled?.remove())

/** The dependency: answers 503, or holds every request until released (then 200), or 200. */
const startDependency = async () => {
  let mode: "fail" | "hold" | "ok" = "fail"
  let requests = 0
  let inFlight = 0
  let maxInFlight = 0
  const held: Array<ServerResponse> = []
  const server = createServer((_request: IncomingMessage, response: ServerResponse) => {
    requests++
    if (mode === "fail") {
      response.writeHead(503).end("down")
      return
    }
    if (mode === "ok") {
      response.writeHead(200).end("ok")
      return
    }
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    held.push(response)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/charge`,
    get requests() {
      return requests
    },
    get inFlight() {
      return inFlight
    },
    get maxInFlight() {
      return maxInFlight
    },
    hold: () => {
      mode = "hold"
    },
    /** Answers the held requests 200, and every later one. */
    release: () => {
      mode = "ok"
      for (const response of held.splice(0)) {
        inFlight--
        response.writeHead(200).end("ok")
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

interface Event {
  readonly event: "Firing" | "Resolved"
  readonly dedupKey: string
}

const startReplica = (endpoint: object, prefix: string, dependency: string) => {
  const replica = startChild(compiled.path("test/fixtures/circuitChild.ts"), [
    JSON.stringify(endpoint),
    prefix,
    dependency
  ])
  const events: Array<Event> = []
  const replies: Array<unknown> = []
  const waiting: Array<(reply: unknown) => void> = []
  // Every line is read as it comes: events (printed by the notifier at any time) apart from replies.
  const reading = (async () => {
    for (;;) {
      const value = JSON.parse(await replica.nextLine())
      if (typeof value === "object" && value !== null && "event" in value) events.push(value as Event)
      else if (waiting.length > 0) waiting.shift()!(value)
      else replies.push(value)
    }
  })()
  reading.catch(() => {})
  /** The next reply to a command. */
  const reply = (): Promise<any> =>
    replies.length > 0 ? Promise.resolve(replies.shift()) : new Promise((resolve) => waiting.push(resolve))
  return {
    events,
    reply,
    send: (command: string) => replica.child.stdin!.write(`${command}\n`),
    exit: async () => {
      replica.child.stdin!.end("exit\n")
      return replica.exitCode
    }
  }
}

/** Waits (real time: the replicas are real processes) until `condition` holds, checking every 10 ms. */
const eventually = async (condition: () => boolean, what: string, timeoutMillis = 10_000) => {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > timeoutMillis) throw new Error(`not within ${timeoutMillis} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const scenario = (endpoint: () => object) => async () => {
  const dependency = await startDependency()
  const prefix = uniquePrefix()
  const a = startReplica(endpoint(), prefix, dependency.url)
  const b = startReplica(endpoint(), prefix, dependency.url)
  try {
    expect(await a.reply()).toBe("ready")
    expect(await b.reply()).toBe("ready")

    // A's three failures open the circuit.
    a.send("call 3")
    expect(await a.reply()).toEqual({ ok: 0, failed: 3, rejected: 0 })
    // B follows within its poll, and then rejects without calling.
    b.send("until-rejected")
    const followed = await b.reply()
    expect(followed.waitedMillis).toBeLessThan(5_000)
    const before = dependency.requests
    b.send("call 5")
    expect(await b.reply()).toEqual({ ok: 0, failed: 0, rejected: 5 })
    expect(dependency.requests).toBe(before)

    // After the open time both replicas call every 20 ms: one probe goes, held by the dependency.
    dependency.hold()
    const heldFrom = dependency.requests
    a.send("until-open-time")
    b.send("until-open-time")
    await eventually(() => dependency.inFlight === 1, "a probe reaches the dependency")
    // Both keep calling for a while (every 20 ms): every other call is rejected.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(dependency.requests - heldFrom).toBe(1)
    expect(dependency.maxInFlight).toBe(1)
    dependency.release()
    await a.reply()
    await b.reply()
    a.send("state")
    b.send("state")
    // The replica whose probe succeeded closed it; the other follows within its poll.
    const states = [(await a.reply()).state, (await b.reply()).state]
    expect(states).toContain("closed")
    expect(states.every((state) => state === "closed" || state === "half-open")).toBe(true)

    // One incident: fired once (by A), resolved once (by the replica whose probe closed it).
    await eventually(
      () => [...a.events, ...b.events].some((event) => event.event === "Resolved"),
      `the resolved event (events so far: ${JSON.stringify([a.events, b.events])})`
    )
    const events = [...a.events, ...b.events]
    expect(events.map((event) => event.event).sort()).toEqual(["Firing", "Resolved"])
    expect(a.events.filter((event) => event.event === "Firing")).toHaveLength(1)
    expect(new Set(events.map((event) => event.dedupKey)).size).toBe(1)
    expect(await a.exit()).toBe(0)
    expect(await b.exit()).toBe(0)
  } finally {
    await dependency.close()
  }
}

describe("one circuit across two replicas (RedisCircuitBreaker.layer)", () => {
  it(
    "one server: one opens, the other rejects; one probe in flight across both; one incident",
    scenario(() => ({ url: redisTestUrl() })),
    60_000
  )
  it(
    "a Redis Cluster: the same",
    scenario(() => ({ nodes: redisClusterNodes().map(({ host, port }) => `redis://${host}:${port}`) })),
    60_000
  )
})
