/**
 * What the Redis limiter and the Redis incident store run inside Redis: Lua scripts (atomic
 * there), the keys they use, and the decoding of their replies. Every script touches the keys of
 * one hash slot only, so it runs on a Redis Cluster: each key carries a hash tag built from what
 * it is about (a signature's hash, an operation's id, `{ceiling}`), which spreads the keys over
 * the shards.
 *
 * @internal
 */
import { createHash } from "node:crypto"
import type { Admission, Decision } from "../alertLimiter.js"
import type { Incident } from "../incidents.js"
import type { Severity } from "../notifier.js"

/**
 * Added to the window to make a key's time to live (real milliseconds, counted by Redis). The
 * window is compared on the Effect Clock's time, which is not Redis's: the margin keeps a record
 * for hosts whose clocks run up to this much behind the one that wrote it.
 */
export const TTL_MARGIN_MILLIS = 60_000

/**
 * The decision. The hash holds `last` (Clock millis of the last alert sent, kept as the caller's
 * string so no precision is lost) and `suppressed` (suppressions since). KEYS[1]: the signature's
 * hash. ARGV: now, window millis, TTL millis, suppressions this process answered alone and has
 * not reported yet. Returns {send 0|1, suppressed, last sent or ""}. A `last` that is not a
 * number (a foreign or damaged record) counts as no record.
 */
export const DECIDE = `
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
 * Writes back the record of an alert this process sent, when Redis has none (it restarted empty,
 * or its data was flushed): other processes then keep suppressing it for the rest of its window.
 * An existing record is left alone. KEYS[1]: the signature's hash. ARGV: when it was sent (Clock
 * millis, as the process's string), TTL millis left. Returns 1 when it wrote the record.
 */
export const REASSERT = `
if redis.call("EXISTS", KEYS[1]) == 1 then return 0 end
redis.call("HSET", KEYS[1], "last", ARGV[1], "suppressed", 0)
redis.call("PEXPIRE", KEYS[1], ARGV[2])
return 1
`

/**
 * The channel ceiling, shared by every process: the same sliding period as the memory limiter's.
 * KEYS[1]: list of the last `ceiling` admission times, newest first; KEYS[2]: alerts held back
 * since the last admission. ARGV: now, ceiling, period millis, TTL millis. Returns
 * {admitted 0|1, held back}.
 */
export const ADMIT = `
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

/**
 * An incident opens, or is found open (a re-fire), in the hash of its operation. The first firing
 * in any process wins (HSETNX). KEYS[1]: the operation's incident hash; KEYS[2]: its resolved
 * incidents (tombstones), both tagged with the operation's id. ARGV: the signature's field, the
 * incident's record (JSON), TTL millis, "1" to re-assert a record this process holds (Redis lost
 * it): refused when that very record was resolved meanwhile. Returns {record as first written, or
 * "" when refused; 1 when this call wrote it, else 0}. The index ({@link INDEX_ADD}) is written
 * before and the version ({@link BUMP}) after, apart: they live in another slot.
 */
export const OPEN_INCIDENT = `
if ARGV[4] == "1" and redis.call("HGET", KEYS[2], ARGV[1]) == ARGV[2] then
  return {"", 0}
end
local created = redis.call("HSETNX", KEYS[1], ARGV[1], ARGV[2])
redis.call("PEXPIRE", KEYS[1], ARGV[3])
return {redis.call("HGET", KEYS[1], ARGV[1]), created}
`

/**
 * Adds an operation to the index of operations with open incidents, a sorted set whose scores
 * are when each was last added (Clock millis): a sync that finds an operation with no incident
 * removes it only if nobody added it since ({@link INDEX_PRUNE}). KEYS[1]: the index. ARGV: the
 * score, the operation's id, TTL millis.
 */
export const INDEX_ADD = `
redis.call("ZADD", KEYS[1], ARGV[1], ARGV[2])
redis.call("PEXPIRE", KEYS[1], ARGV[3])
return 1
`

