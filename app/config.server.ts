// Every setting Tenantry reads from its environment, validated once at boot. A bad value stops
// the process with a message naming the variable, what is wrong and what is expected.
// README.md's configuration table lists the same variables: keep them in step.
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import path from "node:path";
import { z } from "zod";
import { loadPlans, PlansError, type PlanCatalog } from "../orchestrator/index.ts";
import { hostPatternProblem, proxiedTenantUrl, type BillingSettings, type CustomDomainSettings, type TenantProxySettings, type TenantTlsSettings, type DriverConfig, type NotifySettings, type TimeSettings } from "../orchestrator/index.ts";

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const flag = z
  .enum(["true", "false", "1", "0", "yes", "no"], { message: "must be true or false" })
  .transform((v) => v === "true" || v === "1" || v === "yes");

const envSchema = z.object({
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: wholeNumber(1, 65535).default(3000),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_POOL_SIZE: wholeNumber(1, 100).default(10),
  // Plans (issue 12): the vendor's catalogue; TRIAL_DAYS, when set, overrides its default plan's trialDays.
  PLANS_FILE: z.string().min(1).default("compose-templates/plans.json"),
  TRIAL_DAYS: wholeNumber(1, 365).optional(),
  SIGNUP_RATE_LIMIT_PER_HOUR: wholeNumber(1, 100000).default(5),
  SIGNUP_MAX_PENDING_TENANTS: wholeNumber(1, 100000).default(50),
  MAX_REQUEST_BODY_KB: wholeNumber(1, 102400).default(64),
  TRUST_PROXY: z.string().transform(parseTrustProxy).default(false),
  TERMS_VERSION: z.string().min(1).max(64).default("2026-11-01"),
  DEFAULT_PHONE_COUNTRY: z
    .string()
    .regex(/^[A-Z]{2}$/, "must be a two-letter country code such as FR or US")
    .default("FR"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  DOCKER_SOCKET: z.string().min(1).default("/var/run/docker.sock"),
  ORCHESTRATOR_DRIVER: z.enum(["docker", "portainer"], { message: "must be docker or portainer" }).default("docker"),
  PORTAINER_URL: z
    .string()
    .regex(/^https?:\/\/[^/]/, "must be an http:// or https:// URL, e.g. https://portainer.example.com")
    .refine((v) => URL.canParse(v) && !new URL(v).username && !new URL(v).password, "must be a valid URL without a username or password in it (put credentials in PORTAINER_API_KEY)")
    .optional(),
  PORTAINER_API_KEY: z.string().min(1).optional(),
  PORTAINER_USERNAME: z.string().min(1).optional(),
  PORTAINER_PASSWORD: z.string().min(1).optional(),
  PORTAINER_ENDPOINT_ID: wholeNumber(1, 2147483647).optional(),
  PORTAINER_ENDPOINT_NAME: z.string().min(1).optional(),
  TENANT_TEMPLATE: z.string().regex(/^[a-z0-9-]+$/, "must name a folder of compose-templates/").default("demo"),
  TENANT_PORT_RANGE: z
    .string()
    .regex(/^\d+-\d+$/, "must be a range such as 20000-20999")
    .refine((v) => {
      const [first, last] = v.split("-").map(Number) as [number, number];
      return first >= 1024 && last <= 65535 && first <= last;
    }, "must stay within 1024-65535, first port first")
    .default("20000-20999"),
  TENANT_BIND_ADDRESS: z.string().min(1).default("127.0.0.1"),
  // Unset: http://localhost:{port}/, or the hostname pattern's address when Caddy's routes are on.
  TENANT_URL: z
    .string()
    .regex(/\{(port|slug)\}/, "must contain {port} or {slug}, e.g. https://{slug}.example.com/")
    .optional(),
  // Tenant routes in Caddy (issue 14), on only together with TENANT_HOST_PATTERN.
  CADDY_ADMIN_URL: z
    .string()
    .refine((v) => URL.canParse(v) && new URL(v).protocol === "http:", "must be Caddy's admin address as an http:// URL, e.g. http://127.0.0.1:2019")
    .optional(),
  // The tenants' server's one address in Caddy; unset: :443 with TENANT_TLS on, :80 with it off.
  TENANT_PROXY_LISTEN: z
    .string()
    .regex(/^(\S*:)?\d{1,5}$/, "must be an address such as :80, :443 or 127.0.0.1:8080")
    .transform((v) => (v.includes(":") ? v : `:${v}`))
    .optional(),
  TENANT_APP_IMAGE: z.string().min(1).optional(),
  TENANT_POSTGRES_IMAGE: z.string().min(1).optional(),
  SECRETS_KEY: z
    .string()
    .regex(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/, "must be 32 bytes as 64 hex digits or base64 (openssl rand -hex 32)")
    .optional(),
  // Read by `npm run secrets:rotate` only: the key SECRETS_KEY is rotated to.
  SECRETS_KEY_NEW: z
    .string()
    .regex(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/, "must be 32 bytes as 64 hex digits or base64 (openssl rand -hex 32)")
    .optional(),
  WORKER: flag.default(true),
  PROVISIONING_CONCURRENCY: wholeNumber(1, 32).default(2),
  PROVISIONING_TIMEOUT_SECONDS: wholeNumber(30, 3600).default(300),
  WORKER_LEASE_SECONDS: wholeNumber(2, 600).default(30),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^/]/, "must be an smtp:// or smtps:// URL, e.g. smtps://user:password@mail.example.com:465")
    .optional(),
  MAIL_FROM: z.string().min(3).default("Tenantry <no-reply@localhost>"),
  SCHEDULER: flag.default(true),
  TRIAL_REMINDER_DAYS: z
    .string()
    .regex(/^\s*\d{1,3}(\s*,\s*\d{1,3})*\s*$/, "must be days before the trial's end, separated by commas, e.g. 7,1")
    .transform((v) => [...new Set(v.split(",").map((d) => Number(d.trim())))].filter((d) => d > 0).sort((a, b) => b - a))
    .default([7, 1]),
  SUSPENDED_DAYS_BEFORE_TERMINATION: wholeNumber(1, 3650).default(30),
  FINAL_DUMP_RETENTION_DAYS: wholeNumber(1, 3650).default(90),
  ERASE_TERMINATED_AFTER_DAYS: wholeNumber(1, 3650).default(90),
  RECONCILE_INTERVAL_MINUTES: wholeNumber(1, 60)
    .refine((m) => 60 % m === 0, "must divide an hour evenly (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60)")
    .default(5),
  USAGE_INTERVAL_MINUTES: wholeNumber(5, 60)
    .refine((m) => 60 % m === 0, "must divide an hour evenly (5, 6, 10, 12, 15, 20, 30 or 60)")
    .default(60),
  USAGE_RETENTION_DAYS: wholeNumber(1, 3650).default(30),
  MAIL_BACKLOG_ALERT_THRESHOLD: wholeNumber(1, 1000000).default(10),
  NOTIFY_MODE: z.enum(["send", "mock"], { message: "must be send or mock (mock logs what would be sent)" }).optional(),
  NOTIFY_EMAILS: z
    .string()
    .transform((v) => v.split(",").map((e) => e.trim()).filter(Boolean))
    .pipe(z.array(z.email("must be email addresses separated by commas, e.g. ops@vendor.com,cto@vendor.com")))
    .default([]),
  NOTIFY_WEBHOOK_URL: z
    .string()
    .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), "must be an http:// or https:// URL")
    .optional(),
  NOTIFY_WEBHOOK_FORMAT: z.enum(["json", "slack", "teams"], { message: "must be json, slack or teams" }).default("json"),
  NOTIFY_WEBHOOK_SECRET: z.string().min(16, "must be at least 16 characters (openssl rand -hex 32)").optional(),
  VENDOR_NAME: z.string().min(1).max(100).default("Tenantry"),
  NOTIFY_LOCALE: z.enum(["en", "fr"], { message: "must be en or fr" }).default("en"),
  SCHEDULER_POLL_SECONDS: wholeNumber(1, 3600).default(15),
  METRICS_TOKEN: z
    .string()
    .min(16, "must be at least 16 characters (openssl rand -hex 32)")
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces (openssl rand -hex 32)")
    .optional(),
  PORTAL_BACKUP_DIR: z.string().min(1).optional(),
  PORTAL_BACKUP_RETENTION_DAYS: wholeNumber(0, 3650).default(30),
  // Tenant backups (issue 13): their folder (default DATA_DIR/backups) and, optionally, their own key.
  BACKUP_DIR: z.string().min(1).optional(),
  BACKUP_KEY_FILE: z.string().min(1).optional(),
  // Scheduled tenant backups: how often, retention's counts, tenants verified per weekly run.
  BACKUP_SCHEDULE: z.enum(["daily", "weekly", "off"]).default("daily"),
  BACKUP_KEEP_DAILY: wholeNumber(0, 366).default(7),
  BACKUP_KEEP_WEEKLY: wholeNumber(0, 520).default(4),
  BACKUP_KEEP_MONTHLY: wholeNumber(0, 1200).default(6),
  BACKUP_VERIFY_PER_RUN: wholeNumber(0, 1000).default(3),
  /** Tenant backups to an S3-compatible bucket (path-style https://<endpoint>/<bucket>[/<prefix>]); unset: the local folder only. */
  BACKUP_S3_URL: z.string().url().optional(),
  BACKUP_S3_REGION: z.string().min(1).default("us-east-1"),
  BACKUP_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  BACKUP_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  // Upgrades (issue 13): how long each readiness check may take once the new image started.
  UPGRADE_HEALTH_TIMEOUT_SECONDS: wholeNumber(5, 3600).default(120),
  // HTTPS per tenant (issue 14): turns on GET /_caddy/ask; unset, nothing changes.
  TENANT_HOST_PATTERN: z
    .string()
    .superRefine((v, ctx) => {
      const problem = hostPatternProblem(v);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .transform((v) => v.trim().toLowerCase())
    .optional(),
  // Tenants' certificates (issue 14): on demand from an ACME CA (gated by /_caddy/ask), or off.
  // files: the vendor's certificate (a wildcard) from TENANT_TLS_CERT_FILE and TENANT_TLS_KEY_FILE.
  TENANT_TLS: z.enum(["on-demand", "files", "off"], { message: "must be on-demand, files or off" }).default("off"),
  TENANT_TLS_CERT_FILE: z.string().min(1).optional(),
  TENANT_TLS_KEY_FILE: z.string().min(1).optional(),
  ACME_DIRECTORY_URL: z
    .string()
    .refine((v) => URL.canParse(v) && new URL(v).protocol === "https:", "must be an https:// URL of an ACME directory, e.g. https://acme-v02.api.letsencrypt.org/directory")
    .default("https://acme-v02.api.letsencrypt.org/directory"),
  ACME_CA_ROOT_FILE: z.string().min(1).optional(),
  ACME_EMAIL: z.email("must be an email address (the certificate authority's expiry notices go there)").optional(),
  // Custom domains (issue 14): on with a target, which needs Caddy's routes (CADDY_ADMIN_URL).
  TENANT_CUSTOM_DOMAIN_TARGET: z
    .string()
    .transform((v) => v.trim().toLowerCase().replace(/\.$/, ""))
    .refine((v) => /^(?=.{1,253}$)((?!-)[a-z0-9-]{1,63}(?<!-)\.)+(?!-)[a-z0-9-]{1,63}(?<!-)$/.test(v) && isIP(v) === 0, "must be a hostname customers point a CNAME at, e.g. tenants.erp.vendor.com")
    .optional(),
  CUSTOM_DOMAINS_PER_TENANT: wholeNumber(1, 100).default(2),
  DNS_SERVERS: z
    .string()
    .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean))
    .refine((list) => list.every(dnsServerValid), 'must be DNS servers as "ip" or "ip:port" separated by commas, e.g. 127.0.0.1:5353,[::1]:53')
    .default([]),
  // Billing (issue 12): both Stripe keys or neither (neither: trial-only).
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_[A-Za-z0-9]+$/, "must be a Stripe secret key (sk_test_…, sk_live_… or a restricted rk_… key) from the Stripe dashboard, Developers → API keys").optional(),
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9]+$/, "must be the webhook endpoint's signing secret (whsec_…) from the Stripe dashboard, Developers → Webhooks, or from `stripe listen`").optional(),
  STRIPE_API_URL: z
    .string()
    .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol) && (new URL(v).pathname === "/" || new URL(v).pathname === ""), "must be an http:// or https:// address without a path, e.g. http://127.0.0.1:12111 (a local Stripe double); leave unset for Stripe itself")
    .optional(),
  BILLING_GRACE_DAYS: wholeNumber(0, 90).default(7),
  // The customer's account page (issue 12): the portal's public address for links in emails, and "send me my link"'s limit.
  PORTAL_URL: z
    .string()
    .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol) && !new URL(v).search && !new URL(v).hash, "must be the portal's public http:// or https:// address as customers reach it, e.g. https://trial.vendor.com")
    .transform((v) => v.replace(/\/+$/, ""))
    .optional(),
  ACCOUNT_LINK_RATE_LIMIT_PER_HOUR: wholeNumber(1, 100000).default(5),
  BILLING_TRIAL_HANDOFF: z.enum(["remaining-days", "none"], { message: "must be remaining-days (Stripe starts billing when our trial ends) or none (billing starts at checkout)" }).default("remaining-days"),
});

