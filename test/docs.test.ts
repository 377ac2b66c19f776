/**
 * Every `@example` in the JSDoc of src/ type-checks against the real API, so the docs cannot drift
 * from the code.
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { afterAll, describe, expect, it } from "vitest"

const root = resolve(import.meta.dirname, "..")
// Inside node_modules, so the examples resolve `effect` as a user's code would.
const cache = join(root, "node_modules", ".cache")
mkdirSync(cache, { recursive: true })
const scratch = mkdtempSync(join(cache, "docs-examples-"))

const examples = readdirSync(join(root, "src"))
  .filter((file) => file.endsWith(".ts"))
  .flatMap((file) =>
    [...readFileSync(join(root, "src", file), "utf8").matchAll(/\* ```ts\n([\s\S]*?)\n\s*\* ```/g)].map(
      (match, i) => ({
        name: `${file.replace(/\.ts$/, "")}_${i + 1}.ts`,
        code: match[1]!.replace(/^\s*\* ?/gm, "")
      })
    )
  )

afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe("the JSDoc examples", () => {
  it("exist for the public modules", () => {
    expect(examples.length).toBeGreaterThan(40)
  })

  it("type-check against the library", () => {
    for (const { name, code } of examples) writeFileSync(join(scratch, name), `${code}\nexport {}\n`)
    writeFileSync(join(scratch, "package.json"), JSON.stringify({ type: "module" }))
    const modules = join(root, "node_modules")
    writeFileSync(
      join(scratch, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          allowImportingTsExtensions: true,
          types: ["node"],
          paths: {
            "effect-retry-alerts": [join(root, "src", "index.ts")],
            "effect-retry-alerts/redis": [join(root, "src", "redis.ts")]
          }
        },
        include: ["*.ts"]
      })
    )
    const tsc = join(modules, ".bin", "tsc")
    let output = ""
    try {
      execFileSync(tsc, ["-p", join(scratch, "tsconfig.json")], { encoding: "utf8" })
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error)
    }
    expect(output).toBe("")
  }, 60_000)
})
