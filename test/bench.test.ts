import { execFile } from "node:child_process"
import { mkdtemp, readFile, rm, stat } from "node:fs/promises"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { describe, expect, it } from "@effect/vitest"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const committedResults = path.join(root, "bench", "results.md")

const modifiedAt = (file: string) =>
  stat(file).then(
    (stats) => stats.mtimeMs,
    () => undefined
  )

// Proves that the benchmark still runs, in quick mode. Its figures are noise here: only rows that
// are behaviour (the storm's notifier count, the budget's refusals, the sockets a hanging webhook
// holds) are asserted.
describe("npm run bench:quick", () => {
  it("runs every scenario, prints their rows, and the storm sends one alert", {
    timeout: 240_000
  }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "bench-"))
    const out = path.join(dir, "results.md")
    const before = await modifiedAt(committedResults)
    try {
      // execFile rejects when the command exits non-zero.
      const { stdout } = await promisify(execFile)("npm", ["run", "bench:quick", "--", `--out=${out}`], {
        cwd: root,
        maxBuffer: 16 * 1024 * 1024
      })
      for (const name of [
        "success: Retry.retry ",
        "success: Retry.connRetry ",
        "success: naive Effect.retry(self, schedule)",
        "runtime: RetryRuntime.retry, async fn",
        "runtime: RetryRuntime.retry, sync fn",
        "runtime: RetryRuntime.connRetry, async fn",
        "runtime: fn().then(undefined, onRejected) (floor)",
        "runtime: cockatiel retry policy, async fn",
        "runtime: p-retry, async fn",
        "runtime: Retry.retry via runtime.runPromise, async fn",
        "limiter: shouldSendAlert, one hot signature",
        "limiter: shouldSendAlert, 100,000 live signatures",
        "redis: decision p50, new signature each time (one round trip)",
        "redis: decision p99, new signature each time (one round trip)",
        "redis: decision p50, repeated signature (answered in process)",
        "redis: decision p99, repeated signature (answered in process)",
        "redis: decisions/s, new signatures, 64 at a time",
        "memory: heap retained",
        "storm: notifier calls",
        "storm: wall time",
        "success: Retry.retry built per call",
        "success: Retry.connRetry built per call",
        "success: Retry.retry built once, RetryBudget provided",
        "budget: requests per caller during",
        "budget: retries refused, healthy dependency (5% failures)",
        "budget: deposit, hot key",
        "redact: retry warning line, no secret, no keyword",
        "redact: retry warning line with a secret",
        "delivery: heap growth, 2,000 alerts pending on a hanging webhook",
        "delivery: sockets open to a hanging webhook",
        "delivery: retry loop, 4 attempts 10 ms apart, alerting to a hanging webhook",
        "delivery: success resolving 40 incidents",
        "success under a tracer: Retry.retry built once",
        "operations: metric series added by",
        "operations: heap retained",
        "breaker: success through a closed circuit, Retry.retry built once",
        "breaker: success through a closed circuit, Retry.retry built per call",
        "breaker: requests during the outage, retries alone",
        "breaker: requests during the outage, retry budget alone",
        "breaker: requests during the outage, breaker on every attempt"
      ]) {
        expect(stdout).toContain(`| ${name}`)
      }
      expect(stdout).toMatch(/\| storm: notifier calls[^|\n]*\| 1 calls +\|[^\n]*\| PASS +\|/)
      // Behaviour, not speed: a hanging webhook holds one socket per delivery fiber, not one per alert.
      expect(stdout).toMatch(
        /\| delivery: sockets open to a hanging webhook[^|\n]*\| 4 sockets +\|[^\n]*\| PASS +\|/
      )
      // Behaviour, not speed: past the bound, new operation names add no metric series.
      expect(stdout).toMatch(
        /\| operations: metric series added by [^|\n]*\| 2,002 series +\|[^\n]*\| PASS +\|/
      )
      // Behaviour, not speed: a healthy dependency has no retry refused.
      expect(stdout).toMatch(
        /\| budget: retries refused, healthy dependency[^|\n]*\| 0 retries[^\n]*\| PASS +\|/
      )
      // Behaviour, not speed: once the circuit opened, only probes reached the server; every caller got through.
      expect(stdout).toMatch(
        /\| breaker: requests sent after the circuit opened that were not probes[^|\n]*\| 0 requests +\|[^\n]*\| PASS +\|/
      )
      expect(stdout).toMatch(
        /\| breaker: callers that succeeded in the end \(of all\)[^|\n]*\|[^\n]*\| PASS +\|/
      )
      expect(stdout).toMatch(/^bench: /m)

      const written = await readFile(out, "utf8")
      expect(written).toContain("Quick mode")
      expect(written).toContain("| storm: notifier calls")
      expect(await modifiedAt(committedResults)).toBe(before)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