export type AppConfig = {
  host: string;
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedDatabaseDir: string;
  databasePoolSize: number;
  /** A signup's trial: TRIAL_DAYS, or the default plan's trialDays. */
  trialDays: number;
  /** The plan catalogue (PLANS_FILE), loaded and checked at boot. */
  plans: PlanCatalog;
  signupRateLimitPerHour: number;
  /** Signups wait (503) while this many tenants are queued or being provisioned. */
  signupMaxPendingTenants: number;
  /** Largest request body accepted, in bytes; larger ones get a 413 before Remix reads them. */
  maxRequestBodyBytes: number;
  /** Express's `trust proxy`: false, a number of proxy hops, or the proxies' addresses. */
  trustProxy: TrustProxy;
  termsVersion: string;
  defaultPhoneCountry: string;
  logLevel: "debug" | "info" | "warn" | "error";
  orchestrator: {
    dockerSocket: string;
    /** How tenants' stacks are run: the Docker engine at dockerSocket, or Portainer. */
    driver: DriverConfig;
    template: string;
    portRange: { first: number; last: number };
    bindAddress: string;
    tenantUrl: string;
    /** Caddy's tenant routes and certificates (CADDY_ADMIN_URL with TENANT_HOST_PATTERN, TENANT_PROXY_LISTEN, TENANT_TLS…); absent: off. */
    proxy: TenantProxySettings | undefined;
    /** Custom domains (TENANT_CUSTOM_DOMAIN_TARGET, with the proxy); absent: off. */
    customDomains: CustomDomainSettings | undefined;
    /** Template variables the vendor overrides (image names). */
    templateValues: Record<string, string>;
    /** 32-byte key from SECRETS_KEY; absent: a key file under the data folder. */
    secretsKey: string | undefined;
    secretsKeyFile: string;
    /** SECRETS_KEY_NEW: the key `npm run secrets:rotate` rotates SECRETS_KEY to. */
    secretsKeyNew: string | undefined;
    runWorker: boolean;
    concurrency: number;
    timeoutMs: number;
    /** A crashed worker's job is taken over this long after its last heartbeat. */
    leaseMs: number;
  };
  /** Periodic tasks (trials, reconciliation, usage, retention, reports): see orchestrator/scheduler. */
  time: TimeSettings & { runScheduler: boolean; schedulerPollMs: number };
  notify: NotifySettings;
  /** Bearer token /metrics asks for; absent: /metrics answers loopback connections only. */
  metricsToken: string | undefined;
  /** Backups of the portal's own database (`npm run db:backup`, the daily portal-backup task; 0 days: no daily backup). */
  portalBackups: { dir: string; retentionDays: number };
  /** Tenant backups: their folder, and the file of their own key (absent: the secrets key seals them). */
  tenantBackups: {
    dir: string;
    keyFile: string | undefined;
    /** BACKUP_SCHEDULE, BACKUP_KEEP_DAILY/WEEKLY/MONTHLY, BACKUP_VERIFY_PER_RUN. */
    schedule: { schedule: "daily" | "weekly" | "off"; keep: { daily: number; weekly: number; monthly: number }; verifyPerRun: number };
    /** BACKUP_S3_*: the S3-compatible bucket backups are moved to once written; absent: the folder only. */
    s3: { url: string; region: string; accessKeyId: string; secretAccessKey: string } | undefined;
  };
  /** Upgrades (issue 13): the bound on each readiness check after the new app image started, before rolling back. */
  upgrades: { healthTimeoutSeconds: number };
  /** Stripe and dunning (issue 12); billing.stripe absent: trial-only. */
  billing: BillingSettings;
  /** The account page (issue 12): PORTAL_URL (absent: links are made from the request's own address) and "send me my link" requests per client address per hour. */
  account: { portalUrl: string | undefined; linkRateLimitPerHour: number };
  /** TENANT_HOST_PATTERN, e.g. `{slug}.apps.vendor.com`; set: Caddy's on-demand TLS may ask at /_caddy/ask. */
  tenantHostPattern: string | undefined;
  mail: {
    /** Absent: messages go to the development mailbox (devMailboxDir), shown by `npm run mailbox`. */
    smtpUrl: string | undefined;
    devMailboxDir: string;
    from: string;
  };
};

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  // An empty variable means "not set": `FOO= npm start` should fall back to the default.
  const present = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => key in envSchema.shape && value !== ""),
  );
  const parsed = envSchema.superRefine(portainerSettingsComplete).superRefine(tenantProxyRules).superRefine(stripeKeysTogether).superRefine(backupBucketComplete).safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0]);
      const got = env[key] === undefined ? "" : ` (got ${JSON.stringify(redactIfSecret(key, env[key]!))})`;
      return `  - ${key}: ${issue.message}${got}`;
    });
    throw new ConfigError(
      `Invalid configuration. Fix these environment variables (see README.md, "Configuration"):\n${lines.join("\n")}`,
    );
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  const proxy = tenantProxySettings(e);
  const plans = loadPlanCatalog(e.PLANS_FILE);
  return {
    host: e.HOST,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    embeddedDatabaseDir: path.join(dataDir, "pglite"),
    databasePoolSize: e.DATABASE_POOL_SIZE,
    trialDays: e.TRIAL_DAYS ?? plans.defaultPlan.trialDays,
    plans,
    signupRateLimitPerHour: e.SIGNUP_RATE_LIMIT_PER_HOUR,
    signupMaxPendingTenants: e.SIGNUP_MAX_PENDING_TENANTS,
    account: { portalUrl: e.PORTAL_URL, linkRateLimitPerHour: e.ACCOUNT_LINK_RATE_LIMIT_PER_HOUR },
    maxRequestBodyBytes: e.MAX_REQUEST_BODY_KB * 1024,
    trustProxy: e.TRUST_PROXY,
    termsVersion: e.TERMS_VERSION,
    defaultPhoneCountry: e.DEFAULT_PHONE_COUNTRY,
    logLevel: e.LOG_LEVEL,
    orchestrator: {
      dockerSocket: e.DOCKER_SOCKET,
      driver: driverConfig(e),
      template: e.TENANT_TEMPLATE,
      portRange: (([first, last]) => ({ first: first!, last: last! }))(e.TENANT_PORT_RANGE.split("-").map(Number)),
      bindAddress: e.TENANT_BIND_ADDRESS,
      tenantUrl: e.TENANT_URL ?? (proxy ? proxiedTenantUrl(proxy.hostPattern, proxy.listen, proxy.tls?.mode !== "off") : "http://localhost:{port}/"),
      proxy,
      customDomains: customDomainSettings(e, proxy),
      templateValues: {
        ...(e.TENANT_APP_IMAGE ? { APP_IMAGE: e.TENANT_APP_IMAGE } : {}),
        ...(e.TENANT_POSTGRES_IMAGE ? { POSTGRES_IMAGE: e.TENANT_POSTGRES_IMAGE } : {}),
      },
      secretsKey: e.SECRETS_KEY,
      secretsKeyFile: path.join(dataDir, "secrets.key"),
      secretsKeyNew: e.SECRETS_KEY_NEW,
      runWorker: e.WORKER,
      concurrency: e.PROVISIONING_CONCURRENCY,
      timeoutMs: e.PROVISIONING_TIMEOUT_SECONDS * 1000,
      leaseMs: e.WORKER_LEASE_SECONDS * 1000,
    },
    time: {
      runScheduler: e.SCHEDULER,
      schedulerPollMs: e.SCHEDULER_POLL_SECONDS * 1000,
      trialReminderDays: e.TRIAL_REMINDER_DAYS,
      suspendedDaysBeforeTermination: e.SUSPENDED_DAYS_BEFORE_TERMINATION,
      dumpRetentionDays: e.FINAL_DUMP_RETENTION_DAYS,
      eraseTerminatedAfterDays: e.ERASE_TERMINATED_AFTER_DAYS,
      reconcileIntervalMinutes: e.RECONCILE_INTERVAL_MINUTES,
      usageIntervalMinutes: e.USAGE_INTERVAL_MINUTES,
      usageRetentionDays: e.USAGE_RETENTION_DAYS,
      dumpsDir: path.join(dataDir, "dumps"),
      mailBacklogAlertThreshold: e.MAIL_BACKLOG_ALERT_THRESHOLD,
    },
    notify: {
      // Nothing is sent until a channel is configured: without one, mock mode logs what would be.
      mode: e.NOTIFY_MODE ?? (e.NOTIFY_WEBHOOK_URL || e.NOTIFY_EMAILS.length > 0 ? "send" : "mock"),
      emails: e.NOTIFY_EMAILS,
      ...(e.NOTIFY_WEBHOOK_URL
        ? { webhook: { url: e.NOTIFY_WEBHOOK_URL, format: e.NOTIFY_WEBHOOK_FORMAT, ...(e.NOTIFY_WEBHOOK_SECRET ? { secret: e.NOTIFY_WEBHOOK_SECRET } : {}) } }
        : {}),
      vendorName: e.VENDOR_NAME,
      locale: e.NOTIFY_LOCALE,
    },
    metricsToken: e.METRICS_TOKEN,
    portalBackups: { dir: path.resolve(e.PORTAL_BACKUP_DIR ?? path.join(dataDir, "portal-backups")), retentionDays: e.PORTAL_BACKUP_RETENTION_DAYS },
    tenantBackups: {
      dir: path.resolve(e.BACKUP_DIR ?? path.join(dataDir, "backups")),
      keyFile: e.BACKUP_KEY_FILE ? path.resolve(e.BACKUP_KEY_FILE) : undefined,
      schedule: {
        schedule: e.BACKUP_SCHEDULE,
        keep: { daily: e.BACKUP_KEEP_DAILY, weekly: e.BACKUP_KEEP_WEEKLY, monthly: e.BACKUP_KEEP_MONTHLY },
        verifyPerRun: e.BACKUP_VERIFY_PER_RUN,
      },
      s3:
        e.BACKUP_S3_URL && e.BACKUP_S3_ACCESS_KEY_ID && e.BACKUP_S3_SECRET_ACCESS_KEY
          ? { url: e.BACKUP_S3_URL, region: e.BACKUP_S3_REGION, accessKeyId: e.BACKUP_S3_ACCESS_KEY_ID, secretAccessKey: e.BACKUP_S3_SECRET_ACCESS_KEY }
          : undefined,
    },
    upgrades: { healthTimeoutSeconds: e.UPGRADE_HEALTH_TIMEOUT_SECONDS },
    billing: billingSettings(e),
    tenantHostPattern: e.TENANT_HOST_PATTERN,
    mail: { smtpUrl: e.SMTP_URL, devMailboxDir: path.join(dataDir, "mailbox"), from: e.MAIL_FROM },
  };
}

