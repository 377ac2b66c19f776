/**
 * Detectors that need no rule per vendor, beside the maintained ruleset (`ruleset.ts`) and the
 * built-in rules (`builtin.ts`): new token formats appear every month, and most share a shape.
 *
 * - **Token shapes** (run on every text, no keyword): a word made of a short prefix (`xyz_`,
 *   `xyz-`, `xyz.`, `ab.cd.`) and a long random-looking body; a vendor prefix glued to a long hex
 *   body (`SK…`, `dapi…`); a bot token `123456789:body`; and a long random word with no prefix at
 *   all, held to stricter limits. "Random-looking" is judged on the body, after setting aside the
 *   parts that read as words or numbers (`canary`, `MyQueue`, `20240501`) and UUIDs: its length,
 *   its alphabet (digits among letters, or both cases), how often the kind of character changes
 *   (words and dates change rarely, random text about every other character) and its Shannon
 *   entropy. A hex body counts only after a prefix and in one long run, so commit hashes, digests
 *   and request ids stay. Known id prefixes (`sha256-`, `pi_`, `req_`, `user_`, …) are not token
 *   prefixes, a value labelled as an id (`RequestId: …`, `x-amz-id-2: …`) is an id, and base64
 *   that decodes to text (a data URL, a serialized payload in a stack trace) is not a secret.
 * - **Keyed values**: the value after a name whose last word is secret-like, in `name=value`,
 *   `name: value`, JSON, XML, `--name value` and `;`-separated connection strings, including
 *   camelCase and run-together names (`AccountKey`, `SharedAccessSignature`, `clientSecret`) that
 *   the built-in rules leave out. Names that are only sometimes secret (`key`, `token`, `auth`,
 *   `sig`, `session`, `pass`) count with a qualifier (`apiKey`, `AccountKey`, `botToken`) or when
 *   the value itself looks like a token.
 * - **URL parts**: a bot token in a path (`/bot<id>:<token>/`), and the path after a webhook
 *   segment (`/hooks/…`, `/webhooks/…`, `/webhookb2/…`) when it holds a token-like segment.
 *
 * Everything here is a single forward pass or a keyword-driven scan whose look-around is bounded,
 * so the cost is linear in the length of the text.
 *
 * @internal
 */
import { keyedValues } from "./keyed.js"
import type { Rule } from "./rule.js"
import { tokenShapes } from "./tokens.js"
import { urlParts } from "./urls.js"

/**
 * Every generic detector, in the order of the engine's rules: the token shapes last, so that they
 * skip what the others found.
 */
export const GENERIC_RULES: ReadonlyArray<Rule> = [keyedValues, ...urlParts, tokenShapes]
