/**
 * The Redis-backed alert limiter: one decision per signature per window, shared by every process
 * that uses the same Redis and prefix. Open incidents are another service: `incidents.ts`.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import {
  type Admission,
  type AlertLimiterService,
  CEILING_PERIOD_MILLIS,
  type Decision,
  type LimiterOptions,
  settings as limiterSettings,
  makeMemory
} from "../alertLimiter.js"
import * as Options from "../options.js"
import * as Connection from "./connection.js"
import * as Front from "./front.js"
import * as Scripts from "./scripts.js"

/** The options of the Redis limiter, besides its URL. */
export interface RedisLimiterOptions extends LimiterOptions {
  readonly prefix?: string | undefined
  readonly timeout?: Duration.DurationInput | undefined
}

export const DEFAULT_PREFIX = "retry-alerts:"
export const DEFAULT_TIMEOUT: Duration.Duration = Connection.DEFAULT_TIMEOUT

/** Prefix of every message this limiter logs, so operators (and tests) can find them. */
export const LOG_PREFIX = "AlertLimiter(redis)"

export interface Settings {
  readonly prefix: string
  readonly timeout: Duration.Duration
  readonly options: LimiterOptions
  readonly windowMillis: number
  readonly maxEntries: number
  readonly ceiling: number
}

/** Validates every option now, where the layer is written, exactly as the memory limiter does. */
export const settings = (options: RedisLimiterOptions): Settings => {
  const { windowMillis, maxEntries, ceiling } = limiterSettings(options)
  return {
    prefix: Options.nonEmptyString("prefix", options.prefix ?? DEFAULT_PREFIX),
    timeout: Options.duration("timeout", options.timeout ?? DEFAULT_TIMEOUT),
    options,
    windowMillis,
    maxEntries,
    ceiling
  }
}

/** The limiter's scripts, registered on the connection it runs on. */
export const scripts = {
  retryAlertsDecide: { numberOfKeys: 1, lua: Scripts.DECIDE },
  retryAlertsAdmit: { numberOfKeys: 2, lua: Scripts.ADMIT },
  retryAlertsReassert: { numberOfKeys: 1, lua: Scripts.REASSERT }
} as const

/**
 * How often a process writes back to Redis the alerts it sent, if Redis lost them: the longest
 * a Redis that restarted empty lets another process send one of them again.
 */
export const REASSERT_INTERVAL: Duration.Duration = /*#__PURE__*/ Duration.seconds(10)

/** A limiter on its own connection to `endpoint`, closed with the scope. */
export const make = (
  settings: Settings,
  endpoint: Connection.Endpoint
): Effect.Effect<AlertLimiterService, never, Scope.Scope> =>
  Effect.flatMap(Connection.connect(endpoint, settings.timeout, scripts), (connection) =>
    makeOn(settings, connection)
  )

