// Tenantry's orchestrator: the one door the portal goes through. It runs tenants' stacks through
// a StackDriver, as jobs persisted in the database and run by a worker. It reads no environment
// variable: the portal passes its configuration in.
import { S3BackupStore, type S3BackupSettings } from "./tenant-backup/s3-destination.ts";
import path from "node:path";
import Dockerode from "dockerode";
import type { PrismaClient } from "../prisma/generated/client.ts";
import { systemClock, type Clock } from "./clock.ts";
import { OrchestratorError } from "./errors.ts";
import { createDockerDriver } from "./docker/driver.ts";
import type { ContainerUsage, StackDriver, StackStatus } from "./driver.ts";
import { createPortainerDriver, type PortainerCredentials } from "./portainer/driver.ts";
import { defaultBackoff, type BackoffPolicy } from "./jobs/backoff.ts";
import { startWorker, type Worker } from "./jobs/worker.ts";
import { projectName, type LifecycleDeps } from "./lifecycle/context.ts";
import { lifecycleDefinitions } from "./lifecycle/definitions.ts";
import {
  backupRetentionTask,
  backupVerificationTask,
  DEFAULT_BACKUP_SCHEDULE,
  tenantBackupKey,
  tenantBackupService,
  tenantBackupsTask,
  type BackupScheduleSettings,
  type TenantBackupService,
} from "./tenant-backup/index.ts";
import { tenantUpgradeService, type TenantUpgradeService } from "./upgrades/index.ts";
import { sendAccountLink, type AccountLinkOutcome, type AccountLinkRequest } from "./customers/account-link.ts";
import { stripeApi, type StripeApi } from "./billing/stripe-api.ts";
import { defaultBillingSettings, type BillingSettings } from "./billing/settings.ts";
import { billingService, type BillingService } from "./billing/service.ts";
import { startMailSender, type MailSender } from "./mail/sender.ts";
import { devMailboxTransport, readDevMailbox, type StoredMail } from "./mail/dev-mailbox.ts";
import { smtpTransport, type MailTransport } from "./mail/transports.ts";
import type { OrchestratorLogger } from "./logger.ts";
import type { OrchestratorObserver } from "./observer.ts";
import type { PortRange } from "./ports.ts";
import { SecretBox } from "./secrets.ts";
import { applyRotationAtStart, keyringWatch } from "./secrets-rotation/keyring.ts";
import { loadTemplates } from "./templates/load.ts";
import { retentionTask } from "./customers/retention-task.ts";
import { mailBacklogTask } from "./notify/mail-backlog-task.ts";
import { raiseNotification } from "./notify/alerts.ts";
import { sendTestNotification, startNotificationSender, type NotificationSender } from "./notify/sender.ts";
import { weeklyReportTask } from "./notify/weekly-report-task.ts";
import { reconcileTask } from "./reconcile/reconcile-task.ts";
import { customDomainService, type CustomDomainService } from "./proxy/custom-domain-service.ts";
import type { CustomDomainSettings } from "./proxy/custom-domains.ts";
import { ensureServer, tenantProxy, type ServerOutcome, type TenantProxySettings } from "./proxy/route-steps.ts";
import type { NotifySettings, SchedulerDeps, TimeSettings } from "./scheduler/deps.ts";
import { latestRuns, type RunRecord } from "./scheduler/run-store.ts";
import { runDueTasks, startScheduler, type RunReport, type Scheduler } from "./scheduler/scheduler.ts";
import type { ScheduledTask } from "./scheduler/task.ts";
import { trialLifecycleTask } from "./trials/trial-lifecycle-task.ts";
import { usageTask } from "./usage/usage-task.ts";
import type { PlanCatalog } from "./plans/catalog.ts";
import { backUpPortalDatabase, portalBackupTask, type PortalBackupReport, type PortalBackupSettings } from "./portal-backup/index.ts";

