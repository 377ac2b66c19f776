import type { Reporter, SerializedError, TestModule } from "vitest/node"

/**
 * Ends the output with the plain line `N passed, N failed, N skipped`, which CI reads to count the
 * tests. A test file that fails to load, and an unhandled error, each count as one failure.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>) {
    let passed = 0
    let failed = unhandledErrors.length
    let skipped = 0
    for (const testModule of testModules) {
      let tests = 0
      for (const test of testModule.children.allTests()) {
        tests++
        const state = test.result().state
        if (state === "passed") passed++
        else if (state === "failed") failed++
        else skipped++
      }
      if (tests === 0 && testModule.state() === "failed") failed++
    }
    // Printed at exit, after the default reporter's own summary, so that it is the last line.
    const line = `\n${passed} passed, ${failed} failed, ${skipped} skipped\n`
    process.once("exit", () => process.stdout.write(line))
  }
}
