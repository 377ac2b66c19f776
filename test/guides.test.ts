/**
 * The code of the README and of the guides (every ```ts block) type-checks against the library,
 * as a user's code would: imports of "effect-retry-alerts" and "effect-retry-alerts/redis".
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { afterAll, describe, expect, it } from "vitest"

const root = resolve(import.meta.dirname, "..")
const guides = join(root, "docs", "guides")
const documents = ["README.md", ...readdirSync(guides).map((file) => join("docs", "guides", file))].filter(
  (file) => file.endsWith(".md")
)

const blocks = documents.flatMap((document) =>
  [...readFileSync(join(root, document), "utf8").matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match, i) => ({
    name: `${document.replace(/[/.]/g, "_")}_${i + 1}.ts`,
    code: match[1]!
  }))
)

// Inside node_modules, so the blocks resolve their imports as a user's code would.
const cache = join(root, "node_modules", ".cache")
mkdirSync(cache, { recursive: true })
const scratch = mkdtempSync(join(cache, "guides-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe("the code of the README and the guides", () => {
  it("is there: the README and every guide that shows the API have some", () => {
    const prose = ["development.md", "differences.md", "performance.md"]
    for (const document of documents.filter((file) => !prose.some((name) => file.endsWith(name)))) {
      expect(blocks.some((block) => block.name.startsWith(document.replace(/[/.]/g, "_")))).toBe(true)
    }
  })

  it("type-checks against the library", () => {
    for (const { name, code } of blocks) writeFileSync(join(scratch, name), `${code}\nexport {}\n`)
    writeFileSync(join(scratch, "package.json"), JSON.stringify({ type: "module" }))
    writeFileSync(
      join(scratch, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          lib: ["ES2022", "DOM"],
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
    let output = ""
    try {
      execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", join(scratch, "tsconfig.json")], {
        encoding: "utf8"
      })
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error)
    }
    expect(output).toBe("")
  }, 120_000)
})
