/**
 * The published artifact works for every kind of consumer. `npm pack` builds `dist/` (ES modules
 * in dist/esm, CommonJS in dist/cjs, each with its declarations), the tarball installs into a
 * scratch project, and there:
 * - Node requires both entries from CommonJS with `require(esm)` turned off, as on Node 20.0-20.18
 *   (no ES module may load), and imports them from ES modules; both copies in one process share the
 *   library's services (Context tags are keyed by string), its metrics, and redact alike;
 * - a Jest 30 test file in a CommonJS project requires both entries and runs a retry;
 * - TypeScript type-checks CommonJS consumers (`module` node16 and nodenext, `moduleResolution`
 *   node10), an ES module consumer, and a browser project without Node's types, with the
 *   TypeScript of this repository, and the consumers with TypeScript 5.4, the oldest the README
 *   names;
 * - `@arethetypeswrong/cli` and publint find nothing to report;
 * - every relative link of the shipped markdown (README, guides, API reference) resolves inside
 *   the package.
 * No test waits for a backoff: the retries run on zero-delay schedules.
 */
import { execFile } from "node:child_process"
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { dirname, isAbsolute, join, relative, resolve } from "node:path"
import { promisify } from "node:util"
import { publint } from "publint"
import { formatMessage } from "publint/utils"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const root = resolve(import.meta.dirname, "..")
const scratch = realpathSync(mkdtempSync(join(tmpdir(), "effect-retry-alerts-pack-")))
const installed = join(scratch, "node_modules", "effect-retry-alerts")
const scratchTsc = join(scratch, "node_modules", ".bin", "tsc")
let tarball = ""

const execFileAsync = promisify(execFile)

/** The error of a failed command, with its output, so that a failing test says what went wrong. */
const failure = (command: string, args: ReadonlyArray<string>, cwd: string, error: unknown): Error => {
  const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string }
  return new Error(`${[command, ...args].join(" ")} failed in ${cwd}:\n${stdout}${stderr || String(error)}`)
}

const run = async (command: string, args: ReadonlyArray<string>, cwd: string): Promise<string> => {
  try {
    return (await execFileAsync(command, [...args], { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }))
      .stdout
  } catch (error) {
    throw failure(command, args, cwd, error)
  }
}

/** The JSON a program printed last. */
const lastJson = (output: string): unknown => JSON.parse(output.trim().split("\n").pop()!)

/** Writes a scratch project: `files` by path, under `dir`. */
const write = (dir: string, files: Readonly<Record<string, string>>): string => {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
  return dir
}

const json = (value: unknown) => JSON.stringify(value, null, 2)

const versionOf = (name: string) =>
  JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version as string

/**
 * Type-checks the project in `dir` with `tsc`: its diagnostics ("" when clean), every file the
 * program read, and those of this package, relative to the installed package.
 */
const typeCheck = async (tsc: string, dir: string, flags: ReadonlyArray<string> = []) => {
  let output: string
  try {
    const args = ["-p", dir, "--noEmit", "--listFiles", "--pretty", "false", ...flags]
    output = (await execFileAsync(tsc, args, { cwd: dir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }))
      .stdout
  } catch (error) {
    output = (error as { stdout?: string }).stdout || String(error)
  }
  const lines = output.split("\n").filter((line) => line !== "")
  const files = lines.filter((line) => isAbsolute(line))
  return {
    diagnostics: lines.filter((line) => !isAbsolute(line)).join("\n"),
    files,
    ours: files.filter((file) => file.startsWith(`${installed}/`)).map((file) => relative(installed, file))
  }
}

/** Node's flag that turns `require(esm)` off, where Node has it (20.19+, 22.12+: on by default). */
const withoutRequireEsm = process.allowedNodeEnvironmentFlags.has("--no-experimental-require-module")
  ? ["--no-experimental-require-module"]
  : []

