import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Layer } from "effect"
import { Alert, AlertLimiter, Notifier, NotifierTest } from "../src/index.js"
import { PLACEHOLDER, redact, scrub } from "../src/internal/redact/redact.js"
import type { Rule } from "../src/internal/redact/rule.js"
import { type Creator, fromSecretlint, RULESET_RULES } from "../src/internal/redact/ruleset.js"
import { makeLogCapture } from "./support/logs.js"

describe("Alert.redact", () => {
  it("removes credentials from URLs and keeps the host", () => {
    expect(Alert.redact("connect postgres://admin:hunter2@db.internal:5432/app failed")).toBe(
      "connect postgres://[REDACTED]@db.internal:5432/app failed"
    )
    expect(Alert.redact("redis://:s3cret@cache:6379")).toBe("redis://[REDACTED]@cache:6379")
    expect(Alert.redact("https://ghtoken@github.com/org/repo.git")).toBe(
      "https://[REDACTED]@github.com/org/repo.git"
    )
  })

  it("removes bearer tokens and authorization values, keeping the scheme", () => {
    expect(Alert.redact("Authorization: Bearer eyJhbGciOi.abc-def_ghi rejected")).toBe(
      "Authorization: Bearer [REDACTED] rejected"
    )
    expect(Alert.redact("sent bearer abc123XYZ+/= to the API")).toBe("sent bearer [REDACTED] to the API")
    expect(Alert.redact('headers {"authorization":"Basic dXNlcjpwYXNz"}')).toBe(
      'headers {"authorization":"Basic [REDACTED]"}'
    )
  })

  it("removes secret query parameters and name=value secrets, leaving other parameters", () => {
    expect(
      Alert.redact(
        "GET https://api.example.com/v1/items?page=2&token=abc&access_token=def&api_key=ghi&sig=jkl#top"
      )
    ).toBe(
      "GET https://api.example.com/v1/items?page=2&token=[REDACTED]&access_token=[REDACTED]&api_key=[REDACTED]&sig=[REDACTED]#top"
    )
    expect(Alert.redact("?key=1&secret=2&password=3&X-Amz-Signature=4&client_secret=5")).toBe(
      "?key=[REDACTED]&secret=[REDACTED]&password=[REDACTED]&X-Amz-Signature=[REDACTED]&client_secret=[REDACTED]"
    )
    expect(Alert.redact("login failed: user=bob password=hunter2")).toBe(
      "login failed: user=bob password=[REDACTED]"
    )
    // Words that merely end in a secret name are not parameters.
    expect(Alert.redact("monkey=banana bypass=true")).toBe("monkey=banana bypass=true")
  })

  it("removes secret values of JSON keys, escaped quotes and all", () => {
    expect(
      Alert.redact('body {"user":"bob","password":"hu\\"nter2","api_key": "k-123","monkey":"x"} rejected')
    ).toBe('body {"user":"bob","password":"[REDACTED]","api_key": "[REDACTED]","monkey":"x"} rejected')
    // Cut before the closing quote: the rest goes too.
    expect(Alert.redact('{"client_secret":"abcdef…')).toBe('{"client_secret":"[REDACTED]')
  })

  it("replaces Discord and Slack webhook URLs whole", () => {
    for (const url of [
      "https://discord.com/api/webhooks/123456789012345678/AbC-dEf_GhI",
      "https://discordapp.com/api/webhooks/1/x",
      "https://ptb.discord.com/api/v9/webhooks/1/token-part",
      "http://127.0.0.1:8080/api/v10/webhooks/42/tok"
    ]) {
      expect(Alert.redact(`posting to ${url} failed`)).toBe("posting to [REDACTED:discord-webhook] failed")
    }
    expect(Alert.redact("POST https://hooks.slack.com/services/T0001/B0002/XXXXYYYYZZZZ: 500")).toBe(
      "POST [REDACTED:slack-webhook]: 500"
    )
    expect(Alert.redact("http://localhost:3000/services/T0001/B0002/abcdEFGH down")).toBe(
      "[REDACTED:slack-webhook] down"
    )
  })

  it("removes GitHub, Slack and AWS token shapes", () => {
    expect(Alert.redact("token ghp_0123456789abcdefghijABCDEFGHIJ012345 expired")).toBe(
      "token [REDACTED:github-token] expired"
    )
    expect(Alert.redact("gho_abcdefghij1234567890 github_pat_11ABCDEFG0123456789_abcdefXYZ")).toBe(
      "[REDACTED:github-token] [REDACTED:github-token]"
    )
    expect(Alert.redact("slack said invalid_auth for xoxb-1234567890-0987654321-AbCdEf")).toBe(
      "slack said invalid_auth for [REDACTED:slack-token]"
    )
    expect(Alert.redact("xoxp-1-2-3-abcdefgh and xapp-1-A0B1C2-123-abc")).toBe(
      "[REDACTED:slack-token] and [REDACTED:slack-token]"
    )
    expect(Alert.redact("AccessDenied for AKIAIOSFODNN7EXAMPLE in us-east-1")).toBe(
      "AccessDenied for [REDACTED:aws-access-key] in us-east-1"
    )
  })

  it("removes PEM private-key blocks, also when the END line was cut off", () => {
    const key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAKC\n-----END RSA PRIVATE KEY-----"
    expect(Alert.redact(`bad key:\n${key}\nend of report`)).toBe(
      "bad key:\n[REDACTED:private-key]\nend of report"
    )
    expect(Alert.redact("key: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhki…")).toBe(
      "key: [REDACTED:private-key]"
    )
    // Certificates are public: they stay.
    const cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
    expect(Alert.redact(cert)).toBe(cert)
  })

  it("removes JSON web tokens", () => {
    expect(
      Alert.redact(
        "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U ok"
      )
    ).toBe("jwt [REDACTED:jwt] ok")
  })

  it("leaves text without secrets unchanged and is idempotent", () => {
    const plain =
      '🚨 CRITICAL: operation "charge" is failing repeatedly\nError: HTTP 500 at https://api.example.com/x?page=1'
    expect(Alert.redact(plain)).toBe(plain)
    const dirty =
      "https://u:p@h/x?token=t Authorization: Bearer b ghp_0123456789abcdefghij https://discord.com/api/webhooks/1/t"
    const once = Alert.redact(dirty)
    expect(Alert.redact(once)).toBe(once)
    expect(once).not.toMatch(/\bu:p\b|token=t\b|Bearer b\b|ghp_0|webhooks\/1\/t/)
  })

  it("is total: hostile and huge inputs return a string", () => {
    expect(Alert.redact("")).toBe("")
    expect(Alert.redact(null as unknown as string)).toBe("null")
    expect(Alert.redact(Object.create(null) as string)).toBe("[object Object]")
    const megabyte = 1_000_000
    // Shapes that make naive patterns rescan the text from every position.
    for (const hostile of [
      "a".repeat(megabyte),
      " a_".repeat(megabyte / 3),
      "://".repeat(megabyte / 3),
      `https://${"a".repeat(megabyte)}`,
      "-----BEGIN PRIVATE KEY-----".repeat(megabyte / 27),
      `${"-----BEGIN PRIVATE KEY-----".repeat(megabyte / 54)}-----END CERTIFICATE-----`,
      "?token=".repeat(megabyte / 7),
      `"password":"${"a\\".repeat(megabyte / 2)}`,
      "Bearer ".repeat(megabyte / 7),
      "ghp_".repeat(megabyte / 4),
      "http://x/api/webhooks/1/".repeat(megabyte / 24)
    ]) {
      expect(typeof Alert.redact(hostile)).toBe("string")
    }
    const secretAtTheEnd = `${"x".repeat(megabyte)} password=hunter2`
    expect(Alert.redact(secretAtTheEnd).endsWith("password=[REDACTED]")).toBe(true)
  })
})

