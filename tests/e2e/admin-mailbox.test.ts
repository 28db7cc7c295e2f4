// The development mailbox as operators use it (issue 9, findings 7 and 12): the console's Mailbox
// page shows a customer's temporary password to an operator or owner but never to a viewer; the
// files on disk are encrypted and expire; `npm run mailbox` still reads them; the page has a title,
// in French too. The portal runs on PostgreSQL so that the test can add a viewer beside it.
import { randomBytes } from "node:crypto";
import { execFile } from "node:child_process";
import { readdir, readFile, utimes } from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devMailboxTransport } from "../../orchestrator/mail/dev-mailbox.ts";
import { SecretBox } from "../../orchestrator/secrets.ts";
import { addAdmins, createSharedDatabase, signIn as signInAt, type AdminAccount, type SharedDatabase } from "../support/console-fixtures.ts";
import { repoRoot, startPortal, type Portal } from "../support/portal.ts";

const run = promisify(execFile);
const TEMPORARY_PASSWORD = "Tmp-4f9c2a7e1b";
const OWNER = { email: "owner@vendor.test", password: "the owner's long password" };
const VIEWER = { email: "viewer@vendor.test", password: "the viewer's long password" };
const key = randomBytes(32);

let database: SharedDatabase;
let dataDir: string;
let portal: Portal;
let env: Record<string, string>;

beforeAll(async () => {
  database = await createSharedDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), "tenantry-mailbox-"));
  env = { DATABASE_URL: database.url, DATA_DIR: dataDir, SECRETS_KEY: key.toString("hex") };
  portal = await startPortal(env);
  await addAdmins(database.db, [
    { ...OWNER, role: "owner" },
    { ...VIEWER, role: "viewer" },
  ]);
  // What the mail sender does with a credentials email when SMTP_URL is not set.
  await devMailboxTransport(path.join(dataDir, "mailbox"), new SecretBox(key)).send({
    from: "Tenantry <noreply@vendor.test>",
    to: "anne@example.com",
    subject: "Your trial is ready",
    text: `Sign in at http://127.0.0.1:9000/\nTemporary password: ${TEMPORARY_PASSWORD}\n`,
    html: "",
    messageId: "<credentials.1@tenantry>",
  });
});
afterAll(async () => {
  await portal?.stop();
  await database?.dispose();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const signIn = (who: AdminAccount) => signInAt(portal.url, who);

describe("the development mailbox", () => {
  it("keeps messages encrypted on disk", async () => {
    const dir = path.join(dataDir, "mailbox");
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    const content = await readFile(path.join(dir, files[0]!), "utf8");
    expect(content).not.toContain(TEMPORARY_PASSWORD);
    expect(content).not.toContain("anne@example.com");
  });

  it("shows the temporary password to an owner, not to a viewer", async () => {
    const owner = await (await fetch(`${portal.url}/admin/mailbox`, { headers: { Cookie: await signIn(OWNER) } })).text();
    expect(owner).toContain("Your trial is ready");
    expect(owner).toContain(TEMPORARY_PASSWORD);

    const viewerResponse = await fetch(`${portal.url}/admin/mailbox`, { headers: { Cookie: await signIn(VIEWER) } });
    expect(viewerResponse.status).toBe(200);
    const viewer = await viewerResponse.text();
    expect(viewer).toContain("Your trial is ready");
    expect(viewer).toContain("shown to operators and owners only");
    expect(viewer).not.toContain(TEMPORARY_PASSWORD);
    // Nor through the loader's data.
    const data = await (
      await fetch(`${portal.url}/admin/mailbox?_data=routes%2Fadmin.mailbox`, { headers: { Cookie: await signIn(VIEWER) } })
    ).text();
    expect(data).toContain("Your trial is ready");
    expect(data).not.toContain(TEMPORARY_PASSWORD);
  });

  it("titles the Mailbox page, in French for a French reader", async () => {
    const cookie = await signIn(OWNER);
    const en = await (await fetch(`${portal.url}/admin/mailbox`, { headers: { Cookie: cookie } })).text();
    expect(en).toContain("<title>Tenantry — Mailbox</title>");
    const fr = await (await fetch(`${portal.url}/admin/mailbox`, { headers: { Cookie: cookie, "Accept-Language": "fr" } })).text();
    expect(fr).toContain("<title>Tenantry — Messagerie</title>");
    const dashboard = await (await fetch(`${portal.url}/admin`, { headers: { Cookie: cookie, "Accept-Language": "fr" } })).text();
    expect(dashboard).toContain("<title>Tenantry — Tableau de bord</title>");
  });

  it("lets `npm run mailbox` read it, and drops messages older than the retention time", async () => {
    const mailbox = (...args: string[]) =>
      run(process.execPath, ["--import", "tsx", "app/mailbox.ts", ...args], { cwd: repoRoot, env: { ...process.env, ...env } });
    expect((await mailbox()).stdout).toMatch(/: 1 message\(s\)/);
    expect((await mailbox("last")).stdout).toContain(`Temporary password: ${TEMPORARY_PASSWORD}`);

    const dir = path.join(dataDir, "mailbox");
    const [file] = await readdir(dir);
    const fourDaysAgo = new Date(Date.now() - 4 * 86_400_000);
    await utimes(path.join(dir, file!), fourDaysAgo, fourDaysAgo);
    expect((await mailbox()).stdout).toContain("is empty");
    expect(await readdir(dir)).toHaveLength(0);
  });
});