const GITHUB_TOKEN = "ghp_4f9Qz1LmT8sXw2Yv6Rk0PaNb3Hc7Jd5Ue9Gi"

const esModuleProgram = `
import { Effect, Layer, Schedule } from "effect"
import { AlertLimiter, Notifier, Retry } from "effect-retry-alerts"

let attempts = 0
const flaky: Effect.Effect<string, Error> = Effect.suspend(() =>
  ++attempts < 3 ? Effect.fail(new Error("not yet")) : Effect.succeed("ok")
)
const result: string = await flaky.pipe(
  Retry.retry({ name: "flaky", schedule: Schedule.recurs(5) }),
  Effect.provide(Layer.merge(AlertLimiter.layer(), Notifier.layerLog())),
  Effect.runPromise
)
console.log(JSON.stringify({ result, attempts }))
`

// Both entries, required. Node runs it with require(esm) off: any ES module it loads fails it.
const commonJsProgram = `
const { Effect, Layer, Redacted, Schedule } = require("effect")
const { Alert, AlertLimiter, NotifierTest, Retry } = require("effect-retry-alerts")
const { RedisAlertLimiter } = require("effect-retry-alerts/redis")

let attempts = 0
const flaky = Effect.suspend(() => (++attempts < 3 ? Effect.fail(new Error("not yet")) : Effect.succeed("ok")))
const program = Effect.gen(function* () {
  const result = yield* flaky.pipe(Retry.retry({ name: "flaky", alertAt: { attempts: 2 }, schedule: Schedule.recurs(5) }))
  const events = yield* NotifierTest.sent
  return { result, attempts, events: events.map((event) => event._tag) }
})
Effect.runPromise(program.pipe(Effect.provide(Layer.merge(AlertLimiter.layer(), NotifierTest.layer())))).then(
  async (outcome) => {
    const loaded = (pattern) => Object.keys(require.cache).some((path) => pattern.test(path))
    const beforeRedisLayer = loaded(/[/]ioredis[/]/)
    // Building the Redis layer (nothing listens on port 1: it builds anyway) loads ioredis.
    const limiter = RedisAlertLimiter.layer({ url: Redacted.make("redis://127.0.0.1:1"), timeout: "50 millis" })
    await Effect.runPromise(Effect.scoped(Layer.build(limiter)))
    console.log(JSON.stringify({
      ...outcome,
      entries: [require.resolve("effect-retry-alerts"), require.resolve("effect-retry-alerts/redis")],
      redacted: Alert.redact("token ${GITHUB_TOKEN}").includes("${GITHUB_TOKEN}") ? "no" : "yes",
      vendorLoaded: loaded(/[/]dist[/]cjs[/]vendor[.]js$/),
      beforeRedisLayer,
      afterRedisLayer: loaded(/[/]ioredis[/]/)
    }))
  }
)
`

