/**
 * Shared pieces of the benchmark harness: settings, rows with their targets, interleaved
 * measurement with tinybench, and the table / markdown output.
 */
import * as os from "node:os"
import { Bench, hrtimeNow } from "tinybench"

/** How hard to measure. Quick mode only proves that every scenario still runs. */
export interface Settings {
  readonly quick: boolean
}

/**
 * What a row must achieve. `ratio`: figure / baseline at most `max`. `atMost`: the figure itself
 * at most `max`. `equals`: the figure must be exactly `value` (behaviour, not speed).
 */
export type Target =
  | { readonly kind: "ratio"; readonly max: number; readonly stretch?: number | undefined }
  | { readonly kind: "atMost"; readonly max: number; readonly stretch?: number | undefined }
  | { readonly kind: "equals"; readonly value: number }

/** One line of the results table. */
export interface Row {
  readonly name: string
  /** The measured figure, in `unit`: a median for timings. */
  readonly figure: number
  readonly unit: string
  readonly baseline?: { readonly name: string; readonly figure: number } | undefined
  /** When measured in rounds: the median of the per-round ratios. Default: figure / baseline. */
  readonly ratio?: number | undefined
  /** No target: the row is information for whoever optimizes. */
  readonly target?: Target | undefined
}

/** What one scenario reports: its rows, and notes on how it measured them. */
export interface ScenarioResult {
  readonly rows: ReadonlyArray<Row>
  readonly notes: ReadonlyArray<string>
}

/** A benchmark scenario of the registry in `scenarios.ts`. */
export interface Scenario {
  readonly id: string
  readonly title: string
  readonly run: (settings: Settings) => Promise<ScenarioResult>
}

export type Verdict = "PASS" | "PASS (stretch)" | "FAIL" | "info"

export const ratioOf = (row: Row): number | undefined =>
  row.baseline === undefined ? undefined : (row.ratio ?? row.figure / row.baseline.figure)

export const verdict = (row: Row): Verdict => {
  const target = row.target
  if (target === undefined) return "info"
  if (target.kind === "equals") return row.figure === target.value ? "PASS" : "FAIL"
  const value = target.kind === "ratio" ? ratioOf(row) : row.figure
  if (value === undefined || !Number.isFinite(value)) return "FAIL"
  if (value > target.max) return "FAIL"
  return target.stretch !== undefined && value <= target.stretch ? "PASS (stretch)" : "PASS"
}