/**
 * Removes from the index the operations found with no incident, each only if its score is still
 * the one read (no firing added it again since). KEYS[1]: the index. ARGV: pairs (operation's id,
 * score read). Returns how many it removed.
 */
export const INDEX_PRUNE = `
local removed = 0
for i = 1, #ARGV, 2 do
  if redis.call("ZSCORE", KEYS[1], ARGV[i]) == ARGV[i + 1] then
    removed = removed + redis.call("ZREM", KEYS[1], ARGV[i])
  end
end
return removed
`

/**
 * The incidents changed (one opened, resolved or forgotten): a new version, which every process
 * polls, and syncs when it changes. KEYS[1]: the version. ARGV: TTL millis.
 */
export const BUMP = `
local version = redis.call("INCR", KEYS[1])
redis.call("PEXPIRE", KEYS[1], ARGV[1])
return version
`

/**
 * Every incident was forgotten (`Incidents.reset`): the index goes, and a new reset epoch tells
 * every process to clear its table. KEYS: the index, the version, the reset epoch (one slot).
 * ARGV: the epoch, TTL millis.
 */
export const RESET_INDEX = `
redis.call("DEL", KEYS[1])
redis.call("SET", KEYS[3], ARGV[1], "PX", ARGV[2])
redis.call("INCR", KEYS[2])
redis.call("PEXPIRE", KEYS[2], ARGV[2])
return 1
`

/**
 * An operation succeeded: takes its open incidents, once across processes, and leaves their
 * records as tombstones (so a process that fired one can tell "resolved by another" from "Redis
 * lost it"). KEYS as {@link OPEN_INCIDENT}. ARGV: the tombstones' TTL millis, then pairs (field,
 * record) of the incidents this process fired and still holds. Returns {taken: field, record,
 * field, record…; lost: 1 or 0 per pair, 1 when its record is neither taken now nor resolved
 * before (Redis lost it: the caller resolves it from its own record, and it is written as a
 * tombstone too)}. The operation stays in the index until a sync finds it empty.
 */
export const RESOLVE_INCIDENTS = `
local taken = redis.call("HGETALL", KEYS[1])
local takenFields = {}
local written = #taken > 0
for i = 1, #taken, 2 do
  takenFields[taken[i]] = true
  redis.call("HSET", KEYS[2], taken[i], taken[i + 1])
end
local lost = {}
for i = 2, #ARGV, 2 do
  if takenFields[ARGV[i]] or redis.call("HGET", KEYS[2], ARGV[i]) == ARGV[i + 1] then
    lost[#lost + 1] = 0
  else
    lost[#lost + 1] = 1
    written = true
    redis.call("HSET", KEYS[2], ARGV[i], ARGV[i + 1])
  end
end
if written then redis.call("PEXPIRE", KEYS[2], ARGV[1]) end
redis.call("DEL", KEYS[1])
return {taken, lost}
`

/**
 * Incidents forgotten at a process's bound (maxEntries): removed when Redis still holds the
 * record the process knew, with no tombstone. KEYS[1]: the operation's incident hash. ARGV: pairs
 * (field, record). Returns how many it removed.
 */
export const FORGET_INCIDENTS = `
local removed = 0
for i = 1, #ARGV, 2 do
  if redis.call("HGET", KEYS[1], ARGV[i]) == ARGV[i + 1] then
    redis.call("HDEL", KEYS[1], ARGV[i])
    removed = removed + 1
  end
end
return removed
`

/** How long an incident nobody resolves stays in Redis: a day, renewed at each firing. */
export const INCIDENT_TTL_MILLIS = 24 * 60 * 60 * 1000

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex")

/**
 * The id of an operation in a context: the SHA-256 of both. Names are shown elsewhere; keys and
 * index members carry only the hash, so their length and alphabet are bounded.
 */
export const operationId = (context: string, operation: string): string =>
  sha256(`${context}\u0000${operation}`)

