/**
 * The retry budget shared through Redis: each process counts locally and decides at once, a
 * background fiber sends its counts to Redis and reads back everyone's, once per flush interval
 * in one round trip. Between two flushes a process spends only its share of what is left (the
 * replicas registry tells how many share it).
 *
 * @internal
 */
import { createHash, randomBytes } from "node:crypto"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { BUCKETS, bucketId, Ring } from "../budgetWindow.js"
import { setNewest } from "../lru.js"
import * as Options from "../options.js"
import {
  allows,
  type BudgetOptions,
  type BudgetSettings,
  type BudgetStatus,
  settings as budgetSettings,
  DEPOSITS,
  KeyState,
  makeBucketClock,
  type RetryBudgetService,
  WITHDRAWALS
} from "../retryBudget.js"
import * as Connection from "./connection.js"
import { TTL_MARGIN_MILLIS } from "./scripts.js"

/** The options of the Redis budget, besides its URL. */
export interface RedisBudgetOptions extends BudgetOptions {
  readonly prefix?: string | undefined
  readonly timeout?: Duration.DurationInput | undefined
  readonly flushInterval?: Duration.DurationInput | undefined
}

export const DEFAULT_PREFIX = "retry-alerts:"
export const DEFAULT_TIMEOUT: Duration.Duration = Connection.DEFAULT_TIMEOUT
export const DEFAULT_FLUSH_INTERVAL: Duration.Duration = /*#__PURE__*/ Duration.millis(100)

/** Prefix of every message this budget logs, so operators (and tests) can find them. */
export const LOG_PREFIX = "RetryBudget(redis)"

/**
 * Most keys one script call carries: a long script blocks every other client of Redis. With a
 * cluster, also the most script calls (of one key each) in flight at once.
 */
export const MAX_KEYS_PER_CALL = 500

export interface Settings {
  readonly budget: BudgetSettings
  readonly prefix: string
  readonly timeout: Duration.Duration
  readonly flushInterval: Duration.Duration
}

/** Validates every option now, where the layer is written, as the memory budget does. */
export const settings = (options: RedisBudgetOptions): Settings => ({
  budget: budgetSettings(options),
  prefix: Options.nonEmptyString("prefix", options.prefix ?? DEFAULT_PREFIX),
  timeout: Options.duration("timeout", options.timeout ?? DEFAULT_TIMEOUT),
  flushInterval: Options.duration("flushInterval", options.flushInterval ?? DEFAULT_FLUSH_INTERVAL)
})

/**
 * The Redis key of a budget key: `{prefix}budget:` then the SHA-256 of the key in braces, which
 * bounds its length and alphabet, cannot clash with the alert limiter's keys under the same
 * prefix, and is a hash tag: with a Redis Cluster each key has its own slot, so that the keys
 * spread over the shards. (A prefix that holds a hash tag itself wins: Redis hashes the first
 * `{...}`, and every budget key then lives in that one slot.)
 */
export const budgetKey = (prefix: string, key: string): string =>
  `${prefix}budget:{${createHash("sha256").update(key).digest("hex")}}`

/**
 * The replicas registry: a sorted set of the processes sharing the budgets under `prefix`,
 * member a random id per process, score the Clock time of its last registration.
 */
export const replicasKey = (prefix: string): string => `${prefix}replicas`

/**
 * The script calls of one flush: batches of up to {@link MAX_KEYS_PER_CALL} keys, or, with a
 * cluster, one key per call, since a script may not touch keys of two slots (CROSSSLOT) and each
 * budget key has a slot of its own.
 */
export const batchesOf = <A>(entries: ReadonlyArray<A>, cluster: boolean): Array<ReadonlyArray<A>> => {
  const size = cluster ? 1 : MAX_KEYS_PER_CALL
  const batches: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < entries.length; i += size) batches.push(entries.slice(i, i + size))
  return batches
}