type Env = z.infer<typeof envSchema>;

/** PLANS_FILE read and checked (plans.ts): a broken catalogue stops the boot, its problems named by file and entry. */
function loadPlanCatalog(file: string): PlanCatalog {
  try {
    return loadPlans(path.resolve(file));
  } catch (error) {
    if (!(error instanceof PlansError)) throw error;
    throw new ConfigError(`Invalid configuration. PLANS_FILE: ${error.message}\nFix the file (see README.md, "Plans"), or point PLANS_FILE at another one.`);
  }
}

export type TrustProxy = false | number | string[];

// Names express (proxy-addr) knows for whole address ranges.
const PROXY_RANGE_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);
const TRUST_PROXY_HELP =
  "write the number of reverse proxies in front of the portal (1 for one nginx) or their addresses, " +
  "e.g. 1, or 127.0.0.1, or 10.0.0.0/8,loopback; false (the default) when the portal faces the Internet directly";

// The client address is the rightmost X-Forwarded-For entry a trusted proxy wrote, never the
// leftmost one, which the client writes itself. So `true` ("trust every hop") is refused.
function parseTrustProxy(raw: string, ctx: z.RefinementCtx): TrustProxy {
  const value = raw.trim().toLowerCase();
  if (value === "false" || value === "no" || value === "0") return false;
  if (value === "true" || value === "yes") {
    ctx.addIssue({
      code: "custom",
      message: `"true" is no longer accepted: it trusted the X-Forwarded-For entry the client writes itself; ${TRUST_PROXY_HELP}`,
    });
    return z.NEVER;
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops <= 10) return hops;
    ctx.addIssue({ code: "custom", message: `must be at most 10 proxy hops; ${TRUST_PROXY_HELP}` });
    return z.NEVER;
  }
  const entries = value.split(",").map((entry) => entry.trim());
  const bad = entries.filter((entry) => !isProxyAddress(entry));
  if (bad.length > 0) {
    ctx.addIssue({ code: "custom", message: `${bad.map((b) => JSON.stringify(b)).join(", ")} is not an address, a range or a hop count; ${TRUST_PROXY_HELP}` });
    return z.NEVER;
  }
  return entries;
}

