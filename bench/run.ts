/**
 * The benchmark entry point.
 *
 * `npm run bench`: every scenario at full size; prints the table and writes `bench/results.md`.
 * `npm run bench:quick` (`--quick`, or `BENCH_QUICK=1`): small counts, only to prove that every
 * scenario still runs; it writes no results file unless `--out=FILE` is given.
 * `--only=ID,ID`: only the scenarios with these ids (see `scenarios.ts`); writes no results file
 * unless `--out=FILE` is given, so a partial run never replaces the full one.
 *
 * Exits 0 when a target fails (the table says FAIL): the figures guide optimization. It exits
 * non-zero only when a scenario could not run.
 */
import { writeFile } from "node:fs/promises"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import {
  environment,
  markdown,
  method,
  type ScenarioResult,
  type Settings,
  summaryLine,
  table
} from "./report.js"
import { pending, scenarios } from "./scenarios.js"

const args = process.argv.slice(2)
const quick = args.includes("--quick") || ["1", "true"].includes(process.env.BENCH_QUICK ?? "")
const outArg = args.find((arg) => arg.startsWith("--out="))?.slice("--out=".length)
const defaultOut = path.join(path.dirname(fileURLToPath(import.meta.url)), "results.md")
const only = args
  .find((arg) => arg.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",")
  .filter((id) => id !== "")
const selected = only === undefined ? scenarios : scenarios.filter((scenario) => only.includes(scenario.id))
if (only !== undefined && selected.length !== only.length) {
  throw new Error(
    `--only: unknown scenario id; known: ${scenarios.map((scenario) => scenario.id).join(", ")}`
  )
}
const out = outArg ?? (quick || only !== undefined ? undefined : defaultOut)

const settings: Settings = { quick }
const env = environment()
console.log(
  `bench${quick ? " (quick: small counts, not a measurement)" : ""}: Node ${env.node}, ${env.cpu}, ${env.cores} cores, load average ${env.load}`
)
const sections: Array<{ title: string; result: ScenarioResult }> = []
for (const scenario of selected) {
  const started = Date.now()
  process.stdout.write(`running ${scenario.title}${quick ? " (quick)" : ""}...`)
  const result = await scenario.run(settings)
  process.stdout.write(` ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  sections.push({ title: scenario.title, result })
}

const rows = sections.flatMap((section) => section.result.rows)
console.log(`\n${table(rows)}\n\n${method}`)
for (const section of sections) for (const note of section.result.notes) console.log(`- ${note}`)
for (const item of pending) console.log(`- not measured yet: ${item}`)
if (out !== undefined) {
  await writeFile(out, markdown(sections, { quick, pending }))
  console.log(`\nwrote ${path.relative(process.cwd(), out)}`)
}
console.log(`\n${summaryLine(rows)}`)
