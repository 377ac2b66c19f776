/**
 * Redaction of token formats that no rule names, and of none of the ordinary text around them.
 *
 * Every token below is generated with a random body on each run, in the shape of a real format
 * (prefix, alphabet, length), and embedded in the kind of error message that would carry it. None
 * is a live credential. `by` says what catches it: `rule` (secretlint's rule packages or the
 * built-in rules alone already do) or `generic` (only the generic detectors of
 * `src/internal/redact/generic.ts` do); the tests hold both claims, and `docs/guides/secrets.md`
 * shows the same table.
 */
import { describe, expect, it } from "@effect/vitest"
import { Alert } from "../src/index.js"
import { BUILTIN_RULES } from "../src/internal/redact/builtin.js"
import { GROWTH, redact, SLACK, scrub } from "../src/internal/redact/redact.js"
import type { Rule } from "../src/internal/redact/rule.js"
import { RULESET_RULES } from "../src/internal/redact/ruleset.js"

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
const LOWER = "abcdefghijklmnopqrstuvwxyz"
const DIGITS = "0123456789"
const ALNUM = UPPER + LOWER + DIGITS
const BASE64URL = `${ALNUM}-_`
const BASE64 = `${ALNUM}+/`
const HEX = "0123456789abcdef"

const pick = (alphabet: string, length: number): string => {
  let result = ""
  for (let i = 0; i < length; i++) result += alphabet[Math.floor(Math.random() * alphabet.length)]
  return result
}
/** Random text that has at least one character of each class, as every real token does. */
const token = (alphabet: string, length: number): string => {
  for (;;) {
    const candidate = pick(alphabet, length)
    if (
      (!/[0-9]/.test(alphabet) || /[0-9]/.test(candidate)) &&
      (!/[a-z]/.test(alphabet) || /[a-z]/.test(candidate)) &&
      (!/[A-Z]/.test(alphabet) || /[A-Z]/.test(candidate))
    ) {
      return candidate
    }
  }
}
const digits = (length: number): string => `${1 + Math.floor(Math.random() * 9)}${pick(DIGITS, length - 1)}`
const base64 = (text: string): string => btoa(text)
const base64url = (text: string): string =>
  base64(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")

interface Sample {
  /** The message, as an error would carry it. */
  readonly text: string
  /** The secret parts: none of them may survive, nor any 12 characters in a row of them. */
  readonly secrets: ReadonlyArray<string>
  /** Words around the secret that must survive. */
  readonly keep: ReadonlyArray<string>
}

interface Format {
  readonly family: string
  readonly by: "rule" | "generic"
  readonly make: () => Sample
}

const sample = (text: string, secrets: ReadonlyArray<string>, keep: ReadonlyArray<string>): Sample => ({
  text,
  secrets,
  keep
})

const FORMATS: ReadonlyArray<Format> = [
  // Caught by a rule (secretlint's packages or the built-in rules).
  {
    family: "GitHub classic token (ghp_)",
    by: "rule",
    make: () => {
      const secret = `ghp_${token(ALNUM, 36)}`
      return sample(
        `GitHub API 401 Bad credentials for ${secret} on GET /repos/acme/api`,
        [secret],
        ["GitHub", "/repos/acme/api"]
      )
    }
  },
  {
    family: "GitHub OAuth token (gho_)",
    by: "rule",
    make: () => {
      const secret = `gho_${token(ALNUM, 36)}`
      return sample(`octokit: token ${secret} revoked, refresh failed`, [secret], ["octokit:", "revoked,"])
    }
  },
  {
    family: "GitHub fine-grained token (github_pat_)",
    by: "rule",
    make: () => {
      const secret = `github_pat_11${token(UPPER + DIGITS, 20)}_${token(ALNUM, 59)}`
      return sample(`clone of acme/infra with ${secret} returned 403`, [secret], ["clone", "returned 403"])
    }
  },
  {
    family: "Stripe secret key (sk_live_)",
    by: "rule",
    make: () => {
      const secret = `sk_live_51${token(ALNUM, 97)}`
      return sample(
        `StripeAuthenticationError: Invalid API Key provided: ${secret}`,
        [secret],
        ["StripeAuthenticationError:"]
      )
    }
  },
  {
    family: "Stripe restricted key (rk_live_)",
    by: "rule",
    make: () => {
      const secret = `rk_live_51${token(ALNUM, 97)}`
      return sample(
        `refund job: key ${secret} lacks rak_refund_write`,
        [secret],
        ["refund job:", "rak_refund_write"]
      )
    }
  },
  {
    family: "Slack bot token (xoxb-)",
    by: "rule",
    make: () => {
      const secret = `xoxb-${digits(12)}-${digits(13)}-${token(ALNUM, 24)}`
      return sample(
        `slack chat.postMessage invalid_auth with ${secret}`,
        [secret.slice(5)],
        ["chat.postMessage", "invalid_auth"]
      )
    }
  },
  {
    family: "Slack app-level token (xapp-)",
    by: "rule",
    make: () => {
      const secret = `xapp-1-A${token(UPPER + DIGITS, 10)}-${digits(13)}-${token(HEX, 64)}`
      return sample(
        `socket mode connect failed for ${secret}: not_authed`,
        [secret.slice(5)],
        ["socket mode", "not_authed"]
      )
    }
  },
  {
    family: "npm access token (npm_)",
    by: "rule",
    make: () => {
      const secret = `npm_${token(ALNUM, 36)}`
      return sample(
        `npm ERR! 403 Forbidden - PUT https://registry.npmjs.org/@acme%2fsdk - token ${secret} is read-only`,
        [secret],
        ["npm ERR! 403", "read-only"]
      )
    }
  },
  {
    family: "SendGrid API key (SG.)",
    by: "rule",
    make: () => {
      const secret = `SG.${token(BASE64URL, 22)}.${token(BASE64URL, 43)}`
      return sample(
        `sendgrid 401 for ${secret} sending receipt`,
        [secret.slice(3)],
        ["sendgrid 401", "sending receipt"]
      )
    }
  },
  {
    family: "OpenAI project key (sk-proj-)",
    by: "rule",
    make: () => {
      const secret = `sk-proj-${token(BASE64URL, 74)}T3BlbkFJ${token(BASE64URL, 74)}`
      return sample(
        `openai 401 Incorrect API key provided: ${secret}.`,
        [secret.slice(8)],
        ["openai 401", "Incorrect API key"]
      )
    }
  },
  {
    family: "Anthropic API key (sk-ant-)",
    by: "rule",
    make: () => {
      const secret = `sk-ant-api03-${token(BASE64URL, 93)}AA`
      return sample(
        `anthropic authentication_error for ${secret}`,
        [secret.slice(13)],
        ["anthropic", "authentication_error"]
      )
    }
  },
  {
    family: "Google API key (AIza)",
    by: "rule",
    make: () => {
      const secret = `AIza${token(BASE64URL, 35)}`
      return sample(
        `geocode REQUEST_DENIED for key ${secret} (referer not allowed)`,
        [secret],
        ["REQUEST_DENIED", "referer"]
      )
    }
  },
  {
    family: "AWS access key id and secret access key",
    by: "rule",
    make: () => {
      const id = `AKIA${token(`${UPPER}234567`, 16)}`
      const secret = token(BASE64, 40)
      return sample(
        `SignatureDoesNotMatch: credentials aws_access_key_id=${id} aws_secret_access_key=${secret} for s3:PutObject`,
        [id, secret],
        ["SignatureDoesNotMatch:", "s3:PutObject"]
      )
    }
  },
  {
    family: "JSON web token",
    by: "rule",
    make: () => {
      const jwt = `${base64url('{"alg":"HS256","typ":"JWT"}')}.${base64url(`{"sub":"${digits(8)}","exp":${digits(10)}}`)}.${token(BASE64URL, 43)}`
      return sample(
        `401 from gateway: jwt ${jwt} expired`,
        [jwt.slice(jwt.lastIndexOf("."))],
        ["gateway:", "expired"]
      )
    }
  },
  {
    family: "PEM private key",
    by: "rule",
    make: () => {
      const body = `MIIEvQIBADANBgkqhkiG9w0BAQEFAASC${token(BASE64, 64)}\n${token(BASE64, 64)}`
      return sample(
        `TLS setup failed: -----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY----- is not PKCS#8`,
        [body.slice(32, 96)],
        ["TLS setup failed:", "PKCS#8"]
      )
    }
  },
  {
    family: "Basic auth header",
    by: "rule",
    make: () => {
      const credentials = base64(`deploy:${token(ALNUM, 20)}`)
      return sample(
        `registry 401 (Authorization: Basic ${credentials})`,
        [credentials],
        ["registry 401", "Basic"]
      )
    }
  },
  {
    family: "Bearer token (opaque)",
    by: "rule",
    make: () => {
      const secret = token(BASE64URL, 40)
      return sample(
        `GET /v1/me failed: Authorization: Bearer ${secret} rejected`,
        [secret],
        ["/v1/me", "rejected"]
      )
    }
  },
  {
    family: "password in a URL",
    by: "rule",
    make: () => {
      const password = token(ALNUM, 16)
      return sample(
        `connect postgres://orders:${password}@db.internal:5432/orders failed`,
        [password],
        ["db.internal:5432/orders", "failed"]
      )
    }
  },
  {
    family: "Slack incoming webhook URL",
    by: "rule",
    make: () => {
      const secret = token(ALNUM, 24)
      return sample(
        `POST https://hooks.slack.com/services/T${token(UPPER + DIGITS, 10)}/B${token(UPPER + DIGITS, 10)}/${secret} answered 404`,
        [secret],
        ["POST", "answered 404"]
      )
    }
  },
  {
    family: "Discord webhook URL",
    by: "rule",
    make: () => {
      const secret = token(BASE64URL, 68)
      return sample(
        `POST https://discord.com/api/webhooks/${digits(19)}/${secret} answered 429`,
        [secret],
        ["POST", "answered 429"]
      )
    }
  },
  {
    family: "password as a connection-string field",
    by: "rule",
    make: () => {
      const password = token(ALNUM, 18)
      return sample(
        `Login failed: Server=tcp:sql.internal,1433;Database=orders;User ID=app;Password=${password};Encrypt=True`,
        [password],
        ["Login failed:", "Encrypt=True"]
      )
    }
  },

  {
    family: "GitLab personal access token (glpat-)",
    by: "rule",
    make: () => {
      const secret = `glpat-${token(BASE64URL, 20)}`
      return sample(
        `gitlab: 401 Unauthorized using ${secret} for projects/42/pipelines`,
        [secret],
        ["gitlab:", "projects/42/pipelines"]
      )
    }
  },

  // Caught by the generic detectors only.
  {
    family: "Hugging Face token (hf_)",
    by: "generic",
    make: () => {
      const secret = `hf_${token(UPPER + LOWER, 34)}`
      return sample(
        `huggingface_hub: 401 Client Error for ${secret} on meta-llama/Llama-3-8B`,
        [secret],
        ["huggingface_hub:", "meta-llama/Llama-3-8B"]
      )
    }
  },
  {
    family: "Shopify admin API token (shpat_)",
    by: "generic",
    make: () => {
      const secret = `shpat_${token(HEX, 32)}`
      return sample(
        `GraphQL admin call with ${secret} returned 401 Unauthorized`,
        [secret],
        ["GraphQL admin call", "returned 401"]
      )
    }
  },
  {
    family: "Shopify shared secret (shpss_)",
    by: "generic",
    make: () => {
      const secret = `shpss_${token(HEX, 32)}`
      return sample(
        `webhook HMAC check with ${secret} failed for orders/create`,
        [secret],
        ["HMAC check", "orders/create"]
      )
    }
  },
  {
    family: "PyPI upload token (pypi-)",
    by: "generic",
    make: () => {
      const secret = `pypi-AgEIcHlwaS5vcmc${token(BASE64URL, 120)}`
      return sample(
        `twine upload: 403 Invalid or non-existent authentication information (${secret})`,
        [secret.slice(19)],
        ["twine upload:", "authentication"]
      )
    }
  },
  {
    family: "Doppler service token (dp.st.)",
    by: "generic",
    make: () => {
      const secret = `dp.st.prd.${token(ALNUM, 43)}`
      return sample(
        `doppler secrets download failed: token ${secret} is not authorized`,
        [secret.slice(10)],
        ["doppler secrets", "not authorized"]
      )
    }
  },
  {
    family: "HashiCorp Vault service token (hvs.)",
    by: "generic",
    make: () => {
      const secret = `hvs.${token(BASE64URL, 91)}`
      return sample(
        `vault: Error making API request. Code: 403. permission denied for ${secret}`,
        [secret.slice(4)],
        ["vault:", "permission denied"]
      )
    }
  },
  {
    family: "Azure storage account key (AccountKey=)",
    by: "generic",
    make: () => {
      const key = `${token(BASE64, 86)}==`
      return sample(
        `AuthenticationFailed with DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey=${key};EndpointSuffix=core.windows.net`,
        [key.slice(0, 86)],
        ["AuthenticationFailed", "AccountName=acmeprod", "EndpointSuffix=core.windows.net"]
      )
    }
  },
  {
    family: "Azure shared access signature (SharedAccessSignature=)",
    by: "generic",
    make: () => {
      const sig = encodeURIComponent(`${token(BASE64, 43)}=`)
      const sas = `sv=2022-11-02&ss=b&srt=sco&sp=rwdlac&se=2025-01-01T00:00:00Z&spr=https&sig=${sig}`
      return sample(
        `BlobEndpoint=https://acmeprod.blob.core.windows.net/;SharedAccessSignature=${sas} AuthorizationFailure`,
        [sig, "sp=rwdlac&se=2025"],
        ["BlobEndpoint=https://acmeprod.blob.core.windows.net/", "AuthorizationFailure"]
      )
    }
  },
  {
    family: "Azure Service Bus key (SharedAccessKey=)",
    by: "generic",
    make: () => {
      const key = `${token(BASE64, 43)}=`
      return sample(
        `Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${key} unauthorized`,
        [key.slice(0, 43)],
        ["SharedAccessKeyName=RootManageSharedAccessKey", "unauthorized"]
      )
    }
  },
  {
    family: "Telegram bot token in a URL path",
    by: "generic",
    make: () => {
      const secret = `${digits(10)}:AA${token(BASE64URL, 33)}`
      return sample(
        `POST https://api.telegram.org/bot${secret}/sendMessage answered 401`,
        [secret],
        ["https://api.telegram.org/bot", "/sendMessage"]
      )
    }
  },
  {
    family: "Telegram bot token in text",
    by: "generic",
    make: () => {
      const secret = `${digits(9)}:AA${token(BASE64URL, 33)}`
      return sample(
        `telegram notifier: Unauthorized for token ${secret}, disabling`,
        [secret],
        ["telegram notifier:", "disabling"]
      )
    }
  },
  {
    family: "Twilio API key (SK…)",
    by: "generic",
    make: () => {
      const secret = `SK${token(HEX, 32)}`
      return sample(
        `twilio 20003 Authenticate failed for ${secret} sending SMS`,
        [secret],
        ["twilio 20003", "sending SMS"]
      )
    }
  },
  {
    family: "Mailgun API key (key-)",
    by: "generic",
    make: () => {
      const secret = `key-${token(HEX, 32)}`
      return sample(
        `mailgun 401 Forbidden with ${secret} on messages`,
        [secret],
        ["mailgun 401", "on messages"]
      )
    }
  },
  {
    family: "DigitalOcean token (dop_v1_)",
    by: "generic",
    make: () => {
      const secret = `dop_v1_${token(HEX, 64)}`
      return sample(
        `doctl: GET https://api.digitalocean.com/v2/droplets: 401 (${secret})`,
        [secret.slice(7)],
        ["doctl:", "/v2/droplets: 401"]
      )
    }
  },
  {
    family: "Linear API key (lin_api_)",
    by: "generic",
    make: () => {
      const secret = `lin_api_${token(ALNUM, 40)}`
      return sample(
        `linear: Authentication required, not authenticated (${secret})`,
        [secret.slice(8)],
        ["linear:", "not authenticated"]
      )
    }
  },
  {
    family: "Notion integration token (secret_)",
    by: "generic",
    make: () => {
      const secret = `secret_${token(ALNUM, 43)}`
      return sample(
        `notion: API token is invalid: ${secret} (unauthorized)`,
        [secret.slice(7)],
        ["notion:", "(unauthorized)"]
      )
    }
  },
  {
    family: "Notion integration token (ntn_)",
    by: "generic",
    make: () => {
      const secret = `ntn_${digits(11)}${token(ALNUM, 35)}`
      return sample(
        `sync to notion failed with ${secret}: 401`,
        [secret.slice(4)],
        ["sync to notion", ": 401"]
      )
    }
  },
  {
    family: "Atlassian API token (ATATT)",
    by: "generic",
    make: () => {
      const body = token(BASE64URL, 180)
      return sample(
        `jira: 401 for bob@acme.io with ATATT3xFfGF0${body}=${token("0123456789ABCDEF", 8)} on /rest/api/3/issue`,
        [body],
        ["jira: 401", "/rest/api/3/issue"]
      )
    }
  },
  {
    family: "Postman API key (PMAK-)",
    by: "generic",
    make: () => {
      const secret = `PMAK-${token(HEX, 24)}-${token(HEX, 34)}`
      return sample(
        `newman: could not fetch collection, ${secret} rejected`,
        [secret.slice(5)],
        ["newman:", "rejected"]
      )
    }
  },
  {
    family: "Databricks token (dapi)",
    by: "generic",
    make: () => {
      const secret = `dapi${token(HEX, 32)}`
      return sample(
        `databricks jobs run-now: 403 Invalid access token ${secret}`,
        [secret.slice(4)],
        ["databricks jobs", "Invalid access token"]
      )
    }
  },
  {
    family: "Grafana Cloud access policy token (glc_)",
    by: "generic",
    make: () => {
      const payload = base64(
        JSON.stringify({
          o: digits(6),
          n: "stack-823-hm-write",
          k: token(ALNUM, 24),
          m: { r: "prod-eu-west-2" }
        })
      )
      return sample(
        `remote_write 401: invalid token glc_${payload}`,
        [payload.slice(-40, -8)],
        ["remote_write 401:", "invalid token"]
      )
    }
  },
  {
    family: "Grafana service account token (glsa_)",
    by: "generic",
    make: () => {
      const secret = `glsa_${token(ALNUM, 32)}_${token(HEX, 8)}`
      return sample(
        `grafana dashboard import failed: ${secret} invalid API key`,
        [secret.slice(5)],
        ["dashboard import", "invalid API key"]
      )
    }
  },
  {
    family: "New Relic user key (NRAK-)",
    by: "generic",
    make: () => {
      const secret = `NRAK-${token(UPPER + DIGITS, 27)}`
      return sample(`newrelic NerdGraph 401 for ${secret}`, [secret.slice(5)], ["NerdGraph 401"])
    }
  },
  {
    family: "Sentry organization token (sntrys_)",
    by: "generic",
    make: () => {
      const payload = base64(
        JSON.stringify({
          iat: Number(digits(10)),
          url: "https://sentry.io",
          region_url: "https://us.sentry.io",
          org: "acme"
        })
      )
      const secret = token(BASE64URL, 43)
      return sample(
        `sentry-cli releases new: 401 with sntrys_${payload}_${secret}`,
        [secret],
        ["sentry-cli releases", "401 with"]
      )
    }
  },
  {
    family: "Docker Hub access token (dckr_pat_)",
    by: "generic",
    make: () => {
      const secret = `dckr_pat_${token(BASE64URL, 27)}`
      return sample(
        `docker login: unauthorized: incorrect username or password (${secret})`,
        [secret.slice(9)],
        ["docker login:", "incorrect username"]
      )
    }
  },
  {
    family: "Supabase access token (sbp_)",
    by: "generic",
    make: () => {
      const secret = `sbp_${token(HEX, 40)}`
      return sample(`supabase link: Unauthorized for ${secret}`, [secret.slice(4)], ["supabase link:"])
    }
  },
  {
    family: "Figma personal token (figd_)",
    by: "generic",
    make: () => {
      const secret = `figd_${token(BASE64URL, 40)}`
      return sample(
        `figma export 403 Invalid token ${secret} for file kX2p9`,
        [secret.slice(5)],
        ["figma export", "file kX2p9"]
      )
    }
  },
  {
    family: "Tailscale auth key (tskey-auth-)",
    by: "generic",
    make: () => {
      const secret = `tskey-auth-k${token(ALNUM, 10)}CNTRL-${token(ALNUM, 33)}`
      return sample(
        `tailscale up: invalid key ${secret}: expired`,
        [secret.slice(-33)],
        ["tailscale up:", ": expired"]
      )
    }
  },
  {
    family: "age secret key (AGE-SECRET-KEY-1)",
    by: "generic",
    make: () => {
      const secret = `AGE-SECRET-KEY-1${token("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)}`
      return sample(
        `sops: failed to decrypt with ${secret}: no identity matched`,
        [secret.slice(16)],
        ["sops:", "no identity matched"]
      )
    }
  },
  {
    family: "Terraform Cloud token (.atlasv1.)",
    by: "generic",
    make: () => {
      const secret = token(ALNUM, 67)
      return sample(
        `terraform login: token ${token(ALNUM, 14)}.atlasv1.${secret} rejected`,
        [secret],
        ["terraform login:", "rejected"]
      )
    }
  },
  {
    family: "Okta API token (SSWS)",
    by: "rule",
    make: () => {
      const secret = `00${token(BASE64URL, 40)}`
      return sample(
        `okta users list: 401 E0000011 Invalid token provided (Authorization: SSWS ${secret})`,
        [secret],
        ["E0000011", "SSWS"]
      )
    }
  },
  {
    family: "Square access token (EAAA)",
    by: "generic",
    make: () => {
      const secret = `EAAA${token(BASE64URL, 60)}`
      return sample(
        `square payments 401 UNAUTHORIZED for ${secret}`,
        [secret.slice(4)],
        ["square payments", "UNAUTHORIZED"]
      )
    }
  },
  {
    family: "secret in a camelCase JSON field",
    by: "generic",
    make: () => {
      const secret = token(ALNUM, 24)
      return sample(
        `config rejected: {"region":"eu-west-1","storageAccountKey":"${secret}","retries":3}`,
        [secret],
        ['"region":"eu-west-1"', '"retries":3']
      )
    }
  },
  {
    family: "secret as a command-line flag (--password value)",
    by: "generic",
    make: () => {
      const secret = token(ALNUM, 16)
      return sample(
        `pg_dump exited 1: pg_dump --host db.internal --password ${secret} --dbname orders`,
        [secret],
        ["pg_dump exited 1:", "--dbname orders"]
      )
    }
  },
  {
    family: "webhook token in a path (/webhookb2/…)",
    by: "generic",
    make: () => {
      const secret = token(HEX, 32)
      return sample(
        `POST https://acme.webhook.office.com/webhookb2/${crypto.randomUUID()}@${crypto.randomUUID()}/IncomingWebhook/${secret}/${crypto.randomUUID()} answered 400`,
        [secret],
        ["POST https://acme.webhook.office.com/webhookb2/", "answered 400"]
      )
    }
  }
]

/** Ordinary operational text, each of which must come through byte for byte. */
const ORDINARY: ReadonlyArray<readonly [what: string, text: string]> = [
  [
    "a UUID request id",
    "TimeoutError: request 7f3a9c2e-1b4d-4e8a-9c1f-2b3d4e5f6a7b to billing-api.internal:8443 timed out after 30000ms"
  ],
  [
    "a git commit hash",
    "deploy of 3f786850e387550fdab836ed7e6dc881de23001b to eu-west-1 failed: task exited with code 137"
  ],
  [
    "a sha256 image digest",
    "pull registry.example.com/team/api@sha256:9b2f6e1c4d7a8b3e5f0a1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f: manifest unknown"
  ],
  [
    "an npm integrity hash",
    "npm ERR! code EINTEGRITY sha512-Vb9KZpKzXH4tqQx8jZ5Y1u7RWyE3kq0yqYQ6Kk2vXoZ3B1oH0y6b5Ls5oFz9mH1sP7zVqJ8Kr3Xe2f4gYbA1w== integrity checksum failed"
  ],
  [
    "a Node.js stack trace",
    "TypeError: Cannot read properties of undefined (reading 'id')\n    at chargeCustomer (/app/dist/billing/charge.js:42:17)\n    at async Promise.all (index 0)\n    at async /app/node_modules/.pnpm/undici@6.19.8/node_modules/undici/lib/dispatcher/client-h1.js:1011:9"
  ],
  [
    "a Java stack trace",
    "java.net.SocketTimeoutException: Read timed out\n\tat java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:288)\n\tat com.acme.payments.PaymentServiceImpl$$Lambda$1234/0x0000000800c0b440.apply(Unknown Source)"
  ],
  [
    "a Python traceback",
    "Traceback (most recent call last):\n  File \"/usr/lib/python3.11/site-packages/requests/adapters.py\", line 519, in send\nrequests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.example.com', port=443): Max retries exceeded with url: /v1/charges?limit=50 (Caused by NewConnectionError('<urllib3.connection.HTTPSConnection object at 0x7f3a9c2e1b40>: Failed to establish a new connection: [Errno 111] Connection refused'))"
  ],
  [
    "a Go panic",
    "panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a5b3c]\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/cmd/worker/main.go:42 +0x1d"
  ],
  [
    "base64 of a JSON payload in an error",
    "SyntaxError: Unexpected token while decoding message eyJvcmRlcklkIjoiNDIiLCJzdGF0dXMiOiJwZW5kaW5nIiwiaXRlbXMiOlsxLDIsM119 from queue orders"
  ],
  [
    "a source map data URL",
    "at bundle.js:1:2048\n//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozLCJzb3VyY2VzIjpbIi4uL3NyYy9pbmRleC50cyJdLCJtYXBwaW5ncyI6IkFBQUEsU0FBU0EifQ=="
  ],
  [
    "a URL without credentials",
    "HttpError: GET https://api.example.com/v2/customers/cus_NffrFeUfNV2Hib/invoices?limit=50&starting_after=in_1MtHbELkdIwHu7ixl4OzzPMv answered 404"
  ],
  [
    "timestamps",
    "job nightly-report failed at 2024-05-01T12:00:00.123Z (started 2024-05-01T11:59:58+02:00, epoch 1714557600)"
  ],
  [
    "IPv4 and IPv6 addresses",
    "connect ECONNREFUSED 10.0.3.17:5432; fallback [2001:db8::8a2e:370:7334]:5432 unreachable"
  ],
  ["hostnames", "getaddrinfo ENOTFOUND payments-primary.cluster-c9akciq32.eu-west-1.rds.amazonaws.com"],
  [
    "Kubernetes pod and node names",
    "pod checkout-api-7d9f8b6c5d-xk2p4 in namespace payments-prod OOMKilled on node ip-10-0-3-17.eu-west-1.compute.internal (job backup-28561290-x7k2p)"
  ],
  [
    "AWS ARNs",
    "AccessDenied: User: arn:aws:sts::123456789012:assumed-role/OrdersServiceRole/i-0abcd1234ef567890 is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:eu-west-1:123456789012:orders-dlq"
  ],
  [
    "CloudFormation physical ids",
    "Stack MyStack-OrdersQueue-1T9Y2ZQ3X4W5V failed: Function arn:aws:lambda:us-east-1:123456789012:function:MyStack-ProcessOrderFunction-AbCdEfGh1234 not found"
  ],
  [
    "an S3 request id and host id",
    "S3 PutObject failed: SlowDown (RequestId: 4F1C2A9E77B1D3C5, HostId: 9Vg9mfmnzSLpvnv+2nPIiKOpAk3HlUlNeDJGt4ZT+DyeSsDjUqQ7Y/SpLT3xyz6DIhU0nJeZ+E=)"
  ],
  [
    "a CloudFront id",
    "403 from CloudFront (x-amz-cf-id: 4d3yWOIWaEXAMPLEpOz8tX0tOSp-H2CfiYLfnRm1hn3kqsfZPmM3cRw==)"
  ],
  [
    "a W3C trace context",
    "upstream 503, traceparent 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01, x-request-id: 5e8f2c1a9b3d4e7f"
  ],
  [
    "Stripe object and request ids",
    "StripeInvalidRequestError: No such payment_intent: 'pi_3MtwBwLkdIwHu7ix28a3tqPa'; request req_AbCdEf123456 (event evt_1NG8Du2eZvKYlo2CqhSJsWhB)"
  ],
  [
    "a GCP resource name",
    "googleapi: Error 403: Permission 'pubsub.topics.publish' denied on resource projects/acme-prod-342719/topics/orders-events (or it may not exist)"
  ],
  [
    "an Azure resource id",
    "ResourceNotFound: /subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/rg-payments-prod/providers/Microsoft.Storage/storageAccounts/acmepaymentsprod"
  ],
  [
    "a ULID and a trace id",
    "order 01HV6Z3Q8K9M2N4P5R7S8T0V1W not found in tenant acme (trace 1f3a9c2e1b4d4e8a9c1f2b3d4e5f6a7b)"
  ],
  [
    "a MongoDB ObjectId",
    'MongoServerError: E11000 duplicate key error collection: shop.orders index: _id_ dup key: { _id: ObjectId("65f1c2a9e77b14d5e8f9a0b1") }'
  ],
  [
    "a Kafka consumer id",
    "KafkaJSNumberOfRetriesExceeded: consumer orders-consumer-7c9e6679-7425-40de-944b-e07fc1f90ae7 lost partition 3 at offset 184467440737"
  ],
  [
    "an image tag and a hashed chunk",
    "ImagePullBackOff: registry.example.com/payments/api:sha-3f78685; ChunkLoadError: missing https://cdn.example.com/static/js/842.3f786850e387550f.chunk.js"
  ],
  [
    "an ETag and a Content-MD5",
    'PreconditionFailed: ETag "33a64df551425fcc55e4d42a148795d9f25f89d4" does not match; Content-MD5 Q2hlY2sgSW50ZWdyaXR5IQ=='
  ],
  [
    "Java class names",
    "org.springframework.dao.DataIntegrityViolationException: could not execute statement; constraint [uk_orders_external_reference]; nested exception is org.hibernate.exception.ConstraintViolationException"
  ],
  [
    "keys that are not secrets",
    "KeyError: 'user_id' in payload; partitionKey: tenant-42; cache key: orders:v2:tenant-42:page-3; routing key orders.created"
  ],
  [
    "secret-sounding words without a secret",
    "token refresh scheduled in 500ms; session 9f2c expired; auth service healthy; password reset email queued for bob@example.com"
  ],
  [
    "long identifiers with digits",
    "OrderFulfillmentServiceV2Handler failed: ValidationError in shippingAddress.postalCode (PaymentGatewayClientV3Impl)"
  ],
  [
    "an image data URL",
    "render failed for data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
  ],
  [
    "release and build names",
    "helm upgrade payments-api-1.42.0-rc.3+build.20240501 failed: release payments-api-canary-20240501t120000z has no deployed releases"
  ],
  [
    "a CI run URL",
    "see https://github.com/acme/payments/actions/runs/9876543210/job/27182818284 (commit 3f78685)"
  ],
  [
    "an email and a user agent",
    "mail to ops+alerts@example.com bounced; client Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0.6367.91"
  ]
]

/** What the given rules alone report for `text`, as the engine drives them. */
const rulesFind = (rules: ReadonlyArray<Rule>, text: string): Array<string> => {
  const lower = text.toLowerCase()
  const found: Array<string> = []
  for (const rule of rules) {
    const hits = rule.keywords
      .flatMap((keyword) => {
        const at: Array<number> = []
        for (let i = lower.indexOf(keyword); i !== -1; i = lower.indexOf(keyword, i + 1)) at.push(i)
        return at
      })
      .sort((a, b) => a - b)
    if (rule.always !== true && hits.length === 0) continue
    if (rule.requires !== undefined && !text.includes(rule.requires)) continue
    rule.find(text, rule.always === true ? [] : hits, (start, end) => found.push(text.slice(start, end)))
  }
  return found
}

/** Whether `output` shows 12 characters in a row of `secret`. */
const shows = (output: string, secret: string): boolean => {
  if (secret.length <= 12) return output.includes(secret)
  for (let i = 0; i + 12 <= secret.length; i++) if (output.includes(secret.slice(i, i + 12))) return true
  return false
}

describe("generated tokens of many formats", () => {
  it("number at least 30, with at least 30 caught by no rule but the generic detectors", () => {
    expect(FORMATS.length).toBeGreaterThanOrEqual(30)
    expect(FORMATS.filter((format) => format.by === "generic").length).toBeGreaterThanOrEqual(30)
  })

  for (const format of FORMATS) {
    it(`${format.family}: the secret goes, the words around it stay (${format.by})`, () => {
      // Ten random bodies per run. A rule never misses; the generic detectors judge randomness,
      // and miss a random body about once in a thousand or less (see the guide): one miss in ten
      // is tolerated, two would be a regression (about one run in ten thousand by chance).
      const missed: Array<string> = []
      for (let round = 0; round < 10; round++) {
        const { text, secrets, keep } = format.make()
        const output = Alert.redact(text)
        const miss = secrets.some((secret) => shows(output, secret))
        if (miss) missed.push(`${text}\n→ ${output}`)
        for (const word of keep) expect(output, text).toContain(word)
        // A tolerated miss leaves nothing to mark; every other body is marked.
        if (!miss) expect(output, text).toContain("[REDACTED")
        expect(redact(output), text).toBe(output)
      }
      expect(missed.length, missed.join("\n")).toBeLessThanOrEqual(format.by === "rule" ? 0 : 1)
    })
  }

  it("the rule families are caught by the rules alone; the generic ones by no rule", () => {
    const rules = [...BUILTIN_RULES, ...RULESET_RULES]
    for (const format of FORMATS) {
      for (let round = 0; round < 5; round++) {
        const { text, secrets } = format.make()
        const found = rulesFind(rules, text)
        const caught = secrets.every((secret) => found.some((range) => range.includes(secret.slice(0, 12))))
        expect(caught, `${format.family}: ${text}`).toBe(format.by === "rule")
      }
    }
  })
})

describe("ordinary operational text", () => {
  it("numbers at least 30 messages", () => {
    expect(ORDINARY.length).toBeGreaterThanOrEqual(30)
  })

  for (const [what, text] of ORDINARY) {
    it(`comes through unchanged: ${what}`, () => {
      expect(Alert.redact(text)).toBe(text)
    })
  }
})

describe("the generic detectors", () => {
  it("judge a token-shaped word by its body, whatever the prefix", () => {
    const body = token(ALNUM, 32)
    for (const prefix of ["xyz_", "xyz-", "xyz.", "ab.cd.", "acme_live_", "ACME-"]) {
      expect(redact(`call failed with ${prefix}${body} today`)).toBe("call failed with [REDACTED] today")
    }
    // Too short, one case and no digits, or a word: not a token.
    for (const word of [
      "xyz_R8xK2mQ7",
      "xyz_abcdefghijklmnopqrstuvwxyz",
      "xyz_ProcessOrderFunctionHandler"
    ]) {
      expect(redact(`call failed with ${word} today`)).toBe(`call failed with ${word} today`)
    }
  })

  it("hide the value after a secret-like name in every common form", () => {
    const value = token(ALNUM, 20)
    for (const [input, output] of [
      [`AccountKey=${value};`, "AccountKey=[REDACTED];"],
      [`"clientSecret": "${value}"`, '"clientSecret": "[REDACTED]"'],
      [`sharedAccessKey: ${value}`, "sharedAccessKey: [REDACTED]"],
      [`<password>${value}</password>`, "<password>[REDACTED]</password>"],
      [`--client-secret ${value} --verbose`, "--client-secret [REDACTED] --verbose"],
      [`botToken=${value}&chat=42`, "botToken=[REDACTED]&chat=42"],
      [`token: ${value}`, "token: [REDACTED]"]
    ] as const) {
      expect(redact(input)).toBe(output)
    }
    // A name that is only sometimes secret, with a value that is no token: left alone.
    for (const text of ["token: expired", "key: user_id", "sessionKey: tenant-42", "auth: ok"]) {
      expect(redact(text)).toBe(text)
    }
  })

  it("hide credentials and tokens in URLs, keeping the host and the rest of the path", () => {
    const secret = token(BASE64URL, 35)
    expect(redact(`GET https://api.telegram.org/bot123456789:${secret}/getMe: 401`)).toBe(
      "GET https://api.telegram.org/bot[REDACTED]/getMe: 401"
    )
    expect(redact(`POST https://hooks.example.com/hooks/${token(ALNUM, 24)} failed`)).toBe(
      "POST https://hooks.example.com/hooks/[REDACTED] failed"
    )
    // A webhook path without a token-like part is an ordinary path.
    expect(redact("GET /api/v4/projects/42/hooks/7 answered 404")).toBe(
      "GET /api/v4/projects/42/hooks/7 answered 404"
    )
  })
})

describe("growth and hostile input", () => {
  const megabyte = 1_000_000
  const repeat = (unit: string) => unit.repeat(Math.ceil(megabyte / unit.length)).slice(0, megabyte)
  const hostile: ReadonlyArray<readonly [string, string]> = [
    ["Cookie: a=b; repeated", repeat("Cookie: a=b;")],
    ["Cookie: a=b; with spaces", repeat("Cookie: a=b; ")],
    ["key=value repeated", repeat("key=value ")],
    ["token=a& repeated", repeat("token=a&")],
    ["password: x lines", repeat("password: x\n")],
    ["AccountKey=x; repeated", repeat(";AccountKey=x")],
    ["URL users", repeat("https://u:p@")],
    ["bearer words", repeat("Bearer ")],
    ["JSON secret fields", repeat('{"password":"a"},')],
    ["short tokens", repeat(`hf_${token(UPPER + LOWER, 18)} `)],
    ["one long base64 run", token(BASE64, megabyte)],
    [
      "long words with no separators",
      Array.from({ length: megabyte / 64 }, () => token(ALNUM, 63)).join(" ")
    ],
    ["near-matches of the prefix detector", repeat("ab_cd-ef.gh_")],
    ["near-matches of the bot token", repeat("1234567:")],
    ["near-matches of the keyed detector", repeat("AccountKey AccountKey= ")],
    ["webhook paths", repeat("/hooks/")]
  ]

  it(`never grows a text beyond ${GROWTH} times its length plus ${SLACK} characters`, () => {
    for (const [what, text] of hostile) {
      const output = redact(text)
      expect(output.length, what).toBeLessThanOrEqual(GROWTH * text.length + SLACK)
    }
    // Short secrets, densely: the worst case of a placeholder longer than what it replaces.
    for (const text of ["a=b", "Cookie: a=b;".repeat(200), "?token=a&key=b&sig=c&pwd=d".repeat(100)]) {
      expect(redact(text).length, text).toBeLessThanOrEqual(GROWTH * text.length + SLACK)
    }
  })

  it("scrub, which hides given strings too, is bounded the same way", () => {
    const text = "a-b-c-".repeat(10_000)
    expect(scrub(text, ["a", "b", "c"]).length).toBeLessThanOrEqual(GROWTH * text.length + SLACK)
    expect(scrub("connect to https://x:hunter2@h failed: hunter2", ["hunter2"])).not.toContain("hunter2")
  })

  it("still finds a secret after a megabyte of each hostile shape", () => {
    const secret = `glpat-${token(ALNUM, 20)}`
    for (const [what, text] of hostile) {
      const output = redact(`${text}\n${secret}`)
      expect(output.includes(secret), what).toBe(false)
    }
  })
})
