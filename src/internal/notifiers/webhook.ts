/**
 * The delivery shared by the HTTP destinations (the chat webhooks, PagerDuty, Alertmanager): one
 * JSON POST, retried with `Effect.retryOrElse` on rate
 * limits (after the wait the server asks for), server errors and network errors (with backoff),
 * within a number of tries and a total deadline. Every wait goes through Effect's `Clock`.
 *
 * The URL (and any credential sent in a header) is a secret: it is unwrapped only to build the
 * request, the HTTP client's own span (which records the full URL) is turned off, and the client's
 * errors (whose messages contain the URL) are never passed on: only their reason, and text scrubbed
 * of the URL.
 *
 * @internal
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type { HttpClientError } from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Backoff from "../backoff.js"
import * as Delivery from "../delivery.js"
import * as Describe from "../describe.js"
import * as Http from "../http.js"
import { type AlertEvent, NotifierError, type NotifierService } from "../notifier.js"
import * as Options from "../options.js"
import * as Redact from "../redact/redact.js"
import * as RetrySchedule from "../schedule.js"
import { TRUNCATION_MARKER } from "./render.js"

export { TRUNCATION_MARKER }

/** Default deadline of one delivery, every try and wait included: the queue's. */
export const DEFAULT_TIMEOUT: Duration.Duration = Delivery.DEFAULT_TIMEOUT

/** Default number of tries of one delivery. */
export const DEFAULT_MAX_ATTEMPTS = 4

/** Wait before the second try after a server or network error; doubled for each later try. */
const INITIAL_BACKOFF: Duration.Duration = /*#__PURE__*/ Duration.millis(500)

/** Longest piece of a server's answer quoted in an error message. */
const QUOTED_BODY_LENGTH = 200

/** What the server answered, as the classifiers see it. */
export interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: string
  /** Clock time of the answer, for `Retry-After` dates. */
  readonly now: number
  /** Makes text from the answer fit for an error message: scrubbed of the URL and secrets, cut. */
  readonly quote: (text: string) => string
}

/** What to do with an answer. */
export type Verdict =
  | { readonly _tag: "Delivered" }
  /** Try again after `delay`, or after the backoff when the server named no delay. */
  | { readonly _tag: "Retry"; readonly delay: Duration.Duration | undefined; readonly error: NotifierError }
  | { readonly _tag: "Fail"; readonly error: NotifierError }

export const delivered: Verdict = { _tag: "Delivered" }

export const retry = (error: NotifierError, delay?: Duration.Duration): Verdict => ({
  _tag: "Retry",
  delay,
  error
})

export const fail = (error: NotifierError): Verdict => ({ _tag: "Fail", error })

const REASONS: Readonly<Record<number, string>> = {
  200: "OK",
  201: "Created",
  204: "No Content",
  301: "Moved Permanently",
  302: "Found",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  410: "Gone",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout"
}

/** `"404 Not Found"`, or the bare number for a status without a known reason phrase. */
export const statusText = (status: number): string => {
  const reason = REASONS[status]
  return reason === undefined ? String(status) : `${status} ${reason}`
}

/** Parses a `Retry-After` header: delay-seconds or an HTTP date, measured from `now`. */
export const parseRetryAfter = Http.parseRetryAfter

/** Seconds (float, as Discord sends them) to a duration; undefined unless finite and >= 0. */
export const secondsToDuration = (seconds: unknown): Duration.Duration | undefined =>
  typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0
    ? Duration.millis(Math.ceil(seconds * 1000))
    : undefined

/** Parses a JSON body, or `undefined`. */
export const parseJson = (body: string): unknown => {
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}

/**
 * The error of a destination that answered `status`, with an optional detail already quoted.
 * `subject` names it in the message: `"Discord webhook"`, `"PagerDuty"`.
 */