/**
 * The Redis key of an operation's open incidents (a hash: signature field → record), tagged with
 * the operation's id: one slot with its tombstones.
 */
export const incidentKey = (prefix: string, operationId: string): string =>
  `${prefix}incident:{${operationId}}`

/** The Redis key of an operation's resolved incidents, kept for a day (a hash: field → record). */
export const tombstoneKey = (prefix: string, operationId: string): string =>
  `${prefix}resolved:{${operationId}}`

/**
 * The Redis key of the index of operations with open incidents (a sorted set), read by every
 * process's sync. Tagged `{incidents}`: one slot with the version and the reset epoch.
 */
export const incidentIndexKey = (prefix: string): string => `${prefix}{incidents}`

/** The Redis key of the incidents' version, bumped at each change and polled by every process. */
export const incidentVersionKey = (prefix: string): string => `${prefix}{incidents}:version`

/** The Redis key of the incidents' reset epoch, changed by `Incidents.reset`. */
export const incidentResetKey = (prefix: string): string => `${prefix}{incidents}:reset`

/**
 * The field of a signature in its operation's incident hash: the SHA-256 of the raw signature,
 * which carries the head of an error message and is never stored.
 */
export const incidentField = (signature: string): string => sha256(signature)

/**
 * The Redis key of a signature: the prefix, then the SHA-256 of the signature as its hash tag.
 * Signatures carry arbitrary names and error messages; the hash bounds the key's length and its
 * alphabet, and spreads signatures over a cluster's shards.
 */
export const signatureKey = (prefix: string, signature: string): string =>
  `${prefix}{${createHash("sha256").update(signature).digest("hex")}}`

/**
 * The keys of the channel ceiling, in one slot (`{ceiling}`). They cannot clash with a
 * signature's key, whose tag is 64 hex digits.
 */
export const ceilingKeys = (prefix: string) => ({
  times: `${prefix}{ceiling}`,
  held: `${prefix}{ceiling}:held`
})

const SIGNATURE_SUFFIX = /^\{[0-9a-f]{64}\}$/

/** Whether `key` (under `prefix`) is one of the limiter's: a signature's or the ceiling's. */
export const isLimiterKey = (prefix: string, key: string): boolean => {
  if (!key.startsWith(prefix)) return false
  const rest = key.slice(prefix.length)
  return SIGNATURE_SUFFIX.test(rest) || rest === "{ceiling}" || rest === "{ceiling}:held"
}

/** A SCAN pattern matching exactly the keys that start with `prefix`. */
export const scanPattern = (prefix: string): string => `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`

/** Decodes the decision script's reply, or `undefined` when it is not the shape it returns. */
export const decodeDecision = (reply: unknown): Decision | undefined => {
  if (!Array.isArray(reply) || reply.length !== 3) return undefined
  const [send, suppressed, last] = reply as [unknown, unknown, unknown]
  if (send !== 0 && send !== 1) return undefined
  if (!isCount(suppressed)) return undefined
  if (typeof last !== "string") return undefined
  const lastSentAt = last === "" ? undefined : Number(last)
  if (lastSentAt !== undefined && !Number.isFinite(lastSentAt)) return undefined
  if (send === 0 && lastSentAt === undefined) return undefined
  return { send: send === 1, suppressed, lastSentAt }
}

/** Decodes the ceiling script's reply, or `undefined` when it is not the shape it returns. */
export const decodeAdmission = (reply: unknown): Admission | undefined => {
  if (!Array.isArray(reply) || reply.length !== 2) return undefined
  const [admitted, heldBack] = reply as [unknown, unknown]
  if (admitted !== 0 && admitted !== 1) return undefined
  if (!isCount(heldBack)) return undefined
  if (admitted === 0 && heldBack === 0) return undefined
  return { admitted: admitted === 1, heldBack }
}