// Made-up values in the shape of each format: none of them is a live credential.
const GITHUB = "ghp_R8xK2mQ7vN4tY1wB9pL3jH6fC0sA5gE2dZ7u"
const AWS_SECRET = "Zx9mK2pQ7vR4tY8wB3nL6jH1fD5sA0gE2cV7bN9m"
const OPENAI = `sk-proj-${"R8xK2mQ7vN".repeat(7)}R8xKT3BlbkFJ${"6fC0sA5gE2".repeat(7)}6fC0`
const ANTHROPIC = `sk-ant-api03-${"R8xK2mQ7vN".repeat(9)}R8xAA`
const SENDGRID = "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"
const NPM = "npm_R8xK2mQ7vN4tY1wB9pL3jH6fC0sA5gE2dZ7u"
const PEM = `-----BEGIN RSA PRIVATE KEY-----\nMII${"R8xK2mQ7vN4tY1wB9pL3jH6fC0sA5g".repeat(4)}\n-----END RSA PRIVATE KEY-----`
const OPENSSH = `-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE${"A".repeat(100)}\n-----END OPENSSH PRIVATE KEY-----`

describe("Alert.redact: every rule family", () => {
  const families: ReadonlyArray<readonly [family: string, input: string, output: string]> = [
    [
      "AWS access key id",
      "InvalidClientTokenId: the security token is invalid (AKIAZ7VRSQ4FJK2LBXNE)",
      "InvalidClientTokenId: the security token is invalid ([REDACTED:aws-access-key])"
    ],
    [
      "AWS secret access key, as a variable",
      `env aws_secret_access_key=${AWS_SECRET} rejected`,
      "env aws_secret_access_key=[REDACTED:aws-secret-key] rejected"
    ],
    [
      "AWS credentials in JSON",
      `{"AccessKeyId":"ASIAZ7VRSQ4FJK2LBXNE","SecretAccessKey":"${AWS_SECRET}"}`,
      '{"AccessKeyId":"[REDACTED:aws-access-key]","SecretAccessKey":"[REDACTED:aws-secret-key]"}'
    ],
    ["AWS account id", "aws_account_id: 1234-5678-9012 not allowed", "[REDACTED:aws-account-id] not allowed"],
    [
      "GCP API key, OAuth access token and client secret",
      "geocode AIzaSyD4mX9kQ2vR7tY1wB8nL3jH6fC0sA5gE2d over quota; oauth ya29.a0AfB_byC3dE4fG5hI6jK7lM8nO9pQ0rS1tU2 expired; client GOCSPX-4mX9kQ2vR7tY1wB8nL3jH6fC0sA",
      "geocode [REDACTED:gcp-api-key] over quota; oauth [REDACTED:gcp-access-token] expired; client [REDACTED:gcp-client-secret]"
    ],
    ["GitHub token", `git push with ${GITHUB} rejected`, "git push with [REDACTED:github-token] rejected"],
    [
      "Slack token and webhook",
      "invalid_auth for xoxb-2048-4096-R8xK2mQ7vN4tY1wB9pL3jH6 posting to https://hooks.slack.com/services/T0001/B0002/R8xK2mQ7vN4t",
      "invalid_auth for [REDACTED:slack-token] posting to [REDACTED:slack-webhook]"
    ],
    [
      "npm token",
      `npm ERR! 403 token ${NPM} is read-only`,
      "npm ERR! 403 token [REDACTED:npm-token] is read-only"
    ],
    [
      "npm auth token in .npmrc",
      "//registry.npmjs.org/:_authToken=8c2f4b1e-6d3a-4f5b-9e7c-1a2b3c4d5e6f",
      "//registry.npmjs.org/:_authToken=[REDACTED]"
    ],
    [
      "Stripe secret, restricted and webhook keys",
      "charge failed with sk_live_51H8R8xK2mQ7vN4tY1wB9pL3j, rk_test_51H8R8xK2mQ7vN4tY1wB9pL3j, whsec_R8xK2mQ7vN4tY1wB9pL3jH6fC0sA5",
      "charge failed with [REDACTED:stripe-key], [REDACTED:stripe-key], [REDACTED:stripe-key]"
    ],
    [
      "SendGrid key",
      `sendgrid 401 with ${SENDGRID} sending`,
      "sendgrid 401 with [REDACTED:sendgrid-key] sending"
    ],
    ["OpenAI key", `openai 401 for ${OPENAI} key`, "openai 401 for [REDACTED:openai-key] key"],
    ["Anthropic key", `anthropic 401 for ${ANTHROPIC} key`, "anthropic 401 for [REDACTED:anthropic-key] key"],
    [
      "other sk- API keys",
      "deepseek 401 for sk-4f1c2a9e77b14d5e8f9a0b1c2d3e4f5a",
      "deepseek 401 for [REDACTED:api-key]"
    ],
    ["RSA private key", `bad key:\n${PEM}\nend`, "bad key:\n[REDACTED:private-key]\nend"],
    ["OpenSSH private key", `bad key:\n${OPENSSH}\nend`, "bad key:\n[REDACTED:private-key]\nend"],
    [
      "PGP private key block",
      "-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF0R8xK2mQ7vN4tY\n-----END PGP PRIVATE KEY BLOCK----- then",
      "[REDACTED:private-key] then"
    ],
    [
      "basic auth in a URL",
      "pull https://deploy:Tr0ub4dor@registry.example.com/v2/app failed",
      "pull https://[REDACTED]@registry.example.com/v2/app failed"
    ],
    [
      "database URLs",
      "postgres://app:s3cr3tPw@db.internal:5432/orders?sslmode=require, mysql://root:Tr0ub4dor@10.0.3.17:3306/app, mongodb+srv://svc:Tr0ub4dor@cluster0.ab1cd.mongodb.net/app?retryWrites=true, redis://:Tr0ub4dor@cache:6379/0",
      "postgres://[REDACTED]@db.internal:5432/orders?sslmode=require, mysql://[REDACTED]@10.0.3.17:3306/app, mongodb+srv://[REDACTED]@cluster0.ab1cd.mongodb.net/app?retryWrites=true, redis://[REDACTED]@cache:6379/0"
    ],
    [
      "connection-string fields",
      "Server=db;Database=app;User Id=sa;Password=Sup3r;Encrypt=true",
      "Server=db;Database=app;User Id=sa;Password=[REDACTED];Encrypt=true"
    ],
    [
      "JSON web token",
      "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U rejected",
      "jwt [REDACTED:jwt] rejected"
    ],
    [
      "secret headers",
      "X-Auth-Token: 4f1c2a9e77b1, Proxy-Authorization: Basic dXNlcjpwYXNz, Private-Token: glpat-R8xK2mQ7vN4tY1wB9pL3",
      "X-Auth-Token: [REDACTED], Proxy-Authorization: Basic [REDACTED], Private-Token: [REDACTED:gitlab-token]"
    ],
    [
      "a token in a header names its kind",
      `Authorization: Bearer ${GITHUB}`,
      "Authorization: Bearer [REDACTED:github-token]"
    ],
    [
      "Set-Cookie: the value, not the attributes",
      "Set-Cookie: sid=R8xK2mQ7vN4t; Path=/; HttpOnly; Secure",
      "Set-Cookie: sid=[REDACTED]; Path=/; HttpOnly; Secure"
    ],
    [
      "secrets as name: value",
      "login failed: password: hunter2, client_secret: abc123, api_key: k-9",
      "login failed: password: [REDACTED], client_secret: [REDACTED], api_key: [REDACTED]"
    ]
  ]

  for (const [family, input, output] of families) {
    it(family, () => {
      expect(Alert.redact(input)).toBe(output)
      expect(Alert.redact(output)).toBe(output)
    })
  }
})