export const answered = (subject: string, status: number, detail = ""): NotifierError =>
  new NotifierError({
    message: `${subject} answered ${statusText(status)}${detail === "" ? "" : `: ${detail}`}`,
    status
  })

/** The options every webhook notifier takes, validated. */
export interface Settings {
  readonly timeout: Duration.Duration
  readonly maxAttempts: number
}

export const settings = (options: {
  readonly timeout?: Duration.DurationInput | undefined
  readonly maxAttempts?: number | undefined
}): Settings => ({
  timeout: Options.duration("timeout", options.timeout ?? DEFAULT_TIMEOUT),
  maxAttempts: Options.wholeNumber("maxAttempts", options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, 1, 100)
})

/**
 * Checks that `value` is a `Redacted<string>` holding an http(s) URL and returns the parsed URL.
 * The error names the option and never shows the value.
 */
export const redactedUrl = (option: string, value: unknown, expected: string): URL => {
  if (!Redacted.isRedacted(value)) {
    throw new Options.InvalidOptionError({
      option,
      reason: "must be a Redacted<string> (Redacted.make or Config.redacted), got a plain value"
    })
  }
  const raw = Redacted.value(value)
  let url: URL | undefined
  try {
    url = typeof raw === "string" ? new URL(raw.trim()) : undefined
  } catch {
    url = undefined
  }
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new Options.InvalidOptionError({ option, reason: `must be ${expected}` })
  }
  return url
}

/**
 * Like {@link redactedUrl}, but a plain string is accepted too: for URLs that usually carry no
 * secret (an Alertmanager, PagerDuty's endpoint), and are still never logged.
 */
export const urlOption = (option: string, value: unknown, expected: string): URL =>
  redactedUrl(option, typeof value === "string" ? Redacted.make(value) : value, expected)

/** Validates an optional `channels` record, each value checked by `parse`. */
export const channelUrls = <A>(
  channels: unknown,
  parse: (option: string, value: unknown) => A,
  values = "Redacted webhook URLs"
): ReadonlyMap<string, A> => {
  const result = new Map<string, A>()
  if (channels === undefined) return result
  if (typeof channels !== "object" || channels === null || Array.isArray(channels)) {
    throw new Options.InvalidOptionError({
      option: "channels",
      reason: `must be a record of channel names to ${values}`
    })
  }
  for (const name of Object.keys(channels)) {
    result.set(name, parse(`channels.${name}`, (channels as Record<string, unknown>)[name]))
  }
  return result
}

/** One endpoint: where to post, and the strings to scrub from anything quoted back. */
export interface Endpoint {
  readonly url: Redacted.Redacted<string>
  readonly secrets: Redacted.Redacted<ReadonlyArray<string>>
  /** Extra request headers (credentials): as secret as the URL. */
  readonly headers?: Redacted.Redacted<Readonly<Record<string, string>>> | undefined
}

/**
 * An endpoint posting to `url`. `secrets` are the other strings to scrub from quoted text: the URL
 * as the user wrote it, the token in its path, a routing key sent in the body.
 */
export const endpoint = (
  url: URL,
  secrets: ReadonlyArray<string>,
  headers?: Readonly<Record<string, string>>
): Endpoint => ({
  url: Redacted.make(url.href),
  // Short strings would scrub ordinary words; real webhook tokens are dozens of characters.
  secrets: Redacted.make(
    [url.href, ...secrets, ...Object.values(headers ?? {})].filter((secret) => secret.length >= 8)
  ),
  headers: headers === undefined ? undefined : Redacted.make(headers)
})

/** Scrubs text from outside (an error body, a transport error) and cuts it for quoting. */
export const quote = (text: string, target: Endpoint): string =>
  Describe.truncate(Redact.scrub(text, Redacted.value(target.secrets)).trim(), QUOTED_BODY_LENGTH)

const field = (value: unknown, key: string): unknown => {
  try {
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined
  } catch {
    return undefined
  }
}