/**
 * The share rule. Between two flushes, `replicas` processes spend one shared remainder, `left =
 * deposits × percent / 100 + reserve - withdrawals`; each may spend only its share, `left /
 * replicas`, so that together they spend about `left` before they read each other's counts again
 * (a process that spent the whole remainder, as each did before, multiplied it by the number of
 * replicas). `withdrawals` are the shared ones plus what the others may have spent since their
 * own last flush, unseen here yet (see `reshare`): without it, the first of the replicas to flush
 * after a burst would count none of the others' burst. A share rarely comes out whole: a process
 * may take one more retry with probability the share's fraction (`rounding`, drawn at each flush,
 * uniform in [0, 1)), so that the replicas together spend `left` on average and a small remainder
 * is still spent within a few flushes, where rounding down would strand it and rounding up would
 * multiply it. Whatever the share, the budget's own rule (`allows`) holds on the counts this
 * process knows. One replica (alone, or not reaching Redis) decides by `allows` alone, as the
 * memory budget does.
 */
export const withinShare = (
  settings: BudgetSettings,
  deposits: number,
  withdrawals: number,
  pendingWithdrawals: number,
  replicas: number,
  rounding: number
): boolean =>
  replicas <= 1 ||
  (pendingWithdrawals + 1 - rounding) * 100 * replicas <=
    deposits * settings.percent + settings.reserveHundredths - withdrawals * 100

/**
 * One flush, atomic in Redis. Each key is a hash with fields `d{bucket id}` (first attempts) and
 * `w{bucket id}` (retries), the ids of `budgetWindow.bucketId`.
 *
 * KEYS: the hashes. ARGV[1]: the current bucket id; ARGV[2]: buckets per window; ARGV[3]: TTL
 * millis; then, per key in order, the number of buckets sent and, per bucket, its id, deposits and
 * withdrawals to add. Buckets already out of the window are not added; fields out of it are
 * deleted, so a hash holds at most a window of buckets (plus those of hosts whose clock runs
 * ahead). Every hash written gets the TTL. Returns, per key, the window's buckets with a count,
 * oldest first, as `id, deposits, withdrawals` triples, these additions included.
 */
export const FLUSH = `
local current = tonumber(ARGV[1])
local oldest = current - tonumber(ARGV[2]) + 1
local at = 4
local replies = {}
for i, key in ipairs(KEYS) do
  local count = tonumber(ARGV[at])
  at = at + 1
  for j = 1, count do
    local id = ARGV[at]
    if tonumber(id) >= oldest then
      if ARGV[at + 1] ~= "0" then redis.call("HINCRBY", key, "d" .. id, ARGV[at + 1]) end
      if ARGV[at + 2] ~= "0" then redis.call("HINCRBY", key, "w" .. id, ARGV[at + 2]) end
    end
    at = at + 3
  end
  local fields = redis.call("HGETALL", key)
  local deposits, withdrawals, stale = {}, {}, {}
  for k = 1, #fields, 2 do
    local lane = string.sub(fields[k], 1, 1)
    local id = tonumber(string.sub(fields[k], 2))
    if id ~= nil and id < oldest then
      stale[#stale + 1] = fields[k]
    elseif id ~= nil and id <= current then
      if lane == "d" then deposits[id] = tonumber(fields[k + 1]) or 0 end
      if lane == "w" then withdrawals[id] = tonumber(fields[k + 1]) or 0 end
    end
  end
  if #stale > 0 then redis.call("HDEL", key, unpack(stale)) end
  redis.call("PEXPIRE", key, ARGV[3])
  local reply = {}
  for id = oldest, current do
    local d = deposits[id] or 0
    local w = withdrawals[id] or 0
    if d ~= 0 or w ~= 0 then
      reply[#reply + 1] = id
      reply[#reply + 1] = d
      reply[#reply + 1] = w
    end
  end
  replies[i] = reply
end
return replies
`

const isCount = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0

/**
 * Decodes the flush script's reply for `keys` keys at bucket `current`, or `undefined` when it
 * is not the shape the script returns.
 */