export { TemplateError, OrchestratorError, settingOf, type OrchestratorSetting } from "./errors.ts";
export type { StackStatus, ContainerStatus, ContainerUsage } from "./driver.ts";
export type { Worker } from "./jobs/worker.ts";
export type { OrchestratorObserver, JobRunOutcome, StepOutcome, ScheduledRunOutcome } from "./observer.ts";
export type { Scheduler, RunReport } from "./scheduler/scheduler.ts";
export type { TaskSummary } from "./scheduler/task.ts";
export type { RunRecord } from "./scheduler/run-store.ts";
export type { NotifySettings, TimeSettings, WebhookFormat } from "./scheduler/deps.ts";
export type { NotificationSender } from "./notify/sender.ts";
export { offsetClock, systemClock, type Clock } from "./clock.ts";
export { keyFingerprint, loadOrCreateKeyFile, parseSecretKey, formatSecretKey, SecretKeyError } from "./secrets.ts";
// `npm run secrets:rotate`: the secrets key rotated, every sealed value re-encrypted, resumable.
export { runKeyRotation, rotationKeys, RotationError, type RotationOptions, type RotationReport, type RotationPlan, type KindReport } from "./secrets-rotation/index.ts";
export { prepareNextKey, readSecretKeyFile, swapKeyFiles, nextKeyFile, type KeyFiles } from "./secrets-rotation/index.ts";
export { readDevMailbox, DEV_MAILBOX_RETENTION_MS, type StoredMail } from "./mail/dev-mailbox.ts";
export { retryFailedEmail } from "./mail/outbox.ts";
export type { MailSender } from "./mail/sender.ts";
export type { PortainerCredentials } from "./portainer/driver.ts";
// The one writer of each kind of row the portal also writes: audit entries and job requests.
export { writeAudit, AUDIT_ACTIONS, type AuditAction, type AuditDetails, type AuditEntry, type AuditOutcome, type DatabaseWriter } from "./audit/audit-log.ts";
export { requestJob, type JobRequest, type LifecycleAction } from "./jobs/job-requests.ts";
export {
  requestTenantBackup,
  requestTenantRestore,
  listTenantBackups,
  waitForJob,
  tenantBackupKey,
  TenantBackupRequestError,
  BACKUP_REASONS,
  type BackupReason,
  type BackupRequester,
  type TenantBackupSummary,
  type RestoreRequest,
  type JobOutcome,
  type TenantBackupService,
} from "./tenant-backup/index.ts";
// Tenant upgrades (issue 13): runs of upgrade jobs in batches, with rollback.
export {
  requestUpgrade,
  upgradeRunSummary,
  listUpgradeRuns,
  waitForUpgradeRun,
  UpgradeRequestError,
  IMAGE_REFERENCE,
  type UpgradeRequest,
  type UpgradeRequester,
  type UpgradeTarget,
  type UpgradeRunSummary,
  type UpgradeRunTenantSummary,
  type TenantUpgradeService,
  type UpgradeSettings,
} from "./upgrades/index.ts";
// Customers' data rights (the console's export and erasure).
export { exportCustomerData, CUSTOMER_EXPORT_FORMAT, type CustomerExport, type DataRightsActor } from "./customers/export.ts";
export { eraseCustomer, erasedEmail, type EraseOutcome } from "./customers/erase.ts";
export { eraseDevMailboxMessages } from "./customers/dev-mailbox-erasure.ts";
// The customer's account page (issue 12): "send me my link".
export { LINKS_PER_TENANT_PER_HOUR, type AccountLinkOutcome, type AccountLinkRequest } from "./customers/account-link.ts";
// `npm run doctor`: read-only checks of the engine, the template's images, the port range, SMTP and the key.
export { checkEngine, type CheckFailure, type EngineCheckOptions, type EngineCheckReport, type ImageCheck } from "./doctor/engine-check.ts";
export { checkSmtp, type SmtpCheckReport } from "./doctor/smtp-check.ts";
export { checkSecretsKey, type SecretsCheckReport } from "./doctor/secrets-check.ts";
export { checkCaddy, type CaddyCheckReport } from "./doctor/caddy-check.ts";
// The portal's own database: `npm run db:backup`, `db:restore`, and the daily portal-backup task.
export {
  restorePortalBackup,
  listPortalBackups,
  RestoreRefused,
  BackupFileError,
  type PortalBackupReport,
  type PortalBackupSettings,
  type RestoreReport,
  type BackupListing,
} from "./portal-backup/index.ts";
// HTTPS per tenant (issue 14, first block): Caddy's admin-API client, tenant routes, the `ask` decision.
export * from "./proxy/index.ts";
// Issue 14, second block: tenant routes kept by jobs and the reconciler; the tenants' address with the proxy on.
export { proxiedTenantUrl, suspendedPageHtml, type TenantProxySettings } from "./proxy/route-exports.ts";
// A tenant's address from the tenants' address template (the credentials email's, shown on the status page and in the console).
export { tenantAppUrl } from "./lifecycle/context.ts";
// Custom domains (issue 14): added by customers or admins, enabled once their DNS points at the target.
export * from "./proxy/custom-domain-exports.ts";
// Billing (issue 12): Stripe settings, the webhook and the subscription's Stripe state.
export * from "./billing/exports.ts";
// Outgoing Stripe calls (issue 12): Checkout, Customer Portal, cancel, sync, a plan change, the boot check; the portal uses orchestrator.stripe.
export { BillingError, isStripeBilled, STRIPE_API_VERSION, type BillingErrorCode, type CheckoutRequest, type PlanChangeOutcome, type StripeApi, type StripeCheckReport, type StripeProblem, type SyncActor, type SyncOutcome } from "./billing/stripe-api.ts";
// Plans (issue 12): the vendor's catalogue from the plans file, checked at boot.
export * from "./plans/index.ts";

