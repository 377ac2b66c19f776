/**
 * The retry budget's contract: its service and tag, read by the retry loops as an optional
 * service. The implementations live beside it (memory) and under `redis/` (shared).
 *
 * @internal
 */
import { Context } from "effect"

/** How one key's budget stands, for logs and alerts. */
export interface BudgetStatus {
  /** First attempts (deposits) in the sliding window. */
  readonly deposits: number
  /** Retries allowed (withdrawals) in the sliding window. */
  readonly withdrawals: number
  /** Retries refused in the last minute. */
  readonly refusedLastMinute: number
}

/**
 * The retry budget service. `deposit` and `tryWithdraw` are synchronous: they run on the retry
 * loops' paths (`deposit` on every first attempt, success path included), so they must cost a
 * counter update and allocate nothing for a key already known.
 */
export interface RetryBudgetService {
  /** Records a first attempt for `key`. */
  readonly deposit: (key: string) => void
  /**
   * Asks for one retry for `key`: `true` (and the retry is recorded) while the retries in the
   * window stay within `percent` of the first attempts in it plus `minPerSecond × window`;
   * `false` (and the refusal is counted) otherwise.
   */
  readonly tryWithdraw: (key: string) => boolean
  /** How `key`'s budget stands now. */
  readonly status: (key: string) => BudgetStatus
}

/** The retry budget service tag. */
export class RetryBudget extends Context.Tag("effect-retry-alerts/RetryBudget")<
  RetryBudget,
  RetryBudgetService
>() {}