// The deepest `code` (ECONNREFUSED, UND_ERR_SOCKET) in the chain of causes, else the first message
// ("fetch failed"), else the client's reason ("Transport").
const transportDetail = (error: HttpClientError): string => {
  let current: unknown = error.cause
  let code: string | undefined
  let message: string | undefined
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const ownCode = field(current, "code")
    if (typeof ownCode === "string") code = ownCode
    message ??= Describe.message(current)
    current = field(current, "cause")
  }
  return code ?? message ?? error.reason
}

export interface Target {
  /** `"Discord"`, `"Slack"`: names the service in spans, and in messages unless `subject` is set. */
  readonly service: string
  /** What messages call it: `"PagerDuty"`, `"Alertmanager"`. Default: `"{service} webhook"`. */
  readonly subject?: string | undefined
  readonly settings: Settings
  readonly classify: (answer: Answer) => Verdict
}

const subjectOf = (target: Target): string => target.subject ?? `${target.service} webhook`

const withNote = (error: NotifierError, note: string): NotifierError =>
  new NotifierError({
    message: `${error.message} (${note})`,
    ...(error.status === undefined ? {} : { status: error.status })
  })

const seconds = (millis: number): string => `${Number((millis / 1000).toFixed(3))} s`

/** A try that may be worth another: the error, and the wait the server asked for, if any. */
class Retryable {
  constructor(
    readonly error: NotifierError,
    readonly delay: Duration.Duration | undefined
  ) {}
}

/**
 * Posts `body` as JSON to `endpoint`, trying again as described above. Fails only with a
 * {@link NotifierError} whose message and fields carry no part of the URL.
 */
export const post = (
  client: HttpClient.HttpClient,
  target: Target,
  endpoint: Endpoint,
  body: unknown
): Effect.Effect<void, NotifierError> => {
  const { maxAttempts, timeout } = target.settings
  const timeoutMillis = Duration.toMillis(timeout)
  const subject = subjectOf(target)

  // One try: delivered, a `Retryable` failure, or a final `NotifierError`.
  const once: Effect.Effect<void, Retryable | NotifierError> = Effect.suspend(() =>
    client.execute(
      HttpClientRequest.post(Redacted.value(endpoint.url)).pipe(
        HttpClientRequest.setHeaders(endpoint.headers === undefined ? {} : Redacted.value(endpoint.headers)),
        HttpClientRequest.bodyUnsafeJson(body)
      )
    )
  ).pipe(
    Effect.flatMap((response) =>
      Effect.zipWith(
        Effect.orElseSucceed(response.text, () => ""),
        Clock.currentTimeMillis,
        (text, now) =>
          target.classify({
            status: response.status,
            headers: response.headers,
            body: text,
            now,
            quote: (outside) => quote(outside, endpoint)
          })
      )
    ),
    Effect.catchAll((error) => {
      const detail = quote(error._tag === "RequestError" ? transportDetail(error) : error.reason, endpoint)
      const failure = new NotifierError({ message: `${subject} request failed: ${detail}` })
      // A transport error may be a dropped connection or a server restarting: worth another try.
      // An unencodable body or a broken URL will not get better.
      return Effect.succeed(
        error._tag === "RequestError" && error.reason === "Transport" ? retry(failure) : fail(failure)
      )
    }),
    Effect.flatMap(
      (verdict): Effect.Effect<void, Retryable | NotifierError> =>
        verdict._tag === "Delivered"
          ? Effect.void
          : Effect.fail(verdict._tag === "Fail" ? verdict.error : new Retryable(verdict.error, verdict.delay))
    )
  )

  const giveUp = (error: Retryable | NotifierError, step: RetrySchedule.Step<unknown> | undefined) => {
    if (!(error instanceof Retryable)) return Effect.fail(error)
    const note =
      step?.stop === "deadline"
        ? `retrying in ${seconds(Duration.toMillis(step.delay))} would pass the ${seconds(timeoutMillis)} deadline`
        : `gave up after ${step?.attempt ?? 1} attempt${step?.attempt === 1 ? "" : "s"}`
    return Effect.fail(withNote(error.error, note))
  }

  return Effect.flatMap(Clock.currentTimeMillis, (startedAt) => {
    // Backoff.exponential without jitter: 0.5 s, 1 s, 2 s... A server's wait replaces it.
    const policy = RetrySchedule.limit(
      Backoff.exponential({ initial: INITIAL_BACKOFF, maxWait: timeout, jitter: Duration.zero }),
      {
        maxAttempts,
        shouldRetry: (error: Retryable | NotifierError) => error instanceof Retryable,
        requestedDelay: (error) => (error instanceof Retryable ? error.delay : undefined),
        // A wait must end before the deadline, with room for the next try.
        maxElapsedMillis: timeoutMillis - 1,
        startedAt
      }
    ).pipe(
      Schedule.tapOutput((step) =>
        step.stop === undefined && step.input instanceof Retryable
          ? Effect.logDebug(
              `${step.input.error.message}; trying again in ${seconds(Duration.toMillis(step.delay))} (attempt ${step.attempt + 1}/${maxAttempts})`
            )
          : Effect.void
      )
    )
    return Effect.retryOrElse(once, policy, giveUp)
  }).pipe(
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () =>
        new NotifierError({
          message: `${subject} did not deliver within ${seconds(timeoutMillis)}`
        })
    }),
    Effect.annotateLogs({ notifier: target.service })
  )
}

