/**
 * The Redis-backed alert limiter: one decision per signature per window, shared by every process
 * that uses the same Redis and prefix.
 *
 * This module and `../AlertLimiter.js` import each other (the public module re-exports the
 * layers below). Nothing here may touch an import from `../AlertLimiter.js` while the module is
 * being evaluated: only inside functions, which run after both modules are loaded.
 *
 * @internal
 */
import { createHash } from "node:crypto"
import { Cause, Clock, Config, type ConfigError, Duration, Effect, Layer, Redacted, type Scope } from "effect"
import type { Redis as IORedis, RedisOptions as IORedisOptions } from "ioredis"
import {
  type Admission,
  AlertLimiter,
  type AlertLimiterService,
  DEFAULT_CEILING,
  DEFAULT_MAX_ENTRIES,
  DEFAULT_WINDOW,
  type Decision,
  make as makeMemory
} from "../AlertLimiter.js"
import type * as Fingerprint from "../Fingerprint.js"
import * as Describe from "./describe.js"
import * as Options from "./options.js"
import * as Redact from "./redact.js"

/**
 * Options of {@link layerRedis} and {@link layerRedisConfig}.
 *
 * @since 0.1.0
 * @category models
 */
export interface RedisOptions {
  /**
   * `redis://[[user]:password@]host[:port][/db]` or `rediss://…` for TLS. Default
   * `redis://127.0.0.1:6379`. Redacted because it may carry the password.
   */
  readonly url?: Redacted.Redacted<string> | undefined
  /** Prepended to every key this limiter writes. Default `"retry-alerts:"`. */
  readonly prefix?: string | undefined
  /** Minimum time between two alerts with one signature, across all processes. Default 5 minutes. */
  readonly window?: Duration.DurationInput | undefined
  /** Longest a decision waits for Redis before this process decides alone. Default 250 millis. */
  readonly timeout?: Duration.DurationInput | undefined
  /** Most signatures the in-process front limiter remembers. Default 10,000. */
  readonly maxEntries?: number | undefined
  /** Which failures count as the same alert, as in `layerMemory`. Default `"exact"`. */
  readonly fingerprint?: Fingerprint.Fingerprint | undefined
  /** Most alerts per minute across all signatures and processes; 0 turns it off. Default 20. */
  readonly ceiling?: number | undefined
}

/** @internal */
export const DEFAULT_URL = "redis://127.0.0.1:6379"
/** @internal */
export const DEFAULT_PREFIX = "retry-alerts:"
/** @internal */
export const DEFAULT_TIMEOUT: Duration.DurationInput = "250 millis"

/**
 * Added to the window to make a key's time to live (real milliseconds, counted by Redis). The
 * window is compared on the Effect Clock's time, which is not Redis's: the margin keeps a record
 * for hosts whose clocks run up to this much behind the one that wrote it.
 *
 * @internal
 */
export const TTL_MARGIN_MILLIS = 60_000

/** Delays between the background fiber's attempts to reconnect: doubling from the first to the max. */
const RECONNECT_FIRST_MILLIS = 1_000
const RECONNECT_MAX_MILLIS = 30_000

/** Prefix of every message this limiter logs, so operators (and tests) can find them. */
export const LOG_PREFIX = "AlertLimiter(redis)"

/**
 * The decision, atomic inside Redis. The hash holds `last` (Clock millis of the last alert sent,
 * kept as the caller's string so no precision is lost) and `suppressed` (suppressions since).
 * KEYS[1]: the signature's hash. ARGV: now, window millis, TTL millis, suppressions this process
 * answered alone and has not reported yet. Returns {send 0|1, suppressed, last sent or ""}.
 * A `last` that is not a number (a foreign or damaged record) counts as no record.
 */
const DECIDE_SCRIPT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local state = redis.call("HMGET", KEYS[1], "last", "suppressed")
local last = tonumber(state[1])
local suppressed = (tonumber(state[2]) or 0) + tonumber(ARGV[4])
if last == nil or now - last >= window then
  redis.call("HSET", KEYS[1], "last", ARGV[1], "suppressed", 0)
  redis.call("PEXPIRE", KEYS[1], ARGV[3])
  return {1, suppressed, last and state[1] or ""}
