/**
 * `npm run build`: the package's two builds, each with its declarations and source maps.
 *
 * - `dist/esm/`: ES modules (tsconfig.build.esm.json), for `import`.
 * - `dist/cjs/`: CommonJS (tsconfig.build.cjs.json), for `require`, with a package.json that says
 *   so. Its declarations are CommonJS ones, so TypeScript resolves each format to its own types.
 *   The dependencies published only as ES modules (secretlint's rule packages) are bundled into
 *   `dist/cjs/vendor.js` (their licences in `dist/cjs/vendor.LICENSES.txt`), which the CommonJS
 *   build requires in their place: it loads no ES module, so it needs no `require(esm)`
 *   (Node 20.19+) and runs under Jest.
 *
 * In both builds the calls made when a module loads (`Context.Tag(...)`, `Metric.counter(...)`,
 * `Layer.effect(...)`...) are marked `#__PURE__`, so that a bundler can drop what a program does
 * not use (`sideEffects: false` drops unused modules; this drops unused values of used modules).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, relative, resolve, sep } from "node:path"
import { build } from "esbuild"
import ts from "typescript"

const root = resolve(import.meta.dirname, "..")
const dist = join(root, "dist")
const cjs = join(dist, "cjs")
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  readonly dependencies?: Readonly<Record<string, string>>
}

/** Whether Node loads `file` as an ES module: its extension, else the nearest package.json's type. */
const isEsModule = (file: string): boolean => {
  if (file.endsWith(".mjs")) return true
  if (file.endsWith(".cjs")) return false
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const packageJson = join(dir, "package.json")
    if (existsSync(packageJson)) return JSON.parse(readFileSync(packageJson, "utf8")).type === "module"
    if (dirname(dir) === dir) return false
  }
}

/** The dependencies whose `require` would load an ES module (or that have no `require` at all). */
const requireFromRoot = createRequire(join(root, "package.json"))
const esModuleOnly = new Set(
  Object.keys(manifest.dependencies ?? {}).filter((name) => {
    try {
      return isEsModule(requireFromRoot.resolve(name))
    } catch {
      return true
    }
  })
)

/** Marks the calls and `new`s a module makes as it loads (outside any function) `#__PURE__`. */
const pureCalls: ts.TransformerFactory<ts.SourceFile> = (context) => (file) => {
  const visit = (node: ts.Node): ts.Node => {
    // What runs later (functions, methods, accessors) or per instance (fields) stays as it is.
    if (ts.isFunctionLike(node) || ts.isPropertyDeclaration(node) || ts.isClassStaticBlockDeclaration(node)) {
      return node
    }
    const visited = ts.visitEachChild(node, visit, context)
    const call = ts.isCallExpression(node) || ts.isNewExpression(node)
    // Not a statement's own call (its effect is the point), nor the head of a longer chain
    // (`f().pipe(...)`, `Tag("key")()`): the annotation goes on the outermost call.
    const head =
      (ts.isPropertyAccessExpression(node.parent) || ts.isElementAccessExpression(node.parent)) &&
      node.parent.expression === node
    const callee = ts.isCallExpression(node.parent) && node.parent.expression === node
    return call &&
      !ts.isExpressionStatement(node.parent) &&
      !head &&
      !callee &&
      !(ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
      ? ts.addSyntheticLeadingComment(visited, ts.SyntaxKind.MultiLineCommentTrivia, "#__PURE__", false)
      : visited
  }
  return ts.visitEachChild(file, visit, context)
}

/** In the CommonJS output: `require("pkg")` of an ES-module-only package reads `vendor.js` instead. */
const vendored = new Set<string>()
const requireVendored: ts.TransformerFactory<ts.SourceFile> = (context) => (file) => {
  const vendor = relative(
    dirname(join(cjs, relative(join(root, "src"), file.fileName))),
    join(cjs, "vendor.js")
  ).split(sep)
  const vendorPath = vendor[0] === ".." ? vendor.join("/") : `./${vendor.join("/")}`
  const visit = (node: ts.Node): ts.Node => {
    const visited = ts.visitEachChild(node, visit, context)
    if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === "require" &&
      node.arguments.length === 1 &&
      ts.isStringLiteral(node.arguments[0]!) &&
      esModuleOnly.has(node.arguments[0].text)
    ) {
      const name = node.arguments[0].text
      vendored.add(name)
      const factory = context.factory
      return factory.createElementAccessExpression(
        factory.createCallExpression(factory.createIdentifier("require"), undefined, [
          factory.createStringLiteral(vendorPath)
        ]),
        factory.createStringLiteral(name)
      )
    }
    return visited
  }
  return ts.visitEachChild(file, visit, context)
}