// The ES module copy and the CommonJS copy in one process: a retry of either in layers built by
// the other, metrics counted by both in one registry, the same redaction.
const bothCopiesProgram = `
import { createRequire } from "node:module"
import * as EsmEffect from "effect"
import * as Esm from "effect-retry-alerts"

const require = createRequire(import.meta.url)
const Cjs = require("effect-retry-alerts")
const CjsEffect = require("effect")

const across = (retrying, serving, E, name) => {
  let attempts = 0
  const operation = E.Effect.suspend(() =>
    ++attempts < 4 ? E.Effect.fail(new Error("down")) : E.Effect.succeed("up")
  )
  const program = E.Effect.gen(function* () {
    const result = yield* operation.pipe(
      retrying.Retry.retry({ name, maxAttempts: 5, alertAt: { attempts: 2 }, schedule: E.Schedule.recurs(10) })
    )
    const events = yield* retrying.NotifierTest.sent
    return {
      result,
      attempts,
      events: events.map((event) => event._tag),
      sameService: (yield* retrying.NotifierTest.NotifierTest) === (yield* serving.NotifierTest.NotifierTest),
      limiterSize: yield* retrying.AlertLimiter.size
    }
  })
  const layer = E.Layer.merge(serving.AlertLimiter.layer(), serving.NotifierTest.layer())
  return E.Effect.runPromise(program.pipe(E.Effect.provide(layer)))
}

const series = async (E) =>
  (await E.Effect.runPromise(E.Metric.snapshot))
    .filter((pair) => pair.metricKey.tags.some((tag) => tag.value.startsWith("both-copies")))
    .map((pair) => pair.metricKey.name + " " + JSON.stringify(pair.metricKey.tags) + " " + JSON.stringify(pair.metricState))
    .sort()

const esmRetryCjsLayers = await across(Esm, Cjs, EsmEffect, "both-copies-1")
const cjsRetryEsmLayers = await across(Cjs, Esm, CjsEffect, "both-copies-2")
const [esmSeries, cjsSeries] = [await series(EsmEffect), await series(CjsEffect)]
const text = "connect failed; Authorization: token ${GITHUB_TOKEN}; password=Hunter2-Pa55w0rd"
console.log(JSON.stringify({
  twoCopies: Esm.Retry !== Cjs.Retry && Esm.AlertLimiter.AlertLimiter !== Cjs.AlertLimiter.AlertLimiter,
  esmRetryCjsLayers,
  cjsRetryEsmLayers,
  metricSeries: esmSeries.length,
  sameMetrics: JSON.stringify(esmSeries) === JSON.stringify(cjsSeries),
  sameRedaction: Esm.Alert.redact(text) === Cjs.Alert.redact(text),
  redacted: !Cjs.Alert.redact(text).includes("${GITHUB_TOKEN}")
}))
`

// A Jest test file of a CommonJS project: Jest loads modules itself, and fails on an ES module.
const jestTest = `
const { Effect, Layer, Redacted, Schedule } = require("effect")
const { Alert, AlertLimiter, NotifierTest, Retry } = require("effect-retry-alerts")
const { RedisAlertLimiter } = require("effect-retry-alerts/redis")

test("a retry, its alert, the redaction and the Redis layer, from the CommonJS build", async () => {
  expect(require.resolve("effect-retry-alerts")).toMatch(/dist[/]cjs[/]index[.]js$/)
  expect(require.resolve("effect-retry-alerts/redis")).toMatch(/dist[/]cjs[/]redis[.]js$/)
  let attempts = 0
  const flaky = Effect.suspend(() => (++attempts < 3 ? Effect.fail(new Error("not yet")) : Effect.succeed("ok")))
  const program = Effect.gen(function* () {
    const result = yield* flaky.pipe(
      Retry.retry({ name: "flaky", alertAt: { attempts: 2 }, schedule: Schedule.recurs(5) })
    )
    const events = yield* NotifierTest.sent
    return { result, attempts, events: events.map((event) => event._tag) }
  })
  const layer = Layer.merge(AlertLimiter.layer(), NotifierTest.layer())
  expect(await Effect.runPromise(program.pipe(Effect.provide(layer)))).toEqual({
    result: "ok",
    attempts: 3,
    events: ["Firing", "Resolved"]
  })
  expect(Alert.redact("token ${GITHUB_TOKEN}")).not.toContain("${GITHUB_TOKEN}")
  // Loads ioredis (nothing listens on port 1: the layer builds anyway).
  const limiter = RedisAlertLimiter.layer({ url: Redacted.make("redis://127.0.0.1:1"), timeout: "50 millis" })
  await Effect.runPromise(Effect.scoped(Layer.build(limiter)))
})
`

