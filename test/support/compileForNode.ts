/**
 * Transpiles the library's sources and some test files to plain JavaScript for child processes.
 * A child started with `--import tsx` runs every module of effect through tsx's loader hooks:
 * 8 such children take ~25 s on a 2-core machine, the same children on plain JavaScript ~5 s.
 * The output goes under node_modules/.cache, so that the children resolve `effect` and `ioredis`
 * from the project's node_modules.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))

const sourcesUnder = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name))

export interface Compiled {
  /** The compiled counterpart of a project file, e.g. `test/fixtures/child.ts` → `…/child.js`. */
  readonly path: (projectFile: string) => string
  readonly remove: () => void
}

export const compileForNode = (extraFiles: ReadonlyArray<string>): Compiled => {
  const cache = join(ROOT, "node_modules", ".cache")
  mkdirSync(cache, { recursive: true })
  const outDir = mkdtempSync(join(cache, "effect-retry-alerts-"))
  for (const file of [...sourcesUnder(join(ROOT, "src")), ...extraFiles.map((file) => join(ROOT, file))]) {
    const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 }
    })
    const target = join(outDir, relative(ROOT, file)).replace(/\.ts$/, ".js")
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, outputText)
  }
  // The nearest package.json marks the output as ES modules.
  writeFileSync(join(outDir, "package.json"), '{ "type": "module" }\n')
  return {
    path: (projectFile) => join(outDir, projectFile.replace(/\.ts$/, ".js")),
    remove: () => rmSync(outDir, { recursive: true, force: true })
  }
}