/** How tenants' stacks are run: the Docker engine directly, or Portainer (orchestrator/portainer). */
export type DriverConfig =
  | { kind: "docker"; socketPath: string }
  | {
      kind: "portainer";
      /** Portainer's address, e.g. https://portainer.example.com. */
      url: string;
      /** An administrator's API key (preferred), or an administrator's username and password. */
      credentials: PortainerCredentials;
      /** The Docker environment tenants run on, by id or exact name. */
      environment: { id: number } | { name: string };
    };

export interface OrchestratorOptions {
  prisma: PrismaClient;
  logger: OrchestratorLogger;
  clock?: Clock;
  /** How stacks are run: the Docker engine's socket, or Portainer. */
  driver: DriverConfig;
  /** Folder holding one folder per compose template. */
  templatesDir: string;
  /** The template new tenants get. */
  template: string;
  templateValues?: Record<string, string>;
  portRange: PortRange;
  bindAddress: string;
  /** Customers' address of their instance, with {port} and {slug} to fill in. */
  tenantUrl: string;
  /** The portal's public address as customers reach it: trial and billing emails link to the account page (`<portalUrl>/trial/<token>`); absent: no link. */
  portalUrl?: string;
  /** Where email goes: an SMTP URL, or (absent) the development mailbox folder. */
  mail: { smtpUrl?: string; devMailboxDir: string; from: string };
  /** 32-byte key encrypting tenant secrets. */
  secretKey: Buffer;
  /** Jobs run at once against the engine (default 2). */
  concurrency?: number;
  /** A job still unfinished this long after it started fails (default 5 minutes). */
  timeoutMs?: number;
  leaseMs?: number;
  pollIntervalMs?: number;
  backoff?: BackoffPolicy;
  /** Deliveries tried per message before it is marked failed (default 10). */
  mailMaxAttempts?: number;
  /** Delays between deliveries (default from 30 s, doubling, up to 30 minutes). */
  mailBackoff?: BackoffPolicy;
  /** Trials, retention, reconciliation and usage (defaults: defaultTimeSettings). */
  time?: Partial<TimeSettings>;
  /** Operators' notifications (default: mock mode, logged only). */
  notify?: Partial<NotifySettings>;
  /** How often the scheduler looks at its tasks (default 15 s). */
  schedulerPollMs?: number;
  /** Test hook for crash tests (see JobRunnerOptions.afterStepWork). */
  afterStepWork?: (step: string) => Promise<void>;
  /** Told how jobs, their steps and scheduled runs end (the portal's metrics); never required. */
  observer?: OrchestratorObserver;
  /** The portal database's backups: folder and days kept (0: no daily backup). Absent: no daily backup. */
  portalBackups?: PortalBackupSettings;
  /** Caddy in front of tenants: jobs and the reconciler keep each tenant's route. Absent: no route written. */
  proxy?: TenantProxySettings;
  /** Customers' own hostnames (needs `proxy`); absent: off. */
  customDomains?: CustomDomainSettings;
  /** Tenant backups (issue 13): their folder, and their key (absent: the secrets key). Absent: backup and restore jobs refuse. */
  /** Tenant backups: the folder, a separate key, and the schedule (default DEFAULT_BACKUP_SCHEDULE). */
  tenantBackups?: { dir: string; key?: Buffer; schedule?: Partial<BackupScheduleSettings>; s3?: S3BackupSettings };
  /** Upgrades (issue 13): the bound on each readiness check once the new image started (default 120 s). */
  upgrades?: { healthTimeoutSeconds: number };
  /** The plan catalogue (issue 12, loadPlans): each tenant's containers get its plan's limits. Absent: the template's own limits. */
  plans?: PlanCatalog;
  /** Stripe and dunning (issue 12); absent, or without `stripe`: trial-only. */
  billing?: BillingSettings;
}

