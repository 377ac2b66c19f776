/**
 * What the Redis limiter runs inside Redis: two Lua scripts (atomic there), the keys they use,
 * and the decoding of their replies.
 *
 * @internal
 */
import { createHash } from "node:crypto"
import type { Admission, Decision, Incident } from "../limiter.js"
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
 * An incident opens, or is found open (a re-fire), in the hash of its operation. KEYS[1]: the
 * operation's incident hash. ARGV: the signature's field, the incident as JSON (its first
 * firing), TTL millis. Returns the incident's JSON as first written, by whichever process fired
 * it first.
 */
export const OPEN_INCIDENT = `
redis.call("HSETNX", KEYS[1], ARGV[1], ARGV[2])
redis.call("PEXPIRE", KEYS[1], ARGV[3])
return redis.call("HGET", KEYS[1], ARGV[1])
`

/**
 * An operation succeeded: takes its open incidents, once. KEYS[1]: the operation's incident hash.
 * Returns the incidents' JSON (empty when another process took them first, or none was open).
 */
export const RESOLVE_INCIDENTS = `
local incidents = redis.call("HVALS", KEYS[1])
redis.call("DEL", KEYS[1])
return incidents
`

/** How long an incident nobody resolves stays in Redis: a day, renewed at each firing. */
export const INCIDENT_TTL_MILLIS = 24 * 60 * 60 * 1000

/** The Redis key of an operation's open incidents. */
export const incidentKey = (prefix: string, operationKey: string): string =>
  `${prefix}incident:${createHash("sha256").update(operationKey).digest("hex")}`

/** The field of a signature in its operation's incident hash. */
export const incidentField = (signature: string): string =>
  createHash("sha256").update(signature).digest("hex")

/**
 * The Redis key of a signature: the prefix, then the SHA-256 of the signature. Signatures carry
 * arbitrary names and error messages; the hash bounds the key's length and its alphabet.
 */
export const signatureKey = (prefix: string, signature: string): string =>
  prefix + createHash("sha256").update(signature).digest("hex")

/**
 * The keys of the channel ceiling. They cannot clash with a signature's key, whose suffix is 64
 * hex digits.
 */
export const ceilingKeys = (prefix: string) => ({ times: `${prefix}ceiling`, held: `${prefix}ceiling:held` })

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

/** Decodes one incident written by {@link OPEN_INCIDENT}, or `undefined`. */
export const decodeIncident = (reply: unknown): Incident | undefined => {
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
  const signature = text("signature")
  const dedupKey = text("dedupKey")
  const operation = text("operation")
  const context = text("context")
  const startedAt = time("startedAt")
  const firedAt = time("firedAt")
  const severity = text("severity")
  if (
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
    signature,
    dedupKey,
    operation,
    context,
    severity,
    startedAt,
    firedAt,
    channel: text("channel"),
    failures: 0,
    suppressed: 0
  }
}

/** An incident as {@link OPEN_INCIDENT} stores it: what every process needs to resolve it. */
export const encodeIncident = (incident: Incident): string =>
  JSON.stringify({
    signature: incident.signature,
    dedupKey: incident.dedupKey,
    operation: incident.operation,
    context: incident.context,
    severity: incident.severity,
    startedAt: incident.startedAt,
    firedAt: incident.firedAt,
    channel: incident.channel
  })

const isSeverity = (value: unknown): value is Severity =>
  value === "critical" || value === "error" || value === "warning" || value === "info"

const isCount = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0