function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address = "", prefix, ...rest] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (/^\d+$/.test(prefix)) return Number(prefix) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(prefix) === 4; // a netmask such as 255.255.255.0
}

// With ORCHESTRATOR_DRIVER=portainer: an address, one way to log in, one environment.
function portainerSettingsComplete(e: Env, ctx: z.RefinementCtx): void {
  if (e.ORCHESTRATOR_DRIVER !== "portainer") return;
  const issue = (key: keyof Env, message: string) => ctx.addIssue({ code: "custom", path: [key], message });
  if (!e.PORTAINER_URL) issue("PORTAINER_URL", "is required when ORCHESTRATOR_DRIVER=portainer, e.g. https://portainer.example.com");
  const login = e.PORTAINER_USERNAME !== undefined || e.PORTAINER_PASSWORD !== undefined;
  if (e.PORTAINER_API_KEY && login) {
    issue("PORTAINER_API_KEY", "set either PORTAINER_API_KEY or PORTAINER_USERNAME and PORTAINER_PASSWORD, not both");
  } else if (!e.PORTAINER_API_KEY && !login) {
    issue("PORTAINER_API_KEY", "is required when ORCHESTRATOR_DRIVER=portainer (an administrator's API key; or set PORTAINER_USERNAME and PORTAINER_PASSWORD)");
  } else if (login && !e.PORTAINER_USERNAME) {
    issue("PORTAINER_USERNAME", "is required with PORTAINER_PASSWORD");
  } else if (login && !e.PORTAINER_PASSWORD) {
    issue("PORTAINER_PASSWORD", "is required with PORTAINER_USERNAME");
  }
  if (e.PORTAINER_ENDPOINT_ID !== undefined && e.PORTAINER_ENDPOINT_NAME !== undefined) {
    issue("PORTAINER_ENDPOINT_ID", "set either PORTAINER_ENDPOINT_ID or PORTAINER_ENDPOINT_NAME, not both");
  } else if (e.PORTAINER_ENDPOINT_ID === undefined && e.PORTAINER_ENDPOINT_NAME === undefined) {
    issue("PORTAINER_ENDPOINT_ID", "is required when ORCHESTRATOR_DRIVER=portainer (the Docker environment's id in Portainer; or set PORTAINER_ENDPOINT_NAME)");
  }
}

