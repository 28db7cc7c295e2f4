// The real portal wired to the Stripe API double, as the console and account-page tests of billing
// need it before they test anything: a scratch folder with the plans file (PLANS_FILE), a migrated
// PostgreSQL database shared with the test, the admins in it before the portal starts, the double
// with its prices, and the portal given the double's key, webhook secret and URL (STRIPE_*) with
// the double's webhooks sent back to the portal's /webhooks/stripe. stop() undoes it all.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startStripeDouble, type StripeDouble, type StripeDoubleOptions } from "../stripe-double/server.ts";
import { addAdmins, createSharedDatabase, type AdminAccount, type AdminRole, type SharedDatabase } from "./console-fixtures.ts";
import { startPortal, type Portal } from "./portal.ts";

export interface StripePortal {
  /** The scratch folder (removed by stop()). */
  dir: string;
  plansFile: string;
  shared: SharedDatabase;
  double: StripeDouble;
  portal: Portal;
  stop(): Promise<void>;
}

export async function startStripePortal(options: {
  /** Names the scratch folder (the test's letter and subject). */
  name: string;
  /** The plans file's content, as PLANS_FILE holds it. */
  plans: unknown;
  double: StripeDoubleOptions;
  admins?: (AdminAccount & { role: AdminRole })[];
  /** More of the portal's settings (WORKER, SCHEDULER…). */
  portalEnv?: Record<string, string>;
}): Promise<StripePortal> {
  const dir = await mkdtemp(path.join(tmpdir(), `${options.name}-`));
  let shared: SharedDatabase | undefined;
  let double: StripeDouble | undefined;
  try {
    const plansFile = path.join(dir, "plans.json");
    await writeFile(plansFile, JSON.stringify(options.plans));
    shared = await createSharedDatabase();
    await addAdmins(shared.db, options.admins ?? []);
    double = await startStripeDouble(options.double);
    const portal = await startPortal({
      DATABASE_URL: shared.url,
      STRIPE_SECRET_KEY: double.secretKey,
      STRIPE_WEBHOOK_SECRET: double.webhookSecret,
      STRIPE_API_URL: double.url,
      PLANS_FILE: plansFile,
      ...options.portalEnv,
    });
    double.setWebhookUrl(`${portal.url}/webhooks/stripe`);
    const started = { dir, plansFile, shared, double, portal };
    return { ...started, stop: () => stopAll(started) };
  } catch (error) {
    await stopAll({ dir, shared, double });
    throw error;
  }
}

async function stopAll(parts: { dir: string; shared?: SharedDatabase; double?: StripeDouble; portal?: Portal }) {
  await parts.portal?.stop();
  await parts.double?.close();
  await parts.shared?.dispose();
  await rm(parts.dir, { recursive: true, force: true });
}
