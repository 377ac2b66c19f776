import { describe, expect, it } from "@effect/vitest"
import { scrubbedMessage, summary } from "../src/internal/describe.js"

// Made-up values in the shape of each format: none of them is a live credential.
const secrets = [
  "ghp_R8xK2mQ7vN4tY1wB9pL3jH6fC0sA5gE2dZ7u",
  "sk_live_51H8R8xK2mQ7vN4tY1wB9pL3jH6fC0sA5g",
  "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",
  "sk-ant-api03-R8xK2mQ7vN4tY1wB9pL3jH6fC0sA5gE2dZ7u"
]

/** Whether `text` shows any 6 characters in a row of the secret after its format's prefix. */
const shows = (text: string, secret: string): boolean => {
  const body = secret.slice(secret.search(/[0-9]/))
  for (let i = 0; i + 6 <= body.length; i++) if (text.includes(body.slice(i, i + 6))) return true
  return false
}

describe("Describe.summary", () => {
  it("never shows part of a secret that straddles the cut to the alert's length", () => {
    const max = 120
    for (const secret of secrets) {
      for (let offset = max - secret.length - 5; offset <= max + 5; offset++) {
        // `Error: ` comes first: place the secret so that it starts at `offset` of the summary.
        const message = `${"x".repeat(offset - "Error: ".length - 1)} ${secret} then more text`
        const text = summary(new Error(message), max)
        expect(text.length).toBeLessThanOrEqual(max)
        expect(shows(text, secret), `${secret} at ${offset}: ${text}`).toBe(false)
      }
    }
  })

  it("hides a secret that the bound on the redacted head cut short", () => {
    // Only the head of the message (4 x max) is redacted. A private key before the secret shrinks
    // to its placeholder, which brings the end of that head, a secret cut in two, within the
    // alert's length: what is left of the secret must go too.
    const max = 100
    const begin = "-----BEGIN PRIVATE KEY-----\nMII"
    const end = "\n-----END PRIVATE KEY-----"
    for (const secret of secrets) {
      for (let kept = 1; kept < secret.length; kept++) {
        const key = `${begin}${"A".repeat(4 * max - kept - 1 - begin.length - end.length)}${end}`
        const text = summary(new Error(`${key} ${secret} then more text`), max)
        expect(text).toContain("[REDACTED:private-key]")
        expect(shows(text, secret), `${secret} cut after ${kept}: ${text}`).toBe(false)
      }
    }
  })

  it("keeps ordinary text whole up to the cut", () => {
    const message = "HTTP 503 Service Unavailable from billing-api.internal:8443 after 1.2s"
    expect(summary(new Error(message), 500)).toBe(`Error: ${message}`)
  })

  it("never shows half a secret cut by the bounded head, even when redaction shrinks what precedes it", () => {
    const max = 200
    // A private key (redacted to a short placeholder) fills most of the 800-character head, so
    // what comes after the head's end would fall inside the alert without care.
    const key = `-----BEGIN PRIVATE KEY-----\n${"A".repeat(700)}\n-----END PRIVATE KEY-----`
    for (let pad = 0; pad < 60; pad++) {
      const message = `${key} ${"y".repeat(pad)} https://svc:hunter2hunter2@db.internal/x and more`
      const text = summary(new Error(message), max)
      expect(text).not.toMatch(/hunter|hunt|hun\b/)
      expect(text).not.toContain("AAAA")
    }
  })
})

describe("Describe.scrubbedMessage", () => {
  it("is the message without the type, scrubbed and cut as the summary is", () => {
    expect(scrubbedMessage(new Error("HTTP 503 from billing"))).toBe("HTTP 503 from billing")
    expect(scrubbedMessage({ _tag: "HttpError", status: 503 })).toBe("status=503")
    const max = 120
    for (const secret of secrets) {
      for (let offset = max - secret.length - 5; offset <= max + 5; offset++) {
        const text = scrubbedMessage(new Error(`${"x".repeat(offset - 1)} ${secret} then more text`), max)
        expect(text.length).toBeLessThanOrEqual(max)
        expect(shows(text, secret), `${secret} at ${offset}: ${text}`).toBe(false)
      }
    }
  })
})