describe("Alert.redact: messages that used to pass through", () => {
  it("removes a Stripe live key", () => {
    expect(Alert.redact("stripe sk_live_51H8abcdefghijklmnopqrstuvwx")).toBe("stripe [REDACTED:stripe-key]")
  })

  it("removes OpenAI project keys and Anthropic keys of any length", () => {
    expect(Alert.redact("openai sk-proj-abcdefghijklmnopqrstuvwxyz0123456789")).toBe(
      "openai [REDACTED:openai-key]"
    )
    expect(Alert.redact("anthropic sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789")).toBe(
      "anthropic [REDACTED:anthropic-key]"
    )
  })

  it("removes an API key header", () => {
    expect(Alert.redact("X-Api-Key: 0123456789abcdef0123456789abcdef")).toBe("X-Api-Key: [REDACTED]")
  })

  it("removes the AWS secret access key next to its key id", () => {
    expect(Alert.redact("aws key AKIAIOSFODNN7EXAMPLE secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")).toBe(
      "aws key [REDACTED:aws-access-key] secret [REDACTED:aws-secret-key]"
    )
  })

  it("removes every cookie of a Cookie header", () => {
    expect(Alert.redact("Cookie: session=abc; csrftoken=xyz")).toBe(
      "Cookie: session=[REDACTED]; csrftoken=[REDACTED]"
    )
    expect(Alert.redact('{"cookie": "session=abc; csrftoken=xyz"}')).toBe('{"cookie": "[REDACTED]"}')
  })
})