// The proxy's rules (issue 14): certificates are set in Caddy through its admin API; on-demand ones
// are only asked for through /_caddy/ask (the hostname pattern, a portal Caddy reaches on loopback);
// the tenants' server has one address, HTTPS with TLS on and plain HTTP with it off; with the proxy
// on, the apps' ports stay on loopback.
function tenantProxyRules(e: Env, ctx: z.RefinementCtx): void {
  const issue = (key: keyof Env, message: string) => ctx.addIssue({ code: "custom", path: [key], message });
  const tlsOn = e.TENANT_TLS !== "off";
  if (e.TENANT_TLS === "on-demand" && !e.TENANT_HOST_PATTERN) {
    issue("TENANT_TLS", "on-demand needs TENANT_HOST_PATTERN (Caddy asks /_caddy/ask, which answers only with it), e.g. {slug}.apps.vendor.com");
  }
  if (tlsOn && !e.CADDY_ADMIN_URL) {
    issue("TENANT_TLS", `${e.TENANT_TLS} needs CADDY_ADMIN_URL: Tenantry sets the certificates in Caddy through its admin API (or set TENANT_TLS=off when you run the proxy yourself)`);
  }
  if (e.TENANT_TLS === "on-demand" && typeof e.HOST === "string" && loopbackAskHost(e.HOST) === null) {
    issue("HOST", "must be reachable on loopback (127.0.0.1, ::1, 0.0.0.0, :: or localhost) with TENANT_TLS=on-demand: Caddy asks the portal's /_caddy/ask on this machine, which answers loopback connections only");
  }
  if (e.TENANT_TLS === "files") {
    for (const key of ["TENANT_TLS_CERT_FILE", "TENANT_TLS_KEY_FILE"] as const) {
      const problem = pemFileProblem(e[key]);
      if (problem) issue(key, `${problem} (TENANT_TLS=files: ${key === "TENANT_TLS_CERT_FILE" ? "the certificate for your tenants' hostnames, e.g. *.apps.vendor.com, with its chain" : "its private key"}, in PEM; Caddy reads it too)`);
    }
  }
  // (Refinements also run when a field failed its own check: read its value with care.)
  const listenPort = /:(\d{1,5})$/.exec(e.TENANT_PROXY_LISTEN ?? "")?.[1];
  if (e.CADDY_ADMIN_URL && listenPort) {
    const port = Number(listenPort);
    if (tlsOn && port === 80) {
      issue("TENANT_PROXY_LISTEN", `port 80 is Caddy's plain-HTTP port, but TENANT_TLS=${e.TENANT_TLS} serves HTTPS: use :443 (the default with TLS on) or another port such as :8443; or set TENANT_TLS=off`);
    }
    if (!tlsOn && port === 443) {
      issue("TENANT_PROXY_LISTEN", "port 443 is HTTPS's, but TENANT_TLS=off serves plain HTTP: use :80 (the default with TLS off) or another port such as 127.0.0.1:8080; or set TENANT_TLS to on-demand or files");
    }
  }
  if (e.CADDY_ADMIN_URL && typeof e.TENANT_BIND_ADDRESS === "string" && !isLoopbackAddress(e.TENANT_BIND_ADDRESS)) {
    issue("TENANT_BIND_ADDRESS", "must be a loopback address (127.0.0.1 or ::1) with CADDY_ADMIN_URL set: Caddy reaches each tenant's app on a loopback-only port, and an app published on another address would be reachable without the proxy (and its HTTPS)");
  }
}

