/**
 * Scenario: the cost of redaction. Per retry warning line (what `Describe.summary` redacts for
 * every warning written), and on 1 MB texts: log-like text with secrets sprinkled in, and shapes
 * that would make a backtracking pattern rescan the text from every position. Each against the
 * redactor before the ruleset (`redactLegacy.ts`), measured in the same rounds.
 */
import { performance } from "node:perf_hooks"
import { redact, SLACK } from "../src/internal/redact/redact.js"
import { redact as legacyRedact } from "./redactLegacy.js"
import { type Case, compare, comparedRow, type Row, type Scenario, type Target } from "./report.js"

/** The part of a retry warning line that goes through redaction: `{type}: {message}`. */
const LINES = {
  plain:
    "ConnectionError: connect ECONNREFUSED 10.0.3.17:5432 while opening the orders pool (waited 5000ms, 3 of 10 connections busy, 42 queued)",
  url: "HttpError: POST https://api.example.com/v1/charges answered 503 Service Unavailable after 1.2s (request 4f1c2a9e-77b1, retry-after 2s)",
  secret:
    "HttpError: POST https://api.stripe.com/v1/charges answered 401 Unauthorized (Authorization: Bearer sk_live_51H8abcdefghijklmnopqrstuvwx)"
} as const
const SECRET = "sk_live_51H8abcdefghijklmnopqrstuvwx"

const lineTarget: Target = { kind: "atMost", max: 3_000, stretch: 1_000 }
const secretLineTarget: Target = { kind: "atMost", max: 5_000, stretch: 3_000 }
/** A 1 MB text, however hostile, is redacted in bounded time. */
const megabyteTarget: Target = { kind: "atMost", max: 500, stretch: 150 }
/** The slowest of the 1 MB texts: under 100 ms. */
const slowestTarget: Target = { kind: "atMost", max: 100, stretch: 50 }
/** Redaction lengthens no text beyond 1.5 times (plus a few characters, nothing at 1 MB). */
const growthTarget: Target = { kind: "atMost", max: 1.5 }

const sample =
  "Charging failed: POST https://svc:hunter2@api.example.com/charge?token=abc&page=2 " +
  "Authorization: Bearer eyJhbGciOi.abc ghp_0123456789abcdefghijABCDEFGHIJ012345 AKIAIOSFODNN7EXAMPLE\n"

const repeatTo = (unit: string, length: number): string =>
  unit.repeat(Math.ceil(length / unit.length)).slice(0, length)

/** Random text from a fixed seed, so that every run measures the same texts. */
const seeded = (seed: number) => {
  let state = seed >>> 0
  return (alphabet: string, length: number): string => {
    let result = ""
    for (let i = 0; i < length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0
      result += alphabet[state % alphabet.length]
    }
    return result
  }
}
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/** Words of `width` characters, space-separated, up to `size` characters: each made by `word`. */
const wordsTo = (size: number, width: number, word: () => string): string => {
  const words: Array<string> = []
  for (let length = 0; length < size; length += width + 1) words.push(word())
  return words.join(" ").slice(0, size)
}

/** Texts of `size` characters; `legacy: false` where today's redactor takes minutes at 1 MB. */
const largeInputs = (size: number, random = seeded(42)) =>
  [
    { name: "log-like text with secrets", text: repeatTo(sample, size), legacy: true },
    { name: "plain letters", text: "a".repeat(size), legacy: true },
    { name: "name_parts without '='", text: repeatTo(" a_", size), legacy: true },
    { name: "'://' repeated", text: repeatTo("://", size), legacy: true },
    { name: "unterminated private keys", text: repeatTo("-----BEGIN PRIVATE KEY-----", size), legacy: true },
    { name: "'?token=' repeated", text: repeatTo("?token=", size), legacy: true },
    { name: "webhook-like prefixes", text: repeatTo("http://x/api/webhooks/1/", size), legacy: true },
    { name: "'sk-' repeated", text: repeatTo("sk-", size), legacy: true },
    {
      name: "one base64 run",
      text: repeatTo("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", size),
      legacy: true
    },
    { name: "'eyJ-' repeated", text: repeatTo("eyJ-", size), legacy: false },
    // Shapes of the generic detectors and of dense short secrets.
    { name: "'Cookie: a=b;' repeated", text: repeatTo("Cookie: a=b;", size), legacy: true },
    { name: "'key=value ' repeated", text: repeatTo("key=value ", size), legacy: true },
    { name: "'password: x' lines", text: repeatTo("password: x\n", size), legacy: true },
    { name: "';AccountKey=x' repeated", text: repeatTo(";AccountKey=x", size), legacy: true },
    {
      name: "near-matches of secret names",
      text: repeatTo("AccountKey apiKey= token: ", size),
      legacy: true
    },
    {
      name: "random tokens with prefixes",
      text: wordsTo(size, 39, () => `tok_${random(ALNUM, 35)}`),
      legacy: true
    },
    {
      name: "long random words, no separators",
      text: wordsTo(size, 63, () => random(ALNUM, 63)),
      legacy: true
    },
    { name: "near-matches of token prefixes", text: repeatTo("ab_cd-ef.gh_", size), legacy: true },
    { name: "'1234567:' repeated", text: repeatTo("1234567:", size), legacy: true },
    { name: "'/hooks/' repeated", text: repeatTo("/hooks/", size), legacy: true }
  ] as const

