/**
 * One Redis connection for the Redis-backed services: the client (ioredis, loaded when a layer is
 * built), calls bounded by a timeout, reconnects on a backoff `Schedule`, and the rule every
 * Redis-backed service follows when Redis gives no answer: decide in the process, warn at most
 * once per quiet period, say when Redis answers again.
 *
 * @internal
 */
import { Cause, Config, Duration, Effect, Redacted, type Scope } from "effect"
import type { Redis as IORedis, RedisOptions as IORedisOptions } from "ioredis"
import * as Backoff from "../../Backoff.js"
import * as Describe from "../describe.js"
import * as Options from "../options.js"
import * as Redact from "../redact/redact.js"

/** The server used when no URL is given. */
export const DEFAULT_URL = "redis://127.0.0.1:6379"

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
export const urlConfig: Config.Config<Redacted.Redacted<string>> = Config.redacted("REDIS_URL").pipe(
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

/**
 * Hides the URL's credentials in a text that came from the client (an error message): the URL,
 * its user and password as written and decoded, then every other secret shape `redact` knows.
 */
const scrubber = (url: string): ((text: string) => string) => {
  const secrets = new Set<string>([url])
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
  readonly client: IORedis & Record<string, (...args: Array<string>) => Promise<unknown>>
  /** Runs one client call, connecting first if needed, bounded by the timeout. */
  readonly call: <A>(run: () => Promise<A>) => Effect.Effect<A, unknown>
  /** A reason for a failed call, fit for a log line: scrubbed of the URL's secrets. */
  readonly describeFailure: (error: unknown) => string
}

const loadClient = Effect.tryPromise({
  try: () => import("ioredis"),
  catch: () =>
    new Error(
      'effect-retry-alerts/redis needs the "ioredis" package (an optional peer dependency): npm install ioredis@^5'
    )
}).pipe(Effect.orDie)

/** Between two reconnects while Redis stays down: 1 s, doubling, up to 30 s, jittered. */
const reconnectSchedule = Backoff.exponential({ initial: "1 second", maxWait: "30 seconds" })

/**
 * Opens a connection to `url`, closed with the scope. It builds even when Redis is down, and
 * keeps reconnecting in the background while the connection is down.
 */
export const connect = (
  url: Redacted.Redacted<string>,
  timeout: Duration.Duration,
  scripts: Readonly<Record<string, Script>>
): Effect.Effect<Connection, never, Scope.Scope> =>
  Effect.gen(function* () {
    const scrub = scrubber(Redacted.value(url))
    const timeoutText = Duration.format(timeout)
    const { Redis } = yield* loadClient
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
    const client = yield* Effect.acquireRelease(
      Effect.sync(() => new Redis(Redacted.value(url), clientOptions) as Connection["client"]),
      // A closed client has no socket to end; ioredis would still arm a 2 s timer to end it.
      (client) => Effect.sync(() => client.status === "end" || client.disconnect())
    )
    // Without a listener ioredis prints every connection error; failures reach the services
    // through their calls instead. The last one explains a command's generic "Connection is closed.".
    let connectionError: unknown
    client.on("error", (error) => {
      connectionError = error
    })
    client.on("ready", () => {
      connectionError = undefined
    })
    for (const [name, script] of Object.entries(scripts)) client.defineCommand(name, script)

    /** Starts a connection if none is open or opening; the next command waits for it. */
    const ensureConnecting = (): void => {
      if (client.status === "end" || client.status === "wait") client.connect().catch(() => {})
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
    // Whenever the connection ends, reconnect on the backoff schedule until it is ready again.
    // It sleeps only while disconnected: a TestClock moved by hours does not wake it while Redis
    // is up.
    yield* Effect.forkScoped(
      Effect.forever(Effect.zipRight(whenStatus(["end"]), Effect.retry(connectOnce, reconnectSchedule)))
    )

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
        return Effect.tryPromise({ try: run, catch: (error) => error })
      }).pipe(Effect.timeout(timeout))

    return { client, call, describeFailure } satisfies Connection
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
