/**
 * One Redis connection for the Redis-backed services: the client (ioredis, loaded when a layer is
 * built), calls bounded by a timeout, reconnects on a backoff `Schedule`, and the rule every
 * Redis-backed service follows when Redis gives no answer: decide in the process, warn at most
 * once per quiet period, say when Redis answers again.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { Cluster, Redis as IORedis, RedisOptions as IORedisOptions } from "ioredis"
import * as Backoff from "../backoff.js"
import * as Describe from "../describe.js"
import * as Options from "../options.js"
import * as Redact from "../redact/redact.js"

/** The server used when no URL is given. */
export const DEFAULT_URL = "redis://127.0.0.1:6379"

/** The longest a call waits for a silent Redis. */
export const DEFAULT_TIMEOUT: Duration.Duration = /*#__PURE__*/ Duration.millis(250)

/** Why a URL was refused; the value itself is never shown. */
export const URL_REASON = "must be a Redacted redis:// or rediss:// URL (the value is secret and not shown)"

/** Whether `url` is a `redis://` or `rediss://` URL. */
export const isRedisUrl = (url: string): boolean => {
  try {
    const protocol = new URL(url).protocol
    return protocol === "redis:" || protocol === "rediss:"
  } catch {
    return false
  }
}

/** The `REDIS_URL` configuration variable: a Redis URL, read as a secret. */
export const urlConfig: Config.Config<Redacted.Redacted<string>> = /*#__PURE__*/ Config.redacted(
  "REDIS_URL"
).pipe(
  Config.validate({
    message: `REDIS_URL ${URL_REASON}`,
    validation: (url) => isRedisUrl(Redacted.value(url))
  })
)

/** Checks the `url` option: a `Redacted` Redis URL. Throws `InvalidOptionError` without showing it. */
export const checkUrl = (url: unknown): Redacted.Redacted<string> => {
  const value: unknown = Redacted.isRedacted(url) ? Redacted.value(url) : undefined
  if (typeof value !== "string" || !isRedisUrl(value)) {
    throw new Options.InvalidOptionError({ option: "url", reason: URL_REASON })
  }
  return url as Redacted.Redacted<string>
}

/** A node of a Redis Cluster, or a client the user already has. */
export type RedisClient = IORedis | Cluster

/**
 * Where the connection goes: a URL (one server), the nodes of a Redis Cluster (URLs; the others
 * are discovered), or a client the user made (its lifecycle stays the user's).
 */
export type Endpoint =
  | { readonly _tag: "Url"; readonly url: Redacted.Redacted<string> }
  | { readonly _tag: "Nodes"; readonly nodes: ReadonlyArray<Redacted.Redacted<string>> }
  | { readonly _tag: "Client"; readonly client: RedisClient }

/** The options every Redis-backed layer takes to say where Redis is. */
export interface EndpointOptions {
  readonly url?: Redacted.Redacted<string> | undefined
  readonly nodes?: ReadonlyArray<Redacted.Redacted<string>> | undefined
  readonly client?: RedisClient | undefined
}

const NODES_REASON =
  "must be a non-empty array of Redacted redis:// or rediss:// URLs, one per cluster node (the values are secret and not shown)"

/**
 * Checks `url`, `nodes` and `client` (at most one; none means {@link DEFAULT_URL}). Throws
 * `InvalidOptionError` naming the option, without showing a URL.
 */
export const checkEndpoint = (options: EndpointOptions): Endpoint => {
  const given = (["url", "nodes", "client"] as const).filter((option) => options[option] !== undefined)
  if (given.length > 1) {
    throw new Options.InvalidOptionError({
      option: given[1]!,
      reason: `cannot be given with ${given[0]}: give one of url, nodes or client`
    })
  }
  if (options.client !== undefined) {
    const client: unknown = options.client
    if (
      typeof client !== "object" ||
      client === null ||
      typeof (client as RedisClient).isCluster !== "boolean" ||
      typeof (client as RedisClient).defineCommand !== "function"
    ) {
      throw new Options.InvalidOptionError({
        option: "client",
        reason: "must be an ioredis Redis or Cluster"
      })
    }
    return { _tag: "Client", client: options.client }
  }
  if (options.nodes !== undefined) {
    const nodes: unknown = options.nodes
    if (
      !Array.isArray(nodes) ||
      nodes.length === 0 ||
      !nodes.every((node) => Redacted.isRedacted(node) && isRedisUrl(String(Redacted.value(node))))
    ) {
      throw new Options.InvalidOptionError({ option: "nodes", reason: NODES_REASON })
    }
    return { _tag: "Nodes", nodes: options.nodes }
  }
  return { _tag: "Url", url: checkUrl(options.url ?? Redacted.make(DEFAULT_URL)) }
}