// A TypeScript consumer of both entries; the Redis layer serves the root entry's retry.
const typedConsumer = `
import { Effect, Layer, Redacted, Schedule } from "effect"
import { type AlertLimiter, type Incidents, NotifierTest, Retry, RetryRuntime } from "effect-retry-alerts"
import { RedisAlertLimiter } from "effect-retry-alerts/redis"

declare const load: Effect.Effect<string, Error>
const retried: Effect.Effect<string, Error, Retry.Requirements> = load.pipe(
  Retry.retry({ name: "load", schedule: Schedule.recurs(5) })
)
const redis: Layer.Layer<AlertLimiter.AlertLimiter | Incidents.Incidents> = RedisAlertLimiter.layer({
  url: Redacted.make("redis://127.0.0.1:6379")
})
export const program: Effect.Effect<string, Error> = retried.pipe(
  Effect.provide(Layer.merge(redis, NotifierTest.layer()))
)
export const dispose: () => Promise<void> = RetryRuntime.create().dispose
`

// What a browser project uses of the root entry, RetryRuntime included.
const browserConsumer = `
import { Effect, Layer } from "effect"
import { AlertLimiter, Notifier, Retry, RetryRuntime } from "effect-retry-alerts"

declare const load: Effect.Effect<string, Error>
export const program: Effect.Effect<string, Error> = load.pipe(
  Retry.retry({ name: "load" }),
  Effect.provide(Layer.merge(AlertLimiter.layer(), Notifier.layerLog()))
)
export const retries: RetryRuntime.RetryRuntime = RetryRuntime.create()
export const dispose: () => Promise<void> = retries.dispose
`

/** A CommonJS TypeScript project: `module` (and `moduleResolution`) as given. */
const commonJsProject = (name: string, module: string, moduleResolution: string) =>
  write(join(scratch, name), {
    "package.json": json({ name, private: true, type: "commonjs" }),
    "main.ts": typedConsumer,
    "tsconfig.json": json({
      compilerOptions: { target: "ES2022", module, moduleResolution, strict: true, types: ["node"] },
      files: ["main.ts"]
    })
  })

