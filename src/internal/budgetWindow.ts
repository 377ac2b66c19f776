/**
 * Counts over a sliding window kept in buckets, as Finagle's windowed adder keeps them: the
 * retry budget's deposits and withdrawals per key, and its refusals of the last minute. Pure
 * data, no Effect: the memory budget and the Redis budget's local side both build on it.
 *
 * @internal
 */

/** Buckets per budget window. */
export const BUCKETS = 10

/**
 * The id of the bucket that holds time `now` (Clock millis) when buckets are `bucketMillis`
 * wide. Ids are whole numbers, so that every process with the same window and a clock that
 * agrees names a bucket the same way (the Redis budget shares counts per bucket id).
 */
export const bucketId = (now: number, bucketMillis: number): number => Math.floor(now / bucketMillis)

/**
 * Counts in `lanes` lanes (the budget counts deposits in lane 0 and withdrawals in lane 1) over
 * the `buckets` most recent bucket ids, the newest being `head`. An event counted in bucket `b`
 * is counted until the head reaches `b + buckets`: with buckets `window / buckets` wide, an event
 * at time `t` counts until the start of the `buckets`-th bucket after its own, that is for more
 * than `window × (buckets - 1) / buckets` and at most `window`.
 *
 * Moving the head is O(buckets) at worst (it clears the slots it passes), O(1) for the common
 * case of the next bucket; counting allocates nothing. The totals are kept alongside the slots,
 * so reading them is O(1).
 */
export class Ring {
  /** Slot `s`, lane `l` at `s * lanes + l`; slot of bucket id `b`: `b mod buckets`. */
  readonly slots: Float64Array
  /** Per lane, the sum of that lane over the window. */
  readonly totals: Float64Array
  /** The newest bucket id in the window. */
  head: number

  constructor(
    readonly buckets: number,
    readonly lanes: number,
    head: number
  ) {
    this.slots = new Float64Array(buckets * lanes)
    this.totals = new Float64Array(lanes)
    this.head = head
  }

  private slotOf(id: number): number {
    const slot = id % this.buckets
    return (slot < 0 ? slot + this.buckets : slot) * this.lanes
  }

  /**
   * Makes `id` the head, dropping the buckets that leave the window. An `id` older than the head
   * (a clock that stepped back) leaves the ring as it is: the event counts in the newest bucket.
   */
  advance(id: number): void {
    const gap = id - this.head
    if (gap <= 0) return
    const { lanes, slots, totals } = this
    if (gap >= this.buckets) {
      slots.fill(0)
      totals.fill(0)
    } else {
      for (let next = this.head + 1; next <= id; next++) {
        const at = this.slotOf(next)
        for (let lane = 0; lane < lanes; lane++) {
          totals[lane]! -= slots[at + lane]!
          slots[at + lane] = 0
        }
      }
    }
    this.head = id
  }

  /** Adds 1 to `lane` of the head bucket (call {@link advance} first). */
  increment(lane: number): void {
    this.slots[this.slotOf(this.head) + lane]! += 1
    this.totals[lane]! += 1
  }

  /**
   * Adds `count` (possibly negative) to `lane` of bucket `id`, moving the head forward when `id`
   * is newer. Returns false, and counts nothing, when `id` has already left the window.
   */
  add(id: number, lane: number, count: number): boolean {
    if (id > this.head) this.advance(id)
    else if (id <= this.head - this.buckets) return false
    this.slots[this.slotOf(id) + lane]! += count
    this.totals[lane]! += count
    return true
  }

  /** Empties the ring, with `head` as its newest bucket. */
  clear(head: number): void {
    this.slots.fill(0)
    this.totals.fill(0)
    this.head = head
  }

  /** Whether every count is zero. */
  isEmpty(): boolean {
    for (let lane = 0; lane < this.lanes; lane++) if (this.totals[lane] !== 0) return false
    return true
  }

  /**
   * The buckets in the window with a non-zero count, oldest first, appended to `into` as
   * `id, lane 0, lane 1, ...` groups.
   */
  nonZero(into: Array<number>): Array<number> {
    const { lanes, slots } = this
    for (let id = this.head - this.buckets + 1; id <= this.head; id++) {
      const at = this.slotOf(id)
      let any = false
      for (let lane = 0; lane < lanes; lane++) if (slots[at + lane] !== 0) any = true
      if (!any) continue
      into.push(id)
      for (let lane = 0; lane < lanes; lane++) into.push(slots[at + lane]!)
    }
    return into
  }
}
