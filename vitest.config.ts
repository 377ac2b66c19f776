import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The default output, then one plain "N passed, N failed, N skipped" line for CI.
    reporters: ["default", "./test/support/summaryReporter.ts"],
    // Starts a redis-server for the Redis limiter's tests unless REDIS_TEST_URL is set.
    globalSetup: ["test/support/redisGlobalSetup.ts"],
    // The packed-tarball check installs into a scratch project: allow it time.
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