export interface Orchestrator {
  /** Billing (issue 12): the Stripe webhook, the subscription's Stripe state and the dashboard's figures. */
  readonly billing: BillingService;
  /** Outgoing Stripe calls (issue 12): `configured` false without Stripe settings (each call then refuses with not_configured). */
  readonly stripe: StripeApi;
  /** Custom domains (with the proxy and OrchestratorOptions.customDomains); null when off. */
  readonly customDomains: CustomDomainService | null;
  /** Tenant backups (issue 13): ask for a backup or a restore (queued jobs), list them, wait for a job. */
  readonly tenantBackups: TenantBackupService;
  /** The plan catalogue it was given (issue 12); undefined without one. */
  readonly plans: PlanCatalog | undefined;
  /** Tenant upgrades (issue 13): ask for a run (one tenant, a plan's, all; in batches), read runs, wait for one. */
  readonly upgrades: TenantUpgradeService;
  /** "Send me my link" (issue 12): a known address's tenant gets a new status token and its link by email; the same answer otherwise. */
  sendAccountLink(request: AccountLinkRequest): Promise<AccountLinkOutcome>;
  /**
   * Starts the worker that runs queued jobs; stop it before closing the database. With the proxy
   * on, Caddy's tenants' server and its TLS are put in place first, in the background (ensureProxy;
   * Caddy not answering is a warning: the reconcile pass puts them back later).
   */
  startWorker(): Worker;
  /** With the proxy on: Caddy's tenants' server and its TLS (certificates) made as set; null with the proxy off. */
  ensureProxy(): Promise<ServerOutcome | null>;
  /** Starts delivering the email outbox (SMTP, or the development mailbox). */
  startMailSender(): MailSender;
  /** Where email goes, for the operator ("SMTP host:port" or the mailbox folder). */
  readonly mailDescription: string;
  /** The development mailbox's messages, decrypted, oldest first ([] when SMTP is configured). */
  readDevMailbox(): Promise<StoredMail[]>;
  /** What the engine runs for the tenant now. */
  status(tenantId: string): Promise<StackStatus>;
  logs(tenantId: string, service: string, tail?: number): Promise<string>;
  /** Memory and CPU of the tenant's running containers ([] when the driver cannot tell). */
  usage(tenantId: string): Promise<ContainerUsage[]>;
  /** Throws when the engine does not answer. */
  ping(): Promise<void>;
  /** Starts the periodic tasks (trials, reconciliation, usage, retention, reports). */
  startScheduler(): Scheduler;
  /** Starts delivering operator notifications (webhook; email goes through the outbox). */
  startNotificationSender(): NotificationSender;
  /** One pass of every task as of `at` (`npm run tasks -- run-due`). */
  runDueTasks(at: Date): Promise<RunReport[]>;
  /** Each task with its period, last run and next period's start. */
  listTasks(): Promise<TaskListing[]>;
  /** Sends a test notification through every configured channel (`npm run notify:test`). */
  sendTestNotification(): Promise<string[]>;
  /** Writes one backup of the portal's database (`npm run db:backup`), into `dir` or the configured folder. */
  backupPortalDatabase(dir?: string): Promise<PortalBackupReport>;
}

