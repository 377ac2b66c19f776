/**
 * Reading what an `Exit` failed with, so that a test asserts the value, not just the failure.
 *
 * Note: `expect(exit).toStrictEqual(Exit.fail(error))` compares Effect errors (`Data.TaggedError`,
 * `Cause.RuntimeException`) by their enumerable fields, which do not include `message`: check the
 * message of such an error on the error itself.
 */
import { Cause, ConfigError, Exit, Option } from "effect"
import { expect } from "vitest"

/**
 * The typed failure of an exit: the very object the effect failed with; `undefined` for a
 * success, a defect or an interruption.
 */
export const failureOf = <A, E>(exit: Exit.Exit<A, E>): E | undefined =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined

/** The defect an exit died with; `undefined` for a success, a typed failure or an interruption. */
export const defectOf = <A, E>(exit: Exit.Exit<A, E>): unknown =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.dieOption(exit.cause)) : undefined

/** The `ConfigError` an exit failed with; fails the test when it failed with anything else, or succeeded. */
export const configErrorOf = <A, E>(exit: Exit.Exit<A, E>): ConfigError.ConfigError => {
  const error = failureOf(exit)
  expect(ConfigError.isConfigError(error), `a ConfigError, not ${String(exit)}`).toBe(true)
  return error as ConfigError.ConfigError
}
