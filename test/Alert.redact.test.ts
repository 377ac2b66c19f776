import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Layer } from "effect"
import { Alert, AlertLimiter, Notifier, NotifierTest } from "../src/index.js"
import { makeLogCapture } from "./support/logs.js"

describe("Alert.redact", () => {
  it("removes credentials from URLs and keeps the host", () => {
    expect(Alert.redact("connect postgres://admin:hunter2@db.internal:5432/app failed")).toBe(
      "connect postgres://[REDACTED]@db.internal:5432/app failed"
    )
    expect(Alert.redact("redis://:s3cret@cache:6379")).toBe("redis://[REDACTED]@cache:6379")
    expect(Alert.redact("https://ghtoken@github.com/org/repo.git")).toBe(
      "https://[REDACTED]@github.com/org/repo.git"
    )
  })

  it("removes bearer tokens and authorization values, keeping the scheme", () => {
    expect(Alert.redact("Authorization: Bearer eyJhbGciOi.abc-def_ghi rejected")).toBe(
      "Authorization: Bearer [REDACTED] rejected"
    )
    expect(Alert.redact("sent bearer abc123XYZ+/= to the API")).toBe("sent bearer [REDACTED] to the API")
    expect(Alert.redact('headers {"authorization":"Basic dXNlcjpwYXNz"}')).toBe(
      'headers {"authorization":"Basic [REDACTED]"}'
    )
  })

  it("removes secret query parameters and name=value secrets, leaving other parameters", () => {
    expect(
      Alert.redact(
        "GET https://api.example.com/v1/items?page=2&token=abc&access_token=def&api_key=ghi&sig=jkl#top"
      )
    ).toBe(
      "GET https://api.example.com/v1/items?page=2&token=[REDACTED]&access_token=[REDACTED]&api_key=[REDACTED]&sig=[REDACTED]#top"
    )
    expect(Alert.redact("?key=1&secret=2&password=3&X-Amz-Signature=4&client_secret=5")).toBe(
      "?key=[REDACTED]&secret=[REDACTED]&password=[REDACTED]&X-Amz-Signature=[REDACTED]&client_secret=[REDACTED]"
    )
    expect(Alert.redact("login failed: user=bob password=hunter2")).toBe(
      "login failed: user=bob password=[REDACTED]"
    )
    // Words that merely end in a secret name are not parameters.
    expect(Alert.redact("monkey=banana bypass=true")).toBe("monkey=banana bypass=true")
  })

  it("removes secret values of JSON keys, escaped quotes and all", () => {
    expect(
      Alert.redact('body {"user":"bob","password":"hu\\"nter2","api_key": "k-123","monkey":"x"} rejected')
    ).toBe('body {"user":"bob","password":"[REDACTED]","api_key": "[REDACTED]","monkey":"x"} rejected')
    // Cut before the closing quote: the rest goes too.
    expect(Alert.redact('{"client_secret":"abcdef…')).toBe('{"client_secret":"[REDACTED]')
  })

  it("replaces Discord and Slack webhook URLs whole", () => {
    for (const url of [
      "https://discord.com/api/webhooks/123456789012345678/AbC-dEf_GhI",
      "https://discordapp.com/api/webhooks/1/x",
      "https://ptb.discord.com/api/v9/webhooks/1/token-part",
      "http://127.0.0.1:8080/api/v10/webhooks/42/tok"
    ]) {
      expect(Alert.redact(`posting to ${url} failed`)).toBe("posting to [REDACTED:discord-webhook] failed")
    }
    expect(Alert.redact("POST https://hooks.slack.com/services/T0001/B0002/XXXXYYYYZZZZ: 500")).toBe(
      "POST [REDACTED:slack-webhook]: 500"
    )
    expect(Alert.redact("http://localhost:3000/services/T0001/B0002/abcdEFGH down")).toBe(
      "[REDACTED:slack-webhook] down"
    )
  })

  it("removes GitHub, Slack and AWS token shapes", () => {
    expect(Alert.redact("token ghp_0123456789abcdefghijABCDEFGHIJ012345 expired")).toBe(
      "token [REDACTED:github-token] expired"
    )
    expect(Alert.redact("gho_abcdefghij1234567890 github_pat_11ABCDEFG0123456789_abcdefXYZ")).toBe(
      "[REDACTED:github-token] [REDACTED:github-token]"
    )
    expect(Alert.redact("slack said invalid_auth for xoxb-1234567890-0987654321-AbCdEf")).toBe(
      "slack said invalid_auth for [REDACTED:slack-token]"
    )
    expect(Alert.redact("xoxp-1-2-3-abcdefgh and xapp-1-A0B1C2-123-abc")).toBe(
      "[REDACTED:slack-token] and [REDACTED:slack-token]"
    )
    expect(Alert.redact("AccessDenied for AKIAIOSFODNN7EXAMPLE in us-east-1")).toBe(
      "AccessDenied for [REDACTED:aws-access-key] in us-east-1"
    )
  })

  it("removes PEM private-key blocks, also when the END line was cut off", () => {
    const key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAKC\n-----END RSA PRIVATE KEY-----"
    expect(Alert.redact(`bad key:\n${key}\nend of report`)).toBe(
      "bad key:\n[REDACTED:private-key]\nend of report"
    )
    expect(Alert.redact("key: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhki…")).toBe(
      "key: [REDACTED:private-key]"
    )
    // Certificates are public: they stay.
    const cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
    expect(Alert.redact(cert)).toBe(cert)
  })

  it("removes JSON web tokens", () => {
    expect(
      Alert.redact(
        "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U ok"
      )
    ).toBe("jwt [REDACTED:jwt] ok")
  })

  it("leaves text without secrets unchanged and is idempotent", () => {
    const plain =
      '🚨 CRITICAL: operation "charge" is failing repeatedly\nError: HTTP 500 at https://api.example.com/x?page=1'
    expect(Alert.redact(plain)).toBe(plain)
    const dirty =
      "https://u:p@h/x?token=t Authorization: Bearer b ghp_0123456789abcdefghij https://discord.com/api/webhooks/1/t"
    const once = Alert.redact(dirty)
    expect(Alert.redact(once)).toBe(once)
    expect(once).not.toMatch(/\bu:p\b|token=t\b|Bearer b\b|ghp_0|webhooks\/1\/t/)
  })

  it("is total: hostile and huge inputs return a string", () => {
    expect(Alert.redact("")).toBe("")
    expect(Alert.redact(null as unknown as string)).toBe("null")
    expect(Alert.redact(Object.create(null) as string)).toBe("[object Object]")
    const megabyte = 1_000_000
    // Shapes that make naive patterns rescan the text from every position.
    for (const hostile of [
      "a".repeat(megabyte),
      " a_".repeat(megabyte / 3),
      "://".repeat(megabyte / 3),
      `https://${"a".repeat(megabyte)}`,
      "-----BEGIN PRIVATE KEY-----".repeat(megabyte / 27),
      `${"-----BEGIN PRIVATE KEY-----".repeat(megabyte / 54)}-----END CERTIFICATE-----`,
      "?token=".repeat(megabyte / 7),
      `"password":"${"a\\".repeat(megabyte / 2)}`,
      "Bearer ".repeat(megabyte / 7),
      "ghp_".repeat(megabyte / 4),
      "http://x/api/webhooks/1/".repeat(megabyte / 24)
    ]) {
      expect(typeof Alert.redact(hostile)).toBe("string")
    }
    const secretAtTheEnd = `${"x".repeat(megabyte)} password=hunter2`
    expect(Alert.redact(secretAtTheEnd).endsWith("password=[REDACTED]")).toBe(true)
  })
})

