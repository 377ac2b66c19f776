/**
 * The notifier picked from the configuration (environment variables by default): each webhook
 * destination whose variable is set, all of them at once when several are, the log when none is.
 * It needs every destination, so it lives apart from `Notifier`: a program alerting to the log
 * bundles none of them.
 *
 * @since 0.3.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as FanOut from "./internal/fanOut.js"
import { layerLog, type Notifier } from "./internal/notifier.js"
import * as Alertmanager from "./internal/notifiers/alertmanager.js"
import * as Discord from "./internal/notifiers/discord.js"
import * as PagerDuty from "./internal/notifiers/pagerDuty.js"
import * as Slack from "./internal/notifiers/slack.js"
import * as OptionChecks from "./internal/options.js"

/**
 * The environment variable holding the Discord webhook URL read by {@link layer}.
 *
 * @example
 * ```ts
 * import { NotifierConfig } from "effect-retry-alerts"
 *
 * const name: string = NotifierConfig.DISCORD_WEBHOOK_URL_ENV // "ALERT_DISCORD_WEBHOOK_URL"
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const DISCORD_WEBHOOK_URL_ENV = "ALERT_DISCORD_WEBHOOK_URL"

/**
 * The environment variable holding the Slack webhook URL read by {@link layer}.
 *
 * @example
 * ```ts
 * import { NotifierConfig } from "effect-retry-alerts"
 *
 * const name: string = NotifierConfig.SLACK_WEBHOOK_URL_ENV // "ALERT_SLACK_WEBHOOK_URL"
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const SLACK_WEBHOOK_URL_ENV = "ALERT_SLACK_WEBHOOK_URL"

/**
 * The environment variable holding Alertmanager's URL read by {@link layer}.
 *
 * @example
 * ```ts
 * import { NotifierConfig } from "effect-retry-alerts"
 *
 * const name: string = NotifierConfig.ALERTMANAGER_URL_ENV // "ALERT_ALERTMANAGER_URL"
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const ALERTMANAGER_URL_ENV = "ALERT_ALERTMANAGER_URL"

/**
 * The environment variable holding the PagerDuty routing key read by {@link layer}.
 *
 * @example
 * ```ts
 * import { NotifierConfig } from "effect-retry-alerts"
 *
 * const name: string = NotifierConfig.PAGERDUTY_ROUTING_KEY_ENV // "ALERT_PAGERDUTY_ROUTING_KEY"
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const PAGERDUTY_ROUTING_KEY_ENV = "ALERT_PAGERDUTY_ROUTING_KEY"

/**
 * The environment variable that may name another PagerDuty Events API endpoint (an EU account's),
 * read by {@link layer} with {@link PAGERDUTY_ROUTING_KEY_ENV}, which it needs: set without a
 * routing key, it fails the layer with a `ConfigError`. Default `PagerDutyNotifier.EVENTS_URL`.
 *
 * @example
 * ```ts
 * import { NotifierConfig } from "effect-retry-alerts"
 *
 * const name: string = NotifierConfig.PAGERDUTY_URL_ENV // "ALERT_PAGERDUTY_URL"
 * ```
 *
 * @since 0.3.0
 * @category constants
 */
export const PAGERDUTY_URL_ENV = "ALERT_PAGERDUTY_URL"

const secretConfig = (name: string): Config.Config<Option.Option<Redacted.Redacted<string>>> =>
  Config.option(Config.redacted(name)).pipe(
    // `ALERT_SLACK_WEBHOOK_URL=` (set but empty) means "not configured".
    Config.map(Option.filter((value) => Redacted.value(value).trim() !== ""))
  )

const fromConfig = <A>(
  variable: (option: string) => string,
  build: () => A
): Effect.Effect<A, ConfigError.ConfigError> =>
  Effect.try({
    try: build,
    catch: (error) =>
      error instanceof OptionChecks.InvalidOptionError
        ? ConfigError.InvalidData([variable(error.option)], error.reason)
        : ConfigError.InvalidData([variable("")], "is not usable")
  })

type ConfiguredLayer = Layer.Layer<Notifier, never, HttpClient.HttpClient>

/** A destination read from the configuration: its variable, and the layer built from its value. */
interface Destination {
  readonly name: string
  readonly env: string
  readonly build: (
    value: Redacted.Redacted<string>
  ) => Effect.Effect<ConfiguredLayer, ConfigError.ConfigError>
  /** Checks the destination's other variables when its own is not set. */
  readonly unset?: Effect.Effect<void, ConfigError.ConfigError>
}