describe("Alert.redact: ordinary error text", () => {
  it("comes through unchanged: status codes, ids, hostnames, durations", () => {
    for (const text of [
      "HttpError: HTTP 503 Service Unavailable from https://api.example.com/v1/charges?page=2&limit=50 after 1.2s",
      "ConnectionError: connect ECONNREFUSED 10.0.3.17:5432",
      "TimeoutError: request 7f3a9c2e-1b4d-4e8a-9c1f-2b3d4e5f6a7b to billing-api.internal:8443 timed out after 30000ms",
      'DbError: duplicate key value violates unique constraint "users_email_key" (SQLSTATE 23505)',
      "RateLimited: 429 Too Many Requests, retry after 2s (bucket api-key-usage, 120/120 used)",
      "KeyError: 'user_id' in payload at line 42",
      "session 9f2c expired after 15m; token refresh scheduled in 500ms",
      "deploy of 3f786850e387550fdab836ed7e6dc881de23001b to eu-west-1 failed: task-runner-7 exited with code 137",
      "Error: ENOENT: no such file or directory, open '/var/lib/app/cache/index.json'",
      "grpc UNAVAILABLE (14): upstream connect error, reset reason: connection termination, host=payments-7d9f8-xk2p4",
      "SIGTERM received; passed 12 of 13 health checks; author: build-bot",
      "S3 GetObject s3://reports/key-2024/q3.csv: NoSuchKey (RequestId: 4F1C2A9E77B1, HostId: db-1)",
      "X-Request-Id: 4f1c2a9e; Retry-After: 120; Content-Type: application/json; charset=utf-8",
      'ETag: "33a64df551425fcc55e4d42a148795d9f25f89d4" did not match',
      "user bob@example.com not found in tenant acme (asia-southeast1)",
      "disk-usage-alert-abcdefghijklmnopqrstuvwxyz fired at 2024-05-01T12:00:00Z for /dev/sda1 (93%)",
      "mysql: too many connections (max 151) on db-primary.internal",
      "Charging failed after 3 attempts (1s, 2s, 4s); last error 502 Bad Gateway from lb-eu-1"
    ]) {
      expect(Alert.redact(text)).toBe(text)
    }
  })
})