describe("Alert.sendRateLimited redaction", () => {
  const secretError =
    "POST https://billing:pa55w0rd@api.example.com/charge failed with Authorization: Bearer sk-live-123456"

  it.effect("the notifier receives the alert text scrubbed", () =>
    Effect.gen(function* () {
      const delivered = yield* Alert.sendRateLimited("charge", new Error("HTTP 500"), "billing", secretError)
      expect(delivered).toBe(true)
      const sent = yield* NotifierTest.sent
      expect(sent.map((alert) => alert.text)).toEqual([
        "POST https://[REDACTED]@api.example.com/charge failed with Authorization: Bearer [REDACTED]"
      ])
    }).pipe(Effect.provide([NotifierTest.layer, AlertLimiter.layerMemory()]))
  )

  it.effect("the failure log carries the scrubbed text, not the secret", () =>
    Effect.gen(function* () {
      const capture = yield* makeLogCapture
      const delivered = yield* Effect.gen(function* () {
        yield* NotifierTest.setFailure(Cause.fail(new Notifier.NotifierError({ message: "webhook down" })))
        return yield* Alert.sendRateLimited("charge", new Error("HTTP 500"), "billing", secretError)
      }).pipe(Effect.provide(Layer.mergeAll(NotifierTest.layer, AlertLimiter.layerMemory(), capture.layer)))
      expect(delivered).toBe(false)
      const logs = yield* capture.logs
      const failure = logs.find((log) => log.message.startsWith("Alert could not be delivered"))
      expect(failure?.message).toContain("https://[REDACTED]@api.example.com/charge")
      expect(failure?.cause).toContain("webhook down")
      for (const log of logs) {
        expect(log.text).not.toContain("pa55w0rd")
        expect(log.text).not.toContain("sk-live-123456")
      }
    })
  )
})
