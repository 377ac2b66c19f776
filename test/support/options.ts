/** The check every "invalid option" test makes: the option is named, and no secret is shown. */
import { expect } from "vitest"
import { InvalidOptionError } from "../../src/index.js"

/** `build` throws `InvalidOptionError` naming `option`, whose message does not contain `secret`. */
export const expectInvalidOption = (option: string, build: () => unknown, secret: string): void => {
  let thrown: unknown
  try {
    build()
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(InvalidOptionError)
  expect((thrown as InvalidOptionError).option).toBe(option)
  expect((thrown as InvalidOptionError).message).not.toContain(secret)
}
