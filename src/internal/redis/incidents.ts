/**
 * The Redis incident store: open incidents shared by every process that uses the same Redis and
 * prefix. Each process keeps the incidents it knows open in a local `Table` (its own firings, and
 * those it learned from the others by a sync), so that a success asks only that table; opening
 * and resolving go through Redis, atomically, once across processes. Every change bumps a version
 * that each process polls (one GET a `pollInterval`) and syncs on: one connection, no subscriber.
 *
 * @internal
 */
import { randomBytes } from "node:crypto"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { DEFAULT_WINDOW } from "../alertLimiter.js"
import {
  type Incident,
  type IncidentsService,
  incidentOf,
  maxEntriesOf,
  type Opening,
  reportEvicted
} from "../incidents.js"
import { setNewest } from "../lru.js"
import * as Options from "../options.js"
import { DEFAULT_PREFIX, DEFAULT_TIMEOUT } from "./alertLimiter.js"
import * as Connection from "./connection.js"
import { Knowledge, type Known } from "./knowledge.js"
import * as Scripts from "./scripts.js"

/** The options of the Redis incident store, besides its URL. */
export interface RedisIncidentsOptions {
  readonly prefix?: string | undefined
  readonly timeout?: Duration.DurationInput | undefined
  readonly maxEntries?: number | undefined
  readonly syncInterval?: Duration.DurationInput | undefined
  readonly pollInterval?: Duration.DurationInput | undefined
}

/** How often a process reads every open incident from Redis, changed or not. */
export const DEFAULT_SYNC_INTERVAL: Duration.Duration = /*#__PURE__*/ Duration.seconds(10)

/** How often a process asks whether the incidents changed (and syncs when they did). */
export const DEFAULT_POLL_INTERVAL: Duration.Duration = /*#__PURE__*/ Duration.seconds(1)

/** Prefix of every message this store logs, so operators (and tests) can find them. */
export const LOG_PREFIX = "Incidents(redis)"

export interface Settings {
  readonly prefix: string
  readonly timeout: Duration.Duration
  readonly maxEntries: number
  readonly syncInterval: Duration.Duration
  readonly pollInterval: Duration.Duration
  /** Least time between two warnings while Redis gives no answer (Clock millis). */
  readonly quietMillis: number
}

/**
 * Validates every option now, where the layer is written. `quietMillis`: the limiter's window
 * when the store comes with a limiter, else the limiter's default window.
 */
export const settings = (
  options: RedisIncidentsOptions,
  quietMillis: number = Duration.toMillis(DEFAULT_WINDOW)
): Settings => ({
  prefix: Options.nonEmptyString("prefix", options.prefix ?? DEFAULT_PREFIX),
  timeout: Options.duration("timeout", options.timeout ?? DEFAULT_TIMEOUT),
  maxEntries: maxEntriesOf(options),
  syncInterval: Options.duration("syncInterval", options.syncInterval ?? DEFAULT_SYNC_INTERVAL),
  pollInterval: Options.duration("pollInterval", options.pollInterval ?? DEFAULT_POLL_INTERVAL),
  quietMillis
})

/** The store's scripts, registered on the connection it runs on. */
export const scripts = {
  retryAlertsOpenIncident: { numberOfKeys: 2, lua: Scripts.OPEN_INCIDENT },
  retryAlertsResolveIncidents: { numberOfKeys: 2, lua: Scripts.RESOLVE_INCIDENTS },
  retryAlertsForgetIncidents: { numberOfKeys: 1, lua: Scripts.FORGET_INCIDENTS },
  retryAlertsIndexAdd: { numberOfKeys: 1, lua: Scripts.INDEX_ADD },
  retryAlertsIndexPrune: { lua: Scripts.INDEX_PRUNE },
  retryAlertsBump: { numberOfKeys: 1, lua: Scripts.BUMP },
  retryAlertsResetIndex: { numberOfKeys: 3, lua: Scripts.RESET_INDEX }
} as const