/**
 * The credentials and TLS of a cluster's first node URL, for every node: the nodes a cluster
 * discovers are reached with the same.
 */
const credentialsOf = (node: Redacted.Redacted<string>): IORedisOptions => {
  const url = new URL(Redacted.value(node))
  return {
    ...(url.username === "" ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === "" ? {} : { password: decodeURIComponent(url.password) }),
    ...(url.protocol === "rediss:" ? { tls: {} } : {})
  }
}

/** The URLs whose secrets a connection to `endpoint` must hide. */
const urlsOf = (endpoint: Endpoint): ReadonlyArray<string> =>
  endpoint._tag === "Url"
    ? [Redacted.value(endpoint.url)]
    : endpoint._tag === "Nodes"
      ? endpoint.nodes.map(Redacted.value)
      : []

/**
 * Hides the URLs' credentials in a text that came from the client (an error message): each URL,
 * its user and password as written and decoded, then every other secret shape `redact` knows.
 */
const scrubber = (urls: ReadonlyArray<string>): ((text: string) => string) => {
  const secrets = new Set<string>()
  for (const url of urls) {
    secrets.add(url)
    try {
      const parsed = new URL(url)
      for (const part of [parsed.password, parsed.username]) {
        if (part.length > 0) {
          secrets.add(part)
          secrets.add(decodeURIComponent(part))
        }
      }
    } catch {
      // An unparsable URL was rejected before: nothing more to hide.
    }
  }
  // Longest first, so a password inside the URL does not leave the rest of the URL behind.
  const ordered = [...secrets].sort((a, b) => b.length - a.length)
  return (text) => Redact.scrub(text, ordered)
}

/** A reply that is not the shape a script returns: a foreign key, a damaged record, garbage. */
export class UnexpectedReply {
  constructor(readonly reply: unknown) {}
}

/**
 * A Lua script registered as a command of the client. Without `numberOfKeys`, the command takes
 * the number of keys as its first argument (a script over a varying number of keys).
 */
export interface Script {
  readonly numberOfKeys?: number
  readonly lua: string
}

/** The open connection. */
export interface Connection {
  /** The client, with the scripts as commands of the names given. */
  readonly client: RedisClient & Record<string, (...args: Array<string>) => Promise<unknown>>
  /** Whether it is a Redis Cluster: a script, a pipeline or a command may touch one slot only. */
  readonly cluster: boolean
  /** Runs one client call, connecting first if needed, bounded by the timeout. */
  readonly call: <A>(run: () => Promise<A>) => Effect.Effect<A, unknown>
  /** A reason for a failed call, fit for a log line: scrubbed of the URLs' secrets. */
  readonly describeFailure: (error: unknown) => string
  /** Every key matching `pattern`, page by page; on a cluster, every master's. */
  readonly scan: (
    pattern: string,
    onPage: (keys: Array<string>) => Effect.Effect<void, unknown>
  ) => Effect.Effect<void, unknown>
  /** Removes `keys`: one command, or on a cluster one per key (keys of many slots). */
  readonly unlink: (keys: ReadonlyArray<string>) => Effect.Effect<void, unknown>
}

const loadClient = /*#__PURE__*/ Effect.tryPromise({
  try: () => import("ioredis"),
  catch: () =>
    new Error(
      'effect-retry-alerts/redis needs the "ioredis" package (an optional peer dependency): npm install ioredis@^5'
    )
}).pipe(Effect.orDie)

/** A wait that ended while Redis was answering other calls: the process was slow, not Redis. */
const busy = Symbol("busy")

/** Further waits of one call while Redis keeps answering others: at most 20 more `timeout`s. */
const busyWaits = /*#__PURE__*/ Schedule.recurs(20)

/** One turn of the event loop: its I/O phase reads what arrived. */
const ioTurn = /*#__PURE__*/ Effect.async<void>((resume) => {
  const turn = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(turn))
})

/** Longest wait for the first connection while the layer is built. */
const FIRST_CONNECT_WAIT = /*#__PURE__*/ Duration.seconds(5)

/** Whether `error` is an answer of Redis (an error reply), not a failure to reach it. */
const isReplyError = (error: unknown): boolean =>
  typeof error === "object" && error !== null && (error as { name?: unknown }).name === "ReplyError"

