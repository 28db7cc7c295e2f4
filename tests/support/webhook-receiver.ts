// A webhook receiver for the operator-notification tests: a real HTTP server on 127.0.0.1 (a port
// in 43300-43399, helper D's range) that records every request (method, path, headers, raw body)
// and answers with the status the test sets, after an optional delay, or never ("hang", for the timeout).
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface WebhookReceiver {
  /** The URL to configure, with a secret-looking path (a Slack or Teams URL carries its token there). */
  url: string;
  requests: ReceivedRequest[];
  respondWith(status: number | "hang"): void;
  /** Answers only after this long (a slow receiver: the sender holds its lease meanwhile). */
  delayAnswers(ms: number): void;
  stop(): Promise<void>;
}

const FIRST_PORT = 43300;
const LAST_PORT = 43399;

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const hanging: ServerResponse[] = [];
  let answer: number | "hang" = 200;
  let delayMs = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      requests.push({ method: request.method ?? "", path: request.url ?? "", headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      if (answer === "hang") {
        hanging.push(response);
        return;
      }
      const status = answer;
      setTimeout(() => response.writeHead(status, { "Content-Type": "text/plain" }).end(status < 300 ? "ok" : "no thanks"), delayMs);
    });
  });
  const start = FIRST_PORT + Math.floor(Math.random() * (LAST_PORT - FIRST_PORT + 1));
  let port = 0;
  for (let i = 0; i <= LAST_PORT - FIRST_PORT && port === 0; i += 1) {
    const candidate = FIRST_PORT + ((start - FIRST_PORT + i) % (LAST_PORT - FIRST_PORT + 1));
    port = await new Promise<number>((resolve) => {
      server.once("error", () => resolve(0));
      server.listen(candidate, "127.0.0.1", () => resolve(candidate));
    });
  }
  if (port === 0) throw new Error(`no free port in ${FIRST_PORT}-${LAST_PORT} for the webhook receiver`);
  return {
    url: `http://127.0.0.1:${port}/hooks/T0SECRET/B0SECRET/xoxSECRETPATH`,
    requests,
    respondWith: (status) => {
      answer = status;
    },
    delayAnswers: (ms) => {
      delayMs = ms;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const response of hanging.splice(0)) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
