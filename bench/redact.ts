/**
 * How long `Alert.redact` takes on 1 MB texts: ordinary text with secrets sprinkled in, and shapes
 * that would make a backtracking pattern rescan the text from every position.
 *
 * Run: npx tsx bench/redact.ts
 */
import { Alert } from "../src/index.js"

const MB = 1_000_000

const sample =
  "Charging failed: POST https://svc:hunter2@api.example.com/charge?token=abc&page=2 " +
  "Authorization: Bearer eyJhbGciOi.abc ghp_0123456789abcdefghijABCDEFGHIJ012345 AKIAIOSFODNN7EXAMPLE\n"

const inputs: ReadonlyArray<readonly [string, string]> = [
  ["log-like text with secrets", sample.repeat(Math.ceil(MB / sample.length)).slice(0, MB)],
  ["plain letters", "a".repeat(MB)],
  ["name_parts without '='", " a_".repeat(MB / 3)],
  ["'://' repeated", "://".repeat(MB / 3)],
  ["unterminated private keys", "-----BEGIN PRIVATE KEY-----".repeat(MB / 27)],
  ["'?token=' repeated", "?token=".repeat(MB / 7)],
  ["webhook-like prefixes", "http://x/api/webhooks/1/".repeat(MB / 24)]
]

for (const [name, text] of inputs) {
  Alert.redact(text) // warm up
  const runs = 5
  const start = performance.now()
  for (let run = 0; run < runs; run++) Alert.redact(text)
  const millis = (performance.now() - start) / runs
  console.log(`${name.padEnd(28)} ${(text.length / 1e6).toFixed(2)} MB  ${millis.toFixed(1)} ms`)
}