function isLoopbackAddress(address: string): boolean {
  const bare = address.replace(/^\[(.*)\]$/, "$1");
  return (isIP(bare) === 4 && bare.startsWith("127.")) || bare === "::1";
}

/** Where Caddy reaches the portal's /_caddy/ask when it listens on `host` (null: not on loopback). */
function loopbackAskHost(host: string): string | null {
  if (host === "0.0.0.0" || host === "localhost" || isLoopbackAddress(host)) return host.startsWith("127.") ? host : host === "::1" || host === "[::1]" ? "[::1]" : "127.0.0.1";
  if (host === "::" || host === "[::]") return "[::1]";
  return null;
}

/** Why a PEM file setting cannot be used, or null when it is a readable PEM file. */
function pemFileProblem(file: string | undefined): string | null {
  if (!file) return "is required";
  let text: string;
  try {
    text = readFileSync(path.resolve(file), "utf8");
  } catch (error) {
    return `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): check the path and that this user may read it`;
  }
  return /-----BEGIN [A-Z ]+-----/.test(text) ? null : "is not a PEM file (no -----BEGIN ...----- line)";
}

function driverConfig(e: Env): DriverConfig {
  if (e.ORCHESTRATOR_DRIVER === "docker") return { kind: "docker", socketPath: e.DOCKER_SOCKET };
  return {
    kind: "portainer",
    url: e.PORTAINER_URL!,
    credentials: e.PORTAINER_API_KEY ? { apiKey: e.PORTAINER_API_KEY } : { username: e.PORTAINER_USERNAME!, password: e.PORTAINER_PASSWORD! },
    environment: e.PORTAINER_ENDPOINT_ID !== undefined ? { id: e.PORTAINER_ENDPOINT_ID } : { name: e.PORTAINER_ENDPOINT_NAME! },
  };
}