const destinations: ReadonlyArray<Destination> = [
  {
    name: "Discord",
    env: DISCORD_WEBHOOK_URL_ENV,
    build: (webhookUrl) =>
      fromConfig(
        () => DISCORD_WEBHOOK_URL_ENV,
        () => Discord.layer({ webhookUrl })
      )
  },
  {
    name: "Slack",
    env: SLACK_WEBHOOK_URL_ENV,
    build: (webhookUrl) =>
      fromConfig(
        () => SLACK_WEBHOOK_URL_ENV,
        () => Slack.layer({ webhookUrl })
      )
  },
  {
    name: "PagerDuty",
    env: PAGERDUTY_ROUTING_KEY_ENV,
    build: (routingKey) =>
      Effect.flatMap(secretConfig(PAGERDUTY_URL_ENV), (url) =>
        fromConfig(
          (option) => (option === "url" ? PAGERDUTY_URL_ENV : PAGERDUTY_ROUTING_KEY_ENV),
          () => PagerDuty.layer({ routingKey, ...(Option.isSome(url) ? { url: url.value } : {}) })
        )
      ),
    // An endpoint without a key is a half-made configuration: say so rather than page nobody.
    unset: /*#__PURE__*/ Effect.flatMap(secretConfig(PAGERDUTY_URL_ENV), (url) =>
      Option.isNone(url)
        ? Effect.void
        : Effect.fail(
            ConfigError.MissingData(
              [PAGERDUTY_ROUTING_KEY_ENV],
              `is required when ${PAGERDUTY_URL_ENV} is set: PagerDuty needs a routing key`
            )
          )
    )
  },
  {
    name: "Alertmanager",
    env: ALERTMANAGER_URL_ENV,
    build: (url) =>
      fromConfig(
        () => ALERTMANAGER_URL_ENV,
        () => Alertmanager.layer({ url })
      )
  }
]

/**
 * Picks the notifier from the configuration (environment variables by default), reading every
 * value with `Config.redacted`:
 *
 * - `ALERT_DISCORD_WEBHOOK_URL` set: `DiscordNotifier.layer`;
 * - `ALERT_SLACK_WEBHOOK_URL` set: `SlackNotifier.layer`;
 * - `ALERT_PAGERDUTY_ROUTING_KEY` set: `PagerDutyNotifier.layer` (to `ALERT_PAGERDUTY_URL` when
 *   set; `ALERT_PAGERDUTY_URL` without a routing key is a `ConfigError`);
 * - `ALERT_ALERTMANAGER_URL` set: `AlertmanagerNotifier.layer`;
 * - several: every alert goes to each of them (`Notifier.layerFanOut`);
 * - none (or all empty): `Notifier.layerLog`.
 *
 * Brings its own `HttpClient` (`FetchHttpClient` from `@effect/platform`, on the global `fetch`);
 * {@link layerWithoutClient} takes yours instead. A malformed value fails the layer with a
 * `ConfigError` naming the variable, not its value.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Alert, AlertLimiter, NotifierConfig } from "effect-retry-alerts"
 *
 * const program = Alert.sendRateLimited({ name: "charge", error: new Error("HTTP 500"), context: "billing", message: "Charging fails" }).pipe(
 *   Effect.provide([AlertLimiter.layer(), NotifierConfig.layer()])
 * )
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layer = (): Layer.Layer<Notifier, ConfigError.ConfigError> =>
  layerWithoutClient().pipe(Layer.provide(FetchHttpClient.layer))

/**
 * {@link layer} with the `HttpClient` left to you (a Node client, a client with a proxy or extra
 * headers); it is used only when a destination is configured.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { Layer } from "effect"
 * import { NotifierConfig } from "effect-retry-alerts"
 *
 * const Alerts = NotifierConfig.layerWithoutClient().pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.3.0
 * @category layers
 */
export const layerWithoutClient = (): Layer.Layer<Notifier, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const chosen: Array<{ name: string; layer: ConfiguredLayer }> = []
      for (const destination of destinations) {
        const value = yield* secretConfig(destination.env)
        if (Option.isSome(value)) {
          chosen.push({ name: destination.name, layer: yield* destination.build(value.value) })
        } else if (destination.unset !== undefined) {
          yield* destination.unset
        }
      }
      const names = chosen.map((each) => each.name)
      yield* Effect.logDebug(
        `Alerts go to ${names.length === 0 ? "the log" : names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`}`
      )
      if (chosen.length === 0) return layerLog
      return chosen.length === 1 ? chosen[0]!.layer : FanOut.layer(chosen.map((each) => each.layer))
    })
  )
