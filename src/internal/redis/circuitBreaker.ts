/**
 * The Redis circuit store: circuits shared by every process that uses the same Redis and prefix.
 * A circuit's record is a hash written only by a conditional script (the generation a process saw),
 * so among replicas racing to open or close it one wins and the others follow; its probe leases are
 * a sorted set beside it, in the same slot, so that at most `probes` are in flight across replicas.
 * Every change bumps a version that each process polls (one GET a `pollInterval`), then reads the
 * records changed since: a circuit opened by one replica rejects calls on the others within about
 * a `pollInterval`. While Redis gives no answer, a process decides alone (said once per window).
 *
 * @internal
 */
import { createHash, randomBytes } from "node:crypto"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { type CircuitStore, makeMemoryStore, type Written } from "../circuit/store.js"
import type { Settings as BreakerSettings, CircuitRecord, State } from "../circuitBreaker.js"
import * as Options from "../options.js"
import * as Connection from "./connection.js"

/** The options of the Redis store, besides the breaker's and the connection's. */
export interface RedisCircuitOptions {
  readonly prefix?: string | undefined
  readonly timeout?: Duration.DurationInput | undefined
  readonly pollInterval?: Duration.DurationInput | undefined
  readonly leaseTimeout?: Duration.DurationInput | undefined
}

export const DEFAULT_PREFIX = "retry-alerts:"
/** How often a process asks whether a circuit changed elsewhere. */
export const DEFAULT_POLL_INTERVAL: Duration.Duration = Duration.seconds(1)
/** How long a probe's lease holds when its process never gives it back (it crashed). */
export const DEFAULT_LEASE_TIMEOUT: Duration.Duration = Duration.seconds(30)
/** How often every known circuit is read again, changed or not (a bump that was lost). */
export const SYNC_EVERY_POLLS = 30
/** A record not written for this long expires (an isolated one never does). */
export const RECORD_TTL_MILLIS = 86_400_000
/** Prefix of every message this store logs. */
export const LOG_PREFIX = "CircuitBreaker(redis)"

export interface Settings {
  readonly prefix: string
  readonly timeout: Duration.Duration
  readonly pollInterval: Duration.Duration
  readonly leaseMillis: number
}

/** Validates the store's options now, where the layer is written. */
export const settings = (options: RedisCircuitOptions): Settings => ({
  prefix: Options.nonEmptyString("prefix", options.prefix ?? DEFAULT_PREFIX),
  timeout: Options.duration("timeout", options.timeout ?? Connection.DEFAULT_TIMEOUT),
  pollInterval: Options.duration("pollInterval", options.pollInterval ?? DEFAULT_POLL_INTERVAL),
  leaseMillis: Duration.toMillis(
    Options.duration("leaseTimeout", options.leaseTimeout ?? DEFAULT_LEASE_TIMEOUT)
  )
})

const FIELDS = `"state", "generation", "since", "until", "openings", "reason"`

/**
 * Writes a circuit's record over the generation a process saw. KEYS: the record, its probe leases.
 * ARGV: the generation seen, then the new record's state, generation, since, until, openings,
 * reason, and its TTL millis ("0": none). Written when the stored generation is not newer than the
 * one seen (a record Redis lost counts as generation 0). Returns {1 when written, else 0; the
 * stored record's fields}.
 */
export const WRITE_CIRCUIT = `
local stored = tonumber(redis.call("HGET", KEYS[1], "generation")) or 0
if stored <= tonumber(ARGV[1]) then
  redis.call("HSET", KEYS[1], "state", ARGV[2], "generation", ARGV[3], "since", ARGV[4], "until", ARGV[5], "openings", ARGV[6], "reason", ARGV[7], "successes", 0)
  if ARGV[8] == "0" then redis.call("PERSIST", KEYS[1]) else redis.call("PEXPIRE", KEYS[1], ARGV[8]) end
  redis.call("DEL", KEYS[2])
  return {1, redis.call("HMGET", KEYS[1], ${FIELDS})}
end
return {0, redis.call("HMGET", KEYS[1], ${FIELDS})}
`

/**
 * Takes a probe lease while the circuit is half-open at the generation given. KEYS: the record,
 * the leases (member a lease id, score its expiry on Redis's clock). ARGV: generation, most leases,
 * lease id, lease millis. Returns 1 when taken.
 */
export const TAKE_PROBE = `
local record = redis.call("HMGET", KEYS[1], "state", "generation")
if record[1] ~= "half-open" or tonumber(record[2]) ~= tonumber(ARGV[1]) then return 0 end
local time = redis.call("TIME")
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call("ZREMRANGEBYSCORE", KEYS[2], "-inf", now)
if redis.call("ZCARD", KEYS[2]) >= tonumber(ARGV[2]) then return 0 end
redis.call("ZADD", KEYS[2], now + tonumber(ARGV[4]), ARGV[3])
redis.call("PEXPIRE", KEYS[2], ARGV[4])
return 1
`

