// Refuses a form posted from another site before Remix sees it: a POST (any method with a body)
// whose Origin names another host, or, without Origin, whose Sec-Fetch-Site says cross-site, gets a
// 403. Requests without either header (curl, scripts, node's fetch) pass: browsers always send one
// of them on a cross-site POST. This is defence in depth for the admin forms (which carry CSRF
// tokens too) and the only guard of the unauthenticated ones (signup, login, first-run setup).
// Behind a proxy the expected host is X-Forwarded-Host, but only from an address `trust proxy`
// trusts; otherwise the Host header.
import type { Request, RequestHandler } from "express";
import { carriesBody } from "./body-limit";
import { sendRefusal } from "./refusal";

export function refuseCrossSitePosts(): RequestHandler {
  return (req, res, next) => {
    if (!carriesBody(req.method) || isSameSite(req)) return next();
    sendRefusal(req, res, "cross_site", { closeConnection: true });
  };
}

export function isSameSite(req: Request): boolean {
  const origin = req.get("Origin");
  if (origin === undefined) return req.get("Sec-Fetch-Site") !== "cross-site";
  const from = hostAndPort(origin);
  const to = servedHost(req);
  return from !== null && to !== null && from.hostname === to.hostname && from.port === to.port;
}

/** The host the client addressed, as express's `trust proxy` allows it to be known. */
function servedHost(req: Request): { hostname: string; port: string } | null {
  const trustProxy = req.app.get("trust proxy fn") as (address: string | undefined, hop: number) => boolean;
  const forwarded = trustProxy(req.socket.remoteAddress, 0) ? req.get("X-Forwarded-Host") : undefined;
  const host = (forwarded ?? req.get("Host") ?? "").split(",")[0]!.trim();
  if (!host) return null;
  return hostAndPort(`${req.protocol}://${host}`);
}

// URL fills in nothing for a default port: make it explicit so http://a and http://a:80 match.
function hostAndPort(origin: string): { hostname: string; port: string } | null {
  if (!URL.canParse(origin)) return null; // "null" (a sandboxed or privacy-sensitive context) included
  const url = new URL(origin);
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  return { hostname: url.hostname, port: url.port || (url.protocol === "https:" ? "443" : "80") };
}
