import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The default output, then one plain "N passed, N failed, N skipped" line for CI.
    reporters: ["default", "./test/support/summaryReporter.ts"],
    // Installs the servers the tests need when they are missing, and starts a shared redis-server.
    globalSetup: ["test/support/globalSetup.ts"],
    // The packed-tarball check installs into a scratch project: allow it time.
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
