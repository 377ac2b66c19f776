/**
 * A Node child process of a test (a "replica"), read line by line: the cross-process tests start
 * several, tell them "go" on stdin, and read what each prints.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createInterface } from "node:readline"

export interface Child {
  readonly child: ChildProcess
  /** The next line it prints; rejects when it exits first. */
  readonly nextLine: () => Promise<string>
  readonly exitCode: Promise<number | null>
}

/** Runs `script` (compiled JavaScript) with `args`; stderr goes to the test's. */
export const startChild = (script: string, args: ReadonlyArray<string>): Child => {
  const child = spawn(process.execPath, [script, ...args], { stdio: ["pipe", "pipe", "inherit"] })
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  const exitCode = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const nextLine = async () => {
    const line = await lines.next()
    if (line.done) throw new Error(`replica exited early with code ${await exitCode}`)
    return line.value
  }
  return { child, nextLine, exitCode }
}
