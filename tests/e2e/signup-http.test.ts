// The portal over HTTP, as a browser without JavaScript uses it: the real server process, the real
// database (embedded by default, PostgreSQL where the test needs to break it).
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formFields as person } from "../support/signup-fixtures.ts";
import { createPostgresDatabase } from "../support/test-database.ts";
import { freePort, postSignup, spawnPortal, startPortal, type Portal } from "../support/portal.ts";

describe("portal on the embedded database", () => {
  let portal: Portal;
  beforeAll(async () => {
    portal = await startPortal({ SIGNUP_RATE_LIMIT_PER_HOUR: "1000" });
  });
  afterAll(async () => {
    await portal?.stop();
  });

  it("answers /healthz with the database's state", async () => {
    const response = await fetch(`${portal.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", database: "ok" });
  });

  it("serves the form in the browser's language and switches on request", async () => {
    const fr = await (await fetch(portal.url, { headers: { "Accept-Language": "fr-FR,fr;q=0.9" } })).text();
    expect(fr).toContain('<html lang="fr"');
    expect(fr).toContain("Démarrez votre essai gratuit");
    const en = await (await fetch(portal.url, { headers: { "Accept-Language": "en-US" } })).text();
    expect(en).toContain("Start your free trial");

    const toFrench = await fetch(`${portal.url}/lang/fr?redirectTo=%2Fterms`, { redirect: "manual" });
    expect(toFrench.status).toBe(302);
    expect(toFrench.headers.get("location")).toBe("/terms");
    const cookie = toFrench.headers.get("set-cookie")!.split(";")[0]!;
    const page = await (await fetch(portal.url, { headers: { Cookie: cookie, "Accept-Language": "en" } })).text();
    expect(page).toContain("Démarrez votre essai gratuit");

    const offsite = await fetch(`${portal.url}/lang/en?redirectTo=//evil.example/`, { redirect: "manual" });
    expect(offsite.headers.get("location")).toBe("/");
    // Browsers strip tabs and newlines from a Location and read "\" as "/": each would be //evil.example.
    for (const target of ["/%09/evil.example", "/%0A/evil.example", "/%5Cevil.example", "%2F%2Fevil.example", "https://evil.example/"]) {
      const tricky = await fetch(`${portal.url}/lang/en?redirectTo=${target}`, { redirect: "manual" });
      expect(tricky.status).toBe(302);
      expect(tricky.headers.get("location")).toBe("/");
    }
  });

  it("takes a signup without JavaScript to an unguessable status page", async () => {
    const response = await postSignup(portal.url, person({ firstName: "Élodie", company: "Café Crème" }));
    expect(response.status).toBe(303);
    const location = response.headers.get("location")!;
    expect(location).toMatch(/^\/trial\/[A-Za-z0-9_-]{43}$/);
    const status = await fetch(`${portal.url}${location}`, { headers: { "Accept-Language": "en" } });
    expect(status.status).toBe(200);
    const html = await status.text();
    expect(html).toContain("Thank you, Élodie! Your trial for Café Crème is registered.");
    expect(html).toContain('data-state="pending"');
    expect(status.headers.get("cache-control")).toBe("no-store");
    expect(html).toContain("cafe-creme");
    expect((await fetch(`${portal.url}/trial/not-a-real-token`)).status).toBe(404);
  });

  it("gives a replayed POST the same trial", async () => {
    const fields = person();
    const first = await postSignup(portal.url, fields);
    const second = await postSignup(portal.url, fields);
    expect(first.status).toBe(303);
    expect(second.status).toBe(303);
    expect(second.headers.get("location")).toBe(first.headers.get("location"));
  });

  it("refuses a second trial for an email with an active subscription without telling its plan or its page", async () => {
    const fields = person();
    const first = await postSignup(portal.url, fields);
    expect(first.status).toBe(303);
    const again = await postSignup(portal.url, { ...fields, signupKey: "another-key-0123456789" }, { "Accept-Language": "fr" });
    expect(again.status).toBe(409);
    const html = await again.text();
    expect(html).toContain("Cette adresse e-mail a déjà un essai ou un abonnement chez nous : utilisez le lien de l&#x27;e-mail");
    expect(html).not.toMatch(/abonnement actif|\(trial\)/);
    expect(html).not.toContain(first.headers.get("location")!.split("/").pop());
  });

  it("refuses names with line breaks or control characters, in the user's language", async () => {
    const response = await postSignup(portal.url, person({ firstName: "Jean\r\nBcc: x@evil.example", company: "Evil\tCorp" }), { "Accept-Language": "en" });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toMatch(/id="firstName-error"[^>]*>Please use a single line of ordinary text/);
    expect(html).toMatch(/id="company-error"[^>]*>Please use a single line of ordinary text/);
  });

  it("answers bad input with each field's message and the input kept", async () => {
    const response = await postSignup(
      portal.url,
      { firstName: "Jean", lastName: "", email: "jean@", company: "Martin & <Fils>", phone: "12", signupKey: "k" },
      { "Accept-Language": "en" },
    );
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("Please fill in all required fields");
    expect(html).toMatch(/id="lastName-error"[^>]*>This field is required/);
    expect(html).toMatch(/id="email-error"[^>]*>Please enter a valid email address/);
    expect(html).toMatch(/id="phone-error"[^>]*>Please enter a valid phone number/);
    expect(html).toMatch(/id="acceptTerms-error"[^>]*>Please accept the terms/);
    expect(html).toContain('value="jean@"');
    expect(html).toContain('value="Martin &amp; &lt;Fils&gt;"');
    expect(html).toContain('value="12"');
  });

  it("quietly refuses a filled honeypot and an oversized form", async () => {
    const bot = await postSignup(portal.url, person({ website: "http://spam.example" }));
    expect(bot.status).toBe(400);
    // Over MAX_REQUEST_BODY_KB (64 by default): refused before the form is read (tests/e2e/http-edge.test.ts).
    const huge = await postSignup(portal.url, person({ company: "x".repeat(70_000) }));
    expect(huge.status).toBe(413);
  });

  it("refuses to share its embedded database with a second process", async () => {
    const second = spawnPortal({ PORT: String(await freePort()), DATA_DIR: portal.output().match(/embedded, in ([^"]+)\/pglite/)![1]! });
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(/is in use by another process \(pid \d+\)/);
  });
});

describe("rate limit", () => {
  let portal: Portal;
  beforeAll(async () => {
    portal = await startPortal({ SIGNUP_RATE_LIMIT_PER_HOUR: "2" });
  });
  afterAll(async () => {
    await portal?.stop();
  });

  it.each(["postgres", "embedded"])("accepts exactly the configured number from 30 parallel signups of one address (%s)", async (kind) => {
    const database = kind === "postgres" ? await createPostgresDatabase() : null;
    const parallel = await startPortal({ SIGNUP_RATE_LIMIT_PER_HOUR: "3", ...(database ? { DATABASE_URL: database.url } : {}) });
    try {
      const responses = await Promise.all(Array.from({ length: 30 }, () => postSignup(parallel.url, person())));
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 303)).toHaveLength(3);
      expect(statuses.filter((s) => s === 429)).toHaveLength(27);
    } finally {
      await parallel.stop();
      await database?.drop();
    }
  });

  it("answers 503 with Retry-After, and keeps nothing, while too many tenants wait for provisioning", async () => {
    const capped = await startPortal({ SIGNUP_MAX_PENDING_TENANTS: "2", SIGNUP_RATE_LIMIT_PER_HOUR: "1000" });
    try {
      expect((await postSignup(capped.url, person())).status).toBe(303);
      expect((await postSignup(capped.url, person())).status).toBe(303);
      const fields = person();
      const busy = await postSignup(capped.url, fields, { "Accept-Language": "fr" });
      expect(busy.status).toBe(503);
      expect(busy.headers.get("retry-after")).toBe("300");
      expect(await busy.text()).toContain("Nous installons beaucoup d&#x27;essais en ce moment. Rien n&#x27;a été enregistré. Veuillez réessayer dans quelques minutes.");
      const english = await postSignup(capped.url, person(), { "Accept-Language": "en" });
      expect(await english.text()).toContain("Please try again in a few minutes.");
      // Nothing was kept: the same form, sent again, is not a replay of a stored signup.
      expect((await postSignup(capped.url, fields)).status).toBe(503);
      expect(capped.output()).toMatch(/signup refused: too many tenants wait for provisioning/);
    } finally {
      await capped.stop();
    }
  });

  it("answers the signup over the limit with a clear 429 page", async () => {
    expect((await postSignup(portal.url, person())).status).toBe(303);
    expect((await postSignup(portal.url, person())).status).toBe(303);
    const limited = await postSignup(portal.url, person(), { "Accept-Language": "en" });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(3000);
    expect(await limited.text()).toContain("Too many trials were started from your network in the last hour");
  });
});

describe("portal on a PostgreSQL server", () => {
  let portal: Portal;
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  beforeAll(async () => {
    database = await createPostgresDatabase();
    portal = await startPortal({ DATABASE_URL: database.url });
  });
  afterAll(async () => {
    await portal?.stop();
    await database?.drop();
  });

  async function sql(statement: string) {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return await client.query(statement);
    } finally {
      await client.end();
    }
  }

  it("shows a clear error, keeps nothing and logs the cause when the database fails mid-transaction", async () => {
    await sql(`CREATE FUNCTION fail_job_insert() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'simulated disk failure'; END; $$ LANGUAGE plpgsql`);
    await sql(`CREATE TRIGGER fail_job_insert BEFORE INSERT ON "ProvisioningJob" FOR EACH ROW EXECUTE FUNCTION fail_job_insert()`);
    const fields = person({ email: "broken@example.com" });
    const response = await postSignup(portal.url, fields, { "Accept-Language": "en" });
    expect(response.status).toBe(500);
    const html = await response.text();
    expect(html).toContain("Nothing was saved. Please try again in a few minutes.");
    expect(html).toContain('value="broken@example.com"');
    const counts = await sql(`SELECT
      (SELECT count(*) FROM "Customer")::int AS customers, (SELECT count(*) FROM "Subscription")::int AS subscriptions,
      (SELECT count(*) FROM "Consent")::int AS consents, (SELECT count(*) FROM "Tenant")::int AS tenants`);
    expect(counts.rows[0]).toEqual({ customers: 0, subscriptions: 0, consents: 0, tenants: 0 });
    expect(portal.output()).toMatch(/"message":"signup failed".*simulated disk failure/);

    await sql(`DROP TRIGGER fail_job_insert ON "ProvisioningJob"`);
    expect((await postSignup(portal.url, fields)).status).toBe(303);
  });

  it("shows a failure in public words, without the engine's error or log lines, and announces progress", async () => {
    const response = await postSignup(portal.url, person({ company: "Broken Instance" }));
    expect(response.status).toBe(303);
    const location = response.headers.get("location")!;
    const token = location.split("/").pop()!;
    const internals = "Error: (HTTP code 404) no such image: registry.internal:5000/vendor-erp:1.2 — db password=hunter2";
    await sql(`UPDATE "Tenant" SET "actualState" = 'failed', progress = '${internals}' WHERE "statusToken" = '${token}'`);
    await sql(`INSERT INTO "JobStep" (id, "jobId", name, position, status, error)
      SELECT gen_random_uuid(), j.id, s.name, s.position, s.status::"StepStatus", s.error
      FROM "ProvisioningJob" j JOIN "Tenant" t ON t.id = j."tenantId",
        (VALUES ('reserve', 0, 'succeeded', NULL), ('deploy', 1, 'failed', '${internals}'), ('ready:postgres', 2, 'pending', NULL)) AS s(name, position, status, error)
      WHERE t."statusToken" = '${token}'`);
    for (const [language, failed, step] of [
      ["en", "The setup of your instance failed. Our team has been notified and will contact you", "Creating your instance — failed"],
      ["fr", "L&#x27;installation de votre instance a échoué. Notre équipe est prévenue et vous contactera", "Création de votre instance — échec"],
    ] as const) {
      const html = await (await fetch(`${portal.url}${location}`, { headers: { "Accept-Language": language } })).text();
      expect(html).toContain(failed);
      expect(html).toContain(step);
      expect(html).not.toMatch(/no such image|registry\.internal|hunter2|HTTP code/);
      expect(html).not.toMatch(/>\s*deploy\s*—|ready:postgres —/);
      expect(html).toMatch(/<div role="status" aria-live="polite"[^>]*data-testid="progress"/);
    }
  });

  it("reports an unreachable database on /healthz", async () => {
    await database.drop();
    const response = await fetch(`${portal.url}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "error", database: "unreachable" });
  });
});

describe("boot", () => {
  it("stops with a readable message on a bad configuration", async () => {
    const child = spawnPortal({ PORT: "seventy", TRIAL_DAYS: "-3" });
    expect(await child.exited).toBe(1);
    expect(child.output()).toContain("Invalid configuration");
    expect(child.output()).toMatch(/PORT: must be a whole number between 1 and 65535 \(got "seventy"\)/);
    expect(child.output()).toMatch(/TRIAL_DAYS: must be a whole number/);
  });

  it("stops when the configured compose template does not exist", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "tenantry-boot-"));
    const child = spawnPortal({ PORT: String(await freePort()), DATA_DIR: dataDir, TENANT_TEMPLATE: "no-such-template" });
    expect(await child.exited).toBe(1);
    expect(child.output()).toMatch(/No compose template "no-such-template" in .*compose-templates \(found: demo\)/);
    // The orchestrator names the setting; the portal names its variable.
    expect(child.output()).toMatch(/\nCheck TENANT_TEMPLATE\.\n/);
  });
});

describe("portal without a container engine", () => {
  let portal: Portal;
  beforeAll(async () => {
    portal = await startPortal({ WORKER: "true", DOCKER_SOCKET: "/nonexistent/docker.sock" });
  });
  afterAll(async () => {
    await portal?.stop();
  });

  it("says so clearly, still takes signups, and keeps their jobs waiting", async () => {
    const response = await postSignup(portal.url, person());
    expect(response.status).toBe(303);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(portal.output()).toMatch(/no container engine answers; provisioning jobs wait in the queue until it does/);
    expect(portal.output()).toContain("docker at /nonexistent/docker.sock");
    expect(portal.output()).toContain('"hint":"check DOCKER_SOCKET"');
    const html = await (await fetch(`${portal.url}${response.headers.get("location")}`, { headers: { "Accept-Language": "en" } })).text();
    expect(html).toContain('data-state="pending"');
    // Said once, not at every poll.
    expect(portal.output().match(/no container engine answers/g)).toHaveLength(1);
  });
});