/**
 * Gives a lease back, counting its probe's success. KEYS: the record, the leases. ARGV:
 * generation, lease id, "1" when the probe succeeded. Returns the successes at that generation
 * (0 when the circuit moved on).
 */
export const RETURN_PROBE = `
if tonumber(redis.call("HGET", KEYS[1], "generation")) ~= tonumber(ARGV[1]) then return 0 end
redis.call("ZREM", KEYS[2], ARGV[2])
if ARGV[3] == "1" then return redis.call("HINCRBY", KEYS[1], "successes", 1) end
return tonumber(redis.call("HGET", KEYS[1], "successes")) or 0
`

/**
 * A circuit changed: the version goes up and the circuit joins the index at it. KEYS: the index,
 * the version (one slot). ARGV: the circuit's key, most circuits indexed. Returns the version.
 */
export const BUMP_CIRCUITS = `
local version = redis.call("INCR", KEYS[2])
redis.call("ZADD", KEYS[1], version, ARGV[1])
redis.call("ZREMRANGEBYRANK", KEYS[1], 0, -(tonumber(ARGV[2]) + 1))
return version
`

/** The store's scripts, registered on the connection it runs on. */
export const scripts = {
  retryAlertsWriteCircuit: { numberOfKeys: 2, lua: WRITE_CIRCUIT },
  retryAlertsTakeProbe: { numberOfKeys: 2, lua: TAKE_PROBE },
  retryAlertsReturnProbe: { numberOfKeys: 2, lua: RETURN_PROBE },
  retryAlertsBumpCircuits: { numberOfKeys: 2, lua: BUMP_CIRCUITS }
} as const

/** The Redis key of circuit `key`'s record; its leases add `:probes` (same hash tag, same slot). */
export const recordKey = (prefix: string, key: string): string =>
  `${prefix}circuit:{${createHash("sha256").update(key).digest("hex")}}`

const indexKey = (prefix: string): string => `${prefix}{circuits}`
const versionKey = (prefix: string): string => `${prefix}{circuits}:version`

const STATES: ReadonlySet<string> = new Set<State>(["closed", "open", "half-open", "isolated"])

/** A record from its HMGET fields, or `undefined` when they are not one (nothing stored, damage). */
export const decodeRecord = (fields: unknown): CircuitRecord | undefined => {
  if (!Array.isArray(fields) || fields.length !== 6) return undefined
  const [state, generation, since, until, openings, reason] = fields as Array<unknown>
  if (typeof state !== "string" || !STATES.has(state) || typeof reason !== "string") return undefined
  const numbers = [generation, since, until, openings].map((value) => Number(value))
  if (numbers.some((value) => !Number.isFinite(value))) return undefined
  return {
    state: state as State,
    generation: numbers[0]!,
    since: numbers[1]!,
    until: numbers[2]!,
    openings: numbers[3]!,
    reason
  }
}

/** A store on its own connection to `endpoint`, closed with the scope. */
export const make = (
  settings: Settings,
  breaker: BreakerSettings,
  endpoint: Connection.Endpoint
): Effect.Effect<CircuitStore, never, Scope.Scope> =>
  Effect.flatMap(Connection.connect(endpoint, settings.timeout, scripts), (connection) =>
    makeOn(settings, breaker, connection)
  )

