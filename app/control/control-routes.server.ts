// The portal's control channel, for the operator's commands when they cannot open the database
// themselves (the embedded database belongs to the portal's process): list the periodic tasks, run
// what is due as of a time, send a test notification, back up the portal's database. Answers only
// on a loopback connection that carries the token of control-token.server.ts; everything else gets
// a 404, as if it did not exist.
import express, { type Router } from "express";
import type { Orchestrator } from "../../orchestrator/index.ts";
import { parseAsOf } from "./as-of";
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
  router.post("/notify-test", async (_req, res, next) => {
    try {
      res.json({ lines: await orchestrator.sendTestNotification() });
    } catch (error) {
      next(error);
    }
  });
  return router;
}
