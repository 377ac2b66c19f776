/**
 * The examples run as a user runs them: a child process, real servers on 127.0.0.1, real time.
 */
import { execFile } from "node:child_process"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { resolve } from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"

const root = resolve(import.meta.dirname, "..")
const run = (script: string, env: Record<string, string> = {}) =>
  promisify(execFile)(process.execPath, ["--import", "tsx", script], {
    cwd: root,
    env: { ...process.env, ...env },
    timeout: 60_000
  })

describe("npm start (examples/spend-credits.ts)", () => {
  it("replays the incident with the embedded defaults: 1 alert per signature, then 1 resolution each", async () => {
    const { stdout, stderr } = await run("examples/spend-credits.ts")
    expect(stdout).toContain("calls:              9 (9 succeeded once the server recovered)")
    expect(stdout).toContain("attempts:           549 requests to the billing server (540 failed)")
    expect(stdout).toContain("alerts fired:       2")
    expect(stdout).toContain("alerts suppressed:  7")
    expect(stdout).toContain("incidents resolved: 2")
    const logs = stdout + stderr
    expect(logs.match(/🚨 CRITICAL: operation \\"spend_credits\\" is failing repeatedly/g)).toHaveLength(1)
    expect(logs.match(/🚨 INFRASTRUCTURE: billing is failing repeatedly/g)).toHaveLength(1)
    const resolved =
      logs.match(/✅ RESOLVED: spend_credits \((billing|billing_infrastructure)\) resolved after/g) ?? []
    expect(resolved.sort()).toEqual([
      "✅ RESOLVED: spend_credits (billing) resolved after",
      "✅ RESOLVED: spend_credits (billing_infrastructure) resolved after"
    ])
    // Each resolution carries the key of the alert it closes.
    for (const key of logs.match(/dedupKey=\S+/g) ?? []) {
      expect(logs.split(key).length - 1).toBe(2)
    }
  })

  it("delivers its alerts to the Discord webhook named by ALERT_DISCORD_WEBHOOK_URL", async () => {
    const bodies: Array<{
      path: string
      body: {
        embeds: ReadonlyArray<{ title: string; description?: string; color: number }>
        allowed_mentions: unknown
        content?: unknown
      }
    }> = []
    const server = createServer((request, response) => {
      let body = ""
      request.on("data", (chunk) => (body += chunk))
      request.on("end", () => {
        bodies.push({ path: request.url ?? "", body: JSON.parse(body) })
        response.writeHead(204).end()
      })
    })
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
    try {
      const { port } = server.address() as AddressInfo
      const secret = "s3cr3t-webhook-token"
      const { stdout, stderr } = await run("examples/spend-credits.ts", {
        ALERT_DISCORD_WEBHOOK_URL: `http://127.0.0.1:${port}/api/webhooks/123/${secret}`
      })
      expect(stdout).toContain("alerts fired:       2")
      expect(stdout).toContain("incidents resolved: 2")
      expect(bodies).toHaveLength(4)
      expect(bodies.every(({ path }) => path === `/api/v10/webhooks/123/${secret}`)).toBe(true)
      // One embed each: a firing alert's first line as title, in red; each resolution in green.
      const firing = bodies.filter(({ body }) => body.embeds[0]!.color === 0xed4245)
      const resolved = bodies.filter(({ body }) => body.embeds[0]!.color === 0x57f287)
      expect(resolved.map(({ body }) => body.embeds[0]!.title.replace(/ after .*/, "")).sort()).toEqual([
        "✅ RESOLVED: spend_credits (billing) resolved",
        "✅ RESOLVED: spend_credits (billing_infrastructure) resolved"
      ])
      expect(firing.map(({ body }) => body.embeds[0]!.title).sort()).toEqual([
        '🚨 CRITICAL: operation "spend_credits" is failing repeatedly',
        "🚨 INFRASTRUCTURE: billing is failing repeatedly"
      ])
      expect(bodies.every(({ body }) => body.embeds.length === 1)).toBe(true)
      expect(bodies.every(({ body }) => body.content === undefined)).toBe(true)
      expect(bodies[0]!.body.allowed_mentions).toEqual({ parse: [] })
      expect(stdout + stderr).not.toContain(secret)
    } finally {
      server.close()
    }
  })
})

describe("examples/plain-functions.ts", () => {
  it("retries, passes `this` through, rejects with the error itself, and stops on abort", async () => {
    const { stdout, stderr } = await run("examples/plain-functions.ts")
    expect(stdout).toContain('fetchQuote("ACME") = 101.5 after 3 calls')
    expect(stdout).toContain("pool.open(4) = 4")
    expect(stdout).toContain("rejected with the thrown error itself: true")
    expect(stdout).toContain("worker ended with: shutting down")
    // The two failed quotes were retried with warnings, and the market status gave up once.
    const logs = stdout + stderr
    expect(logs.match(/fetchQuote failed on attempt \d\/5/g)).toHaveLength(2)
    expect(logs).toContain("marketStatus gave up after 2 attempts: QuoteError: market closed")
  })
})

describe("examples/retry-after.ts", () => {
  it("waits the 2 seconds a real server's Retry-After asks for, then gets the 200", async () => {
    const { stdout, stderr } = await run("examples/retry-after.ts")
    expect(stdout).toContain("server: 429, Retry-After: 2")
    expect(stdout).toContain("price: ACME 42.00")
    // The warning says the wait the server asked for, not the 200 ms backoff.
    expect(stdout + stderr).toContain("getPrice failed on attempt 1/5; retrying in 2s")
    const waited = Number(/waited (\d+\.\d) s/.exec(stdout)?.[1])
    expect(waited).toBeGreaterThanOrEqual(2)
  })
})
