/**
 * The retry budget shared through Redis: each process counts locally and decides at once, a
 * background fiber sends its counts to Redis and reads back everyone's, once per flush interval
 * in one round trip.
 *
 * @internal
 */
import { createHash } from "node:crypto"
import { Duration, Effect, type Redacted, Schedule, type Scope } from "effect"
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
export const DEFAULT_TIMEOUT: Duration.Duration = Duration.millis(250)
export const DEFAULT_FLUSH_INTERVAL: Duration.Duration = Duration.millis(100)

/** Prefix of every message this budget logs, so operators (and tests) can find them. */
export const LOG_PREFIX = "RetryBudget(redis)"

/** Most keys one script call carries: a long script blocks every other client of Redis. */
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
 * The Redis key of a budget key: `{prefix}budget:` then the SHA-256 of the key, which bounds its
 * length and alphabet, and cannot clash with the alert limiter's keys under the same prefix.
 */
export const budgetKey = (prefix: string, key: string): string =>
  `${prefix}budget:${createHash("sha256").update(key).digest("hex")}`

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

/** What this process knows about one key. */
class SharedEntry extends KeyState {
  /** Everyone's counts as Redis reported them at the last flush, this process's included. */
  readonly shared: Ring
  /** This process's counts not yet in `shared`: unsent, or sent and not yet answered. */
  readonly pending: Ring
  /** Whether the key waits in the list of the next flush. */
  queued = false
  redisKey: string | undefined = undefined

  constructor(key: string, head: number) {
    super(key)
    this.shared = new Ring(BUCKETS, 2, head)
    this.pending = new Ring(BUCKETS, 2, head)
  }
}

const scripts = { retryBudgetFlush: { lua: FLUSH } } as const

export const make = (
  settings: Settings,
  url: Redacted.Redacted<string>
): Effect.Effect<RetryBudgetService, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { budget, prefix } = settings
    const { bucketMillis, maxKeys, windowMillis } = budget
    const ttlArg = String(windowMillis + TTL_MARGIN_MILLIS)
    const bucketsArg = String(BUCKETS)
    const clock = yield* Effect.clock
    const currentBucket = yield* makeBucketClock(clock, bucketMillis)
    const { client, call, describeFailure } = yield* Connection.connect(url, settings.timeout, scripts)
    const outage = Connection.makeOutageLog(
      LOG_PREFIX,
      windowMillis,
      "this process decides on its own counts until Redis answers, so the processes together may retry more than the shared budget"
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
      if (
        allows(budget, shared[DEPOSITS]! + pending[DEPOSITS]!, shared[WITHDRAWALS]! + pending[WITHDRAWALS]!)
      ) {
        entry.pending.increment(WITHDRAWALS)
        return true
      }
      entry.refuse(id * bucketMillis)
      return false
    }

    const status = (key: string): BudgetStatus => {
      const entry = entries.get(key)
      if (entry === undefined) return { deposits: 0, withdrawals: 0, refusedLastMinute: 0 }
      // Read again at the next flush: whoever asks how a key stands is about to ask again.
      enqueue(entry)
      const now = clock.unsafeCurrentTimeMillis()
      const id = bucketId(now, bucketMillis)
      entry.pending.advance(id)
      entry.shared.advance(id)
      return {
        deposits: entry.shared.totals[DEPOSITS]! + entry.pending.totals[DEPOSITS]!,
        withdrawals: entry.shared.totals[WITHDRAWALS]! + entry.pending.totals[WITHDRAWALS]!,
        refusedLastMinute: entry.refusedLastMinute(now)
      }
    }

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
              for (let i = 0; i < batch.length; i++) {
                const entry = batch[i]!
                // What was sent is now in Redis's answer; what was counted during the round trip
                // stays pending for the next flush.
                const counts = sent[i]!
                for (let j = 0; j < counts.length; j += 3) {
                  entry.pending.add(counts[j]!, DEPOSITS, -counts[j + 1]!)
                  entry.pending.add(counts[j]!, WITHDRAWALS, -counts[j + 2]!)
                }
                const shared = decoded[i]!
                entry.shared.clear(current)
                for (let j = 0; j < shared.length; j += 3) {
                  entry.shared.add(shared[j]!, DEPOSITS, shared[j + 1]!)
                  entry.shared.add(shared[j]!, WITHDRAWALS, shared[j + 2]!)
                }
                // The clock may have moved on to a later bucket during the round trip.
                entry.shared.advance(entry.pending.head)
              }
            })
          }
        )
      })

    /**
     * One flush: every key used since the last one, in batches of at most `MAX_KEYS_PER_CALL`
     * (one round trip when fewer). When Redis gives no answer, the unsent counts stay pending, so
     * that this process decides on its own counts, and are sent once Redis answers (those still
     * in the window). A call that timed out may still have run in Redis: its counts are then sent
     * twice, which only makes the budget stricter for a window.
     */
    const flush: Effect.Effect<void> = Effect.suspend(() => {
      if (queue.length === 0) return Effect.void
      const taken = queue
      queue = []
      const now = clock.unsafeCurrentTimeMillis()
      const current = bucketId(now, bucketMillis)
      const batches: Array<Array<SharedEntry>> = []
      for (let i = 0; i < taken.length; i += MAX_KEYS_PER_CALL) {
        batches.push(taken.slice(i, i + MAX_KEYS_PER_CALL))
      }
      for (const entry of taken) {
        entry.queued = false
        entry.pending.advance(current)
        entry.shared.advance(current)
      }
      let done = 0
      return Effect.forEach(
        batches,
        (batch) =>
          Effect.map(flushBatch(batch, current), () => {
            done++
          }),
        { discard: true }
      ).pipe(
        Effect.zipRight(outage.answered),
        Effect.catchAll((error) =>
          Effect.suspend(() => {
            for (const batch of batches.slice(done)) {
              for (const entry of batch) if (!entry.pending.isEmpty()) enqueue(entry)
            }
            return outage.failed(now, describeFailure(error))
          })
        )
      )
    })

    // The flush loop sleeps on the Clock of the fiber that builds the layer (a test moves it
    // with `TestClock.adjust`), and ends with the layer's scope. It sleeps first: nothing was
    // counted yet.
    yield* Effect.forkScoped(
      Effect.zipRight(
        Effect.sleep(settings.flushInterval),
        Effect.repeat(flush, Schedule.spaced(settings.flushInterval))
      )
    )

    return { deposit, tryWithdraw, status, size: () => entries.size } satisfies RetryBudgetService
  })