/** What the ruleset alone reports for `text`: each range's text and kind. */
const rulesetFinds = (text: string, rules: ReadonlyArray<Rule> = RULESET_RULES) => {
  const lower = text.toLowerCase()
  const found: Array<readonly [string, string]> = []
  for (const rule of rules) {
    const hits = rule.keywords
      .flatMap((keyword) => {
        const at: Array<number> = []
        for (let i = lower.indexOf(keyword); i !== -1; i = lower.indexOf(keyword, i + 1)) at.push(i)
        return at
      })
      .sort((a, b) => a - b)
    if (hits.length === 0 || (rule.requires !== undefined && !text.includes(rule.requires))) continue
    rule.find(text, hits, (start, end, kind) => found.push([text.slice(start, end), kind]))
  }
  return found
}

describe("the secretlint rule packages", () => {
  it("run without Node, each reporting its format through the adapter", () => {
    expect(rulesetFinds(`aws_secret_access_key=${AWS_SECRET}`)).toEqual([[AWS_SECRET, "aws-secret-key"]])
    expect(rulesetFinds("id AKIAZ7VRSQ4FJK2LBXNE")).toEqual([["AKIAZ7VRSQ4FJK2LBXNE", "aws-access-key"]])
    expect(rulesetFinds(`push ${GITHUB}`)).toEqual([[GITHUB, "github-token"]])
    expect(rulesetFinds("xoxb-2048-4096-R8xK2mQ7vN4tY1wB9pL3jH6")).toEqual([
      ["xoxb-2048-4096-R8xK2mQ7vN4tY1wB9pL3jH6", "slack-token"]
    ])
    expect(rulesetFinds(`token ${NPM}`)).toEqual([[NPM, "npm-token"]])
    expect(rulesetFinds(`key ${OPENAI}`)).toEqual([[OPENAI, "openai-key"]])
    expect(rulesetFinds(`key ${ANTHROPIC}`)).toEqual([[ANTHROPIC, "anthropic-key"]])
    expect(rulesetFinds(`key ${SENDGRID}`)).toEqual([[SENDGRID, "sendgrid-key"]])
    expect(rulesetFinds(`bad:\n${PEM}\n`)).toEqual([[PEM, "private-key"]])
    // Credentials in a URL: the user information, the host stays.
    expect(rulesetFinds("https://deploy:Tr0ub4dor@registry.example.com/v2")).toEqual([
      ["deploy:Tr0ub4dor", ""]
    ])
    expect(rulesetFinds("postgres://app:s3cr3tPw@db.internal:5432/orders")).toEqual([["app:s3cr3tPw", ""]])
  })

  it("know only exact formats: the built-in rules catch the rest", () => {
    expect(rulesetFinds("openai sk-proj-abcdefghijklmnopqrstuvwxyz0123456789")).toEqual([])
    expect(
      rulesetFinds("aws key AKIAIOSFODNN7EXAMPLE secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    ).toEqual([])
  })

  it("see the whole text through windows, however many keywords come first", () => {
    const padding = "x".repeat(1_000_000)
    expect(rulesetFinds(`${padding} ${OPENAI}`)).toEqual([[OPENAI, "openai-key"]])
    expect(rulesetFinds(`${"sk-".repeat(300_000)} ${OPENAI}`)).toContainEqual([OPENAI, "openai-key"])
    expect(rulesetFinds(`${"-----BEGIN PRIVATE KEY-----".repeat(30_000)}\n${PEM}`)).toContainEqual([
      PEM,
      "private-key"
    ])
  })

  const entry = (create: Creator["create"]) =>
    fromSecretlint({
      creator: { meta: { id: "@secretlint/secretlint-rule-example" }, create },
      keywords: ["tok_"],
      lead: 1,
      reach: 100,
      kinds: {}
    })

  it("a rule that throws hides the tokens at its keywords", () => {
    const broken = entry(() => ({
      file: () => {
        throw new Error("a bug in the rule")
      }
    }))
    expect(rulesetFinds("failed with tok_R8xK2mQ7 and tok_6fC0", [broken])).toEqual([
      ["tok_R8xK2mQ7", "example"],
      ["tok_6fC0", "example"]
    ])
  })

  it("a rule that cannot be created hides the tokens at its keywords", () => {
    const unborn = entry(() => {
      throw new Error("a bug in the rule")
    })
    expect(rulesetFinds("failed with tok_R8xK2mQ7", [unborn])).toEqual([["tok_R8xK2mQ7", "example"]])
  })

  it("a rule that turned asynchronous hides the tokens at its keywords", () => {
    const later = entry((context) => ({
      file: async (source) => {
        await Promise.resolve()
        context.report({ message: "Late", range: [0, source.content.length] })
      }
    }))
    expect(rulesetFinds("failed with tok_R8xK2mQ7", [later])).toEqual([["tok_R8xK2mQ7", "example"]])
  })

  it("a report with a bad range is ignored, a new message id names its kind", () => {
    const sloppy = entry((context) => ({
      file: (source) => {
        for (const range of [[Number.NaN, 3], [-1, 2], [5, 2], [0, 1e9], "x", undefined]) {
          context.report({ message: "Whatever", range })
        }
        const start = source.content.indexOf("tok_")
        context.report({ message: "NewTokenFormat", range: [start, start + 8] })
      }
    }))
    expect(rulesetFinds("failed with tok_R8xK2mQ7", [sloppy])).toEqual([["tok_R8xK2mQ7", "new-token-format"]])
  })
})

describe("the internal redactor", () => {
  it("never throws, whatever the input", () => {
    for (const value of [null, undefined, 42, Symbol("s"), Object.create(null), { toString: () => "ok" }]) {
      expect(typeof redact(value as unknown as string)).toBe("string")
      expect(typeof scrub(value as unknown as string, ["x"])).toBe("string")
    }
    expect(redact({ toString: () => "password=hunter2" } as unknown as string)).toBe(
      `password=${PLACEHOLDER}`
    )
  })

  it("hides a token cut short by the end of the text", () => {
    expect(redact("retrying: token ghp_R8xK2m")).toBe("retrying: token [REDACTED]")
    expect(redact("key sk-proj-abc…")).toBe("key [REDACTED]")
    // Mid-text, a short prefix-alike is ordinary text.
    expect(redact("ghp_R8xK2m was short")).toBe("ghp_R8xK2m was short")
  })

  it("finishes on hostile texts of 1 MB, and still finds the secret after them", () => {
    const megabyte = 1_000_000
    const repeat = (unit: string) => unit.repeat(Math.ceil(megabyte / unit.length)).slice(0, megabyte)
    for (const hostile of [
      repeat("sk-"),
      repeat("sk-ant-api03-"),
      `sk-proj-${"A".repeat(megabyte)}`,
      repeat("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
      repeat("eyJ-"),
      repeat("eyJaaaa."),
      repeat("xoxb-"),
      repeat("SG."),
      repeat("secret "),
      repeat("aws_secret_access_key="),
      repeat("aws_account_id: 1234"),
      repeat("mongodb://u:p@"),
      repeat(`postgres://${"u".repeat(90)}:`),
      repeat("https://u:p@"),
      repeat(":x-oauth-basic@github.com/"),
      repeat("_authToken="),
      repeat("npm_"),
      repeat("cookie:"),
      repeat("Cookie: a=b; "),
      repeat("X-Api-Key: "),
      repeat("a-"),
      repeat("private key "),
      repeat(`-----BEGIN PRIVATE KEY-----\nMII${"A".repeat(300)}`),
      repeat("AKIA"),
      repeat("key token secret pass auth session sig ")
    ]) {
      const text = `${hostile} ${GITHUB}`
      const result = redact(text)
      expect(typeof result).toBe("string")
      expect(result).not.toContain(GITHUB.slice(4))
    }
  })
})

describe("Alert.sendRateLimited redaction", () => {
  const secretError =
    "POST https://billing:pa55w0rd@api.example.com/charge failed with Authorization: Bearer sk-live-123456"

  it.effect("the notifier receives the alert text scrubbed", () =>
    Effect.gen(function* () {
      const delivered = yield* Alert.sendRateLimited({
        name: "charge",
        error: new Error("HTTP 500"),
        context: "billing",
        message: secretError
      })
      expect(delivered).toBe(true)
      const sent = yield* NotifierTest.sent
      expect(sent.map((alert) => alert.text)).toEqual([
        "POST https://[REDACTED]@api.example.com/charge failed with Authorization: Bearer [REDACTED]"
      ])
    }).pipe(Effect.provide([NotifierTest.layer(), AlertLimiter.layer()]))
  )

  it.effect("the failure log carries the scrubbed text, not the secret", () =>
    Effect.gen(function* () {
      const capture = yield* makeLogCapture
      const delivered = yield* Effect.gen(function* () {
        yield* NotifierTest.setFailure(Cause.fail(new Notifier.NotifierError({ message: "webhook down" })))
        return yield* Alert.sendRateLimited({
          name: "charge",
          error: new Error("HTTP 500"),
          context: "billing",
          message: secretError
        })
      }).pipe(Effect.provide(Layer.mergeAll(NotifierTest.layer(), AlertLimiter.layer(), capture.layer)))
      expect(delivered).toBe(true) // handed over; the delivery fails off the caller's fiber
      const logs = yield* capture.logs
      const failure = logs.find((log) => log.message.startsWith("Alert could not be delivered"))
      expect(failure?.message).toContain("https://[REDACTED]@api.example.com/charge")
      expect(failure?.cause).toContain("webhook down")
      for (const log of logs) {
        expect(log.text).not.toContain("pa55w0rd")
        expect(log.text).not.toContain("sk-live-123456")
      }
    })
  )
})