const LINES_PER_BATCH = 1_000
const LEGACY_JWT_PROBE = 20_000

export const scenario: Scenario = {
  id: "redact",
  title: "Redaction",
  run: async (settings) => {
    const size = settings.quick ? 100_000 : 1_000_000
    const megabytes = size / 1e6
    const inputs = largeInputs(size)

    // Behaviour first: the rows measure redaction that works.
    for (const line of [LINES.plain, LINES.url]) {
      if (redact(line) !== line) throw new Error(`redact changed a line with no secret: ${redact(line)}`)
    }
    if (redact(LINES.secret).includes(SECRET)) throw new Error("redact left the secret in the line")

    const batch =
      (fn: (text: string) => string, text: string): (() => number) =>
      () => {
        let length = 0
        for (let i = 0; i < LINES_PER_BATCH; i++) length += fn(text).length
        return length
      }
    const cases: Array<Case> = []
    for (const [key, text] of Object.entries(LINES)) {
      cases.push({ name: `new:${key}`, ops: LINES_PER_BATCH, run: batch(redact, text) })
      cases.push({ name: `legacy:${key}`, ops: LINES_PER_BATCH, run: batch(legacyRedact, text) })
    }
    for (const input of inputs) {
      // `compare` reports ns per operation: with 1e6 operations a call, that is ms per call.
      cases.push({ name: `new:${input.name}`, ops: 1e6, run: () => redact(input.text).length })
      if (input.legacy) {
        cases.push({ name: `legacy:${input.name}`, ops: 1e6, run: () => legacyRedact(input.text).length })
      }
    }
    const measured = await compare(cases, settings)

    const probe = repeatTo("eyJ-", LEGACY_JWT_PROBE)
    const probeStart = performance.now()
    legacyRedact(probe)
    const legacyProbeMillis = performance.now() - probeStart

    const lineRow = (key: keyof typeof LINES, name: string, target: Target): Row =>
      comparedRow(measured, {
        name,
        unit: "ns/line",
        of: `new:${key}`,
        baseline: { name: "redactor before the ruleset", of: `legacy:${key}` },
        target
      })
    const label = settings.quick ? `${megabytes} MB` : "1 MB"
    const slowest = Math.max(...inputs.map((input) => measured.median(`new:${input.name}`)))
    // Beyond the constant allowance, which is nothing at this size.
    const growth = Math.max(...inputs.map((input) => (redact(input.text).length - SLACK) / input.text.length))
    return {
      rows: [
        lineRow("plain", "redact: retry warning line, no secret, no keyword", lineTarget),
        lineRow("url", "redact: retry warning line, no secret, with a URL", lineTarget),
        lineRow("secret", "redact: retry warning line with a secret", secretLineTarget),
        ...inputs.map((input) =>
          comparedRow(measured, {
            name: `redact: ${label}, ${input.name}`,
            unit: "ms/text",
            of: `new:${input.name}`,
            baseline: input.legacy
              ? { name: "redactor before the ruleset", of: `legacy:${input.name}` }
              : undefined,
            target: megabyteTarget
          })
        ),
        {
          name: `redact: ${label}, slowest of the texts above`,
          figure: slowest,
          unit: "ms/text",
          target: slowestTarget
        },
        {
          name: `redact: ${label}, largest growth of the texts above`,
          figure: growth,
          unit: "x",
          target: growthTarget
        }
      ],
      notes: [
        `Per line: ${LINES_PER_BATCH.toLocaleString("en-US")} calls of the internal \`redact\` on one text in a row; the figure is the time of a batch divided by ${LINES_PER_BATCH.toLocaleString("en-US")}. The texts are the \`{type}: {message}\` part of a retry warning that \`Describe.summary\` redacts (${LINES.plain.length}, ${LINES.url.length} and ${LINES.secret.length} characters): one with no keyword of any rule, one with a URL (the keyword \`://\`, but no \`@\`), one with a Stripe key in an \`Authorization\` header.`,
        "Baseline: the redactor before the ruleset (`bench/redactLegacy.ts`, hand-picked patterns run one after the other over the whole text), measured in the same rounds.",
        `Large texts: one call on a ${label} text per operation; the target bounds the time of any text, ordinary or hostile. The texts from \`'Cookie: a=b;' repeated\` on are the shapes of the generic detectors (\`src/internal/redact/generic.ts\`: token shapes, secret names, URL parts) and of dense short secrets; the random ones come from a fixed seed.`,
        `Slowest: the largest median among the ${label} texts (target: 100 ms, the bound the redaction guide promises). Growth: the largest ratio of output to input length among them (bound: 1.5 times plus 64 characters, \`GROWTH\` and \`SLACK\` in \`src/internal/redact/redact.ts\`).`,
        `The redactor before the ruleset is quadratic on \`eyJ-\` repeated (its JSON web token pattern restarts at every \`eyJ\`): ${legacyProbeMillis.toFixed(0)} ms on ${(LEGACY_JWT_PROBE / 1000).toFixed(0)} KB here, so it is not run at ${label}.`
      ]
    }
  }
}