/** Type-checks and emits one tsconfig; prints the diagnostics and fails on any. */
const emit = (tsconfig: string, transformers: ts.CustomTransformers): void => {
  const host: ts.FormatDiagnosticsHost = {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => root,
    getNewLine: () => "\n"
  }
  const fail = (diagnostics: ReadonlyArray<ts.Diagnostic>): never => {
    process.stderr.write(ts.formatDiagnosticsWithColorAndContext(diagnostics, host))
    process.stderr.write(
      `npm run build: ${tsconfig} has ${diagnostics.length} error(s); dist/ is incomplete\n`
    )
    process.exit(1)
  }
  const config = ts.getParsedCommandLineOfConfigFile(join(root, tsconfig), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => fail([diagnostic])
  })!
  if (config.errors.length > 0) fail(config.errors)
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options })
  const diagnostics = [
    ...ts.getPreEmitDiagnostics(program),
    ...program.emit(undefined, undefined, undefined, false, transformers).diagnostics
  ]
  if (diagnostics.length > 0) fail(diagnostics)
}

/** Bundles the vendored packages into `dist/cjs/vendor.js`, one export per package, with their licences. */
const bundleVendored = async (): Promise<void> => {
  const names = [...vendored].sort()
  const result = await build({
    stdin: {
      contents: names
        .map((name) => `export * as ${JSON.stringify(name)} from ${JSON.stringify(name)}`)
        .join("\n"),
      resolveDir: root,
      sourcefile: "vendor.js"
    },
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    outfile: join(cjs, "vendor.js"),
    metafile: true,
    logLevel: "warning",
    banner: { js: "// Bundled from ES-module-only dependencies; licences in vendor.LICENSES.txt" }
  })
  const packages = new Map<string, string>()
  for (const input of Object.keys(result.metafile.inputs)) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)
    if (match !== null) packages.set(match[1]!, match[1]!.replace(/^.*node_modules\//, ""))
  }
  const notices = [...packages].sort(([, a], [, b]) => a.localeCompare(b))
  const text = notices.map(([dir, name]) => {
    const path = join(root, dir)
    const { version, license } = JSON.parse(readFileSync(join(path, "package.json"), "utf8"))
    const file = ["LICENSE", "LICENSE.md", "LICENSE.txt", "license"].find((file) =>
      existsSync(join(path, file))
    )
    const body = file === undefined ? `License: ${license}` : readFileSync(join(path, file), "utf8").trim()
    return `${name}@${version} (${license})\n\n${body}\n`
  })
  writeFileSync(join(cjs, "vendor.LICENSES.txt"), text.join(`\n${"-".repeat(72)}\n\n`))
}

rmSync(dist, { recursive: true, force: true })
emit("tsconfig.build.esm.json", { before: [pureCalls] })
emit("tsconfig.build.cjs.json", { before: [pureCalls], after: [requireVendored] })
mkdirSync(cjs, { recursive: true })
writeFileSync(
  join(cjs, "package.json"),
  `${JSON.stringify({ type: "commonjs", sideEffects: false }, null, 2)}\n`
)
if (vendored.size > 0) await bundleVendored()
