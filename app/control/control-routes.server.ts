// The portal's control channel, for the operator's commands when they cannot open the database
// themselves (the embedded database belongs to the portal's process): list the periodic tasks, run
// what is due as of a time, send a test notification, back up the portal's database, ask for tenant
// backups and restores and wait for their jobs, ask for tenant upgrades and follow their runs. Answers only
// on a loopback connection that carries the token of control-token.server.ts; everything else gets
// a 404, as if it did not exist.
import express, { type Router } from "express";
import { OrchestratorError, type Orchestrator } from "../../orchestrator/index.ts";
import { z } from "zod";
import { parseAsOf } from "./as-of";

const upgradeRequestSchema = z.strictObject({
  target: z.union([z.strictObject({ slug: z.string() }), z.strictObject({ plan: z.string() }), z.strictObject({ all: z.literal(true) })]),
  image: z.string(),
  batchSize: z.number(),
});
import { tokensMatch } from "./control-token.server";

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

export function controlRoutes(orchestrator: Orchestrator, token: string): Router {
  const router = express.Router();
  router.use((req, res, next) => {
    const bearer = req.get("Authorization")?.replace(/^Bearer /, "");
    if (!LOOPBACK.has(req.socket.remoteAddress ?? "") || !tokensMatch(token, bearer)) {
      res.status(404).type("text/plain").send("Not found");
      return;
    }
    res.setHeader("Cache-Control", "no-store");
    next();
  });
  router.get("/tasks", async (_req, res, next) => {
    try {
      res.json({ tasks: await orchestrator.listTasks() });
    } catch (error) {
      next(error);
    }
  });
  router.post("/tasks/run-due", async (req, res, next) => {
    const at = parseAsOf(typeof req.query.at === "string" ? req.query.at : undefined, new Date());
    if ("error" in at) {
      res.status(400).json({ error: at.error });
      return;
    }
    try {
      res.json({ reports: await orchestrator.runDueTasks(at.date) });
    } catch (error) {
      next(error);
    }
  });
  // `npm run db:backup` while this portal holds the embedded database: it writes the backup.
  router.post("/portal-backup", async (req, res, next) => {
    const dir = typeof req.query.dir === "string" && req.query.dir ? req.query.dir : undefined;
    try {
      res.json({ report: await orchestrator.backupPortalDatabase(dir) });
    } catch (error) {
      next(error);
    }
  });
  // `npm run tenant` (tenant backups, issue 13) while this portal holds the embedded database.
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
  const operator = (req: express.Request) => ({ requestedBy: text(req.query.by) ?? "operator", actorType: "operator" as const });
  const refusal = (res: express.Response, next: express.NextFunction, error: unknown) => {
    if (error instanceof OrchestratorError && !error.transient) res.status(400).json({ error: error.message });
    else next(error);
  };
  router.post("/tenant-backups/backup", async (req, res, next) => {
    try {
      res.json(await orchestrator.tenantBackups.backup(text(req.query.slug) ?? "", operator(req)));
    } catch (error) {
      refusal(res, next, error);
    }
  });
  router.get("/tenant-backups", async (req, res, next) => {
    try {
      res.json({ backups: await orchestrator.tenantBackups.list(text(req.query.slug) ?? "") });
    } catch (error) {
      refusal(res, next, error);
    }
  });
  router.post("/tenant-backups/restore", async (req, res, next) => {
    const backupId = text(req.query.backup);
    const into = text(req.query.into);
    try {
      res.json(
        await orchestrator.tenantBackups.restore(
          { slug: text(req.query.slug) ?? "", ...(backupId ? { backupId } : {}), ...(into ? { into } : {}) },
          operator(req),
        ),
      );
    } catch (error) {
      refusal(res, next, error);
    }
  });
  router.get("/jobs/wait", async (req, res, next) => {
    const timeoutMs = Math.min(Math.max(Number(text(req.query.timeoutMs) ?? "30000") || 30_000, 0), 60_000);
    try {
      res.json(await orchestrator.tenantBackups.waitForJob(text(req.query.id) ?? "", timeoutMs));
    } catch (error) {
      refusal(res, next, error);
    }
  });
  // `npm run tenant -- upgrade` (issue 13) while this portal holds the embedded database.
  router.post("/upgrades", async (req, res, next) => {
    try {
      const request = upgradeRequestSchema.parse(JSON.parse(text(req.query.request) ?? "null"));
      res.json(await orchestrator.upgrades.request(request, operator(req)));
    } catch (error) {
      if (error instanceof SyntaxError || error instanceof z.ZodError) res.status(400).json({ error: "The upgrade request is not understood; use npm run tenant -- upgrade." });
      else refusal(res, next, error);
    }
  });
  router.get("/upgrades/run", async (req, res, next) => {
    try {
      res.json({ run: await orchestrator.upgrades.run(text(req.query.id) ?? "") });
    } catch (error) {
      refusal(res, next, error);
    }
  });
  router.get("/upgrades/list", async (req, res, next) => {
    try {
      res.json({ runs: await orchestrator.upgrades.list(Math.min(Math.max(Number(text(req.query.limit) ?? "20") || 20, 1), 100)) });
    } catch (error) {
      refusal(res, next, error);
    }
  });
  router.get("/upgrades/wait", async (req, res, next) => {
    const timeoutMs = Math.min(Math.max(Number(text(req.query.timeoutMs) ?? "30000") || 30_000, 0), 60_000);
    try {
      res.json(await orchestrator.upgrades.wait(text(req.query.id) ?? "", timeoutMs));
    } catch (error) {
      refusal(res, next, error);
    }
  });
  router.post("/notify-test", async (_req, res, next) => {
    try {
      res.json({ lines: await orchestrator.sendTestNotification() });
    } catch (error) {
      next(error);
    }
  });
  return router;
}