/** An incident as Redis keeps it: no counts (each process counts its own), and its record's id. */
export interface IncidentRecord {
  readonly incident: Omit<Incident, "failures" | "suppressed">
  /** Random, written by the firing that opened it: tells this incident from a later one of the same signature. */
  readonly id: string
}

/** Decodes one record written by {@link OPEN_INCIDENT}, or `undefined` when it is not one. */
export const decodeIncident = (reply: unknown): IncidentRecord | undefined => {
  if (typeof reply !== "string") return undefined
  let value: unknown
  try {
    value = JSON.parse(reply)
  } catch {
    return undefined
  }
  if (typeof value !== "object" || value === null) return undefined
  const record = value as Record<string, unknown>
  const text = (key: string) => (typeof record[key] === "string" ? (record[key] as string) : undefined)
  const time = (key: string) =>
    typeof record[key] === "number" && Number.isFinite(record[key]) ? (record[key] as number) : undefined
  const id = text("id")
  const signature = text("signature")
  const dedupKey = text("dedupKey")
  const operation = text("operation")
  const context = text("context")
  const startedAt = time("startedAt")
  const firedAt = time("firedAt")
  const severity = text("severity")
  if (
    id === undefined ||
    signature === undefined ||
    dedupKey === undefined ||
    operation === undefined ||
    context === undefined ||
    startedAt === undefined ||
    firedAt === undefined ||
    !isSeverity(severity)
  ) {
    return undefined
  }
  return {
    id,
    incident: {
      signature,
      dedupKey,
      operation,
      context,
      severity,
      startedAt,
      firedAt,
      channel: text("channel")
    }
  }
}

/**
 * An incident's record, as {@link OPEN_INCIDENT} stores it: what every process needs to resolve
 * it. Its `signature` is the redacted one; nothing else in it comes from an error.
 */
export const encodeIncident = (record: IncidentRecord): string =>
  JSON.stringify({
    id: record.id,
    signature: record.incident.signature,
    dedupKey: record.incident.dedupKey,
    operation: record.incident.operation,
    context: record.incident.context,
    severity: record.incident.severity,
    startedAt: record.incident.startedAt,
    firedAt: record.incident.firedAt,
    channel: record.incident.channel
  })

/** Decodes {@link OPEN_INCIDENT}'s reply: the record as stored ("" when refused) and whether this call wrote it. */
export const decodeOpened = (
  reply: unknown
): { readonly record: string; readonly created: boolean } | undefined => {
  if (!Array.isArray(reply) || reply.length !== 2) return undefined
  const [record, created] = reply as [unknown, unknown]
  if (typeof record !== "string" || (created !== 0 && created !== 1)) return undefined
  if (record === "" && created === 1) return undefined
  return { record, created: created === 1 }
}

/** Decodes {@link RESOLVE_INCIDENTS}'s reply for `pairs` (field, record) pairs sent. */
export const decodeResolved = (
  reply: unknown,
  pairs: number
):
  | {
      readonly taken: ReadonlyArray<{ readonly field: string; readonly record: string }>
      readonly lost: ReadonlyArray<boolean>
    }
  | undefined => {
  if (!Array.isArray(reply) || reply.length !== 2) return undefined
  const [taken, lost] = reply as [unknown, unknown]
  if (!Array.isArray(taken) || taken.length % 2 !== 0 || !taken.every((item) => typeof item === "string")) {
    return undefined
  }
  if (!Array.isArray(lost) || lost.length !== pairs || !lost.every((flag) => flag === 0 || flag === 1)) {
    return undefined
  }
  const records: Array<{ readonly field: string; readonly record: string }> = []
  for (let i = 0; i < taken.length; i += 2)
    records.push({ field: taken[i] as string, record: taken[i + 1] as string })
  return { taken: records, lost: lost.map((flag) => flag === 1) }
}

const isSeverity = (value: unknown): value is Severity =>
  value === "critical" || value === "error" || value === "warning" || value === "info"

const isCount = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0
