/**
 * Secret parts of URLs that no other rule covers (`generic.ts`): a bot token in a request path
 * (`/bot<id>:<token>/…`), and the path after a webhook segment (`/hooks/…`, `/webhooks/…`,
 * `/webhookb2/…`) when it holds a token-like part. Credentials before `@` and the Slack and
 * Discord webhook URLs are the built-in rules'.
 *
 * @internal
 */
import type { Rule } from "./rule.js"
import { B64, classAt, DIGIT, LOWER, OTHER, UPPER } from "./shape.js"

/** `/bot<id>:<token>/…`: a chat bot's token in a request path. */
const BOT_PATH = /\/bot(\d{5,12}:[A-Za-z0-9_-]{20,})/g

/** The path after a webhook segment (its first 2,048 characters: the rest is matched again). */
const HOOK_PATH = /\/(?:hooks|webhooks?|webhookb2|incomingwebhook)\/([^\s?#"'<>]{1,2048})/gi

/** Whether a path holds a part that looks like a token: 16 or more letters and digits, both. */
const holdsToken = (text: string, from: number, to: number): boolean => {
  let run = 0
  let letters = false
  let digits = false
  for (let i = from; i <= to; i++) {
    const kind = i < to ? classAt(text, i) : OTHER
    if (kind === OTHER || kind === B64) {
      if (run >= 16 && letters && digits) return true
      run = 0
      letters = false
      digits = false
      continue
    }
    run++
    if (kind === DIGIT) digits = true
    else if (kind === UPPER || kind === LOWER) letters = true
  }
  return false
}

export const urlParts: ReadonlyArray<Rule> = [
  {
    keywords: ["/bot"],
    positions: false,
    find: (text, _hits, report) => {
      BOT_PATH.lastIndex = 0
      for (let match = BOT_PATH.exec(text); match !== null; match = BOT_PATH.exec(text)) {
        const start = match.index + 4
        report(start, start + match[1]!.length, "")
      }
    }
  },
  {
    keywords: ["/hooks/", "/webhook", "/incomingwebhook/"],
    positions: false,
    find: (text, _hits, report) => {
      HOOK_PATH.lastIndex = 0
      for (let match = HOOK_PATH.exec(text); match !== null; match = HOOK_PATH.exec(text)) {
        const end = match.index + match[0].length
        const start = end - match[1]!.length
        if (holdsToken(text, start, end)) report(start, end, "")
      }
    }
  }
]