/** Between two reconnects while Redis stays down: 1 s, doubling, up to 30 s, jittered. */
const reconnectSchedule = /*#__PURE__*/ Backoff.exponential({ initial: "1 second", maxWait: "30 seconds" })

/**
 * Opens a connection to `endpoint`, closed with the scope (a client of the user's is left open).
 * It builds even when Redis is down, and keeps reconnecting in the background while the
 * connection is down. A URL that points at a node of a Redis Cluster fails the build: its keys
 * live on several nodes, which only `nodes` reaches.
 */
export const connect = (
  endpoint: Endpoint,
  timeout: Duration.Duration,
  scripts: Readonly<Record<string, Script>>
): Effect.Effect<Connection, never, Scope.Scope> =>
  Effect.gen(function* () {
    const scrub = scrubber(urlsOf(endpoint))
    const timeoutText = Duration.format(timeout)
    const { Redis, Cluster } = yield* loadClient
    const clientOptions: IORedisOptions = {
      lazyConnect: true,
      // Reconnecting is ours (below), so that a call can start a connection and wait for it,
      // bounded by `timeout`, instead of failing until some timer fires.
      retryStrategy: () => null,
      // Commands asked while connecting wait for the connection; a failed connection fails them.
      enableOfflineQueue: true,
      // A call that timed out must not run later with a stale `now`.
      autoResendUnfulfilledCommands: false
    }
    const owned = endpoint._tag !== "Client"
    const client: Connection["client"] =
      endpoint._tag === "Client"
        ? (endpoint.client as Connection["client"])
        : yield* Effect.acquireRelease(
            Effect.sync(
              () =>
                (endpoint._tag === "Url"
                  ? new Redis(Redacted.value(endpoint.url), clientOptions)
                  : new Cluster(endpoint.nodes.map(Redacted.value), {
                      lazyConnect: true,
                      clusterRetryStrategy: () => null,
                      enableOfflineQueue: true,
                      redisOptions: { ...clientOptions, ...credentialsOf(endpoint.nodes[0]!) }
                    })) as Connection["client"]
            ),
            // A closed client has no socket to end; ioredis would still arm a 2 s timer to end it.
            (client) => Effect.sync(() => client.status === "end" || client.disconnect())
          )
    // Without a listener ioredis prints every connection error; failures reach the services
    // through their calls instead. The last one explains a command's generic "Connection is closed.".
    let connectionError: unknown
    // Calls Redis answered (a reply or a Redis error) and connections made, ever: signs that Redis
    // is alive.
    let answers = 0
    const answered = () => {
      answers++
    }
    client.on("ready", answered)
    client.on("error", (error) => {
      connectionError = error
    })
    client.on("ready", () => {
      connectionError = undefined
    })
    for (const [name, script] of Object.entries(scripts)) client.defineCommand(name, script)

    /** Starts a connection if none is open or opening; the next command waits for it. */
    const ensureConnecting = (): void => {
      if (owned && (client.status === "end" || client.status === "wait")) client.connect().catch(() => {})
    }
    const whenStatus = (statuses: ReadonlyArray<string>) =>
      Effect.async<void>((resume) => {
        if (statuses.includes(client.status)) return resume(Effect.void)
        const onChange = () => resume(Effect.void)
        for (const status of statuses) client.once(status, onChange)
        return Effect.sync(() => {
          for (const status of statuses) client.off(status, onChange)
        })
      })
    const connectOnce: Effect.Effect<void, "ended"> = Effect.suspend(() => {
      ensureConnecting()
      return whenStatus(["ready", "end"])
    }).pipe(Effect.flatMap(() => (client.status === "ready" ? Effect.void : Effect.fail("ended" as const))))

    ensureConnecting()
    // The layer is built at start-up, when a loaded machine may take a while to connect: the
    // first calls wait for the connection's outcome (ready or refused), up to a few seconds,
    // rather than find it still connecting and decide alone.
    if (owned) yield* Effect.ignore(Effect.timeout(whenStatus(["ready", "end"]), FIRST_CONNECT_WAIT))
    if (endpoint._tag === "Url" && client.status === "ready") {
      const info = yield* Effect.option(Effect.tryPromise(() => client.info("cluster")))
      if (info._tag === "Some" && /^cluster_enabled:1/m.test(info.value)) {
        return yield* Effect.die(
          new Options.InvalidOptionError({
            option: "url",
            reason:
              "points at a node of a Redis Cluster, whose keys live on several nodes: give the cluster's nodes as `nodes` (one URL per node)"
          })
        )
      }
    }
    // Whenever the connection ends, reconnect on the backoff schedule until it is ready again.
    // It sleeps only while disconnected: a TestClock moved by hours does not wake it while Redis
    // is up. A client of the user's reconnects as the user configured it.
    if (owned) {
      yield* Effect.forkScoped(
        Effect.forever(Effect.zipRight(whenStatus(["end"]), Effect.retry(connectOnce, reconnectSchedule)))
      )
    }

    const describeFailure = (error: unknown): string => {
      if (error instanceof UnexpectedReply) return `unexpected reply ${Describe.summary(error.reply, 100)}`
      if (Cause.isTimeoutException(error)) return `no answer within ${timeoutText}`
      const reason = Describe.summary(error, 300)
      return scrub(
        connectionError === undefined || connectionError === error
          ? reason
          : `${reason}; last connection error: ${Describe.summary(connectionError, 300)}`
      )
    }

    const call = <A>(run: () => Promise<A>): Effect.Effect<A, unknown> =>
      Effect.suspend(() => {
        ensureConnecting()
        const heardBefore = answers
        let settled = false
        let promise: Promise<A>
        try {
          promise = run()
        } catch (error) {
          return Effect.fail(error)
        }
        promise.then(
          () => {
            settled = true
            answered()
          },
          (error) => {
            settled = true
            if (isReplyError(error)) answered()
          }
        )
        const answer = Effect.tryPromise({ try: () => promise, catch: (error) => error })
        // When the timeout passes, the reply may be waiting, unread, behind a busy event loop (its
        // timers run before its I/O): one I/O turn reads it. Redis that answered any call since
        // this one was sent is alive, so the wait goes on; Redis silent for `timeout` is not.
        const waitOnce = Effect.timeout(answer, timeout).pipe(
          Effect.catchIf(Cause.isTimeoutException, (timedOut) =>
            Effect.zipRight(
              ioTurn,
              Effect.suspend(() => (settled ? answer : Effect.fail(answers > heardBefore ? busy : timedOut)))
            )
          )
        )
        return waitOnce.pipe(
          Effect.retry({ schedule: busyWaits, while: (error) => error === busy }),
          Effect.mapError((error) => (error === busy ? new Cause.TimeoutException() : error))
        )
      })

    const cluster = client.isCluster
    const scanOne = (
      node: IORedis,
      pattern: string,
      onPage: (keys: Array<string>) => Effect.Effect<void, unknown>
    ): Effect.Effect<void, unknown> =>
      Effect.gen(function* () {
        let cursor = "0"
        do {
          const [next, keys] = yield* call(() => node.scan(cursor, "MATCH", pattern, "COUNT", 1000))
          if (keys.length > 0) yield* onPage(keys)
          cursor = next
        } while (cursor !== "0")
      })
    const scan = (pattern: string, onPage: (keys: Array<string>) => Effect.Effect<void, unknown>) =>
      cluster
        ? Effect.forEach((client as Cluster).nodes("master"), (node) => scanOne(node, pattern, onPage), {
            discard: true
          })
        : scanOne(client as IORedis, pattern, onPage)
    const unlink = (keys: ReadonlyArray<string>): Effect.Effect<void, unknown> =>
      keys.length === 0
        ? Effect.void
        : cluster
          ? Effect.forEach(keys, (key) => call(() => client.unlink(key)), { discard: true, concurrency: 16 })
          : Effect.asVoid(call(() => client.unlink(...keys)))
    return { client, cluster, call, describeFailure, scan, unlink } satisfies Connection
  })

/**
 * The log of a Redis-backed service while Redis gives no answer: a warning at most once per
 * `quietMillis` (Clock time), and one info line when Redis answers again.
 */
export const makeOutageLog = (label: string, quietMillis: number, consequence: string) => {
  let lastWarnedAt: number | undefined
  let degraded = false
  const failed = (now: number, reason: string): Effect.Effect<void> =>
    Effect.suspend(() => {
      degraded = true
      if (lastWarnedAt !== undefined && now - lastWarnedAt < quietMillis) return Effect.void
      lastWarnedAt = now
      return Effect.logWarning(`${label}: no answer from Redis (${reason}); ${consequence}`)
    })
  const answered: Effect.Effect<void> = Effect.suspend(() => {
    if (!degraded) return Effect.void
    degraded = false
    return Effect.logInfo(`${label}: Redis answers again; decisions are shared again`)
  })
  return { failed, answered }
}
