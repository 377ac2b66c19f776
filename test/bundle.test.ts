/**
 * What the library costs a browser bundle: esbuild (minified, ESM, browser) bundles a retry with
 * `Retry.retry` and `Notifier.layerLog()` from the root entry, and the same retry written with
 * plain Effect. The webhook destinations and `@effect/platform`'s HTTP client must not be in the
 * first: a destination nobody imports is not bundled. The size the library adds is bounded, with
 * secretlint's rule packages (and the lodash functions they load, CommonJS that no bundler trims)
 * counted apart: the issue keeps them for their maintained patterns.
 */
import { resolve } from "node:path"
import { type BuildOptions, build, type Metafile } from "esbuild"
import { describe, expect, it } from "vitest"

const root = resolve(import.meta.dirname, "..")

/** `Retry` with the log notifier, as the README's first example writes it. */
const withLibrary = `
import { Effect, Layer } from "effect"
import { AlertLimiter, Notifier, Retry } from "./src/index.js"

const charge = Effect.fail(new Error("HTTP 500")).pipe(
  Retry.retry({ name: "charge", context: "billing", maxAttempts: 5, maxWait: "10 seconds" }),
  Effect.provide(Layer.merge(AlertLimiter.layer(), Notifier.layerLog()))
)
Effect.runFork(charge)
`

/** The same retry with plain Effect: exponential backoff with jitter, 5 attempts, a log line. */
const plainEffect = `
import { Effect, Schedule } from "effect"

const charge = Effect.fail(new Error("HTTP 500")).pipe(
  Effect.retry(
    Schedule.exponential("1 second").pipe(
      Schedule.jittered,
      Schedule.upTo("10 seconds"),
      Schedule.intersect(Schedule.recurs(4))
    )
  ),
  Effect.tapError((error) => Effect.logError("charge keeps failing", error))
)
Effect.runFork(charge)
`

/** The same retry alerting to Discord: the destination and the HTTP client come in. */
const withDiscord = `
import { FetchHttpClient } from "@effect/platform"
import { Effect, Layer, Redacted } from "effect"
import { AlertLimiter, DiscordNotifier, Retry } from "./src/index.js"

const charge = Effect.fail(new Error("HTTP 500")).pipe(
  Retry.retry({ name: "charge", context: "billing", maxAttempts: 5, maxWait: "10 seconds" }),
  Effect.provide(
    Layer.merge(
      AlertLimiter.layer(),
      DiscordNotifier.layer({ webhookUrl: Redacted.make("https://discord.com/api/webhooks/1/a") })
    ).pipe(Layer.provide(FetchHttpClient.layer))
  )
)
Effect.runFork(charge)
`

interface Bundle {
  readonly bytes: number
  readonly text: string
  /** The files that put code in the bundle, with how many bytes each. */
  readonly inputs: ReadonlyArray<readonly [path: string, bytes: number]>
}

const bundle = async (contents: string, options: BuildOptions = {}): Promise<Bundle> => {
  const result = await build({
    stdin: { contents, resolveDir: root, sourcefile: "entry.ts", loader: "ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    metafile: true,
    logLevel: "silent",
    ...options
  })
  const output = Object.values((result.metafile as Metafile).outputs)[0]!
  return {
    bytes: result.outputFiles![0]!.contents.byteLength,
    text: result.outputFiles![0]!.text,
    inputs: Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path, input]) => [path, input.bytesInOutput] as const)
  }
}

/** Webhook destinations, the environment's choice of them, and the HTTP client. */
const WEBHOOK_CODE =
  /src\/internal\/notifiers\/|src\/(Discord|Slack|PagerDuty|Alertmanager|Webhook)Notifier\.ts|src\/NotifierConfig\.ts|@effect\/platform\/dist\/esm\/(internal\/)?(httpClient|HttpClient|FetchHttpClient|fetchHttpClient)/
const webhookInputs = (result: Bundle) => result.inputs.filter(([path]) => WEBHOOK_CODE.test(path))

/** secretlint's rule packages and what they load. */
const SECRETLINT = /node_modules\/(@secretlint\/|@textlint\/|lodash\.|escape-string-regexp\/)/
const secretlintBytes = (result: Bundle) =>
  result.inputs.filter(([path]) => SECRETLINT.test(path)).reduce((sum, [, bytes]) => sum + bytes, 0)

describe("the bundle of a retry that alerts to the log", () => {
  it("has no webhook destination and no HTTP client, and adds at most 60 KB to plain Effect besides secretlint's rules", async () => {
    const [library, plain] = await Promise.all([bundle(withLibrary), bundle(plainEffect)])
    expect(webhookInputs(library)).toEqual([])
    expect(library.inputs.filter(([path]) => path.includes("@effect/platform"))).toEqual([])
    for (const text of ["ALERT_DISCORD_WEBHOOK_URL", "/api/v10/webhooks", '"@effect/platform/HttpClient"']) {
      expect(library.text).not.toContain(text)
    }
    const added = library.bytes - plain.bytes
    const secretlint = secretlintBytes(library)
    const sizes = `library ${library.bytes} B, plain Effect ${plain.bytes} B, secretlint's rules ${secretlint} B`
    // Measured: 306,796 B against 224,033 B (82,763 B added), 39,755 B of it secretlint's (24,540 B
    // of which is lodash); 43,008 B without them. Before the destinations were split: 481 KB.
    expect(secretlint, sizes).toBeGreaterThan(0)
    expect(secretlint, sizes).toBeLessThanOrEqual(42_000)
    expect(added - secretlint, sizes).toBeLessThanOrEqual(60_000)
  }, 60_000)

  it("the check sees a destination when one is used: Discord brings its code and the HTTP client", async () => {
    const discord = await bundle(withDiscord)
    const paths = webhookInputs(discord).map(([path]) => path)
    expect(paths.some((path) => path.endsWith("src/internal/notifiers/discord.ts"))).toBe(true)
    expect(paths.some((path) => path.includes("@effect/platform/dist/esm/internal/httpClient.js"))).toBe(true)
    // Only the destination used: the others stay out.
    expect(paths.filter((path) => /slack|pagerDuty|alertmanager|NotifierConfig/.test(path))).toEqual([])
  }, 60_000)

  it("bundles with --platform=neutral too, given the main fields (secretlint's packages have no exports map)", async () => {
    const neutral = await bundle(withLibrary, { platform: "neutral", mainFields: ["module", "main"] })
    expect(webhookInputs(neutral)).toEqual([])
    expect(neutral.inputs.some(([path]) => path.includes("@secretlint/"))).toBe(true)
    await expect(bundle(withLibrary, { platform: "neutral" })).rejects.toThrow(/Could not resolve/)
  }, 60_000)
})
