// 200 parallel wrong sign-ins from one address against the real portal (issue 9, finding 1): the
// portal keeps answering, at most five passwords are checked (one `admin.login_failed` audit entry
// per checked password), every refusal looks the same, and the owner signs in from elsewhere.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFirstOwner, signIn } from "../support/console-fixtures.ts";
import { startPortal, type Portal } from "../support/portal.ts";

const OWNER = { email: "owner@vendor.test", password: "the owner's long password" };
const ATTACKER = "198.51.100.66";

let portal: Portal;
beforeAll(async () => {
  portal = await startPortal({ TRUST_PROXY: "1" });
  await createFirstOwner(portal, OWNER, { "X-Forwarded-For": "203.0.113.1" });
});
afterAll(async () => {
  await portal?.stop();
});

function post(path: string, fields: Record<string, string>, address: string, cookie?: string) {
  return fetch(`${portal.url}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      "X-Forwarded-For": address,
      ...(cookie ? { Cookie: cookie } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  });
}

describe("admin sign-in under a storm of parallel wrong passwords", () => {
  it("stays responsive, checks at most 5 passwords, and lets the owner in from another address", async () => {
    let storming = true;
    const healthTimes: number[] = [];
    const probe = (async () => {
      while (storming) {
        const started = performance.now();
        const health = await fetch(`${portal.url}/healthz`);
        healthTimes.push(performance.now() - started);
        expect(health.status).toBe(200);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const answers = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const response = await post("/admin/login", { email: OWNER.email, password: `wrong guess ${i}` }, ATTACKER);
        return { status: response.status, text: await response.text() };
      }),
    );
    storming = false;
    await probe;

    expect(healthTimes.length).toBeGreaterThan(0);
    expect(Math.max(...healthTimes)).toBeLessThan(1_000);
    // One answer for all: a refused unchecked attempt looks like a wrong password.
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([401]));
    expect(new Set(answers.map((a) => /role="alert">([^<]*)</.exec(a.text)?.[1])).size).toBe(1);
    // The right password from the attacking address is refused too, unchecked.
    expect((await post("/admin/login", OWNER, ATTACKER)).status).toBe(401);

    // From another address the right password still opens the console.
    const cookie = await signIn(portal.url, OWNER, { "X-Forwarded-For": "203.0.113.20" });

    const audit = async (action: string) => {
      const response = await fetch(`${portal.url}/admin/audit?action=${action}&_data=routes%2Fadmin.audit`, { headers: { Cookie: cookie } });
      expect(response.status).toBe(200);
      return ((await response.json()) as { entries: { action: string; details: { ip?: string } }[] }).entries.filter((e) => e.action === action);
    };
    const checked = await audit("admin.login_failed");
    expect(checked.length).toBeGreaterThan(0);
    expect(checked.length).toBeLessThanOrEqual(5);
    expect(checked.every((e) => e.details.ip === ATTACKER)).toBe(true);
    expect(await audit("admin.login_throttled")).toHaveLength(1);
  });
});