export const decodeFlush = (
  reply: unknown,
  keys: number,
  current: number
): ReadonlyArray<ReadonlyArray<number>> | undefined => {
  if (!Array.isArray(reply) || reply.length !== keys) return undefined
  for (const counts of reply as Array<unknown>) {
    if (!Array.isArray(counts) || counts.length % 3 !== 0) return undefined
    for (let i = 0; i < counts.length; i += 3) {
      const id: unknown = counts[i]
      if (!isCount(id) || id > current || id <= current - BUCKETS) return undefined
      if (!isCount(counts[i + 1]) || !isCount(counts[i + 2])) return undefined
    }
  }
  return reply as ReadonlyArray<ReadonlyArray<number>>
}

/**
 * Decodes the registry transaction's reply (`ZADD`, `ZREMRANGEBYSCORE`, `ZCARD`, `PEXPIRE`): the
 * number of replicas, or `undefined` when the reply is not that shape.
 */
export const decodeRegistration = (reply: unknown): number | undefined => {
  if (!Array.isArray(reply) || reply.length !== 4) return undefined
  for (const step of reply as Array<unknown>) {
    if (!Array.isArray(step) || step.length !== 2 || step[0] !== null) return undefined
  }
  const count: unknown = (reply as Array<[unknown, unknown]>)[2]![1]
  return isCount(count) && count >= 1 ? count : undefined
}

/** What this process knows about one key. */
class SharedEntry extends KeyState {
  /** Everyone's counts as Redis reported them at the last flush, this process's included. */
  readonly shared: Ring
  /** This process's counts not yet in `shared`: unsent, or sent and not yet answered. */
  readonly pending: Ring
  /** Whether the key waits in the list of the next flush. */
  queued = false
  /**
   * Whether the last flush of this key failed: its shared counts are stale, so this process
   * decides on its own counts alone (as the memory budget would) until a flush answers again.
   */
  alone = false
  /** What the other replicas may have spent since their own last flush, unseen here yet. */
  unseen = 0
  /** Clock millis of the last answer of Redis for this key, if any. */
  readAt: number | undefined = undefined
  redisKey: string | undefined = undefined

  constructor(key: string, head: number) {
    super(key)
    this.shared = new Ring(BUCKETS, 2, head)
    this.pending = new Ring(BUCKETS, 2, head)
  }
}

/** The scripts the budget runs, to register on its connection. */
export const scripts = { retryBudgetFlush: { lua: FLUSH } } as const

/** A budget on its own connection to `endpoint`, closed with the scope. */
export const make = (
  settings: Settings,
  endpoint: Connection.Endpoint
): Effect.Effect<RetryBudgetService, never, Scope.Scope> =>
  Effect.flatMap(Connection.connect(endpoint, settings.timeout, scripts), (connection) =>
    makeOn(settings, connection)
  )

/**
 * A budget on `connection`, which must have {@link scripts} registered. On a cluster
 * (`connection.cluster`) a flush sends each key in a script call of its own.
 */
