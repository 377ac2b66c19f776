import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { AlertLimiter, Fingerprint } from "../src/index.js"

/** Pairs of real-world messages from two occurrences of one failure. */
const sameFailure: ReadonlyArray<readonly [string, string]> = [
  ["HTTP 500 for request 8f3e1a2b9c", "HTTP 500 for request 1a2b3c4d5e"],
  ["connect ECONNREFUSED 10.0.3.17:5432", "connect ECONNREFUSED 10.0.3.22:5432"],
  [
    "Job 550e8400-e29b-41d4-a716-446655440000 failed at 2024-05-01T10:20:30.123Z",
    "Job 6ba7b810-9dad-11d1-80b4-00c04fd430c8 failed at 2024-05-01T10:25:41.007Z"
  ],
  [
    "User alice@example.com has no credits left (balance 0, needed 120)",
    "User bob@corp.io has no credits left (balance 0, needed 75)"
  ],
  [
    "request to https://api-7.internal.example.com/v1/charge timed out after 30000ms",
    "request to https://api-2.internal.example.com/v1/charge timed out after 29999ms"
  ],
  [
    "deadlock detected while waiting for lock on row 48213 at 10:20:30",
    "deadlock detected while waiting for lock on row 99 at 23:01:59"
  ]
]

describe("Fingerprint.normalize", () => {
  it("replaces emails, hosts, IPs, UUIDs, hex ids, dates, times, durations and numbers", () => {
    expect(Fingerprint.normalize("HTTP 500 for request 8f3e1a2b9c after 1500ms")).toBe(
      "HTTP 500 for request <hex> after <duration>"
    )
    expect(Fingerprint.normalize("mail to a.b+c@example.co.uk bounced")).toBe("mail to <email> bounced")
    expect(Fingerprint.normalize("GET https://user:pw@api.example.com:8443/x?id=1")).toBe(
      "GET https://<host>/x?id=1"
    )
    expect(Fingerprint.normalize("at 2024-05-01 and 2024-05-01T10:20:30Z and 10:20:30")).toBe(
      "at <date> and <date> and <time>"
    )
    expect(Fingerprint.normalize("job 550e8400-e29b-41d4-a716-446655440000")).toBe("job <uuid>")
    expect(Fingerprint.normalize("peer 192.168.0.1:80 and fe80::1ff:fe23:4567:890a")).toBe(
      "peer <ip> and <ip>"
    )
    expect(Fingerprint.normalize("took 2.5 s, then 30 seconds")).toBe("took <duration>, then <duration>")
    expect(Fingerprint.normalize("order 12345 of 7 items")).toBe("order <n> of 7 items")
  })

  it("keeps HTTP status codes and words that only look like hex", () => {
    expect(Fingerprint.normalize("HTTP 503 from upstream")).toBe("HTTP 503 from upstream")
    expect(Fingerprint.normalize("status code 404: not found")).toBe("status code 404: not found")
    expect(Fingerprint.normalize("status=429")).toBe("status=429")
    expect(Fingerprint.normalize("the cafebabe decoded")).toBe("the cafebabe decoded")
  })
})

describe("fingerprint strategies", () => {
  it("exact (the default) tells every occurrence apart; normalized groups them", () => {
    for (const [first, second] of sameFailure) {
      expect(Fingerprint.exact("f", new Error(first), "c")).not.toBe(
        Fingerprint.exact("f", new Error(second), "c")
      )
      expect(Fingerprint.normalized("f", new Error(first), "c")).toBe(
        Fingerprint.normalized("f", new Error(second), "c")
      )
    }
  })

  it("normalized still tells different failures apart", () => {
    const key = (message: string) => Fingerprint.normalized("f", new Error(message), "c")
    expect(key("HTTP 500 for request 8f3e1a2b9c")).not.toBe(key("HTTP 503 for request 8f3e1a2b9c"))
    expect(key("connect ECONNREFUSED 10.0.0.1:5432")).not.toBe(key("connect ETIMEDOUT 10.0.0.1:5432"))
    expect(Fingerprint.normalized("f", new TypeError("x"), "c")).not.toBe(
      Fingerprint.normalized("f", new RangeError("x"), "c")
    )
  })

  it("normalized cuts after normalizing, and stays fast on a 1 MB message", () => {
    const key = Fingerprint.normalized(
      "f",
      new Error(`${"request 8f3e1a2b9c ".repeat(20)}${"x".repeat(1024 * 1024)}`),
      "c"
    )
    expect(key).toBe(`c:f:Error:${"request <hex> ".repeat(20)}`.slice(0, "c:f:Error:".length + 100))
  })

  it.effect("layerMemory({ fingerprint: 'normalized' }) suppresses a request-id variant", () =>
    Effect.gen(function* () {
      expect(
        yield* AlertLimiter.shouldSendAlert("charge", new Error("HTTP 500 for request 8f3e1a2b9c"))
      ).toBe(true)
      expect(
        yield* AlertLimiter.shouldSendAlert("charge", new Error("HTTP 500 for request 1a2b3c4d5e"))
      ).toBe(false)
    }).pipe(Effect.provide(AlertLimiter.layer({ fingerprint: "normalized" })))
  )

  it.effect("the exact default lets the request-id variant through", () =>
    Effect.gen(function* () {
      expect(
        yield* AlertLimiter.shouldSendAlert("charge", new Error("HTTP 500 for request 8f3e1a2b9c"))
      ).toBe(true)
      expect(
        yield* AlertLimiter.shouldSendAlert("charge", new Error("HTTP 500 for request 1a2b3c4d5e"))
      ).toBe(true)
    }).pipe(Effect.provide(AlertLimiter.layer()))
  )

  it.effect("a user function decides what counts as the same alert", () =>
    Effect.gen(function* () {
      expect(yield* AlertLimiter.shouldSendAlert("charge", new Error("a"), "eu")).toBe(true)
      expect(yield* AlertLimiter.shouldSendAlert("refund", new Error("b"), "eu")).toBe(false)
      expect(yield* AlertLimiter.shouldSendAlert("charge", new Error("a"), "us")).toBe(true)
    }).pipe(Effect.provide(AlertLimiter.layer({ fingerprint: (_name, _error, context) => context })))
  )

  it.effect("a user function that throws or returns a non-string falls back to the exact signature", () =>
    Effect.gen(function* () {
      const error = new Error("boom")
      expect(yield* AlertLimiter.shouldSendAlert("charge", error)).toBe(true)
      expect(yield* AlertLimiter.shouldSendAlert("charge", error)).toBe(false)
      expect(yield* AlertLimiter.shouldSendAlert("refund", error)).toBe(true)
      expect(yield* AlertLimiter.shouldSendAlert("refund", error)).toBe(false)
    }).pipe(
      Effect.provide(
        AlertLimiter.layer({
          fingerprint: (name) => {
            if (name === "charge") throw new Error("bug in fingerprint")
            return undefined as unknown as string
          }
        })
      )
    )
  )

  it("rejects an unknown strategy", () => {
    expect(() => AlertLimiter.layer({ fingerprint: "fuzzy" as never })).toThrow(/"fingerprint"/)
  })
})