/** A store whose commands go through `connection` (which must have {@link scripts} registered). */
export const makeOn = (
  settings: Settings,
  breaker: BreakerSettings,
  connection: Connection.Connection
): Effect.Effect<CircuitStore, never, Scope.Scope> =>
  Effect.sync(() => {
    const { prefix } = settings
    const { client, call, describeFailure } = connection
    const leaseArg = String(settings.leaseMillis)
    const maxKeysArg = String(breaker.maxKeys)
    // What this process decides alone while Redis gives no answer, and knows of every circuit.
    const local = makeMemoryStore(breaker.maxKeys)
    const outage = Connection.makeOutageLog(
      LOG_PREFIX,
      breaker.windowMillis,
      "this process opens, probes and closes its circuits alone until Redis answers"
    )
    const failed = (error: unknown): Effect.Effect<void> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => outage.failed(now, describeFailure(error)))
    /** Lease ids this process holds, by circuit and generation, to give back. */
    const leases = new Map<string, Array<string>>()
    let seenVersion = 0
    let polls = 0

    /** Runs `run` on Redis; on no answer, says so and runs `alone` on the local store. */
    const shared = <A>(run: Effect.Effect<A, unknown>, alone: Effect.Effect<A>): Effect.Effect<A> =>
      Effect.matchEffect(run, {
        onFailure: (error) => Effect.zipRight(failed(error), alone),
        onSuccess: (value) => Effect.as(outage.answered, value)
      })

    const bump = (key: string): Effect.Effect<void> =>
      Effect.ignore(
        call(() => client.retryAlertsBumpCircuits!(indexKey(prefix), versionKey(prefix), key, maxKeysArg))
      )

    const compareAndSet = (key: string, expected: number, next: CircuitRecord): Effect.Effect<Written> => {
      const record = recordKey(prefix, key)
      const ttl = next.state === "isolated" ? "0" : String(RECORD_TTL_MILLIS)
      const remote = Effect.flatMap(
        call(() =>
          client.retryAlertsWriteCircuit!(
            record,
            `${record}:probes`,
            String(expected),
            next.state,
            String(next.generation),
            String(next.since),
            String(next.until),
            String(next.openings),
            next.reason,
            ttl
          )
        ),
        (reply): Effect.Effect<Written, unknown> => {
          const [written, fields] = Array.isArray(reply) ? reply : []
          const stored = decodeRecord(fields)
          if (stored === undefined) return Effect.fail(new Connection.UnexpectedReply(reply))
          return Effect.succeed({ written: written === 1, record: stored })
        }
      )
      return Effect.tap(shared(remote, local.compareAndSet(key, expected, next)), (result) =>
        Effect.zipRight(local.follow(key, result.record), result.written ? bump(key) : Effect.void)
      )
    }

    const acquireProbe = (key: string, generation: number, max: number): Effect.Effect<boolean> => {
      const record = recordKey(prefix, key)
      const id = randomBytes(8).toString("hex")
      const remote = Effect.map(
        call(() =>
          client.retryAlertsTakeProbe!(
            record,
            `${record}:probes`,
            String(generation),
            String(max),
            id,
            leaseArg
          )
        ),
        (reply) => reply === 1
      )
      return Effect.tap(shared(remote, local.acquireProbe(key, generation, max)), (taken) =>
        Effect.sync(() => {
          if (!taken) return
          const held = leases.get(`${key}\u0000${generation}`)
          if (held === undefined) leases.set(`${key}\u0000${generation}`, [id])
          else held.push(id)
        })
      )
    }

    const releaseProbe = (key: string, generation: number, succeeded: boolean): Effect.Effect<number> =>
      Effect.suspend(() => {
        const record = recordKey(prefix, key)
        const slot = `${key}\u0000${generation}`
        const held = leases.get(slot)
        const id = held?.pop() ?? ""
        if (held !== undefined && held.length === 0) leases.delete(slot)
        const remote = Effect.flatMap(
          call(() =>
            client.retryAlertsReturnProbe!(
              record,
              `${record}:probes`,
              String(generation),
              id,
              succeeded ? "1" : "0"
            )
          ),
          (reply) =>
            typeof reply === "number"
              ? Effect.succeed(reply)
              : Effect.fail(new Connection.UnexpectedReply(reply))
        )
        return shared(remote, local.releaseProbe(key, generation, succeeded))
      })

    /** Reads the records of `keys` and hands each to `follow`. */
    const readAll = (
      keys: ReadonlyArray<string>,
      follow: (key: string, record: CircuitRecord) => void
    ): Effect.Effect<void, unknown> =>
      Effect.forEach(
        keys,
        (key) =>
          Effect.flatMap(
            call(() =>
              client.hmget(
                recordKey(prefix, key),
                "state",
                "generation",
                "since",
                "until",
                "openings",
                "reason"
              )
            ),
            (fields) =>
              Effect.sync(() => {
                const record = decodeRecord(fields)
                if (record === undefined) return
                Effect.runSync(local.follow(key, record))
                follow(key, record)
              })
          ),
        { discard: true }
      )

    /** One poll: the version; when it moved (or at a full sync), the circuits changed since. */
    const poll = (follow: (key: string, record: CircuitRecord) => void): Effect.Effect<void> =>
      Effect.suspend(() => {
        const full = polls++ % SYNC_EVERY_POLLS === 0
        const work = Effect.flatMap(
          call(() => client.get(versionKey(prefix))),
          (reply): Effect.Effect<void, unknown> => {
            const version = Number(reply ?? 0)
            if (!Number.isFinite(version)) return Effect.fail(new Connection.UnexpectedReply(reply))
            if (version === seenVersion && !full) return Effect.void
            const since = full ? 0 : seenVersion
            return Effect.flatMap(
              call(() => client.zrangebyscore(indexKey(prefix), `(${since}`, "+inf")),
              (keys) =>
                Effect.zipRight(
                  readAll(keys, follow),
                  Effect.sync(() => (seenVersion = version))
                )
            )
          }
        )
        return shared(work, Effect.void)
      })

    return {
      compareAndSet,
      acquireProbe,
      releaseProbe,
      known: local.known,
      watch: (follow) =>
        Effect.zipRight(
          // The first poll at build: a process starting while a circuit is open rejects at once.
          poll(follow),
          Effect.asVoid(
            Effect.forkScoped(Effect.repeat(poll(follow), Schedule.spaced(settings.pollInterval)))
          )
        )
    } satisfies CircuitStore
  })