export const makeOn = (
  settings: Settings,
  connection: Connection.Connection
): Effect.Effect<RetryBudgetService, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { budget, prefix } = settings
    const { bucketMillis, maxKeys, windowMillis } = budget
    const ttlArg = String(windowMillis + TTL_MARGIN_MILLIS)
    const bucketsArg = String(BUCKETS)
    const clock = yield* Effect.clock
    const random = yield* Effect.random
    const currentBucket = yield* makeBucketClock(clock, bucketMillis)
    const { client, call, cluster, describeFailure } = connection
    const outage = Connection.makeOutageLog(
      LOG_PREFIX,
      windowMillis,
      "this process decides on its own counts until Redis answers, so the processes together may retry more than the shared budget"
    )

    // The registry. A process registers at each flush, and at least once a bucket while idle, so
    // that the others count it (and it knows how many they are) within a bucket of its start; a
    // member not heard of for a window (or 3 registrations, when those are rarer) has stopped.
    const registry = replicasKey(prefix)
    const replicaId = randomBytes(8).toString("hex")
    const flushMillis = Duration.toMillis(settings.flushInterval)
    const heartbeatMillis = Math.max(bucketMillis, flushMillis)
    const staleMillis = Math.max(windowMillis, 3 * heartbeatMillis)
    const registryTtlArg = String(staleMillis + TTL_MARGIN_MILLIS)
    /** How many processes share the budgets: 1 until Redis has said, so that a process alone decides alone. */
    let replicas = 1
    /** This flush's rounding of the shares (see `withinShare`). */
    let rounding = 0
    let registeredAt = Number.NEGATIVE_INFINITY

    const register = (now: number): Effect.Effect<number, unknown> =>
      Effect.flatMap(
        call(() =>
          client
            .multi()
            .zadd(registry, now, replicaId)
            .zremrangebyscore(registry, "-inf", `(${now - staleMillis}`)
            .zcard(registry)
            .pexpire(registry, registryTtlArg)
            .exec()
        ),
        (reply) => {
          const count = decodeRegistration(reply)
          return count === undefined
            ? Effect.fail(new Connection.UnexpectedReply(reply))
            : Effect.succeed(count)
        }
      )

    const registered = (now: number, result: Either.Either<number, unknown>): Effect.Effect<void> =>
      Effect.flatMap(random.next, (next) =>
        Effect.sync(() => {
          registeredAt = now
          rounding = next
          // A failed registration keeps the count last read: the shared counts may still be fresh
          // (a registry on another shard); a key whose flush fails decides alone anyway.
          if (Either.isRight(result)) replicas = result.right
        })
      )

    // Plain mutable state, as in the memory budget: the contract is synchronous. The flush fiber
    // touches it only between its Redis calls, never while a decision runs.
    const entries = new Map<string, SharedEntry>()
    let queue: Array<SharedEntry> = []

    const enqueue = (entry: SharedEntry): void => {
      if (entry.queued) return
      entry.queued = true
      queue.push(entry)
    }

    /** The key's entry with both rings moved to `id`, queued for the next flush; made if new. */
    const entryAt = (key: string, id: number): SharedEntry => {
      let entry = entries.get(key)
      if (entry === undefined) {
        entry = new SharedEntry(key, id)
        setNewest(entries, key, entry, maxKeys)
      } else if (id > entry.pending.head) {
        entry.pending.advance(id)
        entry.shared.advance(id)
        setNewest(entries, key, entry, maxKeys)
      }
      enqueue(entry)
      return entry
    }

    const deposit = (key: string): void => {
      entryAt(key, currentBucket()).pending.increment(DEPOSITS)
    }

    const tryWithdraw = (key: string): boolean => {
      const id = currentBucket()
      const entry = entryAt(key, id)
      const shared = entry.shared.totals
      const pending = entry.pending.totals
      const deposits = shared[DEPOSITS]! + pending[DEPOSITS]!
      if (
        allows(budget, deposits, shared[WITHDRAWALS]! + pending[WITHDRAWALS]!) &&
        withinShare(
          budget,
          deposits,
          shared[WITHDRAWALS]! + entry.unseen,
          pending[WITHDRAWALS]!,
          entry.alone ? 1 : replicas,
          rounding
        )
      ) {
        entry.pending.increment(WITHDRAWALS)
        return true
      }
      entry.refuse(id * bucketMillis)
      return false
    }

    const status = (key: string): BudgetStatus => {
      const now = clock.unsafeCurrentTimeMillis()
      // Read at the next flush, a key this process never used included (status cannot wait for
      // Redis): whoever asks how a key stands is about to ask again, and then gets everyone's.
      const entry = entryAt(key, bucketId(now, bucketMillis))
      return {
        deposits: entry.shared.totals[DEPOSITS]! + entry.pending.totals[DEPOSITS]!,
        withdrawals: entry.shared.totals[WITHDRAWALS]! + entry.pending.totals[WITHDRAWALS]!,
        refusedLastMinute: entry.refusedLastMinute(now)
      }
    }

    /**
     * What is left of `entry`'s budget as this process sees it: the budget on the shared and own
     * deposits, less the shared withdrawals and what the others may have spent unseen. After a
     * flush, `unseen` is the larger of two estimates. Each of the others flushed less than a flush
     * interval ago, and may have spent since then up to its own share, about the one this process
     * had until now; and the others' withdrawals that reached Redis over the last flush interval
     * tell how fast they spend now. Counting them as spent keeps a burst from being spent once per
     * replica by replicas that flush at different moments; it also makes a key that only this
     * process uses spend its remainder more slowly (over more flushes), never faster.
     */
    const left = (entry: SharedEntry): number =>
      ((entry.shared.totals[DEPOSITS]! + entry.pending.totals[DEPOSITS]!) * budget.percent +
        budget.reserveHundredths) /
        100 -
      entry.shared.totals[WITHDRAWALS]! -
      entry.unseen

    /** Sends `batch`'s pending counts and reads back everyone's, in one round trip. */
    const flushBatch = (batch: ReadonlyArray<SharedEntry>, current: number): Effect.Effect<void, unknown> =>
      Effect.suspend(() => {
        const keys: Array<string> = []
        const args: Array<string> = [String(current), bucketsArg, ttlArg]
        const sent: Array<Array<number>> = []
        for (const entry of batch) {
          entry.redisKey ??= budgetKey(prefix, entry.key)
          keys.push(entry.redisKey)
          const counts = entry.pending.nonZero([])
          sent.push(counts)
          args.push(String(counts.length / 3))
          for (const count of counts) args.push(String(count))
        }
        return Effect.flatMap(
          call(() => client.retryBudgetFlush!(String(keys.length), ...keys, ...args)),
          (reply) => {
            const decoded = decodeFlush(reply, batch.length, current)
            if (decoded === undefined) return Effect.fail(new Connection.UnexpectedReply(reply))
            return Effect.sync(() => {
              const now = clock.unsafeCurrentTimeMillis()
              for (let i = 0; i < batch.length; i++) {
                const entry = batch[i]!
                entry.shared.advance(entry.pending.head)
                // The share this process had until now, and the withdrawals it knew of.
                const shareBefore = Math.max(0, left(entry)) / replicas
                const withdrawalsBefore = entry.shared.totals[WITHDRAWALS]!
                // What was sent is now in Redis's answer; what was counted during the round trip
                // stays pending for the next flush.
                const counts = sent[i]!
                let sentWithdrawals = 0
                for (let j = 0; j < counts.length; j += 3) {
                  entry.pending.add(counts[j]!, DEPOSITS, -counts[j + 1]!)
                  if (entry.pending.add(counts[j]!, WITHDRAWALS, -counts[j + 2]!))
                    sentWithdrawals += counts[j + 2]!
                }
                const shared = decoded[i]!
                entry.shared.clear(current)
                for (let j = 0; j < shared.length; j += 3) {
                  entry.shared.add(shared[j]!, DEPOSITS, shared[j + 1]!)
                  entry.shared.add(shared[j]!, WITHDRAWALS, shared[j + 2]!)
                }
                // The clock may have moved on to a later bucket during the round trip.
                entry.shared.advance(entry.pending.head)
                entry.alone = false
                // The others' withdrawals that reached Redis since this process last read the key,
                // per flush interval.
                const othersSeen =
                  entry.readAt === undefined
                    ? 0
                    : (Math.max(0, entry.shared.totals[WITHDRAWALS]! - withdrawalsBefore - sentWithdrawals) *
                        flushMillis) /
                      Math.max(flushMillis, now - entry.readAt)
                entry.readAt = now
                entry.unseen = Math.max((replicas - 1) * shareBefore, othersSeen)
              }
            })
          }
        )
      })

    /** A batch Redis did not take: its keys decide alone, and their counts wait for the next flush. */
    const keep = (batch: ReadonlyArray<SharedEntry>): void => {
      for (const entry of batch) {
        entry.alone = true
        if (!entry.pending.isEmpty()) enqueue(entry)
      }
    }

    /**
     * Every batch, one after the other on one server (after a failure the rest wait for the next
     * flush rather than for Redis); with a cluster, each key in a call of its own, concurrently
     * (a shard down fails only its keys). The first failure, if any.
     */
    const flushBatches = (
      batches: ReadonlyArray<ReadonlyArray<SharedEntry>>,
      current: number
    ): Effect.Effect<Option.Option<unknown>> =>
      Effect.suspend(() => {
        let failure: Option.Option<unknown> = Option.none()
        return Effect.forEach(
          batches,
          (batch) =>
            Effect.suspend(() => {
              if (!cluster && Option.isSome(failure)) return Effect.sync(() => keep(batch))
              return Effect.catchAll(flushBatch(batch, current), (error) =>
                Effect.sync(() => {
                  if (Option.isNone(failure)) failure = Option.some(error)
                  keep(batch)
                })
              )
            }),
          { concurrency: cluster ? MAX_KEYS_PER_CALL : 1, discard: true }
        ).pipe(Effect.map(() => failure))
      })

    /**
     * One flush: the registration, and every key used since the last one (one round trip when
     * fewer than `MAX_KEYS_PER_CALL`, without a cluster), sent together. When Redis gives no
     * answer, the unsent counts stay pending, so that this process decides on its own counts, and
     * are sent once Redis answers (those still in the window). A call that timed out may still
     * have run in Redis: its counts are then sent twice, which only makes the budget stricter for
     * a window. An idle process only registers, once a bucket.
     */
    const flush: Effect.Effect<void> = Effect.suspend(() => {
      const now = clock.unsafeCurrentTimeMillis()
      // An idle process only registers, once a bucket: during an outage too, so that it does not
      // try to connect at every flush.
      if (queue.length === 0 && now - registeredAt < heartbeatMillis) return Effect.void
      const taken = queue
      queue = []
      // The newest bucket any count belongs to: after the clock stepped back, counts made before
      // sit in buckets ahead of it, and the reply must cover them or they would be lost here.
      let current = bucketId(now, bucketMillis)
      for (const entry of taken) current = Math.max(current, entry.pending.head)
      for (const entry of taken) {
        entry.queued = false
        entry.pending.advance(current)
        entry.shared.advance(current)
      }
      return Effect.all([Effect.either(register(now)), flushBatches(batchesOf(taken, cluster), current)], {
        concurrency: "unbounded"
      }).pipe(
        Effect.tap(([registration]) => registered(now, registration)),
        Effect.flatMap(([registration, failure]) => {
          const error = Either.isLeft(registration) ? Option.some(registration.left) : failure
          return Option.isSome(error) ? outage.failed(now, describeFailure(error.value)) : outage.answered
        })
      )
    })

    // The first registration, before the first decision, so that a process knows from its first
    // retry that it shares the budgets (bounded by the connection's timeout). Without an answer it
    // decides alone, and says so.
    const startedAt = clock.unsafeCurrentTimeMillis()
    const first = yield* Effect.either(register(startedAt))
    yield* registered(startedAt, first)
    if (Either.isLeft(first)) yield* outage.failed(startedAt, describeFailure(first.left))

    // On release, leave the registry at once (the others' shares grow back without waiting for
    // the member to go stale); best effort, sent before the connection closes, never awaited.
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        if (client.status === "ready") client.zrem(registry, replicaId).catch(() => {})
      })
    )

    // The flush loop sleeps on the Clock of the fiber that builds the layer (a test moves it
    // with `TestClock.adjust`), and ends with the layer's scope. It sleeps first: the first
    // registration was just made.
    yield* Effect.forkScoped(
      Effect.zipRight(
        Effect.sleep(settings.flushInterval),
        Effect.repeat(flush, Schedule.spaced(settings.flushInterval))
      )
    )

    return { deposit, tryWithdraw, status, size: () => entries.size } satisfies RetryBudgetService
  })
