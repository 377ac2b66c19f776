/**
 * The servers the tests run against (`redis-server`, Alertmanager) are real programs. On a machine
 * without them, the test command installs them from Debian's packages when it can (root, apt-get
 * present), and otherwise fails at once with the command that installs them: the tests never
 * skip and never fall back to a mock.
 */
import { execFileSync, spawnSync } from "node:child_process"

/** A program the tests need, and the Debian package that provides it. */
export interface Binary {
  readonly command: string
  readonly debianPackage: string
}

const isOnPath = (command: string): boolean =>
  spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0

const isRoot = (): boolean => typeof process.getuid === "function" && process.getuid() === 0

/**
 * Makes sure every binary is on the PATH, installing the missing ones with apt-get in one go.
 * Throws, naming the command to run, when they are missing and cannot be installed here.
 */
export const ensureBinaries = (binaries: ReadonlyArray<Binary>): void => {
  const missing = binaries.filter((binary) => !isOnPath(binary.command))
  if (missing.length === 0) return
  const packages = missing.map((binary) => binary.debianPackage)
  const install = `apt-get install -y --no-install-recommends ${packages.join(" ")}`
  if (!isRoot() || !isOnPath("apt-get")) {
    throw new Error(
      `The tests need ${missing.map((binary) => binary.command).join(" and ")}, which ${missing.length === 1 ? "is" : "are"} not installed. Install ${missing.length === 1 ? "it" : "them"} with: sudo ${install}`
    )
  }
  console.log(`Installing ${packages.join(", ")} for the tests (${install})...`)
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" }
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env })
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], {
    stdio: "inherit",
    env
  })
  const stillMissing = missing.filter((binary) => !isOnPath(binary.command))
  if (stillMissing.length > 0) {
    throw new Error(`${install} did not provide ${stillMissing.map((binary) => binary.command).join(", ")}`)
  }
}
