// The portal's GET /_caddy/ask (app/http/caddy-ask.ts, the handler Caddy's on-demand TLS asks
// before it requests a certificate), served on a free loopback port for the custom-domain docker
// tests, which run the orchestrator in their own process and no portal. status(domain) asks it as
// Caddy would: 200 is "yes, get a certificate for it", anything else "no".
import type { Server } from "node:http";
import express from "express";
import { caddyAskEndpoint } from "../../app/http/caddy-ask.ts";

export type CaddyAskServer = { status(domain: string): Promise<number>; close(): Promise<void> };

export async function serveCaddyAsk(options: Parameters<typeof caddyAskEndpoint>[0]): Promise<CaddyAskServer> {
  const app = express();
  app.get("/_caddy/ask", caddyAskEndpoint(options));
  const server: Server = app.listen(0, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    server.once("listening", () => resolve());
    server.once("error", reject);
  });
  const { port } = server.address() as { port: number };
  return {
    async status(domain) {
      const response = await fetch(`http://127.0.0.1:${port}/_caddy/ask?domain=${encodeURIComponent(domain)}`, { headers: { Connection: "close" } });
      await response.arrayBuffer();
      return response.status;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