export interface TaskListing {
  name: string;
  description: string;
  period: string;
  lastRun: RunRecord | null;
  /** When the next period starts (the task runs in its first poll after that). */
  nextPeriodAt: Date;
}

/** Scheduled tenant backups, their retention and their verified restores (issue 13). */
function tenantBackupTasks(deps: SchedulerDeps, settings: BackupScheduleSettings): ScheduledTask[] {
  return [tenantBackupsTask(deps, settings), backupRetentionTask(deps, settings), backupVerificationTask(deps, settings)];
}

/** The defaults of every time setting; `dumpsDir` under the working directory's data folder. */
export function defaultTimeSettings(): TimeSettings {
  return {
    trialReminderDays: [7, 1],
    suspendedDaysBeforeTermination: 30,
    dumpRetentionDays: 90,
    eraseTerminatedAfterDays: 90,
    reconcileIntervalMinutes: 5,
    usageIntervalMinutes: 60,
    usageRetentionDays: 30,
    dumpsDir: path.resolve("data", "dumps"),
    mailBacklogAlertThreshold: 10,
  };
}

/** Loads and validates the templates (a broken template stops the boot), then wires everything. */
export async function createOrchestrator(options: OrchestratorOptions): Promise<Orchestrator> {
  const templates = await loadTemplates(options.templatesDir);
  const template = templates.get(options.template);
  if (!template) {
    throw new OrchestratorError(
      `No compose template "${options.template}" in ${path.resolve(options.templatesDir)} ` +
        `(found: ${[...templates.keys()].join(", ") || "none"}). Choose one of them as the tenants' template.`,
      { transient: false, setting: "template" },
    );
  }
  const clock = options.clock ?? systemClock;
  const { driver, engineDescription } = createDriver(options, clock);
  const time: TimeSettings = { ...defaultTimeSettings(), ...options.time };
  const notify: NotifySettings = { mode: "mock", emails: [], vendorName: "Tenantry", locale: "en", ...options.notify };
  // The key, and the other one while a rotation is in progress (re-read while a part runs).
  const secretBox = new SecretBox(options.secretKey);
  await applyRotationAtStart(options.prisma, secretBox);
  const keyring = keyringWatch(options.prisma, secretBox, options.logger);
  const deps: LifecycleDeps = {
    prisma: options.prisma,
    driver,
    clock,
    logger: options.logger,
    secretBox,
    template,
    templateValues: options.templateValues ?? {},
    portRange: options.portRange,
    bindAddress: options.bindAddress,
    tenantUrl: options.tenantUrl,
    ...(options.portalUrl ? { portalUrl: options.portalUrl } : {}),
    finalDumps: { dir: time.dumpsDir, retentionDays: time.dumpRetentionDays },
    ...(options.tenantBackups ? {
          tenantBackups: {
            dir: options.tenantBackups.dir,
            key: tenantBackupKey(options.tenantBackups.key, secretBox),
            ...(options.tenantBackups.s3 ? { s3: new S3BackupStore(options.tenantBackups.s3) } : {}),
          },
        } : {}),
    ...(options.proxy ? { proxy: tenantProxy(options.proxy) } : {}),
    ...(options.plans ? { plans: options.plans } : {}),
  };
  const schedulerDeps: SchedulerDeps = { ...deps, time, notify };
  const customDomains = options.customDomains ? customDomainService(deps, options.customDomains) : null;
  const billing = billingService({
    prisma: options.prisma,
    secretBox,
    clock,
    logger: options.logger,
    tenantUrl: options.tenantUrl,
    ...(options.portalUrl ? { portalUrl: options.portalUrl } : {}),
    settings: options.billing ?? defaultBillingSettings(),
    ...(options.plans ? { plans: options.plans } : {}),
  });
  const tasks: ScheduledTask[] = [
    reconcileTask(schedulerDeps),
    trialLifecycleTask(schedulerDeps),
    usageTask(schedulerDeps),
    retentionTask(schedulerDeps),
    mailBacklogTask(schedulerDeps),
    weeklyReportTask(schedulerDeps),
    // Dunning (issue 12) only with Stripe: without it nothing is ever past due.
    ...(billing.stripeConfigured ? [billing.task()] : []),
    ...(customDomains ? [customDomains.task(time.reconcileIntervalMinutes)] : []),
    ...(options.tenantBackups
      ? tenantBackupTasks(schedulerDeps, {
          ...DEFAULT_BACKUP_SCHEDULE,
          ...options.tenantBackups.schedule,
          // A plan's own schedule (plans file), by the subscription's plan.
          ...(options.plans ? { scheduleOfPlan: (plan: string) => options.plans!.forSubscription(plan).backupSchedule } : {}),
        })
      : []),
    ...(options.portalBackups && options.portalBackups.retentionDays > 0
      ? [portalBackupTask({ prisma: options.prisma, clock, secretKey: () => secretBox.currentKey(), settings: options.portalBackups })]
      : []),
  ];
  const schedulerOptions = {
    prisma: options.prisma,
    clock,
    logger: options.logger,
    tasks,
    pollIntervalMs: options.schedulerPollMs ?? 15_000,
    ...(options.observer ? { observer: options.observer } : {}),
    // A task that gave up for its period: the operators hear of it once.
    onRunFailed: (failure: { task: string; periodKey: string; attempts: number; error: string }) =>
      raiseNotification(options.prisma, {
        idempotencyKey: `alert.task_failed:${failure.task}:${failure.periodKey}`,
        kind: failure.task === "reconcile" ? "alert.reconciliation_failed" : "alert.task_failed",
        severity: "critical",
        title: `Scheduled task ${failure.task} failed`,
        fields: { cause: "task_failed", task: failure.task, period: failure.periodKey, attempts: failure.attempts, error: failure.error.slice(0, 500) },
      }),
  };
  const transport = (): MailTransport =>
    options.mail.smtpUrl ? smtpTransport(options.mail.smtpUrl) : devMailboxTransport(options.mail.devMailboxDir, deps.secretBox);
  const slugOf = async (tenantId: string) =>
    (await options.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { slug: true } })).slug;

  const ensureProxy = async () => (deps.proxy ? ensureServer(deps.proxy) : null);

  return {
    ensureProxy,
    startWorker: () => {
      if (deps.proxy) void proxyAtStart(ensureProxy, options.logger);
      return keyring.during(startWorker({
        prisma: options.prisma,
        clock,
        logger: options.logger,
        concurrency: options.concurrency ?? 2,
        pollIntervalMs: options.pollIntervalMs ?? 1_000,
        leaseMs: options.leaseMs ?? 30_000,
        timeoutMs: options.timeoutMs ?? 5 * 60_000,
        backoff: options.backoff ?? defaultBackoff,
        definitions: lifecycleDefinitions(deps),
        pingEngine: () => driver.ping(),
        engineDescription,
        engineSetting: options.driver.kind === "docker" ? "engine.socket" : "portainer.url",
        ...(options.afterStepWork ? { afterStepWork: options.afterStepWork } : {}),
        ...(options.observer ? { observer: options.observer } : {}),
      }));
    },
    customDomains,
    billing,
    stripe: stripeApi({
      applySnapshot: billing.applySubscriptionSnapshot,
      prisma: options.prisma,
      clock,
      logger: options.logger,
      billing: options.billing ?? { graceDays: 7, trialHandoff: "remaining-days" },
      ...(options.plans ? { plans: options.plans } : {}),
    }),
    tenantBackups: tenantBackupService(options.prisma, clock),
    plans: options.plans,
    upgrades: tenantUpgradeService(options.prisma, clock, { healthTimeoutSeconds: options.upgrades?.healthTimeoutSeconds ?? 120 }),
    sendAccountLink: (request) => sendAccountLink({ prisma: options.prisma, secretBox, clock }, request),
    mailDescription: transport().description,
    readDevMailbox: async () => (options.mail.smtpUrl ? [] : readDevMailbox(options.mail.devMailboxDir, secretBox)),
    startMailSender: () =>
      keyring.during(startMailSender({
        prisma: options.prisma,
        secretBox: deps.secretBox,
        transport: transport(),
        from: options.mail.from,
        clock,
        logger: options.logger,
        maxAttempts: options.mailMaxAttempts ?? 10,
        backoff: options.mailBackoff ?? { baseMs: 30_000, maxMs: 30 * 60_000 },
        pollIntervalMs: options.pollIntervalMs ?? 1_000,
      })),
    status: async (tenantId) => driver.status(projectName(await slugOf(tenantId))),
    logs: async (tenantId, service, tail = 200) => driver.logs(projectName(await slugOf(tenantId)), service, { tail }),
    usage: async (tenantId) => (driver.usage ? driver.usage(projectName(await slugOf(tenantId))) : []),
    ping: () => driver.ping(),
    startScheduler: () => keyring.during(startScheduler(schedulerOptions)),
    startNotificationSender: () => keyring.during(startNotificationSender(schedulerDeps, { pollIntervalMs: options.pollIntervalMs ?? 1_000 })),
    runDueTasks: (at) => runDueTasks(schedulerOptions, at),
    async listTasks() {
      const runs = await latestRuns(options.prisma, tasks.map((t) => t.name));
      const now = clock.now();
      return tasks.map((task) => ({
        name: task.name,
        description: task.description,
        period: task.period.description,
        lastRun: runs.get(task.name) ?? null,
        nextPeriodAt: task.period.next(task.period.startOf(now)),
      }));
    },
    sendTestNotification: () => sendTestNotification(schedulerDeps),
    async backupPortalDatabase(dir) {
      const target = dir ?? options.portalBackups?.dir;
      if (!target) throw new OrchestratorError("No folder for the portal's backups: give one.", { transient: false });
      return backUpPortalDatabase({ prisma: options.prisma, secretKey: () => secretBox.currentKey(), clock }, target, "operator");
    },
  };
}

/** Caddy's tenants' server and TLS at start: a Caddy not answering is no reason not to start. */
async function proxyAtStart(ensureProxy: () => Promise<ServerOutcome | null>, logger: OrchestratorLogger): Promise<void> {
  try {
    const outcome = await ensureProxy();
    if (outcome) logger.info("Caddy's tenants' server ready", { server: outcome.server, ...outcome.tls });
  } catch (error) {
    logger.warn("Caddy's tenants' server and certificates could not be set at start; the next reconcile pass tries again", {
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

function createDriver(options: OrchestratorOptions, clock: Clock): { driver: StackDriver; engineDescription: string } {
  const config = options.driver;
  if (config.kind === "portainer") {
    const driver = createPortainerDriver({
      url: config.url,
      credentials: config.credentials,
      environment: config.environment,
      clock,
      logger: options.logger,
    });
    return { driver, engineDescription: driver.description };
  }
  return {
    driver: createDockerDriver({ docker: new Dockerode({ socketPath: config.socketPath, timeout: 60_000 }), clock }),
    engineDescription: `docker at ${config.socketPath}`,
  };
}
