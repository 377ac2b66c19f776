/** Alert events for tests of notifiers, built like the alert path builds them. */
import type { Alert } from "../../src/index.js"

/** A firing event; `overrides` replace any field. */
export const firing = (overrides: Partial<Alert.Firing> = {}): Alert.Firing => ({
  _tag: "Firing",
  severity: "critical",
  title: "charge is failing",
  text: overrides.title ?? "charge is failing",
  operation: "charge",
  context: "billing",
  signature: "billing:charge:Error:HTTP 500",
  dedupKey: "billing/charge/0000000000abcd",
  attempt: 50,
  error: { type: "Error", message: "HTTP 500" },
  suppressed: 0,
  heldBack: 0,
  startedAt: 0,
  at: 0,
  channel: undefined,
  ...overrides
})

/** A resolved event for the same incident as {@link firing}, with the severity it fired with. */
export const resolved = (overrides: Partial<Alert.Resolved> = {}): Alert.Resolved => ({
  _tag: "Resolved",
  severity: "critical",
  title: "charge recovered",
  text: "RESOLVED: charge recovered",
  operation: "charge",
  context: "billing",
  signature: "billing:charge:Error:HTTP 500",
  dedupKey: "billing/charge/0000000000abcd",
  suppressed: 0,
  failures: 0,
  startedAt: 0,
  firedAt: 0,
  at: 0,
  channel: undefined,
  ...overrides
})
