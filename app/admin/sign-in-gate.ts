// Bounded concurrency for the unauthenticated password forms (/admin/login, /admin/setup): at most
// CONCURRENCY of their POSTs are handled at once, the others wait their turn in a bounded queue
// and, past it, are refused at once (503). A storm of parallel sign-ins then costs its attacker
// time, not the portal's: each request's database queries and page rendering would otherwise all
// run at once, and /healthz and every other page would wait behind them.
import type { RequestHandler } from "express";
import { adminTranslator } from "../i18n/admin-messages";

export interface SignInGateOptions {
  /** POSTs handled at once (default 4). */
  concurrency?: number;
  /** POSTs allowed to wait; more get 503 (default 500). */
  maxWaiting?: number;
}

export function signInGate({ concurrency = 4, maxWaiting = 500 }: SignInGateOptions = {}): RequestHandler {
  let active = 0;
  const waiting: (() => void)[] = [];
  const admitNext = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  return (req, res, next) => {
    if (req.method !== "POST") return next();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      admitNext();
    };
    const enter = () => {
      res.once("finish", release);
      res.once("close", release);
      next();
    };
    if (active < concurrency) {
      active++;
      return enter();
    }
    if (waiting.length >= maxWaiting) {
      const busy = `${adminTranslator("en")("login.busy")} / ${adminTranslator("fr")("login.busy")}`;
      res.status(503).set("Retry-After", "5").type("text/plain; charset=utf-8").send(busy);
      return;
    }
    // A client that gives up while waiting leaves the queue.
    const onClose = () => {
      const index = waiting.indexOf(enterInTurn);
      if (index >= 0) waiting.splice(index, 1);
    };
    const enterInTurn = () => {
      res.off("close", onClose);
      enter();
    };
    res.once("close", onClose);
    waiting.push(enterInTurn);
  };
}
