/**
 * A real HTTP server on 127.0.0.1 (ephemeral port) for the webhook tests: records every request
 * and answers from a script, at once or after a real delay, or never. Counts the connections it
 * accepts. Scoped: closing the scope closes the server, cancels delayed answers and destroys every
 * open socket, held responses included.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, type Scope } from "effect"

export type Reply =
  | {
      readonly status: number
      readonly headers?: Readonly<Record<string, string>>
      /** A string is sent as text/plain, anything else as JSON. */
      readonly body?: unknown
      /** Whether Node adds its `Date` header. Default true. */
      readonly sendDate?: boolean
      /** Answers after this many milliseconds of real time (a slow destination). Default 0. */
      readonly delayMillis?: number
    }
  /** Never answers: the request stays open until the client gives up or the server closes. */
  | "hang"

export interface RecordedRequest {
  readonly method: string
  /** Path and query, as sent. */
  readonly url: string
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

export interface TestServer {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string
  /** Requests received so far, oldest first. */
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
  /** The bodies received so far, parsed as JSON. */
  readonly bodies: Effect.Effect<ReadonlyArray<unknown>>
  /** Answers the next requests with `replies`, in order; the last one repeats. */
  readonly reply: (...replies: ReadonlyArray<Reply>) => Effect.Effect<void>
  /** Waits (in real time, for real I/O) until at least `count` requests arrived. */
  readonly awaitRequests: (count: number) => Effect.Effect<void>
  /** TCP connections accepted so far, and those still open. */
  readonly connections: Effect.Effect<{ readonly accepted: number; readonly open: number }>
}

const answer = (response: http.ServerResponse, reply: Exclude<Reply, "hang">): void => {
  response.sendDate = reply.sendDate ?? true
  const isText = typeof reply.body === "string"
  const body = reply.body === undefined ? "" : isText ? (reply.body as string) : JSON.stringify(reply.body)
  response.writeHead(reply.status, {
    ...(reply.body === undefined ? {} : { "content-type": isText ? "text/plain" : "application/json" }),
    ...reply.headers
  })
  response.end(body)
}

export const make: Effect.Effect<TestServer, never, Scope.Scope> = Effect.gen(function* () {
  const requests: Array<RecordedRequest> = []
  let script: ReadonlyArray<Reply> = [{ status: 204 }]
  // Replies are counted from the last call of `reply`.
  let offset = 0
  const waiters = new Set<{ readonly count: number; readonly wake: () => void }>()
  // Delayed answers not sent yet: cancelled when the server closes.
  const timers = new Set<NodeJS.Timeout>()
  let accepted = 0
  let open = 0

  const server = http.createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      requests.push({
        method: request.method ?? "",
        url: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8")
      })
      const reply = script[Math.min(requests.length - 1 - offset, script.length - 1)] ?? { status: 204 }
      if (reply !== "hang") {
        if ((reply.delayMillis ?? 0) <= 0) answer(response, reply)
        else {
          const timer = setTimeout(() => {
            timers.delete(timer)
            if (!response.destroyed) answer(response, reply)
          }, reply.delayMillis)
          timers.add(timer)
        }
      }
      for (const waiter of waiters) {
        if (requests.length >= waiter.count) {
          waiters.delete(waiter)
          waiter.wake()
        }
      }
    })
  })
  server.on("connection", (socket) => {
    accepted++
    open++
    socket.once("close", () => open--)
  })
  yield* Effect.acquireRelease(
    Effect.async<void>((resume) => {
      server.listen(0, "127.0.0.1", () => resume(Effect.void))
    }),
    () =>
      Effect.async<void>((resume) => {
        for (const timer of timers) clearTimeout(timer)
        timers.clear()
        server.close(() => resume(Effect.void))
        // Held ("hang") responses and keep-alive sockets would keep `close` waiting forever.
        server.closeAllConnections()
      })
  )
  const { port } = server.address() as AddressInfo

  return {
    origin: `http://127.0.0.1:${port}`,
    requests: Effect.sync(() => [...requests]),
    bodies: Effect.sync(() => requests.map((request) => JSON.parse(request.body) as unknown)),
    reply: (...replies) =>
      Effect.sync(() => {
        script = replies
        offset = requests.length
      }),
    awaitRequests: (count) =>
      Effect.async<void>((resume) => {
        if (requests.length >= count) return resume(Effect.void)
        const waiter = { count, wake: () => resume(Effect.void) }
        waiters.add(waiter)
        return Effect.sync(() => waiters.delete(waiter))
      }),
    connections: Effect.sync(() => ({ accepted, open }))
  }
})

/** An origin where nothing listens: a port that was just bound, then released. */
export const closedOrigin: Effect.Effect<string> = Effect.async<string>((resume) => {
  const server = http.createServer()
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as AddressInfo
    server.close(() => resume(Effect.succeed(`http://127.0.0.1:${port}`)))
  })
})
