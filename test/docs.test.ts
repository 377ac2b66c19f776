/**
 * The API reference in docs/modules is what `npm run docs` (@effect/docgen) generates from the
 * JSDoc of src/, and every `@example` in it type-checks and runs.
 *
 * docgen runs in a scratch copy of the project (package.json, docgen.json and a link to src/), so
 * the committed reference is compared, not overwritten. docgen type-checks and runs the examples of
 * functions, constants, interfaces, types and modules; it prints, but neither type-checks nor runs,
 * the examples on classes and on `export { ... } from` specifiers, so this test checks those itself,
 * with docgen's compiler options. The examples run with TCP connections and DNS lookups recorded:
 * none may reach the network.
 */
import { execFileSync } from "node:child_process"
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from "node:fs"
import { delimiter, join, relative, resolve } from "node:path"
import ts from "typescript"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const root = resolve(import.meta.dirname, "..")
const bin = join(root, "node_modules", ".bin")
// Inside node_modules, so the examples resolve `effect` as a user's code would.
const cache = join(root, "node_modules", ".cache")
mkdirSync(cache, { recursive: true })
const scratch = mkdtempSync(join(cache, "docgen-"))
const netLog = join(scratch, "net.log")

// Preloaded into every process docgen starts: records TCP connections (not local IPC) and lookups.
const guard = `
const fs = require("node:fs"), net = require("node:net"), dns = require("node:dns")
const record = (what) => fs.appendFileSync(${JSON.stringify(netLog)}, what + "\\n")
const connect = net.Socket.prototype.connect
net.Socket.prototype.connect = function (...args) {
  const options = Array.isArray(args[0]) ? args[0][0] : args[0]
  if (typeof options === "number") record("connect " + (args[1] ?? "localhost") + ":" + options)
  else if (options && typeof options === "object" && options.port !== undefined)
    record("connect " + (options.host ?? "localhost") + ":" + options.port)
  return connect.apply(this, args)
}
const lookup = dns.lookup
dns.lookup = function (host, ...rest) {
  record("lookup " + host)
  return lookup.call(this, host, ...rest)
}
`

