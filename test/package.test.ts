/**
 * The published artifact works: `npm pack` builds `dist/`, the tarball installs into a scratch
 * project, and both entry points type-check and run there, imported from ES modules and required
 * from CommonJS. publint finds nothing to report in the tarball.
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { publint } from "publint"
import { formatMessage } from "publint/utils"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const root = resolve(import.meta.dirname, "..")
const scratch = mkdtempSync(join(tmpdir(), "effect-retry-alerts-pack-"))
let tarball = ""
const run = (command: string, args: Array<string>, cwd: string) =>
  execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })

const installed = (name: string) =>
  JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version as string

const program = `
import { Effect, Layer } from "effect"
import { AlertLimiter, Notifier, Retry } from "effect-retry-alerts"

let attempts = 0
const flaky: Effect.Effect<string, Error> = Effect.suspend(() =>
  ++attempts < 3 ? Effect.fail(new Error("not yet")) : Effect.succeed("ok")
)
const result: string = await flaky.pipe(
  Retry.retry({ name: "flaky", maxWait: "10 millis" }),
  Effect.provide(Layer.merge(AlertLimiter.layer(), Notifier.layerLog())),
  Effect.runPromise
)
console.log(JSON.stringify({ result, attempts }))
`

// A CommonJS project requires both entries (Node's require of ES modules, 20.19 and later).
const commonJsProgram = `
const { Effect, Layer, Redacted } = require("effect")
const { AlertLimiter, Notifier, Retry } = require("effect-retry-alerts")
const { RedisAlertLimiter } = require("effect-retry-alerts/redis")

let attempts = 0
const flaky = Effect.suspend(() => (++attempts < 3 ? Effect.fail(new Error("not yet")) : Effect.succeed("ok")))
Effect.runPromise(
  flaky.pipe(
    Retry.retry({ name: "flaky", maxWait: "10 millis" }),
    Effect.provide(Layer.merge(AlertLimiter.layer(), Notifier.layerLog()))
  )
).then(async (result) => {
  const ioredisLoaded = () => Object.keys(require.cache).some((path) => path.includes("ioredis"))
  const beforeRedisLayer = ioredisLoaded()
  // Building the Redis layer (nothing listens on port 1: it builds anyway) loads ioredis.
  const limiter = RedisAlertLimiter.layer({ url: Redacted.make("redis://127.0.0.1:1"), timeout: "50 millis" })
  await Effect.runPromise(Effect.scoped(Layer.build(limiter)))
  console.log(JSON.stringify({ result, attempts, beforeRedisLayer, afterRedisLayer: ioredisLoaded() }))
})
`

describe("the packed tarball", () => {
  beforeAll(() => {
    tarball = join(
      scratch,
      run("npm", ["pack", "--silent", "--pack-destination", scratch], root).trim().split("\n").pop()!
    )
    writeFileSync(
      join(scratch, "package.json"),
      JSON.stringify({ name: "scratch", private: true, type: "module" })
    )
    run(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        tarball,
        `effect@${installed("effect")}`,
        `@effect/platform@${installed("@effect/platform")}`,
        `ioredis@${installed("ioredis")}`,
        `typescript@${installed("typescript")}`,
        `@types/node@${installed("@types/node")}`
      ],
      scratch
    )
    writeFileSync(join(scratch, "main.ts"), program)
    writeFileSync(
      join(scratch, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          outDir: "out",
          types: ["node"]
        },
        files: ["main.ts"]
      })
    )
  }, 180_000)

  afterAll(() => rmSync(scratch, { recursive: true, force: true }))

  it("is required from a CommonJS project, both entry points, without loading ioredis", () => {
    const project = join(scratch, "commonjs")
    mkdirSync(project)
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "cjs", private: true, type: "commonjs" })
    )
    writeFileSync(join(project, "main.js"), commonJsProgram)
    // The scratch project's node_modules, one level up, resolve as they would for a user.
    const output = run("node", [join(project, "main.js")], project)
    expect(JSON.parse(output.trim().split("\n").pop()!)).toEqual({
      result: "ok",
      attempts: 3,
      beforeRedisLayer: false,
      afterRedisLayer: true
    })
  })

  it("ships only dist, src, the README, the changelog and the licence besides package.json", () => {
    const manifest = JSON.parse(run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], root))[0]
    const top = new Set(manifest.files.map((file: { path: string }) => file.path.split("/")[0]))
    expect([...top].sort()).toEqual(["CHANGELOG.md", "LICENSE", "README.md", "dist", "package.json", "src"])
  })

  it("has nothing publint would report, suggestions included", async () => {
    const bytes = readFileSync(tarball)
    const { messages, pkg } = await publint({
      pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) },
      level: "suggestion",
      strict: true
    })
    expect(messages.map((message) => formatMessage(message, pkg, { color: false }))).toEqual([])
  })

  it("type-checks an import of the package and runs it", () => {
    run(join(scratch, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], scratch)
    const output = run("node", [join(scratch, "out", "main.js")], scratch)
    expect(JSON.parse(output.trim().split("\n").pop()!)).toEqual({ result: "ok", attempts: 3 })
  }, 60_000)
})