describe("the packed tarball", () => {
  beforeAll(async () => {
    tarball = join(
      scratch,
      (await run("npm", ["pack", "--silent", "--pack-destination", scratch], root)).trim().split("\n").pop()!
    )
    writeFileSync(join(scratch, "package.json"), json({ name: "scratch", private: true, type: "module" }))
    await run(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        tarball,
        `effect@${versionOf("effect")}`,
        `@effect/platform@${versionOf("@effect/platform")}`,
        `ioredis@${versionOf("ioredis")}`,
        `typescript@${versionOf("typescript")}`,
        `@types/node@${versionOf("@types/node")}`
      ],
      scratch
    )
    write(scratch, {
      "main.ts": esModuleProgram,
      "tsconfig.json": json({
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
    })
    commonJsProject("cjs-node16", "Node16", "Node16")
    commonJsProject("cjs-nodenext", "NodeNext", "NodeNext")
    commonJsProject("cjs-node10", "CommonJS", "Node10")
    write(join(scratch, "browser"), {
      "package.json": json({ name: "browser", private: true, type: "module" }),
      "main.ts": browserConsumer,
      "tsconfig.json": json({
        compilerOptions: {
          target: "ES2022",
          lib: ["ES2022", "DOM"],
          module: "ESNext",
          moduleResolution: "Bundler",
          strict: true,
          types: [],
          skipLibCheck: false
        },
        files: ["main.ts"]
      })
    })
  }, 420_000)

  afterAll(() => rmSync(scratch, { recursive: true, force: true }))

  describe("from JavaScript", () => {
    it("is required from CommonJS, both entries, with no ES module loaded and ioredis only when used", async () => {
      const project = write(join(scratch, "commonjs"), {
        "package.json": json({ name: "cjs", private: true, type: "commonjs" }),
        "main.js": commonJsProgram
      })
      // The scratch project's node_modules, one level up, resolve as they would for a user.
      const output = await run("node", [...withoutRequireEsm, join(project, "main.js")], project)
      expect(lastJson(output)).toEqual({
        result: "ok",
        attempts: 3,
        events: ["Firing", "Resolved"],
        entries: [join(installed, "dist", "cjs", "index.js"), join(installed, "dist", "cjs", "redis.js")],
        redacted: "yes",
        vendorLoaded: true,
        beforeRedisLayer: false,
        afterRedisLayer: true
      })
    })

    it("loaded as both copies in one process (import and require), shares services, metrics and redaction", async () => {
      write(scratch, { "both.mjs": bothCopiesProgram })
      const output = await run("node", [join(scratch, "both.mjs")], scratch)
      const across = {
        result: "up",
        attempts: 4,
        events: ["Firing", "Resolved"],
        sameService: true,
        limiterSize: 1
      }
      expect(lastJson(output)).toEqual({
        twoCopies: true,
        esmRetryCjsLayers: across,
        cjsRetryEsmLayers: across,
        metricSeries: expect.any(Number),
        sameMetrics: true,
        sameRedaction: true,
        redacted: true
      })
      expect((lastJson(output) as { metricSeries: number }).metricSeries).toBeGreaterThan(0)
    })

    it("runs under Jest 30 in a CommonJS project, both entries required", async () => {
      const project = write(join(scratch, "jest"), {
        "package.json": json({ name: "jest-consumer", private: true, type: "commonjs" }),
        "retry.test.js": jestTest
      })
      await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "jest@30"], project)
      const jest = join(project, "node_modules", "jest", "bin", "jest.js")
      const report = JSON.parse(await run("node", [jest, "--ci", "--json"], project)) as {
        numPassedTests: number
        numFailedTests: number
      }
      expect([report.numPassedTests, report.numFailedTests]).toEqual([1, 0])
    }, 300_000)

    it("type-checks an import of the package and runs it", async () => {
      await run(scratchTsc, ["-p", "tsconfig.json"], scratch)
      const output = await run("node", [join(scratch, "out", "main.js")], scratch)
      expect(lastJson(output)).toEqual({ result: "ok", attempts: 3 })
    }, 180_000)
  })

  describe("from TypeScript", () => {
    it("type-checks in CommonJS projects (module node16, nodenext; moduleResolution node10), on the CommonJS declarations", async () => {
      const results = await Promise.all(
        ["cjs-node16", "cjs-nodenext", "cjs-node10"].map(async (name) => ({
          name,
          ...(await typeCheck(scratchTsc, join(scratch, name)))
        }))
      )
      for (const { name, diagnostics, ours } of results) {
        expect({ name, diagnostics }).toEqual({ name, diagnostics: "" })
        expect(ours).toContain("dist/cjs/index.d.ts")
        expect(ours).toContain("dist/cjs/redis.d.ts")
        expect({ name, notCommonJs: ours.filter((file) => !file.startsWith("dist/cjs/")) }).toEqual({
          name,
          notCommonJs: []
        })
      }
    }, 360_000)

    it("type-checks in a browser project without Node's types (lib es2022 and dom, skipLibCheck false)", async () => {
      const project = join(scratch, "browser")
      const { diagnostics, files, ours } = await typeCheck(scratchTsc, project)
      expect(diagnostics).toBe("")
      expect(ours).toContain("dist/esm/RetryRuntime.d.ts")
      // Nothing brought Node's types in (they would declare what the browser lacks).
      expect(files.filter((file) => file.includes("/@types/node/"))).toEqual([])
    }, 240_000)

    it("type-checks the CommonJS, ES module and browser consumers with TypeScript 5.4 too", async () => {
      const project = write(join(scratch, "typescript-5.4"), { "package.json": json({ private: true }) })
      await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "typescript@5.4"], project)
      const tsc = join(project, "node_modules", ".bin", "tsc")
      expect((await run(tsc, ["--version"], project)).trim()).toMatch(/^Version 5\.4\./)
      // Effect's own declarations need TypeScript 5.7 where libraries are checked (skipLibCheck false).
      const results = await Promise.all(
        [
          scratch,
          join(scratch, "cjs-node16"),
          join(scratch, "cjs-nodenext"),
          join(scratch, "cjs-node10"),
          join(scratch, "browser")
        ].map(async (dir) => ({
          dir: relative(scratch, dir),
          ...(await typeCheck(tsc, dir, ["--skipLibCheck"]))
        }))
      )
      for (const { dir, diagnostics, ours } of results) {
        expect({ dir, diagnostics }).toEqual({ dir, diagnostics: "" })
        expect(ours).toContain(dir.startsWith("cjs-") ? "dist/cjs/index.d.ts" : "dist/esm/index.d.ts")
      }
    }, 360_000)
  })

  describe("its contents", () => {
    it("ships dist, src, the guides, the API reference and the benchmark results they cite, the README, the changelog and the licence", async () => {
      const manifest = JSON.parse(
        await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], root)
      )[0]
      const paths: Array<string> = manifest.files.map((file: { path: string }) => file.path)
      const top = new Set(paths.map((path) => path.split("/")[0]))
      expect([...top].sort()).toEqual([
        "CHANGELOG.md",
        "LICENSE",
        "README.md",
        "bench",
        "dist",
        "docs",
        "package.json",
        "src"
      ])
      expect(new Set(paths.filter((path) => path.startsWith("docs/")).map((path) => dirname(path)))).toEqual(
        new Set(["docs/guides", "docs/modules"])
      )
      expect(paths.filter((path) => path.startsWith("bench/"))).toEqual(["bench/results.md"])
    })

    it("has CommonJS under dist/cjs, and sideEffects false", () => {
      expect(JSON.parse(readFileSync(join(installed, "dist", "cjs", "package.json"), "utf8"))).toEqual({
        type: "commonjs",
        sideEffects: false
      })
      expect(JSON.parse(readFileSync(join(installed, "package.json"), "utf8")).sideEffects).toBe(false)
    })

    it("has every relative link of its markdown resolve to a file it ships", () => {
      const markdown = (dir: string): Array<string> =>
        readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
          entry.isDirectory() && entry.name !== "node_modules"
            ? markdown(join(dir, entry.name))
            : entry.name.endsWith(".md")
              ? [join(dir, entry.name)]
              : []
        )
      // Links are in the prose: code blocks and spans are left out.
      const prose = (text: string) => text.replace(/^```[\s\S]*?^```$/gm, "").replace(/`[^`\n]*`/g, "")
      const links = markdown(installed).flatMap((file) =>
        [...prose(readFileSync(file, "utf8")).matchAll(/\]\(([^)\s]+)\)/g)]
          .map((match) => match[1]!)
          .filter((link) => !/^[a-z]+:/i.test(link) && !link.startsWith("#"))
          .map((link) => ({ file: relative(installed, file), link }))
      )
      // The README's guide links are among them.
      expect(links).toContainEqual({ file: "README.md", link: "docs/guides/testing.md" })
      const broken = links.filter(
        ({ file, link }) => !existsSync(join(installed, dirname(file), link.split("#")[0]!))
      )
      expect(broken).toEqual([])
    })

    it("has nothing @arethetypeswrong/cli would report, in any resolution mode", async () => {
      const attw = join(root, "node_modules", ".bin", "attw")
      // What `attw --pack` does, on the tarball npm pack made above.
      const output = await run(attw, [tarball, "--format", "ascii"], scratch)
      expect(output).toContain("No problems found")
    }, 120_000)

    it("has nothing publint would report, suggestions included", async () => {
      const bytes = readFileSync(tarball)
      const { messages, pkg } = await publint({
        pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) },
        level: "suggestion",
        strict: true
      })
      expect(messages.map((message) => formatMessage(message, pkg, { color: false }))).toEqual([])
    })
  })
})