/**
 * How long an operation stays in the index with no incident before a sync removes it: longer
 * than the gap between its index entry and its first record, and than clocks disagree by.
 */
const INDEX_GRACE_MILLIS = 60_000

/** An incident evicted at the bound, with what identifies it in Redis. */
interface Forgotten {
  readonly incident: Incident
  readonly field: string
  readonly record: string
}

const newId = (): string => randomBytes(9).toString("base64url")

/** A store on its own connection to `endpoint`, closed with the scope. */
export const make = (
  settings: Settings,
  endpoint: Connection.Endpoint
): Effect.Effect<IncidentsService, never, Scope.Scope> =>
  Effect.flatMap(Connection.connect(endpoint, settings.timeout, scripts), (connection) =>
    makeOn(settings, connection)
  )

/**
 * A store whose commands go through `connection` (which must have {@link scripts} registered).
 * Everything stops with the scope.
 */
export const makeOn = (
  settings: Settings,
  connection: Connection.Connection
): Effect.Effect<IncidentsService, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { prefix, maxEntries } = settings
    const { client, call, describeFailure } = connection
    const ttl = String(Scripts.INCIDENT_TTL_MILLIS)
    const indexKey = Scripts.incidentIndexKey(prefix)
    const versionKey = Scripts.incidentVersionKey(prefix)
    const resetKey = Scripts.incidentResetKey(prefix)
    const outage = Connection.makeOutageLog(
      LOG_PREFIX,
      settings.quietMillis,
      "this process opens and resolves the incidents it knows alone until Redis answers, so a resolved event may be sent by more than one process"
    )
    const failed = (error: unknown): Effect.Effect<void> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => outage.failed(now, describeFailure(error)))
    const decode = <A>(
      decoded: A | undefined,
      reply: unknown
    ): Effect.Effect<A, Connection.UnexpectedReply> =>
      decoded === undefined ? Effect.fail(new Connection.UnexpectedReply(reply)) : Effect.succeed(decoded)

    // Plain data, changed only in synchronous code (a fiber, or a client callback, runs it to the
    // end before anything else runs), so each change is atomic. `isOpen` reads the table directly.
    const knowledge = new Knowledge(maxEntries)
    const { table, known, closed } = knowledge

    /** Tells the other processes that the incidents changed: they sync at their next poll. */
    const bump: Effect.Effect<void, unknown> = Effect.asVoid(
      call(() => client.retryAlertsBump!(versionKey, ttl))
    )

    /** Runs {@link Scripts.OPEN_INCIDENT}; `reassert`: writing back a record Redis lost. */
    const openScript = (
      field: string,
      record: string,
      context: string,
      operation: string,
      reassert: boolean
    ) => {
      const operationId = Scripts.operationId(context, operation)
      // The index first: an operation listed with no incident yet is harmless, an incident missing
      // from the index would be missed by the other processes' syncs. The version last, once the
      // record is there to be read.
      return Effect.flatMap(
        Effect.zipRight(
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            call(() => client.retryAlertsIndexAdd!(indexKey, String(now), operationId, ttl))
          ),
          call(() =>
            client.retryAlertsOpenIncident!(
              Scripts.incidentKey(prefix, operationId),
              Scripts.tombstoneKey(prefix, operationId),
              field,
              record,
              ttl,
              reassert ? "1" : "0"
            )
          )
        ),
        (reply) =>
          Effect.flatMap(decode(Scripts.decodeOpened(reply), reply), (opened) =>
            opened.created ? Effect.as(bump, opened) : Effect.succeed(opened)
          )
      )
    }

    /**
     * Keeps the incident of `record` in the table as this process's own. The table's incident for
     * that signature stays (a re-fire) when it is the same record, and is replaced when not (it
     * was an earlier incident). Returns the incident and those evicted for it.
     */
    const keepOwn = (
      field: string,
      incident: Omit<Incident, "failures" | "suppressed">,
      id: string,
      record: string
    ) => {
      const entry = table.get(incident.context, incident.operation, field)
      const same = entry !== undefined && known.get(entry.incident.dedupKey)?.id === id
      // Inserting the same entry again moves it to the most recently active end.
      const kept = same
        ? table.insert(entry)
        : table.insert({ key: field, incident, failures: 0, suppressed: 0 })
      const forgotten: Array<Forgotten> = []
      for (const evicted of kept.evicted) {
        const what = known.get(evicted.dedupKey)
        if (what !== undefined) forgotten.push({ incident: evicted, field: what.field, record: what.record })
        knowledge.close(evicted, true)
      }
      closed.delete(id)
      known.set(incident.dedupKey, { field, id, record, own: true, round: knowledge.round })
      return { incident: kept.incident, forgotten }
    }

    /** Incidents evicted at the bound: logged and counted, removed from Redis, and the others told. */
    const forget = (forgotten: ReadonlyArray<Forgotten>): Effect.Effect<void> => {
      if (forgotten.length === 0) return Effect.void
      const byOperation = new Map<string, { context: string; operation: string; pairs: Array<string> }>()
      for (const { incident, field, record } of forgotten) {
        const operationId = Scripts.operationId(incident.context, incident.operation)
        let group = byOperation.get(operationId)
        if (group === undefined) {
          group = { context: incident.context, operation: incident.operation, pairs: [] }
          byOperation.set(operationId, group)
        }
        group.pairs.push(field, record)
      }
      return Effect.zipRight(
        reportEvicted(
          forgotten.map(({ incident }) => incident),
          maxEntries
        ),
        Effect.forEach(
          byOperation,
          ([operationId, { pairs }]) =>
            call(() =>
              client.retryAlertsForgetIncidents!(Scripts.incidentKey(prefix, operationId), ...pairs)
            ).pipe(
              Effect.flatMap((removed) => (removed === 0 ? Effect.void : bump)),
              Effect.catchAll(failed)
            ),
          { discard: true }
        )
      )
    }

    /**
     * Writes the incident in Redis unless it is open there (the first firing in any process
     * wins; a write bumps the version), and keeps it in the table as this process's
     * own. Without Redis, keeps it in the table alone: a later sync writes it.
     */
    const open = (opening: Opening, now: number): Effect.Effect<Incident> =>
      Effect.suspend(() => {
        const field = knowledge.fieldOf(opening.signature)
        const fresh = incidentOf(opening, now)
        const freshId = newId()
        const freshRecord = Scripts.encodeIncident({ incident: fresh, id: freshId })
        return openScript(field, freshRecord, opening.context, opening.operation, false).pipe(
          Effect.flatMap(({ record }) =>
            Effect.map(decode(Scripts.decodeIncident(record), record), (decoded) => ({ decoded, record }))
          ),
          Effect.tap(() => outage.answered),
          Effect.map(({ decoded, record }) => keepOwn(field, decoded.incident, decoded.id, record)),
          Effect.catchAll((error) =>
            Effect.zipRight(
              failed(error),
              Effect.sync(() => {
                // The incident this process knows for the signature (a re-fire), or the fresh one.
                const entry = table.get(opening.context, opening.operation, field)
                const what = entry === undefined ? undefined : known.get(entry.incident.dedupKey)
                return entry === undefined || what === undefined
                  ? keepOwn(field, fresh, freshId, freshRecord)
                  : keepOwn(field, entry.incident, what.id, what.record)
              })
            )
          ),
          Effect.flatMap(({ incident, forgotten }) => Effect.as(forget(forgotten), incident))
        )
      })

    const noteSuppressed = (opening: Opening): Effect.Effect<void> =>
      Effect.sync(() => {
        if (!table.isOpen(opening.context, opening.operation)) return
        // The table keys incidents on their field: look it up with the field as the signature.
        table.noteSuppressed({ ...opening, signature: knowledge.fieldOf(opening.signature) })
      })

    const noteFailure = (context: string, operation: string): Effect.Effect<void> =>
      Effect.sync(() => table.noteFailure(context, operation))

    /**
     * Takes the operation's incidents from the table first (so that, of concurrent successes in
     * this process, one makes the round trip and the others return at once), then from Redis
     * (once across processes; the others are told in the same step). An incident this process
     * fired that Redis no longer has, and that nobody resolved, is resolved from its own record.
     */
    const resolve = (context: string, operation: string): Effect.Effect<ReadonlyArray<Incident>> =>
      Effect.suspend(() => {
        const taken = table.resolve(context, operation)
        if (taken.length === 0) return Effect.succeed(taken)
        const counted = new Map<string, Incident>()
        const own: Array<{ readonly incident: Incident; readonly field: string; readonly record: string }> =
          []
        for (const incident of taken) {
          counted.set(incident.dedupKey, incident)
          const what = known.get(incident.dedupKey)
          if (what?.own === true) own.push({ incident, field: what.field, record: what.record })
          knowledge.close(incident, true)
        }
        const operationId = Scripts.operationId(context, operation)
        return call(() =>
          client.retryAlertsResolveIncidents!(
            Scripts.incidentKey(prefix, operationId),
            Scripts.tombstoneKey(prefix, operationId),
            ttl,
            ...own.flatMap(({ field, record }) => [field, record])
          )
        ).pipe(
          Effect.flatMap((reply) => decode(Scripts.decodeResolved(reply, own.length), reply)),
          Effect.tap(({ taken: records, lost }) =>
            records.length > 0 || lost.some(Boolean) ? bump : Effect.void
          ),
          Effect.tap(() => outage.answered),
          Effect.map(({ taken: records, lost }) => {
            const resolved: Array<Incident> = []
            for (const { record } of records) {
              const decoded = Scripts.decodeIncident(record)
              if (decoded === undefined) continue
              setNewest(closed, decoded.id, true, maxEntries)
              const mine = counted.get(decoded.incident.dedupKey)
              resolved.push({
                ...decoded.incident,
                failures: mine?.failures ?? 0,
                suppressed: mine?.suppressed ?? 0
              })
            }
            own.forEach(({ incident }, i) => {
              if (lost[i]) resolved.push(incident)
            })
            return resolved
          }),
          // Without Redis this process resolves what it knows; another may resolve it again.
          Effect.catchAll((error) => Effect.as(failed(error), taken))
        )
      })

    /**
     * The open incidents in Redis, by dedupKey. Each operation's hash is read on its own (they
     * live in other slots than the index, and than each other, on a cluster). Operations listed
     * with no incident for longer than the grace are removed from the index, each only if no
     * firing listed it again since it was read.
     */
    const readAll = Effect.gen(function* () {
      const listed = yield* call(() => client.zrange(indexKey, 0, -1, "WITHSCORES"))
      const found = new Map<
        string,
        { readonly field: string; readonly id: string; readonly record: string }
      >()
      if (!Array.isArray(listed) || listed.some((item) => typeof item !== "string")) {
        return yield* Effect.fail(new Connection.UnexpectedReply(listed))
      }
      if (listed.length === 0) return found
      const ids = listed.filter((_, i) => i % 2 === 0)
      const hashes = yield* Effect.forEach(
        ids,
        (id) => call(() => client.hgetall(Scripts.incidentKey(prefix, id))),
        { concurrency: 32 }
      )
      const now = yield* Clock.currentTimeMillis
      const empty: Array<string> = []
      for (const value of hashes) {
        if (typeof value !== "object" || value === null) {
          return yield* Effect.fail(new Connection.UnexpectedReply(value))
        }
      }
      hashes.forEach((value, i) => {
        const entries = Object.entries(value as Record<string, unknown>)
        if (entries.length === 0 && now - Number(listed[2 * i + 1]) > INDEX_GRACE_MILLIS) {
          empty.push(ids[i]!, listed[2 * i + 1]!)
        }
        for (const [field, record] of entries) {
          const decoded = Scripts.decodeIncident(record)
          // A damaged record cannot be resolved by anyone: skip it (it expires).
          if (decoded !== undefined && typeof record === "string") {
            found.set(decoded.incident.dedupKey, { field, id: decoded.id, record })
          }
        }
      })
      if (empty.length > 0) {
        yield* call(() => client.retryAlertsIndexPrune!("1", indexKey, ...empty))
      }
      return found
    })

    /**
     * One sync: learns what Redis has and this process does not know (missed messages, or
     * incidents opened before it started), drops the learned incidents Redis no longer has (it
     * missed their resolved event, or they expired), and writes back the incidents this process
     * fired that Redis lost, unless someone resolved them meanwhile.
     */
    const syncOnce: Effect.Effect<void> = Effect.suspend(() => {
      const started = ++knowledge.round
      return readAll.pipe(
        Effect.map((found) => {
          const missing: Array<{ readonly incident: Incident; readonly what: Known }> = []
          for (const incident of table.list()) {
            const what = known.get(incident.dedupKey)
            if (what === undefined || found.get(incident.dedupKey)?.id === what.id) continue
            if (what.own) {
              if (!found.has(incident.dedupKey)) missing.push({ incident, what })
            } else if (what.round < started) {
              table.delete(incident.context, incident.operation, what.field)
              knowledge.close(incident, false)
            }
          }
          for (const { field, record } of found.values()) knowledge.learn(field, record)
          return missing
        }),
        Effect.flatMap((missing) =>
          Effect.forEach(
            missing,
            ({ incident, what }) =>
              Effect.map(
                openScript(what.field, what.record, incident.context, incident.operation, true),
                ({ record }) => {
                  // Resolved meanwhile by another process: its tombstone holds this very record.
                  if (record === "")
                    knowledge.drop(incident.context, incident.operation, what.field, what.record, true)
                }
              ),
            { discard: true }
          )
        ),
        Effect.zipRight(outage.answered),
        Effect.catchAll(failed)
      )
    })
    // One sync at a time: the build's, the periodic one, the one a poll asks for.
    const sync = (yield* Effect.makeSemaphore(1)).withPermits(1)(syncOnce)

    const forEachIncidentKey = (onPage: (keys: Array<string>) => Effect.Effect<void, unknown>) =>
      Effect.forEach(
        [`${prefix}incident:`, `${prefix}resolved:`],
        (under) => connection.scan(Scripts.scanPattern(under), onPage),
        { discard: true }
      )

    const reset: Effect.Effect<void> = Effect.sync(() => knowledge.clear()).pipe(
      Effect.zipRight(
        call(() => client.retryAlertsResetIndex!(indexKey, versionKey, resetKey, newId(), ttl))
      ),
      Effect.zipRight(forEachIncidentKey(connection.unlink)),
      Effect.tap(() => outage.answered),
      Effect.asVoid,
      Effect.catchAll(failed)
    )

    // What the last poll read: the version (bumped at each change) and the reset epoch.
    let seen: { readonly version: string | null; readonly reset: string | null } | undefined
    /** One GET of both keys (one slot); a change means a sync, a new reset epoch a cleared table. */
    const poll: Effect.Effect<void> = call(() => client.mget(versionKey, resetKey)).pipe(
      Effect.flatMap(([version = null, resetEpoch = null]) => {
        const before = seen
        seen = { version, reset: resetEpoch }
        if (before === undefined) return Effect.void
        if (resetEpoch !== before.reset) knowledge.clear()
        return version !== before.version || resetEpoch !== before.reset ? sync : Effect.void
      }),
      Effect.catchAll(failed)
    )
    yield* poll
    yield* sync
    // Both loops sleep on the Clock of the fiber that builds the layer (a test moves it with
    // `TestClock.adjust`), and stop with the layer's scope. The full sync also catches what a
    // version bump that never happened (Redis failed in between) would have told.
    yield* Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep(settings.pollInterval), poll)))
    yield* Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep(settings.syncInterval), sync)))

    return {
      open,
      noteSuppressed,
      noteFailure,
      isOpen: (context, operation) => table.isOpen(context, operation),
      resolve,
      list: Effect.sync(() => table.list()),
      count: Effect.sync(() => table.size),
      reset
    } satisfies IncidentsService
  })
