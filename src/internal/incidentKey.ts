/**
 * The key of an incident, the same in its firing and resolved events and in every process.
 *
 * @internal
 */
import * as Describe from "./describe.js"
import * as Redact from "./redact/redact.js"

/** Longest `dedupKey`: PagerDuty's limit, and short enough for any label. */
export const DEDUP_KEY_LENGTH = 255

/**
 * A 53-bit hash of `text` (cyrb53), as 14 hex digits: stable across processes and runtimes, with
 * no `node:` module. It keys incidents; it is not a secret's protection (the signature it hashes
 * is already scrubbed where it is shown).
 */
export const hash = (text: string): string => {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ code, 2654435761)
    h2 = Math.imul(h2 ^ code, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, "0")
}

/**
 * The key of an incident: the context and operation (readable), `billing/charge`, or the operation
 * alone without a context, and a hash of the signature (which carries the error message head, so
 * it is never shown). At most {@link DEDUP_KEY_LENGTH}.
 */
export const dedupKey = (name: string, context: string, signature: string): string => {
  const tail = `/${hash(signature)}`
  const head = Describe.truncate(
    context === "" ? name : `${context}/${name}`,
    DEDUP_KEY_LENGTH - tail.length,
    ""
  )
  return `${Redact.redact(head)}${tail}`.slice(0, DEDUP_KEY_LENGTH)
}