/**
 * `event` with the given secrets (and every shape `redact` knows) removed from its text fields.
 * `Alert` has scrubbed its events already; an event made by other code has not, and the
 * notifier's own webhook URLs go whatever their host or path.
 */
export const scrubEvent = (event: AlertEvent, secrets: ReadonlyArray<string>): AlertEvent => {
  const scrub = (text: string) => Redact.scrub(text, secrets)
  const fields = {
    title: scrub(event.title),
    text: scrub(event.text),
    signature: scrub(event.signature),
    operation: scrub(event.operation),
    context: scrub(event.context)
  }
  return event._tag === "Firing"
    ? { ...event, ...fields, error: { type: scrub(event.error.type), message: scrub(event.error.message) } }
    : { ...event, ...fields }
}

/** The client with its own span turned off: that span records the full URL, token included. */
export const quietClient = (client: HttpClient.HttpClient): HttpClient.HttpClient =>
  client.pipe(HttpClient.withTracerDisabledWhen(() => true))

/** The name of a destination's span: `effect-retry-alerts/Notifier.discord`. */
export const spanName = (target: Target): string =>
  `effect-retry-alerts/Notifier.${target.service.toLowerCase()}`

/**
 * A notifier posting to `endpoints.get(event.channel)`, else to the default endpoint. `render`
 * turns the (scrubbed) event into the request body for the chosen endpoint.
 */
export const notifier = <E extends Endpoint>(
  client: HttpClient.HttpClient,
  target: Target,
  defaultEndpoint: E,
  endpoints: ReadonlyMap<string, E>,
  render: (event: AlertEvent, endpoint: E) => unknown
): NotifierService => {
  const quiet = quietClient(client)
  const name = spanName(target)
  const secrets = [defaultEndpoint, ...endpoints.values()].flatMap((each) => Redacted.value(each.secrets))
  return {
    notify: (event) => {
      const channel = event.channel
      const chosen = channel === undefined ? undefined : endpoints.get(channel)
      const to = chosen ?? defaultEndpoint
      return Effect.suspend(() => post(quiet, target, to, render(scrubEvent(event, secrets), to))).pipe(
        Effect.withSpan(name, {
          attributes: {
            "notifier.channel": channel ?? "default",
            "notifier.routed": chosen !== undefined,
            "notifier.event": event._tag
          }
        })
      )
    }
  }
}