// A database URL carries a password: never echo it back, even in an error.
function redactIfSecret(key: string, value: string): string {
  if (key === "STRIPE_SECRET_KEY" || key === "STRIPE_WEBHOOK_SECRET" || key === "BACKUP_S3_SECRET_ACCESS_KEY") return "***";
  if (key === "SECRETS_KEY" || key === "SECRETS_KEY_NEW" || key === "PORTAINER_API_KEY" || key === "PORTAINER_PASSWORD" || key === "NOTIFY_WEBHOOK_SECRET" || key === "METRICS_TOKEN") return "***";
  // Slack's and Teams' webhook addresses are themselves the credential.
  if (key === "NOTIFY_WEBHOOK_URL") return /^[a-z][a-z0-9+.-]*:\/\/[^/@]*(\/|$)/i.test(value) ? value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@]*).*$/i, "$1/***") : "***";
  // Credentials do not belong in the URL, but if someone put them there, they stay unseen.
  if (key === "PORTAINER_URL") return value.replace(/\/\/[^@/]*@/, "//***@");
  if (key === "SMTP_URL") return value.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
  return key === "DATABASE_URL" ? value.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@") : value;
}

// "1.2.3.4", "1.2.3.4:53", "::1" or "[::1]:53", as node:dns's setServers takes them.
function dnsServerValid(server: string): boolean {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(server);
  const v4 = /^([\d.]+)(?::(\d{1,5}))?$/.exec(server);
  const [address, port] = bracketed ? [bracketed[1]!, bracketed[2]] : v4 ? [v4[1]!, v4[2]] : [server, undefined];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return false;
  return bracketed || !v4 ? isIP(address) === 6 : isIP(address) === 4;
}

// Custom domains need Caddy's routes (a domain is enabled as a host of its tenant's route).
function customDomainSettings(e: Env, proxy: TenantProxySettings | undefined): CustomDomainSettings | undefined {
  if (!e.TENANT_CUSTOM_DOMAIN_TARGET) return undefined;
  if (!proxy) {
    throw new ConfigError(
      'Invalid configuration. Fix these environment variables (see README.md, "Configuration"):\n' +
        "  - TENANT_CUSTOM_DOMAIN_TARGET: needs Caddy's tenant routes (CADDY_ADMIN_URL and TENANT_HOST_PATTERN); or unset TENANT_CUSTOM_DOMAIN_TARGET",
    );
  }
  return { target: e.TENANT_CUSTOM_DOMAIN_TARGET, perTenant: e.CUSTOM_DOMAINS_PER_TENANT, dnsServers: e.DNS_SERVERS };
}