end
suppressed = suppressed + 1
redis.call("HSET", KEYS[1], "suppressed", suppressed)
redis.call("PEXPIRE", KEYS[1], ARGV[3])
return {0, suppressed, state[1]}
`

/**
 * The channel ceiling, atomic inside Redis, shared by every process: the same sliding minute as
 * the memory limiter's. KEYS[1]: list of the last `ceiling` admission times, newest first;
 * KEYS[2]: alerts held back since the last admission. ARGV: now, ceiling, period millis, TTL
 * millis. Returns {admitted 0|1, held back}.
 */
const ADMIT_SCRIPT = `
local now = tonumber(ARGV[1])
local ceiling = tonumber(ARGV[2])
local oldest = tonumber(redis.call("LINDEX", KEYS[1], ceiling - 1))
if oldest ~= nil and now - oldest < tonumber(ARGV[3]) then
  local held = redis.call("INCR", KEYS[2])
  redis.call("PEXPIRE", KEYS[2], ARGV[4])
  return {0, held}
end
redis.call("LPUSH", KEYS[1], ARGV[1])
redis.call("LTRIM", KEYS[1], 0, ceiling - 1)
redis.call("PEXPIRE", KEYS[1], ARGV[4])
local held = tonumber(redis.call("GET", KEYS[2])) or 0
redis.call("DEL", KEYS[2])
return {1, held}
`

/** The ceiling counts alerts per minute. */
const CEILING_PERIOD_MILLIS = 60_000

interface Client extends IORedis {
  retryAlertsDecide(key: string, now: string, window: string, ttl: string, pending: string): Promise<unknown>
  retryAlertsAdmit(
    times: string,
    held: string,
    now: string,
    ceiling: string,
    period: string,
    ttl: string
  ): Promise<unknown>
}

/**
 * The Redis key of a signature: the prefix, then the SHA-256 of the signature. Signatures carry
 * arbitrary names and error messages; the hash bounds the key's length and its alphabet.
 *
 * @internal
 */
export const redisKey = (prefix: string, sig: string): string =>
  prefix + createHash("sha256").update(sig).digest("hex")

/**
 * The Redis keys of the channel ceiling. They cannot clash with a signature's key, whose suffix
 * is 64 hex digits.
 *
 * @internal
 */
export const ceilingKeys = (prefix: string) => ({ times: `${prefix}ceiling`, held: `${prefix}ceiling:held` })

/** A SCAN pattern matching exactly the keys that start with `prefix`. */
const scanPattern = (prefix: string): string => `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`

const isRedisUrl = (url: string): boolean => {
  try {
    const protocol = new URL(url).protocol
    return protocol === "redis:" || protocol === "rediss:"
  } catch {
    return false
  }
}

const URL_REASON = "must be a Redacted redis:// or rediss:// URL (the value is secret and not shown)"

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

interface Settings {
  readonly prefix: string
  readonly windowMillis: number
  readonly timeout: Duration.Duration
  readonly maxEntries: number
  readonly ceiling: number
  /**
   * A memory limiter with the same options: it gives the signature function, and the channel
   * ceiling's answers when Redis gives none. Building it here also validates `fingerprint` and
   * `ceiling` exactly as `layerMemory` does.
   */
  readonly local: Effect.Effect<AlertLimiterService>
}

const settingsOf = (options: RedisOptions): Settings => {
  const prefix = Options.nonEmptyString("prefix", options.prefix ?? DEFAULT_PREFIX)
  const windowMillis = Duration.toMillis(Options.duration("window", options.window ?? DEFAULT_WINDOW))
  const timeout = Options.duration("timeout", options.timeout ?? DEFAULT_TIMEOUT)
  const maxEntries = Options.wholeNumber(
    "maxEntries",
    options.maxEntries ?? DEFAULT_MAX_ENTRIES,
    1,
    Number.MAX_SAFE_INTEGER
  )
  const local = makeMemory({
    window: windowMillis,
    maxEntries,
    fingerprint: options.fingerprint,
    ceiling: options.ceiling
  })
  return { prefix, windowMillis, timeout, maxEntries, ceiling: options.ceiling ?? DEFAULT_CEILING, local }
}

/** What this process knows about one signature. */
interface FrontEntry {
  /** Clock time before which this process answers alone, without asking Redis. */
  until: number
  /** The last alert sent, as far as this process knows. */
  lastSentAt: number | undefined
  /** Suppressions last reported by Redis (or counted here after deciding alone). */
  suppressed: number
  /** Suppressions answered here and not yet reported to Redis. */
  pending: number
}

type Claim =
  | { readonly _tag: "Answered"; readonly decision: Decision }
  | {
      readonly _tag: "AskRedis"
      readonly entry: FrontEntry
      readonly pending: number
      /** The answer when Redis does not give one: what a memory limiter in this process says. */
      readonly fallback: Decision
    }

/**
 * The in-process front: of concurrent asks for one signature, one goes to Redis per window and
 * the others are answered here. Unlike the memory limiter it learns from Redis: when another
 * process sent the alert, it waits for that alert's window, not a window from now.
 */
const makeFront = (windowMillis: number, maxEntries: number) => {
  const entries = new Map<string, FrontEntry>()

  const claim = (sig: string, now: number): Claim => {
    const entry = entries.get(sig)
    if (entry !== undefined && now < entry.until) {
      entry.pending++
      return {
        _tag: "Answered",
        decision: { send: false, suppressed: entry.suppressed + entry.pending, lastSentAt: entry.lastSentAt }
      }
    }
    const pending = entry?.pending ?? 0
    const fallback: Decision = { send: true, suppressed: pending, lastSentAt: entry?.lastSentAt }
    // Assume this ask sends; Redis corrects it below. Re-inserted to keep the map in claim order.
    const claimed: FrontEntry = { until: now + windowMillis, lastSentAt: now, suppressed: 0, pending: 0 }
    entries.delete(sig)
    entries.set(sig, claimed)
    // Forgetting a signature only costs a round trip: its next ask goes to Redis.
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value!)
    return { _tag: "AskRedis", entry: claimed, pending, fallback }
  }

  /** Redis said another process sent the alert at `lastSentAt`. */
  const learn = (entry: FrontEntry, now: number, lastSentAt: number, suppressed: number): void => {
    // Capped at a window from now: a host with a clock far ahead must not silence this one for
    // longer than Redis would (its record expires).
    entry.until = Math.min(lastSentAt + windowMillis, now + windowMillis)
    entry.lastSentAt = lastSentAt
    entry.suppressed = suppressed
  }

  return { claim, learn, clear: () => entries.clear(), size: () => entries.size }
}

class UnexpectedReply {
  constructor(readonly reply: unknown) {}
}

/** Decodes the ceiling script's reply, or `undefined` when it is not the shape it returns. */
const decodeAdmission = (reply: unknown): Admission | undefined => {
  if (!Array.isArray(reply) || reply.length !== 2) return undefined
  const [admitted, heldBack] = reply as [unknown, unknown]
  if (admitted !== 0 && admitted !== 1) return undefined
  if (typeof heldBack !== "number" || !Number.isSafeInteger(heldBack) || heldBack < 0) return undefined
  if (admitted === 0 && heldBack === 0) return undefined
  return { admitted: admitted === 1, heldBack }
}

/** Decodes the decision script's reply, or `undefined` when it is not the shape it returns. */
const decodeReply = (reply: unknown): Decision | undefined => {
  if (!Array.isArray(reply) || reply.length !== 3) return undefined
  const [send, suppressed, last] = reply as [unknown, unknown, unknown]
  if (send !== 0 && send !== 1) return undefined
  if (typeof suppressed !== "number" || !Number.isSafeInteger(suppressed) || suppressed < 0) return undefined
  if (typeof last !== "string") return undefined
  const lastSentAt = last === "" ? undefined : Number(last)
  if (lastSentAt !== undefined && !Number.isFinite(lastSentAt)) return undefined
  if (send === 0 && lastSentAt === undefined) return undefined
  return { send: send === 1, suppressed, lastSentAt }
}

const loadClient = Effect.tryPromise({
  try: () => import("ioredis"),
  catch: () =>
    new Error(
      'AlertLimiter.layerRedis needs the "ioredis" package (an optional peer dependency): npm install ioredis@^5'
    )
}).pipe(Effect.orDie)

const makeRedis = (
  settings: Settings,
  url: Redacted.Redacted<string>
): Effect.Effect<AlertLimiterService, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { prefix, windowMillis, timeout, maxEntries, ceiling } = settings
    const ttlMillis = String(windowMillis + TTL_MARGIN_MILLIS)
    const windowArg = String(windowMillis)
    const timeoutText = Duration.format(timeout)
    const scrub = scrubber(Redacted.value(url))
    const { Redis } = yield* loadClient

    const clientOptions: IORedisOptions = {
      lazyConnect: true,
      // Reconnecting is ours (below), so that a decision can start a connection and wait for
      // it, bounded by `timeout`, instead of failing until some timer fires.
      retryStrategy: () => null,
      // Commands asked while connecting wait for the connection; a failed connection fails them.
      enableOfflineQueue: true,
      // A decision that timed out must not run later with a stale `now`.
      autoResendUnfulfilledCommands: false
    }
    const client = yield* Effect.acquireRelease(
      Effect.sync(() => new Redis(Redacted.value(url), clientOptions) as Client),
      // A closed client has no socket to end; ioredis would still arm a 2 s timer to end it.
      (client) => Effect.sync(() => client.status === "end" || client.disconnect())
    )
    // Without a listener ioredis prints every connection error; failures reach us through the
    // commands instead, where they are logged at most once per window.
    // The last connection error explains the generic "Connection is closed." of a command.
    let connectionError: unknown
    client.on("error", (error) => {
      connectionError = error
    })
    client.on("ready", () => {
      connectionError = undefined
    })
    client.defineCommand("retryAlertsDecide", { numberOfKeys: 1, lua: DECIDE_SCRIPT })
    client.defineCommand("retryAlertsAdmit", { numberOfKeys: 2, lua: ADMIT_SCRIPT })

    /** Starts a connection if none is open or opening; the next command waits for it. */
    const ensureConnecting = (): void => {
      if (client.status === "end" || client.status === "wait") client.connect().catch(() => {})
    }
    ensureConnecting()
    // Keeps connecting in the background while the connection is down (1 s, then doubling up to
    // 30 s), so the first decision after an outage finds Redis. It sleeps only while disconnected:
    // a TestClock moved by hours does not wake it at all while Redis is up.
    const whenStatus = (statuses: ReadonlyArray<string>) =>
      Effect.async<void>((resume) => {
        if (statuses.includes(client.status)) return resume(Effect.void)
        const onChange = () => resume(Effect.void)
        for (const status of statuses) client.once(status, onChange)
        return Effect.sync(() => {
          for (const status of statuses) client.off(status, onChange)
        })
      })
    const reconnect = Effect.gen(function* () {
      yield* whenStatus(["end"])
      let delay = RECONNECT_FIRST_MILLIS
      while (client.status === "end") {
        yield* Effect.sleep(delay)
        ensureConnecting()
        yield* whenStatus(["ready", "end"])
        delay = Math.min(delay * 2, RECONNECT_MAX_MILLIS)
      }
    })
    yield* Effect.forkScoped(Effect.forever(reconnect))

    const front = makeFront(windowMillis, maxEntries)
    const local = yield* settings.local
    let lastWarnedAt: number | undefined
    let degraded = false

    const warn = (now: number, reason: string): Effect.Effect<void> =>
      Effect.suspend(() => {
        degraded = true
        if (lastWarnedAt !== undefined && now - lastWarnedAt < windowMillis) return Effect.void
        lastWarnedAt = now
        return Effect.logWarning(
          `${LOG_PREFIX}: no decision from Redis (${scrub(reason)}); this process decides alone until ` +
            "Redis answers, so an alert may be sent by more than one process"
        )
      })

    const recovered: Effect.Effect<void> = Effect.suspend(() => {
      if (!degraded) return Effect.void
      degraded = false
      return Effect.logInfo(`${LOG_PREFIX}: Redis answers again; decisions are shared again`)
    })

    const describeFailure = (error: unknown): string => {
      if (error instanceof UnexpectedReply) return `unexpected reply ${Describe.summary(error.reply, 100)}`
      if (Cause.isTimeoutException(error)) return `no answer within ${timeoutText}`
      const reason = Describe.summary(error, 300)
      return connectionError === undefined || connectionError === error
        ? reason
        : `${reason}; last connection error: ${Describe.summary(connectionError, 300)}`
    }

    /** Runs one client call bounded by `timeout`; fails with the reason. */
    const call = <A>(run: () => Promise<A>): Effect.Effect<A, unknown> =>
      Effect.suspend(() => {
        ensureConnecting()
        return Effect.tryPromise({ try: run, catch: (error) => error })
      }).pipe(Effect.timeout(timeout))

    const askRedis = (sig: string, now: number, pending: number): Effect.Effect<Decision, unknown> =>
      Effect.flatMap(
        call(() =>
          client.retryAlertsDecide(redisKey(prefix, sig), String(now), windowArg, ttlMillis, String(pending))
        ),
        (reply) => {
          const decision = decodeReply(reply)
          return decision === undefined ? Effect.fail(new UnexpectedReply(reply)) : Effect.succeed(decision)
        }
      )

    const check = (sig: string): Effect.Effect<Decision> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const claim = front.claim(sig, now)
        if (claim._tag === "Answered") return Effect.succeed(claim.decision)
        return askRedis(sig, now, claim.pending).pipe(
          Effect.tap((decision) => {
            if (!decision.send) front.learn(claim.entry, now, decision.lastSentAt!, decision.suppressed)
            return recovered
          }),
          Effect.catchAll((error) => Effect.as(warn(now, describeFailure(error)), claim.fallback))
        )
      })

    const ceilingKey = ceilingKeys(prefix)
    const ceilingArg = String(ceiling)
    const periodArg = String(CEILING_PERIOD_MILLIS)
    const ceilingTtl = String(Math.max(windowMillis, CEILING_PERIOD_MILLIS) + TTL_MARGIN_MILLIS)

    const askAdmission = (now: number): Effect.Effect<Admission, unknown> =>
      Effect.flatMap(
        call(() =>
          client.retryAlertsAdmit(
            ceilingKey.times,
            ceilingKey.held,
            String(now),
            ceilingArg,
            periodArg,
            ceilingTtl
          )
        ),
        (reply) => {
          const admission = decodeAdmission(reply)
          return admission === undefined ? Effect.fail(new UnexpectedReply(reply)) : Effect.succeed(admission)
        }
      )

    // When Redis gives no answer, this process's own ceiling decides: during an outage each
    // process may send `ceiling` alerts a minute.
    const admit: Effect.Effect<Admission> =
      ceiling === 0
        ? local.admit
        : Effect.flatMap(Clock.currentTimeMillis, (now) =>
            askAdmission(now).pipe(
              Effect.tap(() => recovered),
              Effect.catchAll((error) => Effect.zipRight(warn(now, describeFailure(error)), local.admit))
            )
          )

    /** Every key under the prefix, page by page. */
    const forEachKeyPage = (onPage: (keys: Array<string>) => Effect.Effect<void, unknown>) =>
      Effect.gen(function* () {
        let cursor = "0"
        do {
          const [next, keys] = yield* call(() =>
            client.scan(cursor, "MATCH", scanPattern(prefix), "COUNT", 1000)
          )
          if (keys.length > 0) yield* onPage(keys)
          cursor = next
        } while (cursor !== "0")
      })

    const onAdminFailure = (error: unknown) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => warn(now, describeFailure(error)))

    const reset: Effect.Effect<void> = Effect.sync(() => front.clear()).pipe(
      Effect.zipRight(forEachKeyPage((keys) => Effect.asVoid(call(() => client.unlink(...keys))))),
      Effect.catchAll(onAdminFailure)
    )

    const size: Effect.Effect<number> = Effect.suspend(() => {
      let count = 0
      return forEachKeyPage((keys) =>
        Effect.sync(() => {
          for (const key of keys) if (key !== ceilingKey.times && key !== ceilingKey.held) count++
        })
      ).pipe(
        Effect.map(() => count),
        Effect.catchAll((error) => Effect.as(onAdminFailure(error), front.size()))
      )
    })

    return {
      check,
      signature: local.signature,
      admit,
      reset: Effect.zipRight(local.reset, reset),
      size
    } satisfies AlertLimiterService
  })

/**
 * A limiter shared through Redis by every process that uses the same server and `prefix`: of 20
 * replicas hitting one broken dependency, one alert goes out per window. Needs the optional peer
 * dependency `ioredis` (5.x), loaded when the layer is built.
 *
 * - One atomic round trip (a Lua script) per decision; every key expires (window + 1 minute), so
 *   Redis's memory stays bounded without any sweeper.
 * - A front limiter in the process answers concurrent asks for one signature: at most one round
 *   trip per signature per window per process.
 * - Time is the Effect `Clock`'s, so `TestClock` drives it as it drives {@link layerMemory}.
 * - Builds even when Redis is down and keeps connecting in the background. When Redis is down,
 *   slow past `timeout` or answers garbage, the process decides alone (an alert may be sent twice,
 *   never lost) and logs a warning at most once per window.
 * - The channel ceiling (`ceiling` alerts a minute, default 20) is shared too, by a second
 *   script; during an outage each process applies it alone. `fingerprint` works as in
 *   `layerMemory`.
 * - `reset` deletes every key under `prefix` (for every process); `size` counts the signatures.
 * - The connection closes when the layer is released.
 *
 * Throws {@link InvalidOptionError} when an option is invalid (the URL itself is never shown).
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { AlertLimiter } from "effect-retry-alerts"
 *
 * const limiter = AlertLimiter.layerRedis({
 *   url: Redacted.make("redis://:secret@redis.internal:6379"),
 *   window: "5 minutes"
 * })
 * const program = AlertLimiter.shouldSendAlert("charge", new Error("HTTP 500"), "billing")
 * Effect.runPromise(program.pipe(Effect.provide(limiter)))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerRedis = (options: RedisOptions = {}): Layer.Layer<AlertLimiter> => {
  const settings = settingsOf(options)
  const url = options.url ?? Redacted.make(DEFAULT_URL)
  if (
    !Redacted.isRedacted(url) ||
    typeof Redacted.value(url) !== "string" ||
    !isRedisUrl(Redacted.value(url))
  ) {
    throw new Options.InvalidOptionError({ option: "url", reason: URL_REASON })
  }
  return Layer.scoped(AlertLimiter, makeRedis(settings, url))
}

/**
 * {@link layerRedis} with the URL read from the `REDIS_URL` configuration variable (as a
 * `Redacted`). Fails with a `ConfigError` when it is missing or not a Redis URL.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AlertLimiter } from "effect-retry-alerts"
 *
 * // REDIS_URL=redis://:secret@redis.internal:6379
 * const program = AlertLimiter.shouldSendAlert("charge", new Error("HTTP 500"), "billing")
 * Effect.runPromise(program.pipe(Effect.provide(AlertLimiter.layerRedisConfig({ prefix: "billing:" }))))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerRedisConfig = (
  options: Omit<RedisOptions, "url"> = {}
): Layer.Layer<AlertLimiter, ConfigError.ConfigError> => {
  const settings = settingsOf(options)
  return Layer.unwrapEffect(
    Effect.map(
      Config.redacted("REDIS_URL").pipe(
        Config.validate({
          message: `REDIS_URL ${URL_REASON}`,
          validation: (url) => isRedisUrl(Redacted.value(url))
        })
      ),
      (url) => Layer.scoped(AlertLimiter, makeRedis(settings, url))
    )
  )
}
