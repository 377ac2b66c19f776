/**
 * A bounded memo of the combinators made from plain options, so that a combinator written inside
 * a function that runs per call is built once.
 *
 * @internal
 */
import { setNewest } from "../lru.js"

/** How many combinators of plain options {@link memo} keeps per first key, and first keys it keeps. */
export const MEMO_SIZE = 256

/**
 * A bounded memo of combinators made from plain options (a context and a name, or a resource and
 * an action), keyed by those two strings: `Retry.retry({ name })` written inside a function that
 * runs per call then finds the combinator of the previous call instead of building it again.
 * Sound because combinators of equal plain options are the same value. Two levels of maps, so a
 * lookup hashes the caller's own strings (literals, whose hash is kept) and concatenates nothing.
 * Bounded: at most `MEMO_SIZE` first keys of `MEMO_SIZE` entries, the least recently added
 * dropped; it does not grow with option objects.
 */
export const memo = <A, Arg>(make: (arg: Arg, first: string, second: string) => A) => {
  const entries = new Map<string, Map<string, A>>()
  // The most common first key (a retry without a context), found without a lookup.
  const none = new Map<string, A>()
  // The last combinator found: a call site that runs per call asks for the same one again.
  let lastFirst: string | undefined
  let lastSecond: string | undefined
  let last: A | undefined
  // `make` and its argument are passed, not a closure: a lookup allocates nothing.
  return (first: string, second: string, arg: Arg): A => {
    if (second === lastSecond && first === lastFirst) return last!
    let inner = first === "" ? none : entries.get(first)
    if (inner === undefined) {
      inner = new Map()
      setNewest(entries, first, inner, MEMO_SIZE)
    }
    let found = inner.get(second)
    if (found === undefined) {
      found = make(arg, first, second)
      setNewest(inner, second, found, MEMO_SIZE)
    }
    lastFirst = first
    lastSecond = second
    last = found
    return found
  }
}
