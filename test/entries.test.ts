/**
 * The root entry runs wherever Effect runs: it bundles for the browser, with no `node:` module and
 * without `ioredis`, which only the `./redis` entry loads.
 */
import { resolve } from "node:path"
import { build } from "esbuild"
import { describe, expect, it } from "vitest"

const root = resolve(import.meta.dirname, "..")

const bundle = (entry: string, platform: "browser" | "node") =>
  build({
    entryPoints: [resolve(root, entry)],
    bundle: true,
    platform,
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
    // As a user's bundler would treat them: the peer dependencies are the user's.
    external: platform === "node" ? ["ioredis"] : []
  })

describe("entry points", () => {
  it("the root entry bundles for the browser, with neither node: modules nor ioredis", async () => {
    const result = await bundle("src/index.ts", "browser")
    const inputs = Object.keys(result.metafile.inputs)
    expect(result.errors).toEqual([])
    expect(inputs.some((input) => input.includes("/effect/"))).toBe(true)
    expect(inputs.filter((input) => input.includes("ioredis") || input.startsWith("node:"))).toEqual([])
    expect(inputs.filter((input) => input.startsWith("src/internal/redis/"))).toEqual([])
  }, 60_000)

  it("the ./redis entry is where ioredis and node:crypto come in", async () => {
    const result = await bundle("src/redis.ts", "node")
    const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path))
    expect(imports).toContain("ioredis")
    expect(imports).toContain("node:crypto")
  }, 60_000)
})
