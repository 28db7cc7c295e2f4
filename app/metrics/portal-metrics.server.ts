// The portal's Prometheus registry (prom-client): HTTP requests and latencies by route, signups,
// jobs and their steps (reported by the orchestrator through its observer), scheduler runs, and
// gauges read from the database at scrape time (database-gauges.server.ts). One instance per
// process, created in app/server.ts and handed to routes through the load context (services), so
// that the Remix bundle and the server share it. Every label value is bounded: route ids, job
// kinds, step and task names from our own definitions, fixed outcome and reason lists.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { PrismaClient } from "../../prisma/generated/client.ts";
import { JobKind } from "../../prisma/generated/enums.ts";
import type { JobRunOutcome, OrchestratorObserver } from "../../orchestrator/index.ts";
import type { Logger } from "../logger.server";
import {
  BACKLOG_STATUSES,
  NOTIFICATION_STATUSES,
  QUEUE_STATUSES,
  readDatabaseGauges,
  TENANT_STATES,
} from "./database-gauges.server";

/** Why a signup was turned away (the signup route's refusals, and its own failure). */
export const SIGNUP_REFUSALS = ["honeypot", "invalid", "already_signed_up", "rate_limited", "busy", "plan_full", "server_error"] as const;
export type SignupRefusal = (typeof SIGNUP_REFUSALS)[number];
const JOB_OUTCOMES: readonly JobRunOutcome[] = ["succeeded", "retried", "failed", "taken_over", "released"];

export interface PortalMetrics {
  /** The orchestrator's observer: jobs, steps and scheduled runs. */
  readonly observer: OrchestratorObserver;
  recordRequest(labels: { method: string; route: string; status: string }, seconds: number): void;
  signupCreated(): void;
  signupRefused(reason: SignupRefusal): void;
  /** Reads the database gauges, then renders everything in Prometheus's text format. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

export function createPortalMetrics(options: { prisma: PrismaClient; now: () => Date; logger: Logger }): PortalMetrics {
  const registry = new Registry();
  // The process's own figures (memory, CPU, event loop lag, heap), under their usual names.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const httpRequests = new Counter({
    name: "tenantry_http_requests_total",
    help: "HTTP requests answered, by method, route (Remix route id or a fixed name) and status code.",
    labelNames: ["method", "route", "status"] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: "tenantry_http_request_duration_seconds",
    help: "Time from a request's arrival to the end of its response, by method and route.",
    labelNames: ["method", "route"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const signupsCreated = new Counter({
    name: "tenantry_signups_created_total",
    help: "Trial signups that created a customer, a tenant and its provisioning job.",
    registers,
  });
  const signupsRefused = new Counter({
    name: "tenantry_signups_refused_total",
    help: "Trial signups turned away, by reason.",
    labelNames: ["reason"] as const,
    registers,
  });
  const jobRuns = new Counter({
    name: "tenantry_job_runs_total",
    help: "Job runs by this process, by kind and outcome (succeeded, retried, failed for good, taken_over by another worker).",
    labelNames: ["kind", "outcome"] as const,
    registers,
  });
  const jobDuration = new Histogram({
    name: "tenantry_job_run_duration_seconds",
    help: "Duration of one run of a job, from its claim to its outcome, by kind and outcome.",
    labelNames: ["kind", "outcome"] as const,
    buckets: [0.5, 1, 5, 10, 30, 60, 120, 300, 600],
    registers,
  });
  const stepDuration = new Histogram({
    name: "tenantry_job_step_duration_seconds",
    help: "Duration of one job step, by job kind, step and outcome.",
    labelNames: ["kind", "step", "outcome"] as const,
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers,
  });
  const scheduledRuns = new Counter({
    name: "tenantry_scheduled_runs_total",
    help: "Runs of periodic tasks claimed by this process, by task and outcome.",
    labelNames: ["task", "outcome"] as const,
    registers,
  });
  const queueDepth = new Gauge({
    name: "tenantry_job_queue_depth",
    help: "Jobs in the database queued (due or waiting for a retry) or running, all processes together.",
    labelNames: ["status"] as const,
    registers,
  });
  const oldestDue = new Gauge({
    name: "tenantry_job_queue_oldest_due_seconds",
    help: "How long the oldest queued job has been due without being claimed (0 when none is due).",
    registers,
  });
  const outbox = new Gauge({
    name: "tenantry_email_outbox_messages",
    help: "Emails in the outbox still to deliver (pending, sending) or given up on (failed).",
    labelNames: ["status"] as const,
    registers,
  });
  const tenants = new Gauge({
    name: "tenantry_tenants",
    help: "Tenants by actual state.",
    labelNames: ["state"] as const,
    registers,
  });
  const notifications = new Gauge({
    name: "tenantry_operator_notifications",
    help: "Operators' notifications not delivered yet (pending, sending) or given up on (failed).",
    labelNames: ["status"] as const,
    registers,
  });
  const databaseUp = new Gauge({
    name: "tenantry_metrics_database_up",
    help: "1 when this scrape could read the database gauges, 0 when it could not (they are then absent).",
    registers,
  });

  // Series that exist from the start, so that the first event is a move from 0, not a new series.
  for (const reason of SIGNUP_REFUSALS) signupsRefused.inc({ reason }, 0);
  for (const kind of Object.values(JobKind)) for (const outcome of JOB_OUTCOMES) jobRuns.inc({ kind, outcome }, 0);

  const databaseGauges = [queueDepth, oldestDue, outbox, tenants, notifications];
  async function refreshDatabaseGauges() {
    try {
      const reading = await readDatabaseGauges(options.prisma, options.now());
      for (const status of QUEUE_STATUSES) queueDepth.set({ status }, reading.jobs[status]);
      oldestDue.set(reading.oldestDueJobSeconds);
      for (const status of BACKLOG_STATUSES) outbox.set({ status }, reading.outbox[status]);
      for (const state of TENANT_STATES) tenants.set({ state }, reading.tenants[state]);
      for (const status of NOTIFICATION_STATUSES) notifications.set({ status }, reading.notifications[status]);
      databaseUp.set(1);
    } catch (error) {
      // Stale figures would look true: they are dropped until the database answers again.
      for (const gauge of databaseGauges) gauge.reset();
      databaseUp.set(0);
      options.logger.warn("/metrics could not read the database; its gauges are left out of this scrape", {
        error,
        hint: "check that the database answers (GET /healthz)",
      });
    }
  }

  return {
    observer: {
      jobFinished(kind, outcome, ms) {
        jobRuns.inc({ kind, outcome });
        jobDuration.observe({ kind, outcome }, ms / 1000);
      },
      stepFinished(kind, step, outcome, ms) {
        stepDuration.observe({ kind, step, outcome }, ms / 1000);
      },
      scheduledRun(task, outcome) {
        scheduledRuns.inc({ task, outcome });
      },
    },
    recordRequest(labels, seconds) {
      httpRequests.inc(labels);
      httpDuration.observe({ method: labels.method, route: labels.route }, seconds);
    },
    signupCreated: () => signupsCreated.inc(),
    signupRefused: (reason) => signupsRefused.inc({ reason }),
    async scrape() {
      await refreshDatabaseGauges();
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
