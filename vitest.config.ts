import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The packed-tarball check installs into a scratch project: allow it time.
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
