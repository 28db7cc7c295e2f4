// Delivers operator notifications (alerts and reports raised by raiseNotification) in the
// background, like the mail sender delivers the outbox: it claims one due row at a time with a
// fencing token (status "sending", a lease renewed while it works), delivers it through every
// channel (delivery.ts), and records the outcome only while it still holds the token. A channel
// that fails puts the row back with a growing delay; after `maxAttempts` it is failed. Several
// senders (portal processes, workers) run side by side: each row is delivered by one of them.
// `sendTestNotification` raises a test notification and delivers it at once (`npm run notify:test`).
import { randomUUID } from "node:crypto";
import { retryDelayMs, type BackoffPolicy } from "../jobs/backoff.ts";
import { startHeartbeat } from "../jobs/heartbeat.ts";
import { idleTimer } from "../jobs/idle-timer.ts";
import type { SchedulerDeps } from "../scheduler/deps.ts";
import { raiseNotification } from "./alerts.ts";
import { deliverNotification, type ChannelResult } from "./delivery.ts";
import { claimDueNotification, claimRaisedNotification, finishNotification, readClaim, renewNotificationLease, type ClaimedNotification } from "./store.ts";

export interface NotificationSender {
  stop(): Promise<void>;
  wake(): void;
}

export interface NotificationSenderOptions {
  pollIntervalMs: number;
  /** A row claimed by a sender that died is taken over after this long (default 60 s, over the webhook's timeout). */
  leaseMs?: number;
  /** Deliveries tried before the row is failed (default 10). */
  maxAttempts?: number;
  /** Delays between tries (default from 30 s, doubling, up to 30 minutes). */
  backoff?: BackoffPolicy;
  /** The webhook's timeout (default 10 s). */
  webhookTimeoutMs?: number;
}

const DEFAULT_LEASE_MS = 60_000;
const DEFAULT_MAX_ATTEMPTS = 10;
const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 30_000, maxMs: 30 * 60_000 };

export function startNotificationSender(deps: SchedulerDeps, options: NotificationSenderOptions): NotificationSender {
  let stopped = false;
  const timer = idleTimer();
  const loop = (async () => {
    while (!stopped) {
      try {
        await deliverDueNotifications(deps, options, () => !stopped);
      } catch (error) {
        deps.logger.error("the notification sender could not read the notifications", { error });
      }
      await timer.idle(options.pollIntervalMs);
    }
  })();
  return {
    wake: () => timer.wake(),
    async stop() {
      stopped = true;
      timer.wake();
      await loop;
    },
  };
}

/**
 * Delivers every notification due now, one claim at a time; resolves with how many were sent.
 * Claims nothing more once `keepGoing` says no (the sender is stopping).
 */
export async function deliverDueNotifications(
  deps: SchedulerDeps,
  options: Omit<NotificationSenderOptions, "pollIntervalMs"> = {},
  keepGoing: () => boolean = () => true,
): Promise<number> {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  let sent = 0;
  for (;;) {
    if (!keepGoing()) return sent;
    const claim = await claimDueNotification(deps.prisma, deps.clock.now(), leaseMs);
    if (!claim) return sent;
    const { results, recorded } = await deliverClaimed(deps, claim, options, true);
    if (recorded && results.every((result) => result.ok)) sent += 1;
  }
}

/** Queues a test notification and delivers it now; returns what happened, in one line per channel. */
export async function sendTestNotification(deps: SchedulerDeps): Promise<string[]> {
  const key = `test:${randomUUID()}`;
  const now = deps.clock.now();
  const claimed = await deps.prisma.$transaction(async (tx) => {
    await raiseNotification(tx, {
      idempotencyKey: key,
      kind: "test",
      severity: "info",
      title: "Test notification",
      fields: { requestedAt: now.toISOString() },
    });
    return claimRaisedNotification(tx, key, now, DEFAULT_LEASE_MS);
  });
  const claim = claimed && (await readClaim(deps.prisma, claimed.id, claimed.token));
  if (!claim) return ["[failed] the test notification could not be claimed for delivery"];
  // A test is not retried: the operator reads the outcome now.
  const { results } = await deliverClaimed(deps, claim, {}, false);
  return results.map((result) => result.line);
}

async function deliverClaimed(
  deps: SchedulerDeps,
  claim: ClaimedNotification,
  options: Omit<NotificationSenderOptions, "pollIntervalMs">,
  retry: boolean,
): Promise<{ results: ChannelResult[]; recorded: boolean }> {
  const { prisma, clock, logger } = deps;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const row = claim.row;
  const fields = { notificationId: row.id, kind: row.kind, attempt: row.attempts };
  const heartbeat = startHeartbeat(Math.max(100, Math.floor(leaseMs / 3)), async () => {
    try {
      await renewNotificationLease(prisma, claim, clock.now(), leaseMs);
    } catch (error) {
      logger.warn("could not renew an operator notification's lease", { ...fields, error });
    }
  });
  let results: ChannelResult[];
  try {
    results = await deliverNotification(deps, row, options.webhookTimeoutMs ? { webhookTimeoutMs: options.webhookTimeoutMs } : {});
  } catch (caught) {
    const error = caught instanceof Error ? caught.message : String(caught);
    results = [{ channel: "none", ok: false, line: `[failed] ${error}`, error }];
  } finally {
    heartbeat.stop();
  }

  const failures = results.filter((result) => !result.ok);
  const now = clock.now();
  const note = results.find((result) => result.channel === "mock" || result.channel === "none");
  const error = failures.map((failure) => failure.error ?? failure.line).join("; ");
  const giveUp = !retry || row.attempts >= maxAttempts;
  const recorded = await finishNotification(
    prisma,
    claim,
    now,
    failures.length === 0
      ? { status: "sent", note: note ? note.line.replace(/^\[\w+\] /, "") : null }
      : giveUp
        ? { status: "failed", error }
        : { status: "retry", error, at: new Date(now.getTime() + retryDelayMs(row.attempts, options.backoff ?? DEFAULT_BACKOFF)) },
  );
  if (!recorded) {
    logger.warn("operator notification taken over by another sender; not recording its outcome", fields);
  } else if (failures.length === 0) {
    // Mock mode and "no channel" logged the notification already.
    if (!note) logger.info("operator notification sent", { ...fields, channels: results.map((result) => result.channel).join(", ") });
  } else if (giveUp) {
    logger.error("operator notification failed for good", { ...fields, error });
  } else {
    logger.warn("operator notification not delivered yet; will retry", { ...fields, error });
  }
  return { results, recorded };
}