// Caddy's routes need both the admin address and the hostname pattern; one alone is a mistake.
function tenantProxySettings(e: Env): TenantProxySettings | undefined {
  if (!e.CADDY_ADMIN_URL) return undefined;
  if (!e.TENANT_HOST_PATTERN) {
    throw new ConfigError(
      'Invalid configuration. Fix these environment variables (see README.md, "Configuration"):\n' +
        "  - CADDY_ADMIN_URL: needs TENANT_HOST_PATTERN (each tenant's hostname), e.g. {slug}.apps.vendor.com; or unset CADDY_ADMIN_URL",
    );
  }
  return {
    adminUrl: e.CADDY_ADMIN_URL,
    hostPattern: e.TENANT_HOST_PATTERN,
    listen: e.TENANT_PROXY_LISTEN ?? (e.TENANT_TLS === "off" ? ":80" : ":443"),
    vendorName: e.VENDOR_NAME,
    // The suspended page links to "send me my link" when the portal's public address is known.
    accountUrl: e.PORTAL_URL ? `${e.PORTAL_URL}/trial` : undefined,
    tls: tenantTlsSettings(e),
  };
}

function tenantTlsSettings(e: Env): TenantTlsSettings {
  if (e.TENANT_TLS === "files") return { mode: "files", certFile: path.resolve(e.TENANT_TLS_CERT_FILE!), keyFile: path.resolve(e.TENANT_TLS_KEY_FILE!) };
  if (e.TENANT_TLS === "off") return { mode: "off" };
  return {
    mode: "on-demand",
    askUrl: `http://${loopbackAskHost(e.HOST)}:${e.PORT}/_caddy/ask`,
    acme: { directoryUrl: e.ACME_DIRECTORY_URL, caRootFile: e.ACME_CA_ROOT_FILE ? path.resolve(e.ACME_CA_ROOT_FILE) : undefined, email: e.ACME_EMAIL },
  };
}

// Stripe (issue 12): the secret key calls Stripe, the webhook secret checks what Stripe sends; one
// without the other is half a setup. STRIPE_API_URL only points the SDK elsewhere (a local double).
function stripeKeysTogether(e: Env, ctx: z.RefinementCtx): void {
  const issue = (key: keyof Env, message: string) => ctx.addIssue({ code: "custom", path: [key], message });
  if (e.STRIPE_SECRET_KEY && !e.STRIPE_WEBHOOK_SECRET) issue("STRIPE_WEBHOOK_SECRET", "is required with STRIPE_SECRET_KEY (the signing secret of the endpoint https://<portal>/webhooks/stripe); or unset STRIPE_SECRET_KEY to run trial-only");
  if (e.STRIPE_WEBHOOK_SECRET && !e.STRIPE_SECRET_KEY) issue("STRIPE_SECRET_KEY", "is required with STRIPE_WEBHOOK_SECRET; or unset STRIPE_WEBHOOK_SECRET to run trial-only");
  if (e.STRIPE_API_URL && !e.STRIPE_SECRET_KEY) issue("STRIPE_API_URL", "has no effect without STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET: set them, or unset STRIPE_API_URL");
}

// Tenant backups to a bucket (issue 13): the address and both keys, or none of them.
function backupBucketComplete(e: Env, ctx: z.RefinementCtx): void {
  const issue = (key: keyof Env, message: string) => ctx.addIssue({ code: "custom", path: [key], message });
  const keys = [e.BACKUP_S3_ACCESS_KEY_ID, e.BACKUP_S3_SECRET_ACCESS_KEY].filter(Boolean).length;
  if (e.BACKUP_S3_URL && keys < 2) issue("BACKUP_S3_URL", "needs BACKUP_S3_ACCESS_KEY_ID and BACKUP_S3_SECRET_ACCESS_KEY (the bucket's access key); or unset BACKUP_S3_URL to keep backups in BACKUP_DIR only");
  if (!e.BACKUP_S3_URL && keys > 0) issue("BACKUP_S3_URL", "is required with BACKUP_S3_ACCESS_KEY_ID and BACKUP_S3_SECRET_ACCESS_KEY (https://<endpoint>/<bucket>[/<prefix>]); or unset both keys");
  if (e.BACKUP_S3_URL) {
    const url = new URL(e.BACKUP_S3_URL);
    if (url.pathname.split("/").filter(Boolean).length === 0 || url.username || url.password) {
      issue("BACKUP_S3_URL", "must be https://<endpoint>/<bucket>[/<prefix>] (path-style), with no credentials in it");
    }
  }
}

function billingSettings(e: Env): BillingSettings {
  const api = e.STRIPE_API_URL ? new URL(e.STRIPE_API_URL) : undefined;
  return {
    ...(e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET
      ? {
          stripe: {
            secretKey: e.STRIPE_SECRET_KEY,
            webhookSecret: e.STRIPE_WEBHOOK_SECRET,
            ...(api
              ? { api: { protocol: api.protocol === "https:" ? ("https" as const) : ("http" as const), host: api.hostname, port: api.port ? Number(api.port) : api.protocol === "https:" ? 443 : 80 } }
              : {}),
          },
        }
      : {}),
    graceDays: e.BILLING_GRACE_DAYS,
    trialHandoff: e.BILLING_TRIAL_HANDOFF,
  };
}