const formatNumber = (value: number): string => {
  if (!Number.isFinite(value)) return String(value)
  const digits = Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : Math.abs(value) >= 10 ? 1 : 2
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

const formatTarget = (target: Target | undefined, unit: string): string => {
  if (target === undefined) return "—"
  switch (target.kind) {
    case "ratio":
      return `≤ ${target.max}x${target.stretch === undefined ? "" : ` (stretch ${target.stretch}x)`}`
    case "atMost":
      return `≤ ${formatNumber(target.max)} ${unit}${target.stretch === undefined ? "" : ` (stretch ${formatNumber(target.stretch)})`}`
    case "equals":
      return `= ${formatNumber(target.value)} ${unit}`
  }
}

const cells = (row: Row): ReadonlyArray<string> => {
  const ratio = ratioOf(row)
  return [
    row.name,
    `${formatNumber(row.figure)} ${row.unit}`,
    row.baseline === undefined
      ? "—"
      : `${row.baseline.name}: ${formatNumber(row.baseline.figure)} ${row.unit}`,
    ratio === undefined ? "—" : `${ratio.toFixed(2)}x`,
    formatTarget(row.target, row.unit),
    verdict(row)
  ]
}

const header = ["Row", "Median", "Baseline (same run)", "Ratio", "Target", "Result"]

/** A markdown table, padded so that it also reads well in a terminal. */
export const table = (rows: ReadonlyArray<Row>): string => {
  const body = rows.map(cells)
  const widths = header.map((title, i) => Math.max(title.length, ...body.map((line) => line[i]!.length)))
  const line = (values: ReadonlyArray<string>) =>
    `| ${values.map((value, i) => value.padEnd(widths[i]!)).join(" | ")} |`
  return [
    line(header),
    `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`,
    ...body.map(line)
  ].join("\n")
}

/** One line that says whether every target was met, naming the rows that were not. */
export const summaryLine = (rows: ReadonlyArray<Row>): string => {
  const verdicts = rows.map((row) => [row, verdict(row)] as const)
  const failed = verdicts.filter(([, result]) => result === "FAIL").map(([row]) => row.name)
  const checked = verdicts.filter(([, result]) => result !== "info").length
  return failed.length === 0
    ? `bench: all ${checked} targets met (${rows.length} rows)`
    : `bench: ${failed.length} of ${checked} targets FAIL: ${failed.join("; ")}`
}

/** Where and when the figures were measured. */
export const environment = () => ({
  date: new Date().toISOString(),
  node: process.version,
  cpu: os.cpus()[0]?.model?.trim() ?? "unknown",
  cores: os.cpus().length,
  platform: `${os.platform()} ${os.arch()}`,
  // Other jobs on a shared machine show here; the ratios are meant to survive them.
  load: os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(", ")
})

/** How the timed rows are computed, for the results file. */
export const method =
  "Timed rows: each case is a batch of operations timed with tinybench, in interleaved rounds (every case once per round, 9 rounds in a full run). Median: the median over rounds of the case's median batch time, divided by the operations per batch. Ratio: the median over rounds of the ratio of the two medians measured in the same round, so it can differ slightly from Median / Baseline."

/** The results file: environment, one table, and each scenario's notes. */
export const markdown = (
  sections: ReadonlyArray<{ readonly title: string; readonly result: ScenarioResult }>,
  options: { readonly quick: boolean; readonly pending: ReadonlyArray<string> }
): string => {
  const env = environment()
  const rows = sections.flatMap((section) => section.result.rows)
  return [
    "# Benchmark results",
    "",
    `Measured by \`npm run bench${options.quick ? ":quick" : ""}\` on ${env.date}: Node ${env.node}, ${env.cpu} (${env.cores} cores), ${env.platform}, load average at the end ${env.load}.`,
    options.quick ? "\n**Quick mode: small counts, not a measurement.**" : "",
    "Ratios to a baseline measured in the same run are the result; absolute times vary from run to run.",
    "",
    method,
    "",
    table(rows),
    "",
    summaryLine(rows),
    "",
    ...sections.flatMap((section) =>
      section.result.notes.length === 0
        ? []
        : [`## ${section.title}`, "", ...section.result.notes.map((note) => `- ${note}`), ""]
    ),
    ...(options.pending.length === 0
      ? []
      : ["## Not measured yet", "", ...options.pending.map((item) => `- ${item}`), ""])
  ].join("\n")
}

export const median = (sorted: ReadonlyArray<number>): number => {
  if (sorted.length === 0) return Number.NaN
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** One case of {@link compare}: `run` performs `ops` operations per call. */
export interface Case {
  readonly name: string
  readonly ops: number
  readonly run: () => unknown
}

const collectGarbage = (globalThis as { gc?: () => void }).gc

/** The figures of {@link compare}, per case, in ns per operation. */
export interface Comparison {
  /** The median over rounds of the case's median in each round. */
  readonly median: (name: string) => number
  /** The median over rounds of the ratio of two cases measured in the same round. */
  readonly ratio: (name: string, baseline: string) => number
}

/**
 * Measures every case in interleaved rounds (case A, case B, ..., then again). Within one round
 * the cases run close together in time, so a ratio taken within a round is little affected by the
 * slow and fast spells of a shared machine; the result takes the median over rounds. Each sample
 * times one call of `run`.
 */
export const compare = async (cases: ReadonlyArray<Case>, settings: Settings): Promise<Comparison> => {
  const rounds = settings.quick ? 1 : 9
  const bench = new Bench({
    now: hrtimeNow,
    time: settings.quick ? 30 : 150,
    iterations: settings.quick ? 3 : 5,
    warmupTime: settings.quick ? 20 : 300,
    warmupIterations: 3,
    throws: true,
    // A collection before each case, when --expose-gc allows it, so no case pays for another's garbage.
    setup: () => collectGarbage?.()
  })
  for (const c of cases) bench.add(c.name, c.run)
  await bench.warmup()
  const perRound: Array<ReadonlyMap<string, number>> = []
  for (let round = 0; round < rounds; round++) {
    const medians = new Map<string, number>()
    for (const task of await bench.run()) {
      const ops = cases.find((c) => c.name === task.name)!.ops
      // tinybench reports milliseconds per call, its samples sorted.
      medians.set(task.name, (median(task.result!.samples) * 1e6) / ops)
    }
    perRound.push(medians)
    bench.reset()
  }
  const overRounds = (value: (round: ReadonlyMap<string, number>) => number) =>
    median(perRound.map(value).sort((a, b) => a - b))
  return {
    median: (name) => overRounds((round) => round.get(name)!),
    ratio: (name, baseline) => overRounds((round) => round.get(name)! / round.get(baseline)!)
  }
}

/** A row of case `of` from a {@link Comparison}, with its ratio to the baseline case `to`. */
export const comparedRow = (
  comparison: Comparison,
  row: {
    readonly name: string
    readonly unit: string
    readonly of: string
    readonly baseline?: { readonly name: string; readonly of: string } | undefined
    readonly target?: Target | undefined
  }
): Row => ({
  name: row.name,
  figure: comparison.median(row.of),
  unit: row.unit,
  baseline:
    row.baseline === undefined
      ? undefined
      : { name: row.baseline.name, figure: comparison.median(row.baseline.of) },
  ratio: row.baseline === undefined ? undefined : comparison.ratio(row.of, row.baseline.of),
  target: row.target
})
