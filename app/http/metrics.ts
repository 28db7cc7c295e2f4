// /metrics for Prometheus, and the middleware that times every request for it.
//
// Who may scrape: with METRICS_TOKEN set, only a request carrying "Authorization: Bearer <token>"
// (compared in constant time), from anywhere; without it, only a connection from this machine's
// loopback that did not come through a proxy (no Forwarded / X-Forwarded-For / X-Real-IP header),
// since a reverse proxy on the same machine makes every visitor look local. A missing or wrong
// token gets a 401 with WWW-Authenticate: the endpoint is no secret (every Tenantry has it, the
// README says so), so a 404 would hide nothing and would only send an operator whose scraper is
// misconfigured looking for a wrong path instead of a wrong token.
import { createHash, timingSafeEqual } from "node:crypto";
import type { Request, RequestHandler } from "express";
import type { PortalMetrics } from "../metrics/portal-metrics.server";
import { methodLabel } from "../metrics/route-label.server";

/** Times every request and counts it under a bounded route label (see route-label.server.ts). */
export function recordHttpMetrics(metrics: Pick<PortalMetrics, "recordRequest">, routeOf: (pathname: string) => string): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    // Read now: mounted routers rewrite req.url while they handle the request.
    const pathname = req.path;
    res.once("close", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // A client gone before the response ended is counted apart from the status it never got.
      const status = res.writableFinished ? String(res.statusCode) : "aborted";
      metrics.recordRequest({ method: methodLabel(req.method), route: routeOf(pathname), status }, seconds);
    });
    next();
  };
}

export function metricsEndpoint(metrics: Pick<PortalMetrics, "scrape">, options: { token: string | undefined }): RequestHandler {
  return async (req, res, next) => {
    res.setHeader("Cache-Control", "no-store");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      res.status(405).type("text/plain").send("/metrics answers GET only.\n/metrics ne répond qu'à GET.\n");
      return;
    }
    if (options.token !== undefined) {
      if (!bearerMatches(req.get("Authorization"), options.token)) {
        res.setHeader("WWW-Authenticate", 'Bearer realm="tenantry-metrics"');
        res
          .status(401)
          .type("text/plain")
          .send(
            "Send the METRICS_TOKEN setting as \"Authorization: Bearer <token>\" (Prometheus: authorization.credentials).\n" +
              "Envoyez le réglage METRICS_TOKEN dans \"Authorization: Bearer <jeton>\" (Prometheus : authorization.credentials).\n",
          );
        return;
      }
    } else if (!isDirectLoopback(req)) {
      res
        .status(403)
        .type("text/plain")
        .send(
          "/metrics answers only local connections while METRICS_TOKEN is not set: set it to scrape from another machine or through a proxy.\n" +
            "/metrics ne répond qu'aux connexions locales tant que METRICS_TOKEN n'est pas défini : définissez-le pour collecter depuis une autre machine ou à travers un proxy.\n",
        );
      return;
    }
    try {
      const { contentType, body } = await metrics.scrape();
      // As prom-client writes it (express's type() would reorder its parameters).
      res.status(200).setHeader("Content-Type", contentType);
      res.end(req.method === "HEAD" ? undefined : body);
    } catch (error) {
      next(error);
    }
  };
}

/** "Bearer <token>" equal to `expected`, compared in constant time (hashes of equal length). */
export function bearerMatches(header: string | undefined, expected: string): boolean {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? "");
  const given = createHash("sha256").update(match?.[1] ?? "").digest();
  const wanted = createHash("sha256").update(expected).digest();
  return timingSafeEqual(given, wanted) && match !== null;
}

/** The socket's peer is loopback (not req.ip, which TRUST_PROXY may take from a header) and no proxy relayed it. */
export function isDirectLoopback(req: Pick<Request, "socket" | "headers">): boolean {
  const relayed = ["forwarded", "x-forwarded-for", "x-real-ip"].some((name) => req.headers[name] !== undefined);
  return !relayed && isLoopbackAddress(req.socket.remoteAddress ?? "");
}

export function isLoopbackAddress(address: string): boolean {
  const v4 = address.startsWith("::ffff:") ? address.slice("::ffff:".length) : address;
  return address === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}