/** A limiter on `connection`, which must have {@link scripts} registered. */
export const makeOn = (
  settings: Settings,
  connection: Connection.Connection
): Effect.Effect<AlertLimiterService, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { prefix, windowMillis, maxEntries, ceiling } = settings
    const ttlMillis = String(windowMillis + Scripts.TTL_MARGIN_MILLIS)
    const windowArg = String(windowMillis)
    const { client, call, describeFailure } = connection
    const front = Front.make(windowMillis, maxEntries)
    // A memory limiter with the same options: the signature function, and the ceiling's answers
    // when Redis gives none.
    const local = yield* makeMemory(settings.options)
    const outage = Connection.makeOutageLog(
      LOG_PREFIX,
      windowMillis,
      "this process decides alone until Redis answers, so an alert may be sent by more than one process"
    )
    const failed = (now: number, error: unknown) => outage.failed(now, describeFailure(error))

    const decode = <A>(
      decoded: A | undefined,
      reply: unknown
    ): Effect.Effect<A, Connection.UnexpectedReply> =>
      decoded === undefined ? Effect.fail(new Connection.UnexpectedReply(reply)) : Effect.succeed(decoded)

    const askRedis = (signature: string, now: number, pending: number): Effect.Effect<Decision, unknown> =>
      Effect.flatMap(
        call(() =>
          client.retryAlertsDecide!(
            Scripts.signatureKey(prefix, signature),
            String(now),
            windowArg,
            ttlMillis,
            String(pending)
          )
        ),
        (reply) => decode(Scripts.decodeDecision(reply), reply)
      )

    const check = (signature: string): Effect.Effect<Decision> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const claim = front.claim(signature, now)
        if (claim._tag === "Answered") return Effect.succeed(claim.decision)
        return askRedis(signature, now, claim.pending).pipe(
          Effect.tap((decision) => {
            if (!decision.send) front.learn(claim.entry, now, decision.lastSentAt!, decision.suppressed)
            return outage.answered
          }),
          Effect.catchAll((error) => Effect.as(failed(now, error), claim.fallback))
        )
      })

    const ceilingKeys = Scripts.ceilingKeys(prefix)
    const ceilingArgs = [
      String(ceiling),
      String(CEILING_PERIOD_MILLIS),
      String(Math.max(windowMillis, CEILING_PERIOD_MILLIS) + Scripts.TTL_MARGIN_MILLIS)
    ] as const

    const askAdmission = (now: number): Effect.Effect<Admission, unknown> =>
      Effect.flatMap(
        call(() =>
          client.retryAlertsAdmit!(ceilingKeys.times, ceilingKeys.held, String(now), ...ceilingArgs)
        ),
        (reply) => decode(Scripts.decodeAdmission(reply), reply)
      )

    // When Redis gives no answer, this process's own ceiling decides: during an outage each
    // process may send `ceiling` alerts a minute.
    const admit: Effect.Effect<Admission> =
      ceiling === 0
        ? local.admit
        : Effect.flatMap(Clock.currentTimeMillis, (now) =>
            askAdmission(now).pipe(
              Effect.tap(() => outage.answered),
              Effect.catchAll((error) => Effect.zipRight(failed(now, error), local.admit))
            )
          )

    /**
     * The limiter's keys under the prefix (signatures and ceiling, not the incident store's or the
     * budget's), page by page.
     */
    const forEachKeyPage = (onPage: (keys: Array<string>) => Effect.Effect<void, unknown>) =>
      connection.scan(Scripts.scanPattern(prefix), (found) => {
        const keys = found.filter((key) => Scripts.isLimiterKey(prefix, key))
        return keys.length > 0 ? onPage(keys) : Effect.void
      })

    const onAdminFailure = (error: unknown) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => failed(now, error))

    const reset: Effect.Effect<void> = Effect.sync(() => front.clear()).pipe(
      Effect.zipRight(forEachKeyPage(connection.unlink)),
      Effect.catchAll(onAdminFailure)
    )

    const size: Effect.Effect<number> = Effect.suspend(() => {
      let count = 0
      return forEachKeyPage((keys) =>
        Effect.sync(() => {
          for (const key of keys) if (key !== ceilingKeys.times && key !== ceilingKeys.held) count++
        })
      ).pipe(
        Effect.map(() => count),
        Effect.catchAll((error) => Effect.as(onAdminFailure(error), front.size()))
      )
    })

    // After Redis restarts empty, the alerts this process sent are suppressed again across
    // processes within an interval. The loop sleeps on the Clock of the fiber that builds the
    // layer, and stops with its scope.
    const reassert: Effect.Effect<void> = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.forEach(
        front.sentHere(now),
        ({ signature, sentAt }) => {
          const key = Scripts.signatureKey(prefix, signature)
          // A plain EXISTS first: the script runs only for a record Redis lost.
          return Effect.flatMap(
            call(() => client.exists(key)),
            (exists) =>
              exists === 1
                ? Effect.void
                : call(() =>
                    client.retryAlertsReassert!(
                      key,
                      String(sentAt),
                      String(sentAt + windowMillis - now + Scripts.TTL_MARGIN_MILLIS)
                    )
                  )
          )
        },
        { discard: true, concurrency: 8 }
      ).pipe(
        // Decided nothing: a Redis that does not answer here is reported by the next decision.
        Effect.ignore
      )
    )
    yield* Effect.forkScoped(Effect.forever(Effect.delay(reassert, REASSERT_INTERVAL)))

    return {
      check,
      signature: local.signature,
      admit,
      reset: Effect.zipRight(local.reset, reset),
      size
    } satisfies AlertLimiterService
  })