const env = {
  ...process.env,
  PATH: `${bin}${delimiter}${process.env.PATH ?? ""}`,
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${join(scratch, "guard.cjs")}`.trim(),
  FORCE_COLOR: "0",
  NO_COLOR: "1"
}

const run = (command: string, args: Array<string>, cwd: string): { output: string; ok: boolean } => {
  try {
    const output = execFileSync(command, args, {
      cwd,
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"]
    })
    return { output, ok: true }
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string }
    return { output: `${stdout}${stderr}` || String(error), ok: false }
  }
}

const filesUnder = (dir: string): Array<string> =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true, recursive: true })
        .filter((entry) => entry.isFile())
        .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
        .sort()
    : []

const examplesIn = (comment: string): Array<string> =>
  [...comment.matchAll(/\* ```ts\n([\s\S]*?)\n\s*\* ```/g)].map((match) =>
    match[1]!.replace(/^\s*\* ?/gm, "")
  )

const publicModules = readdirSync(join(root, "src")).filter((file) => file.endsWith(".ts"))

// The JSDoc comment docgen reads for a node: the first comment before it (see docgen's Parser).
const firstComment = (source: ts.SourceFile, node: ts.Node): string => {
  const range = ts.getLeadingCommentRanges(source.text, node.pos)?.[0]
  return range === undefined ? "" : source.text.slice(range.pos, range.end)
}

// The examples docgen prints but does not check: on classes and on `export { ... } from` specifiers.
const uncheckedByDocgen = publicModules.flatMap((file) => {
  const source = ts.createSourceFile(
    file,
    readFileSync(join(root, "src", file), "utf8"),
    ts.ScriptTarget.ES2022
  )
  const comments = source.statements.flatMap((statement) => {
    if (ts.isClassDeclaration(statement)) return [firstComment(source, statement)]
    if (
      ts.isExportDeclaration(statement) &&
      statement.exportClause &&
      ts.isNamedExports(statement.exportClause)
    ) {
      return statement.exportClause.elements.map((element) => firstComment(source, element))
    }
    return []
  })
  return comments
    .flatMap(examplesIn)
    .map((code, i) => ({ name: `${file.replace(/\.ts$/, "")}-${i}.ts`, code }))
})

const allExamples = publicModules.flatMap((file) => examplesIn(readFileSync(join(root, "src", file), "utf8")))

let docgen: { output: string; ok: boolean }

beforeAll(() => {
  writeFileSync(join(scratch, "guard.cjs"), guard)
  cpSync(join(root, "package.json"), join(scratch, "package.json"))
  cpSync(join(root, "docgen.json"), join(scratch, "docgen.json"))
  symlinkSync(join(root, "src"), join(scratch, "src"), "dir")
  docgen = run(join(bin, "docgen"), [], scratch)
}, 180_000)

afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe("the API reference (npm run docs)", () => {
  it("builds: docgen parses every module and type-checks and runs its examples", () => {
    expect(docgen.ok, docgen.output).toBe(true)
    expect(docgen.output).toContain("Docs generation succeeded!")
  })

  it("is up to date in docs/modules (regenerate it with npm run docs)", () => {
    expect(docgen.ok, docgen.output).toBe(true)
    const generated = join(scratch, "docs", "modules")
    const committed = join(root, "docs", "modules")
    const names = filesUnder(generated)
    expect(filesUnder(committed), "the pages in docs/modules").toEqual(names)
    const stale = names.filter(
      (name) => readFileSync(join(generated, name), "utf8") !== readFileSync(join(committed, name), "utf8")
    )
    expect(stale, "pages that differ from what npm run docs generates").toEqual([])
    // One page per public module.
    expect(names.filter((name) => name !== "index.md")).toEqual(
      publicModules.map((file) => `${file}.md`).sort()
    )
  })
})

describe("the JSDoc examples", () => {
  it("are all checked: by docgen, or here when docgen skips them", () => {
    expect(docgen.ok, docgen.output).toBe(true)
    const checkedByDocgen = Number(/(\d+) example\(s\) found/.exec(docgen.output)?.[1] ?? 0)
    expect(allExamples.length).toBeGreaterThan(40)
    expect(checkedByDocgen + uncheckedByDocgen.length).toBe(allExamples.length)
  })

  it("that docgen skips type-check and run, with docgen's compiler options", () => {
    const dir = join(scratch, "skipped", "examples")
    mkdirSync(dir, { recursive: true })
    // Imports of the package point at src/, as docgen rewrites them.
    for (const { name, code } of uncheckedByDocgen) {
      const local = code.replace(
        /from "effect-retry-alerts(\/[a-z]+)?"/g,
        (_, entry = "") => `from "../../src${entry}"`
      )
      writeFileSync(join(dir, name), `${local}\nexport {}\n`)
    }
    writeFileSync(
      join(dir, "index.ts"),
      uncheckedByDocgen.map(({ name }) => `import "./${name.replace(/\.ts$/, ".js")}"\n`).join("")
    )
    const { examplesCompilerOptions } = JSON.parse(readFileSync(join(root, "docgen.json"), "utf8"))
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: examplesCompilerOptions }))
    const tsc = run(join(bin, "tsc"), ["--noEmit", "--project", join(dir, "tsconfig.json")], dir)
    expect(tsc.output).toBe("")
    const tsx = run(join(bin, "tsx"), ["--tsconfig", join(dir, "tsconfig.json"), join(dir, "index.ts")], dir)
    expect(tsx.ok, tsx.output).toBe(true)
  }, 60_000)

  it("do not reach the network when they run", () => {
    expect(docgen.ok, docgen.output).toBe(true)
    const log = existsSync(netLog) ? readFileSync(netLog, "utf8") : ""
    expect(log.split("\n").filter((line) => line !== "")).toEqual([])
  })
})
