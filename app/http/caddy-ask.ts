// GET /_caddy/ask?domain=<hostname>: Caddy's on-demand TLS asks here before it requests a
// certificate (issue 14). 200 when the hostname is a live tenant's under TENANT_HOST_PATTERN, 404
// otherwise (Caddy only looks at 2xx). Answers only a direct loopback connection (Caddy runs on
// the same machine; a request relayed by a proxy gets a 404, as if the path did not exist), and is
// mounted only when TENANT_HOST_PATTERN is set. The decision itself is the orchestrator's.
import type { RequestHandler } from "express";
import type { PrismaClient } from "../../prisma/generated/client.ts";
import { decideCertificateAsk, parseHostPattern } from "../../orchestrator/index.ts";
import type { Logger } from "../logger.server";
import { isDirectLoopback } from "./metrics";

export function caddyAskEndpoint(options: { prisma: PrismaClient; pattern: string; logger: Logger }): RequestHandler {
  const pattern = parseHostPattern(options.pattern);
  return async (req, res, next) => {
    res.setHeader("Cache-Control", "no-store");
    res.type("text/plain");
    if (req.method !== "GET" || !isDirectLoopback(req)) {
      res.status(404).send("Not found\n");
      return;
    }
    const domain = typeof req.query.domain === "string" ? req.query.domain : "";
    if (!domain) {
      res.status(404).send("No domain given: call /_caddy/ask?domain=<hostname>.\nAucun domaine : appelez /_caddy/ask?domain=<nom>.\n");
      return;
    }
    try {
      const decision = await decideCertificateAsk(options.prisma, pattern, domain);
      if (decision.allowed) {
        res.status(200).send("Allowed: a tenant's hostname.\nAutorisé : l'adresse d'un client.\n");
      } else {
        options.logger.debug("certificate ask refused", { domain, reason: decision.reason });
        res.status(404).send("Not a live tenant's hostname.\nCe nom n'est celui d'aucun client actif.\n");
      }
    } catch (error) {
      next(error);
    }
  };
}
